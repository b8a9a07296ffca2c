"""Real-time report: today so far vs the same time yesterday and last week, the hourly curve, latest orders, pace forecast."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import korean_money_axes, names, t
from analytics.kpis import kpi_values
from analytics.metrics import KPI_METRICS, format_metric_value, format_money, metric_label
from analytics.period import ReportPeriod
from analytics.queries import run_sql
from analytics.sellers import as_utc_naive, local_midnight_utc, local_now, seller_profile, whole_hour_offsets
from data.warehouse import Warehouse

HISTORY_DAYS = 112          # 16 weeks: 8 same weekdays for a usual day, and a usual day for each training day
USUAL_WEEKS_MIN = 4         # a usual day needs at least this many earlier same weekdays ...
USUAL_WEEKS_MAX = 8         # ... and uses at most this many (the median of their totals)
SHARE_WEEKS = 12            # same weekdays pooled for the intraday profile (share of the day reached by a time)
TRAINING_DAYS = 56          # recent days the pace regression is fitted on (all weekdays, normalised by their usual)
MIN_TRAINING_DAYS = 10
FORECAST_LEVEL = 0.80       # the interval's coverage
SMOOTHING_SHARE = 0.05      # k = 5 % of a usual day, added before logs so an empty early morning is no -inf
LATEST_ORDERS_LIMIT = 20
LATEST_ORDERS_LOOKBACK_DAYS = 30
COMPARISONS = ("yesterday", "last_week")   # same clock time yesterday; same weekday last week
TOTAL_PARTS = ("revenue", "order_count", "unit_count", "session_count", "converted_session_count")
HOURS = 24


# ------------------------------------------------------------------------------------------------------ the clock

@dataclass(frozen=True)
class RealtimeClock:
    """'Now' in the seller's zone and the three windows compared: today, yesterday and last week, each from
    local midnight up to the same wall-clock time, as naive UTC bounds [start, end)."""
    timezone: str
    now_utc: datetime
    today: date
    hour_of_day: float            # wall-clock hours since local midnight, e.g. 14.5 at 14:30
    windows: dict[str, tuple[datetime, datetime]]

    def day_of(self, window: str) -> date:
        return self.today - timedelta(days={"today": 0, "yesterday": 1, "last_week": 7}[window])


def realtime_clock(tz: str, now_utc: datetime) -> RealtimeClock:
    """The windows of the real-time tiles at `now_utc` (DST-safe: wall-clock arithmetic on aware datetimes)."""
    now_utc = as_utc_naive(now_utc)
    now_local = local_now(tz, now_utc)
    today = now_local.date()
    windows = {"today": (local_midnight_utc(tz, today), now_utc)}
    for name, days in (("yesterday", 1), ("last_week", 7)):
        windows[name] = (local_midnight_utc(tz, today - timedelta(days=days)),
                         as_utc_naive(now_local - timedelta(days=days)))
    hour_of_day = now_local.hour + now_local.minute / 60 + now_local.second / 3600
    return RealtimeClock(tz, now_utc, today, hour_of_day, windows)


# ------------------------------------------------------------------------------------------------------ tiles

def window_totals(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> dict[str, float]:
    """Additive parts in [start_utc, end_utc): revenue, order_count, unit_count, session_count,
    converted_session_count (same rules as the home KPIs)."""
    row = run_sql(wh, "kpi_totals", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc).row(0, named=True)
    return {k: float(v or 0) if k == "revenue" else int(v or 0) for k, v in row.items()}


def comparison_totals(wh: Warehouse, seller_id: str, clock: RealtimeClock) -> dict[str, dict[str, float]]:
    """window_totals for today, yesterday and last week (each up to the same local clock time)."""
    return {name: window_totals(wh, seller_id, *bounds) for name, bounds in clock.windows.items()}


def _delta_pct(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous) * 100.0


def realtime_tiles(totals: dict[str, dict[str, float]]) -> pl.DataFrame:
    """The five KPI tiles from comparison_totals.

    Columns: metric (revenue | orders | aov | visitors | conversion), value (today so far), yesterday_value,
    last_week_value (same local clock time), delta_yesterday_pct, delta_last_week_pct (relative change in %,
    null when the comparison is 0 or missing). conversion is a ratio in [0, 1].
    """
    values = {name: kpi_values(parts) for name, parts in totals.items()}
    rows = []
    for metric in KPI_METRICS:
        now = values["today"][metric]
        rows.append({"metric": metric, "value": now,
                     "yesterday_value": values["yesterday"][metric], "last_week_value": values["last_week"][metric],
                     "delta_yesterday_pct": _delta_pct(now, values["yesterday"][metric]),
                     "delta_last_week_pct": _delta_pct(now, values["last_week"][metric])})
    return pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64, "yesterday_value": pl.Float64,
                                      "last_week_value": pl.Float64, "delta_yesterday_pct": pl.Float64,
                                      "delta_last_week_pct": pl.Float64})


# ------------------------------------------------------------------------------------------------------ hourly data

HOURLY_SCHEMA = {"local_date": pl.Date, "local_hour": pl.Int32, "revenue": pl.Float64, "order_count": pl.Int64,
                 "unit_count": pl.Int64, "session_count": pl.Int64, "converted_session_count": pl.Int64}


def hourly_by_day(wh: Warehouse, seller_id: str, tz: str, first_day: date, last_day: date,
                  end_utc: datetime | None = None) -> pl.DataFrame:
    """Revenue, orders, units and visits per local day and hour, days first_day..last_day (inclusive), read up
    to `end_utc` (default: the end of last_day).

    Columns: local_date, local_hour (0-23), revenue, order_count, unit_count, session_count,
    converted_session_count. Every day has all 24 hours (zeros where nothing happened).
    """
    if last_day < first_day:
        return pl.DataFrame(schema=HOURLY_SCHEMA)
    day_end = local_midnight_utc(tz, last_day + timedelta(days=1))
    start, end = local_midnight_utc(tz, first_day), min(day_end, end_utc) if end_utc else day_end
    # whole-hour zones sum the hourly rollups; others (Kolkata +05:30) group the rows per minute
    name = "realtime_hourly_whole_hours" if whole_hour_offsets(tz, start, end) else "realtime_hourly"
    found = run_sql(wh, name, seller_id=seller_id, tz=tz, start_utc=start, end_utc=end)
    grid = (pl.DataFrame({"local_date": pl.date_range(first_day, last_day, interval="1d", eager=True)})
            .join(pl.DataFrame({"local_hour": pl.Series(range(HOURS), dtype=pl.Int32)}), how="cross"))
    return (grid.join(found.cast({k: v for k, v in HOURLY_SCHEMA.items()}), on=["local_date", "local_hour"],
                      how="left")
            .with_columns(pl.col(c).fill_null(0) for c in list(HOURLY_SCHEMA)[2:])
            .select(list(HOURLY_SCHEMA)).sort("local_date", "local_hour"))


def history_hourly(wh: Warehouse, seller_id: str, tz: str, today: date, days: int = HISTORY_DAYS) -> pl.DataFrame:
    """hourly_by_day for the `days` complete local days before `today` (the part that does not change today):
    computed once per seller, day and data version (analytics.result_cache)."""
    return result_cache.remember(
        wh, "history_hourly", (seller_id, tz, today, days),
        lambda: hourly_by_day(wh, seller_id, tz, today - timedelta(days=days), today - timedelta(days=1)),
        seller_id=seller_id)


def today_hourly(wh: Warehouse, seller_id: str, clock: RealtimeClock) -> pl.DataFrame:
    """hourly_by_day for today up to the clock's now (hours after now are zeros)."""
    return hourly_by_day(wh, seller_id, clock.timezone, clock.today, clock.today, end_utc=clock.now_utc)


def _active_history(history: pl.DataFrame) -> pl.DataFrame:
    """History from the first day with any order or visit (days before the shop started are not 'zero days')."""
    active = history.filter((pl.col("order_count") > 0) | (pl.col("session_count") > 0))
    if active.height == 0:
        return history.clear()
    return history.filter(pl.col("local_date") >= active["local_date"].min())


def _revenue_matrix(hourly: pl.DataFrame) -> tuple[list[date], np.ndarray]:
    """(days, revenue[day, hour]) from an hourly frame with all 24 hours per day."""
    days = hourly["local_date"].unique().sort().to_list()
    matrix = hourly.sort("local_date", "local_hour")["revenue"].to_numpy().reshape(len(days), HOURS)
    return days, matrix


def usual_days(day: date, available: list[date], weeks_max: int = USUAL_WEEKS_MAX) -> list[date]:
    """The up to `weeks_max` most recent same weekdays before `day` that are in `available`, newest first."""
    pool = set(available)
    return [d for k in range(1, HISTORY_DAYS // 7 + 1) if (d := day - timedelta(days=7 * k)) in pool][:weeks_max]


def cumulative_at(matrix: np.ndarray, hour_of_day: float) -> np.ndarray:
    """Revenue of each day (row) from midnight up to the clock time `hour_of_day`; the running hour is taken
    pro rata (orders spread evenly within an hour)."""
    whole = min(int(math.floor(hour_of_day)), HOURS)
    done = matrix[:, :whole].sum(axis=1)
    if whole < HOURS:
        done = done + (hour_of_day - whole) * matrix[:, whole]
    return done


def hourly_curve(history: pl.DataFrame, today: pl.DataFrame, clock: RealtimeClock) -> pl.DataFrame:
    """Today's hourly revenue against yesterday, the same weekday last week and a usual day of this weekday.

    Columns: local_hour (0-23), today_revenue (null after the running hour), today_order_count,
    yesterday_revenue, last_week_revenue (null when that day is outside the history), usual_revenue (median of
    the hour over the last 4-8 same weekdays; null with fewer than 4), today_cumulative, usual_cumulative
    (median over the same days of the revenue from midnight to the end of the hour).
    """
    current_hour = min(int(clock.hour_of_day), HOURS - 1)
    hist = _active_history(history)
    days, matrix = _revenue_matrix(hist) if hist.height else ([], np.zeros((0, HOURS)))
    index = {d: i for i, d in enumerate(days)}

    def day_row(day: date) -> list[float | None]:
        return matrix[index[day]].tolist() if day in index else [None] * HOURS

    usual = usual_days(clock.today, days)
    if len(usual) >= USUAL_WEEKS_MIN:
        rows = matrix[[index[d] for d in usual]]
        usual_hourly: list[float | None] = np.median(rows, axis=0).tolist()
        usual_cum: list[float | None] = np.median(np.cumsum(rows, axis=1), axis=0).tolist()
    else:
        usual_hourly = usual_cum = [None] * HOURS
    today_sorted = today.sort("local_hour")
    today_rev = today_sorted["revenue"].to_list()
    today_orders = today_sorted["order_count"].to_list()
    running = np.cumsum(today_rev).tolist()
    shown = [h <= current_hour for h in range(HOURS)]
    return pl.DataFrame({
        "local_hour": list(range(HOURS)),
        "today_revenue": [v if s else None for v, s in zip(today_rev, shown, strict=True)],
        "today_order_count": [v if s else None for v, s in zip(today_orders, shown, strict=True)],
        "yesterday_revenue": day_row(clock.day_of("yesterday")),
        "last_week_revenue": day_row(clock.day_of("last_week")),
        "usual_revenue": usual_hourly,
        "today_cumulative": [v if s else None for v, s in zip(running, shown, strict=True)],
        "usual_cumulative": usual_cum,
    }, schema={"local_hour": pl.Int32, "today_revenue": pl.Float64, "today_order_count": pl.Int64,
               "yesterday_revenue": pl.Float64, "last_week_revenue": pl.Float64, "usual_revenue": pl.Float64,
               "today_cumulative": pl.Float64, "usual_cumulative": pl.Float64})


# ------------------------------------------------------------------------------------------------------ forecast

def pace_training_frame(history: pl.DataFrame, hour_of_day: float, today: date,
                        training_days: int = TRAINING_DAYS) -> tuple[pl.DataFrame, dict[int, float]]:
    """The rows the pace regression is fitted on, and the intraday profile it uses.

    Profile: for each weekday, the share of a day's revenue reached by `hour_of_day`, pooled over the last
    12 same weekdays (Σ revenue so far ÷ Σ day totals). For each of the last `training_days` days that has a
    usual day (median total of its 4-8 previous same weekdays):
        expected_so_far = share(weekday) × usual_total, k = 5 % of usual_total,
        pace_log_ratio  = log((so_far + k) / (expected_so_far + k))    -- ahead of or behind a usual day
        close_log_ratio = log((day_total + k) / (usual_total + k))     -- how the day closed vs a usual day
    Columns: local_date, weekday (0 = Monday), so_far, day_total, usual_total, expected_so_far, pace_log_ratio,
    close_log_ratio. Returns (frame, {weekday: share}).
    """
    hist = _active_history(history.filter(pl.col("local_date") < today))
    empty = pl.DataFrame(schema={"local_date": pl.Date, "weekday": pl.Int64, "so_far": pl.Float64,
                                 "day_total": pl.Float64, "usual_total": pl.Float64,
                                 "expected_so_far": pl.Float64, "pace_log_ratio": pl.Float64,
                                 "close_log_ratio": pl.Float64})
    if hist.height == 0:
        return empty, {}
    days, matrix = _revenue_matrix(hist)
    index = {d: i for i, d in enumerate(days)}
    so_far = cumulative_at(matrix, hour_of_day)
    totals = matrix.sum(axis=1)
    shares: dict[int, float] = {}
    for weekday in range(7):
        rows = [i for i, d in enumerate(days) if d.weekday() == weekday][-SHARE_WEEKS:]
        if rows and totals[rows].sum() > 0:
            shares[weekday] = float(so_far[rows].sum() / totals[rows].sum())
    records = []
    for day in days[-training_days:]:
        usual = usual_days(day, days)
        if len(usual) < USUAL_WEEKS_MIN or day.weekday() not in shares:
            continue
        usual_total = float(np.median(totals[[index[d] for d in usual]]))
        if usual_total <= 0:
            continue
        k = SMOOTHING_SHARE * usual_total
        expected = shares[day.weekday()] * usual_total
        i = index[day]
        records.append({"local_date": day, "weekday": day.weekday(), "so_far": float(so_far[i]),
                        "day_total": float(totals[i]), "usual_total": usual_total, "expected_so_far": expected,
                        "pace_log_ratio": math.log((so_far[i] + k) / (expected + k)),
                        "close_log_ratio": math.log((totals[i] + k) / (usual_total + k))})
    return (pl.DataFrame(records, schema=empty.schema) if records else empty), shares


def pace_forecast(history: pl.DataFrame, today: date, hour_of_day: float, revenue_so_far: float,
                  level: float = FORECAST_LEVEL) -> dict[str, Any]:
    """Where today's revenue will close, with an interval, from the seller's own intraday profile.

    Model (statsmodels OLS, fitted at this clock time on the last 56 days):
        close_log_ratio = a + b × pace_log_ratio + e,  e ~ Normal
    i.e. how a day closed relative to a usual day of its weekday, explained by how far ahead of or behind
    the usual pace it was at the same clock time (pace_training_frame). b < 1 shrinks a noisy morning towards
    the usual day; late in the day b -> 1 and the residuals shrink. The interval is a jackknife prediction interval
    (leave_one_out_interval): the forecast plus the empirical quantiles of the training days' leave-one-out errors,
    mapped back to money; the close is never below what is already sold. The normal-theory OLS interval it
    replaced held 75-79% of the closes of ordinary demo days at 10, 14, 18 and 21 h instead of 80%; this one
    80-82% (bench/pace_eval.py, README).

    Returns {status: ok | not_enough_history, close, lower, upper, level, usual_total, vs_usual_pct,
    revenue_so_far, expected_so_far, share_of_day, weekday, training_days, slope, intercept, residual_sd}.
    """
    frame, shares = pace_training_frame(history, hour_of_day, today)
    hist_days = _active_history(history.filter(pl.col("local_date") < today))
    days = hist_days["local_date"].unique().sort().to_list()
    weekday = today.weekday()
    usual = usual_days(today, days)
    result: dict[str, Any] = {"status": "not_enough_history", "close": None, "lower": None, "upper": None,
                              "level": level, "usual_total": None, "vs_usual_pct": None,
                              "revenue_so_far": revenue_so_far, "expected_so_far": None, "share_of_day": None,
                              "weekday": weekday, "hour_of_day": hour_of_day, "training_days": frame.height,
                              "slope": None, "intercept": None, "residual_sd": None}
    if frame.height < MIN_TRAINING_DAYS or len(usual) < USUAL_WEEKS_MIN or weekday not in shares:
        return result
    _, matrix = _revenue_matrix(hist_days.filter(pl.col("local_date").is_in(usual)))
    usual_total = float(np.median(matrix.sum(axis=1)))
    if usual_total <= 0:
        return result
    k = SMOOTHING_SHARE * usual_total
    expected = shares[weekday] * usual_total
    x_today = math.log((revenue_so_far + k) / (expected + k))

    import statsmodels.api as sm  # lazily: statsmodels.api costs ~1.8 s to import

    y = frame["close_log_ratio"].to_numpy()
    x = frame["pace_log_ratio"].to_numpy()
    if np.std(x) < 1e-9:   # every day on the usual pace: the intercept alone
        exog, exog_today = np.ones((len(y), 1)), np.array([[1.0]])
    else:
        exog, exog_today = sm.add_constant(x, has_constant="add"), np.array([[1.0, x_today]])
    fit = sm.OLS(y, exog).fit()
    mean = float(fit.predict(exog_today)[0])
    low_error, high_error = leave_one_out_interval(exog, fit.resid, level)
    low, high = mean + low_error, mean + high_error

    def to_money(log_ratio: float) -> float:
        return max(math.exp(log_ratio) * (usual_total + k) - k, revenue_so_far)

    close = to_money(mean)
    result.update(status="ok", close=close, lower=to_money(low), upper=to_money(high), usual_total=usual_total,
                  vs_usual_pct=(close - usual_total) / usual_total * 100.0, expected_so_far=expected,
                  share_of_day=shares[weekday],
                  slope=float(fit.params[1]) if exog.shape[1] == 2 else 0.0, intercept=float(fit.params[0]),
                  residual_sd=float(math.sqrt(fit.scale)) if fit.df_resid > 0 else 0.0)
    return result


def leave_one_out_interval(exog: np.ndarray, residuals: np.ndarray, level: float) -> tuple[float, float]:
    """(low, high) errors around an OLS forecast from the leave-one-out residuals of its training rows
    (e_i / (1 - h_ii), h the hat matrix's diagonal: each row's error had the model been fitted without it), their
    order statistics at ⌊(1 − level)/2 · (n + 1)⌋ and ⌈(1 + level)/2 · (n + 1)⌉ (the jackknife interval of Barber
    et al., 2021, for a new row like the training ones). (0, 0) without residuals."""
    e = np.asarray(residuals, dtype=float)
    n = len(e)
    if n == 0:
        return 0.0, 0.0
    x = np.asarray(exog, dtype=float)
    leverage = np.einsum("ij,jk,ik->i", x, np.linalg.pinv(x.T @ x), x)
    loo = np.sort(e / np.maximum(1.0 - leverage, 1e-9))
    low = max(0, math.floor((1 - level) / 2 * (n + 1)) - 1)
    high = min(n - 1, math.ceil((1 + level) / 2 * (n + 1)) - 1)
    return float(loo[low]), float(loo[high])


def backtest_pace_forecast(hourly: pl.DataFrame, days: list[date], hour_of_day: float,
                           level: float = FORECAST_LEVEL) -> pl.DataFrame:
    """Replay pace_forecast at `hour_of_day` on each of `days` using only the days before it, and compare with
    how the day really closed (`hourly` must hold those days and enough history before them).

    Columns: local_date, so_far, actual_close, close, lower, upper, usual_total, covered (lower <= actual <= upper).
    """
    rows = []
    for day in days:
        past = hourly.filter(pl.col("local_date") < day)
        matrix = hourly.filter(pl.col("local_date") == day).sort("local_hour")["revenue"].to_numpy()
        so_far = float(cumulative_at(matrix.reshape(1, HOURS), hour_of_day)[0])
        f = pace_forecast(past, day, hour_of_day, so_far, level)
        if f["status"] != "ok":
            continue
        actual = float(matrix.sum())
        rows.append({"local_date": day, "so_far": so_far, "actual_close": actual, "close": f["close"],
                     "lower": f["lower"], "upper": f["upper"], "usual_total": f["usual_total"],
                     "covered": f["lower"] <= actual <= f["upper"]})
    return pl.DataFrame(rows, schema={"local_date": pl.Date, "so_far": pl.Float64, "actual_close": pl.Float64,
                                      "close": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
                                      "usual_total": pl.Float64, "covered": pl.Boolean})


# ------------------------------------------------------------------------------------------------------ orders

def latest_orders(wh: Warehouse, seller_id: str, clock: RealtimeClock, limit: int = LATEST_ORDERS_LIMIT) -> pl.DataFrame:
    """The newest orders (not cancelled) placed before now, newest first (looks back 30 days at most).

    Columns: ordered_local (local wall-clock time), order_id, items (first product name, '+ N' more lines),
    unit_count, amount (revenue rule of the order), channel, status.
    """
    frame = run_sql(wh, "realtime_latest_orders", seller_id=seller_id, tz=clock.timezone,
                    start_utc=clock.now_utc - timedelta(days=LATEST_ORDERS_LOOKBACK_DAYS), end_utc=clock.now_utc,
                    limit=limit)
    return (frame.with_columns(
        pl.when(pl.col("line_count") > 1)
        .then(pl.format("{} +{}", pl.col("first_product_name"), pl.col("line_count") - 1))
        .otherwise(pl.col("first_product_name")).alias("items"))
        .select("ordered_local", "order_id", "items", "unit_count", "amount", "channel", "status"))


# ------------------------------------------------------------------------------------------------------ assembled

@dataclass(frozen=True)
class RealtimeSnapshot:
    """Everything the real-time page shows at one moment."""
    clock: RealtimeClock
    currency: str
    totals: dict[str, dict[str, float]]
    tiles: pl.DataFrame
    curve: pl.DataFrame
    orders: pl.DataFrame
    forecast: dict[str, Any]


def realtime_snapshot(wh: Warehouse, seller_id: str, now_utc: datetime,
                      history: pl.DataFrame | None = None) -> RealtimeSnapshot:
    """Read today's numbers now; `history` (history_hourly for this local day) may come from a cache, since
    only today changes while the page is open."""
    profile = seller_profile(wh, seller_id)
    if profile is None:
        raise KeyError(seller_id)
    clock = realtime_clock(profile.timezone, now_utc)
    if history is None:
        history = history_hourly(wh, seller_id, profile.timezone, clock.today)
    totals = comparison_totals(wh, seller_id, clock)
    today = today_hourly(wh, seller_id, clock)
    return RealtimeSnapshot(
        clock=clock, currency=profile.currency, totals=totals, tiles=realtime_tiles(totals),
        curve=hourly_curve(history, today, clock), orders=latest_orders(wh, seller_id, clock),
        forecast=pace_forecast(history, clock.today, clock.hour_of_day, totals["today"]["revenue"]))


# ------------------------------------------------------------------------------------------------------ presentation

def weekday_name(weekday: int, lang: str) -> str:
    return t(f"realtime.weekday.{weekday}", lang)


def forecast_sentence(forecast: dict[str, Any], lang: str, currency: str) -> str:
    """'Today will close at ₩X (80% interval ₩Y–₩Z), +12% vs a usual Friday.' or why there is no forecast."""
    day = weekday_name(forecast["weekday"], lang)
    if forecast["status"] != "ok":
        return t("realtime.forecast.not_enough", lang, weekday=day)
    return t("realtime.forecast.sentence", lang, close=format_money(forecast["close"], currency),
             level=f"{forecast['level'] * 100:.0f}", lower=format_money(forecast["lower"], currency),
             upper=format_money(forecast["upper"], currency), delta=f"{forecast['vs_usual_pct']:+.0f}",
             weekday=day, usual=format_money(forecast["usual_total"], currency))


def comparison_table(tiles: pl.DataFrame, currency: str, lang: str) -> pl.DataFrame:
    """The tiles as a table for people: one row per metric with today, yesterday and last week formatted
    (money with currency, ratios in %); column headers in `lang`."""
    rows = [{t("realtime.col.metric", lang): metric_label(r["metric"], lang),
             t("realtime.col.today", lang): format_metric_value(r["metric"], r["value"], currency),
             t("realtime.col.yesterday", lang): format_metric_value(r["metric"], r["yesterday_value"], currency),
             t("realtime.col.last_week", lang): format_metric_value(r["metric"], r["last_week_value"], currency)}
            for r in tiles.iter_rows(named=True)]
    return pl.DataFrame(rows)


def latest_orders_table(orders: pl.DataFrame, currency: str, lang: str) -> pl.DataFrame:
    """latest_orders for people: local time as text, amount as money, known channels and statuses by name
    (smartstore → 스마트스토어, paid → 결제 완료), column headers in `lang`."""
    columns = ("ordered_local", "order_id", "items", "unit_count", "amount", "channel", "status")
    frame = orders.with_columns(
        pl.col("ordered_local").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("amount").map_elements(lambda v: format_money(v, currency), return_dtype=pl.String),
        pl.col("channel").replace(names("realtime.channel", lang)),
        pl.col("status").replace(names("realtime.status", lang)),
    ) if orders.height else orders.cast({"ordered_local": pl.String, "amount": pl.String})
    return frame.select(columns).rename({c: t(f"realtime.col.{c}", lang) for c in columns})


def plot_hourly_curve(curve: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    """Bars of today's revenue per hour, lines for yesterday, last week and a usual day, and the cumulative
    revenue of today and a usual day on the right axis."""
    hours = curve["local_hour"].to_list()
    money = f"{t('realtime.chart.revenue', lang)} ({currency})"

    def hover(values: list[float | None], name: str) -> list[str]:
        return [f"{h:02d}:00 {name}: {format_money(v, currency)}" for h, v in zip(hours, values, strict=True)]

    fig = go.Figure()
    today = curve["today_revenue"].to_list()
    fig.add_trace(go.Bar(x=hours, y=today, name=t("realtime.chart.today", lang), marker_color="#1f77b4",
                         hovertext=hover(today, t("realtime.chart.today", lang)), hoverinfo="text"))
    for column, key, style in (("yesterday_revenue", "realtime.chart.yesterday", {"color": "#ff7f0e"}),
                               ("last_week_revenue", "realtime.chart.last_week", {"color": "#2ca02c"}),
                               ("usual_revenue", "realtime.chart.usual", {"color": "#7f7f7f", "width": 3})):
        values = curve[column].to_list()
        fig.add_trace(go.Scatter(x=hours, y=values, name=t(key, lang), mode="lines", line=style,
                                 hovertext=hover(values, t(key, lang)), hoverinfo="text"))
    for column, key, color in (("today_cumulative", "realtime.chart.today_cumulative", "#1f77b4"),
                               ("usual_cumulative", "realtime.chart.usual_cumulative", "#7f7f7f")):
        values = curve[column].to_list()
        fig.add_trace(go.Scatter(x=hours, y=values, name=t(key, lang), mode="lines", yaxis="y2",
                                 line={"color": color, "dash": "dot"},
                                 hovertext=hover(values, t(key, lang)), hoverinfo="text"))
    fig.update_layout(
        title=t("realtime.chart.title", lang),
        xaxis={"title": t("realtime.chart.hour", lang), "tickmode": "linear", "dtick": 2, "range": [-0.5, 23.5]},
        yaxis={"title": money, "rangemode": "tozero"},
        yaxis2={"title": t("realtime.chart.cumulative", lang), "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False},
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return korean_money_axes(fig, lang, currency, ("y", "y2"))


# ------------------------------------------------------------------------------------------------------ report

def snapshot_json(snapshot: RealtimeSnapshot) -> dict[str, Any]:
    """The snapshot as the JSON sections of the report (totals, tiles, rows, latest_orders, forecast, clock)."""
    from analytics.reports import rows_of

    today = snapshot.totals["today"]
    totals: dict[str, Any] = {k: today[k] for k in TOTAL_PARTS}
    for name in COMPARISONS:
        totals[f"{name}_same_time"] = {k: snapshot.totals[name][k] for k in TOTAL_PARTS}
    clock = snapshot.clock
    return {
        "clock": {"timezone": clock.timezone, "now_utc": clock.now_utc, "today": clock.today,
                  "hour_of_day": round(clock.hour_of_day, 4),
                  "windows": {name: {"start_utc": s, "end_utc": e} for name, (s, e) in clock.windows.items()}},
        "totals": totals,
        "tiles": rows_of(snapshot.tiles),
        "rows": rows_of(snapshot.curve),
        "latest_orders": rows_of(snapshot.orders),
        "forecast": dict(snapshot.forecast),
    }


def report(wh: Warehouse, period: ReportPeriod, lang: str = "en", **_options: object) -> dict[str, Any]:
    """The real-time page's numbers at `period.as_of_utc` (the period's dates are not used: 'today' is the
    local day of as_of)."""
    from analytics.reports import definitions, jsonable

    snapshot = realtime_snapshot(wh, period.seller_id, period.as_of_utc)
    body = snapshot_json(snapshot)
    body["forecast"]["sentence"] = forecast_sentence(snapshot.forecast, lang, snapshot.currency)
    return jsonable({"report": "realtime", "period": period.to_json(),
                     "definitions": definitions(*KPI_METRICS, "realtime_forecast_close", "realtime_usual_day",
                                                lang=lang),
                     **body})
