"""Visits counted by day (kind traffic_stats): a Naver Smart Store 마케팅분석 download, the only traffic data a Smart
Store seller gets (no visit-level log). Per day, 채널속성 (모바일, PC, and 전체 rows totalling them), 채널그룹,
채널명 and 키워드: 유입수 (visits), 페이지수, and last-click payments (결제수 / 결제금액). The traffic, keyword and
KPI reports count these visits on days without visit-level sessions.

tests/fixtures/smartstore_marketing/search_channel_by_day.csv has the download's columns (as public code that
parses the download names them) with made-up figures: 14 days of 7 channel / keyword lines, a 전체 row and a 모바일
and a PC row each; two keywords with 소포장 (small pack) bring many visitors who hardly buy.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from data.ingest import ingest_bytes, ingest_file

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "fixtures" / "smartstore_marketing" / "search_channel_by_day.csv"


def _rows(devices: tuple[str, ...] = ("모바일", "PC")) -> list[dict[str, str]]:
    """The download's rows of these devices, read with the standard library."""
    with REPORT.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["채널속성"] in devices]


def _num(value: str) -> float:
    return float(value.replace(",", "") or 0)


def _sum(rows, column: str) -> float:
    return sum(_num(r[column]) for r in rows)


def _report(db: Path, report: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "analytics", report, "--seller", "mk", "--db", str(db), *args,
                           "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _load(db: Path, path: Path = REPORT, seller: str = "mk") -> dict:
    proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(path), "--seller", seller, "--kind",
                           "traffic_stats", "--db", str(db), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)[0]


def test_download_loads_as_daily_visits_with_the_reports_own_sums(warehouse):
    result = ingest_file(warehouse, REPORT, seller_id="mk", kind="traffic_stats")
    assert result.status == "loaded", result.problems
    device_rows, all_rows = _rows(), _rows(("전체",))
    assert result.format == "smartstore_marketing"
    assert result.rows_loaded == len(device_rows) and result.totals["device_total_rows"] == len(all_rows)
    stored = warehouse.sql("SELECT sum(sessions) AS s, sum(pageviews) AS pv, sum(orders) AS o, "
                           "sum(revenue)::DOUBLE AS r, count(*) AS n FROM traffic_stats WHERE seller_id = 'mk'"
                           ).row(0, named=True)
    assert stored["s"] == _sum(device_rows, "유입수") and stored["pv"] == _sum(device_rows, "페이지수")
    assert stored["o"] == _sum(device_rows, "결제수(마지막클릭)")
    assert stored["r"] == pytest.approx(_sum(device_rows, "결제금액(마지막클릭)"))
    # the 전체 rows left out are exactly the totals of their device rows (so nothing is lost or counted twice)
    assert _sum(all_rows, "유입수") == stored["s"] and _sum(all_rows, "결제수(마지막클릭)") == stored["o"]
    # 채널그룹 read as our channels, 채널속성 as devices, '-' as no keyword
    channels = warehouse.sql("SELECT DISTINCT channel FROM traffic_stats ORDER BY 1")["channel"].to_list()
    assert channels == ["ads", "direct", "search", "social"]
    assert warehouse.sql("SELECT DISTINCT device FROM traffic_stats ORDER BY 1")["device"].to_list() == [
        "desktop", "mobile"]
    assert warehouse.scalar("SELECT count(*) FROM traffic_stats WHERE search_keyword = '-'") == 0
    no_keyword = [r for r in device_rows if r["키워드"] == "-"]
    assert warehouse.scalar("SELECT count(*) FROM traffic_stats WHERE search_keyword IS NULL") == len(no_keyword)
    again = ingest_file(warehouse, REPORT, seller_id="mk", kind="traffic_stats")
    assert again.status == "nothing_new" and again.rows_loaded == 0


def test_cp949_and_xlsx_downloads_give_the_same_rows(tmp_path, warehouse):
    import polars as pl

    ingest_file(warehouse, REPORT, seller_id="a", kind="traffic_stats")
    cp949 = ingest_bytes(warehouse, REPORT.read_text(encoding="utf-8").encode("cp949"), filename="마케팅분석.csv",
                         seller_id="b", kind="traffic_stats")
    assert cp949.status == "loaded" and cp949.format == "smartstore_marketing"
    # typed cells, as Excel keeps them: a date, whole numbers
    frame = pl.read_csv(REPORT, infer_schema=False)
    numbers = [c for c in frame.columns[5:] if not c.startswith("유입당")]
    frame = frame.with_columns(pl.col("날짜").str.to_date(),
                               *[pl.col(c).str.replace_all(",", "").cast(pl.Int64) for c in numbers])
    path = tmp_path / "마케팅분석.xlsx"
    frame.write_excel(path)
    xlsx = ingest_file(warehouse, path, seller_id="c", kind="traffic_stats")
    assert xlsx.status == "loaded", xlsx.problems
    query = ("SELECT stat_date, channel, source, medium, device, search_keyword, sessions, pageviews, orders, "
             "revenue FROM traffic_stats WHERE seller_id = $s ORDER BY ALL")
    assert warehouse.sql(query, {"s": "a"}).equals(warehouse.sql(query, {"s": "b"}))
    assert warehouse.sql(query, {"s": "a"}).equals(warehouse.sql(query, {"s": "c"}))


def test_all_device_rows_are_kept_when_the_download_has_no_device_rows(tmp_path, warehouse):
    path = tmp_path / "전체.csv"
    path.write_text("날짜,채널속성,채널그룹,채널명,키워드,유입수,결제수(마지막클릭),결제금액(마지막클릭)\n"
                    "2026-11-01,전체,검색,네이버쇼핑-검색,강아지 사료,58,5,\"109,500\"\n"
                    "2026-11-01,전체,일반유입,북마크,-,12,1,\"25,000\"\n", encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="mk", kind="traffic_stats")
    assert result.status == "loaded" and result.rows_loaded == 2 and "device_total_rows" not in result.totals
    assert warehouse.scalar("SELECT sum(sessions) FROM traffic_stats WHERE device IS NULL") == 70


def test_a_later_download_restates_the_days_it_repeats(tmp_path, warehouse):
    ingest_file(warehouse, REPORT, seller_id="mk", kind="traffic_stats")
    before = warehouse.scalar("SELECT sum(sessions) FROM traffic_stats")
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("2026-11-14,모바일,검색,네이버쇼핑-검색,강아지 사료,"))
    fields = next(csv.reader([lines[target]]))
    fields[6] = str(int(fields[6]) + 10)              # 유입수 counted again a day later
    later = tmp_path / "later.csv"
    with later.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([next(csv.reader([lines[0]])), fields])
    result = ingest_file(warehouse, later, seller_id="mk", kind="traffic_stats")
    assert result.status == "loaded" and result.totals["rows_updated"] == 1 and result.totals["rows"] == 0
    assert warehouse.scalar("SELECT sum(sessions) FROM traffic_stats") == before + 10
    assert ingest_file(warehouse, later, seller_id="mk", kind="traffic_stats").status == "nothing_new"


def test_keyword_traffic_and_kpi_reports_count_the_daily_visits(tmp_path):
    db = tmp_path / "w.duckdb"
    _load(db)
    rows = _rows()
    period = ("--from", "2026-11-01", "--to", "2026-11-14", "--as-of", "2026-11-15")
    keywords = _report(db, "keywords", *period)
    assert keywords["totals"]["store_sessions"] == _sum(rows, "유입수")
    assert keywords["totals"]["store_converted_sessions"] == _sum(rows, "결제수(마지막클릭)")
    by_keyword: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in rows:
        if r["키워드"] != "-":
            acc = by_keyword[r["키워드"].lower()]
            acc[0] += _num(r["유입수"])
            acc[1] += _num(r["결제수(마지막클릭)"])
            acc[2] += _num(r["결제금액(마지막클릭)"])
    assert {r["keyword"]: [r["sessions"], r["order_count"], r["revenue"]] for r in keywords["rows"]} == by_keyword
    # the two 소포장 keywords: many visitors, hardly any buyers -> one unmet-demand group with plain advice
    (group,) = keywords["unmet_groups"]
    assert group["term"] == "소포장" and sorted(group["keywords"]) == ["강아지 사료 소포장", "고양이 모래 소포장"]
    assert group["sessions"] == sum(by_keyword[k][0] for k in group["keywords"])
    assert f"{group['sessions']:,}명" in group["advice_ko"] and "소포장 옵션" in group["advice_ko"]
    assert "–" not in group["advice_ko"] and "–" not in group["advice_en"]    # no landing products named

    traffic = _report(db, "traffic", *period)
    assert traffic["totals"]["sessions"] == _sum(rows, "유입수")
    assert traffic["totals"]["revenue"] == pytest.approx(_sum(rows, "결제금액(마지막클릭)"))
    devices = {r["device"]: r["sessions"] for r in traffic["devices"]}
    assert devices == {"mobile": _sum(_rows(("모바일",)), "유입수"), "desktop": _sum(_rows(("PC",)), "유입수")}
    # the report gives no page counts: the funnel goes from visits to converted visits without an engaged stage
    assert [s["stage"] for s in traffic["funnel"]] == ["sessions", "converted_sessions", "paid_orders"]

    # a shorter period counts exactly its local days
    three = [r for r in rows if "2026-11-03" <= r["날짜"] <= "2026-11-05"]
    short = _report(db, "traffic", "--from", "2026-11-03", "--to", "2026-11-05", "--as-of", "2026-11-06")
    assert short["totals"]["sessions"] == _sum(three, "유입수")
    # as of the end of 11-14 (local midnight: 11-15 is "today"), the last 7 days are 11-09 .. 11-15
    kpis = _report(db, "kpis", "--as-of", "2026-11-14")
    week = [r for r in rows if "2026-11-09" <= r["날짜"] <= "2026-11-14"]
    tiles = {(t["period"], t["metric"]): t for t in kpis["tiles"]}
    assert tiles[("last_7_days", "visitors")]["value"] == _sum(week, "유입수")


def test_days_that_have_visit_level_sessions_are_read_from_the_sessions(tmp_path):
    db = tmp_path / "w.duckdb"
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("session_id,started_at,channel,source,search_keyword,order_id\n"
                        "S1,2026-11-02 09:00:00,search,naver,강아지 사료,\n"
                        "S2,2026-11-02 10:00:00,search,naver,강아지 사료,\n"
                        "S3,2026-11-02 23:30:00,direct,,,\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(sessions), "--seller", "mk", "--kind",
                           "sessions", "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = _load(db)
    assert result["totals"]["days_with_sessions"] == 1
    rows = [r for r in _rows() if r["날짜"] != "2026-11-02"]
    keywords = _report(db, "keywords", "--from", "2026-11-01", "--to", "2026-11-14", "--as-of", "2026-11-15")
    assert keywords["totals"]["store_sessions"] == _sum(rows, "유입수") + 3       # the day's 3 sessions, not its stats


def test_wrong_kind_missing_days_and_bad_numbers_are_rejected_and_nothing_is_written(tmp_path, warehouse):
    wrong = ingest_file(warehouse, REPORT, seller_id="mk", kind="orders")
    assert wrong.status == "rejected" and "--kind traffic_stats" in wrong.problems[0].reason
    no_day = tmp_path / "no_day.csv"
    no_day.write_text("채널속성,채널그룹,채널명,유입수,결제수(마지막클릭)\n모바일,검색,네이버쇼핑-검색,45,4\n", encoding="utf-8")
    result = ingest_file(warehouse, no_day, seller_id="mk", kind="traffic_stats")
    assert result.status == "rejected" and "일별" in result.problems[0].reason
    bad = tmp_path / "bad.csv"
    bad.write_text("날짜,채널속성,채널그룹,채널명,유입수,결제수(마지막클릭)\n"
                   "2026-11-01,모바일,검색,네이버쇼핑-검색,45,4\n"
                   "2026-11-01,PC,검색,네이버쇼핑-검색,many,0\n"
                   "2026-11-02,모바일,검색,네이버쇼핑-검색,-3,0\n", encoding="utf-8")
    result = ingest_file(warehouse, bad, seller_id="mk", kind="traffic_stats")
    assert result.status == "rejected"
    assert [(p.row, p.column) for p in result.problems] == [(2, "sessions"), (3, "sessions")]
    assert "negative" in result.problems[1].reason
    assert warehouse.scalar("SELECT count(*) FROM traffic_stats") == 0


def _steady_visits(path: Path, last_day_visits: int) -> None:
    """70 days of daily visits (a weekly pattern around 200 a day, one line per channel) ending 2026-11-18."""
    from datetime import date, timedelta

    lines = ["stat_date,channel,device,sessions,orders,revenue"]
    first = date(2026, 9, 10)
    for i in range(70):
        day = first + timedelta(days=i)
        total = 200 + (40 if day.weekday() >= 5 else 0) + (7 * i) % 11
        if day == date(2026, 11, 18):
            total = last_day_visits
        search = round(total * 0.7)
        lines += [f"{day},search,mobile,{search},{search // 20},{search // 20 * 21900}",
                  f"{day},direct,mobile,{total - search},{(total - search) // 20},{(total - search) // 20 * 21900}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("last_day_visits", "alerted"), [(60, True), (205, False)])
def test_a_visitor_drop_in_daily_visits_raises_the_store_alert(tmp_path, warehouse, last_day_visits, alerted):
    from datetime import datetime

    from alerts import checks

    path = tmp_path / "visits.csv"
    _steady_visits(path, last_day_visits)
    assert ingest_file(warehouse, path, seller_id="vd", kind="traffic_stats").status == "loaded"
    morning = datetime(2026, 11, 19, 0, 0)               # 09:00 on 2026-11-19 in Seoul: 11-18 is complete
    found = {c.rule_id: c for c, _ in checks.run_check(warehouse, "vd", morning, "daily").found}
    if not alerted:
        assert "store_daily" not in found
        return
    alert = found["store_daily"]
    assert "sessions_daily" in alert.details["rules"] and alert.direction == "drop"
    assert alert.details["metrics"]["session_count"]["actual"] == last_day_visits
    assert alert.details["day"] == "2026-11-18"
