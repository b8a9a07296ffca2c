"""Saved workspace queries as alert metrics: a query whose result is a (date, number) series is run every morning
in its owner's access, one store at a time, and its last complete day is checked like the built-in metrics."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from alerts import detect, store
from analytics.sellers import SellerProfile, local_midnight_utc, local_now
from data import sandbox, users, workspace_store
from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse

log = logging.getLogger(__name__)
HISTORY_DAYS = 112
DATE_PARAMS = {"from": -HISTORY_DAYS, "start": -HISTORY_DAYS, "to": -1, "end": -1}


def _columns(frame: pl.DataFrame) -> tuple[str | None, str | None]:
    day = next((c for c, d in frame.schema.items() if d in (pl.Date,) or isinstance(d, pl.Datetime)), None)
    value = next((c for c, d in frame.schema.items() if d.is_numeric() and c != day), None)
    return day, value


def daily_series(frame: pl.DataFrame, first: date, last: date) -> np.ndarray:
    """The result's number per day first..last (summed over other columns), NaN on days without a row."""
    day, value = _columns(frame)
    if day is None or value is None:
        raise ValueError("the result needs a date column and a number column")
    by_day = (frame.select(pl.col(day).cast(pl.Date).alias("d"), pl.col(value).cast(pl.Float64).alias("v"))
              .group_by("d").agg(pl.col("v").sum()))
    grid = pl.DataFrame({"d": pl.date_range(first, last, interval="1d", eager=True)})
    return grid.join(by_day, on="d", how="left")["v"].fill_null(np.nan).to_numpy()


def saved_query_candidates(wh: Warehouse, profile: SellerProfile, _states: dict[str, Any],
                           now_utc: datetime) -> list[store.AlertCandidate]:
    """Alerts from the saved queries marked as alert metrics whose owner may see this store (a check of
    alerts.checks.CHECKS; the built-in rules' states do not apply to saved queries)."""
    known = users.load_users()
    today = local_now(profile.timezone, now_utc).date()
    first, last = today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1)
    found = []
    for query in workspace_store.alert_queries(wh):
        owner = known.get(query.owner)
        if owner is None or not owner.may_see(profile.seller_id):
            continue
        box = sandbox.Sandbox(ScopedWarehouse(wh, Scope.sellers(profile.seller_id)), timeout_s=60)
        params: dict[str, Any] = dict(query.params)
        for name in box.check(query.sql).parameters:
            if name in DATE_PARAMS:
                params[name] = today + timedelta(days=DATE_PARAMS[name])
        try:
            result = box.run(query.sql, params, max_rows=100_000)
            values = daily_series(result.frame, first, last)
        except (sandbox.QueryRefused, sandbox.QueryError, ValueError) as exc:
            log.warning("saved query %s (%s) cannot be checked for %s: %s", query.query_id, query.name,
                        profile.seller_id, exc)
            continue
        if np.isnan(values).all():
            continue
        check = detect.check_daily_batch(values[None, :])
        severity, direction = str(check.severity[0]), str(check.direction[0])
        if severity not in ("warning", "critical"):
            continue
        change = float(check.relative_change[0])
        word_ko, word_en = ("낮았습니다", "below") if direction == "drop" else ("높았습니다", "above")
        ko = (f"저장 쿼리 '{query.name}' 값이 {last:%m-%d}에 평소보다 {abs(change) * 100:.0f}% {word_ko} "
              f"({check.actual[0]:,.2f}, 평소 약 {check.expected[0]:,.2f})")
        en = (f"Saved query '{query.name}' was {abs(change) * 100:.0f}% {word_en} usual on {last:%m-%d} "
              f"({check.actual[0]:,.2f} vs about {check.expected[0]:,.2f})")
        found.append(store.AlertCandidate(
            profile.seller_id, f"saved_query:{query.query_id}", query.name, "store", "daily",
            local_midnight_utc(profile.timezone, last), local_midnight_utc(profile.timezone, today), severity,
            direction, float(check.actual[0]), float(check.expected[0]), float(check.lower[0]),
            float(check.upper[0]), change, float(check.anomaly_score[0]), ko, en,
            {"query_id": query.query_id, "owner": query.owner, "evidence_page": "explore",
             "chart": {"dates": [(first + timedelta(days=i)).isoformat() for i in range(len(values))][-42:],
                       "values": [None if np.isnan(v) else float(v) for v in values[-42:]],
                       "expected": float(check.expected[0]), "lower": float(check.lower[0]),
                       "upper": float(check.upper[0])}}))
    return found
