"""Demo store generator: three sellers, a year of realistic orders, visits, ads and stock, with injected incidents.

How the data is made (all vectorised numpy/polars, deterministic for a seed and `now`):
- Time runs on an hourly grid in UTC. Each hour has an intensity (weekday x hour-of-day profile in the seller's
  zone x yearly season x growth x holidays x promotions x daily noise); its running sum S is "business time".
- Customers follow a Pareto/NBD-like process in business time: acquisition is Poisson, each customer has a
  gamma-distributed purchase rate and an exponential (gamma-mixed) active lifetime. Mapping S back to clock time
  gives every order its timestamp, so seasonality, weekdays and intraday peaks hold for first and repeat orders.
- Each order is attributed to a traffic channel or an ad line, gets lines (first line from the ad's category or
  the customer's favourite product), discounts, shipping, cancellations and returns. Every order has one
  converting session; the non-converting sessions come from each channel's conversion rate.
- Incidents (petshop_kr, coffee_kr) are injected relative to `now` and recorded in `demo_incidents`.
Rows are written month by month (smaller chunks at large scales) inside one transaction.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import polars as pl

from data import demo_catalog as cat
from data import rollups
from data.demo_catalog import SellerSpec
from data.warehouse import Warehouse, WarehouseError, default_path

WARMUP_DAYS = 365            # customers acquired up to a year before the history window still buy in it
SESSIONS_PER_CHUNK = 1_200_000
CHUNKED_COMMIT_SESSIONS = 3_000_000   # above this many visits, commit chunk by chunk to bound memory
DAY = 86_400
LOAD_TABLES = ("products", "customers", "orders", "order_items", "returns", "sessions", "ad_stats", "inventory")
ATTRIBUTION_DAYS = {"naver_searchad": 15, "coupang_ads": 14, "google_ads": 30, "meta_ads": 7}
AD_SOURCE = {"naver_searchad": "naver", "coupang_ads": "coupang", "google_ads": "google", "meta_ads": "meta"}
LINES_P = np.array([0.72, 0.19, 0.06, 0.03])        # product lines per order: mean ~1.4
QTY_CONSUMABLE_P = np.array([0.72, 0.20, 0.06, 0.02])
QTY_DURABLE_P = np.array([0.95, 0.05, 0.0, 0.0])

ProgressFn = Callable[[str], None]


class DemoExistsError(WarehouseError):
    """The warehouse already holds the demo sellers and --force was not given."""


# ---------------------------------------------------------------------------------------------------------------
# Time grid
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class _Grid:
    edges: np.ndarray            # int64 UTC epoch seconds of hour boundaries (last one is `now`)
    cum: np.ndarray              # business time S at each edge
    hour_day: np.ndarray         # local day index of each hour
    day_dates: list[date]        # local date of each day index
    day_first_hour: np.ndarray   # first hour index of each day (len n_days + 1)
    window_day0: int             # first day of the history window
    level: np.ndarray            # daily volume factor
    gift: np.ndarray             # bool: gift season (days before 추석/설날, December for the US)
    discount: np.ndarray         # [n_days, n_categories] promotion discount rate
    now: int                     # epoch seconds

    @property
    def n_days(self) -> int:
        return len(self.day_dates)

    def day_start(self, day: int | np.ndarray) -> Any:
        return self.edges[self.day_first_hour[day]]

    def s_at_day(self, day: int | np.ndarray) -> Any:
        return self.cum[self.day_first_hour[day]]

    def time_of(self, s: np.ndarray) -> np.ndarray:
        """Clock time (epoch seconds) of business times `s`."""
        return np.interp(s, self.cum, self.edges.astype(np.float64)).astype(np.int64)

    def day_of(self, t: np.ndarray) -> np.ndarray:
        hour = np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, len(self.hour_day) - 1)
        return self.hour_day[hour]


def _parse_now(now: str | datetime | None) -> datetime:
    """`now` as a naive UTC datetime; default: the current UTC time truncated to the minute."""
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(now, str):
        try:
            parsed = datetime.fromisoformat(now.strip().replace("Z", "+00:00"))
        except ValueError:
            raise WarehouseError(f"--now must be an ISO timestamp like 2026-11-20T05:00:00, not {now!r}") from None
    else:
        parsed = now
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _epoch(dt_naive_utc: datetime) -> int:
    return int(dt_naive_utc.replace(tzinfo=UTC).timestamp())


def _holiday_effects(spec: SellerSpec, dates: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """Volume factor and gift-season flag per day from the seller country's public holidays."""
    years = sorted({d.year for d in dates})
    factor = np.ones(len(dates))
    gift = np.zeros(len(dates), dtype=bool)
    index = {d: i for i, d in enumerate(dates)}
    if spec.holiday_country == "KR":
        cal = holidays.KR(years=years)
        big = sorted(d for d, name in cal.items() if "Korean New Year" in name or "Chuseok" in name)
        for d in cal:
            if d in index:
                factor[index[d]] *= 0.5 if d in big else 0.88
        starts = [d for d in big if d - timedelta(days=1) not in big]
        for first in starts:
            boost = 1.3 if any("Chuseok" in n for n in cal.get_list(first)) else 1.15
            for k in range(2, 11):             # gift shopping until two days before (delivery cut-off)
                d = first - timedelta(days=k)
                if d in index:
                    factor[index[d]] *= boost
                    gift[index[d]] = True
    else:
        cal = holidays.US(years=years)
        for d, name in cal.items():
            i = index.get(d)
            if "Thanksgiving" in name:
                for k, f in ((0, 0.6), (1, 2.4), (4, 1.9)):      # Thanksgiving, Black Friday, Cyber Monday
                    j = index.get(d + timedelta(days=k))
                    if j is not None:
                        factor[j] *= f
            elif i is None:
                continue
            elif "Christmas" in name:
                factor[i] *= 0.5
            elif "New Year" in name:
                factor[i] *= 0.75
            elif "Independence" in name and "observed" not in name:
                factor[i] *= 0.8
        for i, d in enumerate(dates):
            if d.month == 12 and d.day <= 20:
                factor[i] *= 1.15
                gift[i] = True
    return factor, gift


def _promotions(spec: SellerSpec, dates: list[date], categories: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Volume factor per day and discount rate per day and category from promotions (and US Black Friday)."""
    volume = np.ones(len(dates))
    disc = np.zeros((len(dates), len(categories)))
    for i, d in enumerate(dates):
        for promo in spec.promotions:
            hit = (promo.day_of_month == d.day) or (promo.month_day == (d.month, d.day))
            if hit:
                volume[i] *= promo.volume
                cols = [categories.index(c) for c in promo.categories] if promo.categories else range(len(categories))
                for c in cols:
                    disc[i, c] = max(disc[i, c], promo.discount)
    if spec.holiday_country == "US":
        for d, name in holidays.US(years=sorted({x.year for x in dates})).items():
            if "Thanksgiving" in name:
                for k, rate in ((1, 0.20), (4, 0.15)):
                    day = d + timedelta(days=k)
                    if day in dates:
                        disc[dates.index(day), :] = rate
    return volume, disc


def _build_grid(spec: SellerSpec, now_utc: datetime, days: int, categories: list[str],
                rng: np.random.Generator) -> _Grid:
    zone = ZoneInfo(spec.timezone)
    now_local = now_utc.replace(tzinfo=UTC).astimezone(zone)
    today = now_local.date()
    window_first = today - timedelta(days=days - 1)
    grid_first = window_first - timedelta(days=WARMUP_DAYS)
    start = datetime(grid_first.year, grid_first.month, grid_first.day, tzinfo=zone).astimezone(UTC)
    start_s = int(start.timestamp())
    now_s = _epoch(now_utc)
    n_full = (now_s - start_s) // 3600
    edges = start_s + 3600 * np.arange(n_full + 1, dtype=np.int64)
    if edges[-1] < now_s:
        edges = np.append(edges, now_s)
    hours_utc = pl.Series("t", edges[:-1])
    local = pl.select(pl.from_epoch(hours_utc, time_unit="s").dt.replace_time_zone("UTC")
                      .dt.convert_time_zone(spec.timezone).alias("t"))["t"]
    local_hour = local.dt.hour().to_numpy().astype(np.int64)
    local_dow = local.dt.weekday().to_numpy().astype(np.int64) - 1      # Monday = 0
    local_date = local.dt.date()
    hour_day = (local_date - grid_first).dt.total_days().to_numpy().astype(np.int64)
    n_days = (today - grid_first).days + 1
    dates = [grid_first + timedelta(days=i) for i in range(n_days)]
    day_first_hour = np.searchsorted(hour_day, np.arange(n_days + 1), side="left")

    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=np.float64)
    dow = np.array([d.weekday() for d in dates])
    days_back = np.arange(n_days, dtype=np.float64) - (n_days - 1)
    season = 1 + spec.season_amplitude * np.cos(2 * np.pi * (doy - spec.season_peak_doy) / 365.25)
    trend = np.clip(1 + spec.growth_per_year * days_back / 365.0, 0.3, None)
    hol, gift = _holiday_effects(spec, dates)
    promo, disc = _promotions(spec, dates, categories)
    noise = np.exp(rng.normal(0, 0.07, n_days))
    level = np.asarray(spec.weekly)[dow] * season * trend * hol * promo * noise

    weekday_p = np.asarray(spec.hourly_weekday) / np.sum(spec.hourly_weekday)
    weekend_p = np.asarray(spec.hourly_weekend) / np.sum(spec.hourly_weekend)
    profile = np.where(local_dow >= 5, weekend_p[local_hour], weekday_p[local_hour])
    duration = np.diff(edges) / 3600.0
    intensity = level[hour_day] * profile * duration
    cum = np.concatenate([[0.0], np.cumsum(intensity)])
    return _Grid(edges=edges, cum=cum, hour_day=hour_day, day_dates=dates, day_first_hour=day_first_hour,
                 window_day0=WARMUP_DAYS, level=level, gift=gift, discount=disc, now=now_s)


# ---------------------------------------------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------------------------------------------

def _cum_table(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative weights; rows without weight fall back to uniform."""
    w = np.asarray(weights, dtype=np.float64)
    w = np.where(w.sum(axis=1, keepdims=True) > 0, w, 1.0)
    c = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    c[:, -1] = 1.0
    return c


def _pick(rng: np.random.Generator, groups: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """For each item, a column index drawn with the weights of its group's row of `cum`."""
    n_groups, k = cum.shape
    flat = (cum + np.arange(n_groups)[:, None]).ravel()
    groups = np.asarray(groups, dtype=np.int64)
    pos = np.searchsorted(flat, groups + rng.random(len(groups)), side="right")
    return np.clip(pos - groups * k, 0, k - 1)


def _names(values: list[str | None], idx: np.ndarray) -> pl.Series:
    """Strings by index; -1 gives null."""
    table = pl.Series(list(values) + [None], dtype=pl.String)
    idx = np.asarray(idx, dtype=np.int64)
    return table.gather(np.where(idx < 0, len(values), idx))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Ids like O000000123; negative numbers give null."""
    numbers = np.asarray(numbers, dtype=np.int64)
    s = pl.Series(numbers)
    return pl.select(pl.when(s >= 0).then(pl.concat_str(pl.lit(prefix), s.cast(pl.String).str.zfill(width)))
                     .alias("id"))["id"]


def _ts(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(np.asarray(seconds, dtype=np.int64)), time_unit="s")


# ---------------------------------------------------------------------------------------------------------------
# One seller
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class _Incidents:
    drop_start: int | None = None          # epoch s; non-ads orders and visits thinned from here
    collapse_start_day: int | None = None
    collapse_campaign: str | None = None
    spike_start: int | None = None
    spike_sku: int | None = None
    stock_out_start: int | None = None
    stock_out_day: int | None = None
    stock_out_sku: int | None = None


class _SellerBuild:
    """Generates and inserts one seller's rows."""

    def __init__(self, spec: SellerSpec, seller_index: int, *, seed: int, scale: float, days: int,
                 now_utc: datetime, cur: Any, load_ids: dict[str, int], progress: ProgressFn | None) -> None:
        self.spec = spec
        self.seed = seed
        self.seller_index = seller_index
        self.scale = scale
        self.days = days
        self.now_utc = now_utc
        self.cur = cur
        self.load_ids = load_ids
        self.progress = progress or (lambda _msg: None)
        self.commit: Callable[[], Any] = lambda: None
        self.minor = 100 if spec.currency == "USD" else 1
        self.round_unit = 1 if spec.currency == "USD" else 10       # KRW discounts in tens of won
        self.counts = dict.fromkeys(LOAD_TABLES, 0)

        p = spec.products
        self.categories = sorted({x.category for x in p}, key=[x.category for x in p].index)
        self.n_cat = len(self.categories)
        self.sku_cat = np.array([self.categories.index(x.category) for x in p])
        self.price = np.array([round(x.price * self.minor) for x in p], dtype=np.int64)
        self.consumable = np.array([x.consumable for x in p])
        self.return_rate = np.array([x.return_rate for x in p])
        self.grid = _build_grid(spec, now_utc, days, self.categories, self._rng(1))
        self.incidents = self._plan_incidents()

    def _rng(self, *stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.seller_index, *stream])

    def _sku(self, sku: str) -> int:
        return [x.sku for x in self.spec.products].index(sku)

    def _plan_incidents(self) -> _Incidents:
        g = self.grid
        last = g.n_days - 1
        inc = _Incidents()

        def day_back(k: int) -> int | None:
            d = last - k
            return d if d >= g.window_day0 + 7 else None     # keep a week of ordinary history before it

        if self.spec.seller_id == "petshop_kr":
            d = day_back(cat.PETSHOP_SALES_DROP_DAYS)
            inc.drop_start = int(g.day_start(d)) if d is not None else None
            inc.collapse_start_day = day_back(cat.PETSHOP_AD_COLLAPSE_DAYS)
            inc.collapse_campaign = cat.PETSHOP_AD_COLLAPSE_CAMPAIGN if inc.collapse_start_day is not None else None
            d = day_back(cat.PETSHOP_RETURNS_SPIKE_DAYS)
            if d is not None:
                inc.spike_start, inc.spike_sku = int(g.day_start(d)), self._sku(cat.PETSHOP_RETURNS_SPIKE_SKU)
            d = day_back(cat.PETSHOP_STOCK_OUT_DAYS)
            if d is not None:
                inc.stock_out_day, inc.stock_out_start = d, int(g.day_start(d))
                inc.stock_out_sku = self._sku(cat.PETSHOP_STOCK_OUT_SKU)
        elif self.spec.seller_id == "coffee_kr":
            d = day_back(cat.COFFEE_STOCK_OUT_DAYS)
            if d is not None:
                inc.stock_out_day, inc.stock_out_start = d, int(g.day_start(d))
                inc.stock_out_sku = self._sku(cat.COFFEE_STOCK_OUT_SKU)
        return inc

    # -- static tables -------------------------------------------------------------------------------------------

    def write_seller_and_products(self) -> None:
        s = self.spec
        created = datetime.fromtimestamp(int(self.grid.day_start(self.grid.window_day0)), UTC).replace(tzinfo=None)
        self.cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", [s.seller_id, s.name, s.currency, s.timezone, s.language, created])
        products = list(s.products)
        unit = 10 if s.currency == "KRW" else 0.01
        frame = pl.DataFrame({
            "sku": [p.sku for p in products] + [s.shipping_sku],
            "name": [p.name for p in products] + [s.shipping_name],
            "category": [p.category for p in products] + [None],
            "price": [float(p.price) for p in products] + [float(s.shipping_fee)],
            "unit_cost": [round(p.price * p.cost_ratio / unit) * unit for p in products]
            + [round(s.shipping_fee * 0.85 / unit) * unit],
            "pack_size": [p.pack_size for p in products] + [None],
            "attributes": [p.attributes for p in products] + [None],
            "line_type": ["product"] * len(products) + ["shipping"],
        }, schema_overrides={"pack_size": pl.Int32})
        self._insert("products", frame, """
            INSERT INTO products (seller_id, sku, name, category, price, unit_cost, pack_size, attributes,
                                  line_type, updated_at)
            SELECT $seller, sku, name, category, CAST(price AS DECIMAL(18, 2)), CAST(unit_cost AS DECIMAL(18, 2)),
                   pack_size, attributes, line_type, $now FROM frame""", extra={"now": self.now_utc})

    def _insert(self, table: str, frame: pl.DataFrame, sql: str, extra: dict[str, Any] | None = None) -> None:
        if frame.height == 0:
            return
        params: dict[str, Any] = {"seller": self.spec.seller_id}
        if "$load" in sql:
            params["load"] = self.load_ids[table]
        params.update(extra or {})
        self.cur.register("frame", frame.to_arrow())
        try:
            self.cur.execute(sql, params)
        finally:
            self.cur.unregister("frame")
        self.counts[table] += frame.height

    def _money(self, column: str) -> str:
        return f"CAST(CAST({column} AS DECIMAL(18, 2)) / {self.minor} AS DECIMAL(18, 2))"

    # -- customers and orders ------------------------------------------------------------------------------------

    def _customer_process(self, acquisitions_per_s: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        s = self.spec
        g = self.grid
        s_end = g.cum[-1]
        n = rng.poisson(acquisitions_per_s * s_end)
        acq = np.sort(rng.uniform(0.0, s_end, n))
        rate = np.minimum(rng.gamma(s.purchase_rate_shape, s.purchase_rate_mean / s.purchase_rate_shape, n),
                          1 / 10)     # nobody orders more than every ten days on average
        lifetime_shape = 2.5     # gamma-mixed exponential lifetimes with mean `lifetime_mean_days`
        dropout = rng.gamma(lifetime_shape, 1.0 / (s.lifetime_mean_days * (lifetime_shape - 1)), n)
        end = np.minimum(acq + rng.exponential(1.0 / dropout), s_end)
        repeats = rng.poisson(rate * (end - acq))
        rep_cust = np.repeat(np.arange(n), repeats)
        rep_s = acq[rep_cust] + rng.random(len(rep_cust)) * (end - acq)[rep_cust]
        return {"acq": acq,
                "cust": np.concatenate([np.arange(n), rep_cust]),
                "s": np.concatenate([acq, rep_s]),
                "first": np.concatenate([np.ones(n, dtype=bool), np.zeros(len(rep_cust), dtype=bool)])}

    def make_orders(self) -> None:
        """All orders of the window (time, customer, channel), sorted by time, before lines are drawn."""
        s = self.spec
        g = self.grid
        s0 = g.s_at_day(g.window_day0)
        window_s = g.cum[-1] - s0
        target = s.orders_per_day * self.scale * window_s * (1 - s.guest_share)
        repeats_per_customer = s.purchase_rate_mean * s.lifetime_mean_days
        rate0 = s.orders_per_day * self.scale * (1 - s.guest_share) / (1 + repeats_per_customer)
        pilot = self._customer_process(rate0, self._rng(2))
        in_window = int((pilot["s"] >= s0).sum())
        rate = rate0 * target / max(in_window, 1)       # calibrate the acquisition rate to the volume target
        proc = self._customer_process(rate, self._rng(3))
        keep = proc["s"] >= s0
        cust, s_ev, first = proc["cust"][keep], proc["s"][keep], proc["first"][keep]

        rng = self._rng(4)
        n_guest = rng.poisson(s.orders_per_day * self.scale * s.guest_share * window_s)
        cust = np.concatenate([cust, np.full(n_guest, -1)])
        s_ev = np.concatenate([s_ev, rng.uniform(s0, g.cum[-1], n_guest)])
        first = np.concatenate([first, np.zeros(n_guest, dtype=bool)])
        order = np.argsort(s_ev, kind="stable")
        t = g.time_of(s_ev[order])
        cust, first = cust[order], first[order]
        day = g.day_of(t)

        # customers: those with at least one order in the window (a few lose every order to incidents later)
        n_cust = len(proc["acq"])
        has_order = np.zeros(n_cust, dtype=bool)
        has_order[cust[cust >= 0]] = True
        self.cust_index = np.flatnonzero(has_order)                       # sorted by acquisition time
        self.cust_first_seen = g.time_of(proc["acq"][self.cust_index])
        fav_w = np.array([p.popularity * (2.0 if p.consumable else 0.3) for p in s.products])
        self.cust_fav = _pick(rng, np.zeros(n_cust, dtype=np.int64), _cum_table(fav_w[None, :]))
        self.cust_order_count = np.zeros(n_cust, dtype=np.int64)

        # channel / ad line per order; probabilities change by day (decaying campaign, collapse)
        self.ad_rows = [a for a in s.ads]
        self.orders_per_day_raw = np.bincount(day, minlength=g.n_days)
        option_p = self._option_probabilities()
        option = _pick(rng, day, _cum_table(option_p))
        n_ads = len(self.ad_rows)
        if self.incidents.drop_start is not None:
            thin = (option >= n_ads) & (t >= self.incidents.drop_start)
            keep = ~thin | (rng.random(len(t)) < cat.PETSHOP_SALES_DROP_KEEP)
            t, cust, first, day, option = t[keep], cust[keep], first[keep], day[keep], option[keep]
        self.o_t, self.o_cust, self.o_first, self.o_day, self.o_option = t, cust, first, day, option
        self.progress(f"{s.seller_id}: {len(t):,} orders from {len(self.cust_index):,} customers and guests")

    def _ad_modifier(self) -> np.ndarray:
        """[n_days, n_ad_rows] factor on each ad line's conversions (decay over the window, collapse)."""
        g = self.grid
        m = np.ones((g.n_days, len(self.ad_rows)))
        span = max(g.n_days - 1 - g.window_day0, 1)
        progress = np.clip((np.arange(g.n_days) - g.window_day0) / span, 0, 1)
        for j, row in enumerate(self.ad_rows):
            if row.kind == "decay":
                m[:, j] = 1 - (1 - cat.DECAY_ROAS_END) * progress
            if row.kind == "dud":
                m[:, j] = 0.0
            if self.incidents.collapse_campaign == row.campaign and self.incidents.collapse_start_day is not None:
                m[self.incidents.collapse_start_day:, j] *= cat.PETSHOP_AD_COLLAPSE_KEEP
        return m

    def _option_probabilities(self) -> np.ndarray:
        s = self.spec
        shares = np.array([a.order_share for a in self.ad_rows])
        shares = shares / shares.sum()
        ads = s.ads_order_share * shares[None, :] * self._ad_modifier()
        ch = np.array([c.order_share for c in s.channels])
        ch = ch / ch.sum()
        rest = (1 - ads.sum(axis=1, keepdims=True)) * ch[None, :]
        return np.concatenate([ads, rest], axis=1)

    # -- product sampling tables ---------------------------------------------------------------------------------

    def _product_tables(self) -> None:
        """Popularity by (month, gift season, category constraint): rows = class * (n_cat + 1) + category."""
        s = self.spec
        pop = np.array([p.popularity for p in s.products])
        months = np.arange(12)
        rows = []
        for month in months:
            for gift in (False, True):
                w = pop.copy()
                for k, p in enumerate(s.products):
                    if p.season == "winter":
                        w[k] *= 1 + 0.8 * np.cos(2 * np.pi * (month - 0.5) / 12)
                    elif p.season == "summer":
                        w[k] *= 1 + 0.8 * np.cos(2 * np.pi * (month - 6.5) / 12)
                    if p.gift:
                        w[k] *= 8.0 if gift else 0.4
                for c in range(self.n_cat):
                    rows.append(np.where(self.sku_cat == c, w, 0.0))
                rows.append(w)
        self.pop_cum = _cum_table(np.array(rows))
        months_of_day = np.array([d.month - 1 for d in self.grid.day_dates])
        self.day_class = (months_of_day * 2 + self.grid.gift.astype(np.int64)) * (self.n_cat + 1)

        kws = s.keywords
        self.kw_names = [k.keyword for k in kws]
        brand = np.array([k.served and k.category is None for k in kws], dtype=np.float64)
        kw_rows = []
        for c in self.categories:
            w = np.array([k.weight if (k.served and k.category == c) else 0.0 for k in kws])
            kw_rows.append(w if w.sum() > 0 else brand)
        kw_rows.append(brand)
        self.kw_by_cat = _cum_table(np.array(kw_rows))
        self.kw_all = _cum_table(np.array([[k.weight for k in kws]]))
        self.kw_landing_cat = np.array([
            self.categories.index(k.category) if k.category in self.categories
            else (self.categories.index(s.unmet_landing[k.keyword]) if k.keyword in s.unmet_landing else self.n_cat)
            for k in kws])
        self.ad_cat = np.array([self.categories.index(a.category) if a.category else self.n_cat for a in self.ad_rows])

    def _pick_products(self, rng: np.random.Generator, day: np.ndarray, category: np.ndarray) -> np.ndarray:
        return _pick(rng, self.day_class[day] + category, self.pop_cum)

    def _expected_aov(self) -> np.ndarray:
        """Rough revenue per order for orders landing through each ad line (sizes clicks to the ROAS targets)."""
        pop = np.array([p.popularity for p in self.spec.products])
        qty = np.where(self.consumable, QTY_CONSUMABLE_P @ np.arange(1, 5), QTY_DURABLE_P @ np.arange(1, 5))
        value = self.price * qty / self.minor
        overall = float((pop * value).sum() / pop.sum())
        extra = float(LINES_P @ np.arange(1, 5)) - 1
        aov = []
        for c in self.ad_cat:
            mask = (self.sku_cat == c) if c < self.n_cat else np.ones(len(pop), dtype=bool)
            aov.append(float((pop * value)[mask].sum() / pop[mask].sum()) + extra * overall)
        return np.array(aov) * 0.97

    # -- chunks --------------------------------------------------------------------------------------------------

    def write_facts(self) -> None:
        s = self.spec
        g = self.grid
        self._product_tables()
        n_rows = len(self.ad_rows)
        rng = self._rng(5)
        # ad clicks per day and line, sized so that conversions x revenue / cost hits each line's target ROAS
        shares = np.array([a.order_share for a in self.ad_rows])
        shares = shares / shares.sum()
        expected_conv = s.ads_order_share * self.orders_per_day_raw[:, None] * shares[None, :]
        roas = np.array([max(a.roas, 1e-9) for a in self.ad_rows])
        cpc = np.array([a.cpc for a in self.ad_rows])
        clicks_mean = expected_conv * self._expected_aov()[None, :] / (roas * cpc)[None, :]
        for j, row in enumerate(self.ad_rows):
            if row.kind == "dud":      # spends every day, never converts
                clicks_mean[:, j] = 0.22 * self.orders_per_day_raw
        clicks_mean[: g.window_day0] = 0
        self.ad_clicks = rng.poisson(clicks_mean * np.exp(rng.normal(0, 0.12, clicks_mean.shape)))
        self.ad_conv = np.zeros((g.n_days, n_rows), dtype=np.int64)
        self.ad_revenue = np.zeros((g.n_days, n_rows), dtype=np.int64)
        self.units_sold = np.zeros((g.n_days, len(s.products)), dtype=np.int64)
        self.rate_per_s = len(self.o_t) / max(g.cum[-1] - g.s_at_day(g.window_day0), 1e-9)

        sessions_per_day = s.orders_per_day * self.scale * 45
        chunk_days = int(np.clip(SESSIONS_PER_CHUNK / max(sessions_per_day, 1), 1, 31))
        self.next_order = 0
        self.next_line_return = 0
        self.next_session = 0
        window_days = list(range(g.window_day0, g.n_days))
        for k, lo in enumerate(range(0, len(window_days), chunk_days)):
            d0 = window_days[lo]
            d1 = window_days[min(lo + chunk_days, len(window_days)) - 1] + 1
            self._write_chunk(k, d0, d1)
            self.commit()
            self.progress(f"{s.seller_id}: {g.day_dates[d1 - 1]} done "
                          f"({self.counts['order_items']:,} lines, {self.counts['sessions']:,} sessions)")

    def _write_chunk(self, k: int, d0: int, d1: int) -> None:
        s = self.spec
        g = self.grid
        inc = self.incidents
        rng = self._rng(100 + k)
        sel = (self.o_day >= d0) & (self.o_day < d1)
        t, cust, first, day, option = (self.o_t[sel], self.o_cust[sel], self.o_first[sel], self.o_day[sel],
                                       self.o_option[sel])
        n = len(t)
        n_ads = len(self.ad_rows)
        ad_row = np.where(option < n_ads, option, -1)

        # lines: first line from the ad's category, else the customer's favourite (repeat orders), else popular
        n_lines = rng.choice(4, size=n, p=LINES_P) + 1
        line_order = np.repeat(np.arange(n), n_lines)
        starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
        is_first_line = np.zeros(len(line_order), dtype=bool)
        is_first_line[starts] = True
        category = np.full(len(line_order), self.n_cat)
        first_cat = np.where(ad_row >= 0, self.ad_cat[np.maximum(ad_row, 0)], self.n_cat)
        category[starts] = first_cat
        sku = self._pick_products(rng, day[line_order], category)
        fav = (is_first_line & (cust[line_order] >= 0) & ~first[line_order] & (category == self.n_cat)
               & (rng.random(len(line_order)) < 0.55))
        sku[fav] = self.cust_fav[cust[line_order][fav]]
        n_sku = len(s.products)
        _, first_idx = np.unique(line_order * n_sku + sku, return_index=True)
        keep = np.zeros(len(line_order), dtype=bool)
        keep[first_idx] = True
        if inc.stock_out_sku is not None and inc.stock_out_start is not None:
            # sold out: half of those buyers take another product of the category, the rest buy nothing
            gone = (sku == inc.stock_out_sku) & (t[line_order] >= inc.stock_out_start)
            swap = gone & (rng.random(len(sku)) < 0.5)
            sku[swap] = self._pick_products(rng, day[line_order][swap], self.sku_cat[sku[swap]])
            keep &= ~((sku == inc.stock_out_sku) & (t[line_order] >= inc.stock_out_start))
        line_order, sku = line_order[keep], sku[keep]
        landing_first = sku[np.searchsorted(line_order, np.arange(n)).clip(0, max(len(sku) - 1, 0))] \
            if len(sku) else np.zeros(n, dtype=np.int64)
        lines_left = np.bincount(line_order, minlength=n)
        alive = lines_left > 0
        # orders that lost every line to the stock-out: the visit happens, the order does not
        lost_landing = np.full(n, -1)
        if inc.stock_out_sku is not None:
            lost_landing[~alive] = inc.stock_out_sku
        landing_first = np.where(alive, landing_first, lost_landing)

        # renumber: keep surviving orders only
        new_index = np.cumsum(alive) - 1
        order_no = self.next_order + np.arange(int(alive.sum()))
        self.next_order += int(alive.sum())
        line_order = new_index[line_order]
        o_t, o_cust, o_first, o_day, o_ad = t[alive], cust[alive], first[alive], day[alive], ad_row[alive]
        o_option = option[alive]
        m = len(o_t)
        line_no = np.arange(len(line_order)) - np.searchsorted(line_order, line_order, side="left") + 1

        # quantities, prices, discounts
        cons = self.consumable[sku]
        u = rng.random(len(sku))
        qty = np.where(cons, np.searchsorted(np.cumsum(QTY_CONSUMABLE_P), u, side="right"),
                       np.searchsorted(np.cumsum(QTY_DURABLE_P), u, side="right")) + 1
        qty = np.minimum(qty, 4)
        unit_price = self.price[sku]
        gross = unit_price * qty
        rate = g.discount[o_day[line_order], self.sku_cat[sku]]
        unit = self.round_unit
        line_disc = (np.round(gross * rate / unit) * unit).astype(np.int64)
        net = gross - line_disc
        subtotal = np.bincount(line_order, weights=net, minlength=m).astype(np.int64)
        fee = int(round(s.shipping_fee * self.minor))
        threshold = int(round(s.free_shipping_from * self.minor))
        ship = np.where(subtotal < threshold, fee, 0)
        coupon = int(round(s.first_order_coupon * self.minor))
        order_disc = np.where((o_cust >= 0) & o_first & (rng.random(m) < 0.35), np.minimum(coupon, subtotal // 2), 0)
        cancelled = rng.random(m) < 0.02
        revenue = subtotal - order_disc

        # returns and exchanges of product lines (cancelled orders get cancel claims instead)
        lt = o_t[line_order]
        p_ret = self.return_rate[sku].copy()
        spike = np.zeros(len(sku), dtype=bool)
        if inc.spike_sku is not None and inc.spike_start is not None:
            spike = (sku == inc.spike_sku) & (lt >= inc.spike_start - 3 * DAY)
            p_ret[spike] *= cat.PETSHOP_RETURNS_SPIKE_FACTOR
        returned = ~cancelled[line_order] & (rng.random(len(sku)) < p_ret)
        delay = rng.uniform(2, 9, len(sku)) * DAY
        delay[spike] = rng.uniform(1, 4, int(spike.sum())) * DAY
        ret_t = (lt + delay).astype(np.int64)
        if inc.spike_start is not None:
            ret_t[spike] = np.maximum(ret_t[spike], inc.spike_start + rng.integers(3600, 12 * 3600, int(spike.sum())))
        returned &= ret_t <= g.now
        exchange = rng.random(len(sku)) < 0.3
        exchange[spike] = rng.random(int(spike.sum())) < 0.15
        reason_pool = list(s.return_reasons)
        exch_pool = list(s.exchange_reasons)
        reasons = reason_pool + exch_pool + list(s.cancel_reasons)
        reason = np.where(exchange, len(reason_pool) + rng.integers(0, len(exch_pool), len(sku)),
                          rng.integers(0, len(reason_pool), len(sku)))
        reason[spike] = reasons.index(s.damage_reason)
        cancel_line = cancelled[line_order]
        cancel_t = np.minimum(lt + rng.integers(300, 6 * 3600, len(sku)), g.now)
        cancel_reason = len(reason_pool) + len(exch_pool) + rng.integers(0, len(s.cancel_reasons), len(sku))
        claim = returned | cancel_line
        claim_type = np.where(cancel_line, 2, np.where(exchange, 1, 0))[claim]   # return, exchange, cancel
        r_amount = np.where(claim_type == 1, 0, net[claim])
        refund_line = np.where(returned & ~exchange, net, 0)
        refunded = np.bincount(line_order, weights=refund_line, minlength=m).astype(np.int64)
        n_refunded_lines = np.bincount(line_order, weights=(returned & ~exchange), minlength=m)
        n_product_lines = np.bincount(line_order, minlength=m)
        status_idx = np.where(cancelled, 1, np.where(n_refunded_lines == 0, 0,
                                                     np.where(n_refunded_lines == n_product_lines, 2, 3)))
        refunded = np.where(cancelled, subtotal - order_disc + ship, refunded)

        # bookkeeping for ad_stats, inventory and customer grades
        counted = ~cancelled
        if (o_ad >= 0).any():
            idx = o_day[o_ad >= 0] * len(self.ad_rows) + o_ad[o_ad >= 0]
            self.ad_conv += np.bincount(idx, minlength=self.ad_conv.size).reshape(self.ad_conv.shape)
            self.ad_revenue += np.bincount(idx, weights=revenue[o_ad >= 0],
                                           minlength=self.ad_conv.size).astype(np.int64).reshape(self.ad_conv.shape)
        sold = counted[line_order]
        self.units_sold += np.bincount(o_day[line_order][sold] * n_sku + sku[sold], weights=qty[sold],
                                       minlength=self.units_sold.size).astype(np.int64).reshape(self.units_sold.shape)
        np.add.at(self.cust_order_count, o_cust[o_cust >= 0], 1)

        # write orders and lines
        store_names = [c for c, _ in s.store_channels]
        store = rng.choice(len(store_names), size=m, p=np.array([w for _, w in s.store_channels]))
        order_ids = _ids("O", order_no, 9)
        orders = pl.DataFrame({
            "order_id": order_ids,
            "ordered_at": _ts(o_t),
            "customer_id": _ids("C", np.where(o_cust >= 0, o_cust + 1, -1), 7),
            "channel": _names(store_names, store),
            "status": _names(["paid", "cancelled", "refunded", "partially_refunded"], status_idx),
            "shipping_fee": ship, "discount": order_disc, "refunded_amount": refunded,
        })
        self._insert("orders", orders, f"""
            INSERT INTO orders (seller_id, order_id, ordered_at, customer_id, channel, status, currency,
                                shipping_fee, discount, refunded_amount, country, load_id)
            SELECT $seller, order_id, ordered_at, customer_id, channel, status, $currency,
                   {self._money('shipping_fee')}, {self._money('discount')}, {self._money('refunded_amount')},
                   $country, $load FROM frame""", extra={"currency": s.currency, "country": s.country})

        names = [p.name for p in s.products]
        skus = [p.sku for p in s.products]
        # the own shop records postage as a 'shipping' line; the marketplace only on the order (shipping_fee)
        line_store = np.array([name != "smartstore" for name in store_names])
        ship_orders = np.flatnonzero((ship > 0) & line_store[store])
        all_order = np.concatenate([line_order, ship_orders])
        items = pl.DataFrame({
            "order_id": order_ids.gather(all_order),
            "line_no": np.concatenate([line_no, n_product_lines[ship_orders] + 1]).astype(np.int32),
            "ordered_at": _ts(o_t[all_order]),
            "sku": pl.concat([_names(skus, sku), pl.Series([s.shipping_sku] * len(ship_orders), dtype=pl.String)]),
            "product_name": pl.concat([_names(names, sku),
                                       pl.Series([s.shipping_name] * len(ship_orders), dtype=pl.String)]),
            "quantity": np.concatenate([qty, np.ones(len(ship_orders), dtype=np.int64)]).astype(np.int32),
            "unit_price": np.concatenate([unit_price, ship[ship_orders]]),
            "discount": np.concatenate([line_disc, np.zeros(len(ship_orders), dtype=np.int64)]),
            "line_type": _names(["product", "shipping"],
                                np.concatenate([np.zeros(len(sku), dtype=np.int64),
                                                np.ones(len(ship_orders), dtype=np.int64)])),
        })
        self._insert("order_items", items, f"""
            INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, product_name, quantity,
                                     unit_price, discount, line_type, load_id)
            SELECT $seller, order_id, line_no, ordered_at, sku, product_name, quantity,
                   {self._money('unit_price')}, {self._money('discount')}, line_type, $load FROM frame""")

        claim_idx = np.flatnonzero(claim)
        n_claims = len(claim_idx)
        ret_time = np.where(cancel_line, cancel_t, ret_t)[claim_idx]
        ret_reason = np.where(cancel_line, cancel_reason, reason)[claim_idx]
        returns = pl.DataFrame({
            "return_id": _ids("R", self.next_line_return + np.arange(n_claims), 9),
            "line_no": line_no[claim_idx].astype(np.int32),
            "order_id": order_ids.gather(line_order[claim_idx]),
            "customer_id": _ids("C", np.where(o_cust[line_order[claim_idx]] >= 0,
                                              o_cust[line_order[claim_idx]] + 1, -1), 7),
            "sku": _names(skus, sku[claim_idx]),
            "returned_at": _ts(ret_time),
            "quantity": np.where(claim_type == 1, 1, qty[claim_idx]).astype(np.int32),
            "amount": r_amount,
            "claim_type": _names(["return", "exchange", "cancel"], claim_type),
            "reason": _names(reasons, ret_reason),
        })
        self.next_line_return += n_claims
        self._insert("returns", returns, f"""
            INSERT INTO returns (seller_id, return_id, line_no, order_id, customer_id, sku, returned_at, quantity,
                                 amount, claim_type, reason, line_type, load_id)
            SELECT $seller, return_id, line_no, order_id, customer_id, sku, returned_at, quantity,
                   {self._money('amount')}, claim_type, reason, 'product', $load FROM frame""")

        self._write_sessions(rng, d0, d1, order_ids, o_t, o_cust, o_option, landing_first[alive],
                             t[~alive], cust[~alive], option[~alive], lost_landing[~alive])

    def _write_sessions(self, rng: np.random.Generator, d0: int, d1: int, order_ids: pl.Series,
                        o_t: np.ndarray, o_cust: np.ndarray, o_option: np.ndarray,
                        o_landing: np.ndarray, lost_t: np.ndarray, lost_cust: np.ndarray, lost_option: np.ndarray,
                        lost_landing: np.ndarray) -> None:
        s = self.spec
        g = self.grid
        inc = self.incidents
        n_ads = len(self.ad_rows)
        n_ch = len(s.channels)
        # option index space for sessions: 0..n_ads-1 ad lines, n_ads.. channels
        parts: list[dict[str, np.ndarray]] = []

        # 1. converting visits (one per order) and visits of orders lost to a stock-out
        m = len(o_t)
        conv_start = o_t - np.clip(rng.lognormal(np.log(600), 0.8, m), 60, 5400).astype(np.int64)
        parts.append({"t": conv_start, "option": o_option, "landing": o_landing, "cust": o_cust,
                      "order": np.arange(m), "keyword_cat": self.sku_cat[np.maximum(o_landing, 0)]})
        if len(lost_t):
            parts.append({"t": lost_t - 300, "option": lost_option, "landing": lost_landing, "cust": lost_cust,
                          "order": np.full(len(lost_t), -1), "keyword_cat": self.sku_cat[np.maximum(lost_landing, 0)]})

        # 2. non-converting visits per channel over the chunk's business time
        s_lo, s_hi = g.s_at_day(d0), g.s_at_day(d1) if d1 < g.n_days else g.cum[-1]
        for c, ch in enumerate(s.channels):
            mean = self.rate_per_s * (ch.order_share / sum(x.order_share for x in s.channels)) \
                * (1 - s.ads_order_share) * (1 / ch.conversion_rate - 1) * (s_hi - s_lo)
            k = rng.poisson(mean)
            tt = g.time_of(rng.uniform(s_lo, s_hi, k))
            if inc.drop_start is not None:
                tt = tt[(tt < inc.drop_start) | (rng.random(k) < cat.PETSHOP_SALES_DROP_KEEP)]
            parts.append({"t": tt, "option": np.full(len(tt), n_ads + c), "landing": np.full(len(tt), -2),
                          "cust": np.full(len(tt), -2), "order": np.full(len(tt), -1),
                          "keyword_cat": np.full(len(tt), -1)})

        # 3. non-converting ad clicks: ~90 % of clicks arrive, minus the converting ones
        days = np.arange(d0, d1)
        clicks = self.ad_clicks[d0:d1]
        arrived = rng.binomial(clicks, 0.9)
        conv = self.ad_conv[d0:d1]
        extra = np.maximum(arrived - conv, 0)
        flat_day = np.repeat(np.repeat(days, n_ads), extra.ravel())
        flat_row = np.repeat(np.tile(np.arange(n_ads), len(days)), extra.ravel())
        day_lo = g.s_at_day(flat_day)
        day_hi = np.where(flat_day + 1 < g.n_days, g.cum[g.day_first_hour[np.minimum(flat_day + 1, g.n_days)]],
                          g.cum[-1])
        tt = g.time_of(day_lo + rng.random(len(flat_day)) * (day_hi - day_lo))
        parts.append({"t": tt, "option": flat_row, "landing": np.full(len(tt), -3), "cust": np.full(len(tt), -2),
                      "order": np.full(len(tt), -1), "keyword_cat": np.full(len(tt), -1)})

        t = np.concatenate([p["t"] for p in parts])
        option = np.concatenate([p["option"] for p in parts])
        landing = np.concatenate([p["landing"] for p in parts])
        cust = np.concatenate([p["cust"] for p in parts])
        order = np.concatenate([p["order"] for p in parts])
        keyword_cat = np.concatenate([p["keyword_cat"] for p in parts])
        n = len(t)
        converting = order >= 0
        day = g.day_of(t)
        is_ad = option < n_ads
        ch_idx = np.where(is_ad, -1, option - n_ads)
        ad_idx = np.where(is_ad, option, -1)

        # keywords: search visits search for a product's category (converting) or anything (incl. unserved)
        keyword = np.full(n, -1)
        channel_kind = np.array([c.channel for c in s.channels])
        search = ~is_ad & (channel_kind[np.maximum(ch_idx, 0)] == "search")
        conv_search = search & (keyword_cat >= 0)
        brand = rng.random(n) < 0.15
        kw_group = np.where(brand, self.n_cat, np.maximum(keyword_cat, 0))
        keyword[conv_search] = _pick(rng, kw_group[conv_search], self.kw_by_cat)
        browse_search = search & (keyword_cat < 0)
        keyword[browse_search] = _pick(rng, np.zeros(int(browse_search.sum()), dtype=np.int64), self.kw_all)
        ad_keyword = [a.keyword or None for a in self.ad_rows]

        # landing pages of non-converting visits
        need = landing == -2
        land_cat = np.full(n, self.n_cat)
        land_cat[browse_search] = self.kw_landing_cat[keyword[browse_search]]
        land_cat[landing == -3] = self.ad_cat[ad_idx[landing == -3]]
        need_any = need | (landing == -3)
        landing[need_any] = self._pick_products(rng, day[need_any], land_cat[need_any])
        home = need & ~browse_search & (rng.random(n) < 0.25)
        landing[home] = -1

        # known visitors among non-converting visits
        known = cust == -2
        cust[known] = -1
        if len(self.cust_index):
            n_known = np.searchsorted(self.cust_first_seen, t[known], side="right")
            pick = np.where((n_known > 0) & (rng.random(len(n_known)) < 0.18),
                            self.cust_index[np.minimum((rng.random(len(n_known)) * n_known).astype(np.int64),
                                                       len(self.cust_index) - 1)], -1)
            cust[known] = pick

        pageviews = np.where(converting, 3 + rng.geometric(0.35, n), rng.geometric(0.42, n))
        device_p = np.array([s.mobile_share, (1 - s.mobile_share) * 0.85, (1 - s.mobile_share) * 0.15])
        device = rng.choice(3, size=n, p=device_p)
        order_sorted = np.argsort(t, kind="stable")
        session_no = np.empty(n, dtype=np.int64)
        session_no[order_sorted] = self.next_session + np.arange(n)
        self.next_session += n

        ch_names = [c.channel for c in s.channels] + ["ads"]
        sources = [c.source for c in s.channels] + [AD_SOURCE[a.platform] for a in self.ad_rows]
        mediums = [c.medium for c in s.channels] + ["cpc"]
        src_idx = np.where(is_ad, n_ch + np.maximum(ad_idx, 0), ch_idx)
        kw_values = self.kw_names + ad_keyword
        kw_idx = np.where(is_ad, len(self.kw_names) + np.maximum(ad_idx, 0), keyword)
        skus = [p.sku for p in s.products]
        frame = pl.DataFrame({
            "session_no": session_no,
            "session_id": _ids("S", session_no, 10),
            "started_at": _ts(t),
            "channel": _names(ch_names, np.where(is_ad, n_ch, ch_idx)),
            "source": _names(sources, src_idx),
            "medium": _names(mediums, np.where(is_ad, n_ch, ch_idx)),
            "search_keyword": _names(kw_values, kw_idx),
            "landing_sku": _names(skus, landing),
            "pageviews": pageviews.astype(np.int32),
            "device": _names(["mobile", "desktop", "tablet"], device),
            "customer_id": _ids("C", np.where(cust >= 0, cust + 1, -1), 7),
            "order_id": order_ids.gather(np.maximum(order, 0)) if len(order_ids) else pl.Series([None] * n,
                                                                                               dtype=pl.String),
            "converting": converting,
        }).with_columns(order_id=pl.when(pl.col("converting")).then(pl.col("order_id"))).sort("session_no")
        self._insert("sessions", frame, """
            INSERT INTO sessions (seller_id, session_id, started_at, channel, source, medium, search_keyword,
                                  landing_sku, pageviews, device, customer_id, order_id, load_id)
            SELECT $seller, session_id, started_at, channel, source, medium, search_keyword, landing_sku,
                   pageviews, device, customer_id, order_id, $load FROM frame""")

    # -- after the chunks ----------------------------------------------------------------------------------------

    def write_customers(self) -> None:
        s = self.spec
        counts = self.cust_order_count[self.cust_index]
        grade = np.where(counts >= 8, 0, np.where(counts >= 4, 1, np.where(counts >= 2, 2, 3)))
        frame = pl.DataFrame({
            "customer_id": _ids("C", self.cust_index + 1, 7),
            "first_seen_at": _ts(self.cust_first_seen),
            "grade": _names(list(s.grades), grade),
        })
        self._insert("customers", frame, """
            INSERT INTO customers (seller_id, customer_id, first_seen_at, grade, country)
            SELECT $seller, customer_id, first_seen_at, grade, $country FROM frame""",
                     extra={"country": s.country})

    def write_ad_stats(self) -> None:
        g = self.grid
        rng = self._rng(6)
        days = np.arange(g.window_day0, g.n_days)
        n_rows = len(self.ad_rows)
        clicks = self.ad_clicks[days]
        conv = self.ad_conv[days]
        revenue = self.ad_revenue[days]
        cpc = np.array([a.cpc for a in self.ad_rows]) * self.minor
        cost = np.round(clicks * cpc[None, :] * np.exp(rng.normal(0, 0.08, clicks.shape))).astype(np.int64)
        ctr = np.array([a.ctr for a in self.ad_rows])
        impressions = np.maximum(np.round(clicks / ctr[None, :] * np.exp(rng.normal(0, 0.1, clicks.shape))),
                                 clicks).astype(np.int64)
        keep = ((clicks > 0) | (conv > 0)).ravel()
        day_idx = np.repeat(days, n_rows)[keep]
        row_idx = np.tile(np.arange(n_rows), len(days))[keep]
        rows = self.ad_rows
        frame = pl.DataFrame({
            "stat_date": pl.Series([g.day_dates[d] for d in day_idx], dtype=pl.Date),
            "platform": _names([a.platform for a in rows], row_idx),
            "campaign": _names([a.campaign for a in rows], row_idx),
            "ad_group": _names([a.ad_group for a in rows], row_idx),
            "keyword": _names([a.keyword for a in rows], row_idx),
            "impressions": impressions.ravel()[keep], "clicks": clicks.ravel()[keep],
            "cost": cost.ravel()[keep], "conversions": conv.ravel()[keep],
            "conversion_revenue": revenue.ravel()[keep],
            "window": np.array([ATTRIBUTION_DAYS[a.platform] for a in rows], dtype=np.int32)[row_idx],
        })
        self._insert("ad_stats", frame, f"""
            INSERT INTO ad_stats (seller_id, stat_date, stat_hour, platform, campaign, ad_group, keyword,
                                  impressions, clicks, cost, conversions, conversion_revenue,
                                  attribution_window_days, load_id)
            SELECT $seller, stat_date, NULL, platform, campaign, ad_group, keyword, impressions, clicks,
                   {self._money('cost')}, conversions, {self._money('conversion_revenue')}, "window", $load
            FROM frame""")

    def write_inventory(self) -> None:
        s = self.spec
        g = self.grid
        inc = self.incidents
        rng = self._rng(7)
        days = np.arange(g.window_day0, g.n_days)
        sold = self.units_sold[days]
        nd, n_sku = sold.shape
        lead = np.array([p.lead_time_days for p in s.products])
        demand = np.maximum(sold.mean(axis=0), 0.05)
        order_qty = np.ceil(demand * 30 + 5).astype(np.int64)
        reorder_at = demand * (lead + 10)
        on_hand = np.ceil(demand * (lead + 25) * rng.uniform(0.8, 1.3, n_sku)).astype(np.int64) + 10
        arrivals = np.zeros((nd + int(lead.max()) + 2, n_sku), dtype=np.int64)
        outstanding = np.zeros(n_sku, dtype=np.int64)
        hist_on_hand = np.zeros((nd, n_sku), dtype=np.int64)
        hist_inbound = np.zeros((nd, n_sku), dtype=np.int64)
        for d in range(nd):                      # per day (not per order line): vectorised over products
            on_hand += arrivals[d]
            outstanding -= arrivals[d]
            on_hand -= sold[d]
            low = on_hand < 2                     # emergency top-up keeps ordinary products in stock
            on_hand[low] += order_qty[low]
            reorder = (on_hand + outstanding) < reorder_at
            arrivals[d + lead[reorder], np.flatnonzero(reorder)] += order_qty[reorder]
            outstanding[reorder] += order_qty[reorder]
            hist_on_hand[d] = on_hand
            hist_inbound[d] = outstanding
        if inc.stock_out_sku is not None and inc.stock_out_day is not None:
            j, start = inc.stock_out_sku, inc.stock_out_day - g.window_day0
            ramp = max(start - 14, 0)
            remaining = np.cumsum(sold[ramp:start, j][::-1])[::-1]     # units still to sell until the start
            hist_on_hand[ramp:start, j] = np.concatenate([remaining[1:], [0]])
            hist_on_hand[start:, j] = 0
            hist_inbound[ramp:, j] = 0
        frame = pl.DataFrame({
            "snapshot_date": pl.Series([g.day_dates[d] for d in np.repeat(days, n_sku)], dtype=pl.Date),
            "sku": _names([p.sku for p in s.products], np.tile(np.arange(n_sku), nd)),
            "on_hand": hist_on_hand.ravel().astype(np.int32),
            "inbound": hist_inbound.ravel().astype(np.int32),
            "lead_time_days": np.tile(lead, nd).astype(np.int32),
        })
        self._insert("inventory", frame, """
            INSERT INTO inventory (seller_id, snapshot_date, sku, on_hand, inbound, lead_time_days, load_id)
            SELECT $seller, snapshot_date, sku, on_hand, inbound, lead_time_days, $load FROM frame""")

    def write_incidents(self) -> None:
        s = self.spec
        g = self.grid
        inc = self.incidents
        rows: list[tuple[str, str, int, float, str]] = []
        products = s.products
        if inc.drop_start is not None:
            keep = s.ads_order_share + (1 - s.ads_order_share) * cat.PETSHOP_SALES_DROP_KEEP
            rows.append(("sales_drop", "store", inc.drop_start, round(1 - keep, 2),
                         f"Store-wide orders fell about {round((1 - keep) * 100)} % and stay down through today: "
                         f"organic search, direct, social, referral and email visits dropped "
                         f"{round((1 - cat.PETSHOP_SALES_DROP_KEEP) * 100)} % (the storefront was hidden from "
                         f"marketplace search); ad traffic continued."))
        if inc.collapse_start_day is not None and inc.collapse_campaign:
            rows.append(("ad_collapse", inc.collapse_campaign, int(g.day_start(inc.collapse_start_day)),
                         1 - cat.PETSHOP_AD_COLLAPSE_KEEP,
                         f"naver_searchad campaign '{inc.collapse_campaign}': conversions fell "
                         f"{round((1 - cat.PETSHOP_AD_COLLAPSE_KEEP) * 100)} % while clicks and spend stayed the "
                         f"same, so its ROAS collapsed."))
        if inc.spike_sku is not None and inc.spike_start is not None:
            p = products[inc.spike_sku]
            rows.append(("returns_spike", p.sku, inc.spike_start, cat.PETSHOP_RETURNS_SPIKE_FACTOR,
                         f"{p.name} ({p.sku}): return rate jumped to {cat.PETSHOP_RETURNS_SPIKE_FACTOR:g}x its "
                         f"usual level, reason '{s.damage_reason}' (bags arriving torn)."))
        if inc.stock_out_sku is not None and inc.stock_out_start is not None:
            p = products[inc.stock_out_sku]
            rows.append(("stock_out", p.sku, inc.stock_out_start, 1.0,
                         f"{p.name} ({p.sku}) is out of stock (on_hand 0, no restock ordered): it sells nothing "
                         f"since, while visitors still land on it."))
        if s.seller_id == "petshop_kr":
            kw = cat.PETSHOP_UNMET_KEYWORD
            family = [k for k in s.keywords if kw in k.keyword or k.keyword == "small pack"]
            share = sum(k.weight for k in family) / sum(k.weight for k in s.keywords)
            rows.append(("unmet_keyword", kw, int(g.day_start(g.window_day0)), round(share, 3),
                         f"Visitors search '{kw}' ({', '.join(k.keyword for k in family)}: about "
                         f"{share:.0%} of search visits) but the catalogue has no small packs, so they never buy."))
        if not rows:
            return
        frame = pl.DataFrame({
            "incident": [r[0] for r in rows], "subject": [r[1] for r in rows],
            "starts_at": _ts(np.array([r[2] for r in rows])), "magnitude": [float(r[3]) for r in rows],
            "description": [r[4] for r in rows],
        })
        self.cur.register("frame", frame.to_arrow())
        try:
            self.cur.execute("""
                INSERT INTO demo_incidents (seller_id, incident, subject, starts_at, ends_at, magnitude, description)
                SELECT $seller, incident, subject, starts_at, NULL, magnitude, description FROM frame""",
                             {"seller": s.seller_id})
        finally:
            self.cur.unregister("frame")

    def write_loads(self, started: datetime, message: str, checksum: str) -> None:
        finished = datetime.now(UTC).replace(tzinfo=None)
        for table in LOAD_TABLES:
            n = self.counts[table]
            self.cur.execute("""
                INSERT INTO loads (load_id, seller_id, kind, source, format, checksum, rows_read, rows_loaded,
                                   rows_duplicate, rows_rejected, rejects_path, status, started_at, finished_at,
                                   message)
                VALUES (?, ?, ?, 'demo', 'demo', ?, ?, ?, 0, 0, NULL, ?, ?, ?, ?)""",
                             [self.load_ids[table], self.spec.seller_id, table, checksum, n, n,
                              "loaded" if n else "nothing_new", started, finished, message])

    def build(self, started: datetime, message: str, checksum: str) -> dict[str, int]:
        self.write_seller_and_products()
        self.make_orders()
        self.write_facts()
        self.write_customers()
        self.write_ad_stats()
        self.write_inventory()
        self.write_incidents()
        self.write_loads(started, message, checksum)
        return dict(self.counts)


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------

def existing_demo_sellers(wh: Warehouse) -> list[str]:
    """Demo seller ids that already have rows in the warehouse."""
    ids = list(cat.DEMO_SELLER_IDS)
    placeholders = ", ".join("?" for _ in ids)
    frame = wh.sql(f"SELECT seller_id FROM sellers WHERE seller_id IN ({placeholders}) "
                   f"UNION SELECT DISTINCT seller_id FROM orders WHERE seller_id IN ({placeholders})", ids + ids)
    return sorted(frame["seller_id"].to_list())


def _delete_demo_sellers(cur: Any) -> None:
    ids = list(cat.DEMO_SELLER_IDS)
    placeholders = ", ".join("?" for _ in ids)
    cur.execute(f"DELETE FROM load_rejects WHERE load_id IN "
                f"(SELECT load_id FROM loads WHERE seller_id IN ({placeholders}))", ids)
    for table in ("orders", "order_items", "returns", "sessions", "ad_stats", "inventory", "customers",
                  "products", "demo_incidents", "loads", "sellers", *rollups.ROLLUP_TABLES):
        cur.execute(f"DELETE FROM {table} WHERE seller_id IN ({placeholders})", ids)


def build_demo(path: str | Path, *, seed: int = 42, scale: float = 1.0, days: int = 365,
               now: str | datetime | None = None, force: bool = False,
               progress: ProgressFn | None = None) -> dict[str, dict[str, int]]:
    """Build the demo store into the warehouse at `path`; return rows written per seller and table.

    Deterministic: the same seed, scale, days and `now` give identical rows (the `loads` log records
    the wall-clock time of the build). `now` is a UTC timestamp (ISO string or datetime; default: the
    current minute). Raises DemoExistsError if the demo sellers exist and `force` is false.
    """
    if scale <= 0:
        raise WarehouseError(f"--scale must be positive, not {scale}")
    if days < 14:
        raise WarehouseError(f"--days must be at least 14 (the incidents need some history), not {days}")
    now_utc = _parse_now(now)
    wh = Warehouse(path)
    try:
        existing = existing_demo_sellers(wh)
        if existing and not force:
            raise DemoExistsError(
                f"The warehouse {wh.path} already has demo data for {', '.join(existing)}. "
                f"Run again with --force to replace it (other sellers' data is kept).")
        started = datetime.now(UTC).replace(tzinfo=None)
        message = f"demo store seed={seed} scale={scale:g} days={days} now={now_utc.isoformat()}"
        checksum = hashlib.sha256(message.encode()).hexdigest()
        summary: dict[str, dict[str, int]] = {}
        # Small stores are written in one transaction. Large ones commit chunk by chunk (DuckDB keeps an open
        # transaction's rows in memory) and delete the half-built demo sellers again if anything fails.
        visits = sum(s.orders_per_day for s in cat.SELLERS) * 45 * scale * days
        chunked = visits > CHUNKED_COMMIT_SESSIONS
        try:
            with wh.transaction() as cur:
                if existing:
                    _delete_demo_sellers(cur)
                n_ids = len(cat.SELLERS) * len(LOAD_TABLES)
                ids = [r[0] for r in cur.execute(f"SELECT nextval('load_id_seq') FROM range({n_ids})").fetchall()]
                for i, spec in enumerate(cat.SELLERS):
                    load_ids = dict(zip(LOAD_TABLES, ids[i * len(LOAD_TABLES):(i + 1) * len(LOAD_TABLES)],
                                        strict=True))
                    builder = _SellerBuild(spec, i, seed=seed, scale=scale, days=days, now_utc=now_utc, cur=cur,
                                           load_ids=load_ids, progress=progress)
                    if chunked:
                        builder.commit = lambda cur=cur: (cur.execute("COMMIT"), cur.execute("BEGIN TRANSACTION"))
                    summary[spec.seller_id] = builder.build(started, message, checksum)
                    rollups.rebuild(cur, spec.seller_id)      # the facts above were written around the loader
        except BaseException:
            if chunked:
                with wh.transaction() as cur:
                    _delete_demo_sellers(cur)
            raise
        return summary
    finally:
        wh.close()


def run_demo_command(args: argparse.Namespace) -> int:
    """`python -m data demo`: build the demo store and print what was written."""
    path = Path(args.db) if getattr(args, "db", None) else default_path()
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    try:
        summary = build_demo(path, seed=args.seed, scale=args.scale, days=args.days, now=args.now,
                             force=args.force, progress=progress)
    except DemoExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    tables = ("orders", "order_items", "returns", "sessions", "ad_stats", "inventory", "customers", "products")
    width = max(len(t) for t in tables)
    print(f"Demo store built in {elapsed:.1f} s (seed {args.seed}, scale {args.scale:g}, {args.days} days).")
    print(f"{'seller':<12} " + " ".join(f"{t:>{max(width, 10)}}" for t in tables))
    for seller, counts in summary.items():
        print(f"{seller:<12} " + " ".join(f"{counts[t]:>{max(width, 10)},}" for t in tables))
    total_lines = sum(c["order_items"] for c in summary.values())
    print(f"Total order lines: {total_lines:,}")
    print(f"Warehouse: {path.resolve()}")
    return 0
