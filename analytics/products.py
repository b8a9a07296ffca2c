"""What sells: product ranking, significant movers, ABC classes, profitability, return trouble and the products report."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import korean_count_axes, korean_money_axes, t
from analytics.metrics import format_money
from analytics.period import ReportPeriod
from analytics.queries import in_parallel, run_sql
from analytics.sellers import local_midnight_utc, local_today
from data.warehouse import Warehouse

# ---------------------------------------------------------------- rules (stated in the report and on the page)
FALSE_DISCOVERY_RATE = 0.05   # Benjamini–Hochberg over the products tested (movers and trouble)
MOVER_MIN_ORDERS = 10         # orders of the product in both periods together
ABC_A_SHARE = 0.80            # A: the top products making 80 % of revenue
ABC_B_SHARE = 0.95            # B: the next 15 %; C: the rest
TROUBLE_RECENT_DAYS = 14
TROUBLE_HISTORY_DAYS = 56     # the 8 weeks before the recent window
TROUBLE_MIN_UNITS = 10        # units sold in the recent window
TROUBLE_MIN_CLAIMS = 3        # claims (return rows) in the recent window: three separate returns or exchanges
TROUBLE_PRIOR_UNITS = 20.0    # the own unit rate shown is shrunk toward the store rate with this many pseudo-units
TROUBLE_PRIOR_ORDERS = 20.0   # the own claims per order tested, toward the store's, with this many pseudo-orders

def rules_text(lang: str = "en") -> dict[str, str]:
    """The rule behind each section (ranking, movers, abc, profitability, trouble, reorder) in `lang`."""
    from analytics.product_forecast import reorder_rule_text

    values = {
        "movers": {"min_orders": MOVER_MIN_ORDERS, "fdr": f"{FALSE_DISCOVERY_RATE:.0%}"},
        "abc": {"a": f"{ABC_A_SHARE:.0%}", "b": f"{ABC_B_SHARE - ABC_A_SHARE:.0%}"},
        "trouble": {"recent": TROUBLE_RECENT_DAYS, "weeks": TROUBLE_HISTORY_DAYS // 7,
                    "prior": f"{TROUBLE_PRIOR_ORDERS:.0f}", "fdr": f"{FALSE_DISCOVERY_RATE:.0%}",
                    "min_units": TROUBLE_MIN_UNITS, "min_claims": TROUBLE_MIN_CLAIMS},
    }
    rules = {name: t(f"products.rules.{name}", lang, **values.get(name, {}))
             for name in ("ranking", "movers", "abc", "profitability", "trouble")}
    rules["reorder"] = reorder_rule_text(lang)
    return rules


_SALES_SCHEMA = {"sku": pl.String, "product_name": pl.String, "category": pl.String, "units": pl.Int64,
                 "order_count": pl.Int64, "gross_sales": pl.Float64, "line_discount": pl.Float64,
                 "order_discount": pl.Float64, "revenue": pl.Float64, "unit_cost": pl.Float64, "cost": pl.Float64}
_CLAIMS_SCHEMA = {"sku": pl.String, "claimed_units": pl.Int64, "returned_units": pl.Int64,
                  "refund_amount": pl.Float64, "claim_count": pl.Int64}


# ---------------------------------------------------------------- SQL wrappers (one per file)

def products_sales_by_sku(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> pl.DataFrame:
    """Per sku in [start_utc, end_utc): sku, product_name, category, units, order_count, gross_sales,
    line_discount, order_discount (share of order discounts), revenue (net of both), unit_cost, cost."""
    frame = run_sql(wh, "products_sales_by_sku", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc)
    return frame.cast(_SALES_SCHEMA).select(list(_SALES_SCHEMA)) if frame.height else pl.DataFrame(
        schema=_SALES_SCHEMA)


def products_order_totals(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> dict[str, float]:
    """The store's order_count, units and revenue in [start_utc, end_utc) (kpi_totals definitions)."""
    row = run_sql(wh, "products_order_totals", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc).row(
        0, named=True)
    return {"order_count": int(row["order_count"] or 0), "units": int(row["units"] or 0),
            "revenue": float(row["revenue"] or 0.0)}


def products_claims_by_sku(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> pl.DataFrame:
    """Per sku, returns and exchanges claimed in [start_utc, end_utc): sku, claimed_units (return + exchange),
    returned_units (return only), refund_amount (money back on returns), claim_count."""
    frame = run_sql(wh, "products_claims_by_sku", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc)
    return frame.cast(_CLAIMS_SCHEMA) if frame.height else pl.DataFrame(schema=_CLAIMS_SCHEMA)


def products_ad_landing_revenue(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime,
                                orders_until_utc: datetime) -> pl.DataFrame:
    """Per landing sku: ad_order_revenue and ad_order_count of converted 'ads' visits started in the window, from
    their orders placed before orders_until_utc (the report's as-of time: nothing after it is read)."""
    frame = run_sql(wh, "products_ad_landing_revenue", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc,
                    scan_start_utc=start_utc, scan_end_utc=orders_until_utc)
    schema = {"sku": pl.String, "ad_order_revenue": pl.Float64, "ad_order_count": pl.Int64}
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def products_ad_spend_total(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> float:
    """All ad spend of the seller on local stat dates [start_date, end_date]."""
    frame = run_sql(wh, "products_ad_spend_total", seller_id=seller_id, start_date=start_date, end_date=end_date)
    return float(frame["ad_spend"][0] or 0.0)


# ---------------------------------------------------------------- multiple testing

def benjamini_hochberg(p_values: list[float], rate: float = FALSE_DISCOVERY_RATE) -> list[bool]:
    """Which of `p_values` are discoveries at false discovery rate `rate` (Benjamini–Hochberg step-up)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cutoff = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= rate * rank / m:
            cutoff = rank
    chosen = set(order[:cutoff])
    return [i in chosen for i in range(m)]


def binomial_two_sided_p(k, n, p: float):
    """scipy.stats.binomtest(k, n, p).pvalue for arrays k, n (0 <= k <= n, n >= 1) in one vectorised pass.

    The same exact two-sided test, step for step: the other tail holds every count whose probability is at most
    pmf(k) * (1 + 1e-7), found by the same binary search on the same binomial pmf, here for all products at once
    (binomtest costs ~1.3 ms a call: 3.5 s for 2,600 products). tests/test_products.py checks it against binomtest."""
    from scipy.stats import binom

    k, n = np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64)
    d = binom.pmf(k, n, p) * (1 + 1e-7)
    below = k < p * n                                       # the other tail is above the mode, else below it
    sign = np.where(below, -1.0, 1.0)                       # search an ascending function: -pmf above the mode
    lo = np.where(below, np.ceil(p * n), 0).astype(np.int64)
    hi = np.where(below, n, np.floor(p * n)).astype(np.int64)
    target = sign * d
    found = np.full(k.shape, -1, dtype=np.int64)
    active = lo < hi
    while active.any():
        mid = lo + (hi - lo) // 2
        value = sign * binom.pmf(mid, n, p)
        lo = np.where(active & (value < target), mid + 1, lo)
        hi = np.where(active & (value > target), mid - 1, hi)
        equal = active & (value == target)
        found = np.where(equal, mid, found)
        active &= ~equal & (lo < hi)
    ix = np.where(found >= 0, found, np.where(sign * binom.pmf(lo, n, p) <= target, lo, lo - 1))
    y_above = n - ix + (d == binom.pmf(ix, n, p))
    p_value = np.where(below, binom.cdf(k, n, p) + binom.sf(n - y_above, n, p),
                       binom.cdf(ix, n, p) + binom.sf(k - 1, n, p))
    return np.where(k == p * n, 1.0, np.minimum(1.0, p_value))


# ---------------------------------------------------------------- ranking

def _change_pct(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    return pl.when(before.is_not_null() & (before != 0)).then((now - before) / before.abs() * 100.0).otherwise(None)


def product_ranking(current: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Products of the period ranked by revenue, with the previous period beside them.

    Columns: rank (by revenue), sku, product_name, category, revenue, units, order_count, cost, margin
    (revenue − cost; null when the unit cost is unknown), margin_rate (margin ÷ revenue), units_rank,
    margin_rank, previous_revenue, previous_units, previous_margin (0 when the product did not sell then),
    revenue_change_pct, units_change_pct, margin_change_pct (null when the previous value is 0).
    """
    def shaped(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns((pl.col("revenue") - pl.col("cost")).alias("margin"))

    now = shaped(current)
    before = shaped(previous).select("sku", pl.col("revenue").alias("previous_revenue"),
                                     pl.col("units").alias("previous_units"),
                                     pl.col("margin").alias("previous_margin"))
    ranked = (now.join(before, on="sku", how="left")
              .with_columns(pl.col("previous_revenue").fill_null(0.0), pl.col("previous_units").fill_null(0),
                            pl.when(pl.col("previous_revenue").is_null() & pl.col("margin").is_not_null())
                            .then(0.0).otherwise(pl.col("previous_margin")).alias("previous_margin"))
              .sort(["revenue", "sku"], descending=[True, False])
              .with_columns(
                  pl.int_range(1, pl.len() + 1).alias("rank"),
                  pl.col("units").rank("min", descending=True).cast(pl.Int64).alias("units_rank"),
                  pl.col("margin").rank("min", descending=True).cast(pl.Int64).alias("margin_rank"),
                  pl.when(pl.col("revenue") != 0).then(pl.col("margin") / pl.col("revenue")).alias("margin_rate"),
              )
              .with_columns(
                  _change_pct(pl.col("revenue"), pl.col("previous_revenue")).alias("revenue_change_pct"),
                  _change_pct(pl.col("units").cast(pl.Float64), pl.col("previous_units").cast(pl.Float64))
                  .alias("units_change_pct"),
                  _change_pct(pl.col("margin"), pl.col("previous_margin")).alias("margin_change_pct"),
              ))
    return ranked.select("rank", "sku", "product_name", "category", "revenue", "units", "order_count", "cost",
                         "margin", "margin_rate", "units_rank", "margin_rank", "previous_revenue", "previous_units",
                         "previous_margin", "revenue_change_pct", "units_change_pct", "margin_change_pct")


def ranking_sorted_by(ranking: pl.DataFrame, metric: str) -> pl.DataFrame:
    """The ranking ordered by `metric` (revenue | units | margin), largest first, unknown margins last."""
    return ranking.sort([metric, "sku"], descending=[True, False], nulls_last=True)


# ---------------------------------------------------------------- movers

def product_movers(current: pl.DataFrame, previous: pl.DataFrame, store_orders: int,
                   previous_store_orders: int) -> pl.DataFrame:
    """Products whose share of store orders changed significantly between the previous and this period.

    Test (see rules_text()["movers"]): given the product's n = x + y orders (x now, y before), x ~ Binomial(n, p0) with
    p0 = store orders now ÷ store orders in both periods under "no change in its share"; Benjamini–Hochberg
    over the products with at least MOVER_MIN_ORDERS orders. Columns: sku,
    product_name, order_count, previous_order_count, units, previous_units, revenue, previous_revenue,
    order_share, previous_order_share (of store orders), share_change_pct, p_value, direction (rising|falling),
    sorted by p_value. Only significant products are returned.
    """
    schema = {"sku": pl.String, "product_name": pl.String, "order_count": pl.Int64, "previous_order_count": pl.Int64,
              "units": pl.Int64, "previous_units": pl.Int64, "revenue": pl.Float64, "previous_revenue": pl.Float64,
              "order_share": pl.Float64, "previous_order_share": pl.Float64, "share_change_pct": pl.Float64,
              "p_value": pl.Float64, "direction": pl.String}
    if store_orders <= 0 or previous_store_orders <= 0:
        return pl.DataFrame(schema=schema)
    cols = ["sku", "product_name", "order_count", "units", "revenue"]
    both = current.select(cols).join(
        previous.select(cols).rename({c: f"previous_{c}" for c in cols if c != "sku"}), on="sku", how="full",
        coalesce=True).with_columns(
        pl.coalesce("product_name", "previous_product_name").alias("product_name"),
        pl.col("order_count", "previous_order_count", "units", "previous_units").fill_null(0),
        pl.col("revenue", "previous_revenue").fill_null(0.0))
    p0 = store_orders / (store_orders + previous_store_orders)
    tested = [r for r in both.iter_rows(named=True) if r["order_count"] + r["previous_order_count"] >= MOVER_MIN_ORDERS]
    p_values = binomial_two_sided_p([r["order_count"] for r in tested],
                                    [r["order_count"] + r["previous_order_count"] for r in tested], p0).tolist()
    rows = []
    for r, p_value, significant in zip(tested, p_values, benjamini_hochberg(p_values), strict=True):
        if not significant:
            continue
        x, y = r["order_count"], r["previous_order_count"]
        share, previous_share = x / store_orders, y / previous_store_orders
        rows.append({"sku": r["sku"], "product_name": r["product_name"], "order_count": x, "previous_order_count": y,
                     "units": r["units"], "previous_units": r["previous_units"], "revenue": r["revenue"],
                     "previous_revenue": r["previous_revenue"], "order_share": share,
                     "previous_order_share": previous_share,
                     "share_change_pct": (share - previous_share) / previous_share * 100 if previous_share else None,
                     "p_value": float(p_value), "direction": "rising" if share > previous_share else "falling"})
    return pl.DataFrame(rows, schema=schema).sort(["p_value", "sku"])


# ---------------------------------------------------------------- ABC

def abc_classes(ranking: pl.DataFrame) -> pl.DataFrame:
    """ABC / Pareto classes by revenue (rules_text()["abc"]).

    Columns: rank, sku, product_name, revenue, revenue_share (of the period's product revenue), cumulative_share
    (including this product), abc_class (A | B | C). A product is A while the share before it is below 80 %.
    """
    frame = ranking.select("rank", "sku", "product_name", "revenue").sort(["revenue", "sku"],
                                                                         descending=[True, False])
    total = float(frame["revenue"].clip(lower_bound=0).sum()) if frame.height else 0.0
    share = (pl.col("revenue").clip(lower_bound=0) / total) if total > 0 else pl.lit(0.0)
    return (frame.with_columns(share.alias("revenue_share"))
            .with_columns(pl.col("revenue_share").cum_sum().alias("cumulative_share"))
            .with_columns((pl.col("cumulative_share") - pl.col("revenue_share")).alias("_before"))
            .with_columns(pl.when((pl.col("revenue") > 0) & (pl.col("_before") < ABC_A_SHARE - 1e-12)).then(pl.lit("A"))
                          .when((pl.col("revenue") > 0) & (pl.col("_before") < ABC_B_SHARE - 1e-12)).then(pl.lit("B"))
                          .otherwise(pl.lit("C")).alias("abc_class"))
            .drop("_before"))


def abc_summary(abc: pl.DataFrame) -> pl.DataFrame:
    """Per class: abc_class, product_count, revenue, revenue_share."""
    return (abc.group_by("abc_class").agg(pl.len().cast(pl.Int64).alias("product_count"),
                                          pl.col("revenue").sum(), pl.col("revenue_share").sum())
            .sort("abc_class"))


# ---------------------------------------------------------------- profitability

def product_profitability(sales: pl.DataFrame, claims: pl.DataFrame, ad_landing: pl.DataFrame,
                          ad_spend: float) -> tuple[pl.DataFrame, str]:
    """Per product profit after discounts, cost, refunds and attributed ad spend (rules_text()["profitability"]).

    Returns (frame, ad_spend_rule). Columns: sku, product_name, gross_sales, discounts, revenue, cost, refunds,
    ad_spend, profit (null when the unit cost is unknown), profit_margin (profit ÷ revenue), ad_order_revenue,
    sorted by profit ascending (losses first). ad_spend_rule: 'ads_landing_revenue', 'revenue_share' (fallback
    when no ads visit converted) or 'no_spend'.
    """
    base = sales.select("sku", "product_name", "gross_sales",
                        (pl.col("line_discount") + pl.col("order_discount")).alias("discounts"), "revenue", "cost")
    refunds = claims.select("sku", pl.col("refund_amount").alias("refunds"))
    frame = (base.join(refunds, on="sku", how="full", coalesce=True)
             .join(ad_landing.select("sku", "ad_order_revenue"), on="sku", how="left")
             .with_columns(pl.col("gross_sales", "discounts", "revenue", "refunds", "ad_order_revenue").fill_null(0.0),
                           pl.col("product_name").fill_null(pl.col("sku")),
                           pl.when(pl.col("cost").is_null() & pl.col("revenue").is_null()).then(0.0)
                           .otherwise(pl.col("cost")).alias("cost")))
    landing_total = float(frame["ad_order_revenue"].sum()) if frame.height else 0.0
    revenue_total = float(frame["revenue"].clip(lower_bound=0).sum()) if frame.height else 0.0
    if ad_spend <= 0:
        rule, weight = "no_spend", pl.lit(0.0)
    elif landing_total > 0:
        rule, weight = "ads_landing_revenue", pl.col("ad_order_revenue") / landing_total
    elif revenue_total > 0:
        rule, weight = "revenue_share", pl.col("revenue").clip(lower_bound=0) / revenue_total
    else:
        rule, weight = "unattributed", pl.lit(0.0)
    frame = (frame.with_columns((weight * ad_spend).alias("ad_spend"))
             .with_columns((pl.col("revenue") - pl.col("cost") - pl.col("refunds") - pl.col("ad_spend"))
                           .alias("profit"))
             .with_columns(pl.when(pl.col("revenue") != 0).then(pl.col("profit") / pl.col("revenue"))
                           .alias("profit_margin"))
             .sort(["profit", "sku"], nulls_last=True))
    return frame.select("sku", "product_name", "gross_sales", "discounts", "revenue", "cost", "refunds", "ad_spend",
                        "profit", "profit_margin", "ad_order_revenue"), rule


# ---------------------------------------------------------------- trouble (return / claim rate)

def trouble_windows(tz: str, as_of_utc: datetime) -> dict[str, datetime]:
    """UTC bounds: recent = the last 14 local days (today included) up to as_of; history = the 8 weeks before."""
    today = local_today(tz, as_of_utc)
    recent_start = local_midnight_utc(tz, today - timedelta(days=TROUBLE_RECENT_DAYS - 1))
    history_start = local_midnight_utc(tz, today - timedelta(days=TROUBLE_RECENT_DAYS + TROUBLE_HISTORY_DAYS - 1))
    return {"recent_start_utc": recent_start, "recent_end_utc": as_of_utc,
            "history_start_utc": history_start, "history_end_utc": recent_start}


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float | None, float | None]:
    """The Wilson score interval of successes/trials (95 % by default); (None, None) without trials."""
    if trials <= 0:
        return None, None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * (p * (1 - p) / trials + z * z / (4 * trials * trials)) ** 0.5 / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def product_trouble(recent_sales: pl.DataFrame, recent_claims: pl.DataFrame, history_sales: pl.DataFrame,
                    history_claims: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, float]]:
    """Claim rate per product in the recent window against its own history and the store (rules_text()["trouble"]).

    The rates shown are in units (returned + exchanged units ÷ units sold); the tests count claims (return rows)
    per order carrying the product, because a claim takes back its whole line: one return of a 3-unit line is one
    event, not three independent ones, and testing units flagged ordinary products after a single multi-unit return.

    Returns (frame, store) where store = {units, claimed_units, claim_rate, orders, claims, claims_per_order} of
    the history window. Columns: sku, product_name, units, claimed_units, claim_rate, claim_rate_low,
    claim_rate_high (Wilson 95 %, of units), history_units, history_claimed_units, history_claim_rate (raw),
    own_baseline (units, shrunk), store_claim_rate, order_count, claim_count, history_order_count,
    history_claim_count, own_claims_per_order (shrunk), store_claims_per_order, p_vs_own, p_vs_store (of claims per
    order), flagged (see rules_text()["trouble"]), rate_ratio (claim_rate ÷ max unit baseline); flagged first, then
    by p_vs_store.
    """
    from scipy.stats import binom

    counts = ("units", "order_count", "claimed_units", "claim_count")

    def joined(sales: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
        return (sales.select("sku", "product_name", "units", "order_count")
                .join(claims.select("sku", "claimed_units", "claim_count"), on="sku", how="full", coalesce=True)
                .with_columns(pl.col(*counts).fill_null(0).cast(pl.Int64)))

    recent = joined(recent_sales, recent_claims)
    history = joined(history_sales, history_claims)
    store = {c: int(history[c].sum()) if history.height else 0 for c in counts}
    store_rate = store["claimed_units"] / store["units"] if store["units"] else 0.0
    store_per_order = store["claim_count"] / store["order_count"] if store["order_count"] else 0.0
    frame = recent.join(history.select("sku", pl.col("product_name").alias("_history_name"),
                                       *[pl.col(c).alias(f"history_{c}") for c in counts]), on="sku", how="left")
    frame = frame.with_columns(pl.col(f"history_{c}").fill_null(0) for c in counts)
    # P(X >= k) of the claims under each baseline, for every product in one call; claims above the orders (late
    # claims) are capped at n; without orders or without a baseline rate, P = 1 for no claims, else 0
    n_all = frame["order_count"].to_numpy().astype(np.int64)
    k_all = np.minimum(frame["claim_count"].to_numpy().astype(np.int64), n_all)
    own_all = ((frame["history_claim_count"].to_numpy() + TROUBLE_PRIOR_ORDERS * store_per_order)
               / (frame["history_order_count"].to_numpy() + TROUBLE_PRIOR_ORDERS))

    def tail(rate: np.ndarray) -> list[float]:
        testable = (n_all > 0) & (rate > 0)
        with np.errstate(invalid="ignore"):
            sf = binom.sf(k_all - 1, n_all, np.minimum(rate, 1.0))
        return np.where(testable, sf, np.where(k_all == 0, 1.0, 0.0)).tolist()

    p_own_all, p_store_all = tail(own_all), tail(np.full(n_all.shape, store_per_order))
    rows = []
    for r, own_per_order, p_own, p_store in zip(frame.iter_rows(named=True), own_all.tolist(), p_own_all,
                                                p_store_all, strict=True):
        n, k = int(r["units"]), int(r["claimed_units"])
        hn, hk = int(r["history_units"]), int(r["history_claimed_units"])
        own = (hk + TROUBLE_PRIOR_UNITS * store_rate) / (hn + TROUBLE_PRIOR_UNITS)
        low, high = wilson_interval(min(k, n), n)
        rate = k / n if n else None
        baseline = max(own, store_rate)
        rows.append({"sku": r["sku"], "product_name": r["product_name"] or r["_history_name"] or r["sku"],
                     "units": n, "claimed_units": k, "claim_rate": rate, "claim_rate_low": low,
                     "claim_rate_high": high, "history_units": hn, "history_claimed_units": hk,
                     "history_claim_rate": hk / hn if hn else None, "own_baseline": own,
                     "store_claim_rate": store_rate, "order_count": int(r["order_count"]),
                     "claim_count": int(r["claim_count"]), "history_order_count": int(r["history_order_count"]),
                     "history_claim_count": int(r["history_claim_count"]), "own_claims_per_order": own_per_order,
                     "store_claims_per_order": store_per_order, "p_vs_own": p_own, "p_vs_store": p_store,
                     "flagged": False, "rate_ratio": rate / baseline if rate is not None and baseline else None})
    schema = {"sku": pl.String, "product_name": pl.String, "units": pl.Int64, "claimed_units": pl.Int64,
              "claim_rate": pl.Float64, "claim_rate_low": pl.Float64, "claim_rate_high": pl.Float64,
              "history_units": pl.Int64, "history_claimed_units": pl.Int64, "history_claim_rate": pl.Float64,
              "own_baseline": pl.Float64, "store_claim_rate": pl.Float64, "order_count": pl.Int64,
              "claim_count": pl.Int64, "history_order_count": pl.Int64, "history_claim_count": pl.Int64,
              "own_claims_per_order": pl.Float64, "store_claims_per_order": pl.Float64, "p_vs_own": pl.Float64,
              "p_vs_store": pl.Float64, "flagged": pl.Boolean, "rate_ratio": pl.Float64}
    tested = [i for i, r in enumerate(rows) if r["units"] >= TROUBLE_MIN_UNITS]
    discoveries = benjamini_hochberg([max(rows[i]["p_vs_own"], rows[i]["p_vs_store"]) for i in tested])
    for i, discovered in zip(tested, discoveries, strict=True):
        rows[i]["flagged"] = discovered and rows[i]["claim_count"] >= TROUBLE_MIN_CLAIMS
    out = pl.DataFrame(rows, schema=schema).sort(["flagged", "p_vs_store", "sku"], descending=[True, False, False])
    return out, {"units": store["units"], "claimed_units": store["claimed_units"], "claim_rate": store_rate,
                 "orders": store["order_count"], "claims": store["claim_count"], "claims_per_order": store_per_order}


# ---------------------------------------------------------------- the whole area

def products_overview(wh: Warehouse, period: ReportPeriod) -> dict[str, object]:
    """Every section of the products area for one period, as frames (the page and the report share it).

    Keys: totals (dict), previous_totals (dict), ranking, movers, abc, abc_summary, profitability, ad_spend_rule,
    trouble, store_claims (dict), trouble_windows (dict), reorder (frame from product_forecast.reorder_advice).
    Computed once per period and data version (analytics.result_cache): shared, so callers must not modify it.
    """
    return result_cache.remember(wh, "products_overview", (period,), lambda: _products_overview(wh, period),
                                 seller_id=period.seller_id)


def _products_overview(wh: Warehouse, period: ReportPeriod) -> dict[str, object]:
    from analytics.product_forecast import reorder_advice

    previous = period.previous()
    sid = period.seller_id
    windows = trouble_windows(period.timezone, period.as_of_utc)
    recent, history = ((windows[f"{w}_start_utc"], windows[f"{w}_end_utc"]) for w in ("recent", "history"))
    # the longest first (the demand forecasts, then the attribution of orders to landing products)
    (reorder, ad_landing, sales, previous_sales, orders_now, orders_before, claims, ad_spend,
     recent_sales, recent_claims, history_sales, history_claims) = in_parallel(
        lambda: reorder_advice(wh, sid, period.timezone, period.as_of_utc),
        lambda: products_ad_landing_revenue(wh, sid, period.start_utc, period.end_utc, period.as_of_utc),
        lambda: products_sales_by_sku(wh, sid, period.start_utc, period.end_utc),
        lambda: products_sales_by_sku(wh, sid, previous.start_utc, previous.end_utc),
        lambda: products_order_totals(wh, sid, period.start_utc, period.end_utc),
        lambda: products_order_totals(wh, sid, previous.start_utc, previous.end_utc),
        lambda: products_claims_by_sku(wh, sid, period.start_utc, period.end_utc),
        lambda: products_ad_spend_total(wh, sid, period.start_date, period.end_date),
        lambda: products_sales_by_sku(wh, sid, *recent),
        lambda: products_claims_by_sku(wh, sid, *recent),
        lambda: products_sales_by_sku(wh, sid, *history),
        lambda: products_claims_by_sku(wh, sid, *history))
    ranking = product_ranking(sales, previous_sales)
    movers = product_movers(sales, previous_sales, orders_now["order_count"], orders_before["order_count"])
    abc = abc_classes(ranking)
    profitability, ad_rule = product_profitability(sales, claims, ad_landing, ad_spend)
    trouble, store_claims = product_trouble(recent_sales, recent_claims, history_sales, history_claims)

    # cost, margin and profit cover the products with a unit cost; with sales but no such product they are unknown
    # (None, shown as "–"), not 0: an export without costs (Smart Store, Shopify, Online Retail) has no margin to show
    costed = ranking.filter(pl.col("margin").is_not_null())
    known = costed.height > 0 or ranking.height == 0
    previous_costed = previous_sales.filter(pl.col("cost").is_not_null())
    totals = {
        "revenue": round(float(sales["revenue"].sum()), 2) if sales.height else 0.0,
        "units": int(sales["units"].sum()) if sales.height else 0,
        "orders": orders_now["order_count"],
        "cost": round(float(costed["cost"].sum()), 2) if known else None,
        "margin": round(float(costed["margin"].sum()), 2) if known else None,
        "gross_sales": round(float(sales["gross_sales"].sum()), 2) if sales.height else 0.0,
        "discounts": round(float(profitability["discounts"].sum()), 2) if profitability.height else 0.0,
        "refunds": round(float(profitability["refunds"].sum()), 2) if profitability.height else 0.0,
        "ad_spend": round(ad_spend, 2),
        "profit": round(float(profitability["profit"].sum()), 2) if known else None,
        "product_count": ranking.height,
        "costed_product_count": costed.height,                      # products with a unit cost that sold
        "costed_revenue": round(float(costed["revenue"].sum()), 2),  # their revenue: what margin and profit cover
    }
    previous_totals = {
        "revenue": round(float(previous_sales["revenue"].sum()), 2) if previous_sales.height else 0.0,
        "units": int(previous_sales["units"].sum()) if previous_sales.height else 0,
        "orders": orders_before["order_count"],
        "margin": round(float((previous_costed["revenue"] - previous_costed["cost"]).sum()), 2)
        if previous_costed.height or not previous_sales.height else None,
    }
    return {"totals": totals, "previous_totals": previous_totals, "ranking": ranking, "movers": movers, "abc": abc,
            "abc_summary": abc_summary(abc), "profitability": profitability, "ad_spend_rule": ad_rule,
            "trouble": trouble, "store_claims": store_claims, "trouble_windows": windows, "reorder": reorder}


PRODUCT_METRICS = ("product_revenue", "product_units", "product_orders", "product_cost", "product_margin",
                   "product_revenue_change", "product_mover", "product_revenue_share", "product_abc_class",
                   "product_discounts", "product_refunds", "product_ad_spend", "product_profit",
                   "product_claim_rate", "product_trouble_flag", "product_demand_forecast", "product_days_of_cover",
                   "product_reorder_qty", "product_lost_sales")


def report(wh: Warehouse, period: ReportPeriod, lang: object = "en", **_options: object) -> dict[str, object]:
    """The products page's numbers: totals, ranking rows, movers, ABC, profitability, trouble and reorder advice."""
    from analytics.reports import definitions, rows_of

    o = products_overview(wh, period)
    return {
        "report": "products",
        "period": period.to_json(),
        "previous_period": period.previous().to_json(),
        "definitions": definitions(*PRODUCT_METRICS),
        "rules": {**rules_text(lang if isinstance(lang, str) else "en"), "ad_spend_rule_used": o["ad_spend_rule"]},
        "totals": o["totals"],
        "previous_totals": o["previous_totals"],
        "rows": rows_of(o["ranking"]),
        "movers": rows_of(o["movers"]),
        "abc": rows_of(o["abc"]),
        "abc_summary": rows_of(o["abc_summary"]),
        "profitability": rows_of(o["profitability"]),
        "trouble": rows_of(o["trouble"]),
        "trouble_window": {k: v.isoformat(sep=" ") for k, v in o["trouble_windows"].items()},
        "store_claims": o["store_claims"],
        "reorder": rows_of(o["reorder"]),
    }


# ---------------------------------------------------------------- figures

def plot_pareto(abc: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    """Revenue bars per product (coloured by ABC class) with the cumulative share line on a second axis."""
    colours = {"A": "#2e7d32", "B": "#f9a825", "C": "#9e9e9e"}
    names = abc["product_name"].to_list()
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=names, y=abc["revenue"].to_list(), name=t("products.chart.revenue", lang),
        marker_color=[colours[c] for c in abc["abc_class"].to_list()],
        hovertext=[f"{n}<br>{format_money(r, currency)} · {c}" for n, r, c in
                   zip(names, abc["revenue"].to_list(), abc["abc_class"].to_list(), strict=True)],
        hoverinfo="text"))
    fig.add_trace(go.Scatter(x=names, y=[v * 100 for v in abc["cumulative_share"].to_list()], yaxis="y2",
                             mode="lines+markers", name=t("products.chart.cumulative_share", lang)))
    fig.update_layout(
        title=t("products.chart.pareto", lang),
        yaxis={"title": f"{t('products.chart.revenue', lang)} ({currency})"},
        yaxis2={"title": "%", "overlaying": "y", "side": "right", "range": [0, 105], "tickmode": "array",
                "tickvals": [0, 20, 40, 60, 80, 100], "ticksuffix": "%", "showgrid": False},   # not 17.2, 34.3, ...
        xaxis={"showticklabels": abc.height <= 30},
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2", "y0": y, "y1": y,
                 "line": {"dash": "dot", "color": "#888"}} for y in (ABC_A_SHARE * 100, ABC_B_SHARE * 100)],
        margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h"})
    return korean_money_axes(fig, lang, currency)


def plot_top_products(ranking: pl.DataFrame, metric: str, lang: str, currency: str, top: int = 15) -> go.Figure:
    """Horizontal bars of the top `top` products by `metric` (revenue | units | margin), previous period beside."""
    previous_col = {"revenue": "previous_revenue", "units": "previous_units", "margin": "previous_margin"}[metric]
    frame = ranking.filter(pl.col(metric).is_not_null()).sort(metric, descending=True).head(top).reverse()
    names = frame["product_name"].to_list()
    fmt = (lambda v: f"{v:,.0f}") if metric == "units" else (lambda v: format_money(v, currency))
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=frame[previous_col].cast(pl.Float64).to_list(), orientation="h",
                         name=t("products.chart.previous_period", lang), marker_color="#bdbdbd",
                         hovertext=[fmt(v or 0) for v in frame[previous_col].to_list()], hoverinfo="text+y"))
    fig.add_trace(go.Bar(y=names, x=frame[metric].cast(pl.Float64).to_list(), orientation="h",
                         name=t("products.chart.this_period", lang), marker_color="#1565c0",
                         hovertext=[fmt(v) for v in frame[metric].to_list()], hoverinfo="text+y"))
    fig.update_layout(title=t(f"products.chart.top_by_{metric}", lang), barmode="group",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h"},
                      height=max(350, 28 * frame.height + 120))
    if metric == "units":
        return korean_count_axes(fig, lang, ("x",))
    return korean_money_axes(fig, lang, currency, ("x",))
