"""The digest: the few things a seller should know today, gathered from every insight area and ranked by money at stake.

Each area contributes candidate insights through the public functions of its own module (no SQL or statistics
of its own here beyond the sales-drop run test, which no area computes). Every candidate carries a money-at-stake
estimate in the seller's currency (MONEY_RULES, also shown to the seller through analytics/digest_text.py):

- sales_drop: Σ (usual day − actual day) over the run of complete days below a usual day of their weekday
  (realtime.pace_training_frame: usual = median of the 4-8 previous same weekdays), plus, today, usual − the
  pace forecast's close (realtime.pace_forecast) when it is below. The run must be significant: its mean log
  ratio to a usual day is ≥ 2.33 standard errors (one-sided 1 %) below 0, with the sd of that ratio over the
  earlier days, and at least 20 % of a usual day's revenue is missing. Channel: the largest revenue loss by
  channel (traffic_session_counts) over the run against the same hours one week earlier.
- stock_out: lost sales per day (forecast units, product_forecast.reorder_advice) × catalogue price × days out
  (from the first local day out of stock up to now).
- returns_spike: excess claimed units (claimed − units × max(own baseline, store rate), products.product_trouble)
  × average selling price of the product in the recent window.
- ad_waste: spend of keywords with no conversion in the last 30 days (ads.waste_rows).
- ad_losing: −contribution of campaigns whose ROAS is below break-even (ads.metrics_by_grain), last 30 days.
- roas_fall: recent 7-day spend × (baseline ROAS − recent ROAS) of campaigns flagged by ads.roas_fall_tests.
- unmet_keyword: (visitors × store conversion − orders they made) × store AOV, for each unmet keyword group
  (keywords.keyword_analysis), last 30 days.
- likely_regulars: Σ predicted CLV over the next 30 days of every one-time buyer whose expected purchases in 30
  days reach 0.5 (customers.likely_buyers; the customers page lists the 50 most likely).
- regulars_at_risk: the value the customers on the at-risk list (customers.regulars_at_risk: the 50 who spent most
  of all at-risk customers, who are counted in the sentence) would bring in the next 30 days if still active and
  will not if they have left: Σ CLV × (1 − P(alive)) / P(alive) (CLV = P(alive) × the value if active).

An area that fails or lacks data is skipped (logged, and listed in the result) so the others still show.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import polars as pl

from analytics import result_cache
from analytics.clv import FitError
from analytics.i18n import t
from analytics.metrics import format_money
from analytics.period import ReportPeriod
from analytics.queries import in_parallel
from analytics.sellers import local_midnight_utc, local_now
from data.warehouse import Warehouse

log = logging.getLogger(__name__)

MAX_ITEMS = 5                 # the digest shows at most this many items ...
MIN_SHARE_OF_DAY = 0.10       # ... each worth at least 10 % of a usual day's revenue (smaller ones are noise)
HIGH_SHARE_OF_DAY = 1.0       # severity high: at stake ≥ one usual day's revenue
MEDIUM_SHARE_OF_DAY = 0.25    # severity medium: ≥ a quarter of a usual day; else low
WINDOW_DAYS = 30              # ads, keywords and the store AOV look at the last 30 local days
HORIZON_DAYS = 30             # customer value is predicted over the next 30 days
SALES_DROP_Z = 2.326          # one-sided 1 %: the run of low days must be this many standard errors below 0
SALES_DROP_MIN_SHARE = 0.20   # ... and at least 20 % of a usual day's revenue missing over the run
SALES_DROP_MAX_RUN = 14       # look back at most two weeks for the start of a drop
SALES_DROP_MIN_BASELINE = 14  # days of history needed to know a normal day-to-day spread
TODAY_SLOW_SHARE = 0.20       # today alone: forecast close ≥ 20 % below a usual day ...
TODAY_SLOW_LEVEL = 0.98       # ... and the upper bound of its 98 % interval (one-sided 1 %) below it

# Streamlit Markdown (Material icons render without an emoji font, e.g. in a headless browser)
SEVERITY_MARKS = {"high": ":red[:material/error:]", "medium": ":orange[:material/warning:]", "low": ":blue[:material/info:]"}
PAGES = {
    "sales_drop": "pages/realtime.py",
    "stock_out": "pages/products.py",
    "returns_spike": "pages/products.py",
    "ad_waste": "pages/ads.py",
    "ad_losing": "pages/ads.py",
    "roas_fall": "pages/ads.py",
    "unmet_keyword": "pages/traffic.py",
    "likely_regulars": "pages/customers.py",
    "regulars_at_risk": "pages/customers.py",
}
# problems cost money now; the customer kinds are opportunities
PROBLEM_KINDS = frozenset({"sales_drop", "stock_out", "returns_spike", "ad_waste", "ad_losing", "roas_fall",
                            "unmet_keyword"})


@dataclass(frozen=True)
class Insight:
    """One thing the seller should know: what, how much money, in words, and where the evidence is."""
    kind: str
    area: str
    subject: str                 # the product, campaign, keyword group, channel ... it is about
    money_at_stake: float        # seller's currency, see the module docstring per kind
    text_ko: str
    text_en: str
    page: str
    facts: dict[str, Any] = field(default_factory=dict)   # the numbers behind the sentence

    def text(self, lang: str) -> str:
        return self.text_ko if lang == "ko" else self.text_en


@dataclass(frozen=True)
class DigestContext:
    """What every area's collector needs: the 30-day window, today's clock and the store's scale."""
    period: ReportPeriod         # the last WINDOW_DAYS local days up to as_of
    today: date
    hour_of_day: float
    store_revenue: float         # revenue of the window
    store_orders: int
    usual_day_revenue: float     # store_revenue / window days: the unit of severity and materiality

    @property
    def currency(self) -> str:
        return self.period.currency

    @property
    def aov(self) -> float | None:
        return self.store_revenue / self.store_orders if self.store_orders else None

    def money(self, value: float) -> str:
        """An amount in a sentence, as the page and the --json show its money at stake: to the hundredth first
        (digest_rows), then to the currency's unit, so ₩9,121,963.4999 reads ₩9,121,964 in both, not ₩9,121,963
        in the sentence beside "At stake: ₩9,121,964"."""
        return format_money(round(value, 2), self.currency)


@dataclass
class Digest:
    """The ranked items (top MAX_ITEMS), the further material findings (folded per kind, not shown among the
    items: the home page lists them below), every candidate, and the areas skipped with the reason."""
    context: DigestContext
    items: list[Insight]
    candidates: list[Insight]
    skipped: list[dict[str, str]]
    timings: dict[str, float]
    more: list[Insight] = field(default_factory=list)


def _texts(key: str, **values: Any) -> tuple[str, str]:
    """The sentence `key` in ko and en; values that are (ko, en) pairs are picked per language."""
    def pick(lang: str) -> dict[str, Any]:
        return {k: (v[0] if lang == "ko" else v[1]) if isinstance(v, tuple) else v for k, v in values.items()}
    return t(key, "ko", **pick("ko")), t(key, "en", **pick("en"))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


# ---------------------------------------------------------------- context

def digest_context(wh: Warehouse, period: ReportPeriod) -> DigestContext:
    """The last WINDOW_DAYS local days up to period.as_of (the sidebar range does not matter: the digest is
    about today), with the store's revenue and orders over them (kpis.kpi_totals)."""
    from analytics.kpis import kpi_totals

    end = period.end_date
    window = ReportPeriod(period.seller_id, period.timezone, period.currency,
                          end - timedelta(days=WINDOW_DAYS - 1), end, period.as_of_utc)
    totals = kpi_totals(wh, period.seller_id, window.start_utc, window.end_utc)
    now_local = local_now(period.timezone, period.as_of_utc)
    hour = now_local.hour + now_local.minute / 60 + now_local.second / 3600
    revenue = float(totals["revenue"] or 0.0)
    return DigestContext(period=window, today=now_local.date(), hour_of_day=hour, store_revenue=revenue,
                         store_orders=int(totals["order_count"] or 0),
                         usual_day_revenue=revenue / WINDOW_DAYS)


# ---------------------------------------------------------------- sales drop (realtime + traffic)

def sales_drop_run(days: pl.DataFrame) -> dict[str, Any] | None:
    """The run of complete days below a usual day that ends with the latest day, if it is a significant drop.

    `days`: realtime.pace_training_frame at hour 24 (local_date, day_total, usual_total, close_log_ratio), oldest
    first. Returns {start, end, days, actual, usual, drop_share, z} or None (no run, too little history, noise).
    """
    if days.height == 0:
        return None
    rows = days.sort("local_date").to_dicts()
    run = []
    for r in reversed(rows):
        if r["day_total"] >= r["usual_total"] or len(run) >= SALES_DROP_MAX_RUN:
            break
        run.append(r)
    baseline = [r["close_log_ratio"] for r in rows[: len(rows) - len(run)]]
    if not run or len(baseline) < SALES_DROP_MIN_BASELINE:
        return None
    mean_b = sum(baseline) / len(baseline)
    sd = math.sqrt(sum((x - mean_b) ** 2 for x in baseline) / (len(baseline) - 1))
    ratios = [r["close_log_ratio"] for r in run]
    z = (sum(ratios) / len(ratios)) / (sd / math.sqrt(len(ratios))) if sd > 0 else -math.inf
    actual = sum(r["day_total"] for r in run)
    usual = sum(r["usual_total"] for r in run)
    drop_share = 1 - actual / usual if usual > 0 else 0.0
    if z > -SALES_DROP_Z or drop_share < SALES_DROP_MIN_SHARE:
        return None
    return {"start": run[-1]["local_date"], "end": run[0]["local_date"], "days": len(run), "actual": actual,
            "usual": usual, "drop_share": drop_share, "z": z}


def channel_losses(wh: Warehouse, period: ReportPeriod, start_utc: datetime, end_utc: datetime) -> pl.DataFrame:
    """Attributed revenue by channel in [start_utc, end_utc) against the same hours one week earlier.

    Columns: channel, revenue, previous_revenue, revenue_loss (previous − now), largest loss first.
    """
    from analytics.traffic import breakdown, compare_breakdowns, traffic_session_counts

    week = timedelta(days=7)
    now = breakdown(traffic_session_counts(wh, period.seller_id, start_utc, end_utc, end_utc), ("channel",))
    before = breakdown(traffic_session_counts(wh, period.seller_id, start_utc - week, end_utc - week,
                                              end_utc - week), ("channel",))
    return (compare_breakdowns(now, before, ("channel",))
            .select("channel", "revenue", "previous_revenue",
                    (pl.col("previous_revenue") - pl.col("revenue")).alias("revenue_loss"))
            .sort(["revenue_loss", "channel"], descending=[True, False]))


def sales_drop_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics import realtime
    from analytics.traffic import channel_label

    period = ctx.period
    history = realtime.history_hourly(wh, period.seller_id, period.timezone, ctx.today)
    days, _ = realtime.pace_training_frame(history, 24.0, ctx.today)
    run = sales_drop_run(days)
    today = realtime.today_hourly(wh, period.seller_id, realtime.realtime_clock(period.timezone, period.as_of_utc))
    today_so_far = float(today["revenue"].sum())
    # at a 98 % level the upper bound is a one-sided 1 % test, as strict as the run test of complete days
    forecast = realtime.pace_forecast(history, ctx.today, ctx.hour_of_day, today_so_far, level=TODAY_SLOW_LEVEL)
    today_gap = 0.0
    if forecast["status"] == "ok" and forecast["close"] < forecast["usual_total"]:
        today_gap = forecast["usual_total"] - forecast["close"]
        # no visit at all today is missing data (a late feed), not a slow day
        today_slow = (forecast["close"] <= (1 - TODAY_SLOW_SHARE) * forecast["usual_total"]
                      and forecast["upper"] < forecast["usual_total"] and int(today["session_count"].sum()) > 0)
    else:
        today_slow = False
    if run is None and not today_slow:
        return []
    start = run["start"] if run else ctx.today
    lost_days = (run["usual"] - run["actual"]) if run else 0.0
    money = lost_days + today_gap
    usual = (run["usual"] if run else 0.0) + (forecast["usual_total"] if today_gap else 0.0)
    share = money / usual if usual else 0.0
    losses = channel_losses(wh, period, local_midnight_utc(period.timezone, start), period.as_of_utc)
    total_loss = float(losses.filter(pl.col("revenue_loss") > 0)["revenue_loss"].sum()) if losses.height else 0.0
    top = losses.row(0, named=True) if losses.height and losses["revenue_loss"][0] > 0 else None
    facts = {"start": start.isoformat(), "complete_days": run["days"] if run else 0,
             "lost_complete_days": lost_days, "today_forecast": forecast.get("close"),
             "today_usual": forecast.get("usual_total"), "today_gap": today_gap, "drop_share": share,
             "z": run["z"] if run else None, "channel": top["channel"] if top else None,
             "channel_loss": top["revenue_loss"] if top else None}
    days_n = (run["days"] if run else 0) + (1 if today_gap else 0)
    when = (("오늘", "today") if days_n == 1 and not run else
            (f"{start.strftime('%m-%d')}부터 {days_n}일간", f"over the {days_n} days since {start.strftime('%m-%d')}"))
    values = dict(share=_pct(share), money=ctx.money(money), when=when)
    if top:
        values.update(channel=(channel_label(top["channel"], "ko"), channel_label(top["channel"], "en")),
                      channel_share=_pct(top["revenue_loss"] / total_loss if total_loss else 0.0))
        key = "digest.sales_drop.channel"
    else:
        key = "digest.sales_drop.plain"
    ko, en = _texts(key, **values)
    return [Insight("sales_drop", "realtime", top["channel"] if top else "store", money, ko, en,
                    PAGES["sales_drop"], facts)]


# ---------------------------------------------------------------- products

def stock_out_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics.product_forecast import products_catalog, reorder_advice

    period = ctx.period
    advice = reorder_advice(wh, period.seller_id, period.timezone, period.as_of_utc)
    out = advice.filter(pl.col("status") == "out_of_stock")
    if out.height == 0:
        return []
    prices = dict(products_catalog(wh, period.seller_id).select("sku", "price").iter_rows())
    found = []
    for r in out.iter_rows(named=True):
        since = r["out_of_stock_since"]
        days_out = (ctx.today - since).days + ctx.hour_of_day / 24.0
        price = float(prices.get(r["sku"]) or 0.0)
        money = float(r["lost_sales_per_day"] or 0.0) * price * days_out
        ko, en = _texts("digest.stock_out", name=r["product_name"], since=since.strftime("%m-%d"),
                        lost=f"{r['lost_sales_per_day']:.0f}", money=ctx.money(money), qty=r["reorder_qty"])
        found.append(Insight("stock_out", "products", r["product_name"], money, ko, en, PAGES["stock_out"],
                             {"sku": r["sku"], "since": since.isoformat(), "days_out": days_out, "price": price,
                              "lost_units_per_day": r["lost_sales_per_day"], "reorder_qty": r["reorder_qty"]}))
    return found


def returns_spike_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics.products import (
        TROUBLE_RECENT_DAYS,
        product_trouble,
        products_claims_by_sku,
        products_sales_by_sku,
        trouble_windows,
    )

    period = ctx.period
    w = trouble_windows(period.timezone, period.as_of_utc)
    sid = period.seller_id
    recent_sales = products_sales_by_sku(wh, sid, w["recent_start_utc"], w["recent_end_utc"])
    trouble, _ = product_trouble(recent_sales, products_claims_by_sku(wh, sid, w["recent_start_utc"],
                                                                      w["recent_end_utc"]),
                                 products_sales_by_sku(wh, sid, w["history_start_utc"], w["history_end_utc"]),
                                 products_claims_by_sku(wh, sid, w["history_start_utc"], w["history_end_utc"]))
    flagged = trouble.filter(pl.col("flagged"))
    if flagged.height == 0:
        return []
    sales = {r["sku"]: r for r in recent_sales.iter_rows(named=True)}
    found = []
    for r in flagged.iter_rows(named=True):
        baseline = max(r["own_baseline"], r["store_claim_rate"])
        excess = max(0.0, r["claimed_units"] - r["units"] * baseline)
        s = sales.get(r["sku"])
        price = float(s["revenue"]) / s["units"] if s and s["units"] else 0.0
        money = excess * price
        ko, en = _texts("digest.returns_spike", name=r["product_name"], rate=_pct(r["claim_rate"] or 0.0),
                        baseline=_pct(baseline), claimed=r["claimed_units"], units=r["units"],
                        days=TROUBLE_RECENT_DAYS, money=ctx.money(money))
        found.append(Insight("returns_spike", "products", r["product_name"], money, ko, en, PAGES["returns_spike"],
                             {"sku": r["sku"], "claimed_units": r["claimed_units"], "units": r["units"],
                              "baseline_rate": baseline, "excess_units": excess, "price": price}))
    return found


# ---------------------------------------------------------------- ads

def ad_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics import ads

    period = ctx.period
    sid = period.seller_id
    lines = ads.ads_line_totals(wh, sid, period.start_date, period.end_date)
    found: list[Insight] = []
    if lines.height == 0:
        return found
    for r in ads.waste_rows(lines, "keyword").iter_rows(named=True):
        ko, en = _texts("digest.ad_waste", keyword=r["keyword"], campaign=r["campaign"], money=ctx.money(r["spend"]),
                        clicks=f"{r['clicks']:,}", days=WINDOW_DAYS)
        found.append(Insight("ad_waste", "ads", f"{r['campaign']} / {r['keyword']}", float(r["spend"]), ko, en,
                             PAGES["ad_waste"], {"platform": r["platform"], "campaign": r["campaign"],
                                                 "keyword": r["keyword"], "spend": r["spend"],
                                                 "clicks": r["clicks"]}))
    margin = ads.margin_rate_of(ads.ads_margin_parts(wh, sid, period.start_utc, period.end_utc))
    break_even = ads.break_even_roas(margin)
    campaigns = ads.metrics_by_grain(lines, "campaign", ctx.store_revenue, margin)
    if break_even is not None:
        losing = campaigns.filter((pl.col("contribution") < 0) & (pl.col("conversions") > 0))
        for r in losing.iter_rows(named=True):
            money = -float(r["contribution"])
            ko, en = _texts("digest.ad_losing", campaign=r["campaign"], roas=_pct(r["roas"] or 0.0),
                            break_even=_pct(break_even), money=ctx.money(money), days=WINDOW_DAYS)
            found.append(Insight("ad_losing", "ads", r["campaign"], money, ko, en, PAGES["ad_losing"],
                                 {"platform": r["platform"], "campaign": r["campaign"], "roas": r["roas"],
                                  "break_even_roas": break_even, "contribution": r["contribution"]}))
    last_day = ads.last_complete_day(period)
    history_start = last_day - timedelta(days=ads.RECENT_DAYS + ads.BASELINE_DAYS - 1)
    days = ads.ads_campaign_days(wh, sid, history_start, last_day)
    falls = ads.roas_fall_tests(days, last_day).filter(pl.col("falling"))
    recent_start = last_day - timedelta(days=ads.RECENT_DAYS - 1)
    recent_spend = dict(days.filter(pl.col("stat_date") >= recent_start).group_by("platform", "campaign")
                        .agg(pl.col("spend").sum())
                        .select(pl.concat_str("platform", "campaign", separator="\x1f"), "spend").iter_rows())
    for r in falls.iter_rows(named=True):
        spend = float(recent_spend.get(f"{r['platform']}\x1f{r['campaign']}") or 0.0)
        old, new = r["baseline_roas"] or 0.0, r["recent_roas"] or 0.0
        money = max(0.0, spend * (old - new))
        ko, en = _texts("digest.roas_fall", campaign=r["campaign"], old=_pct(old), new=_pct(new),
                        days=ads.RECENT_DAYS, money=ctx.money(money), spend=ctx.money(spend))
        found.append(Insight("roas_fall", "ads", r["campaign"], money, ko, en, PAGES["roas_fall"],
                             {"platform": r["platform"], "campaign": r["campaign"], "recent_spend": spend,
                              "baseline_roas": old, "recent_roas": new, "p_value": r["p_value"]}))
    return found


# ---------------------------------------------------------------- keywords

def unmet_keyword_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics.keywords import keyword_analysis, term_gloss

    analysis = keyword_analysis(wh, ctx.period)
    conversion = analysis.totals["store_conversion"]
    aov = ctx.aov
    if analysis.groups.height == 0 or not conversion or not aov:
        return []
    found = []
    for r in analysis.groups.iter_rows(named=True):
        missed_orders = max(0.0, r["sessions"] * conversion - r["order_count"])
        money = missed_orders * aov
        gloss = term_gloss(r["term"]) or r["term"]
        top = r["top_products"][0] if r["top_products"] else "–"
        label = f"{r['term']} ({gloss})" if gloss != r["term"] else r["term"]
        unlanded = ".unlanded" if r["advice_kind"] == "variant" and not r["top_products"] else ""
        ko, en = _texts(f"digest.unmet_keyword.{r['advice_kind']}{unlanded}", term=(r["term"], label), option=(r["term"], gloss),
                        visitors=f"{r['sessions']:,}", orders=r["order_count"], days=WINDOW_DAYS,
                        product=top, money=ctx.money(money))
        found.append(Insight("unmet_keyword", "keywords", r["term"], money, ko, en, PAGES["unmet_keyword"],
                             {"term": r["term"], "keywords": r["keywords"], "sessions": r["sessions"],
                              "order_count": r["order_count"], "store_conversion": conversion, "aov": aov,
                              "advice_kind": r["advice_kind"]}))
    return found


# ---------------------------------------------------------------- customers

def customer_insights(wh: Warehouse, ctx: DigestContext) -> list[Insight]:
    from analytics import customers

    # the customers page's cached models (one customer-day scan, the fits): not fitted twice; the page's cohorts
    # and backtest are not needed here, and not computed
    core = customers.customer_models(wh, ctx.period)
    if core.model_status == "no_customers":
        return []
    if core.models is None:                     # too few repeat buyers: the area is skipped with the reason
        raise FitError(core.model_reason)
    predicted = customers.customer_predictions(wh, ctx.period, HORIZON_DAYS)
    found = []
    likely = customers.likely_buyers(predicted)         # all of them (≥ 0.5 purchases in 30 days), not the page's 50
    if likely.height:
        money = float(likely["clv"].sum())
        ko, en = _texts("digest.likely_regulars", count=likely.height, days=HORIZON_DAYS, money=ctx.money(money))
        found.append(Insight("likely_regulars", "customers", "one-time buyers", money, ko, en,
                             PAGES["likely_regulars"], {"customers": likely.height,
                                                        "expected_purchases": float(likely["expected_purchases"].sum())}))
    # every at-risk customer is counted; the money is that of the list the page shows (the 50 who spent most):
    # those are the ones to reach out to, and long-lapsed customers further down would inflate it
    everyone = customers.at_risk_customers(predicted).filter(pl.col("p_alive") > 0).height
    risk = customers.regulars_at_risk(predicted).filter(pl.col("p_alive") > 0)
    if risk.height:
        money = float(risk.select(pl.col("clv") * (1 - pl.col("p_alive")) / pl.col("p_alive")).sum().item())
        ko, en = _texts("digest.regulars_at_risk" + (".many" if everyone > risk.height else ""), count=f"{everyone:,}",
                        listed=risk.height, revenue=ctx.money(float(risk["revenue"].sum())), days=HORIZON_DAYS,
                        money=ctx.money(money))
        found.append(Insight("regulars_at_risk", "customers", "regulars at risk", money, ko, en,
                             PAGES["regulars_at_risk"], {"customers": everyone, "listed": risk.height,
                                                         "past_revenue": float(risk["revenue"].sum())}))
    return found


# ---------------------------------------------------------------- the digest

Collector = Callable[[Warehouse, DigestContext], list[Insight]]
COLLECTORS: tuple[tuple[str, Collector], ...] = (
    ("sales_drop", sales_drop_insights),
    ("stock_out", stock_out_insights),
    ("returns_spike", returns_spike_insights),
    ("ads", ad_insights),
    ("keywords", unmet_keyword_insights),
    ("customers", customer_insights),
)
SLOW_AREAS = frozenset({"customers"})   # started first: the customer models take longest when not cached


def severity_of(money: float, ctx: DigestContext) -> str:
    """high | medium | low by the money at stake against a usual day's revenue."""
    share = money / ctx.usual_day_revenue if ctx.usual_day_revenue > 0 else math.inf
    return "high" if share >= HIGH_SHARE_OF_DAY else "medium" if share >= MEDIUM_SHARE_OF_DAY else "low"


def is_material(insight: Insight, ctx: DigestContext) -> bool:
    """Worth a line: positive money at stake of at least MIN_SHARE_OF_DAY of a usual day's revenue."""
    return insight.money_at_stake > 0 and insight.money_at_stake >= MIN_SHARE_OF_DAY * ctx.usual_day_revenue


def fold_by_kind(candidates: list[Insight], ctx: DigestContext) -> list[Insight]:
    """One insight per kind: its largest material finding, carrying the money of all the kind's material findings
    and naming the others ("+ 1 more: 강아지 유모차 ₩688,794"), so one kind of problem does not fill the digest."""
    folded = []
    for kind in sorted({c.kind for c in candidates}):
        members = sorted((c for c in candidates if c.kind == kind and is_material(c, ctx)),
                         key=lambda c: (-c.money_at_stake, c.subject))
        if not members:
            continue
        head, rest = members[0], members[1:]
        if not rest:
            folded.append(head)
            continue
        others = ", ".join(f"{c.subject} {ctx.money(c.money_at_stake)}" for c in rest)
        more_ko, more_en = _texts("digest.more", count=len(rest), others=others)
        folded.append(Insight(kind, head.area, head.subject, sum(c.money_at_stake for c in members),
                              f"{head.text_ko} {more_ko}", f"{head.text_en} {more_en}", head.page,
                              {**head.facts, "also": [{"subject": c.subject, "money_at_stake": c.money_at_stake}
                                                      for c in rest]}))
    return folded


def split_insights(candidates: list[Insight], ctx: DigestContext, max_items: int = MAX_ITEMS
                   ) -> tuple[list[Insight], list[Insight]]:
    """(what the digest shows, the other findings): material findings folded to one per kind; problems (money being
    lost now, PROBLEM_KINDS) take the slots before opportunities (customers to win); at most `max_items` shown.
    Each list most money at stake first. A kind left out of the items (five larger problems took the slots, or it
    is an opportunity behind them) is still a finding: the home page lists it below the items, so nothing the
    areas found is hidden."""
    by_money = _by_money(fold_by_kind(candidates, ctx))
    chosen = ([c for c in by_money if c.kind in PROBLEM_KINDS] + [c for c in by_money if c.kind not in PROBLEM_KINDS])
    return _by_money(chosen[:max_items]), _by_money(chosen[max_items:])


def _by_money(found: list[Insight]) -> list[Insight]:
    return sorted(found, key=lambda c: (-c.money_at_stake, c.kind))


def build_digest(wh: Warehouse, period: ReportPeriod,
                 collectors: tuple[tuple[str, Collector], ...] = COLLECTORS) -> Digest:
    """Run every area's collector, side by side on the report-query threads (analytics.queries.in_parallel: the
    areas read different analyses), slowest first; a failing one is logged and skipped; rank what they found.
    Candidates, skipped areas and timings keep the order of `collectors`."""
    ctx = digest_context(wh, period)
    order = sorted(range(len(collectors)), key=lambda i: collectors[i][0] not in SLOW_AREAS)
    ran = in_parallel(*(partial(_collect, wh, ctx, *collectors[i]) for i in order))
    outcomes = dict(zip(order, ran, strict=True))
    candidates: list[Insight] = []
    skipped: list[dict[str, str]] = []
    timings: dict[str, float] = {}
    for i, (area, _) in enumerate(collectors):
        found, reason, seconds = outcomes[i]
        candidates.extend(found)
        if reason is not None:
            skipped.append({"area": area, "reason": reason})
        timings[area] = seconds
    items, more = split_insights(candidates, ctx)
    return Digest(ctx, items, candidates, skipped, timings, more)


def _collect(wh: Warehouse, ctx: DigestContext, area: str, collect: Collector
             ) -> tuple[list[Insight], str | None, float]:
    """One area's candidates, or none and the reason it was skipped; and the seconds it took."""
    started = time.perf_counter()
    try:
        return collect(wh, ctx), None, time.perf_counter() - started
    except FitError as exc:  # too little data for the models: expected for small shops, no traceback
        log.info("digest: %s skipped for %s: %s", area, ctx.period.seller_id, exc)
        reason = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # one area's failure must not hide the others; the traceback goes to debug
        log.warning("digest: %s skipped for %s: %s", area, ctx.period.seller_id, exc)
        log.debug("digest: %s failure", area, exc_info=True)
        reason = f"{type(exc).__name__}: {exc}"
    return [], reason, time.perf_counter() - started


def cached_digest(wh: Warehouse, period: ReportPeriod) -> Digest:
    """build_digest with every area's collector, computed once per period and data version (analytics.result_cache):
    the home page, `python -m analytics digest` and the morning email on unchanged data share one computation,
    and any committed load makes the next call compute afresh. Callers must not change the returned Digest."""
    key = (period.seller_id, period.timezone, period.start_date, period.end_date, period.as_of_utc)
    return result_cache.remember(wh, "digest", key, lambda: build_digest(wh, period), seller_id=period.seller_id)


def digest_rows(digest: Digest, more: bool = False) -> pl.DataFrame:
    """The shown items (or, with `more`, the further findings, ranked on after them): rank, kind, severity,
    money_at_stake, text_ko, text_en, page."""
    schema = {"rank": pl.Int64, "kind": pl.String, "severity": pl.String, "money_at_stake": pl.Float64,
              "text_ko": pl.String, "text_en": pl.String, "page": pl.String}
    found, first = (digest.more, len(digest.items) + 1) if more else (digest.items, 1)
    return pl.DataFrame([{"rank": i, "kind": x.kind, "severity": severity_of(x.money_at_stake, digest.context),
                          "money_at_stake": round(x.money_at_stake, 2), "text_ko": x.text_ko, "text_en": x.text_en,
                          "page": x.page} for i, x in enumerate(found, start=first)], schema=schema)


def kind_label(kind: str, lang: str) -> str:
    """The kind's name for people (sales_drop -> 매출 하락 / Sales drop)."""
    return t(f"digest.kind.{kind}", lang)


def quiet_text(lang: str) -> str:
    return t("digest.quiet", lang)


def money_rules(lang: str = "en") -> dict[str, str]:
    """How the money at stake of each kind is estimated, in `lang`."""
    return {kind: t(f"digest.rule.{kind}", lang) for kind in PAGES}


def report(wh: Warehouse, period: ReportPeriod, lang: str = "en", **_options: object) -> dict[str, Any]:
    """The digest at period.as_of: totals (candidates, money at stake), the shown rows, the further findings the
    home page lists below them ("more"), every candidate, skips."""
    from analytics.reports import definitions, jsonable, rows_of

    digest = cached_digest(wh, period)
    ctx = digest.context
    lang = lang if lang in ("ko", "en") else "en"
    return {
        "report": "digest",
        "period": ctx.period.to_json(),
        "definitions": definitions("digest_money_at_stake"),
        "rules": {"money_at_stake": money_rules(lang), "max_items": MAX_ITEMS,
                  "min_share_of_usual_day": MIN_SHARE_OF_DAY, "horizon_days": HORIZON_DAYS,
                  "window_days": WINDOW_DAYS},
        "totals": {"candidates": len(digest.candidates), "shown": len(digest.items), "more": len(digest.more),
                   "money_at_stake": round(sum(c.money_at_stake for c in digest.candidates), 2),
                   "money_at_stake_shown": round(sum(c.money_at_stake for c in digest.items), 2),
                   "revenue": round(ctx.store_revenue, 2), "orders": ctx.store_orders,
                   "usual_day_revenue": round(ctx.usual_day_revenue, 2)},
        "quiet": not digest.items,
        "quiet_text": {"ko": quiet_text("ko"), "en": quiet_text("en")} if not digest.items else None,
        "rows": rows_of(digest_rows(digest)),
        "more": rows_of(digest_rows(digest, more=True)),
        "candidates": [jsonable({"kind": c.kind, "area": c.area, "subject": c.subject,
                                 "money_at_stake": round(c.money_at_stake, 2), "material": is_material(c, ctx),
                                 "text_ko": c.text_ko, "text_en": c.text_en, "page": c.page, "facts": c.facts})
                       for c in sorted(digest.candidates, key=lambda c: -c.money_at_stake)],
        "skipped": digest.skipped,
        "timings_s": {k: round(v, 3) for k, v in digest.timings.items()},
    }
