"""Traffic report: known answers of traffic_session_counts on hand-made rows, breakdowns with the previous period,
the funnel, the demo store's sales drop by channel, the --json report and the page (AppTest)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from analytics.metrics import format_metric_value
from analytics.period import report_period
from analytics.traffic import traffic_overview, traffic_period_session_counts, traffic_session_counts
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 20, 5, 0)          # 14:00 in Seoul
# period 2026-11-19 .. 11-20 (Seoul) = UTC [11-18 15:00, 11-20 05:00); previous = [11-16 15:00, 11-18 15:00)
START, END = datetime(2026, 11, 18, 15, 0), AS_OF

SESSIONS = [
    # session_id, started_at (UTC), channel, source, medium, device, pageviews, order_id
    ("S1", datetime(2026, 11, 19, 1, 0), "search", "naver", "organic", "mobile", 5, "O1"),
    ("S2", datetime(2026, 11, 19, 2, 0), "search", "naver", "organic", "desktop", 1, None),
    ("S3", datetime(2026, 11, 19, 3, 0), "ads", "naver", "cpc", "mobile", 3, "O2"),       # pending order
    ("S4", datetime(2026, 11, 19, 4, 0), "ads", "naver", "cpc", "mobile", 2, "O3"),       # cancelled order
    ("S5", datetime(2026, 11, 19, 5, 0), "direct", "(direct)", "(none)", "mobile", 4, "O4"),
    ("S6", datetime(2026, 11, 19, 6, 0), "email", "newsletter", "email", "desktop", 2, "O4"),  # later: gets O4
    ("S7", datetime(2026, 11, 19, 7, 0), None, " ", None, None, None, None),                 # '(not set)'
    ("S8", datetime(2026, 11, 18, 14, 59), "search", "naver", "organic", "mobile", 3, "O5"),  # previous period
    ("S9", datetime(2026, 11, 20, 5, 0), "search", "naver", "organic", "mobile", 2, None),    # at as_of: excluded
]
ORDERS = [
    # order_id, ordered_at, status, order discount, [(qty, unit_price, line discount, line_type)]
    ("O1", datetime(2026, 11, 19, 1, 10), "paid", 1000, [(2, 10000, 0, "product"), (1, 3000, 0, "shipping")]),
    ("O2", datetime(2026, 11, 19, 3, 10), "pending", 0, [(1, 5000, 0, "product")]),
    ("O3", datetime(2026, 11, 19, 4, 10), "cancelled", 0, [(1, 7000, 0, "product")]),
    ("O4", datetime(2026, 11, 19, 6, 10), "refunded", 0, [(1, 8000, 500, "product")]),
    ("O5", datetime(2026, 11, 18, 15, 10), "paid", 0, [(1, 4000, 0, "product")]),
]


def insert_shop(wh: Warehouse, sessions=SESSIONS, orders=ORDERS, keywords: dict | None = None,
                landing: dict | None = None) -> None:
    keywords = keywords or {}
    landing = landing or {}
    with wh.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('shop_kr', '가게', 'KRW', 'Asia/Seoul', 'ko'), ('other', 'Other', 'KRW', 'Asia/Seoul', 'ko')")
        for sid, started, channel, source, medium, device, pv, order_id in sessions:
            cur.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel, source, medium, device, "
                        "pageviews, order_id, search_keyword, landing_sku) VALUES "
                        "('shop_kr', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [sid, started, channel, source, medium, device, pv, order_id, keywords.get(sid),
                         landing.get(sid)])
        for order_id, ordered_at, status, discount, lines in orders:
            cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, discount) VALUES "
                        "('shop_kr', ?, ?, ?, ?)", [order_id, ordered_at, status, discount])
            for no, (qty, price, line_discount, line_type) in enumerate(lines, start=1):
                cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, "
                            "unit_price, discount, line_type) VALUES ('shop_kr', ?, ?, ?, 'X', ?, ?, ?, ?)",
                            [order_id, no, ordered_at, qty, price, line_discount, line_type])
        # another seller reusing order id O1 and a session in the window: never mixed in
        cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status) VALUES "
                    "('other', 'O1', TIMESTAMP '2026-11-19 01:10:00', 'paid')")
        cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, quantity, unit_price) VALUES "
                    "('other', 'O1', 1, TIMESTAMP '2026-11-19 01:10:00', 1, 99000)")
        cur.execute("INSERT INTO sessions (seller_id, session_id, started_at, channel, order_id, search_keyword) "
                    "VALUES ('other', 'S1', TIMESTAMP '2026-11-19 01:00:00', 'search', 'O1', '강아지 간식')")


@pytest.fixture
def shop(warehouse):
    insert_shop(warehouse)
    return warehouse


def _by_key(frame, *keys):
    return {tuple(r[k] for k in keys): r for r in frame.iter_rows(named=True)}


def test_session_counts_known_answers(shop):
    frame = traffic_session_counts(shop, "shop_kr", START, END, AS_OF)
    rows = _by_key(frame, "channel", "source", "medium", "device")
    cols = ("sessions", "engaged_sessions", "converted_sessions", "order_count", "paid_order_count", "revenue")

    def values(key):
        return tuple(rows[key][c] for c in cols)

    # O1: 2 × 10000 − order discount 1000; the shipping line is not revenue
    assert values(("search", "naver", "organic", "mobile")) == (1, 1, 1, 1, 1, 19000.0)
    assert values(("search", "naver", "organic", "desktop")) == (1, 0, 0, 0, 0, 0.0)
    # O2 is pending (an order, not paid), O3 cancelled (converted session, but no order and no revenue)
    assert values(("ads", "naver", "cpc", "mobile")) == (2, 2, 2, 1, 0, 5000.0)
    # O4 is carried by S5 and S6: both converted, the order and its revenue go to the later S6 (refunded still counts)
    assert values(("direct", "(direct)", "(none)", "mobile")) == (1, 1, 1, 0, 0, 0.0)
    assert values(("email", "newsletter", "email", "desktop")) == (1, 1, 1, 1, 1, 7500.0)
    assert values(("(not set)",) * 4) == (1, 0, 0, 0, 0, 0.0)
    assert frame.height == 6                                    # S8 before, S9 at the end: outside
    assert frame["sessions"].sum() == 7


def test_orders_after_as_of_are_not_read(shop):
    frame = traffic_session_counts(shop, "shop_kr", START, END, datetime(2026, 11, 19, 1, 5))
    assert frame["order_count"].sum() == 0 and frame["revenue"].sum() == 0.0
    assert frame["converted_sessions"].sum() == 5               # the session still carries its order id


PREVIOUS_START = datetime(2026, 11, 16, 15, 0)     # the previous period of [START, END): [11-16 15:00, 11-18 15:00)
COLS = ("channel", "source", "medium", "device", "sessions", "engaged_sessions", "converted_sessions", "order_count",
        "paid_order_count", "revenue")


def test_period_session_counts_known_answers_for_both_periods(shop):
    current, previous = traffic_period_session_counts(shop, "shop_kr", START, END, PREVIOUS_START, START, AS_OF)
    assert current.equals(traffic_session_counts(shop, "shop_kr", START, END, AS_OF))
    assert list(current.columns) == list(COLS) and list(previous.columns) == list(COLS)
    # S8 (11-18 14:59 UTC) is the previous period's only visit; O5 and its 4000 go to it
    assert previous.rows() == [("search", "naver", "organic", "mobile", 1, 1, 1, 1, 1, 4000.0)]


def test_an_order_carried_in_both_periods_goes_to_the_latest_session_of_each(warehouse):
    sessions = [
        ("P1", datetime(2026, 11, 17, 1, 0), "email", "news", "email", "mobile", 2, "O9"),     # previous, earlier
        ("P2", datetime(2026, 11, 17, 2, 0), "social", "insta", "social", "mobile", 2, "O9"),  # previous, latest
        ("C1", datetime(2026, 11, 19, 1, 0), "search", "naver", "organic", "desktop", 2, "O9"),  # current, latest
        ("C2", datetime(2026, 11, 19, 1, 0), "ads", "naver", "cpc", "desktop", 1, "O8"),       # same time as C3:
        ("C3", datetime(2026, 11, 19, 1, 0), "direct", "(direct)", "(none)", "desktop", 1, "O8"),  # larger id wins
        ("C4", datetime(2026, 11, 19, 3, 0), "direct", "(direct)", "(none)", "desktop", 1, None),
    ]
    orders = [("O9", datetime(2026, 11, 17, 2, 30), "paid", 0, [(1, 1000, 0, "product")]),
              ("O8", datetime(2026, 11, 19, 1, 30), "pending", 0, [(2, 500, 0, "product")])]
    insert_shop(warehouse, sessions=sessions, orders=orders)
    current, previous = traffic_period_session_counts(warehouse, "shop_kr", START, END, PREVIOUS_START, START, AS_OF)
    prev = {r["channel"]: (r["converted_sessions"], r["order_count"], r["revenue"]) for r in previous.to_dicts()}
    assert prev == {"email": (1, 0, 0.0), "social": (1, 1, 1000.0)}
    cur = {r["channel"]: (r["sessions"], r["converted_sessions"], r["order_count"], r["paid_order_count"],
                          r["revenue"]) for r in current.to_dicts()}
    assert cur == {"search": (1, 1, 1, 1, 1000.0), "ads": (1, 1, 0, 0, 0.0), "direct": (2, 1, 1, 0, 1000.0)}


def _reference_counts(wh, start, end, as_of) -> pl.DataFrame:
    """traffic_session_counts recomputed in Polars from the raw rows (no window bounds on orders at all)."""
    sessions = wh.sql("SELECT * FROM sessions WHERE seller_id = 'petshop_kr' AND started_at >= $s AND started_at < $e",
                      {"s": start, "e": end})
    orders = wh.sql("SELECT order_id, status, CAST(discount AS DOUBLE) AS discount FROM orders "
                    "WHERE seller_id = 'petshop_kr' AND status <> 'cancelled' AND ordered_at < $a", {"a": as_of})
    items = wh.sql("SELECT order_id, CAST(sum(quantity * unit_price - discount) AS DOUBLE) AS lines FROM order_items "
                   "WHERE seller_id = 'petshop_kr' AND line_type = 'product' GROUP BY order_id")
    clean = [pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars())
             .fill_null("(not set)").alias(c) for c in ("channel", "source", "medium", "device")]
    sessions = sessions.with_columns(clean)
    latest = (sessions.filter(pl.col("order_id").is_not_null()).sort(["started_at", "session_id"], descending=True)
              .unique("order_id", keep="first"))
    won = (latest.join(orders, on="order_id").join(items, on="order_id", how="left")
           .with_columns(revenue=pl.col("lines").fill_null(0.0) - pl.col("discount"))
           .select("session_id", "status", "revenue"))
    keys = ["channel", "source", "medium", "device"]
    return (sessions.join(won, on="session_id", how="left").group_by(keys).agg(
        sessions=pl.len(), engaged_sessions=(pl.col("pageviews") >= 2).sum(),
        converted_sessions=pl.col("order_id").count(), order_count=pl.col("status").count(),
        paid_order_count=(pl.col("status") != "pending").sum(), revenue=pl.col("revenue").sum())
        .sort(keys))


def test_demo_counts_equal_a_reference_computed_from_raw_rows(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    period = report_period(wh, "petshop_kr", start="2026-11-10", end="2026-11-19", as_of=AS_OF)
    prev = period.previous()
    current, previous = traffic_period_session_counts(wh, "petshop_kr", period.start_utc, period.end_utc,
                                                      prev.start_utc, prev.end_utc, period.as_of_utc)
    for ours, (start, end) in ((current, (period.start_utc, period.end_utc)), (previous, (prev.start_utc,
                                                                                           prev.end_utc))):
        reference = _reference_counts(wh, start, end, period.as_of_utc)
        ours = ours.sort(["channel", "source", "medium", "device"])
        assert ours.height == reference.height > 5
        for col in COLS[:-1]:
            assert ours[col].to_list() == reference[col].cast(ours[col].dtype).to_list(), col
        assert ours["revenue"].to_list() == pytest.approx(reference["revenue"].to_list())
        assert ours["order_count"].sum() > 0
    wh.close()


def test_overview_compares_with_the_previous_period(shop):
    period = report_period(shop, "shop_kr", start="2026-11-19", end="2026-11-20", as_of=AS_OF)
    overview = traffic_overview(shop, period)
    assert overview.totals == {"sessions": 7, "engaged_sessions": 5, "converted_sessions": 5, "order_count": 3,
                               "paid_order_count": 2, "revenue": 31500.0, "conversion": pytest.approx(5 / 7)}
    assert overview.previous_totals["sessions"] == 1 and overview.previous_totals["revenue"] == 4000.0
    channels = _by_key(overview.channels, "channel")
    search = channels[("search",)]
    assert (search["sessions"], search["previous_sessions"], search["sessions_change_pct"]) == (2, 1, 100.0)
    assert search["revenue_change_pct"] == pytest.approx((19000 - 4000) / 4000 * 100)
    assert search["conversion_change_pp"] == pytest.approx(-50.0)
    assert search["revenue_per_session"] == pytest.approx(9500.0)
    assert channels[("ads",)]["sessions_change_pct"] is None    # no visits before: no relative change
    assert overview.channels["channel"].to_list()[0] in ("search", "ads")   # most sessions first
    devices = _by_key(overview.devices, "device")
    assert devices[("mobile",)]["sessions"] == 4 and devices[("desktop",)]["revenue"] == 7500.0
    assert _by_key(overview.sources, "channel", "source", "medium")[("ads", "naver", "cpc")]["order_count"] == 1


def test_funnel_stages(shop):
    period = report_period(shop, "shop_kr", start="2026-11-19", end="2026-11-20", as_of=AS_OF)
    funnel = traffic_overview(shop, period).funnel
    assert funnel["stage"].to_list() == ["sessions", "engaged_sessions", "converted_sessions", "paid_orders"]
    assert funnel["count"].to_list() == [7, 5, 5, 2]
    assert funnel["share_of_sessions"].to_list() == pytest.approx([1.0, 5 / 7, 5 / 7, 2 / 7])
    assert funnel["step_rate"].to_list()[1:] == pytest.approx([5 / 7, 1.0, 0.4])
    assert funnel["step_rate"][0] is None


def test_empty_period_has_zero_totals_and_no_rates(shop):
    period = report_period(shop, "shop_kr", start="2025-01-01", end="2025-01-02", as_of=AS_OF)
    overview = traffic_overview(shop, period)
    assert overview.totals["sessions"] == 0 and overview.totals["conversion"] is None
    assert overview.channels.height == 0
    assert overview.funnel["count"].to_list() == [0, 0, 0, 0]


def test_demo_sales_drop_is_visible_in_channel_changes(demo_db):
    # the drop starts 3 local days before now (Nov 17 00:00 KST): Nov 17-19 against Nov 14-16
    wh = Warehouse(demo_db, read_only=True)
    period = report_period(wh, "petshop_kr", start="2026-11-17", end="2026-11-19", as_of=AS_OF)
    channels = _by_key(traffic_overview(wh, period).channels, "channel")
    wh.close()
    for organic in ("search", "direct", "social", "referral", "email"):
        assert channels[(organic,)]["sessions_change_pct"] < -50, organic     # they keep only 30 %
    assert channels[("ads",)]["sessions_change_pct"] > -30                       # ads are unaffected


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "analytics", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_traffic_json_matches_the_functions(demo_db):
    result = _run("traffic", "--seller", "petshop_kr", "--as-of", "2026-11-20 14:00", "--json", "--db", str(demo_db))
    wh = Warehouse(demo_db, read_only=True)
    overview = traffic_overview(wh, report_period(wh, "petshop_kr", as_of=AS_OF))
    kpi = wh.sql("SELECT count(*) AS n, count(order_id) AS c FROM sessions WHERE seller_id = 'petshop_kr' "
                 "AND started_at >= TIMESTAMP '2026-10-21 15:00:00' AND started_at < TIMESTAMP '2026-11-20 05:00:00'")
    wh.close()
    assert result["period"]["from"] == "2026-10-22" and result["period"]["to"] == "2026-11-20"
    # independent count of the sessions in the window
    assert result["totals"]["sessions"] == kpi["n"][0] == overview.totals["sessions"]
    assert result["totals"]["converted_sessions"] == kpi["c"][0]
    assert result["totals"]["revenue"] == pytest.approx(overview.totals["revenue"])
    assert sum(r["sessions"] for r in result["rows"]) == result["totals"]["sessions"]
    assert sum(r["revenue"] for r in result["devices"]) == pytest.approx(result["totals"]["revenue"])
    assert [r["count"] for r in result["funnel"]] == overview.funnel["count"].to_list()
    assert {"visitors", "traffic_revenue", "conversion"} <= set(result["definitions"])


def test_page_numbers_equal_the_json_report_and_widgets_work(demo_db):
    from streamlit.testing.v1 import AppTest

    result = _run("traffic", "--seller", "petshop_kr", "--as-of", "2026-11-20 14:00", "--json", "--db", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = "2026-11-20T05:00:00"
    at.run()
    at.switch_page("pages/traffic.py").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["채널", "검색 키워드", "놓친 수요"]
    totals = result["totals"]
    tiles = [m.value for m in at.metric]
    assert tiles == [format_metric_value("visitors", totals["sessions"], "KRW", "ko"),
                     format_metric_value("traffic_converted_sessions", totals["converted_sessions"], "KRW", "ko"),
                     format_metric_value("traffic_orders", totals["order_count"], "KRW", "ko"),
                     format_metric_value("traffic_revenue", totals["revenue"], "KRW", "ko")]
    assert all(m.help for m in at.metric)                                     # every number has its definition
    table = at.dataframe[0].value
    channel_names = {"search": "검색", "ads": "광고", "social": "소셜", "direct": "직접 방문", "referral": "추천(링크)",
                     "email": "이메일"}                                      # the JSON keeps the codes
    assert table["channel"].tolist() == [channel_names[r["channel"]] for r in result["rows"]]
    assert json.loads(at.dataframe[0].proto.columns)["sessions"]["type_config"]["format"] == "localized"
    assert table["sessions"].tolist() == [r["sessions"] for r in result["rows"]]
    assert table["revenue"].tolist() == pytest.approx([r["revenue"] for r in result["rows"]])
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert bars["data"][1]["y"] == [r["sessions"] for r in result["rows"]]
    funnel = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert funnel["data"][0]["x"] == [r["count"] for r in result["funnel"]]
    assert funnel["data"][0]["texttemplate"] == "%{value:,}<br>%{percentInitial:.1%}"    # 117,778, not 117.778k
    funnel_table = at.dataframe[1]
    assert funnel_table.value["step_rate"].isna().iloc[0] and funnel_table.proto.placeholder == "–"   # not "None"

    at.selectbox(key="traffic_breakdown").set_value("device").run()
    assert not at.exception
    devices = at.dataframe[0].value
    assert devices["device"].tolist() == [{"mobile": "모바일", "desktop": "PC", "tablet": "태블릿"}[r["device"]]
                                          for r in result["devices"]]
    assert devices["sessions"].tolist() == [r["sessions"] for r in result["devices"]]

    at.selectbox(key="traffic_breakdown").set_value("source_medium").run()
    sources = at.dataframe[0].value
    assert sources["source"].tolist() == [r["source"] for r in result["sources"]]

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Channels", "Search keywords", "Unmet demand"]
    assert at.metric[0].label == "Visitors"


def test_other_store_and_empty_range_on_the_page(demo_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)

    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = "2026-11-20T05:00:00"
    at.run()
    at.switch_page("pages/traffic.py").run()
    at.selectbox(key="seller_id").set_value("outdoor_us").run()
    assert not at.exception
    assert any("$" in m.value for m in at.metric)                              # USD store
    at.date_input(key="date_range").set_value((date(2020, 1, 1), date(2020, 1, 2))).run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert any("No visits" in i.value or "방문 기록이 없습니다" in i.value for i in at.info)


@pytest.mark.parametrize("seller, start, end, as_of", [
    ("petshop_kr", "2026-10-21", "2026-11-19", "2026-11-20 14:00"),     # the default 30 days, today partial
    ("petshop_kr", "2026-11-10", "2026-11-12", "2026-11-20 14:00"),     # a short range, orders read to as_of
    ("outdoor_us", "2026-10-01", "2026-11-19", "2026-11-19 23:30"),     # Los Angeles, a DST change inside
])
def test_a_late_visits_order_placed_after_the_previous_period_is_its_order(demo_db, seller, start, end, as_of):
    """A visit in the previous period's last minute whose order is placed after that period ended: the traffic and
    keyword reports' previous period count the order and its revenue (orders are read up to the report's as_of)."""
    from datetime import timedelta

    from analytics import result_cache
    from analytics.keywords import keyword_analysis
    from data.ingest import ingest_records

    wh = Warehouse(demo_db)
    period = report_period(wh, seller, start=start, end=end, as_of=as_of)
    prev = period.previous()

    def previous_counts() -> tuple[dict, dict]:
        result_cache.clear()
        overview = traffic_overview(wh, period)
        channels = {r["channel"]: (r["previous_sessions"], r["previous_revenue"]) for r in overview.channels.to_dicts()}
        keywords = {k: (n, o) for k, n, o in keyword_analysis(wh, period).keywords.select(
            "keyword", "previous_sessions", "previous_order_count").iter_rows()}
        return channels, keywords

    channels, keywords = previous_counts()
    keyword = next(k for k, (n, _) in keywords.items() if n > 0)     # a keyword of both periods
    visit_at, order_at = prev.end_utc - timedelta(minutes=1), prev.end_utc + timedelta(minutes=3)
    for kind, record in (("sessions", {"session_id": "late-visit", "started_at": f"{visit_at:%Y-%m-%dT%H:%M:%SZ}",
                                       "channel": "late", "search_keyword": keyword, "order_id": "late-order"}),
                         ("orders", {"order_id": "late-order", "ordered_at": f"{order_at:%Y-%m-%dT%H:%M:%SZ}",
                                     "sku": "LATE", "product_name": "늦은 주문", "quantity": 1,
                                     "unit_price": 777})):
        result = ingest_records(wh, [record], seller_id=seller, kind=kind)
        assert result.ok, result.problems
    wh.wait_for_background()
    channels_after, keywords_after = previous_counts()
    wh.close()
    assert "late" not in channels and channels_after["late"] == (1, 777.0)
    assert {c: v for c, v in channels_after.items() if c != "late"} == channels
    sessions, order_count = keywords[keyword]
    assert keywords_after[keyword] == (sessions + 1, order_count + 1)
    assert {k: v for k, v in keywords_after.items() if k != keyword} == {k: v for k, v in keywords.items()
                                                                          if k != keyword}
