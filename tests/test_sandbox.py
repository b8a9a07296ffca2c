"""The analysts' sandbox: a table-driven attack suite (all refused, warehouse unharmed), timeouts, caps, results, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data.sandbox import (
    CancelToken,
    QueryCancelled,
    QueryError,
    QueryRefused,
    QueryTimeout,
    Sandbox,
    _check_duckdb_tree,
    check_query,
    list_schema,
)
from data.scope import SCOPED_TABLES, Scope, ScopedWarehouse
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
SELLER = "coffee_kr"
OTHERS = ("petshop_kr", "outdoor_us")


@pytest.fixture(scope="module")
def server_wh(demo_db_template, tmp_path_factory):
    """The demo warehouse opened read-write, as the server holds it (locked configuration, no file access)."""
    path = tmp_path_factory.mktemp("sandbox") / "seller_insights.duckdb"
    shutil.copy(demo_db_template, path)
    wh = Warehouse(path)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def sandbox(server_wh):
    scoped = ScopedWarehouse(server_wh, Scope.sellers(SELLER))
    yield Sandbox(scoped, timeout_s=10)
    scoped.close()


def fingerprint(wh: Warehouse) -> tuple:
    """Every main table with its row count, the sequences, the schema version, and the attached databases."""
    cur = wh.cursor()
    tables = cur.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                         "AND schema_name = 'main' ORDER BY 1").fetchall()
    counts = tuple((t, cur.execute(f'SELECT count(*) FROM main."{t}"').fetchall()[0][0]) for (t,) in tables)
    seqs = tuple(cur.execute("SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY 1").fetchall())
    dbs = tuple(cur.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall())
    views = tuple(cur.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall())
    return counts, seqs, dbs, views


# -------------------------------------------------------------------------------------------- the attack table

DB = "seller_insights"  # the demo copy's database name (its file stem), see server_wh

ATTACKS: dict[str, str] = {
    # reading or globbing files
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('/etc/passwd', header = false)",
    "read_parquet glob": "SELECT * FROM read_parquet('/tmp/**/*.parquet')",
    "read_text": "SELECT content FROM read_text('/etc/passwd')",
    "read_blob": "SELECT * FROM read_blob('/etc/*')",
    "read_json": "SELECT * FROM read_json('/etc/passwd')",
    "read_duckdb": "SELECT * FROM read_duckdb('/tmp/other.duckdb')",
    "glob": "SELECT * FROM glob('/*')",
    "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
    "parquet_metadata": "SELECT * FROM parquet_metadata('/tmp/x.parquet')",
    "file as table (single quotes)": "SELECT * FROM '/etc/passwd'",
    "file as table (double quotes)": 'SELECT * FROM "/etc/passwd"',
    "file as table, FROM-first": "FROM '/etc/passwd'",
    "csv file by name": "SELECT * FROM 'orders.csv'",
    "file in a scalar subquery": "SELECT (SELECT content FROM read_text('/etc/passwd')) AS x",
    "file in IN subquery": "SELECT * FROM orders WHERE seller_id IN (SELECT * FROM read_csv('/etc/passwd'))",
    "file in LATERAL": "SELECT * FROM range(3) r, LATERAL (SELECT * FROM read_text('/etc/hostname'))",
    "file in a CTE": "WITH f AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM f",
    # COPY / EXPORT / IMPORT
    "COPY TO": "COPY orders TO '/tmp/si_leak.csv'",
    "COPY query TO": "COPY (SELECT * FROM orders) TO '/tmp/si_leak.parquet' (FORMAT parquet)",
    "COPY FROM": "COPY orders FROM '/etc/passwd'",
    "EXPORT DATABASE": "EXPORT DATABASE '/tmp/si_export'",
    "IMPORT DATABASE": "IMPORT DATABASE '/tmp/si_export'",
    # ATTACH / DETACH / USE
    "ATTACH file": "ATTACH '/tmp/si_other.duckdb' AS other",
    "ATTACH memory": "ATTACH ':memory:' AS m",
    "DETACH": f"DETACH {DB}",
    "USE": "USE system",
    # extensions
    "INSTALL": "INSTALL httpfs",
    "FORCE INSTALL": "FORCE INSTALL httpfs",
    "LOAD": "LOAD httpfs",
    # settings
    "SET": "SET threads = 1",
    "SET external access": "SET enable_external_access = true",
    "SET GLOBAL": "SET GLOBAL lock_configuration = false",
    "SET VARIABLE": "SET VARIABLE x = 1",
    "SET search_path": f"SET search_path = '{DB}.main'",
    "RESET": "RESET threads",
    "PRAGMA": "PRAGMA database_list",
    "PRAGMA table_info": "PRAGMA table_info('orders')",
    # DDL / DML
    "CREATE TABLE": "CREATE TABLE x AS SELECT * FROM orders",
    "CREATE TEMP VIEW replacing the scope": f"CREATE OR REPLACE TEMP VIEW orders AS SELECT * FROM {DB}.main.orders",
    "CREATE MACRO": "CREATE MACRO m() AS 1",
    "CREATE SECRET": "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "CREATE SEQUENCE": "CREATE SEQUENCE s",
    "INSERT": "INSERT INTO sellers (seller_id, name) VALUES ('x', 'x')",
    "INSERT via CTE": "WITH v AS (SELECT 'x' AS a) INSERT INTO sellers (seller_id, name) SELECT a, a FROM v",
    "UPDATE": "UPDATE orders SET status = 'paid'",
    "DELETE": "DELETE FROM orders",
    "DROP TABLE": "DROP TABLE orders",
    "DROP VIEW (unshadow)": "DROP VIEW orders",
    "ALTER": "ALTER TABLE orders ADD COLUMN x INTEGER",
    "TRUNCATE": "TRUNCATE orders",
    "SELECT INTO": "SELECT * INTO stolen FROM orders",
    "BEGIN": "BEGIN TRANSACTION",
    "CHECKPOINT": "CHECKPOINT",
    "VACUUM": "VACUUM",
    "EXPLAIN ANALYZE": "EXPLAIN ANALYZE SELECT * FROM orders",
    "DESCRIBE": "DESCRIBE orders",
    "SHOW TABLES": "SHOW TABLES",
    "SUMMARIZE": "SUMMARIZE orders",
    # CALL and system table functions
    "CALL pragma_database_list": "CALL pragma_database_list()",
    "CALL duckdb_settings": "CALL duckdb_settings()",
    "CALL checkpoint": "CALL force_checkpoint()",
    "query()": f"SELECT * FROM query('SELECT * FROM {DB}.main.orders')",
    "query_table()": "SELECT * FROM query_table('orders')",
    "json_execute_serialized_sql": "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    "pragma_storage_info (other sellers' min/max)": "SELECT * FROM pragma_storage_info('orders')",
    "pragma_table_info": "SELECT * FROM pragma_table_info('orders')",
    "pragma_database_size": "SELECT * FROM pragma_database_size()",
    "repeat_row": "SELECT * FROM repeat_row(1, num_rows = 3)",
    "test_all_types": "SELECT * FROM test_all_types()",
    # catalogue routes to other sellers and to the system
    "information_schema.tables": "SELECT * FROM information_schema.tables",
    "information_schema.columns": "SELECT table_name FROM information_schema.columns",
    "duckdb_tables()": "SELECT * FROM duckdb_tables()",
    "duckdb_columns()": "SELECT * FROM duckdb_columns()",
    "duckdb_settings()": "SELECT * FROM duckdb_settings()",
    "duckdb_databases()": "SELECT * FROM duckdb_databases()",
    "duckdb_views() (view SQL)": "SELECT sql FROM duckdb_views()",
    "duckdb_secrets()": "SELECT * FROM duckdb_secrets()",
    "duckdb_functions()": "SELECT * FROM duckdb_functions()",
    "duckdb_tables system view": "SELECT * FROM duckdb_tables",
    "sqlite_master": "SELECT * FROM sqlite_master",
    "pragma_database_list view": "SELECT * FROM pragma_database_list",
    "pg_class unqualified": "SELECT * FROM pg_class",
    "pg_catalog.pg_tables": "SELECT * FROM pg_catalog.pg_tables",
    "main.orders": "SELECT * FROM main.orders",
    "db.main.orders": f"SELECT * FROM {DB}.main.orders",
    "db.orders": f"SELECT * FROM {DB}.orders",
    "quoted db.main.orders": f'SELECT * FROM "{DB}"."main"."orders"',
    "temp.main.orders": "SELECT * FROM temp.main.orders",
    "system.main.duckdb_tables": "SELECT * FROM system.main.duckdb_tables",
    "qualified in a join": f"SELECT count(*) FROM orders o JOIN {DB}.main.orders a USING (order_id)",
    "qualified in a subquery": f"SELECT * FROM orders WHERE order_id IN (SELECT order_id FROM {DB}.main.orders)",
    "qualified in UNION": f"SELECT seller_id FROM orders UNION SELECT seller_id FROM {DB}.main.orders",
    "qualified in a CTE": f"WITH a AS (SELECT * FROM {DB}.main.orders) SELECT * FROM a",
    "unknown table": "SELECT * FROM schema_version",
    # CTE scoping tricks: a CTE name is not visible outside its query
    "CTE name used outside its scope": "SELECT * FROM (WITH duckdb_tables AS (SELECT 1) SELECT * FROM duckdb_tables), "
                                       "duckdb_tables",
    "CTE used before it is defined": "WITH a AS (SELECT * FROM sqlite_master), sqlite_master AS (SELECT 1) "
                                     "SELECT * FROM a",
    "CTE body naming itself (not recursive)": "WITH sqlite_master AS (SELECT * FROM sqlite_master) "
                                              "SELECT * FROM sqlite_master",
    # functions that reveal the system or other sellers
    "current_setting": "SELECT current_setting('temp_directory')",
    "current_setting, dot-call syntax": "SELECT 'temp_directory'.current_setting()",
    "current_setting in WHERE": "SELECT * FROM orders WHERE seller_id = current_setting('threads')",
    "qualified current_setting": "SELECT main.current_setting('threads')",
    "system-qualified version": "SELECT system.main.version()",
    "getenv": "SELECT getenv('HOME')",
    "version": "SELECT version()",
    "current_database": "SELECT current_database()",
    "current_schemas": "SELECT current_schemas(true)",
    "current_query": "SELECT current_query()",
    "nextval": "SELECT nextval('load_id_seq')",
    "currval": "SELECT currval('load_id_seq')",
    "stats (underlying min/max)": "SELECT stats(seller_id) FROM orders",
    "getvariable": "SELECT getvariable('x')",
    "json_serialize_sql": "SELECT json_serialize_sql('SELECT 1')",
    "pg_get_viewdef": "SELECT pg_get_viewdef('orders')",
    "has_table_privilege": "SELECT has_table_privilege('orders', 'select')",
    "sleep_ms": "SELECT sleep_ms(100000)",
    "pg_sleep": "SELECT pg_sleep(100)",
    # multi-statement and comment tricks
    "two statements": "SELECT 1; SELECT 2",
    "select then drop": "SELECT 1; DROP VIEW orders",
    "semicolon in block comment then drop": "SELECT 1 /* ; */ ; DROP VIEW orders",
    "line comment then drop": "SELECT 1 -- hi\n; DROP VIEW orders",
    "comment before DROP": "/* just a select */ DROP VIEW orders",
    "line comment before DROP": "-- SELECT 1\nDROP VIEW orders",
    "dollar-quoted semicolon": "SELECT $$;$$; DROP VIEW orders",
    "breaking out of the row-cap wrapper": "SELECT 1) AS x; DROP VIEW orders; SELECT * FROM (SELECT 1",
    "wrapper union breakout": f"SELECT * FROM orders) UNION ALL (SELECT * FROM {DB}.main.orders",
    "unterminated comment": "SELECT 1 /* ",
    "positional parameter": "SELECT ?",
    "numbered parameter": "SELECT $1",
    "empty": "   ",
    "only a comment": "-- nothing here",
}


@pytest.mark.parametrize("sql", list(ATTACKS.values()), ids=list(ATTACKS.keys()))
def test_attack_is_refused_and_the_warehouse_is_unharmed(sandbox, server_wh, sql):
    before = fingerprint(server_wh)
    with pytest.raises(QueryRefused) as refused:
        sandbox.run(sql, {"x": 1}, timeout_s=5)
    message = str(refused.value)
    assert message and "Traceback" not in message
    assert fingerprint(server_wh) == before
    # the scoped cursor still answers, still scoped
    assert sandbox.run("SELECT DISTINCT seller_id FROM orders").frame["seller_id"].to_list() == [SELLER]


def test_refusals_name_what_was_refused(sandbox):
    cases = {
        "SELECT * FROM read_csv('/etc/passwd')": "read_csv",
        "SELECT current_setting('threads')": "current_setting",
        f"SELECT * FROM {DB}.main.orders": f"{DB}.main.orders",
        "SELECT * FROM information_schema.tables": "information_schema.tables",
        "SELECT 1; SELECT 2": "one statement",
        "DROP TABLE orders": "DROP",
        "SELECT * FROM '/etc/passwd'": "/etc/passwd",
        "SELECT * FROM duckdb_tables()": "duckdb_tables",
        "SELECT $when": "$when",
    }
    for sql, named in cases.items():
        with pytest.raises(QueryRefused) as refused:
            sandbox.run(sql)
        assert named.lower() in str(refused.value).lower(), (sql, str(refused.value))


def test_no_file_was_written_by_the_attacks():
    for leftover in ("/tmp/si_leak.csv", "/tmp/si_leak.parquet", "/tmp/si_export", "/tmp/si_other.duckdb"):
        assert not Path(leftover).exists(), leftover


def test_duckdb_parse_tree_check_catches_what_it_must(server_wh):
    """The second, authoritative check reads DuckDB's own parse tree of the exact text that runs."""
    cur = server_wh.cursor().cursor()
    allowed = set(SCOPED_TABLES)
    try:
        for text in ("SELECT * FROM system.main.duckdb_tables", "SELECT 'x'.current_setting()",
                     "SELECT main.upper('a')", "SELECT * FROM read_text('/etc/passwd')",
                     "SELECT * FROM (WITH t AS (SELECT 1) SELECT * FROM t), t", "SELECT * FROM sqlite_master"):
            with pytest.raises(QueryRefused):
                _check_duckdb_tree(cur, text, allowed)
        for text in ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
                     "SELECT upper(name) FROM products, range(2) g(i), unnest([1, 2]) u(x)"):
            _check_duckdb_tree(cur, text, allowed)
    finally:
        cur.close()


def test_the_instance_itself_has_no_file_access_and_a_locked_configuration(server_wh):
    """data/warehouse.py opens with enable_external_access=false and lock_configuration=true (defence in depth)."""
    cur = server_wh.cursor()
    with pytest.raises(duckdb.PermissionException):
        cur.execute("SELECT * FROM read_text('/etc/passwd')").fetchall()
    for statement in ("SET enable_external_access = true", "SET lock_configuration = false", "SET threads = 1"):
        with pytest.raises(duckdb.Error, match="locked"):
            cur.execute(statement)
    # Arrow frames handed over by Python still load (ingest and the demo builder rely on it)
    cur.register("frame", pl.DataFrame({"x": [1, 2, 3]}).to_arrow())
    assert cur.execute("SELECT sum(x) FROM frame").fetchall() == [(6,)]
    cur.unregister("frame")


# -------------------------------------------------------------------------------------------- isolation by results

LEAK_QUERIES = {
    "distinct": "SELECT DISTINCT seller_id FROM orders",
    "join": "SELECT DISTINCT i.seller_id FROM orders o JOIN order_items i ON o.order_id = i.order_id",
    "join to sellers": "SELECT DISTINCT s.seller_id FROM sellers s LEFT JOIN orders o USING (seller_id)",
    "subquery": "SELECT seller_id FROM sessions WHERE seller_id IN (SELECT seller_id FROM sellers) GROUP BY 1",
    "union of every table": " UNION ".join(
        f"SELECT seller_id FROM {t}" for t in ("orders", "order_items", "returns", "sessions", "ad_stats",
                                                "inventory", "products", "customers", "loads", "demo_incidents",
                                                "sellers", "alerts", "alert_rules", "alert_settings")),
    "cte chain": "WITH x AS (SELECT * FROM orders), y AS (SELECT * FROM x) SELECT DISTINCT seller_id FROM y",
    "recursive cte": "WITH RECURSIVE r(s) AS (SELECT seller_id FROM sellers UNION SELECT s FROM r) SELECT s FROM r",
    "lateral": "SELECT DISTINCT o.seller_id FROM sellers s, LATERAL (SELECT * FROM orders WHERE seller_id <> "
               "s.seller_id OR true) o",
    "CTE shadowing a table name": "WITH orders AS (SELECT * FROM orders) SELECT DISTINCT seller_id FROM orders",
}


@pytest.mark.parametrize("sql", list(LEAK_QUERIES.values()), ids=list(LEAK_QUERIES.keys()))
def test_other_sellers_rows_are_unreachable_through_allowed_queries(sandbox, sql):
    seen = set(sandbox.run(sql).table.column(0).to_pylist())
    assert seen == {SELLER}


def test_asking_for_another_seller_by_name_returns_nothing(sandbox, server_wh):
    for other in OTHERS:
        assert server_wh.scalar("SELECT count(*) FROM orders WHERE seller_id = ?", [other]) > 0
        assert sandbox.run("SELECT count(*) AS n FROM orders WHERE seller_id = $s", {"s": other}).frame["n"][0] == 0


# -------------------------------------------------------------------------------------------- correct results


def test_allowed_queries_match_an_independent_count(sandbox, server_wh):
    everything = server_wh.sql("SELECT seller_id, status, ordered_at FROM main.orders")
    mine = everything.filter(pl.col("seller_id") == SELLER)
    expected = dict(mine.group_by("status").len().iter_rows())
    got = dict(sandbox.run("SELECT status, count(*) AS n FROM orders GROUP BY status").frame.iter_rows())
    assert got == expected and sum(expected.values()) > 0

    lines = server_wh.sql("SELECT seller_id, quantity FROM main.order_items").filter(pl.col("seller_id") == SELLER)
    got_qty = sandbox.run("SELECT sum(quantity)::BIGINT AS q, count(*) AS n FROM order_items").frame.row(0)
    assert got_qty == (lines["quantity"].sum(), lines.height)


def test_parameters_are_bound_not_formatted(sandbox, server_wh):
    frm, to = "2026-10-01", "2026-11-01"
    mine = server_wh.sql("SELECT ordered_at FROM main.orders WHERE seller_id = ?", [SELLER])
    expected = mine.filter((pl.col("ordered_at") >= pl.lit(frm).str.to_datetime())
                           & (pl.col("ordered_at") < pl.lit(to).str.to_datetime())).height
    assert expected > 0
    result = sandbox.run("SELECT count(*) AS n FROM orders WHERE ordered_at >= $from AND ordered_at < $to",
                         {"from": frm, "to": to, "unused": "ignored"})
    assert result.frame["n"][0] == expected
    # a value that would be SQL if it were pasted in is just a string
    evil = "x' OR '1'='1"
    assert sandbox.run("SELECT count(*) AS n FROM products WHERE name = $name", {"name": evil}).frame["n"][0] == 0
    assert sandbox.run("SELECT $name AS v", {"name": evil}).frame["v"][0] == evil
    # Korean values round-trip
    name = server_wh.scalar("SELECT name FROM products WHERE seller_id = ? ORDER BY sku LIMIT 1", [SELLER])
    assert any("\uac00" <= ch <= "\ud7a3" for ch in name)
    assert sandbox.run("SELECT count(*) AS n FROM products WHERE name = $name", {"name": name}).frame["n"][0] == 1


def test_missing_parameter_is_a_clear_refusal(sandbox):
    with pytest.raises(QueryRefused, match=r"\$to"):
        sandbox.run("SELECT count(*) FROM orders WHERE ordered_at BETWEEN $from AND $to", {"from": "2026-01-01"})


def test_allowed_query_shapes(sandbox):
    ok = [
        "FROM orders SELECT count(*)",
        "(SELECT 1 AS a) UNION ALL (SELECT 2)",
        "SELECT 1 AS a INTERSECT SELECT 1",
        "SELECT 1 AS a EXCEPT SELECT 2",
        "SELECT * FROM range(5) r(i) JOIN generate_series(1, 3) g(j) ON i = j",
        "SELECT x FROM unnest([1, 2, 3]) AS u(x)",
        "SELECT date_trunc('month', ordered_at) AS m, count(*) FROM orders GROUP BY ALL ORDER BY 1",
        "SELECT sku, sum(quantity) OVER (PARTITION BY sku) FROM order_items QUALIFY row_number() OVER () < 3",
        "SELECT * FROM orders PIVOT (count(*) FOR status IN ('paid', 'cancelled')) LIMIT 1",
        "SELECT pg_typeof(1), typeof(1), now() IS NOT NULL, current_date IS NOT NULL",
        "SELECT 1 -- trailing comment",
        "SELECT 1;",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r",
        "SELECT regexp_extract(name, '[0-9]+kg') FROM products LIMIT 2",
        "select o.order_id, s.name from orders o join sellers s using (seller_id) limit 3",
    ]
    for sql in ok:
        result = sandbox.run(sql)
        assert result.row_count >= 1, sql
    assert sandbox.run("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) "
                       "SELECT sum(n) AS s FROM r").frame["s"][0] == 55


def test_query_errors_are_plain_messages(sandbox):
    with pytest.raises(QueryError, match="no_such_column"):
        sandbox.run("SELECT no_such_column FROM orders")
    with pytest.raises(QueryError, match="Conversion|convert|cast"):
        sandbox.run("SELECT 'abc'::INTEGER")


# -------------------------------------------------------------------------------------------- runaway and huge


RUNAWAYS = {
    "cross join": "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
    "cross join of tables": "SELECT count(*) FROM order_items a, order_items b, order_items c",
    "endless recursive CTE": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
}


@pytest.mark.parametrize("sql", list(RUNAWAYS.values()), ids=list(RUNAWAYS.keys()))
def test_runaway_queries_time_out_and_the_warehouse_still_answers(sandbox, server_wh, sql):
    started = time.perf_counter()
    with pytest.raises(QueryTimeout, match="1 s"):
        sandbox.run(sql, timeout_s=1)
    assert time.perf_counter() - started < 8
    assert sandbox.run("SELECT count(*) AS n FROM sellers").frame["n"][0] == 1
    assert server_wh.scalar("SELECT count(*) FROM sellers") == 3


def test_the_app_keeps_answering_while_a_runaway_runs(server_wh):
    sandbox = Sandbox(ScopedWarehouse(server_wh, Scope.sellers(SELLER)))
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            sandbox.run(RUNAWAYS["cross join"], timeout_s=4)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    started = time.perf_counter()
    assert server_wh.scalar("SELECT count(*) FROM sellers") == 3  # another thread, its own cursor
    answered_in = time.perf_counter() - started
    thread.join()
    assert isinstance(outcome[0], QueryTimeout)
    assert answered_in < 4  # answered while the runaway still held its cursor


def test_cancel_stops_a_running_query(sandbox):
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        sandbox.run(RUNAWAYS["cross join"], timeout_s=30, cancel=token)
    assert time.perf_counter() - started < 10
    assert sandbox.run("SELECT 1 AS one").frame["one"][0] == 1


def test_huge_results_are_capped(sandbox):
    started = time.perf_counter()
    result = sandbox.run("SELECT * FROM range(100000000) r(i)", max_rows=1000)
    assert time.perf_counter() - started < 5
    assert result.row_count == 1000 and result.truncated
    assert result.frame["i"].to_list() == list(range(1000))
    exact = sandbox.run("SELECT * FROM range(1000)", max_rows=1000)
    assert exact.row_count == 1000 and not exact.truncated
    ordered = sandbox.run("SELECT i FROM range(200000) r(i) ORDER BY i DESC", max_rows=5)
    assert ordered.frame["i"].to_list() == [199999, 199998, 199997, 199996, 199995] and ordered.truncated
    cross = sandbox.run("SELECT * FROM order_items a, order_items b", max_rows=50)
    assert cross.row_count == 50 and cross.truncated


def test_check_query_alone_needs_no_database():
    checked = check_query("SELECT * FROM orders WHERE ordered_at >= $from;  ", {"orders"})
    assert checked.parameters == ("from",) and not checked.sql.endswith(";")
    with pytest.raises(QueryRefused):
        check_query("SELECT * FROM orders", {"sellers"})


def test_schema_listing_shows_scoped_tables_types_and_samples(sandbox):
    schema = {t.name: t for t in list_schema(sandbox.scoped, sample_rows=3)}
    assert set(schema) == set(SCOPED_TABLES)
    orders = schema["orders"]
    assert ("ordered_at", "TIMESTAMP") in orders.columns and ("seller_id", "VARCHAR") in orders.columns
    assert orders.sample.height == 3 and set(orders.sample["seller_id"]) == {SELLER}
    assert set(schema["sellers"].sample["seller_id"]) == {SELLER}


# -------------------------------------------------------------------------------------------- the CLI


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", "query", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)


def test_cli_formats_and_params(demo_db):
    db = str(demo_db)
    sql = "SELECT name, category FROM products WHERE name LIKE $pat ORDER BY sku LIMIT 2"
    as_json = run_cli("--db", db, "--seller", "petshop_kr", "--sql", sql, "--param", "pat=%사료%", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    payload = json.loads(as_json.stdout)
    assert payload["columns"] == ["name", "category"] and payload["row_count"] == 2
    assert all("사료" in row["name"] for row in payload["rows"]) and payload["truncated"] is False

    as_csv = run_cli("--db", db, "--seller", "coffee_kr", "SELECT status, count(*) AS n FROM orders GROUP BY 1 "
                     "ORDER BY 1", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = [line.split(",") for line in as_csv.stdout.strip().splitlines()]
    wh = Warehouse(demo_db, read_only=True)
    expected = wh.cursor().execute("SELECT status, count(*) FROM main.orders WHERE seller_id = 'coffee_kr' "
                                   "GROUP BY 1 ORDER BY 1").fetchall()
    wh.close()
    assert rows[0] == ["status", "n"] and [(s, int(n)) for s, n in rows[1:]] == expected

    capped = run_cli("--db", db, "--seller", "coffee_kr", "--sql", "SELECT * FROM range(50)", "--max-rows", "5")
    assert capped.returncode == 0 and "5 row(s)" in capped.stdout and "cut at 5 rows" in capped.stderr

    query_file = demo_db.parent / "q.sql"
    query_file.write_bytes("SELECT count(*) AS n FROM sellers -- 판매자\n".encode("cp949"))
    from_file = run_cli("--db", db, "--seller", "outdoor_us", "--file", str(query_file), "--format", "csv")
    assert from_file.returncode == 0 and from_file.stdout.strip().splitlines() == ["n", "1"]


def test_cli_refusals_and_failures_exit_non_zero_without_traceback(demo_db):
    db = str(demo_db)
    cases = [
        (("--seller", "coffee_kr", "--sql", "SELECT * FROM read_csv('/etc/passwd')"), 2, "read_csv"),
        (("--seller", "coffee_kr", "--sql", "DROP TABLE orders"), 2, "DROP"),
        (("--seller", "nobody", "--sql", "SELECT 1"), 2, "no seller 'nobody'"),
        (("--seller", "coffee_kr"), 2, "exactly once"),
        (("--seller", "coffee_kr", "--sql", "SELECT $x"), 2, "$x"),
        (("--seller", "coffee_kr", "--sql", "SELECT 1", "--param", "novalue"), 2, "NAME=VALUE"),
        (("--seller", "coffee_kr", "--sql", "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
          "--timeout", "1"), 3, "stopped"),
        (("--seller", "coffee_kr", "--sql", "SELECT nope FROM orders"), 3, "nope"),
    ]
    for args, code, text in cases:
        done = run_cli("--db", db, *args)
        assert done.returncode == code, (args, done.stderr)
        assert text in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    missing = run_cli("--db", str(demo_db.parent / "none.duckdb"), "--seller", "x", "--sql", "SELECT 1")
    assert missing.returncode == 2 and "No warehouse" in missing.stderr


def test_cli_says_so_when_the_server_holds_the_warehouse(demo_db):
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('ok', flush=True); "
                               "time.sleep(60)", str(demo_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        busy = run_cli("--db", str(demo_db), "--seller", "coffee_kr", "--sql", "SELECT 1")
        assert busy.returncode == 2
        assert "in use by process" in busy.stderr and "Explore page" in busy.stderr
        assert "Traceback" not in busy.stderr
    finally:
        holder.kill()
        holder.wait()
