"""The SQL files of analytics/sql/: load one by name and run it with named parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from data import rollups
from data.warehouse import Warehouse

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
                              marks=base.schema_at_open >= rollups.PENDING_SCHEMA)
    cur = wh.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        text, extra = rollups.expand_sql(cur, text, params, checked)
        frame = cur.sql(text, params={**params, **extra}).pl()
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")                      # a read: nothing to write
    return frame
