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
        if report == "products":                     # sales without any unit cost: margin and profit unknown
            totals = result["totals"]
            assert totals["revenue"] > 0 and totals["costed_product_count"] == 0 and totals["costed_revenue"] == 0
            assert totals["cost"] is totals["margin"] is totals["profit"] is None
            assert result["previous_totals"]["margin"] in (None, 0.0)


def _uk_gifts_in_english(page: str, as_of: str | None = None) -> AppTest:
    """The app signed in as admin, on uk_gifts in English, showing `page` (at the pinned clock `as_of`, if given)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth_user"] = "admin"
    if as_of:
        at.session_state["as_of_utc"] = as_of
    at.run()
    at.selectbox(key="seller_id").set_value("uk_gifts").run()
    at.radio(key="lang").set_value("en").run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_an_archive_is_viewed_as_of_its_latest_data_unless_now_is_asked_for(orders_only_db):
    """A store whose data ended years ago (an Online Retail export loaded today): without a pinned clock the pages
    open as of its latest order, so the seller sees its numbers, and say so; 'now' in the sidebar shows today."""
    at = _uk_gifts_in_english("pages/home.py")
    view = at.radio(key="view_as_of:uk_gifts")
    assert view.value == "data" and view.options == ["Latest data (2010-12-13 08:45)", "Now"], view.options
    assert any("No new data for" in c.value and "2010-12-13 08:45" in c.value for c in at.sidebar.caption)
    start, end = at.date_input(key="date_range").value
    assert (start.isoformat(), end.isoformat()) == ("2010-11-14", "2010-12-13")
    revenue_30_days = [m.value for m in at.metric][10]
    assert revenue_30_days.startswith("£") and revenue_30_days != "£0.00", revenue_30_days

    # an export without unit costs: margin and profit are unknown ("–" and why), not £0.00
    at.switch_page("pages/products.py").run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Margin"] == tiles["Product profit"] == "–" and tiles["Product revenue"] != "£0.00", tiles
    assert any(c.value.startswith("Margin and profit are unknown: no product sold has a unit cost")
               for c in at.caption)
    at.switch_page("pages/home.py").run()
    view = at.radio(key="view_as_of:uk_gifts")
    view.set_value("now").run()                      # the real clock: the last 30 days are empty
    assert not at.exception
    start, end = at.date_input(key="date_range").value
    assert end.year >= 2026
    assert [m.value for m in at.metric][10] == "£0.00"
    assert not any("No new data for" in c.value for c in at.sidebar.caption)

    at.radio(key="view_as_of:uk_gifts").set_value("data").run()
    at.switch_page("pages/customers.py").run()      # every page follows the store's clock
    assert not at.exception
    assert any("2010-12-13" in c.value for c in at.caption), [c.value for c in at.caption][:3]


def test_products_page_says_what_margin_covers_when_some_costs_are_known(orders_only_db, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("sku,name,price,unit_cost\n85123A,WHITE HANGING HEART T-LIGHT HOLDER,2.55,1.20\n", encoding="utf-8")
    wh = Warehouse(orders_only_db)
    try:
        assert ingest_file(wh, costs, seller_id="uk_gifts", kind="products").ok
    finally:
        wh.close()
    at = _uk_gifts_in_english("pages/products.py", as_of="2010-12-14T12:00:00")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Margin"] == "£8.10", tiles                       # 6 holders × (2.55 − 1.20), the only costed sku
    covered = [c.value for c in at.caption if c.value.startswith("Margin and profit cover the 1 of ")]
    assert covered and "products sold that have a unit cost" in covered[0], [c.value for c in at.caption]


def test_reports_say_when_the_store_s_data_ended_and_read_as_of_it_with_latest(orders_only_db):
    proc = subprocess.run([sys.executable, "-m", "analytics", "kpis", "--seller", "uk_gifts", "--json", "--db",
                           str(orders_only_db)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "latest order or visit of uk_gifts is 2010-12-13 08:45 UTC" in proc.stderr
    assert "--as-of latest" in proc.stderr
    latest = subprocess.run([sys.executable, "-m", "analytics", "kpis", "--seller", "uk_gifts", "--as-of", "latest",
                             "--json", "--db", str(orders_only_db)], capture_output=True, text=True, cwd=ROOT)
    assert latest.returncode == 0 and latest.stderr == "", latest.stderr
    period = json.loads(latest.stdout)["period"]
    assert period["as_of_utc"].startswith("2010-12-13 08:46") and period["to"] == "2010-12-13", period


def test_the_data_clock_starts_the_day_before_yesterday_and_is_the_default_after_a_week():
    from datetime import datetime

    from analytics.sellers import STALE_AFTER_DAYS, data_clock

    now = datetime(2026, 11, 22, 14, 0)                   # 23:00 in Seoul
    seoul = "Asia/Seoul"
    assert data_clock(None, seoul, now) is None            # no data at all: nothing to view it by
    assert data_clock(datetime(2026, 11, 21, 1, 0), seoul, now) is None     # yesterday (local): current
    two_days = data_clock(datetime(2026, 11, 20, 14, 59, 30), seoul, now)  # 23:59 on the 20th, Seoul
    assert two_days.days_behind == 2 and not two_days.stale
    assert two_days.as_of_utc == datetime(2026, 11, 20, 15, 0)            # includes the last order
    week = data_clock(datetime(2026, 11, 22 - STALE_AFTER_DAYS - 1, 3, 0), seoul, now)
    assert week.days_behind == STALE_AFTER_DAYS + 1 and week.stale
