"""What the warehouse holds for a seller: row counts per table, data freshness per fact table, the load log."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from analytics.queries import load_sql
from analytics.sellers import local_now, seller_timezone
from data.warehouse import Warehouse


def table_row_counts(wh: Warehouse, seller_id: str) -> pl.DataFrame:
    """Columns: table_name, row_count (Int64) — the seller's rows in every fact and dimension table."""
    return wh.sql(load_sql("table_row_counts"), {"seller_id": seller_id}).select(
        "table_name", pl.col("row_count").cast(pl.Int64))


def data_freshness(wh: Warehouse, seller_id: str, now_utc: datetime | None = None) -> pl.DataFrame:
    """Columns: table_name, latest_local (Datetime in the seller's zone, null: no rows), age_hours.

    age_hours is the time from the latest record to `now_utc` (null when now_utc is not given or the
    table is empty); ad_stats and inventory are dated by day or hour, so their age is coarse.
    """
    tz = seller_timezone(wh, seller_id)
    frame = wh.sql(load_sql("data_freshness"), {"seller_id": seller_id, "tz": tz}).select(
        "table_name", pl.col("latest_local").cast(pl.Datetime("us")))
    if now_utc is None:
        return frame.with_columns(age_hours=pl.lit(None, dtype=pl.Float64))
    now_local = local_now(tz, now_utc).replace(tzinfo=None)
    return frame.with_columns(
        age_hours=((pl.lit(now_local, dtype=pl.Datetime("us")) - pl.col("latest_local")).dt.total_seconds()
                   / 3600.0).round(1))


def load_log(wh: Warehouse, seller_id: str, limit: int = 50) -> pl.DataFrame:
    """The latest `limit` loads of the seller, newest first.

    Columns: load_id, finished_local (seller's zone), source, kind, format, rows_read, rows_loaded,
    rows_duplicate, rows_rejected, status, message.
    """
    tz = seller_timezone(wh, seller_id)
    return wh.sql(load_sql("load_log"), {"seller_id": seller_id, "tz": tz, "limit": int(limit)})
