"""Is ad money well spent: efficiency per platform/campaign/ad group/keyword, waste, break-even ROAS, ROAS falls,
response curves and where the next 10% of the budget is best spent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import date_axis, korean_money_axes, names, t
from analytics.metrics import format_money
from analytics.period import ReportPeriod
from analytics.queries import in_parallel, run_sql
from analytics.sellers import local_midnight_utc
from data.warehouse import Warehouse

# grain -> the columns that identify one row at that grain
GRAINS: dict[str, tuple[str, ...]] = {
    "platform": ("platform",),
    "campaign": ("platform", "campaign"),
    "ad_group": ("platform", "campaign", "ad_group"),
    "keyword": ("platform", "campaign", "ad_group", "keyword"),
}
ADDITIVE = ("spend", "impressions", "clicks", "conversions", "conversion_revenue")

# ROAS fall: the last RECENT_DAYS complete days against the BASELINE_DAYS before them.
RECENT_DAYS = 7
BASELINE_DAYS = 28
# One-sided significance level of both ROAS tests. Strict on purpose: a store runs ~10 campaigns and looks every
# day, so 5% would raise about one false alarm a week; 1% keeps that near one a month.
ALPHA = 0.01
MIN_FALL = 0.30            # a flag needs conversions per click at least 30% below the baseline (effect size)
TREND_DAYS = 84            # ROAS trend: Poisson regression over the last 12 weeks
MIN_TREND_DAYS = 21
MIN_TREND_CONVERSIONS = 10
FIT_DAYS = 84              # response curve: daily spend vs conversion revenue over the last 12 weeks
MIN_FIT_DAYS = 21          # days with spend
MIN_FIT_REVENUE_DAYS = 5   # days with conversion revenue
CURRENT_SPEND_DAYS = 28    # "current spend" = mean daily spend over the last 28 complete days
BUDGET_SHARE = 0.10        # the next 10% of the total budget
BUDGET_CHUNKS = 20         # allocated greedily in 20 equal steps
MAX_INCREASE = 0.5         # no campaign gets more than +50% of its current spend (beyond that the curve extrapolates)

LINE_SCHEMA = {"platform": pl.String, "campaign": pl.String, "ad_group": pl.String, "keyword": pl.String,
               "spend": pl.Float64, "impressions": pl.Int64, "clicks": pl.Int64, "conversions": pl.Int64,
               "conversion_revenue": pl.Float64, "active_day_count": pl.Int64}
DAY_SCHEMA = {"stat_date": pl.Date, "platform": pl.String, "campaign": pl.String, "spend": pl.Float64,
              "impressions": pl.Int64, "clicks": pl.Int64, "conversions": pl.Int64,
              "conversion_revenue": pl.Float64}


# ---------------------------------------------------------------- SQL

def ads_line_totals(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    """Totals per ad line over local stat dates [start_date, end_date].

    Columns: platform, campaign, ad_group, keyword ('' when none), spend, impressions, clicks, conversions,
    conversion_revenue (Float64 money, seller currency), active_day_count.
    """
    frame = run_sql(wh, "ads_line_totals", seller_id=seller_id, start_date=start_date, end_date=end_date)
    return frame.cast(LINE_SCHEMA) if frame.height else pl.DataFrame(schema=LINE_SCHEMA)


def ads_campaign_days(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    """Per campaign and local stat date: stat_date, platform, campaign, spend, impressions, clicks, conversions,
    conversion_revenue. Days without rows are absent."""
    frame = run_sql(wh, "ads_campaign_days", seller_id=seller_id, start_date=start_date, end_date=end_date)
    return frame.cast(DAY_SCHEMA) if frame.height else pl.DataFrame(schema=DAY_SCHEMA)


def ads_margin_parts(wh: Warehouse, seller_id: str, start_utc: Any, end_utc: Any) -> dict[str, float]:
    """product_revenue, costed_revenue, costed_cost, product_line_count, uncosted_line_count in [start, end)."""
    row = run_sql(wh, "ads_margin_parts", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc).row(0, named=True)
    return {k: float(v or 0) for k, v in row.items()}


# ---------------------------------------------------------------- ratios and grains

def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def with_ratios(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds ctr, cpc, cvr, cpa, roas, acos (Float64; null when the denominator is 0).

    ctr = clicks / impressions (0 when there were impressions and no clicks), cpc = spend / clicks,
    cvr = conversions / clicks, cpa = spend / conversions, roas = conversion_revenue / spend,
    acos = spend / conversion_revenue.
    """
    return frame.with_columns(
        _ratio("clicks", "impressions").cast(pl.Float64).alias("ctr"),
        _ratio("spend", "clicks").cast(pl.Float64).alias("cpc"),
        _ratio("conversions", "clicks").cast(pl.Float64).alias("cvr"),
        _ratio("spend", "conversions").cast(pl.Float64).alias("cpa"),
        _ratio("conversion_revenue", "spend").cast(pl.Float64).alias("roas"),
        _ratio("spend", "conversion_revenue").cast(pl.Float64).alias("acos"),
    )


def metrics_by_grain(lines: pl.DataFrame, grain: str, store_revenue: float,
                     margin_rate: float | None) -> pl.DataFrame:
    """Ad lines (ads_line_totals) summed to `grain` with every ratio.

    Columns: the grain's keys, spend, impressions, clicks, conversions, conversion_revenue, ctr, cpc, cvr, cpa,
    roas, acos, tacos (spend / store revenue of the period), waste_spend (spend of keyword lines with no
    conversion), contribution (conversion_revenue × margin rate − spend; null without a margin rate),
    profitable (contribution ≥ 0; null without a margin rate). Sorted by spend, largest first.
    """
    keys = list(GRAINS[grain])
    grouped = (lines.group_by(keys).agg(
        *[pl.col(c).sum() for c in ADDITIVE],
        pl.col("spend").filter(pl.col("conversions") == 0).sum().alias("waste_spend"))
        .with_columns(pl.col("spend").cast(pl.Float64), pl.col("conversion_revenue").cast(pl.Float64),
                      pl.col("impressions").cast(pl.Int64), pl.col("clicks").cast(pl.Int64),
                      pl.col("conversions").cast(pl.Int64), pl.col("waste_spend").cast(pl.Float64)))
    out = with_ratios(grouped).with_columns(
        (pl.col("spend") / store_revenue if store_revenue > 0 else pl.lit(None)).cast(pl.Float64).alias("tacos"),
        ((pl.col("conversion_revenue") * margin_rate - pl.col("spend")) if margin_rate is not None
         else pl.lit(None)).cast(pl.Float64).alias("contribution"),
    ).with_columns(pl.when(pl.col("contribution").is_null()).then(None)
                   .otherwise(pl.col("contribution") >= 0).alias("profitable"))
    return out.sort(["spend", *keys], descending=[True] + [False] * len(keys))


def compare_with_previous(current: pl.DataFrame, previous: pl.DataFrame, grain: str) -> pl.DataFrame:
    """`current` with the previous period's spend_prev, conversion_revenue_prev, roas_prev and the changes
    spend_change_pct (relative %, null when there was no spend) and roas_change_pct."""
    keys = list(GRAINS[grain])
    prev = previous.select(*keys, pl.col("spend").alias("spend_prev"),
                           pl.col("conversion_revenue").alias("conversion_revenue_prev"),
                           pl.col("roas").alias("roas_prev"))
    return current.join(prev, on=keys, how="left", nulls_equal=True).with_columns(
        pl.when(pl.col("spend_prev") > 0).then((pl.col("spend") / pl.col("spend_prev") - 1) * 100)
        .otherwise(None).alias("spend_change_pct"),
        pl.when(pl.col("roas_prev") > 0).then((pl.col("roas") / pl.col("roas_prev") - 1) * 100)
        .otherwise(None).alias("roas_change_pct"))


def waste_rows(lines: pl.DataFrame, grain: str) -> pl.DataFrame:
    """Rows of `grain` (keyword or ad_group) that spent and converted nothing in the period, largest spend first.

    Columns: the grain's keys, spend, impressions, clicks, cpc, share_of_spend (of all ad spend).
    """
    keys = list(GRAINS[grain])
    total = float(lines["spend"].sum()) if lines.height else 0.0
    grouped = lines.group_by(keys).agg(pl.col("spend").sum(), pl.col("impressions").sum(),
                                       pl.col("clicks").sum(), pl.col("conversions").sum())
    return (grouped.filter((pl.col("conversions") == 0) & (pl.col("spend") > 0))
            .with_columns(_ratio("spend", "clicks").cast(pl.Float64).alias("cpc"),
                          (pl.col("spend") / total if total else pl.lit(None)).cast(pl.Float64)
                          .alias("share_of_spend"))
            .select(*keys, "spend", "impressions", "clicks", "cpc", "share_of_spend")
            .sort(["spend", *keys], descending=[True] + [False] * len(keys)))


# ---------------------------------------------------------------- margin and break-even

def break_even_roas(margin_rate: float | None) -> float | None:
    """1 / gross margin rate: the ROAS at which an ad's conversion revenue just pays for its cost and the goods.
    None when the margin is unknown or not positive (then no ROAS breaks even)."""
    if margin_rate is None or margin_rate <= 0:
        return None
    return 1.0 / margin_rate


def margin_rate_of(parts: dict[str, float]) -> float | None:
    """(costed revenue − cost of goods) / costed revenue, over product lines with a unit cost; None without any."""
    if parts["costed_revenue"] <= 0:
        return None
    return (parts["costed_revenue"] - parts["costed_cost"]) / parts["costed_revenue"]


# ---------------------------------------------------------------- ROAS fall and trend

def last_complete_day(period: ReportPeriod) -> date:
    """The period's last local day whose end is not after `as_of` (today's partial row under-reports
    conversions: platforms attribute them days later)."""
    end = period.end_date
    if local_midnight_utc(period.timezone, end + timedelta(days=1)) > period.as_of_utc:
        end -= timedelta(days=1)
    return end


def _mid_p_lower(k: int, n: int, p: float) -> float:
    """One-sided mid-p of X ≤ k for X ~ Binomial(n, p): P(X < k) + ½ P(X = k)."""
    from scipy import stats

    return float(stats.binom.cdf(k - 1, n, p) + 0.5 * stats.binom.pmf(k, n, p))


def roas_fall_tests(days: pl.DataFrame, last_day: date) -> pl.DataFrame:
    """Did each campaign's conversions per click fall in the last 7 complete days against the 28 days before?

    Test: conditional exact test of two Poisson rates (conversions per click). Given n conversions in both windows,
    the recent window's count is Binomial(n, recent clicks / all clicks) if the rate did not change; one-sided
    mid-p. Flag (`falling`) when p < ALPHA and rate_ratio ≤ 1 − MIN_FALL.
    Columns: platform, campaign, recent_clicks, recent_conversions, baseline_clicks, baseline_conversions,
    expected_conversions (recent, at the baseline rate), rate_ratio, recent_roas, baseline_roas, p_value, falling.
    """
    recent_start = last_day - timedelta(days=RECENT_DAYS - 1)
    base_start = recent_start - timedelta(days=BASELINE_DAYS)
    window = days.filter(pl.col("stat_date").is_between(base_start, last_day))
    recent = pl.col("stat_date") >= recent_start
    parts = window.group_by("platform", "campaign").agg(
        pl.col("clicks").filter(recent).sum().alias("recent_clicks"),
        pl.col("conversions").filter(recent).sum().alias("recent_conversions"),
        pl.col("spend").filter(recent).sum().alias("recent_spend"),
        pl.col("conversion_revenue").filter(recent).sum().alias("recent_revenue"),
        pl.col("clicks").filter(~recent).sum().alias("baseline_clicks"),
        pl.col("conversions").filter(~recent).sum().alias("baseline_conversions"),
        pl.col("spend").filter(~recent).sum().alias("baseline_spend"),
        pl.col("conversion_revenue").filter(~recent).sum().alias("baseline_revenue"),
    ).sort("platform", "campaign")
    rows = []
    for r in parts.iter_rows(named=True):
        x1, x0 = int(r["recent_clicks"] or 0), int(r["baseline_clicks"] or 0)
        c1, c0 = int(r["recent_conversions"] or 0), int(r["baseline_conversions"] or 0)
        n = c1 + c0
        tested = x1 > 0 and x0 > 0 and c0 > 0
        share = x1 / (x1 + x0) if x1 + x0 else 0.0
        p_value = _mid_p_lower(c1, n, share) if tested else None
        rate_ratio = (c1 / x1) / (c0 / x0) if tested else None
        rows.append({
            "platform": r["platform"], "campaign": r["campaign"],
            "recent_clicks": x1, "recent_conversions": c1, "baseline_clicks": x0, "baseline_conversions": c0,
            "expected_conversions": n * share if tested else None,
            "rate_ratio": rate_ratio,
            "recent_roas": r["recent_revenue"] / r["recent_spend"] if r["recent_spend"] else None,
            "baseline_roas": r["baseline_revenue"] / r["baseline_spend"] if r["baseline_spend"] else None,
            "p_value": p_value,
            "falling": bool(tested and p_value < ALPHA and rate_ratio <= 1 - MIN_FALL),
        })
    schema = {"platform": pl.String, "campaign": pl.String, "recent_clicks": pl.Int64,
              "recent_conversions": pl.Int64, "baseline_clicks": pl.Int64, "baseline_conversions": pl.Int64,
              "expected_conversions": pl.Float64, "rate_ratio": pl.Float64, "recent_roas": pl.Float64,
              "baseline_roas": pl.Float64, "p_value": pl.Float64, "falling": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def roas_trends(days: pl.DataFrame, last_day: date) -> pl.DataFrame:
    """The direction of each campaign's conversions per click over the last 12 weeks (TREND_DAYS).

    Model: Poisson regression of daily conversions on the day number with log(clicks) as offset
    (poisson_trend: statsmodels GLM's IRLS, written out), standard error scaled by the Pearson dispersion when it
    exceeds 1 (quasi-Poisson).
    trend_change_pct = fitted change from the first to the last day of the window; direction 'falling' / 'rising'
    when the one-sided p < ALPHA and the change is at least MIN_FALL, else 'flat'; 'not_enough_data' below
    MIN_TREND_DAYS days with clicks or MIN_TREND_CONVERSIONS conversions.
    Columns: platform, campaign, trend_days, trend_conversions, slope_per_day, trend_change_pct, p_value, direction.
    """
    import numpy as np

    start = last_day - timedelta(days=TREND_DAYS - 1)
    window = days.filter(pl.col("stat_date").is_between(start, last_day) & (pl.col("clicks") > 0))
    rows = []
    for (platform, campaign), part in sorted(window.group_by("platform", "campaign"), key=lambda g: g[0]):
        n_days, conv = part.height, int(part["conversions"].sum())
        row = {"platform": platform, "campaign": campaign, "trend_days": n_days, "trend_conversions": conv,
               "slope_per_day": None, "trend_change_pct": None, "p_value": None, "direction": "not_enough_data"}
        if n_days >= MIN_TREND_DAYS and conv >= MIN_TREND_CONVERSIONS:
            x = (part["stat_date"].cast(pl.Int32).to_numpy() - (start - date(1970, 1, 1)).days).astype(float)
            y = part["conversions"].to_numpy().astype(float)
            offset = np.log(part["clicks"].to_numpy().astype(float))
            slope, se, pearson_chi2, df_resid = poisson_trend(x, y, offset)
            scale = max(1.0, pearson_chi2 / df_resid) if df_resid > 0 else 1.0
            z = slope / (se * math.sqrt(scale))
            change = math.expm1(slope * (TREND_DAYS - 1))
            p_fall, p_rise = 0.5 * math.erfc(-z / math.sqrt(2)), 0.5 * math.erfc(z / math.sqrt(2))  # Φ(z), 1 − Φ(z)
            direction = "flat"
            if p_fall < ALPHA and change <= -MIN_FALL:
                direction = "falling"
            elif p_rise < ALPHA and change >= MIN_FALL:
                direction = "rising"
            row.update(slope_per_day=slope, trend_change_pct=change * 100,
                       p_value=p_fall if slope < 0 else p_rise, direction=direction)
        rows.append(row)
    schema = {"platform": pl.String, "campaign": pl.String, "trend_days": pl.Int64, "trend_conversions": pl.Int64,
              "slope_per_day": pl.Float64, "trend_change_pct": pl.Float64, "p_value": pl.Float64,
              "direction": pl.String}
    return pl.DataFrame(rows, schema=schema)


def poisson_trend(x: Any, y: Any, offset: Any, tol: float = 1e-8, max_iter: int = 100
                  ) -> tuple[float, float, float, int]:
    """(slope, its standard error, Pearson chi², residual degrees of freedom) of the Poisson regression
    log E[y] = offset + a + slope·x: statsmodels' GLM fit (IRLS from μ = (y + ȳ) / 2 until the deviance changes by
    less than `tol`, the covariance from the last iteration's weights), written out for two parameters. Equal to
    statsmodels to ~1e-12 (tests/test_ads.py) at a tenth of a millisecond instead of ~1.3 ms per campaign."""
    import numpy as np

    x, y, offset = (np.asarray(v, dtype=float) for v in (x, y, offset))
    mu = (y + y.mean()) / 2
    eta = np.log(mu)
    positive = y > 0

    def deviance(mu: Any) -> float:
        return float(2 * (np.sum(y[positive] * np.log(y[positive] / mu[positive])) - np.sum(y - mu)))

    dev = deviance(mu)
    for _ in range(max_iter):
        z = eta - offset + (y - mu) / mu                   # the working response, weights μ
        sw, swx, swxx = mu.sum(), (mu * x).sum(), (mu * x * x).sum()
        swz, swxz = (mu * z).sum(), (mu * x * z).sum()
        det = sw * swxx - swx * swx
        intercept, slope = (swxx * swz - swx * swxz) / det, (sw * swxz - swx * swz) / det
        variance = sw / det                                 # [(XᵀWX)⁻¹]₁₁ at these weights
        eta = intercept + slope * x + offset
        mu = np.exp(eta)
        dev, previous = deviance(mu), dev
        if abs(dev - previous) <= tol:
            break
    return float(slope), math.sqrt(variance), float(np.sum((y - mu) ** 2 / mu)), len(y) - 2


def weekly_roas(days: pl.DataFrame, campaign: str, last_day: date, weeks: int = TREND_DAYS // 7) -> pl.DataFrame:
    """One campaign's ROAS per 7-day block ending on last_day (the last block is the 'recent 7 days').

    Columns: week_end (Date), spend, conversion_revenue, clicks, conversions, roas (null without spend).
    """
    start = last_day - timedelta(days=7 * weeks - 1)
    part = days.filter((pl.col("campaign") == campaign) & pl.col("stat_date").is_between(start, last_day))
    blocks = pl.DataFrame({"week_end": [last_day - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]})
    summed = (part.with_columns(
        pl.lit(last_day).sub(pl.col("stat_date")).dt.total_days().floordiv(7).alias("k"))
        .with_columns(pl.lit(last_day).sub(pl.duration(days=pl.col("k") * 7)).cast(pl.Date).alias("week_end"))
        .group_by("week_end").agg(pl.col("spend").sum(), pl.col("conversion_revenue").sum(),
                                  pl.col("clicks").sum(), pl.col("conversions").sum()))
    out = blocks.join(summed, on="week_end", how="left").with_columns(
        pl.col("spend").fill_null(0.0), pl.col("conversion_revenue").fill_null(0.0),
        pl.col("clicks").fill_null(0), pl.col("conversions").fill_null(0))
    return out.with_columns(_ratio("conversion_revenue", "spend").cast(pl.Float64).alias("roas"))


# ---------------------------------------------------------------- diminishing returns

@dataclass(frozen=True)
class ResponseCurve:
    """revenue per day = a × spend^b (0 ≤ b ≤ 1) for one campaign, and where it stands now."""
    platform: str
    campaign: str
    a: float
    b: float
    fit_days: int
    current_daily_spend: float
    max_daily_spend: float

    def revenue_at(self, spend: float) -> float:
        return self.a * spend ** self.b if spend > 0 else 0.0

    def marginal_roas_at(self, spend: float) -> float:
        """d revenue / d spend = a × b × spend^(b−1): what the next unit of money brings back."""
        return self.a * self.b * spend ** (self.b - 1) if spend > 0 else math.inf


def fit_response_curve(spend: list[float], revenue: list[float]) -> tuple[float, float]:
    """(a, b) of revenue = a × spend^b with b in [0, 1], by maximum quasi-Poisson likelihood (zero-revenue days
    count; log-log OLS would drop them). For fixed b the MLE of a is Σ revenue / Σ spend^b, so b is found by a
    bounded one-dimensional search (scipy)."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    s = np.asarray(spend, dtype=float)
    y = np.asarray(revenue, dtype=float)
    scale = float(s.mean())
    u = s / scale                       # spend in units of its mean: keeps powers well conditioned

    def neg_loglik(b: float) -> float:
        ub = u ** b
        a = y.sum() / ub.sum()
        mu = a * ub
        return float(-(np.sum(y * np.log(mu)) - mu.sum()))

    best = minimize_scalar(neg_loglik, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-6})
    b = float(best.x)
    for edge in (0.0, 1.0):             # the bounded search never evaluates the ends themselves
        if neg_loglik(edge) < neg_loglik(b):
            b = edge
    a_unit = float(y.sum() / (u ** b).sum())
    return a_unit / scale ** b, b


def response_curves(days: pl.DataFrame, last_day: date) -> list[ResponseCurve]:
    """A concave response curve for each campaign with enough days (MIN_FIT_DAYS days with spend in the last
    FIT_DAYS, MIN_FIT_REVENUE_DAYS of them with conversion revenue)."""
    start = last_day - timedelta(days=FIT_DAYS - 1)
    current_start = last_day - timedelta(days=CURRENT_SPEND_DAYS - 1)
    window = days.filter(pl.col("stat_date").is_between(start, last_day) & (pl.col("spend") > 0))
    curves = []
    for (platform, campaign), part in sorted(window.group_by("platform", "campaign"), key=lambda g: g[0]):
        if part.height < MIN_FIT_DAYS or part.filter(pl.col("conversion_revenue") > 0).height < MIN_FIT_REVENUE_DAYS:
            continue
        a, b = fit_response_curve(part["spend"].to_list(), part["conversion_revenue"].to_list())
        current = float(part.filter(pl.col("stat_date") >= current_start)["spend"].sum()) / CURRENT_SPEND_DAYS
        curves.append(ResponseCurve(platform, campaign, a, b, part.height, current, float(part["spend"].max())))
    return curves


def curves_frame(curves: list[ResponseCurve]) -> pl.DataFrame:
    """Columns: platform, campaign, a, b, fit_days, current_daily_spend, max_daily_spend, roas_at_current,
    marginal_roas (at current daily spend)."""
    schema = {"platform": pl.String, "campaign": pl.String, "a": pl.Float64, "b": pl.Float64,
              "fit_days": pl.Int64, "current_daily_spend": pl.Float64, "max_daily_spend": pl.Float64,
              "roas_at_current": pl.Float64, "marginal_roas": pl.Float64}
    rows = [{"platform": c.platform, "campaign": c.campaign, "a": c.a, "b": c.b, "fit_days": c.fit_days,
             "current_daily_spend": c.current_daily_spend, "max_daily_spend": c.max_daily_spend,
             "roas_at_current": c.revenue_at(c.current_daily_spend) / c.current_daily_spend
             if c.current_daily_spend > 0 else None,
             "marginal_roas": c.marginal_roas_at(c.current_daily_spend) if c.current_daily_spend > 0 else None}
            for c in curves]
    return pl.DataFrame(rows, schema=schema)


def allocate_extra_budget(curves: list[ResponseCurve], total_daily_spend: float, hurdle_roas: float,
                          margin_rate: float | None, held: frozenset[tuple[str, str]] = frozenset()) -> pl.DataFrame:
    """Where the next BUDGET_SHARE of the total daily spend earns most: BUDGET_CHUNKS equal steps, each to the
    campaign with the highest marginal ROAS at its spend so far, only while that is above `hurdle_roas`
    (break-even) and the campaign stays within +MAX_INCREASE of its current spend. Campaigns in `held`
    ((platform, campaign): their ROAS fell significantly, see budget_holds) get nothing: their 12-week curve
    describes the campaign before the fall.

    Columns: platform, campaign, current_daily_spend, extra_daily_spend, marginal_roas (before the extra),
    extra_daily_revenue, extra_daily_contribution (null without a margin rate). Only campaigns that get money.
    """
    extra_total = BUDGET_SHARE * total_daily_spend
    step = extra_total / BUDGET_CHUNKS if extra_total > 0 else 0.0
    alive = [c for c in curves if c.current_daily_spend > 0 and (c.platform, c.campaign) not in held]
    added = {(c.platform, c.campaign): 0.0 for c in alive}
    for _ in range(BUDGET_CHUNKS if step > 0 else 0):
        options = [(c.marginal_roas_at(c.current_daily_spend + added[c.platform, c.campaign] + step / 2), c)
                   for c in alive if added[c.platform, c.campaign] + step <= MAX_INCREASE * c.current_daily_spend + 1e-9]
        options = [(m, c) for m, c in options if m > hurdle_roas]
        if not options:
            break
        _, best = max(options, key=lambda o: (o[0], o[1].campaign, o[1].platform))
        added[best.platform, best.campaign] += step
    rows = []
    for c in alive:
        extra = added[c.platform, c.campaign]
        if extra <= 0:
            continue
        gain = c.revenue_at(c.current_daily_spend + extra) - c.revenue_at(c.current_daily_spend)
        rows.append({"platform": c.platform, "campaign": c.campaign, "current_daily_spend": c.current_daily_spend,
                     "extra_daily_spend": extra, "marginal_roas": c.marginal_roas_at(c.current_daily_spend),
                     "extra_daily_revenue": gain,
                     "extra_daily_contribution": gain * margin_rate - extra if margin_rate is not None else None})
    schema = {"platform": pl.String, "campaign": pl.String, "current_daily_spend": pl.Float64,
              "extra_daily_spend": pl.Float64, "marginal_roas": pl.Float64, "extra_daily_revenue": pl.Float64,
              "extra_daily_contribution": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort("extra_daily_spend", descending=True)


def budget_holds(falls: pl.DataFrame, trends: pl.DataFrame) -> pl.DataFrame:
    """Campaigns the extra budget skips: a significant ROAS fall in the last 7 days (roas_fall_tests) or a
    significantly falling 12-week trend (roas_trends). Their response curve pools 12 weeks, most of them from
    before the fall, so it promises more than the campaign earns now. Columns: platform, campaign, reason
    ('roas_fall' | 'falling_trend'; a campaign with both is listed once, as roas_fall)."""
    fell = falls.filter(pl.col("falling")).select("platform", "campaign", pl.lit("roas_fall").alias("reason"))
    sliding = trends.filter(pl.col("direction") == "falling").select(
        "platform", "campaign", pl.lit("falling_trend").alias("reason"))
    return (pl.concat([fell, sliding]).unique(["platform", "campaign"], keep="first", maintain_order=True)
            .sort("platform", "campaign"))


# ---------------------------------------------------------------- the whole analysis

@dataclass
class AdsAnalysis:
    """Every number of the ads page and report for one period."""
    period: ReportPeriod
    last_complete_day: date
    totals: dict[str, float | None]
    grains: dict[str, pl.DataFrame]              # grain -> metrics_by_grain with previous-period comparison
    waste: dict[str, pl.DataFrame]               # keyword | ad_group -> waste_rows
    campaign_days: pl.DataFrame                  # history for trends and curves (ads_campaign_days)
    falls: pl.DataFrame                          # roas_fall_tests
    trends: pl.DataFrame                         # roas_trends
    curves: list[ResponseCurve] = field(default_factory=list)
    budget: pl.DataFrame = field(default_factory=pl.DataFrame)
    held: pl.DataFrame = field(default_factory=pl.DataFrame)   # budget_holds: campaigns the budget skips


def _pct_change(value: float | None, previous: float | None) -> float | None:
    if value is None or not previous:
        return None
    return (value / previous - 1) * 100


def analyse_ads(wh: Warehouse, period: ReportPeriod) -> AdsAnalysis:
    """Run every ads query and model for `period` (history for trends and curves reaches 12 weeks back); computed
    once per period and data version (analytics.result_cache: the page, the report and the digest share it)."""
    return result_cache.remember(wh, "ads_analysis", (period,), lambda: _analyse_ads(wh, period), seller_id=period.seller_id)


def _analyse_ads(wh: Warehouse, period: ReportPeriod) -> AdsAnalysis:
    from analytics.kpis import kpi_totals

    seller = period.seller_id
    prev = period.previous()
    last_day = last_complete_day(period)
    history_start = min(period.start_date, last_day - timedelta(days=max(TREND_DAYS, FIT_DAYS,
                                                                         RECENT_DAYS + BASELINE_DAYS) - 1))
    lines, prev_lines, store_revenue, prev_store_revenue, parts, prev_parts, days = in_parallel(
        lambda: ads_line_totals(wh, seller, period.start_date, period.end_date),
        lambda: ads_line_totals(wh, seller, prev.start_date, prev.end_date),
        lambda: kpi_totals(wh, seller, period.start_utc, period.end_utc)["revenue"],
        lambda: kpi_totals(wh, seller, prev.start_utc, prev.end_utc)["revenue"],
        lambda: ads_margin_parts(wh, seller, period.start_utc, period.end_utc),
        lambda: ads_margin_parts(wh, seller, prev.start_utc, prev.end_utc),
        lambda: ads_campaign_days(wh, seller, history_start, period.end_date))
    margin = margin_rate_of(parts)
    prev_margin = margin_rate_of(prev_parts)
    grains = {}
    for grain in GRAINS:
        now = metrics_by_grain(lines, grain, store_revenue, margin)
        before = metrics_by_grain(prev_lines, grain, prev_store_revenue, prev_margin)
        grains[grain] = compare_with_previous(now, before, grain)
    waste = {g: waste_rows(lines, g) for g in ("keyword", "ad_group")}

    falls = roas_fall_tests(days, last_day)
    trends = roas_trends(days, last_day)
    curves = response_curves(days, last_day)

    spend = float(lines["spend"].sum()) if lines.height else 0.0
    revenue = float(lines["conversion_revenue"].sum()) if lines.height else 0.0
    prev_spend = float(prev_lines["spend"].sum()) if prev_lines.height else 0.0
    prev_revenue = float(prev_lines["conversion_revenue"].sum()) if prev_lines.height else 0.0
    waste_spend = float(waste["keyword"]["spend"].sum()) if waste["keyword"].height else 0.0
    be = break_even_roas(margin)
    total_daily = float(days.filter(pl.col("stat_date").is_between(
        last_day - timedelta(days=CURRENT_SPEND_DAYS - 1), last_day))["spend"].sum()) / CURRENT_SPEND_DAYS
    held = budget_holds(falls, trends)
    budget = allocate_extra_budget(curves, total_daily, be if be is not None else 1.0, margin,
                                   frozenset(zip(held["platform"], held["campaign"], strict=True)))
    roas = revenue / spend if spend else None
    prev_roas = prev_revenue / prev_spend if prev_spend else None
    totals: dict[str, float | None] = {
        "spend": spend,
        "impressions": float(lines["impressions"].sum()) if lines.height else 0.0,
        "clicks": float(lines["clicks"].sum()) if lines.height else 0.0,
        "conversions": float(lines["conversions"].sum()) if lines.height else 0.0,
        "conversion_revenue": revenue,
        "store_revenue": store_revenue,
        "roas": roas,
        "acos": spend / revenue if revenue else None,
        "tacos": spend / store_revenue if store_revenue > 0 else None,
        "margin_rate": margin,
        "break_even_roas": be,
        "contribution": revenue * margin - spend if margin is not None else None,
        "waste_spend": waste_spend,
        "waste_share": waste_spend / spend if spend else None,
        "product_revenue": parts["product_revenue"],
        "costed_revenue": parts["costed_revenue"],
        "costed_cost": parts["costed_cost"],
        "uncosted_line_count": parts["uncosted_line_count"],
        "spend_prev": prev_spend,
        "conversion_revenue_prev": prev_revenue,
        "roas_prev": prev_roas,
        "spend_change_pct": _pct_change(spend, prev_spend),
        "roas_change_pct": _pct_change(roas, prev_roas),
        "current_daily_spend": total_daily,
        "extra_daily_budget": BUDGET_SHARE * total_daily,
    }
    return AdsAnalysis(period, last_day, totals, grains, waste, days, falls, trends, curves, budget, held)


# ---------------------------------------------------------------- plain-language texts

def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:,.0f}%"


def profitability_text(row: dict[str, Any], break_even: float | None, currency: str, lang: str) -> str:
    """'ROAS 300% but break-even is 333%: losing money (₩-12,000 after ad cost)' for one campaign row."""
    if row.get("roas") is None:
        return t("ads.verdict.no_spend", lang)
    if break_even is None:
        return t("ads.verdict.no_margin", lang, roas=_pct(row["roas"]))
    key = "ads.verdict.profitable" if row["roas"] >= break_even else "ads.verdict.losing"
    return t(key, lang, roas=_pct(row["roas"]), break_even=_pct(break_even),
             contribution=format_money(row.get("contribution"), currency))


def fall_text(row: dict[str, Any], lang: str) -> str:
    """One flagged campaign's ROAS fall in plain words."""
    return t("ads.fall.text", lang, campaign=row["campaign"], recent=_pct(row["recent_roas"]),
             baseline=_pct(row["baseline_roas"]), conversions=row["recent_conversions"],
             expected=f"{row['expected_conversions']:.1f}", p=f"{row['p_value']:.3f}")


def budget_advice_text(analysis: AdsAnalysis, lang: str) -> str:
    """Where the next 10% of the budget goes, or why it should not be spent, in plain ko/en."""
    cur = analysis.period.currency
    be = analysis.totals["break_even_roas"]
    extra = analysis.totals["extra_daily_budget"] or 0.0
    if not analysis.curves:
        return t("ads.budget.no_curves", lang)
    # the held campaigns whose curve would have promised more than break-even: those the advice leaves out
    promising = {(c.platform, c.campaign) for c in analysis.curves if c.current_daily_spend > 0
                 and c.marginal_roas_at(c.current_daily_spend) > (be if be is not None else 1.0)}
    held = [r["campaign"] for r in analysis.held.iter_rows(named=True) if (r["platform"], r["campaign"]) in promising]
    held_text = " " + t("ads.budget.held", lang, campaigns=", ".join(held)) if held else ""
    if analysis.budget.height == 0:
        losing = [r["campaign"] for r in analysis.grains["campaign"].iter_rows(named=True)
                  if r["profitable"] is False]
        return t("ads.budget.none", lang, break_even=_pct(be if be is not None else 1.0),
                 extra=format_money(extra, cur),
                 losing=", ".join(losing[:3]) if losing else t("ads.budget.none_losing", lang)) + held_text
    parts = [t("ads.budget.part", lang, campaign=r["campaign"], extra=format_money(r["extra_daily_spend"], cur),
               marginal=_pct(r["marginal_roas"])) for r in analysis.budget.iter_rows(named=True)]
    placed = float(analysis.budget["extra_daily_spend"].sum())
    gain = float(analysis.budget["extra_daily_revenue"].sum())
    text = t("ads.budget.advice", lang, extra=format_money(extra, cur), parts=", ".join(parts),
             break_even=_pct(be if be is not None else 1.0), revenue=format_money(gain, cur))
    if placed < extra - 1e-6:
        text += " " + t("ads.budget.rest", lang, rest=format_money(extra - placed, cur))
    return text + held_text


# ---------------------------------------------------------------- charts

def plot_roas_trend(analysis: AdsAnalysis, campaign: str, lang: str) -> go.Figure:
    """Weekly ROAS of one campaign (bars, last bar = the recent 7 days), daily ROAS (dots), the fitted trend
    and the break-even line."""
    days = analysis.campaign_days
    last_day = analysis.last_complete_day
    weekly = weekly_roas(days, campaign, last_day)
    daily = (days.filter((pl.col("campaign") == campaign)
                         & pl.col("stat_date").is_between(last_day - timedelta(days=TREND_DAYS - 1), last_day))
             .with_columns(_ratio("conversion_revenue", "spend").cast(pl.Float64).alias("roas")).sort("stat_date"))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=weekly["week_end"].to_list(), y=[None if v is None else v * 100 for v in weekly["roas"]],
                         name=t("ads.chart.weekly_roas", lang), opacity=0.6))
    fig.add_trace(go.Scatter(x=daily["stat_date"].to_list(),
                             y=[None if v is None else v * 100 for v in daily["roas"]],
                             mode="markers", name=t("ads.chart.daily_roas", lang), marker={"size": 5}))
    trend = analysis.trends.filter(pl.col("campaign") == campaign)
    if trend.height and trend["slope_per_day"][0] is not None and daily.height:
        # the fitted conversions-per-click trend shown as ROAS: × revenue per conversion ÷ cost per click
        clicks, conv = float(daily["clicks"].sum()), float(daily["conversions"].sum())
        spend, rev = float(daily["spend"].sum()), float(daily["conversion_revenue"].sum())
        if clicks and conv and spend:
            start = last_day - timedelta(days=TREND_DAYS - 1)
            slope = trend["slope_per_day"][0]
            xs = [(d - start).days for d in daily["stat_date"]]
            mean_x = sum(xs) / len(xs)
            level = rev / spend
            fig.add_trace(go.Scatter(x=daily["stat_date"].to_list(),
                                     y=[level * math.exp(slope * (x - mean_x)) * 100 for x in xs],
                                     mode="lines", line={"dash": "dash"}, name=t("ads.chart.trend", lang)))
    be = analysis.totals["break_even_roas"]
    if be is not None:
        fig.add_hline(y=be * 100, line={"color": "red", "dash": "dot"},
                      annotation_text=t("ads.chart.break_even", lang, value=_pct(be)))
    fig.update_layout(title=t("ads.chart.roas_trend", lang, campaign=campaign), xaxis_title=t("chart.date", lang),
                      yaxis_title="ROAS (%)", margin={"l": 10, "r": 10, "t": 50, "b": 10})
    fig.update_xaxes(**date_axis(lang))
    return fig


def plot_response_curve(analysis: AdsAnalysis, campaign: str, lang: str) -> go.Figure:
    """Daily spend vs conversion revenue of one campaign (points), the fitted a × spend^b curve, the break-even
    line (revenue = spend × break-even ROAS) and the current spend."""
    cur = analysis.period.currency
    last_day = analysis.last_complete_day
    points = analysis.campaign_days.filter(
        (pl.col("campaign") == campaign) & (pl.col("spend") > 0)
        & pl.col("stat_date").is_between(last_day - timedelta(days=FIT_DAYS - 1), last_day))
    fig = go.Figure(go.Scatter(x=points["spend"].to_list(), y=points["conversion_revenue"].to_list(),
                               mode="markers", name=t("ads.chart.days", lang),
                               hovertext=[f"{d:%Y-%m-%d}" for d in points["stat_date"]]))
    curve = next((c for c in analysis.curves if c.campaign == campaign), None)
    top = max([float(points["spend"].max() or 0)] + ([curve.current_daily_spend * (1 + MAX_INCREASE)] if curve else []))
    xs = [top * k / 60 for k in range(1, 61)]
    if curve is not None:
        fig.add_trace(go.Scatter(x=xs, y=[curve.revenue_at(x) for x in xs], mode="lines",
                                 name=t("ads.chart.fitted", lang, b=f"{curve.b:.2f}")))
        fig.add_vline(x=curve.current_daily_spend, line={"dash": "dot"},
                      annotation_text=t("ads.chart.current", lang,
                                        spend=format_money(curve.current_daily_spend, cur)))
    be = analysis.totals["break_even_roas"]
    if be is not None and xs:
        fig.add_trace(go.Scatter(x=[0, xs[-1]], y=[0, xs[-1] * be], mode="lines",
                                 line={"color": "red", "dash": "dot"}, name=t("ads.chart.break_even_line", lang)))
    fig.update_layout(title=t("ads.chart.response", lang, campaign=campaign),
                      xaxis_title=t("ads.chart.daily_spend", lang, currency=cur),
                      yaxis_title=t("ads.chart.daily_revenue", lang, currency=cur),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return korean_money_axes(fig, lang, cur, ("x", "y"))


# ---------------------------------------------------------------- report

AD_METRICS = ("ad_spend", "ad_impressions", "ad_clicks", "ad_ctr", "ad_cpc", "ad_conversions", "ad_cvr", "ad_cpa",
              "ad_conversion_revenue", "ad_roas", "ad_acos", "ad_tacos", "ad_waste_spend", "ad_waste_share",
              "ad_margin_rate", "ad_break_even_roas", "ad_contribution", "ad_marginal_roas")


def _with_verdicts(frame: pl.DataFrame, break_even: float | None, currency: str, lang: str) -> pl.DataFrame:
    texts = [profitability_text(r, break_even, currency, lang) for r in frame.iter_rows(named=True)]
    return frame.with_columns(pl.Series("verdict", texts, dtype=pl.String))


def with_platform_names(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """`frame` with the platform codes the report layouts store (naver_searchad, google_ads, ...) shown by name
    (네이버 검색광고, Google Ads, ...); other platform texts, as a canonical file gave them, are kept."""
    if "platform" not in frame.columns:
        return frame
    return frame.with_columns(pl.col("platform").replace(names("ads.platform", lang)))


def campaign_table(analysis: AdsAnalysis, lang: str) -> pl.DataFrame:
    """The campaign grain with a plain profitability verdict per row (column `verdict`)."""
    return _with_verdicts(analysis.grains["campaign"], analysis.totals["break_even_roas"],
                          analysis.period.currency, lang)


def report(wh: Warehouse, period: ReportPeriod, lang: str = "en", **_options: object) -> dict[str, object]:
    """The ads page's numbers: totals, campaigns, the other grains, waste, ROAS flags and trends, curves, advice."""
    from analytics.reports import definitions, rows_of

    a = analyse_ads(wh, period)
    flagged = a.falls.filter(pl.col("falling"))
    return {
        "report": "ads",
        "period": period.to_json(),
        "definitions": definitions(*AD_METRICS),
        "totals": a.totals,
        "rows": rows_of(campaign_table(a, lang)),
        "sections": {g: rows_of(a.grains[g]) for g in ("platform", "ad_group", "keyword")},
        "waste": {"spend": a.totals["waste_spend"], "share": a.totals["waste_share"],
                  "keyword": rows_of(a.waste["keyword"]), "ad_group": rows_of(a.waste["ad_group"])},
        "trend_flags": {"last_complete_day": a.last_complete_day.isoformat(), "recent_days": RECENT_DAYS,
                        "baseline_days": BASELINE_DAYS, "alpha": ALPHA, "min_fall": MIN_FALL,
                        "flagged_count": flagged.height, "flagged": flagged["campaign"].to_list(),
                        "texts": [fall_text(r, lang) for r in flagged.iter_rows(named=True)],
                        "tests": rows_of(a.falls), "trends": rows_of(a.trends)},
        "response_curves": rows_of(curves_frame(a.curves)),
        "budget_advice": {"extra_daily_budget": a.totals["extra_daily_budget"], "text": budget_advice_text(a, lang),
                          "rows": rows_of(a.budget), "held": rows_of(a.held)},
    }
