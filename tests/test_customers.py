"""Customers area: SQL known answers (customer-days), CDNOW through ingest + CLI, demo store, small shop, page."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import clv, customers
from analytics.__main__ import main as analytics_main
from analytics.cdnow import write_cdnow_orders_csv
from analytics.period import report_period
from analytics.reports import jsonable
from data.ingest import ingest_file
from data.warehouse import Warehouse, ensure_seller, open_warehouse

CDNOW_SAMPLE = Path(__file__).resolve().parent / "fixtures" / "cdnow" / "CDNOW_sample.txt"
AS_OF = "2026-11-20T05:00:00"
NOW = datetime(2026, 11, 20, 5, 0)
APP = str(Path(__file__).resolve().parent.parent / "app.py")

# Seoul shop (UTC+9). (order_id, customer, ordered_at UTC, status, order discount, [(qty, price, line discount, type)])
ORDERS = [
    ("A1", "c1", datetime(2026, 11, 1, 1, 0), "paid", 0, [(2, 1000, 0, "product"), (1, 3000, 0, "shipping")]),
    ("A2", "c1", datetime(2026, 11, 1, 14, 0), "paid", 500, [(1, 4000, 0, "product")]),   # 23:00 KST, same day
    ("A3", "c1", datetime(2026, 11, 1, 15, 30), "paid", 0, [(1, 7000, 1000, "product")]),  # 11-02 00:30 KST
    ("A4", "c1", datetime(2026, 11, 10, 3, 0), "paid", 0, [(1, 9000, 0, "product")]),
    ("A5", "c1", datetime(2026, 11, 12, 3, 0), "cancelled", 0, [(1, 50000, 0, "product")]),  # not counted
    ("B1", "c2", datetime(2026, 11, 5, 3, 0), "paid", 0, [(3, 1000, 0, "product")]),
    ("B2", "c2", datetime(2026, 11, 5, 4, 0), "refunded", 0, [(1, 1000, 0, "product")]),     # kept, same day
    ("G1", None, datetime(2026, 11, 6, 3, 0), "paid", 0, [(1, 5000, 0, "product")]),        # guest: not counted
    ("C1", "c3", datetime(2026, 11, 20, 6, 0), "paid", 0, [(1, 2000, 0, "product")]),      # after as_of
]


def _insert(cur, seller_id, orders):
    for order_id, customer, ordered_at, status, discount, lines in orders:
        cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, customer_id, status, discount) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [seller_id, order_id, ordered_at, customer, status, discount])
        for n, (qty, price, line_discount, line_type) in enumerate(lines, start=1):
            cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price,"
                        " discount, line_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [seller_id, order_id, n, ordered_at, f"S{n}", qty, price, line_discount, line_type])


@pytest.fixture
def shop(warehouse):
    with warehouse.transaction() as cur:
        ensure_seller(cur, "shop_kr", name="가게", timezone_name="Asia/Seoul", currency="KRW", language="ko")
        _insert(cur, "shop_kr", ORDERS)
    return warehouse


def test_daily_transactions_count_one_transaction_per_customer_day(shop):
    daily = customers.daily_transactions(shop, "shop_kr", "Asia/Seoul", NOW)
    got = {(r["customer_id"], r["order_date"]): (r["order_count"], r["revenue"]) for r in daily.iter_rows(named=True)}
    assert got == {
        ("c1", date(2026, 11, 1)): (2, 2000 + 4000 - 500),   # two orders on one local day = one transaction
        ("c1", date(2026, 11, 2)): (1, 6000),                # 00:30 KST belongs to the next local day
        ("c1", date(2026, 11, 10)): (1, 9000),
        ("c2", date(2026, 11, 5)): (2, 4000),
    }


def test_rfm_summary_known_answers(shop):
    summary = customers.rfm_summary(shop, "shop_kr", "Asia/Seoul", NOW)   # last local day observed: 11-20
    rows = {r["customer_id"]: r for r in summary.iter_rows(named=True)}
    assert set(rows) == {"c1", "c2"}
    c1, c2 = rows["c1"], rows["c2"]
    assert (c1["frequency"], c1["recency_days"], c1["t_days"]) == (2, 9, 19)
    assert c1["monetary_value"] == pytest.approx((6000 + 9000) / 2)   # first purchase day excluded
    assert (c1["order_count"], c1["revenue"]) == (4, 20500)
    assert (c2["frequency"], c2["recency_days"], c2["t_days"], c2["monetary_value"]) == (0, 0, 15, 0)
    # as_of at local midnight of 11-03: the last day is 11-02
    early = customers.rfm_summary(shop, "shop_kr", "Asia/Seoul", datetime(2026, 11, 2, 15, 0))
    assert early.row(0, named=True)["t_days"] == 1 and early.row(0, named=True)["frequency"] == 1


def test_period_totals_cohorts_and_small_shop_fallback(shop, tmp_path):
    period = report_period(shop, "shop_kr", start="2026-11-04", end="2026-11-20", as_of=NOW)
    result = jsonable(customers.report(shop, period, horizon_days=90))
    tot = result["totals"]
    assert (tot["customer_count"], tot["new_customers"], tot["returning_customers"]) == (2, 1, 1)
    assert tot["repeat_rate"] == 0.5 and tot["customer_orders"] == 3 and tot["customer_revenue"] == 13000
    cohorts = {(r["cohort_month"], r["months_since_first"]): r["retention"] for r in result["cohorts"]}
    assert cohorts == {("2026-11-01", 0): 1.0}
    # small shop: honest state, RFM fallback lists, no error
    assert result["model"]["status"] == "not_enough_data" and "repeat" in result["model"]["reason"]
    assert result["backtest"]["status"] == "not_enough_data"
    assert all(r["p_alive"] is None for r in result["customers"])
    assert [r["customer_id"] for r in result["likely_regulars"]] == ["c2"]
    assert sum(r["customer_count"] for r in result["rfm_segments"]) == 2


def test_small_shop_with_five_customers_via_cli(warehouse, capsys):
    rows = [(f"O{i}", f"k{i}", datetime(2026, 10, 1 + i, 3, 0), "paid", 0, [(1, 1000 * (i + 1), 0, "product")])
            for i in range(5)]
    with warehouse.transaction() as cur:
        ensure_seller(cur, "tiny", timezone_name="Asia/Seoul", currency="KRW")
        _insert(cur, "tiny", rows)
    path = warehouse.path if hasattr(warehouse, "path") else None
    warehouse.close()
    assert analytics_main(["customers", "--seller", "tiny", "--as-of", "2026-11-20", "--json", "--db", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["totals"]["customers_to_date"] == 5
    assert result["model"]["status"] == "not_enough_data"
    assert len(result["likely_regulars"]) == 5 and result["vip_tiers"][0]["customer_count"] == 1


@pytest.fixture(scope="module")
def cdnow_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cdnow")
    csv = write_cdnow_orders_csv(CDNOW_SAMPLE, folder / "cdnow_orders.csv")
    wh = Warehouse(folder / "cdnow.duckdb")
    with wh.transaction() as cur:
        ensure_seller(cur, "cdnow", name="CDNOW", timezone_name="UTC", currency="USD", language="en")
    result = ingest_file(wh, csv, seller_id="cdnow", kind="orders")
    assert result.status == "loaded" and result.rows_loaded == 6919
    wh.close()
    return folder / "cdnow.duckdb"


def test_cdnow_published_parameters_through_ingest_and_cli(cdnow_db, capsys):
    code = analytics_main(["customers", "--seller", "cdnow", "--as-of", "1997-09-30", "--horizon-days", "273",
                           "--json", "--db", str(cdnow_db)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    bg = result["model"]["bgnbd"]
    w = bg["params_weeks"]
    assert (round(w["r"], 3), round(w["alpha"], 3), round(w["a"], 3), round(w["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(bg["log_likelihood_weeks"], 1) == -9582.4
    assert bg["params_days"]["alpha"] == pytest.approx(7 * w["alpha"]) and bg["params_days"]["r"] == w["r"]
    gg = result["model"]["gamma_gamma"]["params"]
    assert (round(gg["p"], 2), round(gg["q"], 2), round(gg["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert result["model"]["gamma_gamma"]["n_customers"] == 946
    rows = {r["customer_id"]: r for r in result["customers"]}
    published = pl.read_csv(CDNOW_SAMPLE.parent / "cdnow_customers_summary_with_transactions.csv")
    assert len(rows) == 2357 and sum(r["frequency"] for r in rows.values()) == published["x"].sum()
    assert sorted(r["T"] for r in rows.values()) == sorted(round(v * 7) for v in published["T"])
    first = rows["00004"]   # the paper's customer 1: x=2, t_x=30.43, T=38.86 weeks
    assert (first["frequency"], first["recency"], first["T"]) == (2, 213, 272)
    assert first["clv"] == pytest.approx(first["expected_purchases"] * first["expected_avg_value"])
    assert 0 < first["p_alive"] < 1


def test_demo_store_report_and_p_alive_of_lapsed_vs_recent_regulars(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    try:
        period = report_period(wh, "petshop_kr", as_of=NOW)
        result = customers.report(wh, period, horizon_days=90)
    finally:
        wh.close()
    assert result["model"]["status"] == "fitted", result["model"]["reason"]
    assert result["backtest"]["status"] == "ok" and result["backtest"]["groups"]
    rows = pl.DataFrame(result["customers"]).with_columns(
        (pl.col("T") - pl.col("recency")).alias("days_quiet"))
    regulars = rows.filter(pl.col("frequency") >= 2)
    recent = regulars.filter(pl.col("days_quiet") <= 7)
    lapsed = regulars.filter(pl.col("days_quiet") >= 60)
    assert recent.height and lapsed.height
    assert lapsed["p_alive"].mean() < recent["p_alive"].mean()
    assert result["at_risk"] and all(r["p_alive"] < 0.5 for r in result["at_risk"])
    assert all(r["purchase_days"] == 1 for r in result["likely_regulars"])
    # what each list stands for, counted from the per-customer rows: every one-time buyer with >= 0.5 expected
    # purchases, every valuable customer with P(alive) < 0.5; the lists show the first 50 of them
    counts = result["list_counts"]
    valuable = (pl.col("frequency") + 1 >= 3) | pl.col("tier").is_in(["vip", "gold", "silver"])
    assert counts["likely_regulars"] == rows.filter((pl.col("frequency") == 0)
                                                    & (pl.col("expected_purchases") >= 0.5)).height
    assert counts["at_risk"] == rows.filter(valuable & (pl.col("p_alive") < 0.5)).height > 0
    assert len(result["at_risk"]) == min(counts["at_risk"], counts["shown"]) and counts["shown"] == 50
    assert len(result["likely_regulars"]) == counts["shown"] < counts["likely_regulars"]


def test_the_lists_as_downloaded_hold_every_customer_they_stand_for_in_the_shown_order(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    try:
        period = report_period(wh, "petshop_kr", as_of=NOW)
        predicted = customers.customer_predictions(wh, period, 365)
        shown = customers.customer_lists(wh, period, 365)              # what the page shows, cached for its reruns
        assert customers.customer_lists(wh, period, 365) is shown
    finally:
        wh.close()
    counts = customers.list_counts(predicted)
    assert shown.counts == counts and shown.likely.equals(customers.likely_regulars(predicted))
    assert shown.at_risk.equals(customers.regulars_at_risk(predicted))
    for first, count in ((customers.likely_regulars, counts["likely_regulars"]),
                         (customers.regulars_at_risk, counts["at_risk"])):
        shown, whole = first(predicted, 10), first(predicted, count)   # a table of 10, the whole list
        assert count > shown.height == 10 and whole.height == count
        assert whole.head(shown.height).equals(shown)                  # the table is the CSV's beginning
    whole = customers.likely_regulars(predicted, counts["likely_regulars"])
    assert whole["expected_purchases"].min() >= 0.5 and whole["purchase_days"].max() == 1
    assert set(customers.regulars_at_risk(predicted, counts["at_risk"])["customer_id"]) == set(
        customers.at_risk_customers(predicted)["customer_id"])


def test_page_with_horizon_slider_matches_the_json_report(demo_db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = AS_OF
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/customers.py").run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    start, end = at.session_state["date_range"]
    # the app holds the warehouse open: build the --json report in-process on the same owner (same function)
    wh = open_warehouse(str(demo_db))
    period = report_period(wh, "petshop_kr", start=start, end=end, as_of=NOW)
    result = json.loads(json.dumps(jsonable(customers.report(wh, period, horizon_days=90))))
    assert tiles["Customers"] == f"{result['totals']['customer_count']:,}"
    assert tiles["New customers"] == f"{result['totals']['new_customers']:,}"
    assert tiles["Repeat purchase rate"].startswith(f"{result['totals']['repeat_rate'] * 100:.1f}")
    assert len(at.get("plotly_chart")) >= 3
    at.slider(key="customers_horizon_days").set_value(90).run()
    assert not at.exception
    clv90 = {m.label: m.value for m in at.metric}["Expected customer value (CLV)"]
    total = sum(r["clv"] for r in result["customers"])
    from analytics.metrics import format_metric_value
    assert clv90 == format_metric_value("clv", total, "KRW", "en")
    at.slider(key="customers_horizon_days").set_value(730).run()
    assert {m.label: m.value for m in at.metric}["Expected customer value (CLV)"] != clv90
    assert len(at.get("download_button")) == 2
    more = [c.value for c in at.caption if "the CSV has all" in c.value]
    assert result["list_counts"]["at_risk"] <= 50                   # this small store: its whole list is shown
    assert len(more) == 1 and re.fullmatch(r"[\d,]+ one-time buyers are expected to buy again at least 0\.5 times "
                                           r"in 730 days\. The table shows the 50 most likely; the CSV has all [\d,]+\.",
                                           more[0]), more                    # the slider's horizon: 730 days
    shown = [d.value for d in at.dataframe if "p_alive" in d.value.columns][-1]     # regulars at risk
    at_risk = {r["customer_id"]: r for r in result["at_risk"]}
    assert len(shown) and set(shown["customer_id"]) <= set(at_risk)
    from analytics.customers_text import SEGMENTS, TIERS
    for row in shown.to_dict("records"):                       # groups and tiers by name, the JSON keeps codes
        assert row["segment"] == SEGMENTS[at_risk[row["customer_id"]]["segment"]]["en"]
        assert row["tier"] == TIERS[at_risk[row["customer_id"]]["tier"]]["en"]


def test_rfm_summary_from_transactions_in_memory_equals_the_warehouse_summary(shop):
    sql = customers.rfm_summary(shop, "shop_kr", "Asia/Seoul", NOW).sort("customer_id")
    daily = customers.daily_transactions(shop, "shop_kr", "Asia/Seoul", NOW)
    from_daily = customers.rfm_summary_from_transactions(daily, date(2026, 11, 20)).sort("customer_id")
    assert from_daily.columns == sql.columns
    assert from_daily.to_dicts() == sql.to_dicts()
    # one row per order with timestamps (local times), as lifetimes takes them: same numbers, one order per row
    orders = pl.DataFrame({"who": ["c1", "c1", "c1", "c1", "c2", "c2", "c3"],
                           "at": [datetime(2026, 11, 1, 10), datetime(2026, 11, 1, 23), datetime(2026, 11, 2, 0, 30),
                                  datetime(2026, 11, 10, 12), datetime(2026, 11, 5, 12), datetime(2026, 11, 5, 13),
                                  datetime(2026, 11, 21, 9)],               # c3 bought after the last day
                           "amount": [2000.0, 3500.0, 6000.0, 9000.0, 3000.0, 1000.0, 2000.0]})
    raw = customers.rfm_summary_from_transactions(orders, date(2026, 11, 20), customer_col="who", date_col="at",
                                                  amount_col="amount").sort("customer_id")
    assert raw.select(sql.columns).to_dicts() == sql.to_dicts()


def test_rfm_summary_from_transactions_reproduces_the_published_cdnow_summary(cdnow_db):
    wh = Warehouse(cdnow_db, read_only=True)
    try:
        daily = customers.daily_transactions(wh, "cdnow", "UTC", datetime(1997, 10, 1))
        sql = customers.rfm_summary(wh, "cdnow", "UTC", datetime(1997, 10, 1)).sort("customer_id")
    finally:
        wh.close()
    summary = customers.rfm_summary_from_transactions(daily, date(1997, 9, 30)).sort("customer_id")
    published = pl.read_csv(CDNOW_SAMPLE.parent / "cdnow_customers_summary_with_transactions.csv")
    assert summary.height == 2357 and summary["frequency"].sum() == published["x"].sum()
    assert sorted(summary["t_days"].to_list()) == sorted(round(v * 7) for v in published["T"])
    assert summary.drop("monetary_value", "revenue").to_dicts() == sql.drop("monetary_value", "revenue").to_dicts()
    assert summary["monetary_value"].to_list() == pytest.approx(sql["monetary_value"].to_list(), rel=1e-12)
    assert summary["revenue"].to_list() == pytest.approx(sql["revenue"].to_list(), rel=1e-12)


def test_purchase_days_known_answers_and_exact_summary_equals_the_sql_summary(shop):
    days = customers.purchase_days(shop, "shop_kr", "Asia/Seoul", NOW)
    got = {(r["customer_id"], r["order_date"]): (r["order_count"], r["revenue_cents"], r["revenue"])
           for r in days.iter_rows(named=True)}
    assert got == {("c1", date(2026, 11, 1)): (2, 550000, 5500.0),      # 2000 + (4000 - 500 order discount)
                   ("c1", date(2026, 11, 2)): (1, 600000, 6000.0), ("c1", date(2026, 11, 10)): (1, 900000, 9000.0),
                   ("c2", date(2026, 11, 5)): (2, 400000, 4000.0)}
    for as_of, last_day in ((NOW, date(2026, 11, 20)), (datetime(2026, 11, 2, 15, 0), date(2026, 11, 2))):
        sql = customers.rfm_summary(shop, "shop_kr", "Asia/Seoul", as_of)
        assert customers.rfm_summary_exact(days, last_day).equals(sql)        # same values, types and order
    assert customers.rfm_summary_exact(days, date(2026, 10, 1)).height == 0


# Zones whose offset changes: mid-hour (St John's in 2010 fell back at 00:01 local, 02:31 UTC, into the day
# before; Lord Howe moves by 30 minutes at 02:00 local, 15:30 UTC) and on the hour (Los Angeles, Santiago at local
# midnight), and one without summer time at a 45-minute offset.
ZONE_CASES = [("America/St_Johns", datetime(2010, 11, 7, 0, 0)), ("America/St_Johns", datetime(2010, 3, 14, 1, 0)),
              ("Australia/Lord_Howe", datetime(2026, 10, 3, 13, 0)), ("Australia/Lord_Howe", datetime(2026, 4, 4, 13, 0)),
              ("America/Los_Angeles", datetime(2026, 11, 1, 7, 0)), ("America/Santiago", datetime(2026, 4, 5, 1, 0)),
              ("Asia/Kathmandu", datetime(2026, 11, 19, 16, 0))]


@pytest.mark.parametrize("zone, start", ZONE_CASES)
def test_purchase_days_local_day_is_the_zone_rules_day_across_offset_changes(warehouse, zone, start):
    """purchase_days looks the zone's offset up once per UTC hour; every order still lands on the local day the
    zone's rules give it, also in an hour where the offset changes (those orders are converted one by one)."""
    times = [start + timedelta(minutes=5 * k) for k in range(6 * 12)]          # every 5 minutes for 6 hours
    late = datetime(2010, 11, 7, 2, 45)     # St John's: 23:15 on the 6th after falling back (-3:30), not 00:15
    orders = [(f"O{k}", "late" if at == late else f"c{k % 4}", at, "paid", 0, [(1, 1000 + k, 0, "product")])
              for k, at in enumerate(times)]
    with warehouse.transaction() as cur:
        ensure_seller(cur, "zoned", name="zoned", timezone_name=zone, currency="USD", language="en")
        _insert(cur, "zoned", orders)
    days = customers.purchase_days(warehouse, "zoned", zone, start + timedelta(days=1))
    expected = warehouse.sql(
        "SELECT customer_id, CAST(timezone($tz, o.ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date, "
        "count(*) AS order_count, CAST(sum(i.unit_price) * 100 AS BIGINT) AS revenue_cents "
        "FROM orders AS o JOIN order_items AS i USING (seller_id, order_id) WHERE seller_id = 'zoned' "
        "GROUP BY ALL ORDER BY customer_id, order_date", {"tz": zone})
    assert days.select(expected.columns).cast({"order_count": pl.Int64}).equals(
        expected.cast({"order_count": pl.Int64}))
    if late in times:                       # the offset at the start of its hour (-2:30) would put it on the 7th
        assert days.filter(pl.col("customer_id") == "late")["order_date"].to_list() == [date(2010, 11, 6)]


def test_exact_summary_reproduces_the_cdnow_sql_summary_bit_for_bit(cdnow_db):
    wh = Warehouse(cdnow_db, read_only=True)
    try:
        days = customers.purchase_days(wh, "cdnow", "UTC", datetime(1997, 10, 1))
        sql = customers.rfm_summary(wh, "cdnow", "UTC", datetime(1997, 10, 1))
    finally:
        wh.close()
    exact = customers.rfm_summary_exact(days, date(1997, 9, 30))
    assert exact.height == 2357 and exact.equals(sql)      # money in cents: no float rounding differences


def test_fitted_models_are_cached_per_data_and_refitted_when_the_data_changes(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    try:
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        days = customers.purchase_days(wh, "petshop_kr", period.timezone, period.as_of_utc)
    finally:
        wh.close()
    last_day = customers.last_observed_day(period.timezone, period.as_of_utc)
    summary = customers.rfm_summary_exact(days, last_day)
    customers._FIT_CACHE.clear()
    first = customers.fit_customer_models_cached(summary, "petshop_kr", last_day)
    assert customers.fit_customer_models_cached(summary, "petshop_kr", last_day) is first
    fresh = customers.fit_customer_models(summary)
    assert fresh.bgnbd.params_ == first.bgnbd.params_                   # deterministic fit: cache = refit
    changed = summary.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col("frequency") + 3)
                                   .otherwise(pl.col("frequency")).alias("frequency"))
    refit = customers.fit_customer_models_cached(changed, "petshop_kr", last_day)
    assert refit is not first and refit.bgnbd.params_ != first.bgnbd.params_
    with pytest.raises(customers.clv.FitError):
        customers.fit_customer_models_cached(summary.head(5), "petshop_kr", last_day)


def test_per_distinct_history_gives_each_customer_the_numbers_of_its_own_history():
    rng = np.random.default_rng(5)
    n = 20_000
    t_days = rng.integers(0, 200, n)
    once = rng.random(n) < 0.8                        # most customers bought once: (0, 0, T)
    recency = np.where(once, 0, (t_days * rng.random(n)).astype(np.int64))
    frequency = np.where(recency > 0, rng.integers(1, 6, n), 0)
    summary = pl.DataFrame({"frequency": frequency, "recency_days": recency, "t_days": t_days})
    model = clv.BetaGeoModel({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 0.0, 0)
    calls = []

    def both(x, tx, big_t):
        calls.append(len(x))
        return (model.conditional_probability_alive(x, tx, big_t),
                model.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, big_t))

    p_alive, purchases = customers.per_distinct_history(summary, both)
    weeks = (frequency.astype(float), recency / 7.0, t_days / 7.0)
    assert calls[0] < n / 2 and len(p_alive) == len(purchases) == n
    np.testing.assert_allclose(p_alive, model.conditional_probability_alive(*weeks), rtol=1e-12)
    np.testing.assert_allclose(purchases, model.conditional_expected_number_of_purchases_up_to_time(
        52.0, *weeks), rtol=1e-12)
    empty = customers.per_distinct_history(summary.head(0), both)
    assert [len(v) for v in empty] == [0, 0]


@pytest.mark.parametrize("high", [1, 50, 2 ** 30, 2 ** 50])
def test_distinct_histories_and_each_customers_index_equal_numpy_unique(high):
    """Both ways (one packed sort while value and row fit in 64 bits, a hash lookup beyond) give np.unique's
    answer."""
    key = np.random.default_rng(high % 97).integers(0, high, 10_000).astype(np.int64)
    key[:3] = [0, high - 1, 0]
    distinct, where = customers._distinct_and_index(key)
    expected, inverse = np.unique(key, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert where.tolist() == inverse.tolist()


def test_cdnow_reader_takes_the_sample_and_the_full_cohort_layout(tmp_path):
    from analytics.cdnow import read_cdnow_sample

    master = tmp_path / "CDNOW_master.txt"
    master.write_bytes(b" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n"
                       b" 00002 19970112  2   0.00\r\n")
    rows = read_cdnow_sample(master).rows()
    assert rows == [("00001", 1, 11.77, date(1997, 1, 1)), ("00002", 2, 0.0, date(1997, 1, 12))]
    sample = tmp_path / "CDNOW_sample.txt"
    sample.write_text("   4    1 19970101  2  29.33\n")
    assert read_cdnow_sample(sample).rows() == [("4", 2, 29.33, date(1997, 1, 1))]


def _random_purchase_days(seed: int, n_customers: int, n_rows: int) -> pl.DataFrame:
    """purchase_days-shaped rows (one per customer and day) in random order, ids of varied length and case."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_customers, n_rows)
    day = rng.integers(0, 500, n_rows)
    frame = pl.DataFrame({"customer_id": [f"{'Kim' if c % 3 else 'lee'}{c * 7919 % 10007}" for c in cust],
                          "order_date": pl.Series(day + 19_000, dtype=pl.Int32).cast(pl.Date),
                          "order_count": rng.integers(1, 4, n_rows),
                          "revenue_cents": rng.integers(100, 500_000, n_rows)})
    frame = frame.unique(["customer_id", "order_date"], keep="first").sample(fraction=1.0, shuffle=True, seed=seed)
    return frame.with_columns(revenue=pl.col("revenue_cents").cast(pl.Float64) / 100)


@pytest.mark.parametrize("seed, n_customers, n_rows", [(1, 1, 1), (2, 1, 40), (3, 50, 50), (4, 3_000, 20_000)])
def test_customer_runs_give_the_group_by_answers_in_any_row_order(seed, n_customers, n_rows):
    """The per-customer figures computed from runs of sorted rows equal plain Polars group-bys, whatever order the
    rows come in (purchase_days sends them sorted; other callers may not)."""
    days = _random_purchase_days(seed, n_customers, n_rows)
    last_day, cut = date(2053, 1, 1), days["order_date"].sort()[days.height // 2]
    for last in (last_day, cut):
        rows = days.filter(pl.col("order_date") <= last)
        got = customers.rfm_summary_exact(days, last)
        # from the runs of every row (the customer base's way: cut to `last` without comparing ids again)
        assert customers.rfm_summary_exact(days, last, customers.customer_runs(days)).equals(got)
        per = rows.group_by("customer_id").agg(
            (pl.len() - 1).alias("frequency"), pl.col("order_date").min().alias("first"),
            pl.col("order_date").max().alias("latest"), pl.col("revenue_cents").sum().alias("cents"),
            pl.col("revenue_cents").sort_by("order_date").first().alias("first_cents"),
            pl.col("order_count").sum().alias("order_count")).sort("customer_id")
        assert got["customer_id"].to_list() == per["customer_id"].to_list()
        assert got["frequency"].to_list() == per["frequency"].to_list()
        assert got["first_order_date"].to_list() == per["first"].to_list()
        assert got["last_order_date"].to_list() == per["latest"].to_list()
        assert got["order_count"].to_list() == per["order_count"].to_list()
        assert got["revenue"].to_list() == (per["cents"].to_numpy().astype(np.float64) / 100).tolist()
        repeat = (per["cents"] - per["first_cents"]).to_numpy().astype(np.float64) / 100
        expected = np.where(per["frequency"] > 0, repeat / np.maximum(per["frequency"].to_numpy(), 1), 0.0)
        assert got["monetary_value"].to_list() == expected.tolist()
        assert got["t_days"].to_list() == [(last - first).days for first in per["first"]]

    daily = days.drop("revenue_cents")
    calibration = customers.rfm_summary_exact(days, cut)        # the backtest's holdout: purchase days after cut
    after = daily.filter(pl.col("order_date") > cut).group_by("customer_id").agg(pl.len().alias("n"))
    expected = dict(after.rows())
    assert customers._holdout_purchase_days(calibration, daily, days, cut).to_list() == [
        expected.get(c, 0) for c in calibration["customer_id"]]
    runs = customers.customer_runs(days)
    assert customers._holdout_purchase_days(calibration, daily, days, cut, runs).to_list() == [
        expected.get(c, 0) for c in calibration["customer_id"]]
    assert customers.cohort_retention(daily, runs=runs).equals(customers.cohort_retention(daily))
    months = daily.select("customer_id", pl.col("order_date").dt.truncate("1mo").alias("m")).unique()
    first = months.group_by("customer_id").agg(pl.col("m").min().alias("cohort"))
    cells = (months.join(first, on="customer_id")
             .with_columns(k=(pl.col("m").dt.year() - pl.col("cohort").dt.year()).cast(pl.Int64) * 12
                           + pl.col("m").dt.month().cast(pl.Int64) - pl.col("cohort").dt.month().cast(pl.Int64))
             .group_by("cohort", "k").agg(pl.len().alias("active")).sort("cohort", "k"))
    recent = cells["cohort"].unique().sort().tail(customers.COHORT_MONTHS)
    cells = cells.filter(pl.col("cohort").is_in(recent.implode()))
    got = customers.cohort_retention(daily)
    assert got.select("cohort_month", "months_since_first", "active_customers").rows() == cells.rows()
    sizes = dict(cells.filter(pl.col("k") == 0).select("cohort", "active").rows())
    assert got["cohort_size"].to_list() == [sizes[c] for c in got["cohort_month"]]

    start, end = cut - timedelta(days=30), cut
    totals = customers.period_customer_totals(daily, start, end)
    assert customers.period_customer_totals(daily, start, end, runs) == totals
    per = daily.group_by("customer_id").agg(pl.col("order_date").min().alias("first"), pl.len().alias("n"))
    buyers = daily.filter(pl.col("order_date").is_between(start, end))["customer_id"].unique()
    bought = per.filter(pl.col("customer_id").is_in(buyers.implode()))
    assert totals["customer_count"] == bought.height
    assert totals["new_customers"] == bought.filter(pl.col("first") >= start).height
    assert totals["repeat_rate"] == (bought.filter(pl.col("n") >= 2).height / bought.height if bought.height
                                     else None)
    assert totals["customers_to_date"] == per.height
    assert totals["repeat_customers_to_date"] == per.filter(pl.col("n") >= 2).height


def _scores_by_polars_ranks(summary: pl.DataFrame, last_day: date) -> pl.DataFrame:
    """score_customers' definition written with Polars ranks (as it was computed until 2026-12-05)."""
    def quintile(column: str, descending: bool = False) -> pl.Expr:
        rank = pl.col(column).rank("average", descending=descending)
        return (((rank - 1) * 5 / pl.len()).floor().cast(pl.Int64) + 1).clip(1, 5)

    n = max(summary.height, 1)
    spend_rank = pl.col("revenue").rank("ordinal", descending=True)
    scored = summary.with_columns(
        (pl.lit(last_day) - pl.col("last_order_date")).dt.total_days().cast(pl.Int64).alias("days_since_last"),
        (pl.col("frequency") + 1).alias("purchase_days"))
    scored = scored.with_columns(
        quintile("days_since_last", descending=True).alias("r_score"),
        pl.when(pl.col("purchase_days") >= 6).then(5).when(pl.col("purchase_days") >= 4).then(4)
        .otherwise(pl.col("purchase_days")).cast(pl.Int64).alias("f_score"),
        quintile("revenue").alias("m_score"),
        pl.when(spend_rank <= np.ceil(0.01 * n)).then(pl.lit("vip"))
        .when(spend_rank <= np.ceil(0.05 * n)).then(pl.lit("gold"))
        .when(spend_rank <= np.ceil(0.20 * n)).then(pl.lit("silver")).otherwise(pl.lit("regular")).alias("tier"))
    r, f = pl.col("r_score"), pl.col("f_score")
    return scored.with_columns(
        pl.when((r >= 4) & (f >= 4)).then(pl.lit("champions")).when((r >= 3) & (f >= 3)).then(pl.lit("loyal"))
        .when((r >= 4) & (f == 1)).then(pl.lit("new")).when(r >= 3).then(pl.lit("potential_loyalists"))
        .when(f >= 4).then(pl.lit("cant_lose")).when(f >= 2).then(pl.lit("at_risk"))
        .otherwise(pl.lit("hibernating")).alias("segment"))


@pytest.mark.parametrize("seed, n_customers, n_rows, whole_cents",
                         [(1, 1, 1, True), (2, 7, 9, True), (3, 50, 400, True), (4, 3_000, 20_000, True),
                          (5, 3_000, 20_000, False), (6, 200, 200, False)])
def test_scores_and_tiers_equal_polars_ranks_with_ties(seed, n_customers, n_rows, whole_cents):
    """score_customers ranks in numpy (days counted, spend sorted once as a packed key, or by a stable argsort when
    the spend is not in whole hundredths); every score, tier and segment equals the Polars rank definition, with
    many ties in days and in spend (a tie at a tier's boundary goes to the earlier row, as Polars' ordinal rank)."""
    days = _random_purchase_days(seed, n_customers, n_rows)
    rng = np.random.default_rng(seed)
    # ties: a third of the customers' spends drawn from a handful of values
    days = days.with_columns(revenue_cents=pl.when(pl.Series(rng.random(days.height) < 0.3))
                             .then(pl.Series(rng.choice([500, 1_000, 99_000], days.height)))
                             .otherwise(pl.col("revenue_cents")))
    last_day = days["order_date"].max()
    summary = customers.rfm_summary_exact(days, last_day)
    if not whole_cents:                 # amounts from a frame in memory: not every spend is a whole hundredth
        summary = summary.with_columns(pl.col("revenue") * 1.0001 + pl.Series(rng.random(summary.height)).round(0))
    got = customers.score_customers(summary, last_day)
    expected = _scores_by_polars_ranks(summary, last_day)
    assert got.columns == expected.columns
    assert got.equals(expected)
    assert customers.score_customers(summary.clear(), last_day).equals(_scores_by_polars_ranks(summary.clear(),
                                                                                               last_day))


def test_rows_without_a_customer_are_left_out_of_every_per_customer_figure():
    days = pl.DataFrame({"customer_id": [None, "b", None, "a"],
                         "order_date": [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 2, 1)],
                         "order_count": [1, 1, 1, 2], "revenue_cents": [100, 200, 300, 400]},
                        schema_overrides={"customer_id": pl.String})
    summary = customers.rfm_summary_exact(days, date(2026, 3, 1))
    assert summary.select("customer_id", "order_count").rows() == [("a", 2), ("b", 1)]
    daily = days.drop("revenue_cents").with_columns(revenue=pl.col("order_count") * 1.0)
    assert customers.period_customer_totals(daily, date(2026, 1, 1), date(2026, 3, 1))["customer_count"] == 2
    assert customers.cohort_retention(daily)["cohort_size"].sum() == 2
    nobody = days.filter(pl.col("customer_id").is_null())
    assert customers.rfm_summary_exact(nobody, date(2026, 3, 1)).height == 0
    assert customers.cohort_retention(nobody.drop("revenue_cents")).height == 0
    totals = customers.period_customer_totals(nobody.drop("revenue_cents").with_columns(revenue=pl.lit(1.0)),
                                              date(2026, 1, 1), date(2026, 3, 1))
    assert totals["customer_count"] == 0 and totals["repeat_rate"] is None and totals["customers_to_date"] == 0


def test_cohort_cells_of_a_month_not_over_are_grey_and_starred():
    cohorts = pl.DataFrame({"cohort_month": [date(2026, 10, 1)] * 3 + [date(2026, 11, 1)] * 2,
                            "months_since_first": [0, 1, 2, 0, 1], "active_customers": [10, 3, 1, 8, 1],
                            "cohort_size": [10, 10, 10, 8, 8]}).with_columns(
        (pl.col("active_customers") / pl.col("cohort_size")).alias("retention"))
    fig = customers.plot_cohort_heatmap(cohorts, "en", date(2026, 12, 3)).to_dict()
    full, part = fig["data"]
    assert full["text"] == [["100%", "30%", ""], ["100%", "", ""]]            # 2026-12 cells left out ...
    assert part["text"] == [["", "", "10%*"], ["", "12%*", ""]]               # ... and shown grey, starred
    assert customers.partial_month(date(2026, 12, 3)) == (date(2026, 12, 1), date(2026, 12, 3))
    assert customers.partial_month(date(2026, 11, 30)) is None               # a month over: nothing marked
    assert len(customers.plot_cohort_heatmap(cohorts, "en", date(2026, 12, 31)).to_dict()["data"]) == 1
