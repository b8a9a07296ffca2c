"""A shop that has loaded only an orders export (no visits, ads or stock data): every page and report works.

This is how a new user starts: one Shopify or Online Retail file, nothing else. Pages must say what is missing,
never fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.ingest import ingest_file
from data.warehouse import Warehouse, ensure_seller

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("home", "realtime", "products", "traffic", "ads", "customers", "alerts", "explore", "data")
REPORTS = ("kpis", "realtime", "products", "traffic", "keywords", "ads", "customers", "digest")


@pytest.fixture
def orders_only_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "shop.duckdb"
    wh = Warehouse(path)
    with wh.transaction() as cur:
        ensure_seller(cur, "uk_gifts", name="UK gifts", timezone_name="Europe/London", currency="GBP")
    for example in ("online_retail_sample.csv", "shopify_orders_export.csv"):
        seller = "uk_gifts" if example.startswith("online") else "shopify_shop"
        result = ingest_file(wh, ROOT / "examples" / example, seller_id=seller, kind="orders")
        assert result.ok, result.problems
    wh.close()
    monkeypatch.setenv("SI_DB_PATH", str(path))
    return path


@pytest.mark.parametrize(("seller", "as_of"), [
    ("uk_gifts", "2010-12-14T12:00:00"),        # just after the file's last order: the pages show its data
    ("uk_gifts", "2026-11-20T05:00:00"),        # years later: empty windows, still no failure
    ("shopify_shop", "2026-11-20T05:00:00"),
])
def test_every_page_renders_for_an_orders_only_shop(orders_only_db, seller, as_of):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = as_of
    at.run()
    assert not at.exception
    at.selectbox(key="seller_id").set_value(seller).run()
    for lang in ("ko", "en"):
        at.radio(key="lang").set_value(lang).run()
        for page in PAGES:
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception, (seller, lang, page, at.exception)
    if as_of.startswith("2010"):   # the file's orders are inside the 30-day window: the home tiles show them
        at.switch_page("pages/home.py").run()
        revenue_30_days = [m.value for m in at.metric][10]
        assert revenue_30_days.startswith("£") and revenue_30_days != "£0.00", revenue_30_days


def test_every_report_runs_for_an_orders_only_shop(orders_only_db):
    for report in REPORTS:
        proc = subprocess.run([sys.executable, "-m", "analytics", report, "--seller", "uk_gifts", "--as-of",
                               "2010-12-31", "--json", "--db", str(orders_only_db)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, (report, proc.stderr)
        assert "Traceback" not in proc.stderr, (report, proc.stderr)
        result = json.loads(proc.stdout)
        assert result["period"]["seller_id"] == "uk_gifts"
