"""The SQL files of analytics/sql/: load one by name and run it with named parameters."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from data import rollups
from data.warehouse import Warehouse, query_frame

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load_sql(name: str) -> str:
    """The text of analytics/sql/<name>.sql (one query per file, named for what it produces)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(wh: Warehouse, name: str, **params: Any) -> pl.DataFrame:
    """Run analytics/sql/<name>.sql with `$name` parameters on this thread's cursor; a Polars frame back.

    `{{rollup_...}}` in the text reads the hourly rows of a window through data/rollups.py (see expand_sql)."""
    text = load_sql(name)
    if "{{" not in text:
        return wh.sql(text, params or None)
    # the coverage check and the query read one snapshot: a load committing in between cannot be half-seen;
    # the version of writes around the loader is read before that snapshot begins (see rollups.in_step)
    base = getattr(wh, "warehouse", wh)              # the Warehouse behind a ScopedWarehouse
    checked = rollups.Checked(base.rollups_checked, base.data_version_of(params["seller_id"], ()),
                              marks=base.schema_at_open >= rollups.PENDING_SCHEMA,
                              carriers=base.schema_at_open >= rollups.CARRIER_SCHEMA)
    cur = wh.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        text, extra = rollups.expand_sql(cur, text, params, checked)
        frame = query_frame(cur, text, {**params, **extra})
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")                      # a read: nothing to write
    return frame


# ---------------------------------------------------------------- independent queries side by side

# DuckDB runs one query on every core, but a report's queries are small (10-60 ms on the 10M-line bench store): much
# of each is work one thread does (parsing, binding, the last merge, the fetch, the Python around it), so two of
# them at once fill the cores better than one after another (README, *Queries side by side*).
QUERY_THREADS = max(2, min(4, os.cpu_count() or 2))
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """The results of `calls`, in order, run on the shared report-query threads and on this one (each reads the
    warehouse on its thread's own cursor, as every thread does).

    The calls must be independent: none may wait for another. Every call finishes before this returns; the first
    exception (in order) is raised then. This thread takes every call no query thread has started, so it never
    waits on a queued call (the query threads may be busy with other pages' calls, or one of them waiting for a
    result this thread is computing under analytics.result_cache's key lock); a call may itself run calls in
    parallel."""
    global _pool
    if len(calls) < 2:
        return [call() for call in calls]
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="report-query")
        pool = _pool
    futures = [pool.submit(call) for call in calls]
    for i, call in enumerate(calls):
        if futures[i].cancel():          # not started yet: this thread runs it (never idle, never waiting on a
            futures[i] = done = Future()  # call queued behind threads that are busy or blocked elsewhere)
            try:
                done.set_result(call())
            except BaseException as exc:  # noqa: BLE001 - raised below, after every call finished
                done.set_exception(exc)
    wait(futures)
    return [f.result() for f in futures]
