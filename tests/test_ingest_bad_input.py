"""Property tests: malformed, truncated, mis-encoded, wrong-typed or huge input never raises and never half-loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.ingest import KINDS, ingest_bytes, ingest_file
from data.warehouse import Warehouse

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TABLES = ("sellers", "products", "customers", "orders", "order_items", "returns", "sessions", "ad_stats",
          "inventory", "loads", "load_rejects")
GOOD = (EXAMPLES / "orders.csv").read_bytes()
HEADER = GOOD.split(b"\n", 1)[0]


def snapshot(wh: Warehouse) -> dict[str, int]:
    return {t: wh.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    wh = Warehouse(tmp_path_factory.mktemp("prop") / "prop.duckdb")
    assert ingest_file(wh, EXAMPLES / "products.csv", seller_id="p", kind="products").ok
    yield wh
    wh.close()


def check(wh: Warehouse, data: bytes, kind: str = "orders", filename: str = "x.csv", skip: bool = False) -> None:
    before = snapshot(wh)
    result = ingest_bytes(wh, data, filename=filename, seller_id="p", kind=kind, skip_invalid=skip)
    after = snapshot(wh)
    if result.status == "rejected":
        assert after == before
        assert result.problems and result.problem_count >= len(result.problems)
        assert all(p.reason for p in result.problems)
    else:
        assert result.status in ("loaded", "partial", "nothing_new")
        assert after["loads"] == before["loads"] + 1
        assert result.rows_loaded + result.rows_duplicate + result.rows_rejected == result.rows_read


PROPS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPS
@given(st.binary(max_size=2000))
def test_random_bytes(seeded, data):
    check(seeded, data)


@PROPS
@given(st.integers(min_value=0, max_value=len(GOOD)), st.sampled_from(["utf-8", "cp949", "utf-16", "latin-1"]))
def test_truncated_and_mis_encoded(seeded, cut, encoding):
    text = GOOD.decode("utf-8")[:cut]
    check(seeded, text.encode(encoding, errors="replace"))


cell = st.one_of(st.text(max_size=30), st.sampled_from(["", "  ", "-1", "1e400", "NaN", "inf", "₩-3", "1,2,3",
                                                        "9999999999999999999999", "2024-13-45", "오후 25:61",
                                                        '"', "\x00", "\r\n", "12/31/1999 25:00"]),
                 st.integers().map(str), st.floats(allow_nan=True).map(str))


@PROPS
@given(st.lists(st.lists(cell, min_size=0, max_size=8), min_size=1, max_size=15), st.booleans())
def test_wrong_typed_ragged_rows(seeded, rows, skip):
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c for c in r)
                     for r in rows)
    check(seeded, HEADER + b"\n" + body.encode("utf-8", errors="replace"), skip=skip)


@PROPS
@given(st.sampled_from(KINDS), st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=300_000))
def test_huge_fields_every_kind(seeded, kind, column, size):
    good = (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
    fields = good[1].split(",")
    fields[min(column, len(fields) - 1)] = "가" * size
    check(seeded, ("\n".join([good[0], ",".join(fields)] + good[2:]) + "\n").encode(), kind=kind, skip=True)


@PROPS
@given(st.binary(max_size=600), st.sampled_from(["x.parquet", "x.xlsx", "x.xls", "x.csv"]))
def test_garbage_with_other_extensions(seeded, data, name):
    check(seeded, b"PAR1" + data if name.endswith("parquet") else data, filename=name)


def test_named_edge_cases(seeded):
    cases = [b"", b"\n\n\n", HEADER + b"\n", b"\xef\xbb\xbf", b"a\x00b,c\n1,2\n",
             HEADER + b"\nA,2024-01-01,S,n,1,1,extra,extra,extra,extra,extra,extra,extra,extra,extra,extra,1,2,3\n",
             b"order_id;ordered_at;sku;product_name;quantity;unit_price\nA;2024-01-01;S;n;1;100\n"]
    for data in cases:
        check(seeded, data)
    r = ingest_bytes(seeded, b"", filename="e.csv", seller_id="p", kind="orders")
    assert r.status == "rejected" and r.message == "The file is empty."
    r = ingest_bytes(seeded, GOOD, filename="o.csv", seller_id="p", kind="nonsense")
    assert r.status == "rejected" and "Unknown kind" in r.message
    r = ingest_bytes(seeded, GOOD, filename="o.csv", seller_id="p", kind="orders", fmt="weird")
    assert r.status == "rejected" and "Unknown format" in r.message
