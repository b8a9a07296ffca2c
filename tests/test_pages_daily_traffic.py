"""A Smart Store seller's store: orders and the 마케팅분석 download (visits counted by day), no visit-level sessions.
The traffic page, the home digest and the reports read the daily visits, with the same numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.ingest import ingest_file
from data.warehouse import Warehouse, ensure_seller

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "fixtures" / "smartstore_marketing" / "search_channel_by_day.csv"
AS_OF = "2026-11-15T01:00:00"       # UTC: 10:00 on 2026-11-15 in Seoul, the download covers 11-01 .. 11-14


@pytest.fixture
def daily_traffic_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "shop.duckdb"
    wh = Warehouse(path)
    with wh.transaction() as cur:
        ensure_seller(cur, "mk", name="멍냥스토어", timezone_name="Asia/Seoul", currency="KRW")
    orders = tmp_path / "orders.csv"
    lines = ["order_id,ordered_at,sku,product_name,quantity,unit_price,customer_id"]
    for i in range(40):                       # a couple of orders a day, so the store has an order value
        lines.append(f"M-{i},2026-11-{1 + i % 14:02d} {9 + i % 10}:00:00,DOG-1,강아지 사료 2kg,1,21900,C{i % 25}")
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for file, kind in ((orders, "orders"), (REPORT, "traffic_stats")):
        result = ingest_file(wh, file, seller_id="mk", kind=kind)
        assert result.ok, result.problems
    wh.wait_for_background()
    wh.close()
    monkeypatch.setenv("SI_DB_PATH", str(path))
    return path


def _report(db: Path, report: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "analytics", report, "--seller", "mk", "--from", "2026-11-01",
                           "--to", "2026-11-14", "--as-of", AS_OF, "--json", "--db", str(db)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_traffic_page_and_digest_read_the_daily_visits(daily_traffic_db):
    traffic = _report(daily_traffic_db, "traffic")
    keywords = _report(daily_traffic_db, "keywords")
    digest = _report(daily_traffic_db, "digest")            # (before the app opens the warehouse)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["auth_user"] = "admin"
    at.session_state["as_of_utc"] = AS_OF
    at.run()
    at.selectbox(key="seller_id").set_value("mk").run()
    at.radio(key="lang").set_value("en").run()
    at.switch_page("pages/traffic.py").run()
    assert not at.exception
    at.date_input(key="date_range").set_value((date(2026, 11, 1), date(2026, 11, 14))).run()
    assert not at.exception
    funnel = [df.value for df in at.dataframe if "share_of_sessions" in df.value.columns][0]
    assert funnel["count"].tolist() == [f["count"] for f in traffic["funnel"]]
    assert len(funnel) == 3                                   # no engaged stage: the download has no page counts
    assert int(funnel["count"].iloc[0]) == traffic["totals"]["sessions"]
    advice = [i.value for i in at.info if "small pack" in i.value]
    assert advice == [keywords["unmet_groups"][0]["advice_en"]]
    at.switch_page("pages/home.py").run()
    assert not at.exception
    unmet = [i for i in digest["rows"] if i["kind"] == "unmet_keyword"]
    assert unmet and "소포장" in unmet[0]["text_ko"] and "–" not in unmet[0]["text_ko"]
    page_text = " ".join(m.value for m in at.markdown)
    assert unmet[0]["text_en"].split(":")[0] in page_text
