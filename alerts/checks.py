"""Run the alert rules for one seller at a moment: read the series, ask the detector, apply the quiet-by-design
rules (volume gates, persistence, episodes, snoozes, feedback) and explain what fired. Returns candidates;
`run_check` stores them (each once, by its idempotency key)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from alerts import alert_text, detect, explain, saved_metrics, series, store
from alerts.rules import RULES_BY_ID, RuleState, daily_config, fires, intraday_config
from analytics.sellers import SellerProfile, local_midnight_utc, local_now, seller_profile
from data.warehouse import Warehouse

log = logging.getLogger(__name__)

PERSISTENCE_DAYS = 3            # N-of-M persistence looks at the last 3 days
INTRADAY_FIRST_HOUR = 9         # before 10:00 local too little of the day has happened to judge it
INTRADAY_WEEKS = 8              # same weekday of the last 8 weeks
INTRADAY_MIN_ORDERS = 5         # no intraday alert for shops with fewer than 5 orders by this hour usually
MIN_ROAS_FALL = 0.30            # ROAS itself must fall by 30 % (not only conversions per click)
MIN_LOST_CONVERSIONS = 5.0      # ... and at least 5 orders a week fewer than the usual rate predicts (materiality)
MIN_CLAIMED_UNITS = 5           # a returns alert needs at least 5 returned or claimed units in the 14 days
FEEDBACK_DAYS = 28              # "not an anomaly" on a rule and subject raises the bar for 4 weeks


@dataclass
class CheckOutcome:
    """What one check run found: each candidate with the status it was (or would be) stored with."""
    seller_id: str
    kind: str
    found: list[tuple[store.AlertCandidate, str]]
    new_keys: list[str]


# ---------------------------------------------------------------- daily: store metrics

def _calendar_flags(profile: SellerProfile, days: list[date]) -> np.ndarray | None:
    """Korean public holidays for sellers in Korea (their own regime); other sellers: no calendar."""
    if profile.timezone == "Asia/Seoul":
        return detect.korean_calendar_flags(days)
    return None


def store_daily_candidates(wh: Warehouse, profile: SellerProfile, states: dict[str, RuleState],
                           now_utc: datetime) -> list[store.AlertCandidate]:
    """At most one store alert for yesterday (the last complete local day): the strongest of the store rules
    that fire leads, the others are listed with it."""
    today = local_now(profile.timezone, now_utc).date()
    days = series.active_from(series.store_days(wh, profile.seller_id, profile.timezone, today))
    if days.height < detect.DailyConfig().min_history_days + 1:
        return []
    dates = days["local_date"].to_list()
    flags = _calendar_flags(profile, dates)
    results: dict[str, list[dict]] = {}
    rules = [s for s in states.values() if s.rule.kind == "daily" and s.active(now_utc)]
    if not rules:
        return []
    by_sensitivity: dict[str, list[RuleState]] = {}
    for s in rules:
        by_sensitivity.setdefault(s.sensitivity, []).append(s)
    metrics_needed = {s.rule.metric for s in rules} | {s.rule.gate_metric for s in rules if s.rule.gate_metric}
    matrix_metrics = sorted(metrics_needed)
    values = np.vstack([days[m].cast(pl.Float64).fill_null(np.nan).to_numpy() for m in matrix_metrics])
    for sensitivity, group in by_sensitivity.items():
        cfg = daily_config(sensitivity)
        per_day = []
        for back in range(PERSISTENCE_DAYS - 1, -1, -1):          # oldest first, yesterday last
            end = values.shape[1] - back
            day_flags = flags[:end] if flags is not None else None
            per_day.append(detect.check_daily_batch(values[:, :end], day_flags, cfg))
        for s in group:
            i = matrix_metrics.index(s.rule.metric)
            rows = [{"severity": str(r.severity[i]), "direction": str(r.direction[i]), "z": float(r.z[i]),
                     "actual": float(r.actual[i]), "expected": float(r.expected[i]), "lower": float(r.lower[i]),
                     "upper": float(r.upper[i]), "change": float(r.relative_change[i]),
                     "score": float(r.anomaly_score[i]), "enough": bool(r.enough_history[i]),
                     "gate_expected": float(r.expected[matrix_metrics.index(s.rule.gate_metric)])
                     if s.rule.gate_metric else float(r.expected[i])} for r in per_day]
            results[s.rule.rule_id] = rows
    firing = []
    for rule_id, rows in results.items():
        rule = RULES_BY_ID[rule_id]
        last = rows[-1]
        gate_min = rule.gate_min if rule.gate_metric else rule.min_expected
        if not last["enough"] or not (last["gate_expected"] >= gate_min):
            continue
        ok = [r["direction"] in rule.directions for r in rows]
        if fires([r["severity"] for r in rows], ok):
            firing.append((rule, last))
    if not firing:
        return []
    severity_rank = {"info": 1, "warning": 2, "critical": 3}
    firing.sort(key=lambda p: (-severity_rank.get(p[1]["severity"], 0), -abs(p[1]["z"])))
    lead_rule, lead = firing[0]
    day = dates[-1]
    window_start = local_midnight_utc(profile.timezone, day)
    window_end = local_midnight_utc(profile.timezone, day + timedelta(days=1))
    metrics = {rule.metric: {"actual": r["actual"], "expected": r["expected"], "lower": r["lower"],
                             "upper": r["upper"], "change": r["change"], "severity": r["severity"], "z": r["z"]}
               for rule, r in firing}
    explanation = explain.explain_store_day(wh, profile, day, days, now_utc)
    chart_series = {"dates": [d.isoformat() for d in dates[-42:]],
                    "values": [None if v is None else float(v) for v in days[lead_rule.metric].to_list()[-42:]],
                    "expected": lead["expected"], "lower": lead["lower"], "upper": lead["upper"]}
    ko, en = alert_text.store_daily_headline(lead_rule.metric, day, lead, profile.currency,
                                             [r.metric for r, _ in firing[1:]])
    return [store.AlertCandidate(
        profile.seller_id, "store_daily", lead_rule.metric, "store", "daily", window_start, window_end,
        lead["severity"], lead["direction"], lead["actual"], lead["expected"], lead["lower"], lead["upper"],
        lead["change"], lead["score"], ko, en,
        {"rules": [r.rule_id for r, _ in firing], "metrics": metrics, "explanation": explanation,
         "chart": chart_series, "day": day.isoformat(), "evidence_page": "realtime"})]


# ---------------------------------------------------------------- intraday

def intraday_candidates(wh: Warehouse, profile: SellerProfile, states: dict[str, RuleState],
                        now_utc: datetime) -> list[store.AlertCandidate]:
    """Today's revenue by the last complete hour against the same weekday of the previous weeks."""
    state = states.get("revenue_intraday")
    if state is None or not state.active(now_utc):
        return []
    from analytics import realtime

    local = local_now(profile.timezone, now_utc)
    today, hour = local.date(), local.hour - 1          # the last complete local hour
    if hour < INTRADAY_FIRST_HOUR:
        return []
    flags = _calendar_flags(profile, [today])
    if flags is not None and flags[0] != 0:     # 설날, 추석 ...: a public holiday is not "a usual Friday"
        return []
    history = realtime.history_hourly(wh, profile.seller_id, profile.timezone, today)
    clock = realtime.realtime_clock(profile.timezone, now_utc)
    today_rows = realtime.today_hourly(wh, profile.seller_id, clock)
    cumulative = series.cumulative_by_hour(history, "revenue")
    weeks = [today - timedelta(days=7 * k) for k in range(INTRADAY_WEEKS, 0, -1)]
    active_days = series.active_from(series.daily_from_hourly(history))["local_date"].to_list()
    first_active = active_days[0] if active_days else today
    hist = np.array([cumulative[d] if d in cumulative and d >= first_active else np.full(24, np.nan)
                     for d in weeks])
    today_cum = series.cumulative_by_hour(today_rows, "revenue").get(today, np.zeros(24))
    cfg = intraday_config(state.sensitivity)
    orders_cum = series.cumulative_by_hour(history, "order_count")
    orders_hist = np.array([orders_cum[d] if d in orders_cum and d >= first_active else np.full(24, np.nan)
                            for d in weeks])
    orders_today = series.cumulative_by_hour(today_rows, "order_count").get(today, np.zeros(24))
    check = detect.check_intraday(today_cum, hist, hour, cfg)
    if check.severity in ("none", "info") or check.direction not in state.rule.directions or check.gated:
        return []
    # Revenue by the hour is lumpy (one big basket moves it); an alert also needs the ORDERS to be behind, judged
    # as counts (the Poisson floor is meaningful for counts, not for money), with the volume gate on orders.
    orders_check = detect.check_intraday(orders_today, orders_hist, hour,
                                         replace(cfg, min_expected=INTRADAY_MIN_ORDERS, count_like=True))
    if orders_check.gated or orders_check.direction != "drop" or orders_check.severity == "none":
        return []
    window_start = local_midnight_utc(profile.timezone, today)
    ko, en = alert_text.intraday_headline(check, today, profile.currency)
    explanation = explain.explain_today(wh, profile, today, now_utc)
    return [store.AlertCandidate(
        profile.seller_id, "revenue_intraday", "revenue", "store", "intraday", window_start, now_utc,
        check.severity, check.direction, check.actual, check.expected, check.lower, check.upper,
        check.relative_gap, min(1.0, abs(check.z) / 10), ko, en,
        {"hour": hour, "weeks_used": check.weeks_used, "explanation": explanation,
         "orders": {"actual": orders_check.actual, "expected": orders_check.expected, "z": orders_check.z},
         "chart": {"hours": list(range(24)), "today": [float(x) for x in today_cum[:hour + 1]],
                   "usual": [float(x) for x in np.nanmedian(hist, axis=0)]},
         "evidence_page": "realtime"})]


# ---------------------------------------------------------------- ad campaigns

def campaign_candidates(wh: Warehouse, profile: SellerProfile, states: dict[str, RuleState],
                        now_utc: datetime) -> list[store.AlertCandidate]:
    """ROAS drops and CPC spikes per campaign on the last complete day."""
    rules = [s for s in states.values() if s.rule.kind == "campaign" and s.active(now_utc)]
    if not rules:
        return []
    today = local_now(profile.timezone, now_utc).date()
    days = series.campaign_days(wh, profile.seller_id, today)
    if days.height == 0:
        return []
    found = []
    groups = [(key, frame) for key, frame in days.group_by(["platform", "campaign"], maintain_order=True)]
    dates = groups[0][1]["stat_date"].to_list()
    flags = _calendar_flags(profile, dates)
    roas_state = next((s for s in rules if s.rule.rule_id == "roas_campaign"), None)
    if roas_state is not None:
        found.extend(_roas_falls(profile, roas_state, days, dict(groups), dates[-1]))
    for s in [s for s in rules if s.rule.rule_id != "roas_campaign"]:
        rule = s.rule
        cfg = daily_config(s.sensitivity)
        values = np.vstack([f[rule.metric].cast(pl.Float64).fill_null(np.nan).to_numpy() for _, f in groups])
        gate = np.vstack([f[rule.gate_metric].cast(pl.Float64).to_numpy() for _, f in groups])
        per_day = [detect.check_daily_batch(values[:, :values.shape[1] - back], None if flags is None else
                                            flags[:values.shape[1] - back], cfg)
                   for back in range(PERSISTENCE_DAYS - 1, -1, -1)]
        for i, ((platform, campaign), frame) in enumerate(groups):
            usual_volume = float(np.median(gate[i, -29:-1])) if gate.shape[1] > 29 else 0.0
            if usual_volume < rule.gate_min or not per_day[-1].enough_history[i]:
                continue
            sev = [str(r.severity[i]) for r in per_day]
            ok = [str(r.direction[i]) in rule.directions for r in per_day]
            if not fires(sev, ok):
                continue
            r = per_day[-1]
            day = dates[-1]
            facts = explain.explain_campaign_day(frame, day)
            lead = {"actual": float(r.actual[i]), "expected": float(r.expected[i]),
                    "change": float(r.relative_change[i])}
            ko, en = alert_text.campaign_headline(rule.metric, campaign, day, lead, profile.currency)
            found.append(store.AlertCandidate(
                profile.seller_id, rule.rule_id, rule.metric, f"{platform}/{campaign}", "daily",
                local_midnight_utc(profile.timezone, day), local_midnight_utc(profile.timezone, day + timedelta(1)),
                sev[-1], str(r.direction[i]), lead["actual"], lead["expected"], float(r.lower[i]),
                float(r.upper[i]), lead["change"], float(r.anomaly_score[i]), ko, en,
                {"platform": platform, "campaign": campaign, "explanation": facts,
                 "chart": {"dates": [d.isoformat() for d in dates[-42:]],
                           "values": [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                                      for v in frame[rule.metric].to_list()[-42:]],
                           "expected": lead["expected"], "lower": float(r.lower[i]), "upper": float(r.upper[i])},
                 "evidence_page": "ads"}))
    return found


def _roas_falls(profile: SellerProfile, state: RuleState, days: pl.DataFrame,
                frames: dict[tuple[str, str], pl.DataFrame], last_day: date) -> list[store.AlertCandidate]:
    """ROAS collapses: a campaign's conversions per click in the last 7 days against the 28 before, by the ads
    report's exact test (analytics.ads.roas_fall_tests): daily ROAS of a small campaign (1-2 orders a day) is too
    noisy for a daily test, a week pooled is not. Sensitivity moves the p-value bar."""
    from analytics.ads import RECENT_DAYS, roas_fall_tests

    alpha = {"low": 0.01, "normal": 0.05, "high": 0.10}[state.sensitivity]
    tests = roas_fall_tests(days, last_day)
    tested = tests.filter(pl.col("p_value").is_not_null()
                          & (pl.col("baseline_conversions") >= state.rule.gate_min))
    # Bonferroni over the campaigns tested today: with a dozen campaigns a p < 0.01 happens by chance every
    # few days; the family-wise error stays at alpha per morning instead
    cut = alpha / max(tested.height, 1)
    found = []
    for r in tested.filter((pl.col("p_value") < cut) & (pl.col("rate_ratio") <= 0.7)).iter_rows(named=True):
        roas_change = (r["recent_roas"] / r["baseline_roas"] - 1) if r["recent_roas"] is not None \
            and r["baseline_roas"] else None
        if roas_change is not None and roas_change > -MIN_ROAS_FALL:   # conversions fell but ROAS held up
            continue
        lost = (r["expected_conversions"] or 0) - r["recent_conversions"]
        if lost < MIN_LOST_CONVERSIONS:
            continue
        frame = frames[(r["platform"], r["campaign"])]
        start = last_day - timedelta(days=RECENT_DAYS - 1)
        change = roas_change if roas_change is not None else r["rate_ratio"] - 1
        severity = "critical" if change <= -0.6 else "warning"
        lead = {"actual": r["recent_roas"], "expected": r["baseline_roas"], "change": change}
        ko, en = alert_text.campaign_headline("roas", r["campaign"], last_day, lead, profile.currency)
        weekly = (frame.sort("stat_date").with_columns(pl.col("stat_date").dt.truncate("1w").alias("week"))
                  .group_by("week", maintain_order=True)
                  .agg(pl.col("conversion_revenue").sum(), pl.col("spend").sum()))
        facts = explain.explain_campaign_window(frame, start, last_day)
        found.append(store.AlertCandidate(
            profile.seller_id, "roas_campaign", "roas", f"{r['platform']}/{r['campaign']}", "daily",
            local_midnight_utc(profile.timezone, start), local_midnight_utc(profile.timezone, last_day + timedelta(1)),
            severity, "drop", r["recent_roas"], r["baseline_roas"], None, None, change, 1 - r["p_value"], ko, en,
            {"platform": r["platform"], "campaign": r["campaign"], "p_value": r["p_value"],
             "rate_ratio": r["rate_ratio"], "recent_conversions": r["recent_conversions"],
             "expected_conversions": r["expected_conversions"], "explanation": facts,
             "chart": {"dates": [w.isoformat() for w in weekly["week"].to_list()],
                       "values": [rev / sp if sp else None for rev, sp in
                                  zip(weekly["conversion_revenue"].to_list(), weekly["spend"].to_list(), strict=True)]},
             "evidence_page": "ads"}))
    return found


# ---------------------------------------------------------------- products

def product_candidates(wh: Warehouse, profile: SellerProfile, states: dict[str, RuleState],
                       now_utc: datetime) -> list[store.AlertCandidate]:
    """Return/claim spikes (products.product_trouble's significance test) and stock-outs of selling products."""
    found: list[store.AlertCandidate] = []
    tz = profile.timezone
    today = local_now(tz, now_utc).date()
    returns_rule, stock_rule = states.get("returns_product"), states.get("stock_out_product")
    if returns_rule is not None and returns_rule.active(now_utc):
        from analytics.products import (
            product_trouble,
            products_claims_by_sku,
            products_sales_by_sku,
            trouble_windows,
        )
        w = trouble_windows(tz, now_utc)
        sid = profile.seller_id
        trouble, _ = product_trouble(
            products_sales_by_sku(wh, sid, w["recent_start_utc"], w["recent_end_utc"]),
            products_claims_by_sku(wh, sid, w["recent_start_utc"], w["recent_end_utc"]),
            products_sales_by_sku(wh, sid, w["history_start_utc"], w["history_end_utc"]),
            products_claims_by_sku(wh, sid, w["history_start_utc"], w["history_end_utc"]))
        for r in trouble.filter(pl.col("flagged") & (pl.col("claimed_units") >= MIN_CLAIMED_UNITS)).iter_rows(named=True):
            baseline = max(r["own_baseline"] or 0.0, r["store_claim_rate"] or 0.0)
            ratio = r["claim_rate"] / baseline if baseline else None
            severity = "critical" if ratio and ratio >= 4 else "warning"
            ko, en = alert_text.returns_headline(r["product_name"], r["claim_rate"], baseline)
            found.append(store.AlertCandidate(
                sid, "returns_product", "claim_rate", r["sku"], "daily", local_midnight_utc(tz, today),
                now_utc, severity, "spike", r["claim_rate"], baseline, r["claim_rate_low"], r["claim_rate_high"],
                (ratio - 1) if ratio else None, 1 - min(r["p_vs_own"], r["p_vs_store"]), ko, en,
                {"sku": r["sku"], "product_name": r["product_name"], "units": r["units"],
                 "claimed_units": r["claimed_units"], "history_claim_rate": r["history_claim_rate"],
                 "store_claim_rate": r["store_claim_rate"],
                 "explanation": explain.explain_returns(wh, profile, r["sku"], w), "evidence_page": "products",
                 "chart": {**explain.weekly_claim_rate(wh, profile, r["sku"], today), "expected": baseline}}))
    if stock_rule is not None and stock_rule.active(now_utc):
        from analytics.product_forecast import products_stock_by_day, products_units_by_day, reorder_advice

        advice = reorder_advice(wh, profile.seller_id, tz, now_utc)
        out = advice.filter((pl.col("status") == "out_of_stock") & (pl.col("lost_sales_per_day") >= 1))
        first = today - timedelta(days=CHART_DAYS)
        stock = products_stock_by_day(wh, profile.seller_id, first, today) if out.height else None
        units = (products_units_by_day(wh, profile.seller_id, tz, local_midnight_utc(tz, first),
                                       local_midnight_utc(tz, today)) if out.height else None)
        for r in out.iter_rows(named=True):
            since = r["out_of_stock_since"]
            ko, en = alert_text.stock_out_headline(r["product_name"], since, r["lost_sales_per_day"],
                                                   r["reorder_qty"])
            found.append(store.AlertCandidate(
                profile.seller_id, "stock_out_product", "on_hand", r["sku"], "daily", local_midnight_utc(tz, since),
                now_utc, "warning", "drop", 0.0, r["lost_sales_per_day"], None, None, -1.0, 1.0, ko, en,
                {"sku": r["sku"], "product_name": r["product_name"], "since": since.isoformat(),
                 "lost_units_per_day": r["lost_sales_per_day"], "reorder_qty": r["reorder_qty"],
                 "chart": _stock_chart(stock, units, r["sku"], first, today),
                 "email": {"figures": False},       # "0 in stock vs 4 sold a day" reads wrong as actual/usual
                 "explanation": {"causes": [{"kind": "stock_out", "sku": r["sku"], "name": r["product_name"],
                                             "since": since.isoformat()}]},
                 "evidence_page": "products"}))
    return found


CHART_DAYS = 42


def _stock_chart(stock: pl.DataFrame | None, units: pl.DataFrame | None, sku: str, first: date,
                 today: date) -> dict:
    """Units sold per day over the last 6 weeks (the chart of a stock-out alert: sales stop when stock runs out)."""
    days = [first + timedelta(days=i) for i in range((today - first).days)]
    sold = {} if units is None else dict(units.filter(pl.col("sku") == sku).select("order_date", "units").iter_rows())
    on_hand = {} if stock is None else dict(stock.filter(pl.col("sku") == sku)
                                            .select("snapshot_date", "on_hand").iter_rows())
    return {"dates": [d.isoformat() for d in days], "values": [float(sold.get(d, 0)) for d in days],
            "on_hand": [None if d not in on_hand else float(on_hand[d]) for d in days]}


# ---------------------------------------------------------------- running a check

CHECKS = {
    "daily": (store_daily_candidates, campaign_candidates, product_candidates,
              saved_metrics.saved_query_candidates),
    "intraday": (intraday_candidates,),
}


def find_candidates(wh: Warehouse, seller_id: str, now_utc: datetime, kind: str) -> list[store.AlertCandidate]:
    """Every alert the `kind` checks (daily | intraday) find for the seller at now_utc (nothing stored)."""
    profile = seller_profile(wh, seller_id)
    if profile is None:
        raise ValueError(f"Unknown seller {seller_id!r}")
    states = {s.rule.rule_id: s for s in store.rule_states(wh, seller_id)}
    # muted rules still run (so the history shows what was found while snoozed); enabled=false ones do not
    unmuted = {k: (s if s.muted_until is None or s.muted_until <= now_utc else
                   RuleState(s.rule, s.enabled, s.sensitivity, None)) for k, s in states.items()}
    found: list[store.AlertCandidate] = []
    for check in CHECKS[kind]:
        try:
            found.extend(check(wh, profile, unmuted, now_utc))
        except Exception:           # one failing check must not silence the others
            log.exception("alert check %s failed for %s", check.__name__, seller_id)
    return found


def status_for(wh: Warehouse, candidate: store.AlertCandidate, states: dict[str, RuleState],
               now_utc: datetime) -> str:
    """pending (to send), ongoing (continues an alerted episode), suppressed (snoozed, or the seller marked a
    change at least this big on this subject 'not an anomaly' in the last 4 weeks)."""
    rule_ids = candidate.details.get("rules") or [candidate.rule_id]
    state_list = [states[r] for r in rule_ids if r in states]
    if state_list and all(s.muted_until is not None and s.muted_until > now_utc for s in state_list):
        return "suppressed"
    rule = RULES_BY_ID.get(rule_ids[0])
    days = rule.continuation_days if rule else 1
    earlier = store.recent_alerts(wh, candidate.seller_id, candidate.rule_id, candidate.subject,
                                  candidate.window_start - timedelta(days=max(days, FEEDBACK_DAYS)),
                                  candidate.window_start)
    same_direction = earlier.filter(pl.col("direction") == candidate.direction)
    dismissed = same_direction.filter((pl.col("status") == "not_anomaly")
                                      & (pl.col("window_start") >= candidate.window_start
                                         - timedelta(days=FEEDBACK_DAYS)))
    if dismissed.height and candidate.change_share is not None:
        biggest = dismissed["change_share"].abs().max()
        if biggest is not None and abs(candidate.change_share) <= float(biggest) * 1.25:
            return "suppressed"
    continuing = same_direction.filter(pl.col("window_start") >= candidate.window_start - timedelta(days=days))
    if continuing.height:
        rank = {"info": 1, "warning": 2, "critical": 3}
        worst_before = max(rank.get(s, 0) for s in continuing["severity"].to_list())
        return "pending" if rank.get(candidate.severity, 0) > worst_before else "ongoing"
    return "pending"


def run_check(wh: Warehouse, seller_id: str, now_utc: datetime, kind: str) -> CheckOutcome:
    """find_candidates, then store each new one with its status. Running it again for the same moment, or after
    a restart, stores nothing twice (idempotency key)."""
    states = {s.rule.rule_id: s for s in store.rule_states(wh, seller_id)}
    found, new_keys = [], []
    for candidate in find_candidates(wh, seller_id, now_utc, kind):
        status = status_for(wh, candidate, states, now_utc)
        if store.record_alert(wh, candidate, status, now_utc):
            new_keys.append(candidate.alert_key)
        found.append((candidate, status))
    return CheckOutcome(seller_id, kind, found, new_keys)
