"""Warehouse: schema creation, forward migrations, refusal of newer files, one writer per file."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from data.schema import LATEST_VERSION, MIGRATIONS
from data.warehouse import SchemaTooNewError, Warehouse, migrate, schema_version


def test_new_file_gets_latest_schema(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    assert wh.version == LATEST_VERSION
    tables = set(wh.sql("SELECT table_name FROM information_schema.tables")["table_name"])
    for t in ("sellers", "products", "customers", "orders", "order_items", "returns", "sessions",
              "ad_stats", "inventory", "loads", "load_rejects", "demo_incidents", "schema_version"):
        assert t in tables
    wh.close()


def test_older_file_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    assert schema_version(con) == 1
    con.execute("INSERT INTO sellers (seller_id, name) VALUES ('s1', '멍멍상점')")
    con.close()

    wh = Warehouse(path)
    assert wh.version == LATEST_VERSION
    assert wh.scalar("SELECT name FROM sellers WHERE seller_id = 's1'") == "멍멍상점"
    applied = wh.sql("SELECT version FROM schema_version ORDER BY version")["version"].to_list()
    assert applied == [m.version for m in MIGRATIONS]
    wh.close()


def test_newer_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "new.duckdb"
    Warehouse(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future', now()::TIMESTAMP)", [LATEST_VERSION + 1])
    con.close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        Warehouse(path)
    con = duckdb.connect(str(path), read_only=True)
    assert schema_version(con) == LATEST_VERSION + 1
    con.close()


def test_second_process_gets_a_clear_message(tmp_path):
    path = tmp_path / "held.duckdb"
    wh = Warehouse(path)
    code = (
        "import sys\n"
        "from data.warehouse import Warehouse, WarehouseBusyError\n"
        f"try:\n    Warehouse(r'{path}')\nexcept WarehouseBusyError as e:\n    print(e); sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(Path(__file__).resolve().parent.parent))
    wh.close()
    assert proc.returncode == 3, proc.stderr
    assert "in use by process" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cursors_are_per_thread(tmp_path):
    import threading

    wh = Warehouse(tmp_path / "t.duckdb")
    seen = {}

    def work(i):
        seen[i] = (wh.cursor(), wh.scalar("SELECT ?::INT + 1", [i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(v[1] for v in seen.values()) == [1, 2, 3, 4]
    assert len({id(v[0]) for v in seen.values()}) == 4  # cursors kept alive in `seen`: ids distinct
    wh.close()


def test_close_waits_for_a_query_still_running_on_another_thread(tmp_path):
    """A scheduler job the server's shutdown does not wait for may still be reading when the warehouse closes:
    DuckDB refuses to close a connection while a cursor of it runs, so close() waits for the query to finish."""
    wh = Warehouse(tmp_path / "w.duckdb")
    started, outcome = threading.Event(), []

    def long_read():
        cur = wh.cursor()
        started.set()
        outcome.append(cur.execute("SELECT count(*) FROM range(800000000) t(x) WHERE x % 7 = 3").fetchall()[0][0])

    reader = threading.Thread(target=long_read)
    reader.start()
    started.wait(5)
    time.sleep(0.2)                                    # the query is running
    with pytest.raises(duckdb.ResourceInUseException):
        wh.close(wait_seconds=0)                       # without waiting: refused, as DuckDB does
    wh.close()
    reader.join(30)
    assert outcome == [114285714]                       # the query finished; then the file closed
    assert not reader.is_alive()
