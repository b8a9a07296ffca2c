"""The products area: known answers for every products_*.sql file, the statistics, demo incidents, CLI and page."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import product_forecast as pf
from analytics import products as pr
from analytics.kpis import kpi_totals
from analytics.metrics import format_delta, format_metric_value
from analytics.period import report_period
from data.warehouse import Warehouse, open_warehouse

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = "2026-11-20T05:00:00"
NOW = datetime(2026, 11, 20, 5, 0)           # 14:00 in Seoul
WINDOW = (datetime(2026, 10, 31, 15, 0), NOW)  # 2026-11-01 00:00 KST .. now


# ---------------------------------------------------------------- hand-made shop

@pytest.fixture
def shop(warehouse):
    """Three products (C has no unit cost), a shipping line, a cancelled order, claims, visits, ads, stock."""
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('shop', '가게', 'KRW', 'Asia/Seoul', 'ko')")
        cur.execute("INSERT INTO products (seller_id, sku, name, category, price, unit_cost, line_type) VALUES "
                    "('shop', 'A', '고양이 모래', 'hygiene', 10000, 4000, 'product'), "
                    "('shop', 'B', '간식', 'snack', 5000, 1000, 'product'), "
                    "('shop', 'C', '장난감', 'toy', 2000, NULL, 'product'), "
                    "('shop', 'SHIP', '배송비', NULL, 3000, NULL, 'shipping')")
        orders = [  # order_id, ordered_at (UTC), status, order discount, lines (sku, qty, price, line discount, type)
            ("O1", datetime(2026, 11, 19, 3, 0), "paid", 1000,
             [("A", 2, 10000, 1000, "product"), ("B", 1, 5000, 0, "product"), ("SHIP", 1, 3000, 0, "shipping")]),
            ("O2", datetime(2026, 11, 18, 16, 0), "cancelled", 0, [("A", 5, 10000, 0, "product")]),
            ("O3", datetime(2026, 11, 10, 1, 0), "paid", 0, [("C", 3, 2000, 0, "product")]),
            ("O4", datetime(2026, 10, 10, 1, 0), "refunded", 0, [("A", 1, 10000, 0, "product")]),
        ]
        for order_id, at, status, discount, lines in orders:
            cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) VALUES "
                        "('shop', ?, ?, ?, ?)", [order_id, at, status, discount])
            for no, (sku, qty, price, line_discount, line_type) in enumerate(lines, start=1):
                cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, product_name, "
                            "quantity, unit_price, discount, line_type) VALUES ('shop', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [order_id, no, at, sku, f"name {sku}", qty, price, line_discount, line_type])
        cur.execute("INSERT INTO returns (seller_id, return_id, line_no, order_id, sku, returned_at, quantity, amount, "
                    "claim_type, line_type) VALUES "
                    "('shop', 'R1', 1, 'O1', 'A', TIMESTAMP '2026-11-19 10:00:00', 1, 9500, 'return', 'product'), "
                    "('shop', 'R2', 1, 'O1', 'B', TIMESTAMP '2026-11-19 11:00:00', 1, 0, 'exchange', 'product'), "
                    "('shop', 'R3', 1, 'O2', 'A', TIMESTAMP '2026-11-18 17:00:00', 5, 50000, 'cancel', 'product'), "
                    "('shop', 'R4', 1, 'O1', 'SHIP', TIMESTAMP '2026-11-19 10:00:00', 1, 3000, 'return', 'shipping'), "
                    "('shop', 'R5', 1, 'O4', 'A', TIMESTAMP '2026-10-12 10:00:00', 1, 10000, 'return', 'product')")
        cur.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel, landing_sku, order_id) VALUES "
                    "('shop', 'S1', TIMESTAMP '2026-11-19 02:50:00', 'ads', 'A', 'O1'), "
                    "('shop', 'S2', TIMESTAMP '2026-11-19 04:00:00', 'ads', 'B', NULL), "
                    "('shop', 'S3', TIMESTAMP '2026-11-10 00:50:00', 'search', 'C', 'O3'), "
                    "('shop', 'S4', TIMESTAMP '2026-11-18 15:50:00', 'ads', 'B', 'O2')")
        cur.execute("INSERT INTO ad_stats (seller_id, stat_date, platform, campaign, cost) VALUES "
                    "('shop', DATE '2026-11-19', 'naver', 'c1', 5000), ('shop', DATE '2026-11-18', 'naver', 'c2', 3000), "
                    "('shop', DATE '2026-10-01', 'naver', 'c1', 999)")
        cur.execute("INSERT INTO inventory (seller_id, snapshot_date, sku, on_hand, inbound, lead_time_days) VALUES "
                    "('shop', DATE '2026-11-18', 'A', 5, 0, 10), ('shop', DATE '2026-11-19', 'A', 0, 0, 10), "
                    "('shop', DATE '2026-11-19', 'B', 7, 2, NULL), ('shop', DATE '2026-09-01', 'B', 99, 0, 3)")
    return warehouse


def _by_sku(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["sku"]: r for r in frame.iter_rows(named=True)}


def test_products_sales_by_sku_shares_order_discounts_and_skips_shipping_and_cancelled(shop):
    rows = _by_sku(pr.products_sales_by_sku(shop, "shop", *WINDOW))
    assert set(rows) == {"A", "B", "C"}                                  # no SHIP line, cancelled O2 ignored
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert (a["units"], a["order_count"], a["gross_sales"], a["line_discount"]) == (2, 1, 20000, 1000)
    assert a["order_discount"] == pytest.approx(1000 * 19000 / 24000)     # share of O1's discount by net amount
    assert a["revenue"] == pytest.approx(19000 - 1000 * 19000 / 24000)
    assert (a["unit_cost"], a["cost"], a["product_name"]) == (4000, 8000, "고양이 모래")
    assert b["revenue"] == pytest.approx(5000 - 1000 * 5000 / 24000)
    assert (c["units"], c["revenue"], c["cost"]) == (3, 6000, None)        # unknown cost stays unknown
    totals = pr.products_order_totals(shop, "shop", *WINDOW)
    assert totals == {"order_count": 2, "units": 6, "revenue": pytest.approx(29000)}
    assert sum(r["revenue"] for r in rows.values()) == pytest.approx(totals["revenue"])
    assert totals["revenue"] == pytest.approx(kpi_totals(shop, "shop", *WINDOW)["revenue"])


def test_discount_shares_add_up_to_the_same_revenue_in_any_row_order(tmp_path):
    """The order-discount shares are summed exactly (DECIMAL): the same orders stored in the opposite order give
    bit-equal revenues (with DOUBLE sums, A's order discount was 101640.6670933417 one way, ...34173 the other)."""
    import random

    rng = random.Random(7)
    orders, lines = [], []
    for k in range(400):
        at = datetime(2026, 11, 10 + k % 5, 1 + k % 3, k % 60)
        lines.append([("shop", f"O{k}", 1, at, "A", rng.randint(1, 3), rng.choice([9900, 12345, 18900, 777]), "product"),
                      ("shop", f"O{k}", 2, at, "B", 1, rng.choice([3, 1001, 250000, 13]), "product")])
        orders.append(("shop", f"O{k}", at, "paid", rng.choice([0, 1000, 333, 7])))
    frames = []
    for name, order in (("forward", orders), ("reversed", orders[::-1])):
        wh = Warehouse(tmp_path / f"{name}.duckdb")
        try:
            with wh.transaction() as cur:
                cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                            "('shop', '가게', 'KRW', 'Asia/Seoul', 'ko')")
                cur.executemany("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) "
                                "VALUES (?, ?, ?, ?, ?)", order)
                by_id = {o[1]: k for k, o in enumerate(orders)}
                cur.executemany("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, "
                                "unit_price, line_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [line for o in order for line in lines[by_id[o[1]]]])
            frames.append(pr.products_sales_by_sku(wh, "shop", *WINDOW))
        finally:
            wh.close()
    forward, backward = frames
    assert forward["sku"].to_list() == ["B", "A"]
    for column in ("revenue", "order_discount", "gross_sales"):
        assert forward[column].to_list() == backward[column].to_list()
    discounts = sum(o[4] for o in orders)
    assert forward["order_discount"].sum() == pytest.approx(discounts, abs=1e-6)   # every share, once


def test_products_claims_by_sku_counts_returns_and_exchanges_not_cancels(shop):
    rows = _by_sku(pr.products_claims_by_sku(shop, "shop", *WINDOW))
    assert set(rows) == {"A", "B"}                                        # SHIP claim is a shipping line
    assert (rows["A"]["claimed_units"], rows["A"]["returned_units"], rows["A"]["refund_amount"]) == (1, 1, 9500)
    assert (rows["B"]["claimed_units"], rows["B"]["returned_units"], rows["B"]["refund_amount"]) == (1, 0, 0)


def test_products_ad_landing_revenue_and_spend(shop):
    rows = _by_sku(pr.products_ad_landing_revenue(shop, "shop", *WINDOW, NOW))
    assert set(rows) == {"A"}                           # S2 did not convert, S3 is search, S4's order was cancelled
    assert rows["A"]["ad_order_revenue"] == pytest.approx(23000) and rows["A"]["ad_order_count"] == 1
    # as of a moment before O1 was placed, its revenue is not read (nothing after the as-of time is)
    assert pr.products_ad_landing_revenue(shop, "shop", WINDOW[0], datetime(2026, 11, 19, 2, 59),
                                          datetime(2026, 11, 19, 2, 59)).height == 0
    assert pr.products_ad_spend_total(shop, "shop", date(2026, 11, 1), date(2026, 11, 20)) == 8000
    assert pr.products_ad_spend_total(shop, "shop", date(2026, 11, 19), date(2026, 11, 19)) == 5000


def test_products_units_by_day_stock_and_catalog(shop):
    units = pf.products_units_by_day(shop, "shop", "Asia/Seoul", *WINDOW)
    assert units.rows() == [("A", date(2026, 11, 19), 2), ("B", date(2026, 11, 19), 1), ("C", date(2026, 11, 10), 3)]
    stock = pf.products_stock_by_day(shop, "shop", date(2026, 11, 1), date(2026, 11, 20))
    assert stock.rows() == [("A", date(2026, 11, 18), 5, 0, 10), ("A", date(2026, 11, 19), 0, 0, 10),
                            ("B", date(2026, 11, 19), 7, 2, None)]
    catalog = pf.products_catalog(shop, "shop")
    assert catalog["sku"].to_list() == ["A", "B", "C"]                    # the shipping "product" is not one
    assert catalog.row(2, named=True)["unit_cost"] is None


def test_ranking_profitability_and_report_totals(shop):
    period = report_period(shop, "shop", start="2026-11-01", end="2026-11-20", as_of=NOW)
    o = pr.products_overview(shop, period)
    ranking = _by_sku(o["ranking"])
    assert [r["sku"] for r in o["ranking"].iter_rows(named=True)] == ["A", "C", "B"]
    assert ranking["A"]["margin"] == pytest.approx(19000 - 1000 * 19000 / 24000 - 8000)
    assert ranking["C"]["margin"] is None
    assert ranking["A"]["previous_revenue"] == 0 and ranking["A"]["revenue_change_pct"] is None  # O4 is in October
    profit = _by_sku(o["profitability"])
    assert o["ad_spend_rule"] == "ads_landing_revenue"
    assert profit["A"]["ad_spend"] == pytest.approx(8000)                 # the only product ad visits landed on
    assert profit["A"]["refunds"] == 9500 and profit["A"]["discounts"] == pytest.approx(1000 + 1000 * 19 / 24)
    assert profit["A"]["profit"] == pytest.approx(20000 - 1000 - 1000 * 19 / 24 - 8000 - 9500 - 8000)
    assert profit["B"]["profit"] == pytest.approx(5000 - 1000 * 5 / 24 - 1000)
    assert profit["C"]["profit"] is None
    t = o["totals"]
    assert (t["revenue"], t["units"], t["orders"], t["cost"], t["ad_spend"]) == (29000, 6, 2, 9000, 8000)
    assert t["margin"] == pytest.approx(29000 - 6000 - 9000)             # C (unknown cost) is left out
    assert t["costed_product_count"] == 2 and t["costed_revenue"] == pytest.approx(29000 - 6000)   # A and B
    assert t["profit"] == pytest.approx(profit["A"]["profit"] + profit["B"]["profit"])


def test_abc_classes_and_benjamini_hochberg():
    ranking = pl.DataFrame({"rank": [1, 2, 3, 4], "sku": list("wxyz"), "product_name": list("wxyz"),
                            "revenue": [50.0, 30.0, 15.0, 5.0]})
    abc = pr.abc_classes(ranking)
    assert abc["abc_class"].to_list() == ["A", "A", "B", "C"]
    assert abc["cumulative_share"].to_list() == pytest.approx([0.5, 0.8, 0.95, 1.0])
    assert pr.abc_summary(abc).rows() == [("A", 2, 80.0, pytest.approx(0.8)), ("B", 1, 15.0, pytest.approx(0.15)),
                                          ("C", 1, 5.0, pytest.approx(0.05))]
    assert pr.benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == [True, False, False, False]
    assert pr.benjamini_hochberg([0.01, 0.02, 0.03, 0.04]) == [True, True, True, True]


def _sales(rows):
    return pl.DataFrame(rows, schema={"sku": pl.String, "product_name": pl.String, "order_count": pl.Int64,
                                      "units": pl.Int64, "revenue": pl.Float64}, orient="row")


def test_movers_need_significance_not_just_a_big_ratio():
    now = _sales([("big", "big", 60, 60, 600.0), ("tiny", "tiny", 3, 3, 30.0), ("steady", "steady", 100, 100, 1e3)])
    before = _sales([("big", "big", 20, 20, 200.0), ("tiny", "tiny", 0, 0, 0.0), ("steady", "steady", 100, 100, 1e3),
                     ("gone", "gone", 30, 30, 300.0)])
    movers = _by_sku(pr.product_movers(now, before, 1000, 1000))
    assert set(movers) == {"big", "gone"}                   # 'tiny' tripled from nothing but has 3 orders
    assert movers["big"]["direction"] == "rising" and movers["gone"]["direction"] == "falling"
    assert movers["big"]["order_share"] == pytest.approx(0.06)
    # the whole store halves: a product that halves with it is not a mover
    assert pr.product_movers(_sales([("p", "p", 50, 50, 1.0)]), _sales([("p", "p", 100, 100, 1.0)]), 500,
                             1000).height == 0


def _claims(rows):
    """(sku, claimed units, claims) rows of products_claims_by_sku."""
    return pl.DataFrame(rows, schema={"sku": pl.String, "claimed_units": pl.Int64, "claim_count": pl.Int64},
                        orient="row")


def test_trouble_flags_a_spike_against_own_history_and_store():
    # one unit per order: claims and claimed units are the same numbers
    recent = _sales([("bad", "bad", 100, 100, 0.0), ("fine", "fine", 100, 100, 0.0), ("few", "few", 5, 5, 0.0)])
    history = _sales([("bad", "bad", 400, 400, 0.0), ("fine", "fine", 400, 400, 0.0), ("few", "few", 20, 20, 0.0)])
    frame, store = pr.product_trouble(recent, _claims([("bad", 20, 20), ("fine", 3, 3), ("few", 3, 3)]), history,
                                      _claims([("bad", 8, 8), ("fine", 8, 8)]))
    rows = _by_sku(frame)
    assert store["claim_rate"] == pytest.approx(16 / 820) and store["claims_per_order"] == pytest.approx(16 / 820)
    assert rows["bad"]["flagged"] and rows["bad"]["claim_rate"] == 0.2
    assert not rows["fine"]["flagged"]                      # 3 % is within chance of its 2 % history
    assert not rows["few"]["flagged"]                       # 60 % of 5 units: below the minimum volume
    assert rows["bad"]["own_baseline"] == pytest.approx((8 + 20 * 16 / 820) / (400 + 20))
    assert rows["bad"]["own_claims_per_order"] == pytest.approx((8 + 20 * 16 / 820) / (400 + 20))
    low, high = pr.wilson_interval(20, 100)
    assert rows["bad"]["claim_rate_low"] == pytest.approx(low) and low == pytest.approx(0.1333, abs=1e-3)


def test_trouble_counts_a_multi_unit_return_as_one_claim():
    """A claim takes back its whole line: one return of a 4-unit line is one event. Tested in units, 4 of 40 units
    against a 1 % history was 'significant'; tested in claims it is 1 of 30 orders, ordinary. Four separate
    1-unit returns of the same 4 units are still flagged."""
    history = _sales([("p", "p", 300, 400, 0.0), ("q", "q", 300, 400, 0.0)])
    history_claims = _claims([("p", 3, 3), ("q", 3, 3)])
    recent = _sales([("p", "p", 30, 40, 0.0), ("q", "q", 30, 40, 0.0)])
    one_return = _by_sku(pr.product_trouble(recent, _claims([("p", 4, 1)]), history, history_claims)[0])["p"]
    four_returns = _by_sku(pr.product_trouble(recent, _claims([("p", 4, 4)]), history, history_claims)[0])["p"]
    for row in (one_return, four_returns):               # the rate shown is in units either way
        assert (row["claimed_units"], row["units"], row["claim_rate"]) == (4, 40, 0.1)
    assert not one_return["flagged"] and one_return["p_vs_own"] > 0.2
    assert four_returns["flagged"] and four_returns["p_vs_own"] < 1e-3
    assert (four_returns["claim_count"], four_returns["order_count"]) == (4, 30)


def test_the_vectorised_binomial_test_equals_scipys_binomtest_exactly():
    """Movers' p-values come from one vectorised pass (binomtest costs ~1.3 ms a product); bit for bit the same."""
    import numpy as np
    from scipy.stats import binomtest

    rng = np.random.default_rng(11)
    for p in (0.5, 0.3, 0.01, 0.99, 1 / 3, 0.4999, 0.123456):
        n = np.concatenate([rng.integers(1, 40, 60), rng.integers(40, 4000, 40), [1, 1, 2, 10, 10, 100]])
        k = np.concatenate([rng.binomial(n[:-6], p), [0, 1, 1, 0, 10, 50]])
        ours = pr.binomial_two_sided_p(k, n, p)
        assert ours.tolist() == [binomtest(int(a), int(b), p).pvalue for a, b in zip(k, n, strict=True)], p
    grid = [(k, n) for n in (10, 30) for k in range(n + 1)]            # k == p * n and both tails
    ours = pr.binomial_two_sided_p([k for k, _ in grid], [n for _, n in grid], 0.3)
    assert ours.tolist() == [binomtest(k, n, 0.3).pvalue for k, n in grid]


def test_trouble_p_values_equal_one_binomial_tail_per_product():
    from scipy.stats import binom

    # late claims above the orders, a product without orders, one without history, one never claimed; lines of
    # two units, so claimed units and claims differ
    recent = _sales([("a", "a", 25, 50, 0.0), ("late", "late", 1, 2, 0.0), ("none", "none", 0, 0, 0.0),
                     ("new", "new", 15, 30, 0.0), ("clean", "clean", 20, 40, 0.0)])
    history = _sales([("a", "a", 150, 300, 0.0), ("late", "late", 5, 10, 0.0), ("none", "none", 5, 10, 0.0),
                      ("clean", "clean", 100, 200, 0.0)])
    frame, store = pr.product_trouble(recent, _claims([("a", 9, 5), ("late", 5, 3), ("none", 1, 1), ("new", 2, 1)]),
                                      history, _claims([("a", 6, 3), ("late", 1, 1)]))
    assert store["claim_rate"] == pytest.approx(7 / 520)
    rate = store["claims_per_order"]
    assert rate == pytest.approx(4 / 260)
    for r in frame.iter_rows(named=True):
        n, k = r["order_count"], min(r["claim_count"], r["order_count"])
        own = (r["history_claim_count"] + 20 * rate) / (r["history_order_count"] + 20)
        assert r["own_claims_per_order"] == pytest.approx(own)
        expected_own = float(binom.sf(k - 1, n, own)) if n > 0 else (1.0 if k == 0 else 0.0)
        expected_store = float(binom.sf(k - 1, n, rate)) if n > 0 else (1.0 if k == 0 else 0.0)
        assert (r["p_vs_own"], r["p_vs_store"]) == (expected_own, expected_store), r["sku"]
    rows = _by_sku(frame)
    assert rows["late"]["p_vs_store"] == float(binom.sf(0, 1, rate))      # 3 claims on 1 order: P(X >= 1)
    assert rows["none"]["p_vs_own"] == 1.0          # a claim but no orders: capped at 0 claims, nothing to test
    assert rows["clean"]["p_vs_store"] == 1.0
    assert rows["a"]["claim_rate"] == 9 / 50        # shown in units


def test_forecast_methods():
    days = pl.date_range(date(2026, 9, 1), date(2026, 10, 26), interval="1d", eager=True)
    pattern = [2, 2, 2, 2, 2, 8, 8]                           # busy weekends
    busy = pl.DataFrame({"order_date": days, "units": [pattern[i % 7] for i in range(56)],
                         "on_hand": [None] * 56, "in_stock": [True] * 56})
    fc, fit = pf.forecast_demand(busy, date(2026, 10, 27), 14)
    assert fit["method"] == "ets" and fc.height == 14
    assert fc["forecast"].to_list()[:7] == pytest.approx([pattern[(56 + i) % 7] for i in range(7)], abs=0.5)
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()
    sparse = busy.with_columns(pl.Series("units", [1 if i % 4 == 0 else 0 for i in range(56)]),
                               pl.Series("in_stock", [i < 50 for i in range(56)]))
    fc, fit = pf.forecast_demand(sparse, date(2026, 10, 27), 7)
    assert fit["method"] == "mean" and fit["in_stock_days"] == 50
    assert fc["forecast"][0] == pytest.approx(7 / 28)          # the last 28 in-stock days (days 22..49)
    assert fc["lower"][0] == 0 and fc["upper"][0] >= 1


def test_reorder_advice_known_answer(shop):
    advice = _by_sku(pf.reorder_advice(shop, "shop", "Asia/Seoul", NOW))
    a = advice["A"]
    # A: 2 units on 2026-11-19 in 56 days, all in stock (it sold the day its snapshot shows 0): mean method
    mean = 2 / 28
    variance = (4 - 28 * mean * mean) / 27
    cover = 10 + pf.REVIEW_DAYS                     # stock must last until the delivery after next
    demand = mean * cover
    safety = 1.6448536 * math.sqrt(variance) * math.sqrt(cover + cover * cover / 28)   # + the mean's own error
    assert a["forecast_method"] == "mean" and a["forecast_daily_demand"] == pytest.approx(mean)
    assert a["return_rate"] == 0.5                            # 1 of 2 returned
    assert a["safety_stock"] == pytest.approx(safety, rel=1e-5)
    assert a["reorder_qty"] == math.ceil(demand * 0.5 + safety - 0 - 0)
    # too few past forecasts (a sale or two in 56 days) to calibrate: the normal quantile of 95%
    assert a["past_forecasts"] < pf.CALIBRATION_MIN_SCORES and a["safety_factor"] == pytest.approx(1.6448536)
    assert "1.64" in pf.safety_factor_text(pf.reorder_advice(shop, "shop", "Asia/Seoul", NOW), "en")
    assert a["status"] == "reorder" and a["days_of_cover"] == 0
    b = advice["B"]
    assert (b["on_hand"], b["inbound"], b["lead_time_days"]) == (7, 2, pf.DEFAULT_LEAD_TIME_DAYS)
    assert b["status"] == "ok" and b["reorder_qty"] == 0 and b["days_of_cover"] == pytest.approx(7 / (1 / 28))


def test_safety_stock_covers_the_demand_until_the_delivery_after_next():
    """The safety stock is z × the deviation of the demand summed over lead time + review (the risk period of a
    periodic review: what is ordered now must last until the next order arrives), not over the lead time alone;
    a recent mean adds its own error (H² σ² / n)."""
    assert pf.cumulative_demand_sd(2.0, 9) == pytest.approx(6.0)
    assert pf.cumulative_demand_sd(2.0, 14, mean_days=28) == pytest.approx(2.0 * math.sqrt(14 + 196 / 28))
    assert pf.cumulative_demand_sd(0.0, 14) == 0.0 and pf.cumulative_demand_sd(2.0, 0) == 0.0
    days = pl.date_range(date(2026, 9, 1), date(2026, 10, 26), interval="1d", eager=True)
    busy = pl.DataFrame({"order_date": days, "units": [[2, 3, 2, 4, 2, 8, 7][i % 7] for i in range(56)],
                         "on_hand": [None] * 56, "in_stock": [True] * 56})
    _, fit = pf.forecast_demand(busy, date(2026, 10, 27), 17)
    assert fit["method"] == "ets" and fit["horizon_sd"] == pytest.approx(fit["daily_sigma"] * math.sqrt(17))


def _explicit_mean_scores(units: list[float], in_stock: list[bool], h: int) -> list[float]:
    """mean_past_scores written out day by day."""
    out = []
    for o in range(len(units) - h):
        recent = [u for u, s in zip(units[:o + 1], in_stock[:o + 1], strict=True) if s][-28:]
        if len(recent) < pf.MEAN_MIN_DAYS or not all(in_stock[o + 1:o + 1 + h]):
            continue
        n = len(recent)
        mean = sum(recent) / n
        var = sum((u - mean) ** 2 for u in recent) / (n - 1) if n > 1 else mean
        sd = math.sqrt(max(var, mean)) * math.sqrt(h + h * h / n)
        if mean > 0 and sd > 0:
            out.append((sum(units[o + 1:o + 1 + h]) - mean * h) / sd)
    return out


def test_mean_past_scores_equal_a_day_by_day_replay():
    import numpy as np

    rng = np.random.default_rng(5)
    units = rng.poisson(2.0, 56).astype(float).tolist()
    in_stock = [not (20 <= i < 24) for i in range(56)]          # four days with an empty shelf
    for i in range(20, 24):
        units[i] = 0.0
    for h in (1, 14, 17, 40):
        got = pf.mean_past_scores(np.array(units), np.array(in_stock), h)
        assert got.tolist() == pytest.approx(_explicit_mean_scores(units, in_stock, h), rel=1e-9, abs=1e-12), h
    assert pf.mean_past_scores(np.array(units), np.array(in_stock), 56).size == 0
    # a day whose covered days include the empty shelf is left out
    assert len(pf.mean_past_scores(np.array(units), np.array(in_stock), 14)) < 56 - 14 - pf.MEAN_MIN_DAYS + 1


def test_safety_factor_is_the_stores_own_conformal_quantile_never_below_the_normal_one():
    import numpy as np

    normal = 1.6448536269514722
    assert pf.safety_factor(np.arange(1.0, 30.0)) == pytest.approx(normal)        # 29 < 30 past forecasts
    assert pf.safety_factor(np.arange(1.0, 100.0)) == 95.0      # n = 99: the ceil(100 × 0.95) = 95th smallest
    assert pf.safety_factor(np.zeros(200)) == pytest.approx(normal)                # errors small: normal z
    assert pf.safety_factor(np.concatenate([np.zeros(95), np.full(5, 3.0)])) == pytest.approx(3.0)  # k = 96


def test_rising_demand_raises_the_safety_factor_from_the_stores_own_errors(warehouse):
    """Demand that keeps rising puts the recent mean's past forecasts below what sold, far more than 5% of the
    time beyond 1.64 deviations: the store's own 95% quantile sets z, for every product alike."""
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('up', 'Up', 'KRW', 'Asia/Seoul', 'ko')")
        for k, sku in enumerate(("P", "Q", "R")):
            for day in range(56):
                at = datetime(2026, 9, 25, 3, 0) + timedelta(days=day)       # local days 09-25 .. 11-19
                qty = 1 + (day * (k + 1)) // 8 + (day % 3)                  # rising, a little noise
                cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status) VALUES ('up', ?, ?, 'paid')",
                            [f"{sku}{day}", at])
                cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, "
                            "unit_price) VALUES ('up', ?, 1, ?, ?, ?, 1000)", [f"{sku}{day}", at, sku, qty])
    advice = pf.reorder_advice(warehouse, "up", "Asia/Seoul", NOW)
    factor = advice["safety_factor"][0]
    assert advice["safety_factor"].n_unique() == 1 and advice["past_forecasts"][0] >= pf.CALIBRATION_MIN_SCORES
    assert factor > 2.0
    history = pf.demand_history(
        pf.products_units_by_day(warehouse, "up", "Asia/Seoul", datetime(2026, 9, 24, 15), datetime(2026, 11, 19, 15)),
        pl.DataFrame(schema={"sku": pl.String, "snapshot_date": pl.Date, "on_hand": pl.Int64}),
        ["P", "Q", "R"], date(2026, 9, 25), date(2026, 11, 19))
    import numpy as np

    scores = np.concatenate([pf.mean_past_scores(g["units"].to_numpy(), g["in_stock"].to_numpy(),
                                                 pf.DEFAULT_LEAD_TIME_DAYS + pf.REVIEW_DAYS)
                             for _, g in sorted(history.partition_by("sku", as_dict=True).items())])
    assert factor == pytest.approx(pf.safety_factor(scores)) and advice["past_forecasts"][0] == scores.size
    groups = history.partition_by("sku", as_dict=True)
    for r in advice.iter_rows(named=True):          # the same deviation as before, times the store's factor
        _, fit = pf.forecast_demand(groups[(r["sku"],)].sort("order_date"), date(2026, 11, 20),
                                    pf.DEFAULT_LEAD_TIME_DAYS + pf.REVIEW_DAYS)
        assert r["forecast_method"] == fit["method"] == "ets"
        assert r["safety_stock"] == pytest.approx(factor * fit["horizon_sd"]) and fit["horizon_sd"] > 0
    assert f"z = {factor:.2f}" in pf.safety_factor_text(advice, "ko")
    assert "1.64" in pf.safety_factor_text(advice, "en")         # and what a normal distribution would need


def _units_frame(sku: str, first: date, values: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"sku": [sku] * len(values),
                         "order_date": [first + timedelta(days=i) for i in range(len(values))], "units": values},
                        schema={"sku": pl.String, "order_date": pl.Date, "units": pl.Int64})


NO_STOCK = pl.DataFrame(schema={"sku": pl.String, "snapshot_date": pl.Date, "on_hand": pl.Int64})


def test_ets_replay_refits_on_what_was_known_each_day():
    """Each replayed forecast is the model refitted on the 56 days up to its day (an explicit statsmodels fit
    here); what sold after the day changes its error, never its forecast."""
    today, cover = date(2026, 11, 20), 14
    first = today - timedelta(days=pf.HISTORY_DAYS + pf.REPLAY_EXTRA_DAYS)
    n = (today - first).days
    values = [3 + i // 9 + [0, 1, 0, 2, 1, 5, 4][i % 7] for i in range(n)]        # rising, busy weekends
    scores = pf.ets_replay_scores(_units_frame("P", first, values), NO_STOCK, "P", today, cover)
    assert len(scores) == pf.REPLAY_ORIGINS
    for k, score in enumerate(scores):
        last = n - 1 - cover - 7 * k                      # index of the replayed forecast's last history day
        past = tuple(float(v) for v in values[last - pf.HISTORY_DAYS + 1:last + 1])
        means, _, _, sigma = pf._ets_forecast(past, 0, cover)
        expected = (sum(values[last + 1:last + 1 + cover]) - sum(means)) / (sigma * math.sqrt(cover))
        assert score == pytest.approx(expected, rel=1e-9), k
    later = values[:]
    later[n - 1] += 50                                    # yesterday sold 50 more: only the latest replay sees it
    again = pf.ets_replay_scores(_units_frame("P", first, later), NO_STOCK, "P", today, cover)
    _, _, _, sigma = pf._ets_forecast(tuple(float(v) for v in values[n - 1 - cover - pf.HISTORY_DAYS + 1:n - cover]),
                                      0, cover)
    assert again[0] - scores[0] == pytest.approx(50 / (sigma * math.sqrt(cover)))
    assert again[1:] == scores[1:]
    # an empty shelf on a day after the latest replayed day hides demand: that replay is left out
    empty = pl.DataFrame({"sku": ["P"], "snapshot_date": [today - timedelta(days=3)], "on_hand": [0]},
                         schema={"sku": pl.String, "snapshot_date": pl.Date, "on_hand": pl.Int64})
    hidden = later[:]
    hidden[n - 3] = 0
    assert pf.ets_replay_scores(_units_frame("P", first, hidden), empty, "P", today, cover) == scores[1:]


def test_the_seasonal_models_replay_sets_the_factor_when_ten_best_sellers_use_it(warehouse):
    """Twelve rising products on the seasonal model: the ten best sellers are replayed four times each (40 past
    forecasts) and their 95% quantile is the store's z; the recent-mean replay is not used."""
    today = date(2026, 11, 20)
    first = today - timedelta(days=pf.HISTORY_DAYS + pf.REPLAY_EXTRA_DAYS)
    n = (today - first).days
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('up', 'Up', 'KRW', 'Asia/Seoul', 'ko')")
        cur.execute(f"""
            INSERT INTO orders (seller_id, order_id, ordered_at, status)
            SELECT 'up', 'P' || p || '-' || d, TIMESTAMP '{first}' + INTERVAL 3 HOUR + d * INTERVAL 1 DAY, 'paid'
            FROM range(12) AS a(p), range({n}) AS b(d)""")
        cur.execute(f"""
            INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price)
            SELECT 'up', 'P' || p || '-' || d, 1, TIMESTAMP '{first}' + INTERVAL 3 HOUR + d * INTERVAL 1 DAY,
                   'P' || p, 1 + p + d * (1 + p % 3) // 12 + (d * 7 + p) % 5, 1000
            FROM range(12) AS a(p), range({n}) AS b(d)""")
    advice = pf.reorder_advice(warehouse, "up", "Asia/Seoul", NOW)
    assert set(advice["forecast_method"]) == {"ets"} and advice.height == 12
    assert advice["safety_basis"].unique().to_list() == ["ets_replay"]
    units = pf.products_units_by_day(warehouse, "up", "Asia/Seoul", datetime(2026, 1, 1), NOW)
    best = advice.sort("forecast_daily_demand", "sku", descending=True)["sku"].head(pf.REPLAY_PRODUCTS).to_list()
    scores = [s for sku in best for s in pf.ets_replay_scores(units.filter(pl.col("sku") == sku), NO_STOCK, sku,
                                                              today, pf.DEFAULT_LEAD_TIME_DAYS + pf.REVIEW_DAYS)]
    assert advice["past_forecasts"][0] == len(scores) == pf.REPLAY_PRODUCTS * pf.REPLAY_ORIGINS
    import numpy as np

    assert advice["safety_factor"][0] == pytest.approx(pf.safety_factor(np.array(scores)))
    assert advice["safety_factor"][0] > 1.645        # rising demand: past forecasts ran low
    assert "40" in pf.safety_factor_text(advice, "en")


def test_out_of_stock_flag_and_since_date(shop):
    with shop.transaction() as cur:   # 'D' sold 2 a day until 11-15, then the shelf has been empty
        for day in range(1, 16):
            at = datetime(2026, 11, day, 2, 0)
            cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status) VALUES ('shop', ?, ?, 'paid')",
                        [f"D{day}", at])
            cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price) "
                        "VALUES ('shop', ?, 1, ?, 'D', 2, 1000)", [f"D{day}", at])
        for day in range(15, 21):
            cur.execute("INSERT INTO inventory (seller_id, snapshot_date, sku, on_hand, inbound, lead_time_days) "
                        "VALUES ('shop', ?, 'D', 0, 0, 5)", [date(2026, 11, day)])
    d = _by_sku(pf.reorder_advice(shop, "shop", "Asia/Seoul", NOW))["D"]
    assert d["status"] == "out_of_stock" and d["out_of_stock_since"] == date(2026, 11, 16)
    # the last 28 in-stock days are 10-19 .. 11-15 (11-16 .. 11-19 are censored): 15 days × 2 units
    assert d["lost_sales_per_day"] == pytest.approx(30 / 28)
    assert d["reorder_qty"] >= math.ceil(30 / 28 * (5 + pf.REVIEW_DAYS))


# ---------------------------------------------------------------- the demo store

@pytest.fixture(scope="module")
def demo_reports(demo_db_template):
    wh = Warehouse(demo_db_template, read_only=True)
    try:
        out = {}
        for seller in ("petshop_kr", "coffee_kr", "outdoor_us"):
            period = report_period(wh, seller, as_of=datetime(2026, 11, 20, 5, 0))
            out[seller] = pr.report(wh, period)
        incidents = wh.sql("SELECT seller_id, incident, subject, starts_at FROM demo_incidents").to_dicts()
        shipping = wh.sql("SELECT DISTINCT seller_id, sku, product_name FROM order_items "
                          "WHERE line_type <> 'product'").to_dicts()
        kpi = {s: kpi_totals(wh, s, datetime.fromisoformat(out[s]["period"]["start_utc"]),
                             datetime.fromisoformat(out[s]["period"]["end_utc"])) for s in out}
    finally:
        wh.close()
    return out, incidents, shipping, kpi


def test_demo_returns_spike_is_trouble_and_ordinary_products_are_not(demo_reports):
    reports, incidents, _, _ = demo_reports
    spike = next(i for i in incidents if i["incident"] == "returns_spike")
    flagged = {s: {r["sku"] for r in reports[s]["trouble"] if r["flagged"]} for s in reports}
    assert spike["subject"] in flagged[spike["seller_id"]]
    false_flags = sum(len(f) for f in flagged.values()) - 1
    print(f"trouble false flags across the three demo stores: {false_flags}")
    assert false_flags <= 1
    assert flagged["outdoor_us"] == set()                      # the control store has no incidents


def test_demo_stock_outs_are_flagged_with_reorder_advice(demo_reports):
    reports, incidents, _, _ = demo_reports
    stock_outs = [i for i in incidents if i["incident"] == "stock_out"]
    assert {i["seller_id"] for i in stock_outs} == {"petshop_kr", "coffee_kr"}
    for inc in stock_outs:
        rows = {r["sku"]: r for r in reports[inc["seller_id"]]["reorder"]}
        row = rows[inc["subject"]]
        assert row["status"] == "out_of_stock" and row["on_hand"] == 0
        assert row["reorder_qty"] > 0 and row["lost_sales_per_day"] > 1
        start_local = (inc["starts_at"].date() if inc["starts_at"].hour < 15 else
                       date.fromordinal(inc["starts_at"].date().toordinal() + 1))
        assert abs((date.fromisoformat(row["out_of_stock_since"]) - start_local).days) <= 2
        others = [r for r in rows.values() if r["status"] == "out_of_stock" and r["sku"] != inc["subject"]]
        assert others == []
    assert not any(r["status"] == "out_of_stock" for r in reports["outdoor_us"]["reorder"])


def test_demo_rankings_hold_product_lines_only_and_add_up(demo_reports):
    reports, _, shipping, kpi = demo_reports
    for seller, result in reports.items():
        ship = {(s["sku"], s["product_name"]) for s in shipping if s["seller_id"] == seller}
        assert ship, seller                                     # the demo has shipping lines to leave out
        for section in ("rows", "abc", "profitability"):
            keys = {r["sku"] for r in result[section]} | {r["product_name"] for r in result[section]}
            assert not keys & ({s for s, _ in ship if s} | {n for _, n in ship if n}), (seller, section)
        totals = result["totals"]
        assert totals["revenue"] == pytest.approx(kpi[seller]["revenue"], abs=0.01)
        assert totals["orders"] == kpi[seller]["order_count"]
        assert sum(r["revenue"] for r in result["rows"]) == pytest.approx(totals["revenue"], abs=0.01)
        assert sum(r["units"] for r in result["rows"]) == totals["units"]
        assert totals["margin"] == pytest.approx(totals["revenue"] - totals["cost"], abs=0.01)
        assert sum(r["revenue_share"] for r in result["abc"]) == pytest.approx(1.0)
        assert {r["abc_class"] for r in result["abc"]} == {"A", "B", "C"}
        assert sum(r["ad_spend"] for r in result["profitability"]) == pytest.approx(totals["ad_spend"])
        assert result["rules"]["ad_spend_rule_used"] == "ads_landing_revenue"


def test_cli_prints_the_report_as_json(demo_db, capsys):
    from analytics.__main__ import main

    assert main(["products", "--seller", "coffee_kr", "--as-of", "2026-11-20 14:00", "--db", str(demo_db),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["report"] == "products"
    assert {"totals", "rows", "movers", "abc", "profitability", "trouble", "reorder", "definitions"} <= set(result)
    assert set(result["totals"]) >= {"revenue", "units", "orders", "cost", "margin"}
    assert main(["products", "--seller", "nobody", "--db", str(demo_db), "--json"]) == 2


# ---------------------------------------------------------------- the page

def test_page_tabs_widgets_and_numbers_equal_the_report(demo_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = AS_OF
    at.run()
    at.switch_page("pages/products.py").run()
    assert not at.exception
    assert [x.value for x in at.title] == ["상품"]
    assert [tab.label for tab in at.tabs] == ["순위", "급상승·급하락", "ABC 분석", "수익성", "반품 이상", "발주 추천"]
    # what needs attention shows above the tabs
    assert any("고양이 두부모래 7L" in w.value for w in at.warning)
    assert any("그레인프리 연어 고양이 사료 2kg" in e.value and "품절" in e.value for e in at.error)

    start, end = at.session_state["date_range"]
    wh = open_warehouse(str(Path(demo_db).resolve()))        # the page's own process-wide owner
    result = pr.report(wh, report_period(wh, "petshop_kr", start=start, end=end, as_of=NOW))
    totals, before = result["totals"], result["previous_totals"]
    tiles = {m.label: m for m in at.metric}
    for name, metric, label in (("revenue", "product_revenue", "상품 매출"), ("units", "product_units", "판매 수량"),
                                ("orders", "product_orders", "주문 수"), ("margin", "product_margin", "마진"),
                                ("profit", "product_profit", "상품 이익")):
        assert tiles[label].value == format_metric_value(metric, totals[name], "KRW", "ko"), name
        if name in before:
            change = (totals[name] - before[name]) / abs(before[name]) * 100
            assert tiles[label].proto.delta == format_delta(metric, totals[name], before[name], change)
        assert tiles[label].help                                       # every number carries its definition

    ranking = at.dataframe[0].value
    assert list(ranking["sku"]) == [r["sku"] for r in result["rows"]]
    assert list(ranking["revenue"]) == pytest.approx([r["revenue"] for r in result["rows"]])
    reorder = at.dataframe[-1].value
    assert list(reorder["sku"]) == [r["sku"] for r in result["reorder"]]
    assert list(reorder["reorder_qty"]) == [r["reorder_qty"] for r in result["reorder"]]
    z = result["reorder"][0]["safety_factor"]          # the store's safety factor and its basis, under the table
    assert any(c.value.startswith(f"안전계수 z = {z:.2f}") for c in at.caption)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts[1]["layout"]["title"]["text"].startswith("파레토")
    pareto_cum = charts[1]["data"][1]["y"]
    assert pareto_cum == pytest.approx([r["cumulative_share"] * 100 for r in result["abc"]])
    assert charts[1]["layout"]["yaxis2"]["tickvals"] == [0, 20, 40, 60, 80, 100]      # shares read 0-100 %
    assert charts[0]["layout"]["xaxis"]["ticktext"][1].endswith("만")                   # won in 만, not 2M
    assert charts[1]["layout"]["yaxis"]["ticktext"][1].endswith("만")

    # widget changes: rank by units re-sorts the table and retitles the chart; the selectbox switches forecasts
    at.radio(key="products_rank_by").set_value("units").run()
    assert not at.exception
    units = list(at.dataframe[0].value["units"])
    assert units == sorted(units, reverse=True)
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"] == "판매 수량 상위 상품"
    first_sku = at.selectbox(key="products_forecast_sku").value
    assert first_sku == result["reorder"][0]["sku"]
    other = next(r for r in result["reorder"] if r["forecast_method"] == "ets")
    at.selectbox(key="products_forecast_sku").set_value(other["sku"]).run()
    assert not at.exception
    forecast_chart = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert other["product_name"] in forecast_chart["layout"]["title"]["text"]
    assert any("ets" in c.value for c in at.caption)

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs][-1] == "Reorder advice"
    assert any("out of stock since" in e.value for e in at.error)

    # a range without sales: a clear message, no traceback
    at.date_input(key="date_range").set_value((date(2025, 1, 1), date(2025, 1, 7))).run()
    assert not at.exception
    assert any("No product sold" in i.value for i in at.info)


def test_ets_forecasts_are_cached_by_series_and_equal_a_fresh_statsmodels_fit():
    import numpy as np
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    days = pl.date_range(date(2026, 9, 1), date(2026, 10, 26), interval="1d", eager=True)
    units = [3 + (i * 7919) % 5 + (4 if i % 7 in (5, 6) else 0) for i in range(56)]
    history = pl.DataFrame({"order_date": days, "units": units, "on_hand": [None] * 56, "in_stock": [True] * 56})
    pf._ETS_CACHE.clear()
    fc, fit = pf.forecast_demand(history, date(2026, 10, 28), 10)      # one day's gap after the history
    assert fit["method"] == "ets" and len(pf._ETS_CACHE) == 1
    model = ETSModel(pd.Series(units, dtype=float), error="add", trend=None, seasonal="add",
                     seasonal_periods=7).fit(disp=False)
    direct = model.get_prediction(start=56, end=56 + 1 + 10 - 1).summary_frame(alpha=1 - pf.INTERVAL).iloc[1:]
    assert fc["forecast"].to_list() == pytest.approx(np.maximum(direct["mean"].to_numpy(), 0), rel=1e-9)
    assert fc["lower"].to_list() == pytest.approx(np.maximum(direct["pi_lower"].to_numpy(), 0), rel=1e-9)
    assert fc["upper"].to_list() == pytest.approx(np.maximum(direct["pi_upper"].to_numpy(), 0), rel=1e-9)
    assert fit["daily_sigma"] == pytest.approx(float(np.std(np.asarray(model.resid), ddof=1)))
    again, fit_again = pf.forecast_demand(history, date(2026, 10, 28), 10)   # served from the cache
    assert again.equals(fc) and fit_again == fit and len(pf._ETS_CACHE) == 1
    longer, _ = pf.forecast_demand(history, date(2026, 10, 27), 28)      # other start and horizon: same fit
    direct = model.get_prediction(start=56, end=56 + 28 - 1).summary_frame(alpha=1 - pf.INTERVAL)
    assert longer["upper"].to_list() == pytest.approx(np.maximum(direct["pi_upper"].to_numpy(), 0), rel=1e-9)
    assert longer["forecast"].to_list()[1:11] == fc["forecast"].to_list() and len(pf._ETS_CACHE) == 1
    changed = history.with_columns(pl.Series("units", units[:-1] + [units[-1] + 5]))
    pf.forecast_demand(changed, date(2026, 10, 28), 10)                  # new data: refitted, not served stale
    assert len(pf._ETS_CACHE) == 2


def test_the_seasonal_model_goes_to_stocked_products_then_best_sellers_up_to_a_limit():
    """A store with thousands of products fits the seasonal model for at most ETS_MAX_PRODUCTS of them (one fit
    is ~30 ms: 3,000 products took 94 s); products with stock data come first, then by units sold."""
    units = pl.DataFrame({"sku": ["A", "B", "C", "D", "E"], "order_date": [date(2026, 11, 1)] * 5,
                          "units": [50, 40, 30, 20, 10]})
    stock = pl.DataFrame({"sku": ["D", "Z"], "snapshot_date": [date(2026, 11, 1)] * 2, "on_hand": [5, 0],
                          "inbound": [0, 0], "lead_time_days": [7, 7]})
    assert pf.seasonal_model_products(units, stock, limit=3) == {"D", "Z", "A"}
    assert pf.seasonal_model_products(units, stock, limit=10) == {"A", "B", "C", "D", "E", "Z"}
    days = pl.date_range(date(2026, 9, 1), date(2026, 10, 31), interval="1d", eager=True)
    history = pl.DataFrame({"order_date": days, "units": [5 + (i % 7) for i in range(len(days))],
                            "in_stock": [True] * len(days)})
    assert pf.forecast_demand(history, date(2026, 11, 1), 14)[1]["method"] == "ets"
    _, fit = pf.forecast_demand(history, date(2026, 11, 1), 14, seasonal=False)
    assert fit["method"] == "mean"
    # the definitions shown beside the numbers state the same limit
    assert f"at most {pf.ETS_MAX_PRODUCTS} products" in pf.reorder_rule_text("en")
    from analytics.products_text import METRICS
    definition = next(m for m in METRICS if m.name == "product_demand_forecast")
    assert f"up to {pf.ETS_MAX_PRODUCTS} per store" in str(definition)


def test_the_bulk_recent_mean_forecasts_equal_the_one_product_forecast():
    """The reorder table computes the recent in-stock mean of every product in one pass; each equals what
    forecast_demand gives that product alone (stock-out days left out, last 28 in-stock days, count interval)."""
    import numpy as np

    rng = np.random.default_rng(5)
    first, last = date(2026, 9, 1), date(2026, 10, 26)
    skus = [f"S{i}" for i in range(40)]
    units = pl.DataFrame({"sku": rng.choice(skus, 900), "order_date": [first + timedelta(
        days=int(d)) for d in rng.integers(0, 56, 900)], "units": rng.integers(1, 6, 900)}).group_by(
        "sku", "order_date").agg(pl.col("units").sum())
    stock = pl.DataFrame({"sku": ["S1", "S2", "S3"] * 10, "snapshot_date": [first + timedelta(
        days=3 * i) for i in range(30)], "on_hand": [0] * 30, "inbound": [0] * 30, "lead_time_days": [7] * 30})
    history = pf.demand_history(units, stock, skus + ["NEVER"], first, last)
    bulk = pf.recent_mean_forecasts(history)
    for sku in skus + ["NEVER"]:
        frame, fit = pf.forecast_demand(history.filter(pl.col("sku") == sku), last, 10, seasonal=False)
        method, daily, low, high, sigma, mean_days = bulk[sku]
        assert method == fit["method"], sku
        assert pf.cumulative_demand_sd(sigma, 10, mean_days=mean_days) == pytest.approx(fit["horizon_sd"], rel=1e-12)
        assert daily == pytest.approx(float(frame["forecast"].mean()), rel=1e-12, abs=1e-12)
        assert (low, high) == (float(frame["lower"].mean()), float(frame["upper"].mean()))
        assert sigma == pytest.approx(float(fit["daily_sigma"]), rel=1e-12, abs=1e-12)
