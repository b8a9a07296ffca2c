"""Purchase quantity advice: daily demand forecasts per product, days of stock cover, reorder quantities, stock-outs."""

from __future__ import annotations

import math
import threading
import warnings
from collections import OrderedDict
from datetime import date, datetime, timedelta
from functools import cache

import numpy as np
import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import date_axis, t
from analytics.queries import run_sql
from analytics.sellers import local_midnight_utc, local_today, whole_hour_offsets
from data.warehouse import Warehouse

HISTORY_DAYS = 56             # full local days of sales history the forecast learns from (8 weeks)
REVIEW_DAYS = 7               # how often the seller reviews orders: cover lead time + one review period
DEFAULT_LEAD_TIME_DAYS = 7    # when the inventory file gives no lead time
SERVICE_LEVEL = 0.95          # chance of not running out before the next delivery
INTERVAL = 0.80               # forecast interval shown
ETS_MIN_MEAN = 1.0            # units per in-stock day needed for the seasonal model
ETS_MIN_DAYS = 42             # in-stock days needed for the seasonal model (6 weeks)
ETS_MAX_PRODUCTS = 60         # seasonal models per store (~30 ms each): products with stock data, then best sellers
STOCKOUT_MIN_DEMAND = 0.2     # units/day: below this an empty shelf is not flagged as a stock-out
MAX_RETURN_RATE = 0.5
CALIBRATION_MIN_SCORES = 30   # past forecasts the store's own safety factor needs (else the normal z)
MEAN_MIN_DAYS = 7             # in-stock days a recent mean replayed from a past day needs
REPLAY_PRODUCTS = 10          # the seasonal model is replayed on the store's best sellers using it (~64 ms a fit)
REPLAY_ORIGINS = 4            # ... from the latest past day its cover period allows and the 3 weeks before it
REPLAY_MAX_COVER_DAYS = 42    # products covering longer (lead time + review) are not replayed
REPLAY_EXTRA_DAYS = REPLAY_MAX_COVER_DAYS + 7 * (REPLAY_ORIGINS - 1)   # history read before the window for it

def reorder_rule_text(lang: str = "en") -> str:
    """How demand, cover and the reorder quantity are computed, in `lang`, with this module's constants."""
    return t("products.rules.reorder", lang, history=HISTORY_DAYS, ets_mean=f"{ETS_MIN_MEAN:g}", ets_days=ETS_MIN_DAYS,
             ets_max=ETS_MAX_PRODUCTS,
             interval=f"{INTERVAL:.0%}", review=REVIEW_DAYS, max_return=f"{MAX_RETURN_RATE:.0%}",
             service=f"{SERVICE_LEVEL:.0%}", lead=DEFAULT_LEAD_TIME_DAYS, min_demand=f"{STOCKOUT_MIN_DEMAND:g}",
             min_scores=CALIBRATION_MIN_SCORES, replay_products=REPLAY_PRODUCTS, replay_origins=REPLAY_ORIGINS)


def safety_factor_text(reorder: pl.DataFrame, lang: str = "en") -> str | None:
    """Which safety factor the reorder table used and why (the store's own past errors or the normal quantile);
    None for an empty table."""
    if reorder.height == 0:
        return None
    factor, n = float(reorder["safety_factor"][0]), int(reorder["past_forecasts"][0])
    basis = reorder["safety_basis"][0]
    normal = normal_z()
    key = "products.reorder.safety_normal" if factor <= normal else f"products.reorder.safety_{basis}"
    return t(key, lang, z=f"{factor:.2f}", n=f"{n:,}", history=HISTORY_DAYS, service=f"{SERVICE_LEVEL:.0%}",
             normal=f"{normal:.2f}", min=CALIBRATION_MIN_SCORES, products=REPLAY_PRODUCTS, weeks=REPLAY_ORIGINS)


# ---------------------------------------------------------------- SQL wrappers (one per file)

def products_units_by_day(wh: Warehouse, seller_id: str, tz: str, start_utc: datetime,
                          end_utc: datetime) -> pl.DataFrame:
    """Units per sku and local order_date for orders not cancelled in [start_utc, end_utc): sku, order_date, units.
    Read from the hourly sales rollup when every UTC hour of the window lies within one local day (the zone's
    offset is a whole number of hours throughout), else from the order lines."""
    name = "products_units_by_day_hourly" if whole_hour_offsets(tz, start_utc, end_utc) else "products_units_by_day"
    frame = run_sql(wh, name, seller_id=seller_id, tz=tz, start_utc=start_utc, end_utc=end_utc)
    schema = {"sku": pl.String, "order_date": pl.Date, "units": pl.Int64}
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def products_stock_by_day(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    """Inventory snapshots in [start_date, end_date]: sku, snapshot_date, on_hand, inbound, lead_time_days."""
    frame = run_sql(wh, "products_stock_by_day", seller_id=seller_id, start_date=start_date, end_date=end_date)
    schema = {"sku": pl.String, "snapshot_date": pl.Date, "on_hand": pl.Int64, "inbound": pl.Int64,
              "lead_time_days": pl.Int64}
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def products_catalog(wh: Warehouse, seller_id: str) -> pl.DataFrame:
    """The seller's products: sku, product_name, category, price, unit_cost."""
    frame = run_sql(wh, "products_catalog", seller_id=seller_id)
    schema = {"sku": pl.String, "product_name": pl.String, "category": pl.String, "price": pl.Float64,
              "unit_cost": pl.Float64}
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


# ---------------------------------------------------------------- shaping

def demand_history(units: pl.DataFrame, stock: pl.DataFrame, skus: list[str], first_day: date,
                   last_day: date) -> pl.DataFrame:
    """A full sku × day grid: sku, order_date, units (0 when nothing sold), on_hand (null: no snapshot), in_stock.

    A day is censored (in_stock False) when its snapshot shows on_hand 0 and nothing sold: demand was not seen.
    """
    days = pl.date_range(first_day, last_day, interval="1d", eager=True).alias("order_date")
    grid = pl.DataFrame({"sku": skus}, schema={"sku": pl.String}).join(pl.DataFrame(days), how="cross")
    return (grid.join(units, on=["sku", "order_date"], how="left")
            .join(stock.select("sku", pl.col("snapshot_date").alias("order_date"), "on_hand"),
                  on=["sku", "order_date"], how="left")
            .with_columns(pl.col("units").fill_null(0))
            .with_columns((pl.col("units") > 0).or_(pl.col("on_hand").is_null(), pl.col("on_hand") > 0)
                          .alias("in_stock"))
            .sort(["sku", "order_date"]))


# ---------------------------------------------------------------- forecasting

def _count_intervals(means: np.ndarray, variances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The central INTERVAL of a Poisson (variance ≤ mean) or negative binomial count with these moments, for
    many (mean, variance) pairs at once; (0, 0) where the mean is 0."""
    from scipy.stats import nbinom, poisson

    tail = (1 - INTERVAL) / 2
    lo, hi = np.zeros(len(means)), np.zeros(len(means))
    counted = means > 0
    plain = counted & (variances <= means * 1.0001)
    spread = counted & ~plain
    if plain.any():
        lo[plain], hi[plain] = poisson.ppf(tail, means[plain]), poisson.ppf(1 - tail, means[plain])
    if spread.any():
        m, v = means[spread], variances[spread]
        size = m * m / (v - m)
        prob = size / (size + m)
        lo[spread], hi[spread] = nbinom.ppf(tail, size, prob), nbinom.ppf(1 - tail, size, prob)
    return lo, hi


_EtsResult = tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]
_ETS_CACHE: OrderedDict[tuple[float, ...], _EtsResult] = OrderedDict()
_ETS_CACHE_SIZE = 4096        # fitted series kept in-process (about 3 kB each)
_ETS_STEPS = 120              # days ahead predicted per fit, so one fit serves every gap + horizon up to this
_ETS_LOCK = threading.Lock()
_REPLAY_CACHE: OrderedDict[tuple, list[float]] = OrderedDict()   # _store_safety_factor's replays, by history


def _ets_forecast(values: tuple[float, ...], gap: int, horizon_days: int) -> _EtsResult:
    """(forecast, lower, upper, residual sigma) of an additive-error, additive weekly-seasonal ETS fitted on
    `values`, for `horizon_days` days starting `gap` days after the series ends (bounds clipped at 0).

    Fits are cached in-process by the series itself, so a repeated page view or report on unchanged data costs
    nothing, the reorder table and the product chart share one fit, and a changed series (new orders, new
    snapshot) is refitted. The analytic h-step means and intervals do not depend on how far ahead one asks."""
    steps = gap + horizon_days
    with _ETS_LOCK:
        cached = _ETS_CACHE.get(values)
        if cached is not None and len(cached[0]) >= steps:
            _ETS_CACHE.move_to_end(values)
            means, lows, highs, sigma = cached
            return means[gap:steps], lows[gap:steps], highs[gap:steps], sigma
    import numpy as np
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from analytics.clv import single_threaded_blas

    with single_threaded_blas(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(pd.Series(values, dtype=float), error="add", trend=None, seasonal="add",
                         seasonal_periods=7).fit(disp=False)
        # the model's own start: the series index is positional, so ask for the next steps after the history
        ahead = max(steps, _ETS_STEPS)
        summary = model.get_prediction(start=len(values), end=len(values) + ahead - 1).summary_frame(
            alpha=1 - INTERVAL)
    sigma = float(np.std(np.asarray(model.resid), ddof=1))
    full = (tuple(max(0.0, float(v)) for v in summary["mean"]),
            tuple(max(0.0, float(v)) for v in summary["pi_lower"]),
            tuple(max(0.0, float(v)) for v in summary["pi_upper"]), sigma)
    with _ETS_LOCK:
        _ETS_CACHE[values] = full
        _ETS_CACHE.move_to_end(values)
        while len(_ETS_CACHE) > _ETS_CACHE_SIZE:
            _ETS_CACHE.popitem(last=False)
    return full[0][gap:steps], full[1][gap:steps], full[2][gap:steps], sigma


# ---------------------------------------------------------------- the store's own past errors (safety factor)

def mean_past_scores(units: np.ndarray, in_stock: np.ndarray, horizon_days: int) -> np.ndarray:
    """The recent-mean forecast's errors from each past day of the history, in its own deviations: units sold over
    the `horizon_days` days after the day minus the mean of the last 28 in-stock days up to it × horizon_days,
    divided by that mean's cumulative_demand_sd; only days with MEAN_MIN_DAYS in-stock days before, a demand
    above 0, and every day after them in stock (an empty shelf hides demand)."""
    y = np.asarray(units, dtype=float)
    seen = np.asarray(in_stock, dtype=bool)
    n, h = len(y), int(horizon_days)
    origins = np.arange(0, n - h)
    if h <= 0 or origins.size == 0:
        return np.zeros(0)
    stocked = np.flatnonzero(seen)
    s1 = np.concatenate([[0.0], np.cumsum(y[stocked])])
    s2 = np.concatenate([[0.0], np.cumsum(y[stocked] ** 2)])
    upto = np.searchsorted(stocked, origins, side="right")        # in-stock days up to each origin
    first = np.maximum(0, upto - 28)
    count = upto - first
    empty = np.concatenate([[0], np.cumsum(~seen)])
    ok = (count >= MEAN_MIN_DAYS) & (empty[origins + h + 1] - empty[origins + 1] == 0)
    origins, first, upto, count = origins[ok], first[ok], upto[ok], count[ok]
    mean = (s1[upto] - s1[first]) / count
    variance = np.where(count > 1, (s2[upto] - s2[first] - count * mean * mean) / np.maximum(count - 1, 1), mean)
    sd = np.sqrt(np.maximum(np.maximum(variance, mean), 0.0)) * np.sqrt(h + h * h / count)
    sold = np.concatenate([[0.0], np.cumsum(y)])
    actual = sold[origins + h + 1] - sold[origins + 1]
    keep = (mean > 0) & (sd > 0)
    return (actual[keep] - mean[keep] * h) / sd[keep]


def ets_replay_scores(units: pl.DataFrame, stock: pl.DataFrame, sku: str, today: date,
                      cover_days: int) -> list[float]:
    """The seasonal model's errors on the product's own recent past, in its deviations: for each of the
    REPLAY_ORIGINS latest days whose `cover_days` days after them are complete (the day cover_days + 1 before
    today, then one week earlier each), the forecast forecast_demand makes from the HISTORY_DAYS days up to that
    day (refitted: nothing after the day is seen), and (units sold over the cover_days days after it − that
    forecast's sum) ÷ its horizon_sd. A day is left out when the model would not be used on it (censored or too
    slow history) or an empty shelf hid demand in the days after it. `units` / `stock` hold the product's rows
    (products_units_by_day / products_stock_by_day) from HISTORY_DAYS + cover_days + 7 × (REPLAY_ORIGINS − 1)
    days before today."""
    scores = []
    for k in range(REPLAY_ORIGINS):
        last = today - timedelta(days=1 + cover_days + 7 * k)
        grid = demand_history(units, stock, [sku], last - timedelta(days=HISTORY_DAYS - 1),
                              last + timedelta(days=cover_days))
        past, after = grid.filter(pl.col("order_date") <= last), grid.filter(pl.col("order_date") > last)
        if not after["in_stock"].all():
            continue
        forecast, fit = forecast_demand(past.drop("sku"), last + timedelta(days=1), cover_days)
        if fit["method"] != "ets" or not fit["horizon_sd"] > 0:
            continue
        scores.append((float(after["units"].sum()) - float(forecast["forecast"].sum())) / float(fit["horizon_sd"]))
    return scores


@cache
def normal_z(service: float = SERVICE_LEVEL) -> float:
    """The normal quantile of a service level (1.645 for 95%): the safety factor's floor."""
    from scipy.stats import norm

    return float(norm.ppf(service))


def safety_factor(scores: np.ndarray, service: float = SERVICE_LEVEL) -> float:
    """The z of the safety stock (z × the cumulative demand deviation): the normal quantile of `service`, or, with
    at least CALIBRATION_MIN_SCORES past forecasts, the store's own: the ⌈(n + 1) × service⌉-th smallest of the n
    past errors in deviations (a conformal quantile), when that is larger. Demand that trends, or promotion days,
    put more than 5% of past periods above forecast + 1.64 deviations; the store's own errors say how far."""
    z = normal_z(service)
    values = np.sort(np.asarray(scores, dtype=float))
    if values.size < CALIBRATION_MIN_SCORES:
        return z
    k = min(values.size, math.ceil((values.size + 1) * service))
    return max(z, float(values[k - 1]))


def cumulative_demand_sd(sigma: float, horizon_days: int, mean_days: int | None = None) -> float:
    """Standard deviation of the demand summed over the next `horizon_days` days (H), which the safety stock
    covers: H days of independent demand of daily deviation σ, σ √H; for a recent mean of `mean_days` days, plus
    that mean's own error, σ √(H + H² / mean_days)."""
    h = max(0, int(horizon_days))
    if h == 0 or sigma <= 0:
        return 0.0
    return float(sigma * math.sqrt(h + (h * h / mean_days if mean_days else 0.0)))


def seasonal_model_products(units: pl.DataFrame, stock: pl.DataFrame, limit: int = ETS_MAX_PRODUCTS) -> set[str]:
    """The products that may get the seasonal model (forecast_demand's `seasonal`): at most `limit`, those with
    stock snapshots first (their reorder advice can be acted on), then by units sold in the history; ties by sku.
    A store with thousands of products would otherwise spend a minute fitting one model per product (3,000
    products: the products report took 58 s); the rest get the recent in-stock mean, which is what a slow seller's forecast is anyway."""
    sold = units.group_by("sku").agg(pl.col("units").sum().alias("sold"))
    stocked = stock.select("sku").unique().with_columns(pl.lit(True).alias("stocked"))
    ranked = (sold.join(stocked, on="sku", how="full", coalesce=True)
              .with_columns(pl.col("stocked").fill_null(False), pl.col("sold").fill_null(0))
              .sort(["stocked", "sold", "sku"], descending=[True, True, False]))
    return set(ranked["sku"].head(limit).to_list())


def forecast_demand(history: pl.DataFrame, start: date, horizon_days: int,
                    seasonal: bool = True) -> tuple[pl.DataFrame, dict[str, object]]:
    """Daily demand forecast of one product from its demand_history rows (`seasonal` False: never the seasonal
    model, see seasonal_model_products).

    Returns (frame, fit): frame has order_date, forecast, lower, upper (the INTERVAL prediction interval, ≥ 0)
    for `horizon_days` days from `start`; fit = {method: 'ets' | 'mean' | 'none', daily_sigma, in_stock_days,
    mean_daily_demand (in-stock days)}.
    """
    dates = pl.date_range(start, start + timedelta(days=horizon_days - 1), interval="1d", eager=True)
    in_stock = history.filter(pl.col("in_stock"))
    n_in = in_stock.height
    mean_all = float(in_stock["units"].mean()) if n_in else 0.0
    fit: dict[str, object] = {"method": "none", "daily_sigma": 0.0, "in_stock_days": n_in,
                              "mean_daily_demand": mean_all, "horizon_sd": 0.0}
    values = history["units"].cast(pl.Float64).to_list()
    if seasonal and n_in == history.height and n_in >= ETS_MIN_DAYS and mean_all >= ETS_MIN_MEAN:
        gap = (start - history["order_date"].max()).days - 1          # days between history end and start
        means, lows, highs, sigma = _ets_forecast(tuple(values), gap, horizon_days)
        forecast, lower, upper = list(means), list(lows), list(highs)
        fit.update(method="ets", daily_sigma=sigma, horizon_sd=cumulative_demand_sd(sigma, horizon_days))
    elif n_in > 0:
        recent = in_stock.tail(28)                        # the last 28 in-stock days, all of them when fewer
        mean = float(recent["units"].mean())
        variance = float(recent["units"].var()) if recent.height > 1 else mean
        lows, highs = _count_intervals(np.array([mean]), np.array([variance]))
        lo, hi = float(lows[0]), float(highs[0])
        forecast, lower, upper = [mean] * horizon_days, [lo] * horizon_days, [hi] * horizon_days
        sigma = math.sqrt(max(variance, mean))
        fit.update(method="mean", daily_sigma=sigma, mean_daily_demand=mean,
                   horizon_sd=cumulative_demand_sd(sigma, horizon_days, mean_days=recent.height))
    else:
        forecast = lower = upper = [0.0] * horizon_days
    frame = pl.DataFrame({"order_date": dates, "forecast": forecast, "lower": lower, "upper": upper},
                         schema={"order_date": pl.Date, "forecast": pl.Float64, "lower": pl.Float64,
                                 "upper": pl.Float64})
    return frame, fit


def recent_mean_forecasts(history: pl.DataFrame) -> dict[str, tuple[str, float, float, float, float, int]]:
    """forecast_demand's result for every product of a demand_history grid when the seasonal model is not used,
    in one pass: sku -> (method 'mean' | 'none', daily forecast, lower, upper, daily sigma, days the mean is
    over). The recent mean is over the last 28 in-stock days (all of them when fewer), as in forecast_demand."""
    recent = (history.filter(pl.col("in_stock")).sort("sku", "order_date")
              .group_by("sku", maintain_order=True).tail(28)
              .group_by("sku").agg(pl.col("units").cast(pl.Float64).mean().alias("mean"),
                                   pl.col("units").cast(pl.Float64).var().alias("var"), pl.len().alias("n")))
    skus = recent["sku"].to_list()
    means = recent["mean"].to_numpy().astype(np.float64)
    variances = np.where(recent["n"].to_numpy() > 1, recent["var"].fill_null(0.0).to_numpy(), means)
    lows, highs = _count_intervals(means, variances)
    sigmas = np.sqrt(np.maximum(variances, means))
    found = {sku: ("mean", float(m), float(lo), float(hi), float(sd), int(n))
             for sku, m, lo, hi, sd, n in zip(skus, means, lows, highs, sigmas, recent["n"].to_list(), strict=True)}
    return {sku: found.get(sku, ("none", 0.0, 0.0, 0.0, 0.0, 0)) for sku in history["sku"].unique().to_list()}


def history_window(tz: str, as_of_utc: datetime) -> tuple[date, date, date]:
    """(first_day, last_day, today): the HISTORY_DAYS full local days before today, and today (forecasts start)."""
    today = local_today(tz, as_of_utc)
    return today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1), today


def _load_inputs(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime,
                 extra_days: int = 0) -> dict[str, object]:
    """The history window's units and stock snapshots; with `extra_days`, also `all_units` and `all_stock` read
    from that many days earlier (the replayed forecasts' histories)."""
    first_day, last_day, today = history_window(tz, as_of_utc)
    start = first_day - timedelta(days=extra_days)
    all_units = products_units_by_day(wh, seller_id, tz, local_midnight_utc(tz, start), local_midnight_utc(tz, today))
    all_stock = products_stock_by_day(wh, seller_id, start, today)
    return {"first_day": first_day, "last_day": last_day, "today": today,
            "units": all_units.filter(pl.col("order_date") >= first_day),
            "stock": all_stock.filter(pl.col("snapshot_date") >= first_day),
            "all_units": all_units, "all_stock": all_stock}


def product_demand_forecast(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime, sku: str,
                            horizon_days: int = 28) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """(history, forecast, fit) of one product: demand_history rows, forecast_demand frame from today, fit facts."""
    inputs = _load_inputs(wh, seller_id, tz, as_of_utc)
    history = demand_history(inputs["units"].filter(pl.col("sku") == sku), inputs["stock"].filter(pl.col("sku") == sku),
                             [sku], inputs["first_day"], inputs["last_day"])
    seasonal = sku in seasonal_model_products(inputs["units"], inputs["stock"])      # as in the reorder table
    forecast, fit = forecast_demand(history, inputs["today"], horizon_days, seasonal=seasonal)
    return history, forecast, fit


def reorder_advice(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime) -> pl.DataFrame:
    """_reorder_advice, computed once per seller, local day and data version (it reads complete days before today
    and today's stock snapshots only, so the time of day does not change it)."""
    today = local_today(tz, as_of_utc)
    return result_cache.remember(wh, "reorder_advice", (seller_id, tz, today),
                                 lambda: _reorder_advice(wh, seller_id, tz, as_of_utc), seller_id=seller_id)


def _reorder_advice(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime) -> pl.DataFrame:
    """Purchase advice per product that sold in the history window or has stock (reorder_rule_text()).

    Columns: sku, product_name, status (out_of_stock | reorder | ok | no_demand), on_hand, inbound, snapshot_date,
    lead_time_days, forecast_daily_demand (mean over lead time + review), forecast_lower, forecast_upper (daily
    INTERVAL bounds, averaged), forecast_method, days_of_cover (null without demand), demand_over_cover_period,
    return_rate, safety_stock, reorder_qty, out_of_stock_since (local date), lost_sales_per_day; problems first.
    """
    from analytics.products import products_claims_by_sku

    inputs = _load_inputs(wh, seller_id, tz, as_of_utc, extra_days=REPLAY_EXTRA_DAYS)
    first_day, last_day, today = inputs["first_day"], inputs["last_day"], inputs["today"]
    units, stock = inputs["units"], inputs["stock"]
    catalog = products_catalog(wh, seller_id)
    latest = (stock.filter(pl.col("snapshot_date") <= today).sort("snapshot_date").group_by("sku").last())
    skus = sorted(set(units["sku"].to_list()) | set(latest["sku"].to_list()))
    history = demand_history(units, stock, skus, first_day, last_day)
    sold = units.group_by("sku").agg(pl.col("units").sum().alias("history_units"))
    claims = products_claims_by_sku(wh, seller_id, local_midnight_utc(tz, first_day), local_midnight_utc(tz, today))
    returns = (sold.join(claims.select("sku", "returned_units"), on="sku", how="left")
               .with_columns((pl.col("returned_units").fill_null(0) / pl.col("history_units"))
                             .clip(0, MAX_RETURN_RATE).alias("return_rate")))
    return_rate = dict(returns.select("sku", "return_rate").iter_rows())
    latest_by_sku = {r["sku"]: r for r in latest.iter_rows(named=True)}
    names = dict(catalog.select("sku", "product_name").iter_rows())
    groups = history.partition_by("sku", as_dict=True, include_key=True)
    seasonal = seasonal_model_products(units, stock)
    simple = recent_mean_forecasts(history)                 # every product not given the seasonal model
    forecasts = []
    for sku in skus:
        h = groups[(sku,)].sort("order_date")
        snap = latest_by_sku.get(sku)
        lead = int(snap["lead_time_days"]) if snap and snap["lead_time_days"] is not None else DEFAULT_LEAD_TIME_DAYS
        cover_days = lead + REVIEW_DAYS
        fc, fit = forecast_demand(h, today, cover_days, seasonal=True) if sku in seasonal else (None, None)
        if fit is None or fit["method"] != "ets":             # the recent in-stock mean, from the bulk pass
            method, daily, low, high, sigma, mean_days = simple[sku]
            fit = {"method": method, "daily_sigma": sigma,
                   "horizon_sd": cumulative_demand_sd(sigma, cover_days, mean_days=mean_days)}
            demand = daily * cover_days
        else:
            daily, low, high = float(fc["forecast"].mean()), float(fc["lower"].mean()), float(fc["upper"].mean())
            demand = float(fc["forecast"].sum())
        forecasts.append((sku, h, snap, lead, fit, daily, low, high, demand))
    z, basis, past = _store_safety_factor(inputs, forecasts)
    rows = []
    for sku, h, snap, lead, fit, daily, low, high, demand in forecasts:
        on_hand = int(snap["on_hand"]) if snap else None
        inbound = int(snap["inbound"]) if snap else 0
        r = float(return_rate.get(sku) or 0.0)
        safety = z * float(fit["horizon_sd"])        # demand until the delivery after next: lead + review
        need = demand * (1 - r) + safety - (on_hand or 0) - inbound
        reorder_qty = max(0, math.ceil(need - 1e-9)) if daily > 0 else 0
        out_since, lost = None, None
        out_of_stock = on_hand == 0 and daily >= STOCKOUT_MIN_DEMAND
        if out_of_stock:
            seen = h.filter((pl.col("units") > 0) | (pl.col("on_hand").fill_null(0) > 0))
            out_since = (seen["order_date"].max() + timedelta(days=1)) if seen.height else first_day
            lost = daily
        if out_of_stock:
            status = "out_of_stock"
        elif daily <= 0:
            status = "no_demand"
        elif reorder_qty > 0 and (on_hand or 0) + inbound < demand * (1 - r) + safety:
            status = "reorder"
        else:
            status = "ok"
        rows.append({"sku": sku, "product_name": names.get(sku, sku), "status": status, "on_hand": on_hand,
                     "inbound": inbound, "snapshot_date": snap["snapshot_date"] if snap else None,
                     "lead_time_days": lead, "forecast_daily_demand": daily,
                     "forecast_lower": low, "forecast_upper": high,
                     "forecast_method": fit["method"],
                     "days_of_cover": (on_hand / daily) if on_hand is not None and daily > 0 else None,
                     "demand_over_cover_period": demand, "return_rate": r, "safety_stock": safety,
                     "safety_factor": z, "safety_basis": basis, "past_forecasts": past,
                     "reorder_qty": reorder_qty, "out_of_stock_since": out_since, "lost_sales_per_day": lost})
    schema = {"sku": pl.String, "product_name": pl.String, "status": pl.String, "on_hand": pl.Int64,
              "inbound": pl.Int64, "snapshot_date": pl.Date, "lead_time_days": pl.Int64,
              "forecast_daily_demand": pl.Float64, "forecast_lower": pl.Float64, "forecast_upper": pl.Float64,
              "forecast_method": pl.String, "days_of_cover": pl.Float64, "demand_over_cover_period": pl.Float64,
              "return_rate": pl.Float64, "safety_stock": pl.Float64, "safety_factor": pl.Float64,
              "safety_basis": pl.String, "past_forecasts": pl.Int64, "reorder_qty": pl.Int64,
              "out_of_stock_since": pl.Date, "lost_sales_per_day": pl.Float64}
    order = {"out_of_stock": 0, "reorder": 1, "ok": 2, "no_demand": 3}
    frame = pl.DataFrame(rows, schema=schema)
    return (frame.with_columns(pl.col("status").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
            .sort(["_o", "days_of_cover", "sku"], nulls_last=True).drop("_o"))


def _store_safety_factor(inputs: dict[str, object], forecasts: list[tuple]) -> tuple[float, str, int]:
    """(z, basis, past forecasts it rests on) for every product of the store: from the seasonal model replayed on
    its REPLAY_PRODUCTS best sellers using it (basis 'ets_replay'), else from the recent mean replayed on every
    product with demand ('mean_replay'), else the normal quantile ('normal'), whichever first has
    CALIBRATION_MIN_SCORES past forecasts; never below the normal quantile (safety_factor)."""
    ets = sorted(((daily, sku, lead) for sku, _, _, lead, fit, daily, *_ in forecasts
                  if fit["method"] == "ets" and lead + REVIEW_DAYS <= REPLAY_MAX_COVER_DAYS), reverse=True)
    chosen = tuple((sku, lead + REVIEW_DAYS) for _, sku, lead in ets[:REPLAY_PRODUCTS])
    units, stock = inputs["all_units"], inputs["all_stock"]
    # the replays read complete past days only: the same history gives the same scores all day, whatever
    # orders arrive today (each would otherwise redo ~40 demand grids and forecasts)
    key = (inputs["today"], chosen, units.height, int(units.hash_rows().sum()), stock.height,
           int(stock.hash_rows().sum()) if stock.height else 0)
    with _ETS_LOCK:
        replayed = _REPLAY_CACHE.get(key)
    if replayed is None:
        replayed = [score for sku, cover in chosen
                    for score in ets_replay_scores(units.filter(pl.col("sku") == sku),
                                                   stock.filter(pl.col("sku") == sku), sku, inputs["today"], cover)]
        with _ETS_LOCK:
            _REPLAY_CACHE[key] = replayed
            while len(_REPLAY_CACHE) > 64:
                _REPLAY_CACHE.popitem(last=False)
    if len(replayed) >= CALIBRATION_MIN_SCORES:
        return safety_factor(np.array(replayed)), "ets_replay", len(replayed)
    pooled = np.concatenate([np.zeros(0)] + [
        mean_past_scores(h["units"].to_numpy(), h["in_stock"].to_numpy(), lead + REVIEW_DAYS)
        for _, h, _, lead, _, daily, *_ in forecasts if daily > 0])
    if pooled.size >= CALIBRATION_MIN_SCORES:
        return safety_factor(pooled), "mean_replay", int(pooled.size)
    return normal_z(), "normal", int(max(len(replayed), pooled.size))


def with_status_labels(reorder: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The reorder frame with `status` shown in words of `lang` (out_of_stock -> 품절 / Out of stock)."""
    labels = {s: t(f"products.status.{s}", lang) for s in ("out_of_stock", "reorder", "ok", "no_demand")}
    return reorder.with_columns(pl.col("status").replace_strict(labels, default=pl.col("status")))


# ---------------------------------------------------------------- figure

def plot_demand_forecast(history: pl.DataFrame, forecast: pl.DataFrame, title: str, lang: str) -> go.Figure:
    """Daily units sold (bars; censored days marked) and the forecast with its interval band."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=history["order_date"].to_list(), y=history["units"].to_list(),
                         name=t("products.chart.units_sold", lang), marker_color="#90a4ae"))
    censored = history.filter(~pl.col("in_stock"))
    if censored.height:
        fig.add_trace(go.Scatter(x=censored["order_date"].to_list(), y=[0] * censored.height, mode="markers",
                                 marker={"symbol": "x", "color": "#c62828", "size": 9},
                                 name=t("products.chart.out_of_stock_day", lang)))
    x = forecast["order_date"].to_list()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=forecast["upper"].to_list() + forecast["lower"].to_list()[::-1],
                             fill="toself", fillcolor="rgba(21,101,192,0.18)", line={"width": 0},
                             hoverinfo="skip", name=t("products.chart.interval", lang)))
    fig.add_trace(go.Scatter(x=x, y=forecast["forecast"].to_list(), mode="lines", line={"color": "#1565c0"},
                             name=t("products.chart.forecast", lang)))
    fig.update_layout(title=title, xaxis_title=t("chart.date", lang), yaxis_title=t("products.chart.units", lang),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h"})
    fig.update_xaxes(**date_axis(lang))
    return fig
