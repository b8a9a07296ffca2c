"""Ads: known answers of every ads SQL file on hand-made rows, ratios, break-even, ROAS tests, response curves,
the demo store's ad incidents, the --json report and the page (AppTest) showing the same numbers."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from analytics import ads
from analytics.metrics import format_metric_value
from analytics.period import ReportPeriod, report_period
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 20, 5, 0)          # the demo store's clock (tests/conftest.py)

AD_COLUMNS = ("seller_id, stat_date, stat_hour, platform, campaign, ad_group, keyword, impressions, clicks, cost, "
              "conversions, conversion_revenue")
AD_ROWS = [
    # day 1: line A has a daily row AND hourly rows -> only the hourly rows count
    ("s", date(2026, 11, 1), None, "naver", "C1", "G1", "kw a", 999, 99, 9999, 9, 99999),
    ("s", date(2026, 11, 1), 10, "naver", "C1", "G1", "kw a", 100, 10, 1000, 1, 5000),
    ("s", date(2026, 11, 1), 11, "naver", "C1", "G1", "kw a", 100, 5, 500, 0, 0),
    # day 2: line A daily only
    ("s", date(2026, 11, 2), None, "naver", "C1", "G1", "kw a", 200, 5, 700, 1, 3000),
    # line B: impressions, no clicks, no conversions (CTR 0, CPC null) ; spends nothing
    ("s", date(2026, 11, 2), None, "naver", "C1", "G1", "kw b", 50, 0, 0, 0, 0),
    # line C: spends, never converts (waste)
    ("s", date(2026, 11, 2), None, "naver", "C1", "G2", "kw c", 300, 20, 4000, 0, 0),
    # another campaign without keyword; another seller; a row outside the window
    ("s", date(2026, 11, 2), None, "coupang", "C2", "auto", "", 1000, 40, 2000, 4, 12000),
    ("t", date(2026, 11, 2), None, "naver", "C1", "G1", "kw a", 1, 1, 1, 1, 1),
    ("s", date(2026, 11, 5), None, "naver", "C1", "G1", "kw a", 1, 1, 1, 1, 1),
]


@pytest.fixture
def ad_shop(warehouse):
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('s', '가게', 'KRW', 'Asia/Seoul', 'ko'), ('t', 'T', 'KRW', 'Asia/Seoul', 'ko')")
        for row in AD_ROWS:
            cur.execute(f"INSERT INTO ad_stats ({AD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row))
        # products with and without a unit cost
        cur.execute("INSERT INTO products (seller_id, sku, name, unit_cost) VALUES "
                    "('s', 'P1', '간식', 6000), ('s', 'P2', '사료', 14000), ('s', 'P3', '원가없음', NULL)")
        orders = [("O1", datetime(2026, 11, 1, 3), "paid", 1000), ("O2", datetime(2026, 11, 1, 4), "cancelled", 0),
                  ("O3", datetime(2026, 11, 2, 5), "refunded", 0), ("O4", datetime(2026, 12, 1, 5), "paid", 0)]
        for oid, at, status, discount in orders:
            cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) VALUES ('s', ?, ?, ?, ?)",
                        [oid, at, status, discount])
        lines = [("O1", 1, "P1", 2, 10000, 0, "product"),      # 20000 revenue, cost 12000
                 ("O1", 2, None, 1, 3000, 0, "shipping"),      # excluded
                 ("O2", 1, "P1", 5, 10000, 0, "product"),      # cancelled order: excluded
                 ("O3", 1, "P2", 1, 20000, 2000, "product"),   # 18000 revenue, cost 14000
                 ("O3", 2, "P3", 1, 5000, 0, "product"),       # no unit cost: out of the margin, in product revenue
                 ("O4", 1, "P1", 9, 10000, 0, "product")]      # outside the window
        for oid, no, sku, qty, price, disc, lt in lines:
            at = {o[0]: o[1] for o in orders}[oid]
            cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price, "
                        "discount, line_type) VALUES ('s', ?, ?, ?, ?, ?, ?, ?, ?)", [oid, no, at, sku, qty, price,
                                                                                      disc, lt])
    return warehouse


# ---------------------------------------------------------------- SQL known answers

def test_ads_line_totals_counts_hourly_rows_instead_of_the_daily_row(ad_shop):
    lines = ads.ads_line_totals(ad_shop, "s", date(2026, 11, 1), date(2026, 11, 2))
    rows = {(r["campaign"], r["keyword"]): r for r in lines.iter_rows(named=True)}
    assert set(rows) == {("C1", "kw a"), ("C1", "kw b"), ("C1", "kw c"), ("C2", "")}
    a = rows[("C1", "kw a")]
    # day 1 from the two hourly rows (the 9999 daily row is ignored), day 2 from its daily row
    assert (a["impressions"], a["clicks"], a["spend"], a["conversions"], a["conversion_revenue"]) == \
        (400, 20, 2200.0, 2, 8000.0)
    assert a["active_day_count"] == 2
    assert rows[("C1", "kw c")]["spend"] == 4000.0
    assert lines.schema["spend"] == pl.Float64


def test_ads_campaign_days_per_campaign_and_day(ad_shop):
    days = ads.ads_campaign_days(ad_shop, "s", date(2026, 11, 1), date(2026, 11, 2))
    rows = {(r["campaign"], r["stat_date"]): r for r in days.iter_rows(named=True)}
    assert set(rows) == {("C1", date(2026, 11, 1)), ("C1", date(2026, 11, 2)), ("C2", date(2026, 11, 2))}
    assert (rows[("C1", date(2026, 11, 1))]["spend"], rows[("C1", date(2026, 11, 1))]["clicks"]) == (1500.0, 15)
    assert rows[("C1", date(2026, 11, 2))]["spend"] == 4700.0          # kw a 700 + kw b 0 + kw c 4000
    assert rows[("C1", date(2026, 11, 2))]["impressions"] == 550
    assert ads.ads_campaign_days(ad_shop, "nobody", date(2026, 11, 1), date(2026, 11, 2)).height == 0


def test_ads_margin_parts(ad_shop):
    parts = ads.ads_margin_parts(ad_shop, "s", datetime(2026, 10, 31, 15), datetime(2026, 11, 2, 15))
    assert parts["product_revenue"] == 43000.0      # 20000 + 18000 + 5000; shipping and cancelled excluded
    assert parts["costed_revenue"] == 38000.0       # P3 has no unit cost
    assert parts["costed_cost"] == 26000.0          # 2 × 6000 + 14000
    assert (parts["product_line_count"], parts["uncosted_line_count"]) == (3, 1)
    margin = ads.margin_rate_of(parts)
    assert margin == pytest.approx(12000 / 38000)
    assert ads.break_even_roas(margin) == pytest.approx(38000 / 12000)


def test_ratios_with_zero_denominators(ad_shop):
    lines = ads.ads_line_totals(ad_shop, "s", date(2026, 11, 1), date(2026, 11, 2))
    kw = ads.metrics_by_grain(lines, "keyword", store_revenue=50000.0, margin_rate=0.5)
    b = kw.filter(pl.col("keyword") == "kw b").row(0, named=True)
    assert b["ctr"] == 0.0                          # impressions but no clicks: CTR is defined (0)
    assert b["cpc"] is None and b["cvr"] is None and b["cpa"] is None and b["roas"] is None and b["acos"] is None
    a = kw.filter(pl.col("keyword") == "kw a").row(0, named=True)
    assert a["ctr"] == pytest.approx(20 / 400) and a["cpc"] == pytest.approx(110.0)
    assert a["cvr"] == pytest.approx(0.1) and a["cpa"] == pytest.approx(1100.0)
    assert a["roas"] == pytest.approx(8000 / 2200) and a["acos"] == pytest.approx(2200 / 8000)
    assert a["tacos"] == pytest.approx(2200 / 50000)
    assert a["contribution"] == pytest.approx(8000 * 0.5 - 2200)
    c = kw.filter(pl.col("keyword") == "kw c").row(0, named=True)
    assert c["waste_spend"] == 4000.0 and c["profitable"] is False
    campaigns = ads.metrics_by_grain(lines, "campaign", store_revenue=0.0, margin_rate=None)
    c1 = campaigns.filter(pl.col("campaign") == "C1").row(0, named=True)
    assert (c1["spend"], c1["clicks"], c1["conversions"], c1["waste_spend"]) == (6200.0, 40, 2, 4000.0)
    assert c1["tacos"] is None and c1["contribution"] is None and c1["profitable"] is None


def test_waste_at_keyword_and_ad_group_grain(ad_shop):
    lines = ads.ads_line_totals(ad_shop, "s", date(2026, 11, 1), date(2026, 11, 2))
    kw = ads.waste_rows(lines, "keyword")
    assert kw["keyword"].to_list() == ["kw c"]               # kw b spent nothing: not waste
    assert kw["share_of_spend"][0] == pytest.approx(4000 / 8200)
    groups = ads.waste_rows(lines, "ad_group")
    assert groups["ad_group"].to_list() == ["G2"]            # G1 converted through kw a


def test_compare_with_previous_period():
    now = ads.metrics_by_grain(pl.DataFrame({"platform": ["p"], "campaign": ["c"], "ad_group": [""], "keyword": [""],
                                             "spend": [200.0], "impressions": [10], "clicks": [2], "conversions": [1],
                                             "conversion_revenue": [600.0], "active_day_count": [1]}),
                               "campaign", 1000.0, 0.5)
    before = now.with_columns(pl.lit(100.0).alias("spend"), pl.lit(4.0).alias("roas"))
    out = ads.compare_with_previous(now, before, "campaign").row(0, named=True)
    assert out["spend_change_pct"] == pytest.approx(100.0)
    assert out["roas_change_pct"] == pytest.approx((3.0 / 4.0 - 1) * 100)


# ---------------------------------------------------------------- break-even

def test_break_even_verdict_on_a_hand_example():
    # margin 30%: break-even ROAS 1/0.3 = 333%; a campaign at 300% loses money, one at 400% earns
    margin = 0.3
    be = ads.break_even_roas(margin)
    assert be == pytest.approx(3.3333, abs=1e-4)
    frame = ads.metrics_by_grain(pl.DataFrame({
        "platform": ["p", "p"], "campaign": ["lose", "win"], "ad_group": ["", ""], "keyword": ["", ""],
        "spend": [100000.0, 100000.0], "impressions": [1000, 1000], "clicks": [100, 100], "conversions": [10, 10],
        "conversion_revenue": [300000.0, 400000.0], "active_day_count": [7, 7]}), "campaign", 1e6, margin)
    rows = {r["campaign"]: r for r in frame.iter_rows(named=True)}
    assert rows["lose"]["contribution"] == pytest.approx(300000 * 0.3 - 100000)     # -10,000
    assert rows["lose"]["profitable"] is False and rows["win"]["profitable"] is True
    assert ads.profitability_text(rows["lose"], be, "KRW", "en") == \
        "ROAS 300% but break-even is 333%: losing money (-₩10,000)"
    assert "손해" in ads.profitability_text(rows["lose"], be, "KRW", "ko")
    assert "profitable (₩20,000)" in ads.profitability_text(rows["win"], be, "KRW", "en")
    assert ads.break_even_roas(0.0) is None and ads.break_even_roas(None) is None
    assert ads.margin_rate_of({"costed_revenue": 0.0, "costed_cost": 0.0}) is None


# ---------------------------------------------------------------- ROAS tests and curves on synthetic series

def _days(campaign, rates, clicks=100, cpc=100.0, value=10000.0, last=date(2026, 11, 19)):
    n = len(rates)
    return pl.DataFrame({
        "stat_date": [last - timedelta(days=n - 1 - i) for i in range(n)], "platform": ["p"] * n,
        "campaign": [campaign] * n, "spend": [clicks * cpc] * n, "impressions": [clicks * 20] * n,
        "clicks": [clicks] * n, "conversions": [int(r) for r in rates],
        "conversion_revenue": [r * value for r in rates]}, schema=ads.DAY_SCHEMA)


def test_roas_fall_test_flags_a_real_fall_and_not_noise():
    last = date(2026, 11, 19)
    fell = _days("fell", [5] * 28 + [1] * 7)          # 140 vs 7 conversions on equal clicks
    steady = _days("steady", [5] * 28 + [4] * 7)      # 20% lower: within noise and below the effect size
    few = _days("few", [1] * 28 + [0] * 7)            # 28 vs 0: expected 7, p ≈ 0.0005 -> flagged too
    out = {r["campaign"]: r for r in ads.roas_fall_tests(pl.concat([fell, steady, few]), last).iter_rows(named=True)}
    assert out["fell"]["falling"] and out["fell"]["rate_ratio"] == pytest.approx(0.2)
    assert out["fell"]["expected_conversions"] == pytest.approx(147 * 7 / 35)
    assert not out["steady"]["falling"]
    assert out["few"]["p_value"] < ads.ALPHA and out["few"]["falling"]
    tiny = _days("tiny", [0] * 27 + [1] + [0] * 7)     # 1 vs 0: p = 0.4, nothing to say
    assert not ads.roas_fall_tests(tiny, last)["falling"][0]


def test_roas_trend_finds_a_steady_decline():
    rates = [round(6 * (1 - 0.8 * i / 83)) for i in range(84)]   # conversions per click fall 80% over 12 weeks
    trends = ads.roas_trends(pl.concat([_days("decay", rates), _days("flat", [4, 5, 3] * 28)]), date(2026, 11, 19))
    out = {r["campaign"]: r for r in trends.iter_rows(named=True)}
    assert out["decay"]["direction"] == "falling" and out["decay"]["trend_change_pct"] < -60
    assert out["flat"]["direction"] == "flat"


@pytest.mark.parametrize("seed", range(12))
def test_poisson_trend_equals_statsmodels_glm(seed):
    """The written-out IRLS gives statsmodels' Poisson GLM with a log(clicks) offset: slope, standard error,
    Pearson chi² and residual degrees of freedom, on campaigns from flat to steep, sparse to busy, with zero days."""
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    n = int(rng.integers(21, 85))
    x = np.sort(rng.choice(84, n, replace=False)).astype(float)
    clicks = rng.integers(1, [20, 400, 5_000][seed % 3], n).astype(float)
    rate = np.exp(rng.normal(-3.5, 0.5) + rng.normal(0, 0.02) * x)
    y = rng.poisson(clicks * rate * rng.gamma(5.0, 0.2, n)).astype(float)     # overdispersed at times
    fit = sm.GLM(y, sm.add_constant(x), family=sm.families.Poisson(), offset=np.log(clicks)).fit()
    slope, se, chi2, df_resid = ads.poisson_trend(x, y, np.log(clicks))
    assert slope == pytest.approx(float(fit.params[1]), rel=1e-9, abs=1e-12)
    assert se == pytest.approx(float(fit.bse[1]), rel=1e-9)
    assert chi2 == pytest.approx(float(fit.pearson_chi2), rel=1e-9)
    assert df_resid == int(fit.df_resid)


def test_response_curve_recovers_a_concave_curve_and_marginal_roas():
    import numpy as np

    rng = np.random.default_rng(1)
    spend = rng.uniform(1000, 20000, 200)
    revenue = 50 * spend ** 0.6 * rng.gamma(20, 1 / 20, 200)
    a, b = ads.fit_response_curve(spend.tolist(), revenue.tolist())
    assert b == pytest.approx(0.6, abs=0.05)
    curve = ads.ResponseCurve("p", "c", a, b, 200, 10000.0, 20000.0)
    assert curve.marginal_roas_at(10000.0) == pytest.approx(a * b * 10000 ** (b - 1))
    assert curve.marginal_roas_at(10000.0) < curve.revenue_at(10000.0) / 10000.0   # diminishing returns
    # convex data is clipped to b = 1 (no increasing returns)
    _, b_lin = ads.fit_response_curve([1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 16.0])
    assert b_lin == 1.0


def test_budget_goes_to_the_highest_marginal_roas_above_break_even():
    good = ads.ResponseCurve("p", "good", a=5.0, b=1.0, fit_days=84, current_daily_spend=1000.0,
                             max_daily_spend=2000.0)
    poor = ads.ResponseCurve("p", "poor", a=1.5, b=1.0, fit_days=84, current_daily_spend=9000.0,
                             max_daily_spend=9000.0)
    out = ads.allocate_extra_budget([good, poor], total_daily_spend=10000.0, hurdle_roas=2.0, margin_rate=0.5)
    assert out["campaign"].to_list() == ["good"]                        # poor's 150% is below break-even 200%
    assert out["extra_daily_spend"][0] == pytest.approx(500.0)          # capped at +50% of its spend
    assert out["extra_daily_revenue"][0] == pytest.approx(2500.0)
    assert out["extra_daily_contribution"][0] == pytest.approx(2500 * 0.5 - 500)


def test_budget_skips_held_campaigns_and_keeps_platforms_apart():
    good = ads.ResponseCurve("p", "good", a=5.0, b=1.0, fit_days=84, current_daily_spend=1000.0,
                             max_daily_spend=2000.0)
    poor = ads.ResponseCurve("p", "poor", a=1.5, b=1.0, fit_days=84, current_daily_spend=9000.0,
                             max_daily_spend=9000.0)
    held = ads.allocate_extra_budget([good, poor], 10000.0, 2.0, 0.5, held=frozenset({("p", "good")}))
    assert held.height == 0                                             # good is held, poor is below break-even
    # one campaign name on two platforms: two campaigns, each capped at +50% of its own spend
    twin = ads.ResponseCurve("q", "good", a=4.0, b=1.0, fit_days=84, current_daily_spend=1000.0,
                             max_daily_spend=2000.0)
    both = ads.allocate_extra_budget([good, twin, poor], 10000.0, 2.0, 0.5)
    assert sorted(zip(both["platform"], both["extra_daily_spend"], strict=True)) == [("p", 500.0), ("q", 500.0)]
    only_twin = ads.allocate_extra_budget([good, twin, poor], 10000.0, 2.0, 0.5, held=frozenset({("p", "good")}))
    assert only_twin["platform"].to_list() == ["q"]


def test_budget_holds_campaigns_with_a_significant_fall_or_falling_trend():
    falls = pl.DataFrame({"platform": ["n", "n", "g"], "campaign": ["a", "b", "c"], "falling": [True, False, False]})
    trends = pl.DataFrame({"platform": ["n", "n", "g", "g"], "campaign": ["a", "b", "c", "d"],
                           "direction": ["falling", "flat", "falling", "rising"]})
    out = ads.budget_holds(falls, trends)
    assert out.rows() == [("g", "c", "falling_trend"), ("n", "a", "roas_fall")]


# ---------------------------------------------------------------- the demo store

@pytest.fixture
def demo_wh(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    yield wh
    wh.close()


def _analysis(wh, seller):
    return ads.analyse_ads(wh, report_period(wh, seller, as_of=AS_OF))


def test_demo_ad_collapse_is_flagged_and_nothing_else(demo_wh):
    collapsed = demo_wh.sql("SELECT subject FROM demo_incidents WHERE incident = 'ad_collapse'")["subject"][0]
    assert collapsed == "파워링크_간식"
    a = _analysis(demo_wh, "petshop_kr")
    assert a.last_complete_day == date(2026, 11, 19)                  # today (14:00 KST) is not complete
    flagged = a.falls.filter(pl.col("falling"))
    assert flagged["campaign"].to_list() == [collapsed]
    row = flagged.row(0, named=True)
    assert row["p_value"] < ads.ALPHA and row["rate_ratio"] < 0.5
    assert row["recent_roas"] < row["baseline_roas"] / 2
    flagged_counts = {}
    for seller in ("outdoor_us", "coffee_kr"):
        flagged_counts[seller] = int(_analysis(demo_wh, seller).falls["falling"].sum())
    assert flagged_counts == {"outdoor_us": 0, "coffee_kr": 0}, flagged_counts


def test_demo_decaying_campaign_shows_a_falling_trend(demo_wh):
    a = _analysis(demo_wh, "petshop_kr")
    trends = {r["campaign"]: r for r in a.trends.iter_rows(named=True)}
    decay = trends["쿠팡_사료_자동"]
    assert decay["direction"] == "falling" and decay["trend_change_pct"] < -50
    assert [c for c, r in trends.items() if r["direction"] == "falling"] == ["쿠팡_사료_자동"]
    weekly = ads.weekly_roas(a.campaign_days, "쿠팡_사료_자동", a.last_complete_day)
    first, last = weekly.head(4), weekly.tail(4)
    assert last["conversion_revenue"].sum() / last["spend"].sum() < first["conversion_revenue"].sum() / first[
        "spend"].sum()
    us = _analysis(demo_wh, "outdoor_us")
    assert (us.trends["direction"] == "falling").sum() == 0


def test_demo_waste_and_break_even(demo_wh):
    a = _analysis(demo_wh, "petshop_kr")
    waste = a.waste["keyword"]
    assert "강아지 유모차" in waste["keyword"].to_list()
    stroller = waste.filter(pl.col("keyword") == "강아지 유모차").row(0, named=True)
    spent = demo_wh.scalar("SELECT CAST(sum(cost) AS DOUBLE) FROM ad_stats WHERE seller_id = 'petshop_kr' AND "
                           "keyword = '강아지 유모차' AND stat_date BETWEEN DATE '2026-10-22' AND DATE '2026-11-20'")
    assert stroller["spend"] == pytest.approx(spent) and spent > 0
    assert a.totals["waste_share"] == pytest.approx(a.totals["waste_spend"] / a.totals["spend"])
    assert 0 < a.totals["margin_rate"] < 1
    assert a.totals["break_even_roas"] == pytest.approx(1 / a.totals["margin_rate"])
    campaigns = a.grains["campaign"]
    losing = campaigns.filter(pl.col("roas") < a.totals["break_even_roas"])["campaign"].to_list()
    assert set(losing) == set(campaigns.filter(~pl.col("profitable"))["campaign"].to_list())
    assert "파워링크_기타" in losing
    assert a.curves, "campaigns with 12 weeks of data get a response curve"
    assert all(0 <= c.b <= 1 for c in a.curves)
    for r in a.budget.iter_rows(named=True):
        assert r["marginal_roas"] > a.totals["break_even_roas"]


def test_demo_budget_leaves_out_the_collapsed_and_the_decaying_campaign(demo_wh):
    """The ad collapse (파워링크_간식, last 5 days) and the yearly decay (쿠팡_사료_자동) are held: their 12-week
    curves describe the campaigns before the fall. The advice names a held campaign when its curve alone would
    have earned it money."""
    a = _analysis(demo_wh, "petshop_kr")
    held = {(r["campaign"], r["reason"]) for r in a.held.iter_rows(named=True)}
    assert held == {("파워링크_간식", "roas_fall"), ("쿠팡_사료_자동", "falling_trend")}
    assert a.budget.height > 0 and not {c for c, _ in held} & set(a.budget["campaign"].to_list())
    curve = next(c for c in a.curves if c.campaign == "파워링크_간식")
    promising = curve.marginal_roas_at(curve.current_daily_spend) > a.totals["break_even_roas"]
    for lang, word in (("ko", "제외: "), ("en", "Left out: ")):
        text = ads.budget_advice_text(a, lang)
        assert (f"{word}파워링크_간식" in text) == promising and "쿠팡_사료_자동" not in text.split(word)[-1][:30]
    # without the holds the collapsed campaign's old curve would have drawn money (what the page advised before)
    unheld = ads.allocate_extra_budget(a.curves, a.totals["current_daily_spend"], a.totals["break_even_roas"],
                                       a.totals["margin_rate"])
    assert promising == ("파워링크_간식" in unheld["campaign"].to_list())
    assert _analysis(demo_wh, "outdoor_us").held.height == 0
    # a held campaign the curves favour is named: hold the top recipient and the money goes elsewhere
    top = a.budget.row(0, named=True)
    hold = pl.DataFrame({"platform": [top["platform"]], "campaign": [top["campaign"]], "reason": ["roas_fall"]})
    budget = ads.allocate_extra_budget(a.curves, a.totals["current_daily_spend"], a.totals["break_even_roas"],
                                       a.totals["margin_rate"], held=frozenset({(top["platform"], top["campaign"])}))
    assert top["campaign"] not in budget["campaign"].to_list()
    again = dataclasses.replace(a, held=hold, budget=budget)
    assert f"Left out: {top['campaign']}." in ads.budget_advice_text(again, "en")
    assert f"제외: {top['campaign']}." in ads.budget_advice_text(again, "ko")


def _run_json(demo_db, seller, lang="en"):
    proc = subprocess.run([sys.executable, "-m", "analytics", "ads", "--seller", seller, "--as-of",
                           "2026-11-20 14:00" if seller != "outdoor_us" else "2026-11-19 21:00", "--json",
                           "--lang", lang, "--db", str(demo_db)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_report_agrees_with_an_independent_calculation(demo_db):
    result = _run_json(demo_db, "petshop_kr")
    wh = Warehouse(demo_db, read_only=True)
    spend, clicks, conv, rev = wh.sql("""
        SELECT CAST(sum(cost) AS DOUBLE) AS s, CAST(sum(clicks) AS DOUBLE) AS c, CAST(sum(conversions) AS DOUBLE) AS v,
               CAST(sum(conversion_revenue) AS DOUBLE) AS r
        FROM ad_stats WHERE seller_id = 'petshop_kr' AND stat_date BETWEEN DATE '2026-10-22' AND DATE '2026-11-20'
    """).row(0)
    from analytics.kpis import kpi_totals
    store = kpi_totals(wh, "petshop_kr", datetime(2026, 10, 21, 15), AS_OF)["revenue"]
    wh.close()
    totals = result["totals"]
    assert (totals["spend"], totals["clicks"], totals["conversions"]) == (pytest.approx(spend), clicks, conv)
    assert totals["conversion_revenue"] == pytest.approx(rev)
    assert totals["store_revenue"] == pytest.approx(store)
    assert totals["tacos"] == pytest.approx(spend / store)
    assert totals["break_even_roas"] == pytest.approx(1 / totals["margin_rate"])
    assert sum(r["spend"] for r in result["rows"]) == pytest.approx(spend)
    assert sum(r["spend"] for r in result["sections"]["keyword"]) == pytest.approx(spend)
    assert result["trend_flags"]["flagged"] == ["파워링크_간식"]
    assert result["trend_flags"]["flagged_count"] == 1
    assert any(r["keyword"] == "강아지 유모차" for r in result["waste"]["keyword"])
    assert result["budget_advice"]["text"]
    assert {(r["campaign"], r["reason"]) for r in result["budget_advice"]["held"]} == {
        ("파워링크_간식", "roas_fall"), ("쿠팡_사료_자동", "falling_trend")}
    assert not {r["campaign"] for r in result["budget_advice"]["rows"]} & {"파워링크_간식", "쿠팡_사료_자동"}
    assert "ad_roas" in result["definitions"]
    us = _run_json(demo_db, "outdoor_us", lang="ko")
    assert us["trend_flags"]["flagged_count"] == 0 and us["period"]["currency"] == "USD"


def test_empty_store_has_no_ads_and_no_errors(warehouse):
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('e', 'E', 'KRW', 'Asia/Seoul', 'ko')")
    period = ReportPeriod("e", "Asia/Seoul", "KRW", date(2026, 11, 1), date(2026, 11, 30), AS_OF)
    result = ads.report(warehouse, period)
    assert result["totals"]["spend"] == 0 and result["rows"] == [] and result["totals"]["roas"] is None
    assert result["trend_flags"]["flagged_count"] == 0 and result["budget_advice"]["rows"] == []
    assert result["budget_advice"]["held"] == []


# ---------------------------------------------------------------- the page

def test_ads_page_widgets_and_numbers_equal_the_json(demo_db):
    from streamlit.testing.v1 import AppTest

    result = _run_json(demo_db, "petshop_kr", lang="ko")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = "2026-11-20T05:00:00"
    at.run()
    at.switch_page("pages/ads.py").run()
    assert not at.exception
    assert [x.value for x in at.title] == ["광고"]
    tiles = {m.label: m.value for m in at.metric}
    totals = result["totals"]
    assert tiles["광고비"] == format_metric_value("ad_spend", totals["spend"], "KRW")
    assert tiles["ROAS"] == format_metric_value("ad_roas", totals["roas"], "KRW")
    assert tiles["손익분기 ROAS"] == format_metric_value("ad_break_even_roas", totals["break_even_roas"], "KRW")
    assert tiles["광고 후 공헌이익"] == format_metric_value("ad_contribution", totals["contribution"], "KRW")
    assert tiles["TACoS"] == format_metric_value("ad_tacos", totals["tacos"], "KRW")
    assert all(m.help for m in at.metric)                                  # every tile shows its definition
    assert any("파워링크_간식" in e.value for e in at.error)               # the collapse flag
    assert result["trend_flags"]["texts"][0] == at.error[0].value

    table = at.dataframe[0].value                                          # campaign level by default
    page_rows = {r["campaign"]: r for r in table.to_dict("records")}
    for row in result["rows"]:
        assert page_rows[row["campaign"]]["spend"] == pytest.approx(row["spend"])
        assert page_rows[row["campaign"]]["verdict"] == row["verdict"]
    named = {"naver_searchad": "네이버 검색광고", "coupang_ads": "쿠팡 광고", "google_ads": "Google Ads",
             "meta_ads": "Meta 광고"}                                      # --json keeps the stored codes
    assert {r["platform"] for r in result["rows"]} == set(named)
    assert {c: r["platform"] for c, r in page_rows.items()} == {
        row["campaign"]: named[row["platform"]] for row in result["rows"]}

    at.radio(key="ads_grain").set_value("keyword").run()
    assert not at.exception
    keywords = at.dataframe[0].value
    assert len(keywords) == len(result["sections"]["keyword"])
    assert keywords["spend"].sum() == pytest.approx(totals["spend"])

    assert at.selectbox(key="ads_campaign").value == "파워링크_간식"        # the flagged campaign first
    at.selectbox(key="ads_campaign").set_value("쿠팡_사료_자동").run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert "쿠팡_사료_자동" in charts[0]["layout"]["title"]["text"]
    assert "쿠팡_사료_자동" in charts[1]["layout"]["title"]["text"]
    assert any("하락" in c.value for c in at.caption)                      # its falling 12-week trend
    assert result["budget_advice"]["text"] in [i.value for i in at.info]

    budget = next(d for d in at.dataframe if "extra_daily_spend" in d.value.columns)
    formats = {name: spec.get("type_config", {}).get("format")
               for name, spec in json.loads(budget.proto.columns).items()}
    assert formats["current_daily_spend"] == formats["extra_daily_revenue"] == "%,.0f"   # won, as format_money
    spend_format = json.loads(at.dataframe[0].proto.columns)["spend"]["type_config"]["format"]
    assert spend_format == "%,.0f"

    at.radio(key="ads_waste_grain").set_value("ad_group").run()
    assert not at.exception
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and [x.value for x in at.title] == ["Ads"]
    assert set(at.dataframe[0].value["platform"]) == {"Naver search ads", "Coupang ads", "Google Ads", "Meta ads"}
    assert any("Put the next 10%" in i.value or "No campaign" in i.value for i in at.info)
