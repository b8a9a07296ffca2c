"""Hourly rollups (data/rollups.py): kept exact by every load, checked before use, and invisible in the numbers.

Real warehouses throughout: loads through our ingest, the demo store, rows written around the loader.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import customers, realtime
from analytics.ads import ads_margin_parts
from analytics.keywords import keywords_period_counts
from analytics.kpis import kpi_totals, revenue_by_day
from analytics.product_forecast import products_units_by_day
from analytics.products import products_ad_landing_revenue, products_order_totals, products_sales_by_sku
from analytics.sellers import whole_hour_offsets
from analytics.traffic import traffic_period_session_counts
from data import rollups
from data.ingest import ingest_records
from data.warehouse import Warehouse, migrate


def rollup_rows(wh: Warehouse, name: str, seller_id: str | None = None) -> pl.DataFrame:
    where = "" if seller_id is None else f"WHERE seller_id = '{seller_id}'"
    frame = wh.sql(f"SELECT * FROM {name} {where}")
    return frame.sort(frame.columns, nulls_last=True)


# What rollup_session_orders' carried-order columns must hold, from the raw tables alone (not rollup_order_totals):
# whether another visit of the seller carries the same order id, and the order's time, status and net revenue
# (product lines net of line discounts, minus the order discount), NULL when the order is not loaded.
CARRIED_ORDERS = """
    SELECT s.* EXCLUDE (shared, order_ordered_at, order_status, order_net),
           (SELECT count(*) FROM sessions AS v WHERE v.seller_id = s.seller_id AND v.order_id = s.order_id) > 1
               AS shared,
           o.ordered_at AS order_ordered_at, o.status AS order_status,
           CASE WHEN o.order_id IS NOT NULL THEN coalesce(
               (SELECT sum(i.quantity * i.unit_price - i.discount) FROM order_items AS i
                WHERE i.seller_id = o.seller_id AND i.order_id = o.order_id AND i.line_type = 'product'), 0)
               - o.discount END AS order_net
    FROM ({definition}) AS s
    LEFT JOIN orders AS o ON o.seller_id = s.seller_id AND o.order_id = s.order_id"""


def definition_rows(wh: Warehouse, name: str, seller_id: str | None = None) -> pl.DataFrame:
    """What the rollup must hold: its SELECT over every raw row, computed now."""
    r = rollups.ROLLUPS[name]
    sql = r.build(None if seller_id is None else f"'{seller_id}'")
    frame = wh.sql(CARRIED_ORDERS.format(definition=sql) if name == "rollup_session_orders" else sql)
    frame = frame.cast(wh.sql(f"SELECT * FROM {name} LIMIT 0").schema)
    return frame.sort(frame.columns, nulls_last=True)


def assert_rollups_exact(wh: Warehouse) -> None:
    wh.wait_for_background()                     # loads queue their rollup refresh
    for name in rollups.ROLLUP_TABLES:
        assert_frame_equal(rollup_rows(wh, name), definition_rows(wh, name), check_exact=False, rel_tol=1e-12)


def order(order_id: str, at: str, sku: str, qty: int, price: float, **extra) -> dict:
    return {"order_id": order_id, "ordered_at": at, "sku": sku, "quantity": qty, "unit_price": price,
            "product_name": f"상품 {sku}", "customer_id": "c-" + order_id, "line_type": "product", **extra}


def session(session_id: str, at: str, **extra) -> dict:
    return {"session_id": session_id, "started_at": at, "pageviews": 2, "channel": "search", "source": "naver",
            "medium": "organic", "device": "mobile", "search_keyword": "소포장 사료", "landing_sku": "A", **extra}


def test_every_load_recomputes_the_hours_it_touched_and_a_reload_changes_nothing(warehouse):
    wh = warehouse
    first = [order("O1", "2026-11-01 10:05", "A", 2, 1000.0, order_discount=300.0),
             order("O1", "2026-11-01 10:05", "B", 1, 500.0),
             order("O2", "2026-11-01 10:40", "A", 1, 1000.0, status="cancelled"),
             order("O3", "2026-11-01 12:10", "A", 3, 1000.0),
             {**order("O3", "2026-11-01 12:10", "SHIP", 1, 3000.0), "product_name": "배송비", "line_type": "shipping"}]
    assert ingest_records(wh, first, seller_id="s1", kind="orders").status == "loaded"
    assert_rollups_exact(wh)
    sales = rollup_rows(wh, "rollup_sales_hourly", "s1")
    kept_a_10 = sales.filter((pl.col("sku") == "A") & pl.col("kept") & (pl.col("hour") == datetime(2026, 11, 1, 1)))
    # 10:05 KST = 01:00 UTC; O1's 300 discount shared 2000:500 between its product lines -> A gets 240
    assert kept_a_10.select("units", "order_count", "line_count").row(0) == (2, 1, 1)
    assert kept_a_10["order_discount"][0] == pytest.approx(240.0)
    assert float(kept_a_10["line_net"][0]) == 2000.0
    # a later push into an hour that already has rows, and into a new hour
    second = [order("O4", "2026-11-01 10:55", "A", 1, 1000.0), order("O5", "2026-11-01 15:00", "B", 2, 500.0)]
    assert ingest_records(wh, second, seller_id="s1", kind="orders").status == "loaded"
    assert_rollups_exact(wh)
    before = {name: rollup_rows(wh, name) for name in rollups.ROLLUP_TABLES}
    assert ingest_records(wh, second, seller_id="s1", kind="orders").status == "nothing_new"
    for name in rollups.ROLLUP_TABLES:
        assert_frame_equal(rollup_rows(wh, name), before[name])
    # sessions, two loads into the same hour, another seller alongside
    assert ingest_records(wh, [session("S1", "2026-11-01 10:01"), session("S2", "2026-11-01 10:30", order_id="O1"),
                               session("S3", "2026-11-01 11:59", pageviews=1)], seller_id="s1",
                          kind="sessions").status == "loaded"
    assert ingest_records(wh, [session("S4", "2026-11-01 10:45", channel="ads")], seller_id="s1",
                          kind="sessions").status == "loaded"
    assert ingest_records(wh, [session("S1", "2026-11-01 10:01")], seller_id="s2", kind="sessions").status == "loaded"
    assert_rollups_exact(wh)
    traffic = rollup_rows(wh, "rollup_traffic_hourly", "s1")
    hour_1 = traffic.filter(pl.col("hour") == datetime(2026, 11, 1, 1))
    assert hour_1["sessions"].sum() == 3 and hour_1["converted_sessions"].sum() == 1
    assert hour_1.filter(pl.col("channel") == "ads")["sessions"].to_list() == [1]


def test_a_load_is_in_the_numbers_before_its_rollup_refresh_has_run(warehouse):
    wh = warehouse
    ingest_records(wh, [session("S1", "2026-11-01 10:10")], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    release = threading.Event()
    wh.in_background(release.wait)                 # hold the background thread: the next refresh queues behind
    try:
        before_load = wh.data_version
        ingest_records(wh, [session("S2", "2026-11-01 10:20", channel="ads")], seller_id="s1", kind="sessions")
        after_load = wh.data_version
        start, end = datetime(2026, 11, 1, 0), datetime(2026, 11, 1, 3)
        assert rollups.covered_body(wh.cursor(), "rollup_traffic_hourly", "s1", start, end) == (start, start)
        current, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
        assert current["sessions"].sum() == 2 and current.filter(pl.col("channel") == "ads")["sessions"].item() == 1
    finally:
        release.set()
    wh.wait_for_background()
    assert before_load != after_load == wh.data_version  # the refresh changes no number: cached results stay
    assert rollups.covered_body(wh.cursor(), "rollup_traffic_hourly", "s1", start, end) == (start, end)
    again, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
    assert_frame_equal(again, current)


def test_a_restated_order_status_is_in_the_numbers_before_its_rollup_refresh_has_run(tmp_path, warehouse):
    """A later Smart Store export cancels an order: no row count changes, so only the load's pending mark in
    `rollup_pending` (written in the load's transaction) tells a reader that the rollups still say 'paid'."""
    from data.ingest import ingest_file

    wh = warehouse
    export = Path(__file__).resolve().parent / "fixtures" / "smartstore" / "orders_export.csv"
    assert ingest_file(wh, export, seller_id="ss", kind="orders").status == "loaded"
    wh.wait_for_background()
    start, end = datetime(2026, 10, 31), datetime(2026, 11, 7)
    before = kpi_totals(wh, "ss", start, end)
    checked = rollups.Checked(wh.rollups_checked, wh.data_version_of("ss", ()))
    assert rollups.in_step(wh.cursor(), "orders", "ss", checked) is True     # a whole-history check passed
    assert wh.rollups_checked[("ss", "orders")] == wh.data_version_of("ss", ())
    later = export.read_text(encoding="utf-8").replace("김*수,mung****,김*수,신규주문,,", "김*수,mung****,김*수,취소,취소완료,")
    path = tmp_path / "later.csv"
    path.write_text(later, encoding="utf-8")
    release = threading.Event()
    wh.in_background(release.wait)                 # hold the background thread: the refresh queues behind
    try:
        result = ingest_file(wh, path, seller_id="ss", kind="orders")
        assert result.totals["orders_updated"] == 1
        assert wh.sql("SELECT kind FROM rollup_pending WHERE seller_id = 'ss'")["kind"].to_list() == ["orders"]
        spans = rollups.pending_hours(wh.cursor(), "orders", "ss")
        assert spans == [(datetime(2026, 11, 4, 22), datetime(2026, 11, 4, 23))]  # its hour: 07:30 KST
        assert rollups.covered_body(wh.cursor(), "rollup_order_totals", "ss", start, end, checked=checked) == (
            start, start)
        other = datetime(2026, 11, 6), datetime(2026, 11, 7)                   # hours the load did not touch
        assert rollups.covered_body(wh.cursor(), "rollup_order_totals", "ss", *other, checked=checked) == other
        pending = kpi_totals(wh, "ss", start, end)
        assert pending["order_count"] == before["order_count"] - 1            # the cancelled order is out already
        assert pending["revenue"] == pytest.approx(before["revenue"] - 25900)
    finally:
        release.set()
    wh.wait_for_background()
    assert wh.scalar("SELECT count(*) FROM rollup_pending") == 0
    # the load changed no version of writes around the loader: no whole-history check is needed again
    assert rollups.in_step(wh.cursor(), "orders", "ss", rollups.Checked(wh.rollups_checked,
                                                                        wh.data_version_of("ss", ()))) is True
    assert kpi_totals(wh, "ss", start, end) == pending
    assert_rollups_exact(wh)


def test_a_refresh_left_pending_by_a_stopped_process_runs_when_the_warehouse_is_next_opened(tmp_path):
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    ingest_records(wh, [order("O1", "2026-11-01 10:10", "A", 2, 1000.0)], seller_id="s1", kind="orders")
    wh.wait_for_background()
    start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
    # what a process stopped between a load's commit and its refresh leaves: the load's rows, no rollup, its mark
    with wh.transaction(changes_data=False) as tx:
        tx.execute("DELETE FROM rollup_order_totals")
        tx.execute("DELETE FROM rollup_sales_hourly")
        tx.execute("INSERT INTO rollup_pending SELECT seller_id, kind, load_id, TIMESTAMP '2026-11-01 01:00', "
                   "TIMESTAMP '2026-11-01 02:00' FROM loads")
    assert kpi_totals(wh, "s1", start, end)["revenue"] == 2000            # read from the raw rows meanwhile
    wh.close()
    reopened = Warehouse(db)
    try:
        reopened.wait_for_background()
        assert reopened.scalar("SELECT count(*) FROM rollup_pending") == 0
        assert_rollups_exact(reopened)
        assert rollups.covered_body(reopened.cursor(), "rollup_order_totals", "s1", start, end) == (start, end)
        assert kpi_totals(reopened, "s1", start, end)["revenue"] == 2000
    finally:
        reopened.close()


def test_a_seller_found_in_step_is_not_counted_again_until_a_write_around_the_loader(warehouse):
    """The whole-history check is remembered per (seller, kind) at `data_version_of(seller, ())`: the window's
    counts are then skipped (shown here by rollup rows deleted without telling anyone, which only a count sees),
    and any write not tied to a load kind brings the counts back."""
    wh = warehouse
    ingest_records(wh, [session(f"S{i}", f"2026-11-01 1{i}:10") for i in range(3)], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
    cur = wh.cursor()

    def checked() -> rollups.Checked:
        return rollups.Checked(wh.rollups_checked, wh.data_version_of("s1", ()))

    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end, checked=checked()) == (start, end)
    with wh.transaction(changes_data=False) as tx:   # not a data change by contract: here, to show the skip
        tx.execute("DELETE FROM rollup_traffic_hourly WHERE hour = TIMESTAMP '2026-11-01 01:00'")
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end, checked=checked()) == (start, end)
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end) == (start, start)  # counts see it
    with wh.transaction(seller_id="s1") as tx:       # a write tied to the seller but to no load kind
        tx.execute("UPDATE sellers SET name = 'renamed' WHERE seller_id = 's1'")
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end, checked=checked()) == (start, start)
    current, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
    assert current["sessions"].sum() == 3
    assert ("s1", "sessions") in wh.rollups_checked and wh.rollups_checked[("s1", "sessions")] != checked().version


def test_rows_written_around_the_loader_are_noticed_and_read_from_the_raw_table(warehouse):
    wh = warehouse
    ingest_records(wh, [session(f"S{i}", f"2026-11-01 1{i}:10") for i in range(5)], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    start, end = datetime(2026, 11, 1, 0), datetime(2026, 11, 1, 6)
    cur = wh.cursor()
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end) == (start, end)
    with wh.transaction() as tx:   # a writer that does not know about rollups
        tx.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel) "
                   "VALUES ('s1', 'X', TIMESTAMP '2026-11-01 03:30', 'email')")
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end) == (start, start)
    current, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
    assert current["sessions"].sum() == 6 and current.filter(pl.col("channel") == "email")["sessions"].item() == 1
    with wh.transaction() as tx:
        rollups.rebuild(tx, "s1")
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end) == (start, end)
    again, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
    assert_frame_equal(again, current)


def test_each_rollup_of_one_window_is_checked_on_its_own(warehouse):
    """kpi_totals reads two rollups over one window: sessions written around the loader must send the visits to
    the raw rows even though the orders' rollup is in step."""
    wh = warehouse
    ingest_records(wh, [order("O1", "2026-11-01 10:10", "A", 1, 1000)], seller_id="s1", kind="orders")
    ingest_records(wh, [session(f"S{i}", f"2026-11-01 1{i}:10") for i in range(3)], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    start, end = datetime(2026, 11, 1, 0), datetime(2026, 11, 1, 6)
    assert kpi_totals(wh, "s1", start, end)["session_count"] == 3
    with wh.transaction() as tx:   # a writer that does not know about rollups
        tx.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel) "
                   "VALUES ('s1', 'X', TIMESTAMP '2026-11-01 03:30', 'email')")
    cur = wh.cursor()
    assert rollups.covered_body(cur, "rollup_order_totals", "s1", start, end) == (start, end)
    assert rollups.covered_body(cur, "rollup_traffic_hourly", "s1", start, end) == (start, start)
    totals = kpi_totals(wh, "s1", start, end)
    assert (totals["session_count"], totals["order_count"], totals["revenue"]) == (4, 1, 1000)


def test_a_window_with_partial_hours_reads_its_edges_from_the_raw_rows(warehouse):
    wh = warehouse
    ingest_records(wh, [session("S1", "2026-11-01 09:20"), session("S2", "2026-11-01 09:50"),
                        session("S3", "2026-11-01 10:10"), session("S4", "2026-11-01 11:40"),
                        session("S5", "2026-11-01 11:59")], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    # 09:30 .. 11:45 KST = 00:30 .. 02:45 UTC: whole hour 01:00-02:00 from the rollup, the rest raw
    start, end = datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 2, 45)
    assert rollups.covered_body(wh.cursor(), "rollup_traffic_hourly", "s1", start, end) == (
        datetime(2026, 11, 1, 1), datetime(2026, 11, 1, 2))
    current, _ = traffic_period_session_counts(wh, "s1", start, end, start, start, end)
    assert current["sessions"].sum() == 3        # S2, S3, S4


def test_migration_5_fills_the_rollups_of_an_older_warehouse(tmp_path):
    path = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=4)
    con.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel, pageviews, order_id) VALUES "
                "('s1', 'a', TIMESTAMP '2026-11-01 01:10', 'search', 3, 'O1'), "
                "('s1', 'b', TIMESTAMP '2026-11-01 01:20', 'search', 1, NULL)")
    con.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) VALUES "
                "('s1', 'O1', TIMESTAMP '2026-11-01 01:15', 'paid', 100)")
    con.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price, "
                "discount, line_type) VALUES ('s1', 'O1', 1, TIMESTAMP '2026-11-01 01:15', 'A', 2, 700, 0, 'product')")
    con.close()
    wh = Warehouse(path)
    try:
        assert wh.version >= 5
        assert_rollups_exact(wh)
        assert wh.sql("SELECT sessions, engaged_sessions, converted_sessions FROM rollup_traffic_hourly").row(0) == (
            2, 1, 1)
        sales = products_sales_by_sku(wh, "s1", datetime(2026, 11, 1), datetime(2026, 11, 2))
        assert sales.select("units", "revenue").row(0) == (2, pytest.approx(1300.0))
    finally:
        wh.close()


def _numbers(wh: Warehouse, seller_id: str, start: datetime, end: datetime,
             timezone: str = "Asia/Seoul") -> dict[str, pl.DataFrame]:
    previous_start = start - (end - start)
    traffic = traffic_period_session_counts(wh, seller_id, start, end, previous_start, start, end)
    keywords = keywords_period_counts(wh, seller_id, start, end, previous_start, start, end)
    return {"traffic": traffic[0], "traffic_previous": traffic[1],
            "keywords": keywords.current, "keywords_landing": keywords.landing,
            "products": products_sales_by_sku(wh, seller_id, start, end),
            "products_previous": products_sales_by_sku(wh, seller_id, previous_start, start),
            "purchase_days": customers.purchase_days(wh, seller_id, "Asia/Seoul", end).sort("customer_id", "order_date"),
            "rfm_summary": customers.rfm_summary(wh, seller_id, "Asia/Seoul", end).sort("customer_id"),
            "hourly": realtime.hourly_by_day(wh, seller_id, "Asia/Seoul", (end - timedelta(days=20)).date(),
                                             end.date(), end),
            "ad_landing": products_ad_landing_revenue(wh, seller_id, start, end, end),
            "order_totals": pl.DataFrame([products_order_totals(wh, seller_id, start, end)]),
            "units_by_day": products_units_by_day(wh, seller_id, timezone, start, end),
            "kpi_totals": pl.DataFrame([kpi_totals(wh, seller_id, start, end),
                                        kpi_totals(wh, seller_id, previous_start, start)]),
            "revenue_by_day": revenue_by_day(wh, seller_id, (end - timedelta(days=13)).date(), end.date()),
            "ads_margin_parts": pl.DataFrame([ads_margin_parts(wh, seller_id, start, end)])}


@pytest.mark.parametrize("timezone", ["Asia/Seoul", "Asia/Kolkata"])
def test_reports_read_the_same_numbers_from_rollups_as_from_the_raw_rows(demo_db, timezone):
    wh = Warehouse(demo_db)
    try:
        with wh.transaction() as cur:
            cur.execute("UPDATE sellers SET timezone = ?", [timezone])
        sellers = wh.sql("SELECT seller_id FROM sellers ORDER BY 1")["seller_id"].to_list()
        end = datetime(2026, 11, 19, 20, 37)                   # mid-hour: a partial hour at the end
        start = end - timedelta(days=13, hours=5, minutes=30)  # a partial hour at the start for +05:30
        used = [rollups.covered_body(wh.cursor(), name, sid, start, end)
                for name in rollups.ROLLUP_TABLES for sid in sellers]
        assert all(body[0] > start and body[1] < end for body in used)    # the rollups are really read
        with_rollups = {sid: _numbers(wh, sid, start, end, timezone) for sid in sellers}
        with wh.transaction() as cur:                          # now every window falls back to the raw rows
            for name in rollups.ROLLUP_TABLES:
                cur.execute(f"DELETE FROM {name}")
        assert rollups.covered_body(wh.cursor(), "rollup_sales_hourly", sellers[0], start, end) == (start, start)
        for sid in sellers:
            raw = _numbers(wh, sid, start, end, timezone)
            for key, frame in with_rollups[sid].items():
                assert frame.height > 0, (sid, key)
                assert_frame_equal(frame, raw[key], check_exact=False, rel_tol=1e-9)
    finally:
        wh.close()


def _rollups_command(db, *args: str) -> subprocess.CompletedProcess:
    """`python -m data rollups --db DB ARGS` in a process of its own."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "data", "rollups", "--db", str(db), *args], cwd=root,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_the_rollups_command_finds_rows_written_around_the_loader_and_rebuilds(tmp_path):
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    ingest_records(wh, [session("S1", "2026-11-01 10:10")], seller_id="s1", kind="sessions")
    with wh.transaction() as tx:
        tx.execute("INSERT INTO sessions (seller_id, session_id, started_at) VALUES ('s1', 'X', TIMESTAMP '2026-11-01 03:30')")
    wh.close()

    def run(*args: str) -> subprocess.CompletedProcess:
        return _rollups_command(db, *args)

    check = run("--check")
    assert check.returncode == 1, check.stderr
    assert "OUT OF STEP" in check.stdout and "rollup_traffic_hourly" in check.stdout
    rebuilt = run("--seller", "s1")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "OUT OF STEP" not in rebuilt.stdout and "raw            2  rollup            2" in rebuilt.stdout
    assert run("--check").returncode == 0


def test_the_rollups_command_finds_carried_orders_out_of_step_and_rebuilds(tmp_path):
    """An order's status changed around the loader changes no row count: only the check of the carried-order
    columns against rollup_order_totals (after a rebuild of those) finds the visits still saying 'paid'."""
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    ingest_records(wh, [order("O1", "2026-11-01 10:10", "A", 2, 1000.0)], seller_id="s1", kind="orders")
    ingest_records(wh, [session("S1", "2026-11-01 10:05", order_id="O1")], seller_id="s1", kind="sessions")
    wh.wait_for_background()
    assert rollups.carried_out_of_step(wh.cursor(), "s1") == (1, 0)
    with wh.transaction() as tx:                  # around the loader, and the orders' rollup mended by hand
        tx.execute("UPDATE orders SET status = 'cancelled'")
        tx.execute("UPDATE rollup_order_totals SET status = 'cancelled'")
    assert rollups.carried_out_of_step(wh.cursor(), "s1") == (1, 1)
    wh.close()

    def run(*args: str) -> subprocess.CompletedProcess:
        return _rollups_command(db, *args)

    check = run("--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "differing         1  OUT OF STEP: attribution may be wrong" in check.stdout
    rebuilt = run("--seller", "s1")
    assert rebuilt.returncode == 0 and "differing         0  ok" in rebuilt.stdout, rebuilt.stdout + rebuilt.stderr
    reopened = Warehouse(db)
    try:
        assert reopened.sql("SELECT order_status FROM rollup_session_orders").item() == "cancelled"
    finally:
        reopened.close()


def test_a_failing_rollup_query_leaves_the_cursor_usable(warehouse):
    from analytics import queries

    ingest_records(warehouse, [session("S1", "2026-11-01 10:10")], seller_id="s1", kind="sessions")
    warehouse.wait_for_background()
    start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
    with pytest.raises(duckdb.Error):       # a parameter the query does not take: DuckDB refuses it
        queries.run_sql(warehouse, "traffic_period_session_counts", seller_id="s1", start_utc=start, end_utc=end,
                        previous_start_utc=start, previous_end_utc=start, scan_start_utc=start, scan_end_utc=end,
                        unknown=1)
    current, _ = traffic_period_session_counts(warehouse, "s1", start, end, start, start, end)
    assert current["sessions"].sum() == 1


@pytest.mark.parametrize("timezone", ["Asia/Seoul", "America/New_York", "Europe/London"])
def test_units_by_day_from_the_hourly_rollup_equal_the_order_lines(demo_db, timezone):
    """Whole-hour zones read units per local day from rollup_sales_hourly: the same as the raw order lines, across
    a DST change (New York and London on 2026-10-25 / 11-01) and with partial hours at both window edges."""
    from analytics.queries import run_sql

    wh = Warehouse(demo_db)
    try:
        end = datetime(2026, 11, 19, 20, 37)
        start = datetime(2026, 10, 20, 3, 15)
        assert whole_hour_offsets(timezone, start, end)
        used = rollups.covered_body(wh.cursor(), "rollup_sales_hourly", "petshop_kr", start, end)
        assert used[0] > start and used[1] < end                        # the rollup is really read
        params = {"seller_id": "petshop_kr", "tz": timezone, "start_utc": start, "end_utc": end}
        hourly = run_sql(wh, "products_units_by_day_hourly", **params)
        raw = run_sql(wh, "products_units_by_day", **params)
        assert hourly.height > 100
        assert_frame_equal(hourly, raw)
        assert_frame_equal(products_units_by_day(wh, "petshop_kr", timezone, start, end), raw.cast({"units": pl.Int64}))
    finally:
        wh.close()


def test_half_hour_zones_read_units_by_day_from_the_order_lines():
    start, end = datetime(2026, 10, 1), datetime(2026, 11, 20)
    assert not whole_hour_offsets("Asia/Kolkata", start, end)             # +05:30
    assert not whole_hour_offsets("Australia/Lord_Howe", start, end)      # +10:30 / +11 (half-hour DST)
    assert whole_hour_offsets("America/New_York", start, end)             # -4 / -5 across DST
    assert whole_hour_offsets("UTC", start, end)


@pytest.mark.parametrize("timezone", ["Asia/Seoul", "America/New_York", "Europe/London"])
def test_realtime_hours_from_the_hourly_rollups_equal_the_per_minute_rows(demo_db, timezone):
    """Whole-hour zones read the realtime history from the hourly rollups: the same numbers as grouping the
    orders and visits per minute (realtime_hourly), across a DST change and with a window ending mid-hour."""
    from analytics.queries import run_sql

    wh = Warehouse(demo_db)
    try:
        start, end = datetime(2026, 10, 18, 4, 0), datetime(2026, 11, 19, 20, 37)
        assert whole_hour_offsets(timezone, start, end)
        params = {"seller_id": "petshop_kr", "tz": timezone, "start_utc": start, "end_utc": end}
        hourly = run_sql(wh, "realtime_hourly_whole_hours", **params)
        per_minute = run_sql(wh, "realtime_hourly", **params)
        assert hourly.height > 500 and hourly["session_count"].sum() > 0
        assert_frame_equal(hourly, per_minute, check_exact=False, rel_tol=1e-12)
    finally:
        wh.close()


def test_a_read_only_report_on_a_warehouse_from_before_schema_8_reads_without_pending_marks(tmp_path):
    """`python -m analytics` opens read-only and migrates nothing: a file last written by an older version has no
    rollup_pending table, and its reports must still run (nothing in it can be pending: no loader marked any)."""
    db = tmp_path / "old.duckdb"
    wh = Warehouse(db)
    ingest_records(wh, [order("O1", "2026-11-01 10:10", "A", 2, 1000.0)], seller_id="s1", kind="orders")
    wh.close()
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE rollup_pending")
    con.execute(f"DELETE FROM schema_version WHERE version >= {rollups.PENDING_SCHEMA}")
    con.close()
    old = Warehouse(db, read_only=True)
    try:
        assert old.schema_at_open == rollups.PENDING_SCHEMA - 1
        start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
        assert kpi_totals(old, "s1", start, end)["revenue"] == 2000
        assert ("s1", "orders") in old.rollups_checked              # found in step by the whole-history counts
    finally:
        old.close()


def _carried_in_step(wh: Warehouse, seller_id: str) -> bool:
    checked = rollups.Checked(wh.rollups_checked, wh.data_version_of(seller_id, ()))
    return rollups.carrier_values_in_step(wh.cursor(), seller_id, checked)


def _attribution(wh: Warehouse, seller_id: str, start: datetime, end: datetime) -> dict[str, pl.DataFrame]:
    previous = start - (end - start)
    traffic = traffic_period_session_counts(wh, seller_id, start, end, previous, start, end)
    keywords = keywords_period_counts(wh, seller_id, start, end, previous, start, end)
    return {"traffic": traffic[0], "traffic_previous": traffic[1], "keywords": keywords.current,
            "keywords_previous": keywords.previous, "landing": keywords.landing,
            "ad_landing": products_ad_landing_revenue(wh, seller_id, start, end, end)}


def test_the_visits_carry_their_orders_whichever_is_loaded_first_and_a_shared_order_goes_to_its_last_visit(warehouse):
    """rollup_session_orders holds each carried order's status, time and net revenue and whether another visit
    carries it (data/rollups.py, fill_carrier_orders_sql): kept by both kinds of load, in any order, and the
    attribution read through them equals the one joined from the raw rows."""
    wh = warehouse
    # visits first: O1 and O9 are not loaded yet, O2 is carried by two visits a day apart
    ingest_records(wh, [session("S1", "2026-11-01 10:05", order_id="O1"),
                        session("S2", "2026-11-01 10:30", order_id="O2", search_keyword="사료"),
                        session("S3", "2026-11-02 09:10", order_id="O2", channel="social"),
                        session("S4", "2026-11-01 14:00", order_id="O9"),
                        session("S6", "2026-11-01 13:00", order_id="O3"),
                        session("S7", "2026-11-01 13:30", order_id="O4"),
                        session("S8", "2026-11-01 12:30", order_id="O5", channel="ads"),
                        session("S9", "2026-11-01 12:50", order_id="O5", channel="ads")], seller_id="s1",
                   kind="sessions")
    wh.wait_for_background()
    carried = wh.sql("SELECT session_id, shared, order_status FROM rollup_session_orders ORDER BY session_id")
    assert carried.rows() == [("S1", False, None), ("S2", True, None), ("S3", True, None), ("S4", False, None),
                              ("S6", False, None), ("S7", False, None), ("S8", True, None), ("S9", True, None)]
    ingest_records(wh, [order("O1", "2026-11-01 10:20", "A", 2, 1000.0, order_discount=300.0),
                        order("O2", "2026-11-01 10:40", "B", 1, 500.0),
                        order("O3", "2026-11-01 13:10", "A", 1, 1000.0, status="cancelled"),
                        order("O4", "2026-11-01 13:40", "B", 3, 500.0, status="pending"),
                        order("O5", "2026-11-01 12:40", "C", 1, 700.0)],
                   seller_id="s1", kind="orders")
    assert_rollups_exact(wh)                       # the orders' refresh filled the visits of other hours
    assert wh.sql("SELECT order_status, order_net FROM rollup_session_orders WHERE session_id = 'S1'").row(0) == (
        "paid", 1700)
    # a later visit carrying O1 again, in an hour of its own, from ads: S1 (loaded earlier) is now shared too;
    # while its refresh waits, the carried-order columns are not trusted and the numbers are already right
    release = threading.Event()
    wh.in_background(release.wait)
    try:
        ingest_records(wh, [session("S5", "2026-11-01 11:30", order_id="O1", channel="ads")], seller_id="s1",
                       kind="sessions")
        assert not _carried_in_step(wh, "s1")
        day = datetime(2026, 10, 31, 15), datetime(2026, 11, 1, 15)           # 2026-11-01 KST
        pending = _attribution(wh, "s1", *day)
        edge = datetime(2026, 10, 31, 15), datetime(2026, 11, 1, 2, 45)       # ends inside S5's hour (11:45 KST)
        pending_edge = _attribution(wh, "s1", *edge)
    finally:
        release.set()
    assert_rollups_exact(wh)
    assert wh.sql("SELECT session_id FROM rollup_session_orders WHERE shared ORDER BY 1")["session_id"].to_list() == [
        "S1", "S2", "S3", "S5", "S8", "S9"]
    assert _carried_in_step(wh, "s1")
    trusted = _attribution(wh, "s1", *day)
    for key, frame in trusted.items():
        assert_frame_equal(frame, pending[key])
    # by hand: O1 goes to S5 (ads, its last visit), O2 to S2 (S3 is the next day), O9 is not loaded, O3 is
    # cancelled, O4 is pending (an order, not paid), O5 goes to S9; S1 and S8 still count as converted visits
    traffic = trusted["traffic"].sort("channel")
    assert traffic.select("channel", "sessions", "converted_sessions", "order_count", "paid_order_count",
                          "revenue").rows() == [("ads", 3, 3, 2, 2, 2400.0), ("search", 5, 5, 2, 1, 2000.0)]
    keywords = trusted["keywords"].sort("keyword")
    assert keywords.select("keyword", "order_count", "revenue").rows() == [("사료", 1, 500.0),
                                                                           ("소포장 사료", 3, 3900.0)]
    # the ads visits' orders by landing product, each order once however many of its visits landed there
    assert trusted["ad_landing"].rows() == [("A", 2400.0, 2)]
    # the window ending inside S5's hour: S5 was read from the raw sessions while its load was pending, and is
    # read from the rollup by its start time now (every hour in step), with the same numbers
    with_edges = _attribution(wh, "s1", *edge)
    for key, frame in with_edges.items():
        assert_frame_equal(frame, pending_edge[key])
    assert with_edges["traffic"].filter(pl.col("channel") == "ads")["order_count"].to_list() == [1]   # O1 only
    assert with_edges["traffic"].filter(pl.col("channel") == "search")["order_count"].to_list() == [1]   # O2
    # the same numbers from the raw rows: every rollup emptied, so every window falls back to them
    two_days = datetime(2026, 10, 31, 15), datetime(2026, 11, 2, 15)
    windows = {"day": day, "edge": edge, "two_days": two_days}
    from_rollups = {name: _attribution(wh, "s1", *w) for name, w in windows.items()}
    with wh.transaction() as cur:
        for name in rollups.ROLLUP_TABLES:
            cur.execute(f"DELETE FROM {name}")
    assert not _carried_in_step(wh, "s1")
    for name, w in windows.items():
        for key, frame in _attribution(wh, "s1", *w).items():
            assert_frame_equal(from_rollups[name][key], frame)


def test_migration_9_gives_an_older_warehouse_the_carried_orders_and_a_read_only_open_still_reads_it(tmp_path):
    db = tmp_path / "v8.duckdb"
    wh = Warehouse(db)
    ingest_records(wh, [order("O1", "2026-11-01 10:10", "A", 2, 1000.0)], seller_id="s1", kind="orders")
    ingest_records(wh, [session("S1", "2026-11-01 10:05", order_id="O1"), session("S2", "2026-11-01 10:08")],
                   seller_id="s1", kind="sessions")
    wh.wait_for_background()
    start, end = datetime(2026, 10, 31, 15), datetime(2026, 11, 1, 15)
    expected = _attribution(wh, "s1", start, end)
    wh.close()
    con = duckdb.connect(str(db))                 # what schema 8 had: no carried-order columns
    for column in ("shared", "order_ordered_at", "order_status", "order_net"):
        con.execute(f"ALTER TABLE rollup_session_orders DROP COLUMN {column}")
    con.execute(f"DELETE FROM schema_version WHERE version >= {rollups.CARRIER_SCHEMA}")
    con.close()
    old = Warehouse(db, read_only=True)           # migrates nothing: reads with the join, as before
    try:
        assert old.schema_at_open == rollups.CARRIER_SCHEMA - 1
        assert not rollups.carrier_values_in_step(old.cursor(), "s1", rollups.Checked(
            old.rollups_checked, old.data_version_of("s1", ()), carriers=False))
        for key, frame in _attribution(old, "s1", start, end).items():
            assert_frame_equal(frame, expected[key])
    finally:
        old.close()
    migrated = Warehouse(db)
    try:
        assert migrated.version == rollups.CARRIER_SCHEMA
        assert_rollups_exact(migrated)
        assert migrated.sql("SELECT shared, order_net FROM rollup_session_orders").row(0) == (False, 2000)
        assert _carried_in_step(migrated, "s1")
        for key, frame in _attribution(migrated, "s1", start, end).items():
            assert_frame_equal(frame, expected[key])
        assert expected["traffic"]["order_count"].sum() == 1 and expected["traffic"]["revenue"].sum() == 2000
    finally:
        migrated.close()
