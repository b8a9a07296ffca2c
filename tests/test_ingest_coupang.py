"""Coupang WING order lists (배송관리 > 주문 목록 download) as orders, checked against a plain reading of the file
with the standard library's csv module.

tests/fixtures/coupang/order_list.csv has the download's columns (one row per option of an order, options shipped
together sharing a 묶음배송번호) with made-up orders and masked buyer details.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from data.ingest import ingest_bytes, ingest_file

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "tests" / "fixtures" / "coupang" / "order_list.csv"


def _num(value: str) -> float:
    return float(value.replace(",", "") or 0)


def _expected_orders() -> dict[str, dict[str, object]]:
    """Per 주문번호, from the file: status, refunded amount, shipping (one fee per box), lines, units."""
    with LIST.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    orders: dict[str, dict[str, object]] = {}
    boxes: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        o = orders.setdefault(r["주문번호"], {"lines": 0, "units": 0, "refunded": 0.0, "all_gone": True,
                                            "any_gone": False, "email": r["구매자이메일"].lower()})
        qty, price = int(r["구매수(수량)"]), _num(r["옵션판매가(판매단가)"])
        gone = qty if r["취소여부"] == "Y" else min(int(r["취소수량"] or 0), qty)
        o["lines"] += 1
        o["units"] += qty
        o["refunded"] += gone * price
        o["all_gone"] = o["all_gone"] and gone >= qty
        o["any_gone"] = o["any_gone"] or gone > 0
        fee = _num(r["배송비"]) + _num(r["도서산간 추가배송비"])
        boxes[(r["주문번호"], r["묶음배송번호"])] = max(boxes[(r["주문번호"], r["묶음배송번호"])], fee)
    for o_id, o in orders.items():
        o["status"] = "cancelled" if o["all_gone"] else "partially_refunded" if o["any_gone"] else "paid"
        o["shipping"] = sum(fee for (order, _box), fee in boxes.items() if order == o_id)
    return orders


def test_order_list_loads_with_statuses_shipping_and_units(warehouse):
    result = ingest_file(warehouse, LIST, seller_id="cp", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.format == "coupang"
    expected = _expected_orders()
    stored = {o: (s, float(r), float(f), n, int(u), ch) for o, s, r, f, n, u, ch in warehouse.sql(
        "SELECT o.order_id, o.status, o.refunded_amount, o.shipping_fee, count(*) AS n, sum(i.quantity) AS u, "
        "o.channel FROM orders o JOIN order_items i USING (seller_id, order_id) WHERE o.seller_id = 'cp' "
        "GROUP BY ALL").rows()}
    assert stored == {o: (e["status"], e["refunded"], e["shipping"], e["lines"], e["units"], "coupang")
                      for o, e in expected.items()}
    assert {s for s, *_ in stored.values()} == {"paid", "cancelled", "partially_refunded"}   # the fixture covers all
    # the order time is 결제일시 (with its time of day), in the store's zone
    first = warehouse.scalar("SELECT ordered_at FROM orders WHERE order_id = '27000000000001'")
    assert str(first) == "2026-11-01 01:32:11"                       # 10:32:11 KST
    again = ingest_file(warehouse, LIST, seller_id="cp", kind="orders")
    assert again.status == "nothing_new"


def test_skus_are_the_sellers_codes_per_option(warehouse):
    ingest_file(warehouse, LIST, seller_id="cp", kind="orders")
    skus = set(warehouse.sql("SELECT DISTINCT sku FROM order_items")["sku"])
    # option 81234567001 has DOG-FOOD-2KG on some rows only; option 81234567002 never has a code
    assert skus == {"DOG-FOOD-2KG", "TREAT-01", "81234567002"}


def test_buyers_are_pseudonymous_and_repeat_buyers_are_one_customer(warehouse):
    ingest_file(warehouse, LIST, seller_id="cp", kind="orders")
    expected = _expected_orders()
    by_email: dict[str, set[str]] = defaultdict(set)
    for o, e in expected.items():
        if e["email"]:
            by_email[str(e["email"])].add(o)
    stored = warehouse.sql("SELECT customer_id, list(order_id ORDER BY order_id) AS orders FROM orders "
                           "WHERE customer_id IS NOT NULL GROUP BY ALL")
    assert sorted(sorted(v) for v in by_email.values()) == sorted(stored["orders"].to_list())
    assert all(c.startswith("cp-") and len(c) == 19 for c in stored["customer_id"])
    assert warehouse.scalar("SELECT count(*) FROM orders WHERE customer_id IS NULL") == 1     # no e-mail
    # no e-mail address, name or phone number is kept anywhere
    for table in ("orders", "order_items", "customers"):
        frame = warehouse.sql(f"SELECT * FROM {table}")
        text = [c for c, t in frame.schema.items() if t == pl.String]
        for col in text:
            values = frame[col].drop_nulls()
            assert not values.str.contains("@|\\*").any(), (table, col)


def test_xlsx_and_cp949_lists_give_the_same_warehouse(tmp_path, warehouse):
    ingest_file(warehouse, LIST, seller_id="a", kind="orders")
    frame = pl.read_csv(LIST, infer_schema_length=None)        # ids, 우편번호 and money as typed cells
    frame.write_excel(tmp_path / "주문목록.xlsx")
    assert ingest_file(warehouse, tmp_path / "주문목록.xlsx", seller_id="b", kind="orders").status == "loaded"
    result = ingest_bytes(warehouse, LIST.read_text(encoding="utf-8").encode("cp949"), filename="주문목록.csv",
                          seller_id="c", kind="orders")
    assert result.status == "loaded"
    query = ("SELECT o.order_id, o.ordered_at, o.status, o.refunded_amount, o.shipping_fee, o.customer_id, i.sku, "
             "i.quantity, i.unit_price FROM orders o JOIN order_items i USING (seller_id, order_id) "
             "WHERE o.seller_id = $s ORDER BY ALL")
    a = warehouse.sql(query, {"s": "a"})
    assert a.equals(warehouse.sql(query, {"s": "b"})) and a.equals(warehouse.sql(query, {"s": "c"}))


def test_a_later_list_restates_a_cancellation(tmp_path, warehouse):
    ingest_file(warehouse, LIST, seller_id="cp", kind="orders")
    lines = LIST.read_text(encoding="utf-8").splitlines()
    # the next day's list: order ...0001's jerky line was cancelled after all
    later = [lines[0], lines[1], lines[2].replace(",앱,N,0,", ",앱,Y,1,")]
    assert later[2] != lines[2]
    path = tmp_path / "later.csv"
    path.write_text("\n".join(later) + "\n", encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="cp", kind="orders")
    assert result.totals["orders_updated"] == 1
    row = warehouse.sql("SELECT status, refunded_amount::DOUBLE AS r FROM orders WHERE order_id = '27000000000001'")
    assert row.rows() == [("partially_refunded", 8900.0)]


@pytest.mark.parametrize("kind", ["returns", "ad_stats"])
def test_an_order_list_loaded_as_another_kind_says_so(warehouse, kind):
    result = ingest_file(warehouse, LIST, seller_id="cp", kind=kind, fmt="coupang")
    assert result.status == "rejected" and "--kind orders" in result.problems[0].reason
