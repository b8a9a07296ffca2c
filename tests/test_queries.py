"""How report queries run: query_frame (one execute, rows through Arrow) gives the frames DuckDB's relation fetch
gives; in_parallel runs independent calls on the shared report-query threads and its caller's, without losing
results or errors, and without waiting for a call queued behind busy threads."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.queries import QUERY_THREADS, in_parallel
from data.warehouse import query_frame

TYPED = """
SELECT * FROM (VALUES
    (1, '강아지 간식 소포장', CAST(12900.50 AS DECIMAL(18, 2)), DATE '2026-11-20',
     TIMESTAMP '2026-11-20 05:00:00.123456', [1, 2], {'a': 1, 'b': 'x'}, NULL::VARCHAR, 1.5::DOUBLE, true),
    (2, '', CAST(-3.10 AS DECIMAL(18, 2)), NULL, NULL, [], NULL, 'y', NULL, NULL)
) AS t(id, name, amount, day, placed_at, ids, s, maybe, x, flag)
WHERE id >= $low
ORDER BY id
"""


def test_query_frame_equals_the_relation_fetch(warehouse):
    cur = warehouse.cursor()
    for low in (0, 2, 3):                    # both rows, one, none (an empty frame keeps its schema)
        got = query_frame(cur, TYPED, {"low": low})
        want = cur.sql(TYPED, params={"low": low}).pl()
        assert_frame_equal(got, want)
        assert got.height == max(0, 3 - max(low, 1))
    got = query_frame(cur, TYPED, {"low": 0})
    assert got.schema["amount"] == pl.Decimal(18, 2) and got["amount"].to_list() == [Decimal("12900.50"),
                                                                                     Decimal("-3.10")]
    assert got["name"][0] == "강아지 간식 소포장" and got["day"][0] == date(2026, 11, 20)
    assert got["placed_at"][0] == datetime(2026, 11, 20, 5, 0, 0, 123456)
    # positional parameters, and the cursor is free for the next query afterwards
    assert query_frame(cur, "SELECT ? + 1 AS n", [41])["n"].to_list() == [42]
    assert warehouse.sql("SELECT '다음' AS next")["next"].to_list() == ["다음"]


def test_query_frame_error_leaves_the_cursor_usable(warehouse):
    cur = warehouse.cursor()
    with pytest.raises(Exception, match="no_such_table"):
        query_frame(cur, "SELECT * FROM no_such_table")
    assert query_frame(cur, "SELECT 1 AS one")["one"].to_list() == [1]


def test_in_parallel_returns_results_in_order_from_the_query_threads():
    def call(i: int):
        time.sleep(0.01 * (5 - i))          # later calls finish first
        return i, threading.current_thread().name

    results = in_parallel(*(lambda i=i: call(i) for i in range(5)))
    assert [i for i, _ in results] == [0, 1, 2, 3, 4]
    here = threading.current_thread().name
    assert all(name.startswith("report-query") or name == here for _, name in results)
    assert any(name.startswith("report-query") for _, name in results)
    # one call (or none) runs on the caller's thread
    assert in_parallel(lambda: threading.current_thread().name) == [threading.current_thread().name]
    assert in_parallel() == []


def test_in_parallel_finishes_every_call_before_raising():
    finished = threading.Event()

    def slow():
        time.sleep(0.3)
        finished.set()
        return "slow"

    def fails():
        raise ValueError("bad window")

    with pytest.raises(ValueError, match="bad window"):
        in_parallel(fails, slow)
    assert finished.is_set()              # no query is left running on a cursor after the caller moved on


def test_in_parallel_never_waits_on_its_calls_queued_behind_busy_query_threads():
    """Every query thread held by another page's long call (or blocked on a result this thread computes): the
    caller runs its own calls that no query thread started."""
    release = threading.Event()
    started = threading.Barrier(QUERY_THREADS + 2)   # the query threads, the holder's thread and this one

    def hold():
        started.wait(timeout=10)
        release.wait(timeout=30)
        return "held"

    holder = threading.Thread(target=lambda: in_parallel(*(hold for _ in range(QUERY_THREADS + 1))))
    holder.start()
    started.wait(timeout=10)               # every query thread and the holder's own thread are in hold()
    box: dict[str, object] = {}
    runner = threading.Thread(target=lambda: box.update(out=in_parallel(lambda: 1, lambda: 2, lambda: 3)))
    runner.start()
    runner.join(timeout=10)
    finished_while_held = not runner.is_alive()
    release.set()
    holder.join(timeout=30)
    runner.join(timeout=30)
    assert finished_while_held, "in_parallel waited for query threads busy with another caller's calls"
    assert box["out"] == [1, 2, 3]


def test_in_parallel_inside_the_query_threads():
    """Every query thread running a call that itself runs calls in parallel: it runs its own queued calls, so
    nothing waits for a thread that is free."""
    def outer(k: int):
        time.sleep(0.2)                    # the query threads take outer calls while the caller runs one
        inner = in_parallel(*(lambda j=j: (k, j) for j in range(3)))
        return threading.current_thread().name, inner

    box: dict[str, object] = {}
    runner = threading.Thread(target=lambda: box.update(out=in_parallel(*(lambda k=k: outer(k)
                                                                          for k in range(QUERY_THREADS + 1)))))
    runner.start()
    runner.join(timeout=20)
    assert not runner.is_alive(), "in_parallel waited on its own threads"
    out = box["out"]
    assert [inner for _, inner in out] == [[(k, j) for j in range(3)] for k in range(QUERY_THREADS + 1)]
    assert any(name.startswith("report-query") for name, _ in out)


def test_in_parallel_queries_read_the_warehouse_on_their_own_cursors(warehouse):
    with warehouse.transaction() as cur:
        cur.execute("CREATE TABLE t AS SELECT range AS n FROM range(1000)")
    frames = in_parallel(*(lambda k=k: query_frame(warehouse.cursor(), "SELECT sum(n) AS s, count(*) AS c FROM t "
                                                   "WHERE n % 4 = $k", {"k": k}) for k in range(4)))
    assert [f.row(0) for f in frames] == [(sum(n for n in range(1000) if n % 4 == k), 250) for k in range(4)]
