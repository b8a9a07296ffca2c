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
