"""Google Ads and Meta Ads Manager report downloads as ad statistics, checked against sums of the files made with
the standard library's csv module.

tests/fixtures/google_ads/search_keyword_report.csv has the shape of a Google Ads keyword report segmented by
day (two title lines, "Nov 1, 2026" days, '--' for no value, fractional conversions, "Total:" lines at the end);
tests/fixtures/meta_ads/ads_manager_export.csv that of an Ads Manager export broken down by day, one row per ad.
The figures are made up.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from data.ingest import ingest_bytes, ingest_file
from data.readers import read_table

ROOT = Path(__file__).resolve().parent.parent
GOOGLE = ROOT / "tests" / "fixtures" / "google_ads" / "search_keyword_report.csv"
META = ROOT / "tests" / "fixtures" / "meta_ads" / "ads_manager_export.csv"


def _rows(path: Path, skip: int) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh.readlines()[skip:]))
    return [r for r in rows if not next(iter(r.values())).startswith("Total:")]


def _num(value: str) -> float:
    value = value.replace(",", "").strip()
    return 0.0 if value in ("", "--") else float(value)


def _stored(warehouse, seller: str) -> pl.DataFrame:
    return warehouse.sql(
        "SELECT stat_date, platform, campaign, ad_group, keyword, impressions, clicks, cost::DOUBLE AS cost, "
        "conversions, conversion_revenue::DOUBLE AS revenue FROM ad_stats WHERE seller_id = $s ORDER BY ALL",
        {"s": seller})


# ---------------------------------------------------------------- Google Ads

def test_google_ads_keyword_report_loads_with_its_own_sums(warehouse):
    result = ingest_file(warehouse, GOOGLE, seller_id="g", kind="ad_stats")
    assert result.status == "loaded", result.problems
    assert result.format == "google_ads"
    # 9 day rows (3 "Total:" lines left out); a keyword's exact and phrase match rows are one keyword: 6 stored
    assert (result.rows_read, result.rows_loaded, result.totals["rows_combined"]) == (12, 6, 3)
    rows = _rows(GOOGLE, 2)
    stored = _stored(warehouse, "g")
    assert set(stored["platform"]) == {"google_ads"}
    assert sorted(str(d) for d in set(stored["stat_date"])) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    for ours, theirs in (("impressions", "Impr."), ("clicks", "Clicks"), ("cost", "Cost"),
                         ("revenue", "Conv. value")):
        assert stored[ours].sum() == pytest.approx(sum(_num(r[theirs]) for r in rows)), ours
    # ...and the report's own "Total: Account" line
    with GOOGLE.open(encoding="utf-8", newline="") as fh:
        total = next(r for r in csv.DictReader(fh.readlines()[2:]) if r["Day"] == "Total: Account")
    assert stored["cost"].sum() == pytest.approx(_num(total["Cost"]))
    assert stored["impressions"].sum() == _num(total["Impr."])


def test_google_fractional_conversions_are_whole_and_keep_each_keywords_total(warehouse):
    ingest_file(warehouse, GOOGLE, seller_id="g", kind="ad_stats")
    report: dict[tuple[str, str], float] = defaultdict(float)
    for r in _rows(GOOGLE, 2):
        report[(r["Ad group"], r["Keyword"])] += _num(r["Conversions"])
    assert any(v != int(v) for v in report.values())             # the fixture has data-driven fractions
    stored = _stored(warehouse, "g").group_by("ad_group", "keyword").agg(pl.col("conversions").sum())
    ours = {(g, k): c for g, k, c in stored.rows()}
    assert ours.keys() == report.keys()
    for key, value in report.items():
        assert abs(ours[key] - value) <= 0.5, (key, ours[key], value)


def test_google_csv_for_excel_utf16_with_tabs_gives_the_same_rows(warehouse):
    lines = GOOGLE.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    out.write(lines[0] + "\n" + lines[1] + "\n")
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(csv.reader(lines[2:]))
    data = out.getvalue().encode("utf-16")                       # with a byte order mark, as Google writes it
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff") and b"\t" not in data[:2]
    result = ingest_bytes(warehouse, data, filename="Search keyword report.csv", seller_id="excel",
                          kind="ad_stats")
    assert result.status == "loaded" and result.format == "google_ads", result.problems
    ingest_file(warehouse, GOOGLE, seller_id="g", kind="ad_stats")
    assert _stored(warehouse, "excel").drop("platform").equals(_stored(warehouse, "g").drop("platform"))


def test_utf16_text_is_read_like_utf8(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("sku,name\nA1,강아지 사료\n".encode("utf-16"))
    table = read_table(path)
    assert table.encoding == "utf-16" and table.frame["name"].to_list() == ["강아지 사료"]


def test_google_report_feeds_the_ads_report(tmp_path):
    db = tmp_path / "w.duckdb"
    proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(GOOGLE), "--seller", "g", "--kind",
                           "ad_stats", "--db", str(db), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "analytics", "ads", "--seller", "g", "--db", str(db), "--from",
                           "2026-11-01", "--to", "2026-11-03", "--as-of", "2026-11-04", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    rows = _rows(GOOGLE, 2)
    assert report["totals"]["spend"] == pytest.approx(sum(_num(r["Cost"]) for r in rows))
    assert report["totals"]["conversion_revenue"] == pytest.approx(sum(_num(r["Conv. value"]) for r in rows))
    assert [p["platform"] for p in report["sections"]["platform"]] == ["google_ads"]


# ---------------------------------------------------------------- Meta Ads Manager

def test_meta_export_by_day_loads_one_row_per_ad_set_and_day(warehouse):
    result = ingest_file(warehouse, META, seller_id="m", kind="ad_stats")
    assert result.status == "loaded", result.problems
    assert result.format == "meta_ads"
    assert (result.rows_read, result.rows_loaded, result.totals["rows_combined"]) == (9, 6, 3)
    rows = _rows(META, 0)
    stored = _stored(warehouse, "m")
    assert set(stored["platform"]) == {"meta_ads"} and set(stored["keyword"]) == {""}
    expected: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0] * 5)
    for r in rows:
        sums = expected[(r["Day"], r["Campaign name"], r["Ad set name"])]
        for i, col in enumerate(("Impressions", "Link clicks", "Amount spent (KRW)", "Purchases",
                                 "Purchases conversion value")):
            sums[i] += _num(r[col])
    ours = {(str(d), c, g): [i, cl, co, cv, rv] for d, _p, c, g, _k, i, cl, co, cv, rv in stored.rows()}
    assert ours == {k: v for k, v in expected.items()}


def test_meta_export_of_a_period_is_rejected_saying_how_to_break_it_down(tmp_path, warehouse):
    path = tmp_path / "period.csv"
    path.write_text("Reporting starts,Reporting ends,Campaign name,Ad set name,Amount spent (KRW),Impressions,"
                    "Link clicks,Purchases,Purchases conversion value\n"
                    '2026-11-01,2026-11-30,가을 세일 - 전환,리타겟팅 30일,"612,000",150000,2400,61,"1,402,000"\n',
                    encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="m", kind="ad_stats")
    assert result.status == "rejected" and result.format == "meta_ads"
    assert "Breakdown > By time > Day" in result.problems[0].reason
    assert warehouse.scalar("SELECT count(*) FROM ad_stats") == 0


def test_meta_daily_export_without_a_day_column_uses_reporting_starts(tmp_path, warehouse):
    path = tmp_path / "daily.csv"
    path.write_text("Reporting starts,Reporting ends,Campaign name,Ad set name,Amount spent (KRW),Impressions,"
                    "Link clicks,Purchases,Purchases conversion value\n"
                    '2026-11-01,2026-11-01,가을 세일 - 전환,리타겟팅 30일,"21,400",5210,88,3,"61,500"\n'
                    '2026-11-02,2026-11-02,가을 세일 - 전환,리타겟팅 30일,"20,100",4980,79,2,"41,000"\n',
                    encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="m", kind="ad_stats")
    assert result.status == "loaded" and result.rows_loaded == 2, result.problems
    stored = _stored(warehouse, "m")
    assert [str(d) for d in stored["stat_date"]] == ["2026-11-01", "2026-11-02"]
    assert stored["cost"].to_list() == [21400.0, 20100.0] and stored["revenue"].sum() == 102500.0


@pytest.mark.parametrize(("name", "fmt"), [("google_ads_search_keyword_report.csv", "google_ads"),
                                           ("meta_ads_manager_export.csv", "meta_ads"),
                                           ("naver_searchad_keyword_report.csv", "naver_searchad"),
                                           ("coupang_ads_report.csv", "coupang_ads")])
def test_example_ad_reports_are_recognised_and_load(warehouse, name, fmt):
    result = ingest_file(warehouse, ROOT / "examples" / name, seller_id="s", kind="ad_stats")
    assert (result.status, result.format) == ("loaded", fmt), result.problems
    assert result.rows_loaded > 0


def test_meta_xlsx_export_with_typed_cells_gives_the_same_rows(tmp_path, warehouse):
    frame = pl.read_csv(META, infer_schema_length=None, try_parse_dates=True)   # dates and numbers as typed cells
    assert frame.schema["Day"] == pl.Date and frame.schema["Impressions"].is_integer()
    frame.write_excel(tmp_path / "meta.xlsx")
    result = ingest_file(warehouse, tmp_path / "meta.xlsx", seller_id="x", kind="ad_stats")
    assert (result.status, result.format) == ("loaded", "meta_ads"), result.problems
    ingest_file(warehouse, META, seller_id="m", kind="ad_stats")
    assert _stored(warehouse, "x").equals(_stored(warehouse, "m"))
    # without the Day column, typed Reporting starts / ends cells that cover one day each load the same
    daily = frame.filter(pl.col("Day") == pl.col("Reporting starts")).drop("Day").with_columns(
        pl.col("Reporting starts").alias("Reporting ends"))
    daily.write_excel(tmp_path / "daily.xlsx")
    result = ingest_file(warehouse, tmp_path / "daily.xlsx", seller_id="d", kind="ad_stats")
    assert (result.status, result.rows_loaded) == ("loaded", 2), result.problems


def test_a_report_in_another_currency_than_the_store_is_rejected(tmp_path, warehouse):
    from data.warehouse import ensure_seller

    with warehouse.transaction() as cur:
        ensure_seller(cur, "krw_store", currency="KRW")
    usd = tmp_path / "meta_usd.csv"
    usd.write_text(META.read_text(encoding="utf-8").replace("(KRW)", "(USD)"), encoding="utf-8")
    result = ingest_file(warehouse, usd, seller_id="krw_store", kind="ad_stats")
    assert result.status == "rejected" and "USD" in result.message and "KRW" in result.message
    assert warehouse.scalar("SELECT count(*) FROM ad_stats") == 0
    # the same report for a new store creates it in the report's currency
    result = ingest_file(warehouse, usd, seller_id="us_store", kind="ad_stats")
    assert result.status == "loaded"
    assert warehouse.scalar("SELECT currency FROM sellers WHERE seller_id = 'us_store'") == "USD"
    # Google says it per row; two accounts in one file are refused
    mixed = tmp_path / "mixed.csv"
    lines = GOOGLE.read_text(encoding="utf-8").splitlines()
    mixed.write_text("\n".join([*lines[:4], lines[4].replace(",KRW,", ",USD,"), *lines[5:]]) + "\n",
                     encoding="utf-8")
    result = ingest_file(warehouse, mixed, seller_id="new_store", kind="ad_stats")
    assert result.status == "rejected" and "KRW, USD" in result.message
    # and the KRW report loads into the KRW store
    assert ingest_file(warehouse, GOOGLE, seller_id="krw_store", kind="ad_stats").status == "loaded"


def test_korean_interface_headers_are_recognised(tmp_path, warehouse):
    meta = tmp_path / "meta_ko.csv"
    meta.write_text("보고 시작,보고 종료,캠페인 이름,광고 세트 이름,광고 이름,일,지출 금액 (KRW),노출,링크 클릭,구매,구매 전환값\n"
                    '2026-11-01,2026-11-03,가을 세일,리타겟팅,간식 카루셀,2026-11-01,"21,400",5210,88,3,"61,500"\n'
                    '2026-11-01,2026-11-03,가을 세일,리타겟팅,사료 동영상,2026-11-01,"9,800",2450,31,1,"25,900"\n',
                    encoding="utf-8")
    result = ingest_file(warehouse, meta, seller_id="m", kind="ad_stats")
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "meta_ads", 1), result.problems
    google = tmp_path / "google_ko.csv"
    google.write_text("검색 키워드 보고서\n2026년 11월 1일~2026년 11월 1일\n"
                      "일,키워드,캠페인,광고그룹,통화 코드,노출수,클릭수,비용,전환수,전환 가치\n"
                      '2026-11-01,강아지 사료,검색 - 사료,건식사료,KRW,"1,120",34,"14,008",1.50,"38,850"\n'
                      "합계: 계정,--,--,--,KRW,\"1,120\",34,\"14,008\",1.50,\"38,850\"\n", encoding="utf-8")
    result = ingest_file(warehouse, google, seller_id="g", kind="ad_stats")
    assert (result.status, result.format, result.rows_loaded) == ("loaded", "google_ads", 1), result.problems
    assert _stored(warehouse, "m")["cost"].to_list() == [31200.0]
    assert _stored(warehouse, "g")["conversions"].to_list() == [2]          # 1.50 rounds to 2


def test_a_broken_utf16_file_is_refused_with_a_reason_and_nothing_left_behind(tmp_path, warehouse):
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("si-ingest-*"))
    path = tmp_path / "broken.csv"
    path.write_bytes("Day,Campaign\n".encode("utf-16") + b"\x00")     # odd length: not UTF-16 after all
    result = ingest_file(warehouse, path, seller_id="g", kind="ad_stats")
    assert result.status == "rejected" and "UTF-16" in result.message
    assert set(Path(tempfile.gettempdir()).glob("si-ingest-*")) == before


# ---------------------------------------------------------------- Coupang ads

COUPANG = ROOT / "tests" / "fixtures" / "coupang_ads" / "ad_report.csv"


def test_coupang_ad_report_xlsx_with_numeric_days_sums_options_and_placements(tmp_path, warehouse):
    frame = pl.read_csv(COUPANG, infer_schema_length=None)       # 날짜 20261101 and ids as numbers, as in Excel
    assert frame.schema["날짜"].is_integer() and frame.schema["광고집행 옵션ID"].is_integer()
    frame.write_excel(tmp_path / "coupang.xlsx")
    result = ingest_file(warehouse, tmp_path / "coupang.xlsx", seller_id="c", kind="ad_stats")
    assert (result.status, result.format) == ("loaded", "coupang_ads"), result.problems
    # options (2kg, 6kg) of one keyword are summed; the non-search placement has no keyword
    assert (result.rows_read, result.rows_loaded, result.totals["rows_combined"]) == (9, 7, 2)
    expected: dict[tuple[str, str, str, str], list[float]] = defaultdict(lambda: [0.0] * 5)
    for r in _rows(COUPANG, 0):
        day = f"{r['날짜'][:4]}-{r['날짜'][4:6]}-{r['날짜'][6:]}"
        sums = expected[(day, r["캠페인명"], r["광고그룹"], "" if r["키워드"] == "-" else r["키워드"])]
        for i, col in enumerate(("노출수", "클릭수", "광고비", "총 주문수(14일)", "총 전환매출액(14일)")):
            sums[i] += _num(r[col])
    stored = _stored(warehouse, "c")
    assert set(stored["platform"]) == {"coupang_ads"}
    ours = {(str(d), c, g, k): [i, cl, co, cv, rv] for d, _p, c, g, k, i, cl, co, cv, rv in stored.rows()}
    assert ours == dict(expected)
    assert set(warehouse.sql("SELECT DISTINCT attribution_window_days AS w FROM ad_stats")["w"]) == {14}
    # the CSV download gives the same rows
    ingest_file(warehouse, COUPANG, seller_id="c_csv", kind="ad_stats")
    assert _stored(warehouse, "c_csv").equals(stored)


def test_coupang_report_with_one_day_attribution_only(tmp_path, warehouse):
    frame = pl.read_csv(COUPANG, infer_schema_length=None).drop(
        "총 주문수(14일)", "총 판매수량(14일)", "총 전환매출액(14일)", "총광고수익률(14일)")
    frame.write_csv(tmp_path / "one_day.csv")
    result = ingest_file(warehouse, tmp_path / "one_day.csv", seller_id="c", kind="ad_stats")
    assert (result.status, result.format) == ("loaded", "coupang_ads"), result.problems
    assert warehouse.scalar("SELECT sum(conversions) FROM ad_stats") == sum(
        _num(r["총 주문수(1일)"]) for r in _rows(COUPANG, 0))
    assert set(warehouse.sql("SELECT DISTINCT attribution_window_days AS w FROM ad_stats")["w"]) == {1}
