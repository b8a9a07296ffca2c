"""The SQL files of analytics/sql/: load one by name and run it with named parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from data.warehouse import Warehouse

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load_sql(name: str) -> str:
    """The text of analytics/sql/<name>.sql (one query per file, named for what it produces)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(wh: Warehouse, name: str, **params: Any) -> pl.DataFrame:
    """Run analytics/sql/<name>.sql with `$name` parameters on this thread's cursor; a Polars frame back."""
    return wh.sql(load_sql(name), params or None)
