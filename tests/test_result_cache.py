"""The analytics result cache: reused while the data is unchanged, recomputed after any committed write that can
change it (a store's results after its own loads and after writes not tied to a store, not after other stores')."""

from __future__ import annotations

import threading

import polars as pl
import pytest

from analytics import customers, realtime, result_cache
from analytics.period import report_period
from data.ingest import ingest_records
from data.warehouse import Warehouse

AS_OF = "2026-11-20T05:00:00"


@pytest.fixture(autouse=True)
def _empty_cache():
    result_cache.clear()
    yield
    result_cache.clear()


@pytest.fixture
def warm_demo(demo_db):
    """The demo warehouse with no views noted by analytics.warmup (and none left behind)."""
    from analytics import warmup

    warmup.forget()
    wh = Warehouse(demo_db)
    yield wh
    warmup.forget()
    wh.close()


def test_same_key_same_version_computes_once(warehouse):
    calls = []
    first = result_cache.remember(warehouse, "x", ("a",), lambda: calls.append(1) or [1, 2])
    second = result_cache.remember(warehouse, "x", ("a",), lambda: calls.append(1) or [3])
    assert first is second and calls == [1]
    other = result_cache.remember(warehouse, "x", ("b",), lambda: calls.append(1) or [4])
    assert other == [4] and calls == [1, 1]


def test_a_committed_write_changes_the_version_and_the_answer(warehouse):
    before = warehouse.data_version
    result_cache.remember(warehouse, "x", (), lambda: "old")
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name) VALUES ('s', 'S')").fetchall()
    assert warehouse.data_version != before
    assert result_cache.remember(warehouse, "x", (), lambda: "new") == "new"


def test_a_rolled_back_write_keeps_the_cache(warehouse):
    result_cache.remember(warehouse, "x", (), lambda: "kept")
    version = warehouse.data_version
    with pytest.raises(RuntimeError), warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name) VALUES ('s', 'S')").fetchall()
        raise RuntimeError("abort")
    assert warehouse.data_version == version
    assert result_cache.remember(warehouse, "x", (), lambda: "recomputed") == "kept"


def test_bookkeeping_writes_keep_the_cache_and_a_load_does_not(warehouse):
    """Alert deliveries (every minute on a live server) and query history must not throw every result away."""
    from datetime import datetime

    from alerts import store
    from data import workspace_store

    result_cache.remember(warehouse, "x", (), lambda: "kept")
    version = warehouse.data_version
    now = datetime(2026, 11, 20, 5, 0)
    store.record_attempt(warehouse, "test|s|1", 1, now, "outbox", "a@example.com", "delivered", "")
    workspace_store.record_run(warehouse, "analyst", "SELECT 1", {}, "ok", 1, 0.01, "", now)
    assert warehouse.data_version == version
    assert result_cache.remember(warehouse, "x", (), lambda: "recomputed") == "kept"
    ingest_records(warehouse, [{"session_id": "v1", "started_at": "2026-11-20 10:00"}], seller_id="s",
                   kind="sessions")
    assert warehouse.data_version != version
    assert result_cache.remember(warehouse, "x", (), lambda: "recomputed") == "recomputed"


def _push_order(wh, seller_id: str, order_id: str) -> None:
    result = ingest_records(wh, [{"order_id": order_id, "ordered_at": "2026-11-20T04:30:00Z", "sku": "P1",
                                  "product_name": "푸시", "quantity": 1, "unit_price": 1000}],
                            seller_id=seller_id, kind="orders")
    assert result.ok, result.problems


def test_one_stores_load_keeps_the_other_stores_results(warehouse):
    """A store pushing orders all day must not throw away every other store's cached reports."""
    _push_order(warehouse, "a", "a-0")
    _push_order(warehouse, "b", "b-0")
    result_cache.remember(warehouse, "x", ("a",), lambda: "a kept", seller_id="a")
    result_cache.remember(warehouse, "x", ("b",), lambda: "b kept", seller_id="b")
    result_cache.remember(warehouse, "all", (), lambda: "all kept")
    a_version, b_version, version = (warehouse.data_version_of("a"), warehouse.data_version_of("b"),
                                     warehouse.data_version)
    _push_order(warehouse, "a", "a-1")
    assert warehouse.data_version_of("b") == b_version
    assert warehouse.data_version_of("a") != a_version and warehouse.data_version != version
    assert result_cache.remember(warehouse, "x", ("b",), lambda: "b again", seller_id="b") == "b kept"
    assert result_cache.remember(warehouse, "x", ("a",), lambda: "a again", seller_id="a") == "a again"
    assert result_cache.remember(warehouse, "all", (), lambda: "all again") == "all again"   # reads every store


def test_visits_and_ad_reports_keep_the_customer_models_and_orders_do_not(warm_demo):
    """A store pushing its visits every few seconds must not make its customer models (seconds at 10M lines) and
    their warm-up compute again: they read orders only. Its KPIs, which count visits, do follow."""
    from datetime import datetime, timedelta

    from analytics import kpis, warmup
    from data.scope import Scope, ScopedWarehouse

    wh = warm_demo
    now = datetime(2026, 11, 20, 5, 0)
    period = report_period(wh, "petshop_kr", as_of=now)
    first = customers.customer_insights(wh, period)
    first_kpis = kpis.kpi_summary(wh, "petshop_kr", now)
    warmup.note_view(ScopedWarehouse(wh, Scope.sellers("petshop_kr")), "petshop_kr", now)
    assert warmup.warm(wh, now) == ["petshop_kr"]
    for kind, record in (
            ("sessions", {"session_id": "push-visit-1", "started_at": "2026-11-20T04:40:00Z", "channel": "search",
                          "search_keyword": "사료"}),
            ("ad_stats", {"stat_date": "2026-11-19", "platform": "naver_searchad", "campaign": "c", "clicks": 3,
                          "impressions": 40, "cost": 900}),
            ("inventory", {"snapshot_date": "2026-11-20", "sku": "X1", "on_hand": 4})):
        result = ingest_records(wh, [record], seller_id="petshop_kr", kind=kind)
        assert result.ok and result.rows_loaded == 1, (kind, result.problems)
        assert customers.customer_insights(wh, period).scored is first.scored, kind
        assert warmup.warm(wh, now + timedelta(minutes=1)) == [], kind
    visitors = kpis.kpi_summary(wh, "petshop_kr", now).filter(period="today", metric="visitors")["value"][0]
    assert visitors == first_kpis.filter(period="today", metric="visitors")["value"][0] + 1
    _push_order(wh, "petshop_kr", "push-order-1")
    second = customers.customer_insights(wh, period)
    assert second.scored is not first.scored
    assert warmup.warm(wh, now + timedelta(minutes=2)) == ["petshop_kr"]
    result = ingest_records(wh, [{"return_id": "push-cancel-1", "returned_at": "2026-11-20T04:45:00Z",
                                  "order_id": "push-order-1", "sku": "P1", "quantity": 1, "amount": 1000,
                                  "claim_type": "cancel"}], seller_id="petshop_kr", kind="returns")
    assert result.ok, result.problems                    # a cancellation changes orders: computed again
    assert customers.customer_insights(wh, period).scored is not second.scored


def test_a_newer_version_replaces_the_older_result_instead_of_crowding_out_others(warehouse):
    _push_order(warehouse, "b", "b-0")
    result_cache.remember(warehouse, "x", ("b",), lambda: "b kept", seller_id="b")
    for n in range(result_cache.MAX_ENTRIES + 5):        # a store pushing orders all day
        _push_order(warehouse, "a", f"a-{n}")
        assert result_cache.remember(warehouse, "x", ("a",), lambda n=n: n, seller_id="a") == n
    assert len(result_cache._entries) == 2
    assert result_cache.remember(warehouse, "x", ("b",), lambda: "b again", seller_id="b") == "b kept"


def test_a_result_whose_data_changed_while_computing_is_returned_not_kept(warehouse):
    def racing_load():
        _push_order(warehouse, "a", "during")               # a push commits while the result is computed
        return "mixed"

    assert result_cache.remember(warehouse, "x", (), racing_load, seller_id="a") == "mixed"
    assert result_cache.remember(warehouse, "x", (), lambda: "fresh", seller_id="a") == "fresh"
    assert result_cache.remember(warehouse, "x", (), lambda: "again", seller_id="a") == "fresh"


def test_the_home_page_of_a_store_viewed_just_now_is_ready_each_minute(warm_demo):
    """The home page's clock moves every minute (today so far vs the same time yesterday): the scheduler computes
    its digest and KPI tiles as each minute begins, for stores opened in the last ACTIVE_TTL, at the page's clock."""
    from datetime import date, datetime, timedelta

    from analytics import digest, keywords, kpis, traffic, warmup
    from data.scope import Scope, ScopedWarehouse

    def home_page(page, now):                         # what pages/home.py asks for (report() shapes cached_digest)
        digest.report(page, report_period(page, "petshop_kr", as_of=warmup.minute(now)))
        kpis.kpi_summary(page, "petshop_kr", warmup.minute(now))

    wh = warm_demo
    scope = Scope.sellers("petshop_kr")
    seen = datetime(2026, 11, 20, 5, 0, 20)
    warmup.note_view(ScopedWarehouse(wh, scope), "petshop_kr", seen)                 # a live page
    archive_clock = datetime(2026, 10, 1, 3, 0, 40)
    warmup.note_view(ScopedWarehouse(wh, scope), "petshop_kr", seen, archive_clock)  # viewed as of a fixed clock
    for minutes in (1, 2, 14):
        now = seen + timedelta(minutes=minutes, seconds=-19)                          # hh:mm:01
        warmup.warm(wh, now)
        misses = result_cache.stats["misses"]
        page = ScopedWarehouse(wh, scope)
        home_page(page, now + timedelta(seconds=30))
        home_page(page, archive_clock)
        assert result_cache.stats["misses"] == misses, minutes
    # the traffic page with the viewer's date range: its traffic and keyword analyses are ready too
    start, end = date(2026, 10, 1), date(2026, 11, 20)
    warmup.note_view(ScopedWarehouse(wh, scope), "petshop_kr", seen + timedelta(minutes=15), None, "traffic",
                     start, end)
    now = seen + timedelta(minutes=15, seconds=41)
    warmup.warm(wh, now)
    misses = result_cache.stats["misses"]
    page = ScopedWarehouse(wh, scope)
    shown = report_period(page, "petshop_kr", start=start, end=end, as_of=warmup.minute(now))
    traffic.traffic_overview(page, shown)
    keywords.keyword_analysis(page, shown)
    assert result_cache.stats["misses"] == misses
    # a store last opened more than ACTIVE_TTL ago: its home page is left to the next visitor
    now = seen + warmup.ACTIVE_TTL + timedelta(minutes=2)
    warmup.warm(wh, now)
    misses = result_cache.stats["misses"]
    home_page(ScopedWarehouse(wh, scope), now)
    assert result_cache.stats["misses"] > misses


def test_a_write_not_tied_to_a_store_changes_every_stores_version(warehouse):
    _push_order(warehouse, "a", "a-0")
    result_cache.remember(warehouse, "x", ("a",), lambda: "old", seller_id="a")
    before, other = warehouse.data_version_of("a"), warehouse.data_version_of("never-loaded", ("orders",))
    with warehouse.transaction() as cur:              # a writer that names no store (a test's INSERT, the demo)
        cur.execute("UPDATE orders SET status = 'cancelled' WHERE order_id = 'a-0'").fetchall()
    assert warehouse.data_version_of("a") != before
    assert warehouse.data_version_of("never-loaded", ("orders",)) != other
    assert result_cache.remember(warehouse, "x", ("a",), lambda: "new", seller_id="a") == "new"


def test_a_rejected_load_changes_no_version(warehouse):
    _push_order(warehouse, "a", "a-0")
    before = (warehouse.data_version, warehouse.data_version_of("a"))
    result = ingest_records(warehouse, [{"order_id": "bad", "ordered_at": "not a time", "sku": "P1",
                                         "quantity": 1, "unit_price": 1}], seller_id="a", kind="orders")
    assert not result.ok
    assert (warehouse.data_version, warehouse.data_version_of("a")) == before


def test_reports_of_a_store_survive_another_stores_push_and_follow_their_own(demo_db):
    """Through real reports on the demo: coffee_kr's pushes keep petshop_kr's digest, KPIs and customer models."""
    from datetime import datetime

    from analytics import digest, kpis

    wh = Warehouse(demo_db)
    now = datetime(2026, 11, 20, 5, 0)                 # UTC, after the pushed orders' 04:30
    try:
        period = report_period(wh, "petshop_kr", as_of=now)
        first_digest = digest.cached_digest(wh, period)
        first_kpis = kpis.kpi_summary(wh, "petshop_kr", now)
        first_models = customers.customer_insights(wh, period)
        _push_order(wh, "coffee_kr", "other-store-1")
        misses = result_cache.stats["misses"]
        assert digest.cached_digest(wh, period) is first_digest
        assert kpis.kpi_summary(wh, "petshop_kr", now) is first_kpis
        assert customers.customer_insights(wh, period).scored is first_models.scored
        assert result_cache.stats["misses"] == misses
        _push_order(wh, "petshop_kr", "own-store-1")
        after = kpis.kpi_summary(wh, "petshop_kr", now)
        assert after is not first_kpis
        today = after.filter(pl.col("period") == "today")
        before_today = first_kpis.filter(pl.col("period") == "today")
        assert (today.filter(pl.col("metric") == "orders")["value"][0]
                == before_today.filter(pl.col("metric") == "orders")["value"][0] + 1)
        assert digest.cached_digest(wh, period) is not first_digest
    finally:
        wh.close()


def test_two_handles_on_one_file_never_share_results(tmp_path):
    path = tmp_path / "w.duckdb"
    first = Warehouse(path)
    result_cache.remember(first, "x", (), lambda: "first")
    first.close()
    second = Warehouse(path)
    try:
        assert result_cache.remember(second, "x", (), lambda: "second") == "second"
    finally:
        second.close()


def test_exceptions_are_not_cached(warehouse):
    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        result_cache.remember(warehouse, "x", (), boom)
    assert result_cache.remember(warehouse, "x", (), lambda: 5) == 5


def test_concurrent_callers_compute_once(warehouse):
    started, calls = threading.Event(), []

    def slow():
        calls.append(1)
        started.wait(2)
        return "v"

    threads = [threading.Thread(target=result_cache.remember, args=(warehouse, "x", (), slow)) for _ in range(4)]
    for th in threads:
        th.start()
    started.set()
    for th in threads:
        th.join()
    assert calls == [1]


def test_customer_insights_follow_a_new_order(demo_db):
    wh = Warehouse(demo_db)
    try:
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        first = customers.customer_insights(wh, period)
        again = customers.customer_insights(wh, period)
        assert again.scored is first.scored          # reused, not recomputed
        new_customer = "cache-test-고객"
        assert new_customer not in set(first.scored["customer_id"].to_list())
        result = ingest_records(wh, [{"order_id": "cache-1", "ordered_at": "2026-11-19T10:00:00+09:00", "sku": "X1",
                                      "product_name": "캐시 테스트", "quantity": 1, "unit_price": 1000,
                                      "customer_id": new_customer}], seller_id="petshop_kr", kind="orders")
        assert result.ok, result.problems
        after = customers.customer_insights(wh, period)
        assert new_customer in set(after.scored["customer_id"].to_list())
        assert after.scored.height == first.scored.height + 1
    finally:
        wh.close()


def test_customer_insights_see_an_order_between_two_moments_of_one_day(demo_db):
    """Same day, same data version, but a later as_of reads one more order: the key tells them apart."""
    wh = Warehouse(demo_db)
    try:
        result = ingest_records(wh, [{"order_id": "cache-2", "ordered_at": "2026-11-20T04:30:00Z", "sku": "X1",
                                      "product_name": "x", "quantity": 1, "unit_price": 1000,
                                      "customer_id": "late-buyer"}], seller_id="petshop_kr", kind="orders")
        assert result.ok, result.problems
        early = customers.customer_insights(wh, report_period(wh, "petshop_kr", as_of="2026-11-20T04:00:00Z"))
        late = customers.customer_insights(wh, report_period(wh, "petshop_kr", as_of="2026-11-20T05:00:00Z"))
        assert early.last_day == late.last_day
        assert "late-buyer" not in set(early.scored["customer_id"].to_list())
        assert "late-buyer" in set(late.scored["customer_id"].to_list())
    finally:
        wh.close()


def test_realtime_history_is_recomputed_after_a_load(demo_db):
    from datetime import date

    wh = Warehouse(demo_db)
    try:
        today = date(2026, 11, 20)
        first = realtime.history_hourly(wh, "petshop_kr", "Asia/Seoul", today)
        assert realtime.history_hourly(wh, "petshop_kr", "Asia/Seoul", today) is first
        result = ingest_records(wh, [{"order_id": "cache-3", "ordered_at": "2026-11-19T10:00:00+09:00", "sku": "X1",
                                      "product_name": "x", "quantity": 2, "unit_price": 5000}],
                                seller_id="petshop_kr", kind="orders")
        assert result.ok, result.problems
        after = realtime.history_hourly(wh, "petshop_kr", "Asia/Seoul", today)
        assert after is not first
        assert float(after["revenue"].sum()) == pytest.approx(float(first["revenue"].sum()) + 10000)
    finally:
        wh.close()


def test_the_warm_up_computes_what_the_page_will_ask_for_after_new_data(warm_demo):
    """A store viewed in a seller's scope is warmed after a load, in that scope; the page then finds it cached."""
    from datetime import datetime, timedelta

    from analytics import warmup
    from data.scope import Scope, ScopedWarehouse

    wh = warm_demo
    now = datetime(2026, 11, 20, 5, 0, 30)
    seen = ScopedWarehouse(wh, Scope.sellers("petshop_kr"))
    warmup.note_view(seen, "petshop_kr", now)
    assert warmup.warm(wh, now) == ["petshop_kr"]
    assert warmup.warm(wh, now + timedelta(minutes=1)) == []        # nothing new: nothing computed
    _push_order(wh, "coffee_kr", "warm-other-store")
    assert warmup.warm(wh, now + timedelta(minutes=1)) == []        # another store's data: nothing computed
    ingest_records(wh, [{"order_id": "warm-1", "ordered_at": "2026-11-20T04:10:00Z", "sku": "X1",
                         "product_name": "웜업", "quantity": 1, "unit_price": 1000, "customer_id": "warm-고객"}],
                   seller_id="petshop_kr", kind="orders")
    assert warmup.warm(wh, now + timedelta(minutes=2)) == ["petshop_kr"]
    misses = result_cache.stats["misses"]
    # what the customers page computes a minute later, through its own handle on the same scope
    page = ScopedWarehouse(wh, Scope.sellers("petshop_kr"))
    period = report_period(page, "petshop_kr", as_of=datetime(2026, 11, 20, 5, 3))
    insights = customers.customer_insights(page, period)
    customers.customer_predictions(page, period, warmup.DEFAULT_HORIZON_DAYS)
    customers.customer_lists(page, period, warmup.DEFAULT_HORIZON_DAYS)
    assert "warm-고객" in set(insights.scored["customer_id"].to_list())
    assert result_cache.stats["misses"] == misses      # models, predictions, lists, the period's totals: found
    # a new local day (midnight in Seoul is 15:00 UTC) without new orders: the morning's first page finds them
    assert warmup.warm(wh, datetime(2026, 11, 20, 14, 59)) == []
    assert warmup.warm(wh, datetime(2026, 11, 20, 15, 1)) == ["petshop_kr"]
    assert warmup.warm(wh, datetime(2026, 11, 20, 15, 2)) == []
    misses = result_cache.stats["misses"]
    morning = report_period(page, "petshop_kr", as_of=datetime(2026, 11, 20, 15, 5))
    customers.customer_insights(page, morning)
    customers.customer_predictions(page, morning, warmup.DEFAULT_HORIZON_DAYS)
    customers.customer_lists(page, morning, warmup.DEFAULT_HORIZON_DAYS)
    assert result_cache.stats["misses"] == misses
    # a store nobody looked at for a day is not warmed any more
    assert warmup.warm(wh, now + warmup.VIEW_TTL + timedelta(minutes=3)) == []


def test_period_analyses_are_shared_until_a_load_changes_them(demo_db):
    """The traffic, keyword, products and ads analyses are computed once per period and data version (the page,
    the --json report and the digest share them) and computed afresh after a load, which they then show."""
    from analytics import ads, keywords, products, traffic
    from analytics.reports import run_report

    wh = Warehouse(demo_db)
    try:
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        analyses = {"traffic": traffic.traffic_overview, "keywords": keywords.keyword_analysis,
                    "products": products.products_overview, "ads": ads.analyse_ads}
        first = {name: fn(wh, period) for name, fn in analyses.items()}
        assert all(fn(wh, period) is first[name] for name, fn in analyses.items())
        report = run_report(wh, "products", period)
        assert report["totals"] == first["products"]["totals"]
        misses = result_cache.stats["misses"]
        other = report_period(wh, "petshop_kr", start="2026-11-01", end="2026-11-10", as_of=AS_OF)
        assert traffic.traffic_overview(wh, other) is not first["traffic"]     # another period: its own entry
        assert result_cache.stats["misses"] > misses

        loaded = ingest_records(wh, [{"order_id": "cache-4", "ordered_at": "2026-11-19T10:00:00+09:00",
                                      "sku": "CACHE-SKU", "product_name": "캐시 상품", "quantity": 3,
                                      "unit_price": 7000}], seller_id="petshop_kr", kind="orders")
        assert loaded.ok, loaded.problems
        visits = ingest_records(wh, [{"session_id": "cache-s1", "started_at": "2026-11-19T09:55:00+09:00",
                                      "channel": "search", "search_keyword": "캐시 테스트 키워드",
                                      "order_id": "cache-4"}], seller_id="petshop_kr", kind="sessions")
        assert visits.ok, visits.problems
        after = {name: fn(wh, period) for name, fn in analyses.items()}
        assert all(after[name] is not first[name] for name in analyses)
        assert after["products"]["totals"]["revenue"] == pytest.approx(first["products"]["totals"]["revenue"] + 21000)
        assert "CACHE-SKU" in after["products"]["ranking"]["sku"].to_list()
        assert after["traffic"].totals["sessions"] == first["traffic"].totals["sessions"] + 1
        row = after["keywords"].keywords.filter(pl.col("keyword") == "캐시 테스트 키워드").row(0, named=True)
        assert (row["sessions"], row["order_count"], row["revenue"]) == (1, 1, 21000)
    finally:
        wh.close()


def test_the_digest_is_shared_until_a_load_changes_it(demo_db):
    """The home page, the --json digest and the morning email share one digest per period and data version; a load
    that changes what the digest says makes the next call compute it afresh."""
    from analytics import digest
    from analytics.reports import run_report

    wh = Warehouse(demo_db)
    try:
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        first = digest.cached_digest(wh, period)
        assert digest.cached_digest(wh, period) is first
        assert run_report(wh, "digest", period)["totals"]["candidates"] == len(first.candidates)
        loaded = ingest_records(wh, [{"order_id": "cache-d1", "ordered_at": "2026-11-19T10:00:00+09:00",
                                      "sku": "X1", "product_name": "x", "quantity": 1, "unit_price": 123456}],
                                seller_id="petshop_kr", kind="orders")
        assert loaded.ok, loaded.problems
        after = digest.cached_digest(wh, period)
        assert after is not first
        assert after.context.store_revenue == pytest.approx(first.context.store_revenue + 123456)
    finally:
        wh.close()
