"""The customers report's kept history: after a push of today's orders, only today's orders are read and merged
into the purchase days of the days before (analytics.customers._purchase_days_with_history), and on a new local day
the history rolls over; every result must equal a full computation, and any write that could change an earlier day
must make it read everything again."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from analytics import customers, result_cache
from analytics.period import report_period
from analytics.queries import run_sql
from data.ingest import ingest_file, ingest_records
from data.warehouse import Warehouse

NOW = datetime(2026, 11, 20, 5, 0)        # the demo store's clock: 14:00 in Seoul
SMARTSTORE_EXPORT = Path(__file__).resolve().parent / "fixtures" / "smartstore" / "orders_export.csv"


def utc(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def order(order_id: str, at: datetime, customer: str | None, price: float = 1000.0, **extra) -> dict:
    return {"order_id": order_id, "ordered_at": utc(at), "sku": "H1", "quantity": 1, "unit_price": price,
            "product_name": "히스토리 상품", "customer_id": customer, "line_type": "product", **extra}


def push(wh: Warehouse, seller_id: str, records: list[dict]) -> None:
    result = ingest_records(wh, records, seller_id=seller_id, kind="orders")
    assert result.status == "loaded", result.message


def everything(wh: Warehouse, seller_id: str, as_of: datetime) -> dict:
    """What the page, the report and the digest read of the customer base at as_of, as plain frames."""
    period = report_period(wh, seller_id, as_of=as_of)
    ins = customers.customer_insights(wh, period)
    return {"totals": ins.totals, "scored": ins.scored, "cohorts": ins.cohorts, "status": ins.model_status,
            "params": ins.model_params, "backtest": ins.backtest,
            "predictions": customers.customer_predictions(wh, period, 365)}


def full_computation(wh: Warehouse, seller_id: str, as_of: datetime) -> dict:
    result_cache.clear()                    # also forgets the kept histories: one scan of every order
    got = everything(wh, seller_id, as_of)
    assert customers.history_stats == {"reused": 0, "read": 1}
    return got


def assert_same(incremental: dict, full: dict) -> None:
    assert incremental.keys() == full.keys()
    for name, value in incremental.items():
        if isinstance(value, pl.DataFrame):
            assert value.equals(full[name]), name
        elif name == "backtest":
            assert value.keys() == full[name].keys()
            for key, part in value.items():
                assert part.equals(full[name][key]) if isinstance(part, pl.DataFrame) else part == full[name][key], key
        else:
            assert value == full[name], name


def test_todays_pushes_read_only_today_and_equal_a_full_computation(demo_db):
    wh = Warehouse(demo_db)
    try:
        result_cache.clear()
        before = everything(wh, "petshop_kr", NOW)
        assert customers.history_stats == {"reused": 0, "read": 1}
        regular = before["scored"].filter(pl.col("frequency") >= 1).sort("customer_id")["customer_id"][0]
        old = before["scored"].filter(pl.col("customer_id") == regular).row(0, named=True)
        # two orders of today (14:00 in Seoul): a regular's and a new customer's
        push(wh, "petshop_kr", [order("H-1", NOW - timedelta(minutes=10), regular, 12_000.0),
                                order("H-2", NOW - timedelta(minutes=5), "history-new", 8_000.0)])
        at = NOW + timedelta(minutes=1)
        after = everything(wh, "petshop_kr", at)
        assert customers.history_stats == {"reused": 1, "read": 1}       # today's orders only
        new = after["scored"].filter(pl.col("customer_id") == regular).row(0, named=True)
        assert new["frequency"] == old["frequency"] + 1 and new["revenue"] == old["revenue"] + 12_000
        assert after["scored"].filter(pl.col("customer_id") == "history-new")["frequency"].to_list() == [0]
        assert_same(after, full_computation(wh, "petshop_kr", at))

        # an order of yesterday changes an earlier day: everything is read again
        push(wh, "petshop_kr", [order("H-3", NOW - timedelta(days=1), regular, 5_000.0)])
        later = everything(wh, "petshop_kr", at + timedelta(minutes=1))
        assert customers.history_stats == {"reused": 0, "read": 2}
        assert_same(later, full_computation(wh, "petshop_kr", at + timedelta(minutes=1)))

        # writes around the loader (no load id to check) change the seller's data version: read again
        with wh.transaction(seller_id="petshop_kr") as cur:
            cur.execute("UPDATE orders SET status = 'cancelled' WHERE seller_id = 'petshop_kr' AND order_id = 'H-3'")
        around = everything(wh, "petshop_kr", at + timedelta(minutes=2))
        assert customers.history_stats == {"reused": 0, "read": 2}
        assert_same(around, full_computation(wh, "petshop_kr", at + timedelta(minutes=2)))

        # the next local days: the history rolls over (the rest of its day and the days since are read), and the
        # merged days become the new day's history, used again by that day's next computation
        for days_later in (1, 3):
            later_day = NOW + timedelta(days=days_later)
            before_roll = dict(customers.history_stats)
            rolled = everything(wh, "petshop_kr", later_day)
            assert customers.history_stats == {"reused": before_roll["reused"] + 1, "read": before_roll["read"]}
            assert_same(rolled, full_computation(wh, "petshop_kr", later_day))
            push(wh, "petshop_kr", [order(f"H-day{days_later}", later_day + timedelta(minutes=30), regular)])
            everything(wh, "petshop_kr", later_day + timedelta(hours=1))
            assert customers.history_stats == {"reused": 1, "read": 1}
    finally:
        result_cache.clear()
        wh.close()


def test_a_restated_status_of_an_earlier_day_is_not_taken_from_the_kept_history(tmp_path, warehouse):
    """A later Smart Store export cancels an order of an earlier day: the update gives the order the new load's id,
    which customers_history_changes.sql finds, so the customer base is computed from every order again."""
    wh = warehouse
    assert ingest_file(wh, SMARTSTORE_EXPORT, seller_id="ss", kind="orders").status == "loaded"
    result_cache.clear()
    as_of = wh.scalar("SELECT max(ordered_at) FROM orders WHERE seller_id = 'ss'") + timedelta(days=2)
    before = everything(wh, "ss", as_of)
    assert customers.history_stats == {"reused": 0, "read": 1}
    later = SMARTSTORE_EXPORT.read_text(encoding="utf-8").replace("김*수,mung****,김*수,신규주문,,",
                                                                  "김*수,mung****,김*수,취소,취소완료,")
    path = tmp_path / "later.csv"
    path.write_text(later, encoding="utf-8")
    assert ingest_file(wh, path, seller_id="ss", kind="orders").totals["orders_updated"] == 1
    after = everything(wh, "ss", as_of)
    assert customers.history_stats == {"reused": 0, "read": 2}
    assert after["totals"]["customer_revenue"] == pytest.approx(before["totals"]["customer_revenue"] - 25900)
    assert_same(after, full_computation(wh, "ss", as_of))
    result_cache.clear()


# St John's fell back at 00:01 local on 2010-11-07 (02:31 UTC), from -2:30 to -3:30: local day goes backwards.
ST_JOHNS = "America/St_Johns"
FALL_BACK = datetime(2010, 11, 7, 2, 31)


def test_history_changes_sql_counts_orders_of_earlier_local_days_only(warehouse):
    wh = warehouse
    push(wh, "nl", [order("N1", datetime(2010, 11, 7, 2, 20), "a"),         # 23:50 on the 6th (-2:30)
                    order("N2", datetime(2010, 11, 7, 2, 30, 30), "b"),     # 00:00:30 on the 7th (-2:30)
                    order("N3", datetime(2010, 11, 7, 2, 40), "c"),         # 23:10 on the 6th (-3:30)
                    order("N4", datetime(2010, 11, 7, 4, 0), "d")])         # 00:30 on the 7th
    mark = wh.scalar("SELECT max(load_id) FROM orders")

    def changes(history_end: datetime, as_of: datetime, load_mark: int = mark) -> int:
        return run_sql(wh, "customers_history_changes", seller_id="nl", tz=ST_JOHNS, last_day=date(2010, 11, 7),
                       load_mark=load_mark, history_end_utc=history_end, as_of_utc=as_of).item()

    assert changes(datetime(2010, 11, 7, 2, 30, 50), datetime(2010, 11, 7, 4, 10)) == 1      # N3: the 6th
    assert changes(datetime(2010, 11, 7, 2, 45), datetime(2010, 11, 7, 4, 10)) == 0         # N4: the 7th
    assert changes(datetime(2010, 11, 7, 2, 45), datetime(2010, 11, 7, 4, 10), load_mark=mark - 1) == 2  # N1, N3
    push(wh, "nl", [order("N5", datetime(2010, 11, 6, 12, 0), "a"),           # a later load, the 6th
                    order("N6", datetime(2010, 11, 7, 5, 0), "e")])           # and the 7th
    assert changes(datetime(2010, 11, 7, 2, 45), datetime(2010, 11, 7, 4, 10)) == 1          # N5
    # N2's day was the history's today; N3, after the history's end, is on the 6th: everything is read again
    customers.forget_histories()
    first_as_of = datetime(2010, 11, 7, 2, 30, 50)
    customers._purchase_days_with_history(wh, "nl", ST_JOHNS, first_as_of)
    as_of = datetime(2010, 11, 7, 4, 10)
    _, days = customers._purchase_days_with_history(wh, "nl", ST_JOHNS, as_of)
    assert customers.history_stats == {"reused": 0, "read": 2}
    assert days.equals(customers.purchase_days(wh, "nl", ST_JOHNS, as_of))
    customers.forget_histories()


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/Santiago", ST_JOHNS])
def test_random_pushes_and_clocks_give_the_purchase_days_of_a_full_scan(warehouse, zone):
    """Pushes of orders of today, of earlier days and of cancelled orders, the clock moving by minutes and over
    midnight (Santiago changes its clocks at midnight): the kept history plus today's orders always equal one scan."""
    wh = warehouse
    rng = random.Random(zone)
    start = {"Asia/Seoul": datetime(2026, 10, 20), "America/Santiago": datetime(2026, 3, 20),
             ST_JOHNS: datetime(2010, 10, 20)}[zone]
    fall = {"Asia/Seoul": datetime(2026, 11, 19, 15, 0), "America/Santiago": datetime(2026, 4, 5, 3, 0),
            ST_JOHNS: FALL_BACK}[zone]
    customers_ids = [f"k{n}" for n in range(40)]
    n = 0

    def orders_at(times: list[datetime]) -> list[dict]:
        nonlocal n
        out = []
        for at in times:
            n += 1
            out.append(order(f"R{n}", at, rng.choice(customers_ids + [None]), float(rng.randint(1, 90) * 100),
                             status=rng.choice(["paid", "paid", "paid", "cancelled"])))
        return out

    push(wh, "rnd", orders_at([start + timedelta(minutes=rng.randint(0, 16 * 24 * 60)) for _ in range(300)]))
    customers.forget_histories()
    as_of = fall - timedelta(hours=3)
    reused = 0
    for step, kinds in enumerate(["today", "none", "earlier", "today", "today", "none", "earlier", "today"] * 2):
        as_of += timedelta(minutes=rng.choice([7, 25, 50]))
        if kinds == "today":
            push(wh, "rnd", orders_at([as_of - timedelta(minutes=rng.randint(1, 6)) for _ in range(3)]))
        elif kinds == "earlier":
            push(wh, "rnd", orders_at([as_of - timedelta(days=rng.randint(1, 10))]))
        _, days = customers._purchase_days_with_history(wh, "rnd", zone, as_of)
        assert days.equals(customers.purchase_days(wh, "rnd", zone, as_of)), (step, as_of)
        assert days["customer_id"].flags["SORTED_ASC"]
        reused = customers.history_stats["reused"]
    assert reused >= 3                                       # the kept history was used, not only re-read
    customers.forget_histories()
