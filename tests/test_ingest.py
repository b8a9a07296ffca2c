"""Ingest round trips on real warehouse files: totals, idempotency, skip-invalid, records, CLI exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from data.ingest import LoadResult, ingest_bytes, ingest_file, ingest_records, preview_file, target_columns
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

ORDERS_CSV = """order_id,ordered_at,sku,product_name,quantity,unit_price,customer_id,channel,line_discount,order_discount,shipping_fee
K-1,2026-03-01 10:00:00,SKU-A,강아지 간식,2,"1,500",C1,smartstore,100,200,3000
K-1,2026-03-01 10:00:00,SKU-B,고양이 모래,1,₩9900,C1,smartstore,0,,
K-2,2026-03-02 23:30:00,SKU-A,강아지 간식,3,1500,,app,0,0,0
K-3,2026-03-03 09:00:00,SHIP-FEE,배송비,1,3000,C2,app,0,0,0
"""


def counts(wh: Warehouse) -> dict[str, int]:
    tables = ("sellers", "products", "customers", "orders", "order_items", "returns", "sessions", "ad_stats",
              "inventory", "loads", "load_rejects")
    return {t: wh.scalar(f"SELECT count(*) FROM {t}") for t in tables}


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_canonical_orders_round_trip_totals_and_tables(warehouse, tmp_path):
    result = ingest_file(warehouse, write(tmp_path, "o.csv", ORDERS_CSV), seller_id="petshop_kr", kind="orders")
    assert result.status == "loaded", result.problems
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 4, 0)
    # hand sums: 2*1500 + 1*9900 + 3*1500 + 1*3000
    assert result.totals["gross_sales"] == pytest.approx(20400)
    assert result.totals["orders"] == 3 and result.totals["lines"] == 4 and result.totals["units"] == 7
    assert result.totals["net_sales"] == pytest.approx(20400 - 100 - 200)
    orders = warehouse.sql("SELECT order_id, ordered_at::VARCHAR AS t, customer_id, status, shipping_fee::DOUBLE AS s, "
                           "discount::DOUBLE AS d FROM orders ORDER BY order_id")
    assert orders["order_id"].to_list() == ["K-1", "K-2", "K-3"]
    assert orders["t"][0] == "2026-03-01 01:00:00"          # Asia/Seoul 10:00 -> 01:00 UTC
    assert orders["customer_id"].to_list() == ["C1", None, "C2"]   # guest -> NULL
    assert orders["status"].to_list() == ["paid"] * 3
    assert orders["s"][0] == 3000 and orders["d"][0] == 200
    items = warehouse.sql("SELECT order_id, line_no, line_type FROM order_items ORDER BY order_id, line_no")
    assert items.rows() == [("K-1", 1, "product"), ("K-1", 2, "product"), ("K-2", 1, "product"),
                            ("K-3", 1, "shipping")]
    customers = warehouse.sql("SELECT customer_id, first_seen_at::VARCHAR AS f FROM customers ORDER BY 1")
    assert customers.rows() == [("C1", "2026-03-01 01:00:00"), ("C2", "2026-03-03 00:00:00")]
    products = warehouse.sql("SELECT sku, name, line_type FROM products ORDER BY sku")
    assert products.rows() == [("SHIP-FEE", "배송비", "shipping"), ("SKU-A", "강아지 간식", "product"),
                               ("SKU-B", "고양이 모래", "product")]
    load = warehouse.sql("SELECT status, rows_read, rows_loaded, format, checksum FROM loads")
    assert load.rows()[0][:4] == ("loaded", 4, 4, "canonical") and len(load["checksum"][0]) == 64


def test_same_file_twice_adds_nothing(warehouse, tmp_path):
    path = write(tmp_path, "o.csv", ORDERS_CSV)
    ingest_file(warehouse, path, seller_id="s", kind="orders")
    before = counts(warehouse)
    again = ingest_file(warehouse, path, seller_id="s", kind="orders")
    assert again.status == "nothing_new" and again.rows_loaded == 0 and again.rows_duplicate == 4
    after = counts(warehouse)
    assert after["loads"] == before["loads"] + 1
    assert {k: v for k, v in after.items() if k != "loads"} == {k: v for k, v in before.items() if k != "loads"}


def test_overlapping_export_adds_only_new_orders(warehouse, tmp_path):
    ingest_file(warehouse, write(tmp_path, "a.csv", ORDERS_CSV), seller_id="s", kind="orders")
    overlap = ORDERS_CSV.splitlines()[0] + "\n" + "\n".join(ORDERS_CSV.splitlines()[3:]) + \
        "\nK-4,2026-03-04 08:00:00,SKU-B,고양이 모래,2,9900,C1,app,0,0,0\n"
    result = ingest_file(warehouse, write(tmp_path, "b.csv", overlap), seller_id="s", kind="orders")
    assert result.status == "loaded"
    assert (result.rows_loaded, result.rows_duplicate) == (1, 2)
    assert result.totals["gross_sales"] == pytest.approx(19800)
    assert warehouse.scalar("SELECT count(*) FROM orders") == 4


def test_existing_product_cost_is_never_overwritten(warehouse, tmp_path):
    ingest_file(warehouse, EXAMPLES / "products.csv", seller_id="s", kind="products")
    ingest_file(warehouse, EXAMPLES / "orders.csv", seller_id="s", kind="orders")
    cost = warehouse.scalar("SELECT unit_cost::DOUBLE FROM products WHERE seller_id='s' AND sku='DOG-FOOD-2KG'")
    assert cost == 14500
    # the orders file's unknown SKU was added with the name from the line
    assert warehouse.scalar("SELECT name FROM products WHERE sku='CAT-LITTER-7L'") == "두부 모래 7L"


def test_products_upsert_updates_given_fields_only(warehouse, tmp_path):
    ingest_file(warehouse, EXAMPLES / "products.csv", seller_id="s", kind="products")
    path = write(tmp_path, "p.csv", "sku,price\nCAT-TOY-01,7000\n")
    result = ingest_file(warehouse, path, seller_id="s", kind="products")
    assert result.status == "loaded" and result.rows_loaded == 1
    row = warehouse.sql("SELECT price::DOUBLE p, unit_cost::DOUBLE c, name FROM products WHERE sku='CAT-TOY-01'")
    assert row.rows() == [(7000.0, 2100.0, "고양이 낚싯대 장난감")]
    assert ingest_file(warehouse, path, seller_id="s", kind="products").status == "nothing_new"


@pytest.mark.parametrize("kind,table,n", [("returns", "returns", 2), ("sessions", "sessions", 3),
                                          ("traffic_stats", "traffic_stats", 5),
                                          ("ad_stats", "ad_stats", 3), ("inventory", "inventory", 3),
                                          ("products", "products", 4), ("orders", "order_items", 5)])
def test_every_example_template_loads_and_is_idempotent(warehouse, kind, table, n):
    result = ingest_file(warehouse, EXAMPLES / f"{kind}.csv", seller_id="s", kind=kind)
    assert result.status == "loaded", result.problems
    assert warehouse.scalar(f"SELECT count(*) FROM {table}") == n
    assert ingest_file(warehouse, EXAMPLES / f"{kind}.csv", seller_id="s", kind=kind).status == "nothing_new"
    assert warehouse.scalar(f"SELECT count(*) FROM {table}") == n


def test_a_later_stock_count_of_the_same_day_replaces_the_earlier_one(warehouse, tmp_path):
    first = ingest_file(warehouse, EXAMPLES / "inventory.csv", seller_id="s", kind="inventory")
    later = tmp_path / "inventory_evening.csv"
    later.write_text("snapshot_date,sku,on_hand,inbound\n"
                     "2026-11-01,DOG-FOOD-2KG,96,200\n"          # sold 24 since the morning count
                     "2026-11-01,CAT-TOY-01,35,0\n"             # unchanged
                     "2026-11-02,CAT-TOY-01,33,0\n", encoding="utf-8")
    result = ingest_file(warehouse, later, seller_id="s", kind="inventory")
    assert (result.totals["rows"], result.totals["rows_updated"], result.rows_duplicate) == (1, 1, 1)
    rows = warehouse.sql("SELECT snapshot_date::VARCHAR d, sku, on_hand, inbound, lead_time_days, load_id "
                         "FROM inventory ORDER BY d, sku").rows()
    assert rows == [("2026-11-01", "CAT-TOY-01", 35, 0, 14, first.load_id),
                    ("2026-11-01", "DOG-FOOD-2KG", 96, 200, 7, result.load_id),   # lead time kept: not in the file
                    ("2026-11-01", "DOG-PAD-100", 0, 100, 5, first.load_id),
                    ("2026-11-02", "CAT-TOY-01", 33, 0, None, result.load_id)]
    assert ingest_file(warehouse, later, seller_id="s", kind="inventory").status == "nothing_new"


def test_ad_stats_values_parsed(warehouse):
    ingest_file(warehouse, EXAMPLES / "ad_stats.csv", seller_id="s", kind="ad_stats")
    rows = warehouse.sql("SELECT stat_date::VARCHAR d, stat_hour, impressions, cost::DOUBLE c FROM ad_stats "
                         "ORDER BY impressions DESC").rows()
    assert rows[0] == ("2026-11-01", None, 12400, 186000.0)
    assert rows[-1] == ("2026-11-01", 14, 800, 9500.0)


def test_rejected_file_writes_nothing_and_lists_rows(warehouse, tmp_path):
    before = counts(warehouse)
    bad = ORDERS_CSV + "K-9,yesterday-ish,SKU-A,x,two,-5,C1,app,0,0,0\n"
    result = ingest_file(warehouse, write(tmp_path, "bad.csv", bad), seller_id="s", kind="orders")
    assert result.status == "rejected" and not result.ok
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert reasons[(5, "ordered_at")] == "not a date/time we understand"
    assert reasons[(5, "quantity")] == "not a whole number"
    assert reasons[(5, "unit_price")] == "negative unit price"
    assert result.problem_count == 3 and result.rows_rejected == 1
    assert "--skip-invalid" in result.message
    assert counts(warehouse) == before


def test_skip_invalid_loads_valid_rows_and_sets_aside_the_rest(warehouse, tmp_path):
    bad = ORDERS_CSV + "K-9,2026-03-05 10:00,SKU-A,x,2,oops,C1,app,0,0,0\n" + \
        "K-1,2026-03-01 10:00:00,SKU-B,고양이 모래,1,₩9900,C1,smartstore,0,,\n"
    rejects = tmp_path / "rej"
    result = ingest_file(warehouse, write(tmp_path, "bad.csv", bad), seller_id="s", kind="orders",
                         skip_invalid=True, rejects_dir=rejects)
    assert result.status == "partial"
    # row 5: bad price; row 6 exact duplicate of row 2, which also sets aside the rest of order K-1 (rows 1-2)
    assert result.rows_rejected == 4 and result.rows_loaded == 2
    reasons = {p.row: p.reason for p in result.problems}
    assert reasons[5] == "not a number" and reasons[6] == "exact duplicate of row 2"
    assert reasons[1].startswith("order has an invalid line")
    rej = pl.read_csv(result.rejects_path, infer_schema=False)
    assert set(rej["row_number"].to_list()) == {"1", "2", "5", "6"}
    assert {"column", "reason", "value", "order_id", "unit_price"} <= set(rej.columns)
    assert warehouse.scalar("SELECT count(*) FROM load_rejects WHERE load_id = ?", [result.load_id]) == 4
    assert warehouse.scalar("SELECT status FROM loads WHERE load_id = ?", [result.load_id]) == "partial"
    assert warehouse.scalar("SELECT rejects_path FROM loads") == result.rejects_path
    assert sorted(warehouse.sql("SELECT order_id FROM orders")["order_id"].to_list()) == ["K-2", "K-3"]


def test_records_and_bytes(warehouse):
    records = [{"session_id": "x1", "started_at": "2026-05-01T10:00:00+09:00", "pageviews": 3, "channel": "search"},
               {"session_id": "x2", "started_at": "2026-05-01 11:00", "pageviews": None}]
    result = ingest_records(warehouse, records, seller_id="s", kind="sessions")
    assert result.status == "loaded" and result.rows_loaded == 2
    assert warehouse.sql("SELECT started_at::VARCHAR t FROM sessions ORDER BY 1")["t"].to_list() == \
        ["2026-05-01 01:00:00", "2026-05-01 02:00:00"]
    assert ingest_records(warehouse, records, seller_id="s", kind="sessions").status == "nothing_new"
    bad = ingest_records(warehouse, [{"session_id": "x3"}], seller_id="s", kind="sessions")
    assert bad.status == "rejected" and "started_at" in bad.problems[0].reason
    up = ingest_bytes(warehouse, ORDERS_CSV.replace("₩", "￦").encode("cp949"), filename="주문.csv", seller_id="s", kind="orders")
    assert up.status == "loaded" and up.source == "주문.csv" and up.totals["gross_sales"] == pytest.approx(20400)


def test_preview_suggests_mapping_and_parses_head():
    data = "주문번호,주문일시,품번,상품명,수량,판매가\nP1,2024년 1월 15일 10시 32분,A,사료,1,\"1,000\"\n".encode("cp949")
    preview = preview_file(data, filename="x.csv", kind="orders")
    assert preview.detected_format == "canonical"
    assert preview.suggested_mapping["order_id"] == "주문번호"
    assert preview.suggested_mapping["customer_id"] is None
    assert preview.head["unit_price"].to_list() == [1000.0]
    assert str(preview.head["ordered_at"][0]) == "2024-01-15 10:32:00"     # the seller's (Seoul) time, as written
    assert [c.name for c in target_columns("orders")][:2] == ["order_id", "ordered_at"]
    unknown = preview_file(b"a,b\n1,2\n", filename="x.csv", kind="orders")
    assert unknown.problems and "--map" in unknown.problems[0].reason


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_exit_codes_and_messages(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    good = run_cli("ingest", str(EXAMPLES / "orders.csv"), "--seller", "s", "--kind", "orders", "--db", db)
    assert good.returncode == 0, good.stderr
    assert "loaded 5, skipped 0 already loaded, rejected 0" in good.stdout
    assert "gross_sales=116,200.00" in good.stdout
    again = run_cli("ingest", str(EXAMPLES / "orders.csv"), "--seller", "s", "--kind", "orders", "--db", db, "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)[0]["status"] == "nothing_new"
    bad = run_cli("ingest", str(ROOT / "tests" / "fixtures" / "online_retail_dupes.csv"), "--seller", "s",
                  "--kind", "orders", "--db", db)
    assert bad.returncode == 1
    assert "REJECTED" in bad.stdout and "exact duplicate of row 1" in bad.stdout and "--skip-invalid" in bad.stdout
    assert "Traceback" not in bad.stderr
    skip = run_cli("ingest", str(ROOT / "tests" / "fixtures" / "online_retail_dupes.csv"), "--seller", "s",
                   "--kind", "orders", "--db", db, "--skip-invalid")
    assert skip.returncode == 0 and "partial" in skip.stdout
    mapped = run_cli("ingest", str(EXAMPLES / "sessions.csv"), "--seller", "s", "--kind", "sessions", "--db", db,
                     "--map", "session_id=session_id,started_at=started_at")
    assert mapped.returncode == 0, mapped.stdout
    missing = run_cli("ingest", str(tmp_path / "nope.csv"), "--seller", "s", "--kind", "orders", "--db", db)
    assert missing.returncode == 1 and "No such file" in missing.stdout
    info = run_cli("info", "--db", db)
    assert info.returncode == 0 and "order_items" in info.stdout and "last loads:" in info.stdout


def test_cli_busy_warehouse_exits_2(tmp_path):
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('ok', flush=True); "
                               "time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        busy = run_cli("ingest", str(EXAMPLES / "orders.csv"), "--seller", "s", "--kind", "orders", "--db", str(db))
        assert busy.returncode == 2 and "in use by" in busy.stderr
    finally:
        holder.kill()
        holder.wait()


def test_load_result_ok_flag():
    assert not LoadResult("s", "orders", "x", "auto", "rejected").ok
    assert LoadResult("s", "orders", "x", "auto", "partial").ok


def test_progress_is_reported(warehouse, tmp_path):
    calls: list[tuple[int, int | None]] = []
    ingest_file(warehouse, write(tmp_path, "o.csv", ORDERS_CSV), seller_id="s", kind="orders",
                progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (4, 4)
    pl.DataFrame({"sku": ["A"], "on_hand": [1], "snapshot_date": ["2026-01-01"]}).write_parquet(tmp_path / "i.parquet")
    calls.clear()
    ingest_file(warehouse, tmp_path / "i.parquet", seller_id="s", kind="inventory",
                progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (1, 1)


def test_interleaved_orders_number_lines_in_file_order_and_take_first_given_order_fields(warehouse, tmp_path):
    # lines of one order are not next to each other; order-level fields are given on a later line only
    text = ("order_id,ordered_at,sku,product_name,quantity,unit_price,customer_id,shipping_fee,status,line_type\n"
            "M-1,2026-03-01 10:00,A,사료,1,1000,,,,\n"
            "M-2,2026-03-01 11:00,B-1,간식,2,500,C9,2500,결제완료,\n"
            "M-1,2026-03-01 10:00,POST,택배비,1,3000,C7,3000,,\n"
            "M-1,2026-03-01 10:00,A2,사료 2,1,1000,C8,9999,cancelled,Product\n")
    result = ingest_file(warehouse, write(tmp_path, "i.csv", text), seller_id="s", kind="orders")
    assert result.status == "loaded", result.problems
    items = warehouse.sql("SELECT order_id, line_no, sku, line_type FROM order_items ORDER BY order_id, line_no")
    assert items.rows() == [("M-1", 1, "A", "product"), ("M-1", 2, "POST", "shipping"), ("M-1", 3, "A2", "product"),
                            ("M-2", 1, "B-1", "product")]
    orders = warehouse.sql("SELECT order_id, customer_id, shipping_fee::DOUBLE s, status FROM orders ORDER BY 1")
    assert orders.rows() == [("M-1", "C7", 3000.0, "cancelled"), ("M-2", "C9", 2500.0, "paid")]
    assert result.totals["orders"] == 2 and result.totals["lines"] == 4


def test_given_line_numbers_are_kept_and_repeated_ones_rejected(warehouse, tmp_path):
    text = ("order_id,ordered_at,sku,product_name,quantity,unit_price,line_no\n"
            "N-1,2026-03-01 10:00,A,a,1,1000,7\nN-1,2026-03-01 10:00,B,b,1,1000,\nN-2,2026-03-01 10:00,C,c,1,1,7\n")
    result = ingest_file(warehouse, write(tmp_path, "n.csv", text), seller_id="s", kind="orders")
    assert result.status == "loaded", result.problems
    assert warehouse.sql("SELECT order_id, line_no FROM order_items ORDER BY 1, 2").rows() == \
        [("N-1", 2), ("N-1", 7), ("N-2", 7)]
    dupe = ingest_file(warehouse, write(tmp_path, "d.csv", text + "N-2,2026-03-02 10:00,D,d,1,1,7\n"),
                       seller_id="t", kind="orders")
    assert dupe.status == "rejected"
    assert [(p.row, p.reason) for p in dupe.problems if p.row == 4] == [(4, "same order_id, line_no as row 3")]


def test_text_cleanup_only_where_needed(warehouse, tmp_path):
    # padded values and spreadsheet ids (17850.0) are cleaned even when most values need nothing
    text = ("order_id,ordered_at,sku,product_name,quantity,unit_price,customer_id,channel\n"
            + "".join(f"P-{i},2026-03-01 10:00,S{i},n,1,100,C{i},app\n" for i in range(50))
            + "  P-99 ,2026-03-01 10:00, S99 ,n,1,100,17850.0,\t app \n")
    result = ingest_file(warehouse, write(tmp_path, "t.csv", text), seller_id="s", kind="orders")
    assert result.status == "loaded", result.problems
    row = warehouse.sql("SELECT o.customer_id, o.channel, i.sku FROM orders o JOIN order_items i USING (order_id) "
                        "WHERE order_id = 'P-99'").rows()
    assert row == [("17850", "app", "S99")]


def test_malformed_quote_in_a_ragged_file_is_rejected_not_raised(warehouse, tmp_path):
    good = (EXAMPLES / "orders.csv").read_text(encoding="utf-8").splitlines()
    fields = good[1].split(",")
    fields[5] = "가"        # splits the quoted "25,900": a stray quote and one field too many
    path = write(tmp_path, "q.csv", "\n".join([good[0], ",".join(fields)] + good[2:]) + "\n")
    before = counts(warehouse)
    result = ingest_file(warehouse, path, seller_id="s", kind="orders", skip_invalid=True)
    assert result.status == "rejected" and result.message.startswith("Cannot read the file as CSV")
    assert counts(warehouse) == before
