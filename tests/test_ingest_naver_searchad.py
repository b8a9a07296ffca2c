"""Naver search ads (검색광고) report downloads as ad statistics: a report title line above the header, headers
with units in brackets ("총비용(VAT포함,원)"), '2026.11.01.' days, '-' for "no keyword" and a 합계 (total) line.

tests/fixtures/naver_searchad/keyword_report.csv has the download's shape (a 다차원 보고서 by 일별, campaign, ad group
and keyword) with made-up figures.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from data.ingest import ingest_bytes, ingest_file
from data.readers import read_table

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "fixtures" / "naver_searchad" / "keyword_report.csv"


def _day_rows() -> list[dict[str, str]]:
    """The report's day rows read with the standard library (title line and 합계 line left out)."""
    with REPORT.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh.readlines()[1:]))
    return [r for r in rows if r["일별"] != "합계"]


def _sum(rows, column) -> float:
    return sum(float(r[column].replace(",", "")) for r in rows)


def test_title_line_is_skipped_and_the_header_read():
    table = read_table(REPORT)
    assert table.frame.columns[1:4] == ["일별", "캠페인", "광고그룹"]
    assert table.frame.height == 10 and not table.ragged_rows     # 9 days x keywords + the 합계 line


def test_report_loads_as_ad_stats_with_the_reports_own_sums(warehouse):
    result = ingest_file(warehouse, REPORT, seller_id="ss", kind="ad_stats")
    assert result.status == "loaded", result.problems
    assert result.format == "naver_searchad" and result.rows_loaded == 9      # the 합계 line is not a day
    rows = _day_rows()
    stored = warehouse.sql("SELECT sum(cost)::DOUBLE AS cost, sum(impressions) AS imp, sum(clicks) AS clicks, "
                           "sum(conversions) AS conv, sum(conversion_revenue)::DOUBLE AS rev, "
                           "count(DISTINCT platform) AS platforms, min(platform) AS platform "
                           "FROM ad_stats WHERE seller_id = 'ss'").row(0, named=True)
    assert stored["cost"] == pytest.approx(_sum(rows, "총비용(VAT포함,원)"))
    assert stored["imp"] == _sum(rows, "노출수") and stored["clicks"] == _sum(rows, "클릭수")
    assert stored["conv"] == _sum(rows, "전환수")
    assert stored["rev"] == pytest.approx(_sum(rows, "전환매출액(원)"))
    assert (stored["platforms"], stored["platform"]) == (1, "naver_searchad")
    # '-' (a shopping ad has no keyword) is stored as no keyword; days are the report's
    assert warehouse.scalar("SELECT count(*) FROM ad_stats WHERE keyword = '-'") == 0
    assert warehouse.scalar("SELECT count(*) FROM ad_stats WHERE keyword = '' AND campaign = '쇼핑검색#1'") == 3
    assert str(warehouse.scalar("SELECT min(stat_date) FROM ad_stats")) == "2026-11-01"
    again = ingest_file(warehouse, REPORT, seller_id="ss", kind="ad_stats")
    assert again.status == "nothing_new" and again.rows_loaded == 0


def test_cp949_download_gives_the_same_rows(warehouse):
    ingest_file(warehouse, REPORT, seller_id="a", kind="ad_stats")
    result = ingest_bytes(warehouse, REPORT.read_text(encoding="utf-8").encode("cp949"), filename="키워드 보고서.csv",
                          seller_id="b", kind="ad_stats")
    assert result.status == "loaded" and result.format == "naver_searchad"
    query = ("SELECT stat_date, campaign, ad_group, keyword, impressions, clicks, cost, conversions, "
             "conversion_revenue FROM ad_stats WHERE seller_id = $s ORDER BY ALL")
    assert warehouse.sql(query, {"s": "a"}).equals(warehouse.sql(query, {"s": "b"}))


def test_a_report_without_days_is_rejected_saying_how_to_fix_it(tmp_path, warehouse):
    path = tmp_path / "campaigns.csv"
    path.write_text('"캠페인 보고서,(2026.11.01.~2026.11.03.)"\n'
                    '캠페인,노출수,클릭수,"총비용(VAT포함,원)",전환수\n'
                    '파워링크#1 사료,"6,877",126,"51,272",4\n', encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="ad_stats")
    assert result.status == "rejected" and "일별" in result.problems[0].reason
    assert warehouse.scalar("SELECT count(*) FROM ad_stats") == 0


def test_ads_report_reads_the_spend_and_the_waste(tmp_path):
    db = tmp_path / "w.duckdb"
    proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(REPORT), "--seller", "ss", "--kind",
                           "ad_stats", "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "analytics", "ads", "--seller", "ss", "--db", str(db), "--from",
                           "2026-11-01", "--to", "2026-11-03", "--as-of", "2026-11-04", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    rows = _day_rows()
    assert report["totals"]["spend"] == pytest.approx(_sum(rows, "총비용(VAT포함,원)"))
    assert report["totals"]["conversion_revenue"] == pytest.approx(_sum(rows, "전환매출액(원)"))
    # spend that bought nothing: the keyword whose every day shows 0 conversions
    wasted = [r for r in rows if r["키워드"] == "소포장 사료"]
    assert all(r["전환수"] == "0" for r in wasted)
    assert report["waste"]["spend"] == pytest.approx(_sum(wasted, "총비용(VAT포함,원)"))
    assert [w["keyword"] for w in report["waste"]["keyword"]] == ["소포장 사료"]


def test_the_header_line_still_decides_the_separator(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text('sku,name,attributes\nA1,"사료 2kg","size=S;flavour=chicken;age=adult;pack=1"\n', encoding="utf-8")
    table = read_table(path)
    assert table.frame.columns[1:] == ["sku", "name", "attributes"]
    assert table.frame["attributes"][0] == "size=S;flavour=chicken;age=adult;pack=1"


LATER = ('"키워드 보고서,(2026.11.02.~2026.11.04.)"\n'
         '일별,캠페인,광고그룹,키워드,노출수,클릭수,"총비용(VAT포함,원)",전환수,"전환매출액(원)"\n'
         # 11.02: as before
         '2026.11.02.,파워링크#1 사료,강아지 사료 그룹,강아지 사료,"1,150",28,"11,770",1,"25,900"\n'
         '2026.11.02.,파워링크#1 사료,강아지 사료 그룹,소포장 사료,611,15,"5,850",0,0\n'
         # 11.02: a conversion counted late (within the attribution window)
         '2026.11.02.,쇼핑검색#1,고양이 모래 그룹,-,"2,402",37,"7,585",3,"103,500"\n'
         # 11.03: the day was partial when first downloaded
         '2026.11.03.,파워링크#1 사료,강아지 사료 그룹,강아지 사료,"1,410",30,"12,930",2,"51,800"\n'
         '2026.11.03.,파워링크#1 사료,강아지 사료 그룹,소포장 사료,702,18,"6,768",1,"8,900"\n'
         '2026.11.03.,쇼핑검색#1,고양이 모래 그룹,-,"2,255",35,"7,035",0,0\n'
         # 11.04: new
         '2026.11.04.,파워링크#1 사료,강아지 사료 그룹,강아지 사료,"1,020",25,"10,500",1,"25,900"\n')


def _keyed(text: str) -> dict[tuple[str, ...], dict[str, str]]:
    rows = csv.DictReader(text.splitlines()[1:])
    return {(r["일별"], r["캠페인"], r["광고그룹"], r["키워드"]): r for r in rows if r["일별"] != "합계"}


def test_a_later_download_restates_the_days_it_repeats(tmp_path, warehouse):
    first = ingest_file(warehouse, REPORT, seller_id="ss", kind="ad_stats")
    path = tmp_path / "later.csv"
    path.write_text(LATER, encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="ad_stats")
    assert result.status == "loaded", result.problems
    # one new row, three restated (late conversions, a partial day completed), three unchanged
    assert (result.totals["rows"], result.totals["rows_updated"]) == (1, 3)
    assert (result.rows_loaded, result.rows_duplicate) == (4, 3)
    # the store holds the first report's rows overwritten by the later one's, key by key
    expected = {**_keyed(REPORT.read_text(encoding="utf-8")), **_keyed(LATER)}
    stored = warehouse.sql("SELECT count(*) AS n, sum(cost)::DOUBLE AS cost, sum(impressions) AS imp, "
                           "sum(conversions) AS conv, sum(conversion_revenue)::DOUBLE AS rev "
                           "FROM ad_stats WHERE seller_id = 'ss'").row(0, named=True)
    rows = list(expected.values())
    assert stored["n"] == len(rows) == 10
    assert stored["cost"] == pytest.approx(_sum(rows, "총비용(VAT포함,원)"))
    assert stored["imp"] == _sum(rows, "노출수") and stored["conv"] == _sum(rows, "전환수")
    assert stored["rev"] == pytest.approx(_sum(rows, "전환매출액(원)"))
    # restated rows carry the load that restated them; the unchanged ones keep the first load's
    by_load = dict(warehouse.sql("SELECT load_id, count(*) FROM ad_stats GROUP BY ALL").rows())
    assert by_load == {first.load_id: 6, result.load_id: 4}
    again = ingest_file(warehouse, path, seller_id="ss", kind="ad_stats")
    assert again.status == "nothing_new" and again.totals["rows_updated"] == 0


def test_a_late_conversion_takes_a_keyword_off_the_waste_list(tmp_path):
    db = tmp_path / "w.duckdb"
    later = tmp_path / "later.csv"
    later.write_text(LATER, encoding="utf-8")

    def waste() -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "analytics", "ads", "--seller", "ss", "--db", str(db),
                               "--from", "2026-11-01", "--to", "2026-11-03", "--as-of", "2026-11-05", "--json"],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        return [w["keyword"] for w in json.loads(proc.stdout)["waste"]["keyword"]]

    for path in (REPORT, later):
        proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(path), "--seller", "ss", "--kind",
                               "ad_stats", "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        if path == REPORT:
            assert waste() == ["소포장 사료"]
    assert waste() == []          # 소포장 사료 converted on 11.03 after all


BY_DEVICE = ROOT / "tests" / "fixtures" / "naver_searchad" / "keyword_report_by_device.csv"


def test_a_report_broken_down_by_device_is_summed_per_keyword_and_day(warehouse):
    result = ingest_file(warehouse, BY_DEVICE, seller_id="ss", kind="ad_stats")
    assert result.status == "loaded", result.problems
    assert (result.rows_read, result.rows_loaded, result.totals["rows_combined"]) == (19, 9, 9)
    # each stored row is the sum of its PC and 모바일 rows (read with the standard library)...
    with BY_DEVICE.open(encoding="utf-8", newline="") as fh:
        parts = [r for r in csv.DictReader(fh.readlines()[1:]) if r["일별"] != "합계"]
    assert {r["PC/모바일 매체"] for r in parts} == {"PC", "모바일"}
    stored = {(str(d), c, g, k): (i, cl, float(co), cv, float(rv)) for d, c, g, k, i, cl, co, cv, rv in warehouse.sql(
        "SELECT stat_date, campaign, ad_group, keyword, impressions, clicks, cost, conversions, conversion_revenue "
        "FROM ad_stats WHERE seller_id = 'ss'").rows()}
    expected: dict[tuple[str, ...], list[float]] = {}
    for r in parts:
        key = (r["일별"].rstrip(".").replace(".", "-"), r["캠페인"], r["광고그룹"], "" if r["키워드"] == "-" else r["키워드"])
        sums = expected.setdefault(key, [0, 0, 0.0, 0, 0.0])
        for i, col in enumerate(("노출수", "클릭수", "총비용(VAT포함,원)", "전환수", "전환매출액(원)")):
            sums[i] += float(r[col].replace(",", ""))
    assert stored == {k: tuple(v) for k, v in expected.items()}
    # ...which is the report without the breakdown, row by row
    query = ("SELECT stat_date, campaign, ad_group, keyword, impressions, clicks, cost, conversions, "
             "conversion_revenue FROM ad_stats WHERE seller_id = $s ORDER BY ALL")
    ingest_file(warehouse, REPORT, seller_id="plain", kind="ad_stats")
    assert warehouse.sql(query, {"s": "ss"}).equals(warehouse.sql(query, {"s": "plain"}))
    again = ingest_file(warehouse, BY_DEVICE, seller_id="ss", kind="ad_stats")
    assert again.status == "nothing_new" and again.totals["rows_updated"] == 0


def test_the_same_device_row_twice_is_still_a_duplicate(tmp_path, warehouse):
    lines = BY_DEVICE.read_text(encoding="utf-8").splitlines()
    changed = lines[2].replace(",361,", ",362,")              # row 2 again (PC), with another figure
    path = tmp_path / "twice.csv"
    path.write_text("\n".join([*lines[:3], changed, *lines[3:]]) + "\n", encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="ad_stats")
    assert result.status == "rejected"
    reasons = [p.reason for p in result.problems]
    assert any(r.startswith("same stat_date") and "PC/모바일 매체 as row" in r for r in reasons), reasons
    assert warehouse.scalar("SELECT count(*) FROM ad_stats") == 0


def test_without_a_breakdown_two_rows_of_one_key_are_rejected_not_summed(tmp_path, warehouse):
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "overlap.csv"          # two downloads pasted together: the same day twice, other figures
    path.write_text("\n".join([*lines[:3], lines[2].replace('"1,204"', '"1,300"'), *lines[3:]]) + "\n",
                    encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="ad_stats")
    assert result.status == "rejected"
    assert any("same stat_date" in p.reason for p in result.problems)
    assert warehouse.scalar("SELECT count(*) FROM ad_stats") == 0
