"""Scoped cursors: temp views shadow every warehouse table so a cursor sees only the granted sellers' rows."""

from __future__ import annotations

import threading
from datetime import datetime

import duckdb
import pytest

from data.scope import SCOPED_TABLES, Scope, ScopedWarehouse, scoped_cursor
from data.warehouse import Warehouse

SELLERS = ("petshop_kr", "coffee_kr", "outdoor_us")


def _counts_by_seller(wh: Warehouse, table: str) -> dict[str, int]:
    rows = wh.cursor().execute(f"SELECT seller_id, count(*) FROM main.{table} GROUP BY 1").fetchall()
    return dict(rows)


def test_temp_view_shadows_main_table_on_its_own_connection_only(warehouse):
    """The design's premise: unqualified names resolve to the temp view first; other cursors are untouched."""
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name) VALUES ('a', 'A'), ('b', 'B')")
    scoped = scoped_cursor(warehouse, Scope.sellers("a"))
    try:
        assert scoped.execute("SELECT seller_id FROM sellers").fetchall() == [("a",)]
        # `main.sellers` typed by someone also resolves to the view (temp's schema is called main too)
        assert scoped.execute("SELECT seller_id FROM main.sellers").fetchall() == [("a",)]
        # the warehouse's own cursor and a plain second cursor still see everything
        assert sorted(warehouse.cursor().execute("SELECT seller_id FROM sellers").fetchall()) == [("a",), ("b",)]
        other = warehouse.cursor().cursor()
        assert sorted(other.execute("SELECT seller_id FROM sellers").fetchall()) == [("a",), ("b",)]
        other.close()
    finally:
        scoped.close()


def test_every_table_is_scoped_to_the_granted_seller(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    try:
        for seller in SELLERS:
            sw = ScopedWarehouse(wh, Scope.sellers(seller))
            assert set(sw.table_names) == set(SCOPED_TABLES)
            for table in SCOPED_TABLES:
                if table in ("alert_deliveries", "load_rejects"):
                    continue  # no seller_id column: covered below
                expected = _counts_by_seller(wh, table).get(seller, 0)
                seen = sw.sql(f"SELECT seller_id, count(*) AS n FROM {table} GROUP BY 1")
                assert set(seen["seller_id"]) <= {seller}, table
                assert (seen["n"].sum() if seen.height else 0) == expected, (seller, table)
            sw.close()
        # the demo store has rows for every seller in the big tables: the check above is not vacuous
        assert all(_counts_by_seller(wh, "order_items").get(s, 0) > 0 for s in SELLERS)
    finally:
        wh.close()


def test_child_tables_are_scoped_through_their_parent(warehouse):
    now = datetime(2026, 11, 1)
    with warehouse.transaction() as cur:
        for seller, load_id in (("a", 1), ("b", 2)):
            cur.execute("INSERT INTO loads VALUES (?, ?, 'orders', 'f.csv', 'auto', NULL, 1, 1, 0, 1, NULL, "
                        "'partial', ?, ?, NULL)", [load_id, seller, now, now])
            cur.execute("INSERT INTO load_rejects VALUES (?, 1, 'qty', 'bad', 'x')", [load_id])
            cur.execute("INSERT INTO alerts (alert_key, seller_id, rule_id, metric, subject, check_kind, "
                        "window_start, window_end, detected_at, severity, direction, headline_ko, headline_en, "
                        "details, status_at) VALUES (?, ?, 'r', 'm', 'store', 'daily', ?, ?, ?, 'info', 'drop', "
                        "'h', 'h', '{}', ?)", [f"{seller}|r", seller, now, now, now, now])
            cur.execute("INSERT INTO alert_deliveries VALUES (?, 1, ?, 'outbox', ?, 'delivered', NULL)",
                        [f"{seller}|r", now, f"{seller}@example.com"])
    sw = ScopedWarehouse(warehouse, Scope.sellers("a"))
    assert sw.sql("SELECT load_id FROM load_rejects")["load_id"].to_list() == [1]
    assert sw.sql("SELECT recipients FROM alert_deliveries")["recipients"].to_list() == ["a@example.com"]
    assert warehouse.scalar("SELECT count(*) FROM alert_deliveries") == 2  # unscoped: both
    sw.close()


def test_unknown_tables_fail_closed(warehouse):
    """A table the scoping rules do not know is hidden (no seller_id) or filtered (has seller_id)."""
    with warehouse.transaction() as cur:
        cur.execute("CREATE TABLE secrets_of_all (token VARCHAR)")
        cur.execute("INSERT INTO secrets_of_all VALUES ('s3cr3t')")
        cur.execute("CREATE TABLE future_seller_notes (seller_id VARCHAR, sql VARCHAR)")
        cur.execute("INSERT INTO future_seller_notes VALUES ('a', 'q1'), ('b', 'q2')")
    sw = ScopedWarehouse(warehouse, Scope.sellers("a"))
    assert sw.scalar("SELECT count(*) FROM secrets_of_all") == 0
    assert sw.scalar("SELECT count(*) FROM schema_version") == 0
    assert sw.sql("SELECT sql FROM future_seller_notes")["sql"].to_list() == ["q1"]
    assert "secrets_of_all" not in sw.table_names and "future_seller_notes" in sw.table_names
    assert warehouse.scalar("SELECT count(*) FROM secrets_of_all") == 1
    sw.close()


@pytest.mark.parametrize("evil", ["o'brien", "x') OR true OR ('", "a' OR seller_id <> '", '"; DROP TABLE orders; --'])
def test_seller_ids_are_quoted_not_injected(warehouse, evil):
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name) VALUES ('a', 'A'), (?, 'evil')", [evil])
    sw = ScopedWarehouse(warehouse, Scope.sellers(evil))
    assert sw.sql("SELECT seller_id FROM sellers")["seller_id"].to_list() == [evil]
    sw.close()
    assert warehouse.scalar("SELECT count(*) FROM sellers") == 2


def test_empty_scope_sees_nothing_and_all_sellers_sees_everything(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    try:
        total = wh.scalar("SELECT count(*) FROM orders")
        nobody = ScopedWarehouse(wh, Scope.sellers([]))
        everyone = ScopedWarehouse(wh, Scope.all_sellers())
        two = ScopedWarehouse(wh, Scope.sellers(["petshop_kr", "coffee_kr"]))
        assert nobody.scalar("SELECT count(*) FROM orders") == 0
        assert everyone.scalar("SELECT count(*) FROM orders") == total > 0
        by = _counts_by_seller(wh, "orders")
        assert two.scalar("SELECT count(*) FROM orders") == by["petshop_kr"] + by["coffee_kr"]
        for sw in (nobody, everyone, two):
            sw.close()
    finally:
        wh.close()


def test_analytics_code_runs_unchanged_on_a_scoped_warehouse(demo_db):
    """Pages and reports take a ScopedWarehouse where they take a Warehouse: another seller's numbers are empty."""
    from analytics.kpis import kpi_totals

    wh = Warehouse(demo_db, read_only=True)
    try:
        start, end = datetime(2026, 9, 1), datetime(2026, 11, 20)
        full = kpi_totals(wh, "coffee_kr", start, end)
        assert full["order_count"] > 0
        own = ScopedWarehouse(wh, Scope.sellers("coffee_kr"))
        other = ScopedWarehouse(wh, Scope.sellers("petshop_kr"))
        assert kpi_totals(own, "coffee_kr", start, end) == full
        assert kpi_totals(other, "coffee_kr", start, end) == {k: 0.0 for k in full}
        own.close()
        other.close()
    finally:
        wh.close()


def test_data_version_separates_scopes_and_follows_writes(warehouse):
    a = ScopedWarehouse(warehouse, Scope.sellers("a"))
    b = ScopedWarehouse(warehouse, Scope.sellers("b"))
    same_as_a = ScopedWarehouse(warehouse, Scope.sellers(["a"]))
    assert a.data_version != b.data_version
    assert a.data_version != warehouse.data_version
    assert a.data_version == same_as_a.data_version
    before = a.data_version
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name) VALUES ('a', 'A')")
    assert a.data_version != before
    assert a.path == warehouse.path
    assert not hasattr(a, "transaction")  # read-only by design


def test_each_thread_gets_its_own_scoped_cursor(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    sw = ScopedWarehouse(wh, Scope.sellers("outdoor_us"))
    expected = _counts_by_seller(wh, "order_items")["outdoor_us"]
    results: list[int] = []
    cursors: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            cursors.append(id(sw.cursor()))
            for _ in range(5):
                results.append(sw.scalar("SELECT count(*) FROM order_items"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert results == [expected] * 20
    assert len(set(cursors)) == 4
    sw.close()
    wh.close()


def test_closing_a_scoped_warehouse_leaves_the_warehouse_open(warehouse):
    sw = ScopedWarehouse(warehouse, Scope.sellers("a"))
    cur = sw.cursor()
    sw.close()
    with pytest.raises(duckdb.Error):
        cur.execute("SELECT 1").fetchall()
    assert warehouse.scalar("SELECT 1") == 1
    assert sw.scalar("SELECT count(*) FROM sellers") == 0  # a new cursor on next use
