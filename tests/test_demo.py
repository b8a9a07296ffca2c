"""Demo store generator: determinism, sellers, Korean content, repeat buyers, and every injected incident visible."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from data.demo import build_demo
from data.warehouse import Warehouse, WarehouseError

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 5, 0)          # the conftest demo store's `now` (14:00 in Seoul)
KST = timedelta(hours=9)
DATA_TABLES = ("sellers", "products", "customers", "orders", "order_items", "returns", "sessions", "ad_stats",
               "inventory", "demo_incidents")


@pytest.fixture
def demo(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    yield wh
    wh.close()


def _incident(wh: Warehouse, seller: str, kind: str) -> dict:
    rows = wh.sql("SELECT * FROM demo_incidents WHERE seller_id = ? AND incident = ?", [seller, kind]).to_dicts()
    assert len(rows) == 1, f"expected one {kind} incident for {seller}"
    return rows[0]


def _table_frames(path: Path) -> dict[str, pl.DataFrame]:
    wh = Warehouse(path, read_only=True)
    try:
        frames = {}
        for table in DATA_TABLES:
            columns = wh.sql(f"SELECT * FROM {table} LIMIT 0").columns
            keep = [c for c in columns if c not in ("load_id", "created_at")]
            frames[table] = wh.sql(f"SELECT {', '.join(keep)} FROM {table} ORDER BY ALL")
        return frames
    finally:
        wh.close()


# -- determinism and shape ------------------------------------------------------------------------------------------

def test_same_seed_and_now_give_identical_rows_and_another_seed_differs(tmp_path):
    kwargs = {"scale": 0.1, "days": 30, "now": "2026-06-01T03:30:00"}
    a = build_demo(tmp_path / "a.duckdb", seed=11, **kwargs)
    b = build_demo(tmp_path / "b.duckdb", seed=11, **kwargs)
    c = build_demo(tmp_path / "c.duckdb", seed=12, **kwargs)
    assert a == b
    fa, fb, fc = (_table_frames(tmp_path / f"{x}.duckdb") for x in "abc")
    for table in DATA_TABLES:
        assert fa[table].equals(fb[table]), f"{table} differs between two builds with the same seed"
    for table in ("orders", "order_items", "sessions", "customers"):
        assert not fa[table].equals(fc[table]), f"{table} is the same for different seeds"
    assert a != c


def test_three_sellers_with_their_zones_currencies_and_languages(demo):
    sellers = demo.sql("SELECT seller_id, name, currency, timezone, language FROM sellers ORDER BY seller_id")
    assert sellers.rows() == [
        ("coffee_kr", "오늘의원두", "KRW", "Asia/Seoul", "ko"),
        ("outdoor_us", "Trailhead Gear", "USD", "America/Los_Angeles", "en"),
        ("petshop_kr", "멍냥마켓", "KRW", "Asia/Seoul", "ko"),
    ]
    counts = demo.sql("SELECT seller_id, count(*) AS n FROM products WHERE line_type = 'product' GROUP BY ALL")
    n = dict(counts.rows())
    assert 35 <= n["petshop_kr"] <= 45 and 15 <= n["coffee_kr"] <= 25 and 20 <= n["outdoor_us"] <= 30
    shipping = demo.sql("SELECT seller_id, name FROM products WHERE line_type = 'shipping' ORDER BY seller_id").rows()
    assert shipping == [("coffee_kr", "배송비"), ("outdoor_us", "Shipping"), ("petshop_kr", "배송비")]
    assert demo.scalar("SELECT count(*) FROM order_items WHERE line_type = 'shipping'") > 0
    # unit costs 45-70 % of price; KRW whole won, USD with cents somewhere
    ratio = demo.sql("SELECT min(unit_cost / price) AS lo, max(unit_cost / price) AS hi FROM products "
                     "WHERE line_type = 'product'").row(0)
    assert 0.43 <= float(ratio[0]) and float(ratio[1]) <= 0.71
    assert demo.scalar("SELECT count(*) FROM order_items o JOIN sellers s USING (seller_id) "
                       "WHERE s.currency = 'KRW' AND (unit_price % 1 <> 0 OR discount % 1 <> 0)") == 0
    assert demo.scalar("SELECT count(*) FROM ad_stats WHERE seller_id = 'outdoor_us' AND cost % 1 <> 0") > 0


def test_volume_petshop_largest_and_history_runs_up_to_now(demo):
    per_day = dict(demo.sql("SELECT seller_id, count(*) / 120.0 FROM orders GROUP BY ALL").rows())
    assert 0.3 * 60 * 0.8 <= per_day["petshop_kr"] <= 0.3 * 120 * 1.1
    assert per_day["petshop_kr"] > per_day["coffee_kr"] > 0 and per_day["petshop_kr"] > per_day["outdoor_us"] > 0
    lines_per_order = demo.scalar("SELECT (SELECT count(*) FROM order_items WHERE line_type = 'product') "
                                  "/ (SELECT count(*) FROM orders)")
    assert 1.25 <= lines_per_order <= 1.6
    # history starts at local midnight 119 days before today and runs up to `now` (visits up to the minute)
    first_day = (NOW + KST).date() - timedelta(days=119)
    earliest = demo.scalar("SELECT min(ordered_at) FROM orders WHERE seller_id = 'petshop_kr'")
    assert datetime(first_day.year, first_day.month, first_day.day) - KST <= earliest
    assert earliest < datetime(first_day.year, first_day.month, first_day.day) - KST + timedelta(days=1)
    assert NOW - timedelta(hours=3) <= demo.scalar("SELECT max(ordered_at) FROM orders") <= NOW
    latest_visit = dict(demo.sql("SELECT seller_id, max(started_at) FROM sessions GROUP BY ALL").rows())
    assert all(NOW - timedelta(hours=1) <= t <= NOW for t in latest_visit.values())
    for table, column in (("orders", "ordered_at"), ("sessions", "started_at"), ("returns", "returned_at")):
        assert demo.scalar(f"SELECT max({column}) FROM {table}") <= NOW
    recent = dict(demo.sql("SELECT seller_id, count(*) FROM orders WHERE ordered_at >= ? GROUP BY ALL",
                           [NOW - timedelta(hours=24)]).rows())
    assert len(recent) == 3 and min(recent.values()) > 0


def test_korean_products_and_keywords(demo):
    names = set(demo.sql("SELECT name FROM products WHERE seller_id = 'petshop_kr'")["name"])
    assert {"국내산 닭가슴살 져키 300g", "고양이 두부모래 7L", "강아지 배변패드 100매"} <= names
    categories = set(demo.sql("SELECT DISTINCT category FROM products WHERE seller_id = 'petshop_kr'")["category"])
    assert {"사료", "간식", "위생", "장난감"} <= categories
    keywords = set(demo.sql("SELECT DISTINCT search_keyword FROM sessions WHERE seller_id = 'petshop_kr'")
                   ["search_keyword"].drop_nulls())
    assert {"강아지 간식", "고양이 모래", "닭가슴살 져키", "dog treats", "소포장", "강아지 유모차"} <= keywords
    reasons = set(demo.sql("SELECT DISTINCT reason FROM returns WHERE seller_id = 'petshop_kr'")["reason"])
    assert {"파손/불량", "단순 변심"} <= reasons
    assert "damaged" in set(demo.sql("SELECT DISTINCT reason FROM returns WHERE seller_id = 'outdoor_us'")["reason"])


# -- behaviour -------------------------------------------------------------------------------------------------------

def test_customers_are_repeat_buyers_with_a_long_tail(demo):
    for seller in ("petshop_kr", "coffee_kr"):
        counts = demo.sql("SELECT customer_id, count(*) AS n FROM orders WHERE seller_id = ? "
                          "AND customer_id IS NOT NULL GROUP BY ALL", [seller])["n"]
        repeat_share = (counts >= 2).mean()
        assert 0.15 <= repeat_share <= 0.45, f"{seller} repeat share {repeat_share:.2f}"
        assert (counts == 1).mean() > 0.5                       # most buy once
        assert counts.max() >= 6                                # a few regulars buy often
    guests = demo.scalar("SELECT avg(CASE WHEN customer_id IS NULL THEN 1.0 ELSE 0 END) FROM orders")
    assert 0.04 <= guests <= 0.12
    orphans = demo.scalar("SELECT count(*) FROM orders o WHERE customer_id IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM customers c WHERE c.seller_id = o.seller_id "
                          "AND c.customer_id = o.customer_id)")
    assert orphans == 0
    assert demo.scalar("SELECT count(*) FROM sessions s WHERE customer_id IS NOT NULL AND NOT EXISTS "
                       "(SELECT 1 FROM customers c WHERE c.seller_id = s.seller_id "
                       "AND c.customer_id = s.customer_id)") == 0
    assert demo.scalar("SELECT count(*) FROM customers c WHERE first_seen_at > (SELECT min(ordered_at) FROM orders o "
                       "WHERE o.seller_id = c.seller_id AND o.customer_id = c.customer_id)") == 0
    grades = set(demo.sql("SELECT DISTINCT grade FROM customers WHERE seller_id = 'petshop_kr'")["grade"])
    assert {"VIP", "일반"} <= grades


def test_statuses_returns_and_sessions_look_like_a_real_store(demo):
    status = dict(demo.sql("SELECT status, count(*) / sum(count(*)) OVER () FROM orders GROUP BY ALL").rows())
    assert status["paid"] > 0.9 and 0.01 <= status["cancelled"] <= 0.035 and status.get("refunded", 0) > 0
    claims = dict(demo.sql("SELECT claim_type, count(*) FROM returns GROUP BY ALL").rows())
    assert set(claims) == {"return", "exchange", "cancel"}
    lines = demo.scalar("SELECT count(*) FROM order_items WHERE line_type = 'product'")
    assert 0.015 <= (claims["return"] + claims["exchange"]) / lines <= 0.05
    late = demo.scalar("SELECT count(*) FROM returns r JOIN orders o USING (seller_id, order_id) "
                       "WHERE r.returned_at < o.ordered_at")
    assert late == 0
    # every order has exactly one converting session; ~30-50 visits per order; mostly mobile in Korea
    per_order = demo.sql("SELECT o.seller_id, o.order_id, count(s.session_id) AS n FROM orders o LEFT JOIN sessions s "
                         "ON s.seller_id = o.seller_id AND s.order_id = o.order_id GROUP BY ALL")["n"]
    assert per_order.min() == 1 and per_order.max() == 1
    visits_per_order = demo.scalar("SELECT count(*) / count(order_id) FROM sessions")
    assert 28 <= visits_per_order <= 55
    mobile = demo.scalar("SELECT avg(CASE WHEN device = 'mobile' THEN 1.0 ELSE 0 END) FROM sessions "
                         "WHERE seller_id = 'petshop_kr'")
    assert 0.7 <= mobile <= 0.8
    channels = set(demo.sql("SELECT DISTINCT channel FROM sessions")["channel"])
    assert channels == {"search", "ads", "social", "direct", "referral", "email"}
    assert demo.scalar("SELECT count(*) FROM sessions WHERE channel IN ('search', 'ads') "
                       "AND search_keyword IS NOT NULL") > 0


def test_weekly_and_intraday_patterns(demo):
    by_dow = dict(demo.sql("SELECT isodow(ordered_at + INTERVAL 9 HOUR) AS dow, count(*) FROM orders "
                           "WHERE seller_id = 'petshop_kr' AND ordered_at < '2026-11-16' GROUP BY ALL").rows())
    assert by_dow[1] > by_dow[6] * 1.3 and by_dow[1] > by_dow[7]          # Monday strong, weekend low
    by_hour = dict(demo.sql("SELECT hour(ordered_at + INTERVAL 9 HOUR), count(*) FROM orders "
                            "WHERE seller_id = 'petshop_kr' GROUP BY ALL").rows())
    assert by_hour[21] > 4 * by_hour[4] and by_hour[11] > 4 * by_hour[4]


def test_ad_stats_platforms_and_efficiency(demo):
    stats = demo.sql("""
        SELECT platform, campaign, sum(cost)::DOUBLE AS cost, sum(clicks)::DOUBLE AS clicks, sum(conversions)::DOUBLE AS conv,
               sum(conversion_revenue)::DOUBLE AS revenue
        FROM ad_stats WHERE seller_id = 'petshop_kr' GROUP BY ALL""")
    assert set(stats["platform"]) == {"naver_searchad", "coupang_ads", "google_ads", "meta_ads"}
    cpc = stats["cost"].sum() / stats["clicks"].sum()
    assert 200 <= cpc <= 1500
    roas = (stats["revenue"] / stats["cost"]).filter(stats["conv"] > 0)
    assert roas.min() < 2.0 and roas.max() > 4.5                  # efficiency differs a lot between campaigns
    dud = demo.sql("SELECT sum(cost)::DOUBLE, sum(conversions)::DOUBLE FROM ad_stats WHERE keyword = '강아지 유모차'").row(0)
    assert dud[0] > 0 and dud[1] == 0
    # one campaign decays over the year: same clicks, fewer conversions (first vs last 40 days)
    decay = demo.sql("""
        SELECT stat_date < DATE '2026-09-02' AS early, sum(conversions)::DOUBLE / sum(clicks)::DOUBLE AS cvr
        FROM ad_stats WHERE campaign = '쿠팡_사료_자동'
          AND (stat_date < DATE '2026-09-02' OR stat_date >= DATE '2026-10-11') GROUP BY ALL""")
    cvr_by = dict(decay.rows())
    assert cvr_by[False] < 0.75 * cvr_by[True]
    ads_orders = demo.scalar("SELECT count(*) FROM sessions WHERE seller_id = 'petshop_kr' AND channel = 'ads' "
                             "AND order_id IS NOT NULL")
    assert 0.8 <= stats["conv"].sum() / ads_orders <= 1.25   # platform conversions match ads-attributed orders


# -- injected incidents ----------------------------------------------------------------------------------------------

def _orders_drop_ratio(wh: Warehouse, seller: str, start_local_day, offset: timedelta) -> float:
    daily = dict(wh.sql("SELECT CAST(ordered_at + ? AS DATE) AS d, count(*) FROM orders WHERE seller_id = ? "
                        "GROUP BY ALL", [offset, seller]).rows())
    today = (NOW + offset).date()
    after, before = 0.0, 0.0
    day = start_local_day
    while day < today:
        after += daily.get(day, 0)
        same_weekday = sorted(daily.get(day - timedelta(days=7 * k), 0) for k in range(1, 5))
        before += (same_weekday[1] + same_weekday[2]) / 2       # median of the four previous same weekdays
        day += timedelta(days=1)
    return after / before


def test_sales_drop_is_visible_and_the_control_seller_is_ordinary(demo):
    inc = _incident(demo, "petshop_kr", "sales_drop")
    start_local = (inc["starts_at"] + KST).date()
    assert (NOW + KST).date() - start_local == timedelta(days=3)
    assert _orders_drop_ratio(demo, "petshop_kr", start_local, KST) < 0.6
    pst = timedelta(hours=-8)                                 # the control seller's last weeks are ordinary
    ratio = _orders_drop_ratio(demo, "outdoor_us", (NOW + pst).date() - timedelta(days=14), pst)
    assert 0.65 < ratio < 1.4
    assert demo.scalar("SELECT count(*) FROM demo_incidents WHERE seller_id = 'outdoor_us'") == 0


def test_ad_collapse_conversions_fall_while_spend_stays(demo):
    inc = _incident(demo, "petshop_kr", "ad_collapse")
    start = (inc["starts_at"] + KST).date()
    rows = demo.sql("""
        SELECT stat_date >= ? AS after, count(DISTINCT stat_date) AS days, sum(cost)::DOUBLE AS cost,
               sum(conversions)::DOUBLE AS conv
        FROM ad_stats WHERE seller_id = 'petshop_kr' AND campaign = ? AND stat_date >= ? - INTERVAL 28 DAY
          AND stat_date < ? GROUP BY ALL""", [start, inc["subject"], start, (NOW + KST).date()])
    by = {r["after"]: r for r in rows.to_dicts()}
    conv_per_cost = {k: v["conv"] / v["cost"] for k, v in by.items()}
    cost_per_day = {k: v["cost"] / v["days"] for k, v in by.items()}
    assert conv_per_cost[True] < 0.45 * conv_per_cost[False]
    assert cost_per_day[True] > 0.7 * cost_per_day[False]


def test_returns_spike_on_one_product(demo):
    inc = _incident(demo, "petshop_kr", "returns_spike")
    sku, start = inc["subject"], inc["starts_at"]
    assert inc["magnitude"] >= 4
    returns = dict(demo.sql("SELECT returned_at >= ?, count(*) FROM returns WHERE seller_id = 'petshop_kr' "
                            "AND sku = ? AND claim_type IN ('return', 'exchange') GROUP BY ALL", [start, sku]).rows())
    lines = dict(demo.sql("SELECT ordered_at >= ?, count(*) FROM order_items WHERE seller_id = 'petshop_kr' "
                          "AND sku = ? GROUP BY ALL", [start, sku]).rows())
    rate_after = returns.get(True, 0) / lines[True]
    rate_before = returns.get(False, 0) / lines[False]
    assert rate_after >= 3 * rate_before and returns.get(True, 0) >= 4
    top_reason = demo.sql("SELECT reason, count(*) AS n FROM returns WHERE seller_id = 'petshop_kr' AND sku = ? "
                          "AND returned_at >= ? GROUP BY ALL ORDER BY n DESC LIMIT 1", [sku, start])["reason"][0]
    assert top_reason == "파손/불량"


@pytest.mark.parametrize("seller", ["petshop_kr", "coffee_kr"])
def test_stock_out_product_stops_selling_while_visitors_keep_landing(demo, seller):
    inc = _incident(demo, seller, "stock_out")
    sku, start = inc["subject"], inc["starts_at"]
    assert timedelta(days=3) <= NOW - start <= timedelta(days=7)
    stock = demo.sql("SELECT snapshot_date, on_hand FROM inventory WHERE seller_id = ? AND sku = ? "
                     "ORDER BY snapshot_date", [seller, sku])
    start_day = (start + KST).date()
    after = stock.filter(pl.col("snapshot_date") >= start_day)["on_hand"]
    assert len(after) >= 3 and after.max() == 0
    assert stock.filter(pl.col("snapshot_date") < start_day - timedelta(days=20))["on_hand"].min() > 0
    assert demo.scalar("SELECT count(*) FROM order_items WHERE seller_id = ? AND sku = ? AND ordered_at >= ?",
                       [seller, sku, start]) == 0
    assert demo.scalar("SELECT count(*) FROM order_items WHERE seller_id = ? AND sku = ? AND ordered_at >= ? - "
                       "INTERVAL 14 DAY", [seller, sku, start]) > 0
    assert demo.scalar("SELECT count(*) FROM sessions WHERE seller_id = ? AND landing_sku = ? AND started_at >= ?",
                       [seller, sku, start]) > 0
    # ordinary products are never out of stock
    assert demo.scalar("SELECT count(*) FROM inventory WHERE seller_id = ? AND sku <> ? AND on_hand = 0",
                       [seller, sku]) == 0


def test_unmet_keyword_has_many_visitors_and_no_buyers(demo):
    inc = _incident(demo, "petshop_kr", "unmet_keyword")
    assert inc["subject"] == "소포장"
    first_day = (NOW + KST).date() - timedelta(days=119)             # the whole 120-day history
    assert inc["starts_at"] == datetime(first_day.year, first_day.month, first_day.day) - KST
    visits, orders = demo.sql("SELECT count(*), count(order_id) FROM sessions WHERE seller_id = 'petshop_kr' "
                              "AND search_keyword LIKE '%소포장%'").row(0)
    assert visits >= 1000 and orders <= 0.002 * visits
    # a served keyword of similar traffic converts
    visits, orders = demo.sql("SELECT count(*), count(order_id) FROM sessions WHERE seller_id = 'petshop_kr' "
                              "AND search_keyword = '강아지 간식'").row(0)
    assert orders / visits > 0.02


def test_incident_ground_truth_table(demo):
    kinds = demo.sql("SELECT seller_id, incident FROM demo_incidents ORDER BY ALL").rows()
    assert kinds == [("coffee_kr", "stock_out"), ("petshop_kr", "ad_collapse"), ("petshop_kr", "returns_spike"),
                     ("petshop_kr", "sales_drop"), ("petshop_kr", "stock_out"), ("petshop_kr", "unmet_keyword")]
    assert demo.scalar("SELECT count(*) FROM demo_incidents WHERE description = '' OR starts_at > ?", [NOW]) == 0


def test_one_load_row_per_seller_and_table(demo):
    loads = demo.sql("SELECT seller_id, kind, source, rows_loaded FROM loads")
    assert set(loads["source"]) == {"demo"}
    assert loads.height == 3 * 8 and loads.select(["seller_id", "kind"]).is_unique().all()
    for seller, kind, _, rows in loads.rows():
        assert demo.scalar(f"SELECT count(*) FROM {kind} WHERE seller_id = ?", [seller]) == rows


def test_scale_multiplies_volume(tmp_path):
    small = build_demo(tmp_path / "s.duckdb", seed=3, scale=0.1, days=30, now="2026-03-01T00:00:00")
    large = build_demo(tmp_path / "l.duckdb", seed=3, scale=0.3, days=30, now="2026-03-01T00:00:00")
    lines = [sum(s[t]["order_items"] for t in s) for s in (small, large)]
    assert 2.4 <= lines[1] / lines[0] <= 3.6


def test_bad_arguments_are_refused_with_a_message(tmp_path):
    with pytest.raises(WarehouseError, match="--now"):
        build_demo(tmp_path / "x.duckdb", now="yesterday")
    with pytest.raises(WarehouseError, match="--scale"):
        build_demo(tmp_path / "x.duckdb", scale=0)


# -- command line ----------------------------------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", "demo", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def test_cli_builds_refuses_to_overwrite_and_replaces_with_force(tmp_path):
    db = tmp_path / "cli.duckdb"
    first = _cli("--db", str(db), "--seed", "1", "--scale", "0.1", "--days", "30")
    assert first.returncode == 0, first.stderr
    assert "petshop_kr" in first.stdout and str(db.resolve()) in first.stdout
    again = _cli("--db", str(db), "--seed", "1", "--scale", "0.1", "--days", "30")
    assert again.returncode != 0
    assert "--force" in again.stderr and "Traceback" not in again.stderr
    forced = _cli("--db", str(db), "--seed", "1", "--scale", "0.1", "--days", "30", "--force")
    assert forced.returncode == 0, forced.stderr
    wh = Warehouse(db, read_only=True)
    try:
        assert wh.scalar("SELECT count(*) FROM sellers") == 3
        assert wh.scalar("SELECT count(*) FROM loads") == 3 * 8
    finally:
        wh.close()
    bad = _cli("--db", str(tmp_path / "other.duckdb"), "--now", "not-a-time")
    assert bad.returncode == 2 and "--now" in bad.stderr and "Traceback" not in bad.stderr
