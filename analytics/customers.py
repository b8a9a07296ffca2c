"""Who becomes a regular: new vs returning, repeat rate, cohorts, RFM groups, VIP tiers, CLV predictions, backtest.

Conventions (shown to the seller through analytics/customers_text.py):
- A purchase is a customer-day: all kept orders (not cancelled, with a customer id) of one customer on one local
  day are one transaction, as in the BG/NBD literature.
- Time is counted in whole local days. The last day observed is the local day of `as_of` (for `--as-of
  1997-09-30`, the end of that day, so that day is the last one): T = last day − first purchase day, recency =
  last purchase day − first purchase day. This is the CDNOW convention (T = 38.86 weeks for a customer who first
  bought on 1997-01-01 with calibration to 1997-09-30).
- Models are fitted with time in weeks (days / 7), the unit of the published results; parameters are reported
  in weeks and per day (alpha_days = 7 × alpha_weeks; r, a, b do not depend on the unit).
- CLV = expected purchases over the horizon × expected spend per purchase, undiscounted revenue.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from analytics import clv, result_cache
from analytics.customers_text import SEGMENTS, TIERS
from analytics.i18n import t
from analytics.period import ReportPeriod
from analytics.queries import run_sql
from analytics.sellers import local_midnight_utc, local_today
from data.warehouse import Warehouse

MIN_REPEAT_CUSTOMERS = 100      # below this many customers with repeat purchases, no model (RFM fallback)
LIST_LENGTH = 50                # customers per list shown
LIKELY_MIN_PURCHASES = 0.5      # a one-time buyer counts as likely to buy again at >= 0.5 expected purchases
COHORT_MONTHS = 12              # most recent cohorts shown
DAYS_PER_WEEK = 7.0
AT_RISK_P_ALIVE = 0.5
FREQUENCY_GROUPS = 7            # backtest groups 0..5 and "6+" (repeat purchase days in calibration)

CUSTOMER_METRICS = ("customer_count", "new_customers", "returning_customers", "repeat_rate", "customer_orders",
                    "customer_revenue", "cohort_retention", "tier_aov", "p_alive", "expected_purchases",
                    "expected_avg_value", "clv", "backtest_mae")


# ------------------------------------------------------------------ shaping data (SQL + Polars)

EPOCH = datetime(1, 1, 1)     # "from the beginning": the start of windows that begin with the first order
# the load kinds whose tables everything cached here reads (orders and their lines; returns set orders' status):
# loads of visits, ad reports, stock or products leave the customer models in place (analytics.result_cache)
LOAD_KINDS_READ = ("orders", "returns")


def last_observed_day(tz: str, as_of_utc: datetime) -> date:
    """The last local day observed at `as_of` (as_of at local midnight means the day before)."""
    return local_today(tz, as_of_utc - timedelta(microseconds=1))


def daily_transactions(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime) -> pl.DataFrame:
    """Purchase days per customer before as_of. Columns: customer_id, order_date (local Date), order_count,
    revenue (Float64)."""
    days = purchase_days(wh, seller_id, tz, as_of_utc)
    return days.drop("revenue_cents").sort("customer_id", "order_date")


def rfm_summary(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime) -> pl.DataFrame:
    """Per-customer model inputs before as_of. Columns: customer_id, frequency (repeat purchase days),
    recency_days, t_days, monetary_value (mean spend of repeat days), first_order_date, last_order_date,
    order_count, revenue."""
    frame = run_sql(wh, "customers_rfm_summary", seller_id=seller_id, tz=tz, start_utc=EPOCH, end_utc=as_of_utc,
                    last_day=last_observed_day(tz, as_of_utc))
    return frame.cast({"frequency": pl.Int64, "recency_days": pl.Int64, "t_days": pl.Int64,
                       "order_count": pl.Int64, "monetary_value": pl.Float64, "revenue": pl.Float64})


def purchase_days(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime,
                  start_utc: datetime = EPOCH) -> pl.DataFrame:
    """daily_transactions' rows from one scan, sorted by customer and day, spend also as exact hundredths.
    Columns: customer_id, order_date (local Date), order_count (Int64), revenue_cents (Int64), revenue (Float64,
    the same double as daily_transactions' revenue). `start_utc`: only the orders placed from then on."""
    orders = run_sql(wh, "customers_purchase_days", seller_id=seller_id, tz=tz, start_utc=start_utc,
                     end_utc=as_of_utc)
    n = orders.height
    ids, days = orders["customer_id"], orders["order_date"]
    # a customer's orders of one local day are adjacent (sorted by customer and day): one row per run of them
    first_of_day = np.ones(n, dtype=bool)
    if n > 1:
        day = days.cast(pl.Int32).to_numpy()
        first_of_day[1:] = (ids.slice(1) != ids.slice(0, n - 1)).to_numpy() | (day[1:] != day[:-1])
    starts = np.flatnonzero(first_of_day)
    keep = pl.Series(first_of_day)
    cents = np.add.reduceat(orders["spend_cents"].to_numpy().astype(np.int64, copy=False), starts)
    # ORDER BY customer_id compares UTF-8 bytes, as Polars does: the flag spares customer_runs a string comparison
    return pl.DataFrame({
        "customer_id": ids.filter(keep).set_sorted(), "order_date": days.filter(keep),
        "order_count": np.diff(np.append(starts, n)).astype(np.int64),
        "revenue_cents": cents, "revenue": _cents_to_double(pl.Series(cents, dtype=pl.Int64)),
    }, schema={"customer_id": pl.String, "order_date": pl.Date, "order_count": pl.Int64, "revenue_cents": pl.Int64,
               "revenue": pl.Float64})


def _cents_to_double(cents: pl.Series) -> np.ndarray:
    """Hundredths to the double DuckDB's CAST(DECIMAL(_, 2) AS DOUBLE) gives: integer as double / 100, correctly
    rounded (numpy divides; a Polars `/ 100.0` becomes `* 0.01`, which differs in the last bit)."""
    return cents.to_numpy().astype(np.float64) / 100.0


def rfm_summary_exact(days: pl.DataFrame, last_day: date, runs: CustomerRuns | None = None) -> pl.DataFrame:
    """rfm_summary's frame (same values bit for bit, same order) from purchase_days' rows on or before last_day:
    sums in exact hundredths, converted to doubles the way the SQL summary's DECIMAL results are. `runs`: the
    rows' customer_runs when already known (their rows are then read, not `days`)."""
    last = (last_day - date(1970, 1, 1)).days
    if runs is not None:
        runs = runs.until(last)
    else:
        rows = days.filter(pl.col("order_date") <= last_day) if days.height else days
        if rows.height == 0:
            return pl.DataFrame(schema=_SUMMARY_SCHEMA)
        runs = customer_runs(rows)
    if len(runs.starts) == 0:                            # only rows without a customer
        return pl.DataFrame(schema=_SUMMARY_SCHEMA)
    cents = runs.rows["revenue_cents"].to_numpy()
    revenue_cents = np.add.reduceat(cents, runs.starts)
    frequency = (runs.ends - runs.starts).astype(np.int64)
    repeat = _cents_to_double(pl.Series(revenue_cents - cents[runs.starts]))
    monetary = np.where(frequency > 0, repeat / np.maximum(frequency, 1).astype(np.float64), 0.0)
    first, latest = runs.day[runs.starts].astype(np.int64), runs.day[runs.ends].astype(np.int64)
    return pl.DataFrame({
        "customer_id": runs.customer_ids(), "frequency": frequency, "recency_days": latest - first,
        "t_days": last - first, "monetary_value": monetary,
        "first_order_date": pl.Series(first, dtype=pl.Int32).cast(pl.Date),
        "last_order_date": pl.Series(latest, dtype=pl.Int32).cast(pl.Date),
        "order_count": np.add.reduceat(runs.rows["order_count"].to_numpy().astype(np.int64, copy=False), runs.starts),
        "revenue": _cents_to_double(pl.Series(revenue_cents)),
    }, schema=_SUMMARY_SCHEMA)


@dataclass(frozen=True)
class CustomerRuns:
    """Purchase-day rows sorted by customer and day, and where each customer's run of rows starts and ends: every
    per-customer figure is then a slice or a segment sum (numpy reduceat) instead of a hash group-by over
    millions of text ids."""
    rows: pl.DataFrame            # sorted by customer_id, then order_date
    starts: np.ndarray            # row index of each customer's first (earliest) day, customers in id order
    ends: np.ndarray              # row index of each customer's last day
    day: np.ndarray               # order_date of every row, days since 1970-01-01 (int32)

    def customer_ids(self) -> pl.Series:
        return self.rows["customer_id"].gather(self.starts)

    def until(self, last: int) -> CustomerRuns:
        """The runs of the rows up to day `last` (days since 1970-01-01), without comparing ids again: days ascend
        within a customer, so each customer keeps a first part of its run, and a kept row starts a run exactly
        when it did before."""
        keep = self.day <= last
        if keep.all():
            return self
        starting = np.zeros(len(keep), dtype=bool)
        starting[self.starts] = True
        kept = np.flatnonzero(keep)
        starts = np.flatnonzero(starting[kept])
        ends = np.append(starts[1:], len(kept)) - 1 if len(starts) else starts
        return CustomerRuns(self.rows.filter(pl.Series(keep)), starts, ends, self.day[kept])


def customer_runs(days: pl.DataFrame) -> CustomerRuns:
    """CustomerRuns of rows with customer_id and order_date (one row per customer and day; rows without a
    customer are left out). purchase_days' rows come sorted from its SQL; other frames are sorted here."""
    rows = days.filter(pl.col("customer_id").is_not_null()) if days["customer_id"].null_count() else days
    same = _same_customer_as_previous(rows)
    if rows.height > 1:
        ids, dates = rows["customer_id"], rows["order_date"]
        day_after = (dates.slice(1) > dates.slice(0, rows.height - 1)).to_numpy()
        if ids.flags["SORTED_ASC"]:                      # purchase_days: sorted by its SQL, nothing to compare
            in_order = np.all(~same[1:] | day_after)
        else:
            in_order = np.all((ids.slice(1) > ids.slice(0, rows.height - 1)).to_numpy() | (same[1:] & day_after))
        if not in_order:
            rows = rows.sort("customer_id", "order_date")
            same = _same_customer_as_previous(rows)
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], rows.height) - 1 if len(starts) else starts
    return CustomerRuns(rows, starts, ends, rows["order_date"].cast(pl.Int32).to_numpy())


def _same_customer_as_previous(rows: pl.DataFrame) -> np.ndarray:
    same = np.zeros(rows.height, dtype=bool)
    if rows.height > 1:
        ids = rows["customer_id"]
        same[1:] = (ids.slice(1) == ids.slice(0, rows.height - 1)).to_numpy()
    return same


_SUMMARY_SCHEMA = {"customer_id": pl.String, "frequency": pl.Int64, "recency_days": pl.Int64, "t_days": pl.Int64,
                   "monetary_value": pl.Float64, "first_order_date": pl.Date, "last_order_date": pl.Date,
                   "order_count": pl.Int64, "revenue": pl.Float64}


def rfm_summary_from_transactions(transactions: pl.DataFrame, last_day: date, customer_col: str = "customer_id",
                                  date_col: str = "order_date", amount_col: str = "revenue") -> pl.DataFrame:
    """rfm_summary's columns computed from transactions already in memory (one row per order or per purchase day:
    daily_transactions' frame, or any frame of customer, Date or Datetime, amount), one row per customer, in no
    particular order. An `order_count` column, when present, counts the orders a row stands for (else 1 each).

    Rows after `last_day` and rows without a customer are ignored; a customer-day is one transaction; `last_day`
    is the last day observed (T = last_day - first purchase day). No Python loop over rows: one sort of a 64-bit
    key (customer hash, day) and segment sums; if two customers' hashes ever collide, an exact two-step Polars
    group-by gives the answer instead."""
    day = pl.col(date_col)
    if transactions.schema[date_col] != pl.Date:
        day = day.dt.date()
    count = pl.col("order_count").cast(pl.Int64) if "order_count" in transactions.columns else pl.lit(1, pl.Int64)
    rows = transactions.select(pl.col(customer_col).cast(pl.String).alias("customer_id"),
                               day.cast(pl.Int32).alias("day"), pl.col(amount_col).cast(pl.Float64).alias("revenue"),
                               count.alias("order_count"))
    last = (last_day - date(1970, 1, 1)).days
    if rows.height and (rows["customer_id"].null_count() or rows["day"].max() > last):
        rows = rows.filter(pl.col("customer_id").is_not_null() & (pl.col("day") <= last))
    if rows.height == 0:
        return pl.DataFrame(schema=_SUMMARY_SCHEMA)
    summary = _rfm_summary_by_sorting(rows, last)
    return summary if summary is not None else _rfm_summary_by_group_by(rows, last)


def _rfm_summary_by_sorting(rows: pl.DataFrame, last: int) -> pl.DataFrame | None:
    """The summary of (customer_id, day, revenue, order_count) rows via one sort; None on a hash collision."""
    ids = rows["customer_id"]
    days = rows["day"].to_numpy().astype(np.int64)
    first_day = int(days.min())
    offset = (days - first_day).astype(np.uint64)
    bits = np.uint64(max(1, int(offset.max()).bit_length()))
    key = ((ids.hash(seed=0x5EED).to_numpy() >> bits) << bits) | offset
    order = np.argsort(key)
    sorted_key = key[order]
    customer_hash = sorted_key >> bits
    n = len(sorted_key)
    new_customer = np.empty(n, dtype=bool)
    new_customer[0] = True
    np.not_equal(customer_hash[1:], customer_hash[:-1], out=new_customer[1:])
    sorted_ids = ids.gather(order)
    same_id = (sorted_ids.slice(1) == sorted_ids.slice(0, n - 1)).to_numpy()
    if np.any(~new_customer[1:] & ~same_id):
        return None                                           # two customers share a hash: use the exact path
    new_day = new_customer.copy()
    new_day[1:] |= sorted_key[1:] != sorted_key[:-1]
    day_starts = np.flatnonzero(new_day)
    day_revenue = np.add.reduceat(rows["revenue"].to_numpy()[order], day_starts)
    counts = rows["order_count"]
    day_orders = (np.add.reduceat(counts.to_numpy()[order], day_starts) if counts.n_unique() > 1 or counts[0] != 1
                  else np.diff(np.append(day_starts, n)))   # one order per row: the day's row count
    day_offset = (sorted_key[day_starts] & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    starts = np.flatnonzero(new_customer[day_starts])          # each customer's first day (days ascend within)
    ends = np.append(starts[1:], len(day_starts)) - 1
    purchase_days = (ends - starts + 1).astype(np.int64)
    revenue = np.add.reduceat(day_revenue, starts)
    first, latest = day_offset[starts] + first_day, day_offset[ends] + first_day
    repeat = purchase_days > 1
    monetary = np.where(repeat, (revenue - day_revenue[starts]) / np.where(repeat, purchase_days - 1, 1), 0.0)
    return pl.DataFrame({
        "customer_id": sorted_ids.gather(day_starts[starts]),
        "frequency": purchase_days - 1, "recency_days": latest - first, "t_days": last - first,
        "monetary_value": monetary,
        "first_order_date": pl.Series(first, dtype=pl.Int32).cast(pl.Date),
        "last_order_date": pl.Series(latest, dtype=pl.Int32).cast(pl.Date),
        "order_count": np.add.reduceat(day_orders, starts).astype(np.int64), "revenue": revenue,
    }, schema=_SUMMARY_SCHEMA)


def _rfm_summary_by_group_by(rows: pl.DataFrame, last: int) -> pl.DataFrame:
    """The summary of (customer_id, day, revenue, order_count) rows via two hash group-bys (always exact)."""
    days = rows.group_by("customer_id", "day").agg(pl.col("revenue").sum(), pl.col("order_count").sum())
    first, latest = pl.col("day").min(), pl.col("day").max()
    n = pl.len().cast(pl.Int64)
    first_revenue = pl.col("revenue").get(pl.col("day").arg_min())
    return (days.group_by("customer_id")
            .agg((n - 1).alias("frequency"), (latest - first).cast(pl.Int64).alias("recency_days"),
                 (pl.lit(last) - first).cast(pl.Int64).alias("t_days"),
                 pl.when(n > 1).then((pl.col("revenue").sum() - first_revenue) / (n - 1)).otherwise(0.0)
                 .alias("monetary_value"),
                 first.cast(pl.Date).alias("first_order_date"), latest.cast(pl.Date).alias("last_order_date"),
                 pl.col("order_count").sum().alias("order_count"), pl.col("revenue").sum().alias("revenue"))
            .cast(_SUMMARY_SCHEMA))


def period_customer_totals(daily: pl.DataFrame, start_date: date, end_date: date,
                           runs: CustomerRuns | None = None) -> dict[str, float]:
    """customer_count, new_customers, returning_customers, repeat_rate (None without customers), customer_orders,
    customer_revenue in the period, and customers_to_date / repeat_customers_to_date (whole history). `runs`: the
    rows' customer_runs when already known."""
    runs = runs if runs is not None else customer_runs(daily) if daily.height else None
    runs = runs if runs is not None and len(runs.starts) else None
    in_period = daily.filter(pl.col("order_date").is_between(start_date, end_date))
    customers = new = repeaters = to_date = repeat_to_date = 0
    if runs is not None:
        start, end = (start_date - date(1970, 1, 1)).days, (end_date - date(1970, 1, 1)).days
        inside = (runs.day >= start) & (runs.day <= end)
        buyer = np.add.reduceat(inside.astype(np.int64), runs.starts) > 0
        purchase_days = runs.ends - runs.starts + 1
        customers = int(buyer.sum())
        new = int((buyer & (runs.day[runs.starts] >= start)).sum())
        repeaters = int((buyer & (purchase_days >= 2)).sum())
        to_date, repeat_to_date = len(runs.starts), int((purchase_days >= 2).sum())
    return {
        "customer_count": customers,
        "new_customers": new,
        "returning_customers": customers - new,
        "repeat_rate": repeaters / customers if customers else None,
        "customer_orders": int(in_period["order_count"].sum()),
        "customer_revenue": float(in_period["revenue"].sum()),
        "customers_to_date": to_date,
        "repeat_customers_to_date": repeat_to_date,
    }


def cohort_retention(daily: pl.DataFrame, months: int = COHORT_MONTHS, runs: CustomerRuns | None = None
                     ) -> pl.DataFrame:
    """Monthly cohorts (month of first purchase) of the last `months` cohorts: share buying in month k.

    Columns: cohort_month (Date, first of month), months_since_first (k >= 0), active_customers, cohort_size,
    retention (active / size; 1.0 at k = 0). `runs`: the rows' customer_runs when already known."""
    schema = {"cohort_month": pl.Date, "months_since_first": pl.Int64, "active_customers": pl.Int64,
              "cohort_size": pl.Int64, "retention": pl.Float64}
    if daily.height == 0:
        return pl.DataFrame(schema=schema)
    runs = runs if runs is not None else customer_runs(daily)
    if len(runs.starts) == 0:
        return pl.DataFrame(schema=schema)
    # each row's calendar month (year * 12 + month - 1), looked up per day of the span rather than per row
    first_day = int(runs.day.min())
    span_days = pl.Series(np.arange(first_day, int(runs.day.max()) + 1, dtype=np.int32)).cast(pl.Date)
    month_of_day = (span_days.dt.year().cast(pl.Int64) * 12 + span_days.dt.month().cast(pl.Int64) - 1).to_numpy()
    month = month_of_day[runs.day - first_day]
    cohort_of_row = np.repeat(month[runs.starts], runs.ends - runs.starts + 1)   # days ascend within a customer
    first_in_month = np.ones(len(month), dtype=bool)      # a customer's first purchase day in a calendar month
    first_in_month[1:] = month[1:] != month[:-1]
    first_in_month[runs.starts] = True
    # months are small integers (a few hundred at most apart): counted with bincount, no sort of a million rows
    first_month = month[runs.starts]
    lowest = int(first_month.min())
    customers_by_month = np.bincount(first_month - lowest)
    cohorts = (np.flatnonzero(customers_by_month) + lowest)[-months:]
    keep = first_in_month & (cohort_of_row >= cohorts[0])
    cohort, k = cohort_of_row[keep], month[keep] - cohort_of_row[keep]
    span = int(k.max()) + 1
    per_cell = np.bincount((cohort - cohorts[0]) * span + k)
    cells = np.flatnonzero(per_cell)
    active = per_cell[cells]
    cohort_month, since = cells // span + cohorts[0], cells % span
    size = customers_by_month[cohort_month - lowest].astype(np.int64)
    return pl.DataFrame({
        "cohort_month": pl.Series([date(int(c) // 12, int(c) % 12 + 1, 1) for c in cohort_month], dtype=pl.Date),
        "months_since_first": since.astype(np.int64), "active_customers": active.astype(np.int64),
        "cohort_size": size, "retention": active / size,
    }, schema=schema)


def score_customers(summary: pl.DataFrame, last_day: date) -> pl.DataFrame:
    """The summary with days_since_last, purchase_days, r_score, f_score, m_score, segment and tier.

    R: quintile of days since the last purchase (5 = most recent); F: purchase days 1, 2, 3, 4-5, 6+ -> 1..5
    (absolute, because most customers buy once and quintiles of ties mean nothing); M: quintile of spend.
    A quintile is floor((rank - 1) * 5 / n) + 1 of the customer's rank, ties sharing their average rank (5 = the
    highest spend, the fewest days). Segments (first match): champions R>=4 & F>=4; loyal R>=3 & F>=3; new R>=4 &
    F=1; potential_loyalists R>=3; cant_lose F>=4; at_risk F>=2; hibernating otherwise. Tiers by spend rank (ties
    in row order): vip top 1 %, gold next 4 %, silver next 15 %, regular the rest.

    Ranked in numpy, not with Polars rank (three sorts of a million rows, ~0.3 s of the customers report): the
    days are small integers (counted), and the spend is sorted once (_spend_order) for both the tier and M."""
    n = summary.height
    last = (last_day - date(1970, 1, 1)).days
    days = last - summary["last_order_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    purchase_days = summary["frequency"].to_numpy().astype(np.int64) + 1
    r_score = _quintiles(_average_ranks_of_days(days), n)
    f_score = np.minimum(purchase_days, 5) - (purchase_days == 5)          # 1, 2, 3, 4-5 -> 4, 6+ -> 5
    m_score, tier = _spend_scores(summary["revenue"].to_numpy(), n)
    segment = _SEGMENT_OF_RF[r_score * 6 + f_score]
    return summary.with_columns(
        pl.Series("days_since_last", days), pl.Series("purchase_days", purchase_days),
        pl.Series("r_score", r_score), pl.Series("f_score", f_score), pl.Series("m_score", m_score),
        pl.Series(_TIER_NAMES).gather(tier).alias("tier"),
        pl.Series(_SEGMENT_NAMES).gather(segment).alias("segment"))


_TIER_NAMES = ["vip", "gold", "silver", "regular"]
_TIER_SHARES = (0.01, 0.05, 0.20)       # cumulative: vip the top 1 %, gold to 5 %, silver to 20 %
_SEGMENT_NAMES = ["champions", "loyal", "new", "potential_loyalists", "cant_lose", "at_risk", "hibernating"]


def _segment_of(r: int, f: int) -> int:
    rules = ((r >= 4 and f >= 4), (r >= 3 and f >= 3), (r >= 4 and f == 1), r >= 3, f >= 4, f >= 2)
    return next((i for i, rule in enumerate(rules) if rule), len(rules))


_SEGMENT_OF_RF = np.array([_segment_of(r, f) for r in range(6) for f in range(6)], dtype=np.int64)  # [r * 6 + f]


def _quintiles(rank: np.ndarray, n: int) -> np.ndarray:
    """Score 1..5 of 1-based ranks among n (ascending: the highest rank scores 5)."""
    return np.clip(np.floor((rank - 1) * 5 / max(n, 1)).astype(np.int64) + 1, 1, 5)


def _average_ranks_of_days(days: np.ndarray) -> np.ndarray:
    """Each value's rank, most days first (rank 1 = the longest ago), ties sharing their average rank: counted per
    day value (days are small integers), no sort."""
    if len(days) == 0:
        return days.astype(np.float64)
    low = int(days.min())
    counts = np.bincount(days - low)
    later = len(days) - np.cumsum(counts)               # customers with more days than this value
    return (later + (counts + 1) / 2.0)[days - low]


def _spend_scores(revenue: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(M score, tier index into _TIER_NAMES) of every customer, from one sort of the spend."""
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order, ordered = _spend_order(revenue)
    position = np.arange(n)                                      # 0-based spend rank, most first, ties in row order
    tier_ordered = sum((position + 1 > np.ceil(share * n)).astype(np.int64) for share in _TIER_SHARES)
    starts = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))
    ends = np.append(starts[1:], n)
    # a run of equal spend at positions [s, e) most first holds ascending ranks n - e + 1 .. n - s
    m_of_run = _quintiles((2 * n - ends - starts + 1) / 2.0, n)
    m_score, tier = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    m_score[order] = np.repeat(m_of_run, ends - starts)
    tier[order] = tier_ordered
    return m_score, tier


def _spend_order(revenue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row order by spend, most first, ties in row order; the spend in that order). Spend in whole hundredths (every
    summary from the warehouse) is sorted as one packed 64-bit key (hundredths below the top, row), which numpy
    sorts several times faster than an argsort; other values by a stable argsort."""
    cents = np.rint(revenue * 100.0)
    if np.all(np.isfinite(cents)) and np.array_equal(cents / 100.0, revenue):
        packed = _packed_sort((cents.max() - cents).astype(np.int64))     # hundredths below the top spend
        if packed is not None:
            return packed
    order = np.argsort(-revenue, kind="stable")
    return order, revenue[order]


def _packed_sort(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(row order of non-negative int64 `values` ascending, ties in row order; the values in that order), by one
    in-place sort of 64-bit keys (value, row): numpy sorts integers in vector code, several times faster than it
    argsorts. None when a value and the row number do not fit in 64 bits together."""
    n = len(values)
    row_bits = max(1, (n - 1).bit_length())
    if n == 0 or int(values.max()).bit_length() + row_bits > 64:
        return None
    key = values.astype(np.uint64) << np.uint64(row_bits)
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    return (key & np.uint64((1 << row_bits) - 1)).astype(np.intp), (key >> np.uint64(row_bits)).astype(np.int64)


def rfm_segment_table(scored: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per RFM segment (display order, empty ones kept). Columns: segment, segment_name, advice,
    customer_count, share, revenue, revenue_share, order_count, aov, avg_recency_days, avg_purchase_days."""
    total_customers = max(scored.height, 1)
    total_revenue = float(scored["revenue"].sum()) if scored.height else 0.0
    agg = scored.group_by("segment").agg(
        pl.len().cast(pl.Int64).alias("customer_count"), pl.col("revenue").sum().alias("revenue"),
        pl.col("order_count").sum().cast(pl.Int64).alias("order_count"),
        pl.col("days_since_last").mean().alias("avg_recency_days"),
        pl.col("purchase_days").mean().alias("avg_purchase_days"))
    keys = pl.DataFrame({"segment": list(SEGMENTS), "segment_name": [SEGMENTS[s][lang] for s in SEGMENTS],
                         "advice": [SEGMENTS[s][f"do_{lang}"] for s in SEGMENTS]})
    return (keys.join(agg, on="segment", how="left", maintain_order="left")
            .with_columns(pl.col("customer_count").fill_null(0), pl.col("revenue").fill_null(0.0),
                          pl.col("order_count").fill_null(0))
            .with_columns((pl.col("customer_count") / total_customers).alias("share"),
                          (pl.col("revenue") / total_revenue if total_revenue else pl.lit(None, pl.Float64))
                          .alias("revenue_share"),
                          pl.when(pl.col("order_count") > 0).then(pl.col("revenue") / pl.col("order_count"))
                          .otherwise(None).alias("aov"))
            .select("segment", "segment_name", "advice", "customer_count", "share", "revenue", "revenue_share",
                    "order_count", "aov", "avg_recency_days", "avg_purchase_days"))


def vip_tier_table(scored: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per spend tier. Columns: tier, tier_name, customer_count, revenue, revenue_share, order_count,
    aov (revenue / orders), min_revenue (smallest spend in the tier)."""
    total_revenue = float(scored["revenue"].sum()) if scored.height else 0.0
    agg = scored.group_by("tier").agg(
        pl.len().cast(pl.Int64).alias("customer_count"), pl.col("revenue").sum().alias("revenue"),
        pl.col("order_count").sum().cast(pl.Int64).alias("order_count"),
        pl.col("revenue").min().alias("min_revenue"))
    keys = pl.DataFrame({"tier": list(TIERS), "tier_name": [TIERS[k][lang] for k in TIERS]})
    return (keys.join(agg, on="tier", how="left", maintain_order="left")
            .with_columns(pl.col("customer_count").fill_null(0), pl.col("revenue").fill_null(0.0),
                          pl.col("order_count").fill_null(0))
            .with_columns((pl.col("revenue") / total_revenue if total_revenue else pl.lit(None, pl.Float64))
                          .alias("revenue_share"),
                          pl.when(pl.col("order_count") > 0).then(pl.col("revenue") / pl.col("order_count"))
                          .otherwise(None).alias("aov"))
            .select("tier", "tier_name", "customer_count", "revenue", "revenue_share", "order_count", "aov",
                    "min_revenue"))


# ------------------------------------------------------------------ fitting

@dataclass
class FittedModels:
    """BG/NBD (time in weeks) and Gamma-Gamma fitted on one summary."""
    bgnbd: clv.BetaGeoModel
    gamma_gamma: clv.GammaGammaModel
    repeat_customers: int


def fit_customer_models(summary: pl.DataFrame, min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> FittedModels:
    """Fit both models on an rfm_summary frame; FitError (message for people) when there is too little data."""
    usable = summary.filter(pl.col("t_days") > 0)
    repeaters = usable.filter(pl.col("frequency") > 0).height
    if repeaters < min_repeat_customers:
        raise clv.FitError(f"{repeaters} customers with repeat purchases (at least {min_repeat_customers} needed)")
    bg = clv.fit_bgnbd_days(usable["frequency"].to_numpy(), usable["recency_days"].to_numpy(),
                            usable["t_days"].to_numpy(), DAYS_PER_WEEK)
    gg = clv.fit_gamma_gamma(usable["frequency"].to_numpy(), usable["monetary_value"].to_numpy())
    return FittedModels(bg, gg, repeaters)


_FIT_CACHE: dict[tuple[str, date, int, str], FittedModels | str] = {}
_FIT_CACHE_SIZE = 16
_FIT_CACHE_LOCK = threading.Lock()


def _model_input_fingerprint(summary: pl.DataFrame) -> str:
    """A digest of exactly what the fit reads (frequency, recency, T, monetary value of every customer, in order).
    SHA-256 (in hardware on current x86 CPUs: 2-3x blake2b's speed; ~0.05 s less per digest at 1.28M customers)
    over the columns' own buffers, not copies of them."""
    digest = hashlib.sha256()
    digest.update(str(summary.height).encode())
    for column in ("frequency", "recency_days", "t_days", "monetary_value"):
        digest.update(np.ascontiguousarray(summary[column].to_numpy()))
    return digest.hexdigest()


def fit_customer_models_cached(summary: pl.DataFrame, seller_id: str, last_day: date,
                               min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> FittedModels:
    """fit_customer_models, remembered in this process per (seller, last day, min repeaters, digest of the model
    inputs): a repeated page load or report on unchanged data skips the fit; any change in the data changes the
    digest, so a stale model is never returned. FitError is remembered too (its message)."""
    key = (seller_id, last_day, int(min_repeat_customers), _model_input_fingerprint(summary))
    with _FIT_CACHE_LOCK:
        hit = _FIT_CACHE.get(key)
    if hit is None:
        try:
            hit = fit_customer_models(summary, min_repeat_customers)
        except clv.FitError as exc:
            hit = str(exc)
        with _FIT_CACHE_LOCK:
            while len(_FIT_CACHE) >= _FIT_CACHE_SIZE:
                _FIT_CACHE.pop(next(iter(_FIT_CACHE)))
            _FIT_CACHE[key] = hit
    if isinstance(hit, str):
        raise clv.FitError(hit)
    return hit


def model_parameters(models: FittedModels, summary: pl.DataFrame) -> dict[str, Any]:
    """Parameters in weeks and per day and the log-likelihoods (weeks: as published; days: + the x·ln 7 term)."""
    weeks = models.bgnbd.params_
    days = models.bgnbd.scaled(1.0 / DAYS_PER_WEEK).params_
    repeat_total = float(summary.filter(pl.col("t_days") > 0)["frequency"].sum())
    return {
        "bgnbd": {
            "params_weeks": weeks, "params_days": days,
            "log_likelihood_weeks": models.bgnbd.log_likelihood_,
            "log_likelihood_days": models.bgnbd.log_likelihood_ - repeat_total * float(np.log(DAYS_PER_WEEK)),
            "n_customers": models.bgnbd.n_customers_,
        },
        "gamma_gamma": {
            "params": {"p": models.gamma_gamma.params_["p"], "q": models.gamma_gamma.params_["q"],
                       "gamma": models.gamma_gamma.params_["v"]},
            "log_likelihood": models.gamma_gamma.log_likelihood_,
            "n_customers": models.gamma_gamma.n_customers_,
        },
        "repeat_customers": models.repeat_customers,
    }


def predict_customers(scored: pl.DataFrame, models: FittedModels | None, horizon_days: int) -> pl.DataFrame:
    """Per-customer predictions over horizon_days. Columns: the scored summary plus frequency, recency and T
    (days), p_alive, expected_purchases, expected_avg_value, clv (null without models)."""
    frame = scored.with_columns(pl.col("recency_days").alias("recency"), pl.col("t_days").alias("T"))
    if models is None:
        return frame.with_columns(*(pl.lit(None, pl.Float64).alias(c) for c in
                                    ("p_alive", "expected_purchases", "expected_avg_value", "clv")))
    bgnbd = models.bgnbd
    p_alive, purchases = per_distinct_history(
        frame, lambda x, tx, big_t: (bgnbd.conditional_probability_alive(x, tx, big_t),
                                     bgnbd.conditional_expected_number_of_purchases_up_to_time(
                                         horizon_days / DAYS_PER_WEEK, x, tx, big_t)))
    x = frame["frequency"].to_numpy().astype(float)
    spend = models.gamma_gamma.conditional_expected_average_profit(x, frame["monetary_value"].to_numpy())
    return frame.with_columns(pl.Series("p_alive", p_alive), pl.Series("expected_purchases", purchases),
                              pl.Series("expected_avg_value", spend),
                              pl.Series("clv", clv.customer_lifetime_value(purchases, spend)))


def per_distinct_history(summary: pl.DataFrame,
                         fn: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, ...]]
                         ) -> tuple[np.ndarray, ...]:
    """fn(frequency, recency in weeks, T in weeks) for every customer of `summary` (frequency, recency_days,
    t_days), evaluated once per distinct history and spread back: a year of daily history gives a million customers
    only some tens of thousands of distinct (x, t_x, T), and BG/NBD's per-customer formulas (hypergeometric
    functions, logs) cost far more than the lookup. Same inputs, same numbers."""
    frequency = summary["frequency"].to_numpy().astype(np.int64, copy=False)
    recency = summary["recency_days"].to_numpy().astype(np.int64, copy=False)
    t_days = summary["t_days"].to_numpy().astype(np.int64, copy=False)
    if len(frequency) == 0:
        return fn(frequency.astype(float), recency / DAYS_PER_WEEK, t_days / DAYS_PER_WEEK)
    base = int(max(recency.max(), t_days.max())) + 1
    distinct, where = _distinct_and_index((frequency * base + recency) * base + t_days)
    x, rest = np.divmod(distinct, base * base)
    tx, big_t = np.divmod(rest, base)
    return tuple(np.asarray(values)[where] for values in fn(x.astype(float), tx / DAYS_PER_WEEK,
                                                             big_t / DAYS_PER_WEEK))


def _distinct_and_index(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of a non-negative int64 array, ascending; each element's index among them). One packed
    sort (_packed_sort) when the value and the row number fit in 64 bits; else a hash lookup (a binary search per
    element is 3x slower)."""
    packed = _packed_sort(key)
    if packed is None:
        values = pl.Series(key)
        distinct = np.sort(values.unique().to_numpy())
        return distinct, values.replace_strict(distinct, np.arange(len(distinct)), return_dtype=pl.Int64).to_numpy()
    order, value = packed
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(value[1:], value[:-1], out=first[1:])
    where = np.empty(len(key), dtype=np.int64)
    where[order] = np.cumsum(first) - 1
    return value[first], where


LIST_COLUMNS = ("customer_id", "segment", "tier", "purchase_days", "first_order_date", "last_order_date",
                "days_since_last", "revenue", "p_alive", "expected_purchases", "clv")


def likely_regulars(predicted: pl.DataFrame, n: int = LIST_LENGTH) -> pl.DataFrame:
    """One-time buyers most likely to buy again: by expected purchases (model) or most recent first (no model)."""
    one_timer = pl.col("frequency") == 0
    if predicted["expected_purchases"].null_count() == predicted.height:
        return _first(predicted, one_timer, n, ["days_since_last", "revenue", "customer_id"], [False, True, False])
    return _first(predicted, one_timer, n, ["expected_purchases", "revenue", "customer_id"], [True, True, False])


def likely_buyers(predicted: pl.DataFrame, min_purchases: float = LIKELY_MIN_PURCHASES) -> pl.DataFrame:
    """Every one-time buyer expected to buy again at least `min_purchases` times over the predictions' horizon
    (unsorted; none without a model): how many the likely-regulars list stands for."""
    return predicted.filter(_likely(min_purchases))


def _likely(min_purchases: float) -> pl.Expr:
    return (pl.col("frequency") == 0) & (pl.col("expected_purchases") >= min_purchases)


def with_group_names(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A customer list with its RFM group and spend tier by name (champions → 챔피언, vip → VIP (상위 1%)), as the
    group and tier tables show them. For the page: the JSON report and the CSV download keep the codes."""
    return frame.with_columns(pl.col("segment").replace({k: v[lang] for k, v in SEGMENTS.items()}),
                              pl.col("tier").replace({k: v[lang] for k, v in TIERS.items()}))


def _first(frame: pl.DataFrame, where: pl.Expr, n: int, by: list[str], descending: list[bool]) -> pl.DataFrame:
    """The first n rows of `frame` where `where` holds, sorted by `by` (ties broken by the last key), without
    sorting all of them: lazily, so only the list's columns of the matching rows are gathered (at 1.28M
    customers 16 ms instead of 73 ms for a filtered copy of every column)."""
    return (frame.lazy().filter(where).select(LIST_COLUMNS)
            .top_k(n, by=by, reverse=[not d for d in descending]).sort(by, descending=descending).collect())


def regulars_at_risk(predicted: pl.DataFrame, n: int = LIST_LENGTH) -> pl.DataFrame:
    """The n at-risk customers (at_risk_customers) who spent most."""
    return _first(predicted, _at_risk(predicted), n, ["revenue", "customer_id"], [True, False])


def at_risk_customers(predicted: pl.DataFrame) -> pl.DataFrame:
    """Every valuable customer who seems to be leaving (unsorted). Model: 3+ purchase days or top-20 % spend with
    P(alive) < 0.5. No model: the at_risk and cant_lose RFM groups."""
    return predicted.filter(_at_risk(predicted))


def _at_risk(predicted: pl.DataFrame) -> pl.Expr:
    if predicted["p_alive"].null_count() == predicted.height:
        return pl.col("segment").is_in(["at_risk", "cant_lose"])
    valuable = (pl.col("purchase_days") >= 3) | pl.col("tier").is_in(["vip", "gold", "silver"])
    return valuable & (pl.col("p_alive") < AT_RISK_P_ALIVE)


def list_counts(predicted: pl.DataFrame) -> dict[str, int]:
    """How many customers each list stands for: one-time buyers with at least LIKELY_MIN_PURCHASES expected
    purchases over the horizon (0 without a model), and every at-risk customer. The page shows the first
    LIST_LENGTH of each; its CSV holds max(LIST_LENGTH, likely) and every at-risk customer. Counted, not copied."""
    likely, at_risk = predicted.select(_likely(LIKELY_MIN_PURCHASES).sum().alias("likely"),
                                       _at_risk(predicted).sum().alias("at_risk")).row(0)
    return {"likely_regulars": int(likely or 0), "at_risk": int(at_risk or 0), "shown": LIST_LENGTH}


# ------------------------------------------------------------------ backtest

def holdout_days_for(history_days: int) -> int:
    """The last quarter of the history, at least 14 and at most 90 days."""
    return int(max(14, min(90, history_days // 4)))


def calibration_backtest(wh: Warehouse, seller_id: str, tz: str, as_of_utc: datetime, daily: pl.DataFrame,
                         min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
                         days: pl.DataFrame | None = None,
                         calibration_summary: Callable[[date], pl.DataFrame] | None = None,
                         runs: CustomerRuns | None = None) -> dict[str, Any]:
    """Fit on the history before the holdout, predict purchase days in the holdout, compare with what happened.

    Returns {"status": "ok" | "not_enough_data", "reason", "cutoff_day", "holdout_start", "holdout_end",
    "holdout_days", "customers", "predicted_total", "actual_total", "mae", "group_mae",
    "groups": frame(frequency_group, customer_count, predicted_mean, actual_mean)}.
    `days` (purchase_days' frame for this as_of), when given, replaces the calibration summary's SQL scan;
    `calibration_summary(cutoff)`, when given, is rfm_summary_exact(days, cutoff) kept from earlier (_History);
    `runs`, when given, is customer_runs(days)."""
    last_day = last_observed_day(tz, as_of_utc)
    out: dict[str, Any] = {"status": "not_enough_data", "reason": "", "groups": pl.DataFrame()}
    if daily.height == 0:
        out["reason"] = "no purchases"
        return out
    history_days = (last_day - daily["order_date"].min()).days
    holdout = holdout_days_for(history_days)
    cutoff = last_day - timedelta(days=holdout)
    out.update(cutoff_day=cutoff, holdout_start=cutoff + timedelta(days=1), holdout_end=last_day,
               holdout_days=holdout)
    if history_days <= holdout:
        out["reason"] = f"history of {history_days} days is too short for a {holdout}-day holdout"
        return out
    if calibration_summary is not None:
        calibration = calibration_summary(cutoff)
    elif days is not None:
        calibration = rfm_summary_exact(days, cutoff, runs)
    else:
        calibration = rfm_summary(wh, seller_id, tz, local_midnight_utc(tz, cutoff + timedelta(days=1)))
    try:
        models = fit_customer_models_cached(calibration, seller_id, cutoff, min_repeat_customers)
    except clv.FitError as exc:
        out["reason"] = str(exc)
        return out
    predicted, = per_distinct_history(calibration, lambda x, tx, big_t: (
        models.bgnbd.conditional_expected_number_of_purchases_up_to_time(holdout / DAYS_PER_WEEK, x, tx, big_t),))
    compared = (calibration.select("customer_id", "frequency")
                .with_columns(pl.Series("predicted", predicted), _holdout_purchase_days(calibration, daily, days, cutoff,
                                                                                    runs))
                .with_columns(pl.col("frequency").clip(0, FREQUENCY_GROUPS - 1).alias("frequency_group")))
    groups = (compared.group_by("frequency_group")
              .agg(pl.len().cast(pl.Int64).alias("customer_count"), pl.col("predicted").mean().alias("predicted_mean"),
                   pl.col("actual").mean().alias("actual_mean"))
              .sort("frequency_group")
              .with_columns(pl.when(pl.col("frequency_group") == FREQUENCY_GROUPS - 1)
                            .then(pl.format("{}+", "frequency_group"))
                            .otherwise(pl.col("frequency_group").cast(pl.String)).alias("frequency_label")))
    out.update(status="ok", customers=compared.height,
               predicted_total=float(compared["predicted"].sum()), actual_total=int(compared["actual"].sum()),
               mae=float((compared["predicted"] - compared["actual"]).abs().mean()),
               group_mae=float((groups["predicted_mean"] - groups["actual_mean"]).abs().mean()),
               groups=groups)
    return out


def _holdout_purchase_days(calibration: pl.DataFrame, daily: pl.DataFrame, days: pl.DataFrame | None,
                           cutoff: date, runs: CustomerRuns | None = None) -> pl.Series:
    """Purchase days after `cutoff` of each calibration customer (0 for none), in the calibration's row order.

    With purchase_days' rows (`days`, what rfm_summary_exact built the calibration from), each customer's days are
    one run in the calibration's customer order and the customers who bought on or before the cutoff are exactly
    the calibration's: a segment count, no join on the text ids (`runs`: their customer_runs, when known). Without
    them, a group-by and a join."""
    if days is not None and days.height:
        runs = runs if runs is not None else customer_runs(days)
        last = (cutoff - date(1970, 1, 1)).days
        after = np.add.reduceat((runs.day > last).astype(np.int64), runs.starts)
        # days ascend within a customer: a calibration customer's first day is on or before the cutoff
        return pl.Series("actual", after[runs.day[runs.starts] <= last], dtype=pl.Int64)
    counts = daily.filter(pl.col("order_date") > cutoff).group_by("customer_id").agg(pl.len().alias("actual"))
    return (calibration.select("customer_id").join(counts, on="customer_id", how="left", maintain_order="left")
            ["actual"].fill_null(0).cast(pl.Int64))


# ------------------------------------------------------------------ the whole area

@dataclass
class CustomerInsights:
    """Everything the customers page and report show except the horizon-dependent predictions."""
    seller_id: str
    currency: str
    last_day: date
    totals: dict[str, Any]
    scored: pl.DataFrame
    cohorts: pl.DataFrame
    model_status: str                       # fitted | not_enough_data | no_customers
    model_reason: str
    models: FittedModels | None
    model_params: dict[str, Any] = field(default_factory=dict)
    backtest: dict[str, Any] = field(default_factory=dict)


def customer_insights(wh: Warehouse, period: ReportPeriod,
                      min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> CustomerInsights:
    """Shape the data, fit the models (or say why not) and run the backtest for one seller at period.as_of.

    Everything but the period totals depends only on the orders before as_of, so it is computed once per
    (seller, last day, latest order before as_of) and data version and shared by the page, the report and the
    digest (analytics.result_cache); the period totals come from the cached customer-days, once per period.
    The cohorts and the backtest are cached apart from the models (customer_models), so the digest, which needs
    only the models, does not compute them. After new orders of today, the purchase days before today come from
    the kept history (_History)."""
    tz, as_of = period.timezone, period.as_of_utc
    key = _base_key(wh, period, min_repeat_customers)
    core = customer_models(wh, period, min_repeat_customers)
    # Polars frames are immutable: sharing the cached ones is safe
    totals = result_cache.remember(
        wh, "customer_period_totals", (*key, period.start_date, period.end_date),
        lambda: period_customer_totals(core.daily, period.start_date, period.end_date, core.runs),
        seller_id=period.seller_id,
        kinds=LOAD_KINDS_READ)
    cohorts = result_cache.remember(wh, "customer_cohorts", key,
                                    lambda: cohort_retention(core.daily, runs=core.runs),
                                    seller_id=period.seller_id, kinds=LOAD_KINDS_READ)
    backtest = result_cache.remember(
        wh, "customer_backtest", key, lambda: _backtest_of(wh, period.seller_id, tz, as_of, core, min_repeat_customers),
        seller_id=period.seller_id, kinds=LOAD_KINDS_READ)
    return CustomerInsights(period.seller_id, period.currency, core.last_day, dict(totals), core.scored, cohorts,
                            core.model_status, core.model_reason, core.models, core.model_params, backtest)


def customer_models(wh: Warehouse, period: ReportPeriod,
                    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> CustomerModels:
    """The customers' purchase days, RFM scores and fitted models at period.as_of (no cohorts, no backtest), cached
    like customer_insights: what the predictions and the digest need."""
    return result_cache.remember(
        wh, "customer_models", _base_key(wh, period, min_repeat_customers),
        lambda: _customer_models(wh, period.seller_id, period.timezone, period.as_of_utc, min_repeat_customers),
        seller_id=period.seller_id, kinds=LOAD_KINDS_READ)


def customer_predictions(wh: Warehouse, period: ReportPeriod, horizon_days: int,
                         min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> pl.DataFrame:
    """predict_customers over customer_models for one horizon, cached like customer_insights' base."""
    return result_cache.remember(
        wh, "customer_predictions", (*_base_key(wh, period, min_repeat_customers), int(horizon_days)),
        lambda: (lambda core: predict_customers(core.scored, core.models, horizon_days))(
            customer_models(wh, period, min_repeat_customers)), seller_id=period.seller_id, kinds=LOAD_KINDS_READ)


@dataclass(frozen=True)
class CustomerLists:
    """The two customer lists as shown (the first LIST_LENGTH of each) and how many customers each stands for."""
    likely: pl.DataFrame                    # likely_regulars
    at_risk: pl.DataFrame                   # regulars_at_risk
    counts: dict[str, int]                  # list_counts


def customer_lists(wh: Warehouse, period: ReportPeriod, horizon_days: int,
                   min_repeat_customers: int = MIN_REPEAT_CUSTOMERS) -> CustomerLists:
    """The lists over customer_predictions for one horizon, cached like them: the customers page reruns on every
    widget change, and picking the lists and counting them reads every customer (~75 ms at 1.28M customers)."""
    def compute() -> CustomerLists:
        predicted = customer_predictions(wh, period, horizon_days, min_repeat_customers)
        return CustomerLists(likely_regulars(predicted), regulars_at_risk(predicted), list_counts(predicted))

    return result_cache.remember(
        wh, "customer_lists", (*_base_key(wh, period, min_repeat_customers), int(horizon_days)), compute,
        seller_id=period.seller_id, kinds=LOAD_KINDS_READ)


def _base_key(wh: Warehouse, period: ReportPeriod, min_repeat_customers: int) -> tuple[Any, ...]:
    """Everything the period-independent customer computation depends on (besides the data version)."""
    return (period.seller_id, period.timezone, last_observed_day(period.timezone, period.as_of_utc),
            latest_order_before(wh, period.seller_id, period.as_of_utc), int(min_repeat_customers))


def latest_order_before(wh: Warehouse, seller_id: str, as_of_utc: datetime) -> datetime | None:
    """The time of the seller's latest order before as_of (None: no order): with the data version, it pins down
    exactly which orders a customer computation at as_of reads."""
    return wh.scalar("SELECT max(ordered_at) FROM orders WHERE seller_id = $seller_id AND ordered_at < $as_of_utc",
                     {"seller_id": seller_id, "as_of_utc": as_of_utc})


@dataclass
class CustomerModels:
    """customer_models: the period-independent part every customer view needs (what the result cache holds)."""
    last_day: date
    days: pl.DataFrame                      # purchase_days' rows (with revenue_cents: the backtest reads them)
    daily: pl.DataFrame                     # the same rows without revenue_cents (shares their memory)
    runs: CustomerRuns                      # customer_runs(days): every per-customer figure reads these
    history: _History                       # the kept days before today (the backtest's calibration summaries)
    scored: pl.DataFrame
    model_status: str
    model_reason: str
    models: FittedModels | None
    model_params: dict[str, Any]


def _customer_models(wh: Warehouse, seller_id: str, tz: str, as_of: datetime,
                     min_repeat_customers: int) -> CustomerModels:
    last_day = last_observed_day(tz, as_of)
    history, days = _purchase_days_with_history(wh, seller_id, tz, as_of)   # everything below is in memory
    runs = customer_runs(days)              # once: the summaries, cohorts, totals and holdout counts share them
    summary = rfm_summary_exact(days, last_day, runs)
    scored = score_customers(summary, last_day)
    models, params, reason = None, {}, ""
    if summary.height == 0:
        status, reason = "no_customers", "no orders with a customer id"
    else:
        try:
            models = fit_customer_models_cached(summary, seller_id, last_day, min_repeat_customers)
            params, status = model_parameters(models, summary), "fitted"
        except clv.FitError as exc:
            status, reason = "not_enough_data", str(exc)
    return CustomerModels(last_day, days, days.drop("revenue_cents"), runs, history, scored, status, reason, models,
                          params)


@dataclass
class _CustomerBase:
    """Everything customer_insights computes apart from the period totals, at once (benches compare versions)."""
    daily: pl.DataFrame
    scored: pl.DataFrame
    cohorts: pl.DataFrame
    model_status: str
    model_reason: str
    models: FittedModels | None
    model_params: dict[str, Any]
    backtest: dict[str, Any]


def _backtest_of(wh: Warehouse, seller_id: str, tz: str, as_of: datetime, core: CustomerModels,
                 min_repeat_customers: int) -> dict[str, Any]:
    """calibration_backtest on the models' own purchase days and kept calibration summaries (no scan of its own)."""
    return calibration_backtest(wh, seller_id, tz, as_of, core.daily, min_repeat_customers, days=core.days,
                                calibration_summary=lambda cutoff: core.history.calibration(cutoff, core.runs),
                                runs=core.runs)


def _customer_base(wh: Warehouse, seller_id: str, tz: str, as_of: datetime,
                   min_repeat_customers: int) -> _CustomerBase:
    core = _customer_models(wh, seller_id, tz, as_of, min_repeat_customers)
    return _CustomerBase(core.daily, core.scored, cohort_retention(core.daily, runs=core.runs), core.model_status,
                         core.model_reason, core.models, core.model_params,
                         _backtest_of(wh, seller_id, tz, as_of, core, min_repeat_customers))


# ------------------------------------------------------------------ history: the days before today, kept

@dataclass
class _History:
    """A seller's purchase days before `last_day` (its local today), kept between computations of the customer base:
    an order pushed today changes none of them, so the next computation reads only today's orders (see
    _purchase_days_with_history). Also keeps the backtest's calibration summaries, which end before today."""
    rows: pl.DataFrame                  # purchase_days' rows as read (today's too, until days_before first runs)
    last_day: date
    end_utc: datetime                   # the rows were read up to here (as_of of the computation that read them)
    load_mark: int                      # the seller's newest orders load then (later loads are checked)
    version: Any                        # data_version_of(seller, ()) then: writes around the loader change it
    _calibrations: dict[date, pl.DataFrame] = field(default_factory=dict)

    def days_before(self) -> pl.DataFrame:
        """The rows with order_date < last_day (sorted by customer, day). Cut on first use: until then the rows are
        the very frame the customer base holds, so a history never used again costs no memory of its own."""
        latest = self.rows["order_date"].max()
        if latest is not None and latest >= self.last_day:
            self.rows = self.rows.filter(pl.col("order_date") < self.last_day)
        return self.rows

    def calibration(self, cutoff: date, runs: CustomerRuns | None = None) -> pl.DataFrame:
        """rfm_summary_exact(days, cutoff) for a cutoff before last_day (the same frame from any day's rows: `runs`,
        when given, are the customer_runs of a later day's rows, which hold these)."""
        found = self._calibrations.get(cutoff)
        if found is None:
            found = self._calibrations[cutoff] = rfm_summary_exact(self.rows, cutoff, runs)
        return found


_HISTORIES: OrderedDict[tuple[Any, ...], _History] = OrderedDict()
_HISTORIES_SIZE = 4             # stores (and scopes): a 10M-line store's history is ~170 MB once used
_HISTORIES_LOCK = threading.Lock()
history_stats = {"reused": 0, "read": 0}


def _purchase_days_with_history(wh: Warehouse, seller_id: str, tz: str, as_of: datetime
                                ) -> tuple[_History, pl.DataFrame]:
    """(the history before as_of's local day, purchase_days(wh, seller_id, tz, as_of)), the same rows bit for bit.

    When a kept history still holds (customers_history_changes.sql: no later load wrote an order of a day before
    its last day, no write around the loader, no order since its end on such a day), only the orders from its last
    day on are read (from two days before that day's local midnight, which covers every zone's offsets) and merged
    into it: their days all come after the history's within each customer. That is today's orders; on a new local
    day, also the rest of the history's day and the days since, and the merged days become the new day's history.
    Else one full scan, and a new history."""
    last_day = last_observed_day(tz, as_of)
    scope = getattr(wh, "scope", None)
    key = (str(wh.path), scope.key if scope is not None else None, seller_id, tz)
    version = wh.data_version_of(seller_id, ())
    load_mark = int(wh.scalar("SELECT coalesce(max(load_id), 0) FROM orders WHERE seller_id = $seller_id",
                              {"seller_id": seller_id}))
    with _HISTORIES_LOCK:
        history = _HISTORIES.get(key)
    if (history is not None and history.last_day <= last_day and history.version == version
            and as_of >= history.end_utc and run_sql(
                wh, "customers_history_changes", seller_id=seller_id, tz=tz, last_day=history.last_day,
                load_mark=history.load_mark, history_end_utc=history.end_utc, as_of_utc=as_of).item() == 0):
        since = history.last_day            # today, or the day the history was read on (a new day rolls it over)
        recent = purchase_days(wh, seller_id, tz, as_of, start_utc=local_midnight_utc(tz, since) - timedelta(days=2))
        recent = recent.filter(pl.col("order_date") >= since)
        days = (history.days_before().merge_sorted(recent, key="customer_id", maintain_order=True)
                .with_columns(pl.col("customer_id").set_sorted()))
        history_stats["reused"] += 1
        if since == last_day:
            return history, days
    else:
        days = purchase_days(wh, seller_id, tz, as_of)
        history_stats["read"] += 1
    history = _History(days, last_day, as_of, load_mark, version)
    with _HISTORIES_LOCK:
        _HISTORIES[key] = history
        _HISTORIES.move_to_end(key)
        while len(_HISTORIES) > _HISTORIES_SIZE:
            _HISTORIES.popitem(last=False)
    return history, days


def forget_histories() -> None:
    """Drop every kept history (benchmarks timing a first computation; tests)."""
    with _HISTORIES_LOCK:
        _HISTORIES.clear()
    history_stats.update(reused=0, read=0)


result_cache.also_clear(forget_histories)


# ------------------------------------------------------------------ plotting

def partial_month(last_day: date) -> tuple[date, date] | None:
    """(first day, last day observed) of last_day's calendar month when that month is not over yet, else None."""
    if (last_day + timedelta(days=1)).month != last_day.month:
        return None
    return last_day.replace(day=1), last_day


def plot_cohort_heatmap(cohorts: pl.DataFrame, lang: str, last_day: date | None = None) -> go.Figure:
    """Heatmap of cohort retention: rows cohort months, columns months since first purchase, colour = share.
    Cells of a calendar month not over yet on `last_day` are grey and starred: a third of a month is not a fall."""
    wide = (cohorts.with_columns(pl.col("cohort_month").dt.strftime("%Y-%m").alias("cohort"))
            .pivot(on="months_since_first", index="cohort", values="retention", sort_columns=True)
            .sort("cohort")) if cohorts.height else pl.DataFrame({"cohort": []})
    ks = [c for c in wide.columns if c != "cohort"]
    rows = wide["cohort"].to_list()
    z = [[None if v is None else round(v * 100, 1) for v in row] for row in wide.select(ks).rows()]
    partial = partial_month(last_day) if last_day is not None else None
    current = partial[0].year * 12 + partial[0].month - 1 if partial else None

    def in_partial_month(cohort: str, k: str) -> bool:
        return current is not None and int(cohort[:4]) * 12 + int(cohort[5:7]) - 1 + int(k) == current
    full = [[None if in_partial_month(c, k) else v for k, v in zip(ks, row, strict=True)]
            for c, row in zip(rows, z, strict=True)]
    part = [[v if in_partial_month(c, k) else None for k, v in zip(ks, row, strict=True)]
            for c, row in zip(rows, z, strict=True)]
    fig = go.Figure(go.Heatmap(z=full, x=[int(k) for k in ks], y=rows,
                               text=[["" if v is None else f"{v:.0f}%" for v in row] for row in full],
                               texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=100,
                               colorbar={"title": "%"},
                               hovertemplate="%{y} +%{x}: %{z:.1f}%<extra></extra>"))
    if current is not None:
        fig.add_trace(go.Heatmap(z=part, x=[int(k) for k in ks], y=rows, showscale=False,
                                 colorscale=[[0, "#e0e0e0"], [1, "#e0e0e0"]],
                                 text=[["" if v is None else f"{v:.0f}%*" for v in row] for row in part],
                                 texttemplate="%{text}", hovertemplate="%{y} +%{x}: %{z:.1f}% *<extra></extra>"))
    fig.update_layout(title=t("customers.section.cohorts", lang),
                      xaxis_title=t("customers.chart.months_since", lang),
                      yaxis_title=t("customers.chart.cohort_month", lang),
                      yaxis={"autorange": "reversed", "type": "category"},   # "2026-01" as written, not "Jan 2026"
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def plot_segment_treemap(segments: pl.DataFrame, lang: str) -> go.Figure:
    """Treemap of RFM segments sized by customers (segment table from rfm_segment_table)."""
    shown = segments.filter(pl.col("customer_count") > 0)
    fig = go.Figure(go.Treemap(labels=shown["segment_name"].to_list(), parents=[""] * shown.height,
                               values=shown["customer_count"].to_list(), textinfo="label+value+percent root"))
    fig.update_layout(title=t("customers.section.rfm", lang), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def plot_backtest(groups: pl.DataFrame, lang: str) -> go.Figure:
    """Predicted vs actual holdout purchases per customer by calibration repeat-purchase group."""
    labels = groups["frequency_label"].to_list() if groups.height else []
    fig = go.Figure([
        go.Bar(x=labels, y=groups["predicted_mean"].to_list() if groups.height else [],
               name=t("customers.chart.predicted", lang)),
        go.Bar(x=labels, y=groups["actual_mean"].to_list() if groups.height else [],
               name=t("customers.chart.actual", lang)),
    ])
    fig.update_layout(title=t("customers.section.backtest", lang), barmode="group",
                      xaxis_title=t("customers.chart.frequency_group", lang),
                      yaxis_title=t("customers.chart.purchases_per_customer", lang),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


# ------------------------------------------------------------------ report

CUSTOMER_ROW_COLUMNS = ("customer_id", "frequency", "recency", "T", "p_alive", "expected_purchases",
                        "expected_avg_value", "clv", "revenue", "order_count", "segment", "tier")


def backtest_json(backtest: dict[str, Any]) -> dict[str, Any]:
    from analytics.reports import rows_of

    out = {k: v for k, v in backtest.items() if k != "groups"}
    out["groups"] = rows_of(backtest["groups"]) if backtest.get("status") == "ok" else []
    return out


def report(wh: Warehouse, period: ReportPeriod, horizon_days: int = 365, lang: str = "en",
           **_options: object) -> dict[str, Any]:
    """The customers page's numbers for one seller at period.as_of and a prediction horizon in days."""
    from analytics.reports import definitions, rows_of

    insights = customer_insights(wh, period)
    predicted = customer_predictions(wh, period, horizon_days)
    lists = customer_lists(wh, period, horizon_days)
    return {
        "report": "customers",
        "period": period.to_json(),
        "definitions": definitions(*CUSTOMER_METRICS),
        "totals": insights.totals,
        "conventions": {
            "transaction": "one customer-day (all kept orders of a customer on one local day)",
            "time_unit": "day (frequency = repeat purchase days; recency, T in days; T to the local day of as_of)",
            "last_day": insights.last_day.isoformat(),
            "clv": f"expected purchases in {horizon_days} days x expected spend per purchase, undiscounted",
            "horizon_days": horizon_days,
        },
        "cohorts": rows_of(insights.cohorts),
        "rfm_segments": rows_of(rfm_segment_table(insights.scored, lang)),
        "vip_tiers": rows_of(vip_tier_table(insights.scored, lang)),
        "model": {"status": insights.model_status, "reason": insights.model_reason, **insights.model_params},
        "backtest": backtest_json(insights.backtest),
        "likely_regulars": rows_of(lists.likely),
        "at_risk": rows_of(lists.at_risk),
        "list_counts": lists.counts,
        "customers": predicted.select(CUSTOMER_ROW_COLUMNS),    # one row per customer: a frame (reports.py)
    }
