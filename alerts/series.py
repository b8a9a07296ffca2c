"""The metric series the alert rules watch, read from the warehouse: store metrics per local day and hour,
ad campaigns per day. Frames in, frames out; the detector (alerts/detect.py) never sees the warehouse."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from analytics import realtime, traffic
from analytics.ads import ads_campaign_days
from data.warehouse import Warehouse

DAILY_HISTORY_DAYS = realtime.HISTORY_DAYS        # 16 weeks: enough for a weekly season, cached by realtime too
STORE_METRICS = ("revenue", "order_count", "session_count", "conversion", "aov")


def store_days(wh: Warehouse, seller_id: str, tz: str, today: date,
               days: int = DAILY_HISTORY_DAYS) -> pl.DataFrame:
    """One row per complete local day before `today` (oldest first, `days` of them), from the realtime history;
    on days without visit-level sessions, the visits counted by day (a Smart Store 마케팅분석 download), so a
    Smart Store seller's visitor drop is watched too.

    Columns: local_date, revenue, order_count, session_count, converted_session_count, conversion
    (converted sessions / sessions, null without sessions), aov (revenue / orders, null without orders)."""
    hourly = realtime.history_hourly(wh, seller_id, tz, today, days)
    daily_visits = traffic.daily_visit_counts(wh, seller_id, today - timedelta(days=days), today - timedelta(days=1))
    return daily_from_hourly(hourly, daily_visits)


def daily_from_hourly(hourly: pl.DataFrame, daily_visits: pl.DataFrame | None = None) -> pl.DataFrame:
    """Sum realtime.hourly_by_day rows to days and add the ratio metrics; `daily_visits` (local_date,
    session_count, converted_session_count) stand in for the visits of days without visit-level sessions."""
    days = (hourly.group_by("local_date")
            .agg(pl.col("revenue").sum().cast(pl.Float64), pl.col("order_count").sum(),
                 pl.col("session_count").sum(), pl.col("converted_session_count").sum()))
    if daily_visits is not None and daily_visits.height:
        visits = ("session_count", "converted_session_count")
        days = (days.join(daily_visits.rename({c: f"daily_{c}" for c in visits}), on="local_date", how="left")
                .with_columns(*[pl.when(pl.col("session_count") == 0).then(pl.col(f"daily_{c}").fill_null(0))
                                .otherwise(pl.col(c)).cast(days.schema[c]).alias(c) for c in visits])
                .drop([f"daily_{c}" for c in visits]))
    return (days.sort("local_date")
            .with_columns(
                pl.when(pl.col("session_count") > 0)
                .then(pl.col("converted_session_count") / pl.col("session_count")).alias("conversion"),
                pl.when(pl.col("order_count") > 0)
                .then(pl.col("revenue") / pl.col("order_count")).alias("aov")))


def active_from(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows from the first day with any order or visit: days before a shop opened are not zero-sales days."""
    active = frame.filter((pl.col("order_count") > 0) | (pl.col("session_count") > 0))
    if active.height == 0:
        return frame.clear()
    return frame.filter(pl.col("local_date") >= active["local_date"].min())


def cumulative_by_hour(hourly: pl.DataFrame, metric: str) -> dict[date, np.ndarray]:
    """{local_date: 24 cumulative totals of `metric` by the end of each local hour} from hourly_by_day rows."""
    out: dict[date, np.ndarray] = {}
    for (day,), frame in hourly.sort("local_date", "local_hour").group_by("local_date", maintain_order=True):
        values = np.zeros(24)
        values[frame["local_hour"].to_numpy()] = frame[metric].cast(pl.Float64).to_numpy()
        out[day] = np.cumsum(values)
    return out


def campaign_days(wh: Warehouse, seller_id: str, today: date, days: int = DAILY_HISTORY_DAYS) -> pl.DataFrame:
    """Per campaign and complete day before `today`, a full grid (days without rows are zero spend).

    Columns: platform, campaign, stat_date, spend, clicks, conversions, conversion_revenue,
    roas (conversion revenue / spend, null without spend), cpc (spend / clicks, null without clicks)."""
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    found = ads_campaign_days(wh, seller_id, first, last)
    if found.height == 0:
        return pl.DataFrame(schema={"platform": pl.String, "campaign": pl.String, "stat_date": pl.Date,
                                    "spend": pl.Float64, "clicks": pl.Int64, "conversions": pl.Int64,
                                    "conversion_revenue": pl.Float64, "roas": pl.Float64, "cpc": pl.Float64})
    grid = (found.select("platform", "campaign").unique()
            .join(pl.DataFrame({"stat_date": pl.date_range(first, last, interval="1d", eager=True)}), how="cross"))
    return (grid.join(found.select("platform", "campaign", "stat_date", "spend", "clicks", "conversions",
                                   "conversion_revenue"), on=["platform", "campaign", "stat_date"], how="left")
            .with_columns(pl.col("spend", "conversion_revenue").fill_null(0.0).cast(pl.Float64),
                          pl.col("clicks", "conversions").fill_null(0).cast(pl.Int64))
            .with_columns(pl.when(pl.col("spend") > 0).then(pl.col("conversion_revenue") / pl.col("spend"))
                          .alias("roas"),
                          pl.when(pl.col("clicks") > 0).then(pl.col("spend") / pl.col("clicks")).alias("cpc"))
            .sort("platform", "campaign", "stat_date"))
