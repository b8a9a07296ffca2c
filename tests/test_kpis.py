"""Known-answer tests of the home KPIs, revenue by local day and warehouse status on hand-built rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analytics.kpis import kpi_period_windows, kpi_summary, plot_revenue_by_day, revenue_by_day, revenue_range_totals
from analytics.metrics import METRICS, format_delta, format_metric_value, format_money, money_column_format
from analytics.sellers import default_date_range, default_seller_id, list_sellers, seller_profile
from analytics.warehouse_status import data_freshness, load_log, table_row_counts

# 2026-11-20 05:00 UTC = 14:00 in Seoul (UTC+9) = 21:00 on Nov 19 in Los Angeles (PST, UTC-8)
NOW = datetime(2026, 11, 20, 5, 0)

# Seoul store, times in UTC. Comments give the Seoul wall clock.
KR_ORDERS = [
    # order_id, ordered_at UTC, status, order discount, lines [(qty, unit_price, line discount, line_type)]
    ("K1", datetime(2026, 11, 20, 1, 0), "paid", 2000, [(2, 10000, 1000, "product"), (1, 3000, 0, "shipping")]),  # 11-20 10:00
    ("K2", datetime(2026, 11, 19, 15, 30), "paid", 0, [(1, 5000, 0, "product")]),       # 11-20 00:30: today, not UTC's 19th
    ("K3", datetime(2026, 11, 20, 3, 0), "cancelled", 0, [(1, 99000, 0, "product")]),  # 11-20 12:00, cancelled
    ("K4", datetime(2026, 11, 19, 1, 0), "refunded", 0, [(3, 4000, 0, "product")]),    # 11-19 10:00, yesterday < 14:00
    ("K5", datetime(2026, 11, 19, 6, 0), "paid", 0, [(1, 8000, 0, "product")]),        # 11-19 15:00, yesterday > 14:00
    ("K6", datetime(2026, 11, 12, 2, 0), "paid", 0, [(1, 20000, 0, "product")]),       # 11-12 11:00: previous 7 days
    ("K7", datetime(2026, 11, 13, 14, 0), "paid", 0, [(1, 1000, 0, "product")]),       # 11-13 23:00: after prev-7 cutoff
]
KR_SESSIONS = [
    ("S1", datetime(2026, 11, 20, 0, 0), "K1"),     # today
    ("S2", datetime(2026, 11, 20, 2, 0), None),     # today
    ("S3", datetime(2026, 11, 19, 15, 10), "K2"),   # today (00:10 local)
    ("S4", datetime(2026, 11, 20, 4, 0), None),     # today
    ("S5", datetime(2026, 11, 19, 0, 30), "K4"),    # yesterday before 14:00
    ("S6", datetime(2026, 11, 19, 3, 0), None),     # yesterday before 14:00
    ("S7", datetime(2026, 11, 19, 10, 0), None),    # yesterday after 14:00
]
# Los Angeles store: U1 at 23:30 local on Nov 19 is already Nov 20 in UTC.
US_ORDERS = [
    ("U1", datetime(2026, 11, 20, 7, 30), "paid", 0, [(2, 12.5, 0, "product")]),    # 11-19 23:30 PST
    ("U2", datetime(2026, 11, 19, 8, 15), "paid", 0, [(1, 9.99, 0, "product")]),    # 11-19 00:15 PST
]


def _insert_orders(cur, seller_id, orders):
    for order_id, ordered_at, status, discount, lines in orders:
        cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) VALUES (?, ?, ?, ?, ?)",
                    [seller_id, order_id, ordered_at, status, discount])
        for line_no, (qty, price, line_discount, line_type) in enumerate(lines, start=1):
            cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price, "
                        "discount, line_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [seller_id, order_id, line_no, ordered_at, f"SKU{line_no}", qty, price, line_discount,
                         line_type])


@pytest.fixture
def shop(warehouse):
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('shop_kr', '가게', 'KRW', 'Asia/Seoul', 'ko'), "
                    "('shop_us', 'Shop', 'USD', 'America/Los_Angeles', 'en')")
        _insert_orders(cur, "shop_kr", KR_ORDERS)
        _insert_orders(cur, "shop_us", US_ORDERS)
        for session_id, started_at, order_id in KR_SESSIONS:
            cur.execute("INSERT INTO sessions (seller_id, session_id, started_at, order_id) VALUES (?, ?, ?, ?)",
                        ["shop_kr", session_id, started_at, order_id])
        cur.execute("INSERT INTO sessions (seller_id, session_id, started_at) VALUES "
                    "('shop_us', 'X1', TIMESTAMP '2026-11-20 04:00:00')")
        cur.execute("INSERT INTO ad_stats (seller_id, stat_date, stat_hour, platform, campaign) VALUES "
                    "('shop_kr', DATE '2026-11-19', 13, 'naver', 'c1'), ('shop_kr', DATE '2026-11-18', NULL, 'naver', 'c1')")
        cur.execute("INSERT INTO loads (load_id, seller_id, kind, source, format, rows_read, rows_loaded, rows_duplicate, "
                    "rows_rejected, status, started_at, finished_at) VALUES "
                    "(1, 'shop_kr', 'orders', 'a.csv', 'canonical', 5, 4, 1, 0, 'loaded', "
                    "TIMESTAMP '2026-11-19 14:59:00', TIMESTAMP '2026-11-19 15:00:00'), "
                    "(2, 'shop_kr', 'sessions', 'api', 'canonical', 2, 2, 0, 0, 'loaded', "
                    "TIMESTAMP '2026-11-20 00:00:00', TIMESTAMP '2026-11-20 00:00:01'), "
                    "(3, 'shop_us', 'orders', 'b.csv', 'shopify', 2, 2, 0, 0, 'loaded', "
                    "TIMESTAMP '2026-11-20 00:00:00', TIMESTAMP '2026-11-20 00:00:01')")
    return warehouse


def _kpis(frame):
    return {(r["period"], r["metric"]): r for r in frame.iter_rows(named=True)}


def test_today_counts_local_midnight_orders_and_compares_with_yesterday_same_time(shop):
    k = _kpis(kpi_summary(shop, "shop_kr", NOW))
    # K1 (2×10000 − 1000 line discount − 2000 order discount; shipping line excluded) + K2 (00:30 local); K3 cancelled
    assert k[("today", "revenue")]["value"] == pytest.approx(22000)
    assert k[("today", "orders")]["value"] == 2
    assert k[("today", "aov")]["value"] == pytest.approx(11000)
    # yesterday up to 14:00 local: only K4 (refunded orders still count; returns are reported apart)
    assert k[("today", "revenue")]["previous_value"] == pytest.approx(12000)
    assert k[("today", "revenue")]["delta_pct"] == pytest.approx(10000 / 12000 * 100)
    assert k[("today", "orders")]["previous_value"] == 1
    assert k[("today", "orders")]["delta_pct"] == pytest.approx(100.0)


def test_visitors_and_conversion_today_vs_yesterday(shop):
    k = _kpis(kpi_summary(shop, "shop_kr", NOW))
    assert k[("today", "visitors")]["value"] == 4
    assert k[("today", "visitors")]["previous_value"] == 2           # S5, S6; S7 was after 14:00
    assert k[("today", "visitors")]["delta_pct"] == pytest.approx(100.0)
    assert k[("today", "conversion")]["value"] == pytest.approx(0.5)  # S1, S3 of 4
    assert k[("today", "conversion")]["previous_value"] == pytest.approx(0.5)
    assert k[("today", "conversion")]["delta_pct"] == pytest.approx(0.0)
    assert k[("last_7_days", "conversion")]["value"] == pytest.approx(3 / 7)


def test_seven_and_thirty_day_windows_with_previous_periods(shop):
    k = _kpis(kpi_summary(shop, "shop_kr", NOW))
    # last 7 days: from Nov 14 00:00 local: K1, K2, K4, K5
    assert k[("last_7_days", "revenue")]["value"] == pytest.approx(42000)
    assert k[("last_7_days", "orders")]["value"] == 4
    assert k[("last_7_days", "aov")]["value"] == pytest.approx(10500)
    # previous 7 days: Nov 7 00:00 up to Nov 13 14:00 local: K6 only (K7 at 23:00 is after the cutoff)
    assert k[("last_7_days", "revenue")]["previous_value"] == pytest.approx(20000)
    assert k[("last_7_days", "revenue")]["delta_pct"] == pytest.approx(110.0)
    # last 30 days: every non-cancelled order; nothing in the 30 days before, so no delta
    assert k[("last_30_days", "revenue")]["value"] == pytest.approx(63000)
    assert k[("last_30_days", "orders")]["value"] == 6
    assert k[("last_30_days", "revenue")]["previous_value"] == pytest.approx(0)
    assert k[("last_30_days", "revenue")]["delta_pct"] is None
    assert k[("last_30_days", "aov")]["previous_value"] is None


def test_summary_shape(shop):
    frame = kpi_summary(shop, "shop_kr", NOW)
    assert frame.columns == ["period", "metric", "value", "previous_value", "delta_pct"]
    assert frame.height == 15
    assert set(frame["metric"]) == {"revenue", "orders", "aov", "visitors", "conversion"}


def test_sellers_do_not_see_each_other(shop):
    k = _kpis(kpi_summary(shop, "shop_us", NOW))
    # 21:00 on Nov 19 in Los Angeles: today is Nov 19 from 00:00 PST (08:00 UTC): only U2; U1 is in the future
    assert k[("today", "revenue")]["value"] == pytest.approx(9.99)
    assert k[("today", "orders")]["value"] == 1
    assert k[("today", "visitors")]["value"] == 1
    assert k[("last_30_days", "orders")]["value"] == 1


def test_revenue_by_day_buckets_by_local_date_seoul(shop):
    frame = revenue_by_day(shop, "shop_kr", date(2026, 11, 18), date(2026, 11, 20))
    assert frame.columns == ["order_date", "revenue", "order_count"]
    rows = {r["order_date"]: (r["revenue"], r["order_count"]) for r in frame.iter_rows(named=True)}
    assert rows == {date(2026, 11, 18): (0.0, 0),                 # empty days are present with zeros
                    date(2026, 11, 19): (20000.0, 2),             # K4 + K5
                    date(2026, 11, 20): (22000.0, 2)}             # K1 + K2 (15:30 UTC on the 19th)
    assert revenue_range_totals(frame) == {"revenue": 42000.0, "order_count": 4}


def test_order_at_2330_local_lands_on_that_local_day(shop):
    frame = revenue_by_day(shop, "shop_us", date(2026, 11, 19), date(2026, 11, 20))
    rows = {r["order_date"]: (r["revenue"], r["order_count"]) for r in frame.iter_rows(named=True)}
    assert rows[date(2026, 11, 19)] == (pytest.approx(34.99), 2)   # U1 is 07:30 UTC on the 20th
    assert rows[date(2026, 11, 20)] == (0.0, 0)


def test_revenue_by_day_empty_and_reversed_ranges(shop):
    assert revenue_by_day(shop, "shop_kr", date(2026, 11, 21), date(2026, 11, 20)).height == 0
    frame = revenue_by_day(shop, "shop_kr", date(2025, 1, 1), date(2025, 1, 3))
    assert frame["revenue"].to_list() == [0.0, 0.0, 0.0]


def test_period_windows_across_the_dst_change():
    # Los Angeles leaves daylight saving time on 2026-11-01 at 02:00 local; now is 11:00 PST that day
    windows = {w.period: w for w in kpi_period_windows("America/Los_Angeles", datetime(2026, 11, 1, 19, 0))}
    today = windows["today"]
    assert today.start_utc == datetime(2026, 11, 1, 7, 0)            # midnight was still PDT (UTC-7)
    assert today.end_utc == datetime(2026, 11, 1, 19, 0)
    assert today.previous_start_utc == datetime(2026, 10, 31, 7, 0)
    assert today.previous_end_utc == datetime(2026, 10, 31, 18, 0)   # 11:00 PDT yesterday
    week = windows["last_7_days"]
    assert week.start_utc == datetime(2026, 10, 26, 7, 0)
    assert week.previous_start_utc == datetime(2026, 10, 19, 7, 0)


def test_plot_revenue_by_day_uses_floats_and_translated_titles(shop):
    frame = revenue_by_day(shop, "shop_kr", date(2026, 11, 18), date(2026, 11, 20))
    fig = plot_revenue_by_day(frame, "ko", "KRW")
    assert list(fig.data[0].y) == [0.0, 20000.0, 22000.0]
    assert fig.layout.title.text == "일별 매출"
    assert "₩22,000" in fig.data[0].hovertext[2]
    assert plot_revenue_by_day(frame, "en", "KRW").layout.title.text == "Daily revenue"


def test_sellers_list_and_default(shop):
    frame = list_sellers(shop)
    assert frame["seller_id"].to_list() == ["shop_kr", "shop_us"]
    assert default_seller_id(frame) == "shop_kr"                    # no petshop_kr: the first one
    assert default_seller_id(frame.clear()) is None
    profile = seller_profile(shop, "shop_us")
    assert (profile.timezone, profile.currency) == ("America/Los_Angeles", "USD")
    assert seller_profile(shop, "nobody") is None
    assert default_date_range("America/Los_Angeles", NOW) == (date(2026, 10, 21), date(2026, 11, 19))
    assert default_date_range("Asia/Seoul", NOW) == (date(2026, 10, 22), date(2026, 11, 20))


def test_table_row_counts_for_one_seller(shop):
    counts = dict(table_row_counts(shop, "shop_kr").iter_rows())
    assert counts == {"orders": 7, "order_items": 8, "returns": 0, "sessions": 7, "traffic_stats": 0, "ad_stats": 2, "inventory": 0,
                      "sellers": 1, "products": 0, "customers": 0}


def test_data_freshness_in_local_time(shop):
    rows = {r["table_name"]: r for r in data_freshness(shop, "shop_kr", NOW).iter_rows(named=True)}
    assert rows["orders"]["latest_local"] == datetime(2026, 11, 20, 12, 0)     # K3 at 03:00 UTC
    assert rows["orders"]["age_hours"] == pytest.approx(2.0)
    assert rows["sessions"]["latest_local"] == datetime(2026, 11, 20, 13, 0)   # S4 at 04:00 UTC
    assert rows["ad_stats"]["latest_local"] == datetime(2026, 11, 19, 13, 0)   # already local: hour 13
    assert rows["returns"]["latest_local"] is None
    assert rows["inventory"]["age_hours"] is None


def test_load_log_newest_first_in_local_time(shop):
    log = load_log(shop, "shop_kr")
    assert log["load_id"].to_list() == [2, 1]
    assert log["finished_local"][0] == datetime(2026, 11, 20, 9, 0, 1)
    assert log["finished_local"][1] == datetime(2026, 11, 20, 0, 0)            # 15:00 UTC = next day 00:00 KST
    assert load_log(shop, "shop_kr", limit=1).height == 1


def test_money_and_metric_formatting():
    assert format_money(1234000, "KRW") == "₩1,234,000"
    assert format_money(1234, "USD") == "$1,234.00"
    assert format_money(-5.5, "USD") == "-$5.50"
    assert format_money(10, "CHF") == "10.00 CHF"
    assert format_metric_value("conversion", 0.0345, "KRW") == "3.45%"
    assert format_metric_value("orders", 12345, "KRW") == "12,345"
    assert format_metric_value("aov", None, "KRW") == "–"
    # tables use the same minor unit: sprintf with thousands separators, as Streamlit's NumberColumn reads it
    assert money_column_format("KRW") == money_column_format("jpy") == "%,.0f"
    assert money_column_format("USD") == money_column_format("") == "%,.2f"


def test_compact_money_for_tiles():
    from analytics.metrics import format_money_compact

    assert format_money_compact(15_734_000, "KRW", "ko") == "₩1,573만"
    assert format_money_compact(104_293_070, "KRW", "ko") == "₩1.04억"
    assert format_money_compact(15_734_000, "KRW", "en") == "₩15.7M"
    assert format_money_compact(104_300, "USD", "en") == "$104.3K"
    assert format_money_compact(9_999, "KRW", "ko") == "₩9,999"
    assert format_metric_value("revenue", 51_700, "KRW", "ko") == "₩51,700"
    assert format_money_compact(999_999, "KRW", "ko") == "₩999,999"
    assert format_money_compact(9_999.99, "USD", "en") == "$9,999.99"
    assert format_money_compact(1_605_500, "KRW", "ko") == "₩161만"          # "₩1,605,500" is cut in a tile
    assert format_money_compact(1_605_500, "KRW", "en") == "₩1.6M"
    assert format_money_compact(12_345.67, "USD", "en") == "$12.3K"
    assert format_metric_value("revenue", 51_700, "KRW") == "₩51,700"
    assert format_delta("revenue", 110, 100, 10.0) == "+10.0%"
    assert format_delta("conversion", 0.05, 0.04, 25.0) == "+1.00%p"
    assert format_delta("orders", 3, 0, None) is None


def test_every_metric_has_definitions_in_both_languages():
    for metric in METRICS.values():
        for part in (metric.label, metric.formula, metric.window, metric.attribution):
            assert set(part) == {"ko", "en"} and all(part.values())
        assert metric.label["ko"] in metric.help("ko")
