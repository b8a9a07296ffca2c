"""Every layout and encoding: Shopify, UCI Online Retail, Korean headers and dates, mapping, Parquet, xlsx."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data.ingest import ingest_file
from data.validate import timestamp_expr

FIXTURES = Path(__file__).resolve().parent / "fixtures"

KOREAN = """주문번호,주문일시,품번,상품명,수량,판매가,고객번호
K-1,2024년 1월 15일 10시 32분,S1,강아지 사료,1,"25,900",회원1
K-2,2024. 1. 15. 오후 3:20:00,S2,고양이 모래,2,"12,000",
K-3,2024. 1. 16. 오전 9:05:00,S1,강아지 사료,1,25900,회원1
"""
KOREAN_GROSS = 25900 + 24000 + 25900


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def load_korean(warehouse, path: Path):
    result = ingest_file(warehouse, path, seller_id="kr", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.totals["gross_sales"] == pytest.approx(KOREAN_GROSS)
    times = warehouse.sql("SELECT order_id, ordered_at::VARCHAR t FROM orders ORDER BY 1")["t"].to_list()
    assert times == ["2024-01-15 01:32:00", "2024-01-15 06:20:00", "2024-01-16 00:05:00"]   # KST -> UTC
    return result


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr"])
def test_korean_headers_and_dates_in_every_encoding(warehouse, tmp_path, encoding):
    load_korean(warehouse, write(tmp_path, "k.csv", KOREAN.encode(encoding)))
    assert warehouse.scalar("SELECT name FROM products WHERE sku='S2'") == "고양이 모래"
    assert warehouse.scalar("SELECT count(*) FROM customers") == 1


def test_cp949_detected_after_a_long_ascii_prefix(warehouse, tmp_path):
    # the first non-ASCII byte sits beyond the first megabyte: detection must look at the whole file
    lines = ["order_id,ordered_at,sku,product_name,quantity,unit_price"]
    lines += [f"A{i},2024-01-01 10:00,S{i % 7},plain name,1,1000" for i in range(40_000)]
    lines += ["Z1,2024-01-02 10:00,S9,한글 상품,1,1000"]
    result = ingest_file(warehouse, write(tmp_path, "big.csv", "\n".join(lines).encode("cp949")),
                         seller_id="s", kind="orders")
    assert result.status == "loaded" and result.rows_loaded == 40_001
    assert warehouse.scalar("SELECT product_name FROM order_items WHERE order_id='Z1'") == "한글 상품"


def test_parquet_and_xlsx_round_trip(warehouse, tmp_path):
    frame = pl.read_csv(KOREAN.encode(), infer_schema=False)
    frame.write_parquet(tmp_path / "k.parquet")
    load_korean(warehouse, tmp_path / "k.parquet")
    typed = pl.DataFrame({"order_id": ["X1", "X1", "X2"], "ordered_at": pl.Series([
        "2024-02-01 09:00:00", "2024-02-01 09:00:00", "2024-02-02 18:30:00"]).str.to_datetime(),
        "sku": ["A", "B", "A"], "product_name": ["사료", "간식", "사료"], "quantity": [1, 2, 3],
        "unit_price": [1000.0, 550.5, 1000.0], "customer_id": [17850.0, 17850.0, None]})
    typed.write_excel(tmp_path / "t.xlsx")
    result = ingest_file(warehouse, tmp_path / "t.xlsx", seller_id="x", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.totals["gross_sales"] == pytest.approx(1000 + 1101 + 3000)
    rows = warehouse.sql("SELECT order_id, ordered_at::VARCHAR t, customer_id FROM orders WHERE seller_id='x' "
                         "ORDER BY 1").rows()
    assert rows == [("X1", "2024-02-01 00:00:00", "17850"), ("X2", "2024-02-02 09:30:00", None)]
    typed.write_parquet(tmp_path / "t.parquet")
    again = ingest_file(warehouse, tmp_path / "t.parquet", seller_id="x", kind="orders")
    assert again.status == "nothing_new" and again.rows_duplicate == 3


def test_shopify_multi_line_orders(warehouse):
    result = ingest_file(warehouse, FIXTURES / "shopify_small.csv", seller_id="shop", kind="orders")
    assert result.format == "shopify" and result.status == "loaded", result.problems
    # lines: 2*12 + 50 + 30 + 4*10 ; order-level fields only on the first row of #1001
    assert result.totals["gross_sales"] == pytest.approx(144)
    orders = warehouse.sql("SELECT order_id, ordered_at::VARCHAR t, customer_id, status, shipping_fee::DOUBLE s, "
                           "discount::DOUBLE d, refunded_amount::DOUBLE r, channel, country FROM orders ORDER BY 1")
    assert orders.rows() == [
        ("#1001", "2024-01-15 15:32:11", "ana@example.com", "paid", 5.0, 5.0, 0.0, "web", "US"),
        ("#1002", "2024-01-16 13:00:00", None, "cancelled", 0.0, 0.0, 0.0, "pos", "CA"),
        ("#1003", "2024-01-17 12:00:00", "bo@example.com", "partially_refunded", 0.0, 0.0, 10.0, "web", "GB")]
    items = warehouse.sql("SELECT order_id, line_no, sku, quantity FROM order_items ORDER BY 1, 2").rows()
    assert items[:2] == [("#1001", 1, "MUG-01", 2), ("#1001", 2, "LAMP-300", 1)]
    assert result.totals["returns_amount"] == pytest.approx(10)


def test_online_retail_cancellations_returns_and_non_products(warehouse):
    result = ingest_file(warehouse, FIXTURES / "online_retail_small.csv", seller_id="uk", kind="orders")
    assert result.format == "online_retail" and result.status == "loaded", result.problems
    assert result.totals["lines"] == 5 and result.totals["returns"] == 2
    assert result.totals["gross_sales"] == pytest.approx(6 * 2.55 + 6 * 3.39 + 18 + 6 * 1.85 + 24 * 3.75)
    assert result.totals["returns_amount"] == pytest.approx(27.50 + 4.65)
    returns = warehouse.sql("SELECT return_id, order_id, quantity, amount::DOUBLE a, claim_type, line_type "
                            "FROM returns ORDER BY 1").rows()
    assert returns == [("C536379", None, 1, 27.5, "cancel", "adjustment"),
                       ("C536383", None, 1, 4.65, "cancel", "product")]
    # 12/1/2010 8:26 is M/D/YYYY: 1 December
    first = warehouse.sql("SELECT ordered_at::VARCHAR t, customer_id FROM orders WHERE order_id='536365'").rows()
    assert first == [("2010-11-30 23:26:00", "17850")]
    assert warehouse.scalar("SELECT customer_id FROM orders WHERE order_id='536366'") is None
    assert warehouse.scalar("SELECT line_type FROM order_items WHERE sku='POST'") == "shipping"
    assert warehouse.scalar("SELECT line_type FROM products WHERE sku='POST'") == "shipping"


def test_online_retail_negative_quantity_is_a_return_and_bad_debt_is_invalid(warehouse, tmp_path):
    text = ("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            "536400,21000,ROSE SOAP,-3,13/12/2010 10:00,0.0,,United Kingdom\n"
            "A563185,B,Adjust bad debt,1,14/12/2010 14:50,-11062.06,,United Kingdom\n"
            "536401,21000,ROSE SOAP,2,14/12/2010 11:00,1.25,12345.0,United Kingdom\n")
    result = ingest_file(warehouse, write(tmp_path, "r.csv", text.encode()), seller_id="uk", kind="orders",
                         skip_invalid=True)
    assert result.status == "partial"
    assert [(p.row, p.reason) for p in result.problems] == [(2, "negative unit price")]
    assert warehouse.sql("SELECT return_id, claim_type, quantity FROM returns").rows() == [("536400", "return", 3)]
    # D/M decided per file: 13/12 only parses as day-first
    assert warehouse.scalar("SELECT ordered_at::VARCHAR FROM orders") == "2010-12-14 02:00:00"


def test_duplicates_reject_without_skip_invalid(warehouse):
    result = ingest_file(warehouse, FIXTURES / "online_retail_dupes.csv", seller_id="uk", kind="orders")
    assert result.status == "rejected"
    assert "1 of them are exact duplicate lines" in result.message and "--skip-invalid" in result.message
    assert warehouse.scalar("SELECT count(*) FROM orders") == 0


def test_mapping_with_odd_headers(warehouse, tmp_path):
    text = "No.,When,Item code,Item,Qty,Price\n9,15.01.2024 10:00,A,Alpha,2,$3.50\n9,15.01.2024 10:00,B,Beta,1,$1\n"
    path = write(tmp_path, "m.csv", text.encode())
    rejected = ingest_file(warehouse, path, seller_id="s", kind="orders")
    assert rejected.status == "rejected" and "No., When" in rejected.message and "--map" in rejected.message
    mapping = {"order_id": "No.", "ordered_at": "When", "sku": "Item code", "product_name": "Item",
               "quantity": "Qty", "unit_price": "Price"}
    result = ingest_file(warehouse, path, seller_id="s", kind="orders", mapping=mapping)
    assert result.status == "loaded" and result.format == "mapped"
    assert result.totals["gross_sales"] == pytest.approx(8)
    assert warehouse.scalar("SELECT ordered_at::VARCHAR FROM orders") == "2024-01-15 01:00:00"
    wrong = ingest_file(warehouse, path, seller_id="s", kind="orders", mapping={"order_id": "nope"})
    assert wrong.status == "rejected" and "nope" in wrong.message


@pytest.mark.parametrize("values,expected", [
    (["2024-01-15T10:32:11+09:00", "2024-01-15 01:32:11Z"], ["2024-01-15 01:32:11", "2024-01-15 01:32:11"]),
    (["2024/01/15 10:32", "2024.01.15"], ["2024-01-15 01:32:00", "2024-01-14 15:00:00"]),
    (["1/2/2024 10:00", "1/13/2024 10:00"], ["2024-01-02 01:00:00", "2024-01-13 01:00:00"]),
    (["2.1.2024", "13.1.2024"], ["2024-01-01 15:00:00", "2024-01-12 15:00:00"]),
    (["2024년 1월 15일", "2024. 1. 15. 오후 12:05:00"], ["2024-01-14 15:00:00", "2024-01-15 03:05:00"]),
    (["2024-01-15 10:32:11 -0500", "2024-01-15"], ["2024-01-15 15:32:11", "2024-01-14 15:00:00"]),
    (["45306.4375"], ["2024-01-15 01:30:00"]),
    # a weekday after the day, as Korean reports write it
    (["2026.11.01.(일) 14:05", "2026-11-02(월)09:30:00", "2026.11.03. (화) 오후 3:20:00"],
     ["2026-11-01 05:05:00", "2026-11-02 00:30:00", "2026-11-03 06:20:00"]),
    (["2026년 11월 4일 수요일", "2026-11-05 (Thu)", "2026.11.06 (금요일)"],
     ["2026-11-03 15:00:00", "2026-11-04 15:00:00", "2026-11-05 15:00:00"]),
])
def test_date_spellings(values, expected):
    frame = pl.DataFrame({"t": values})
    out = frame.select(timestamp_expr(frame, "t", "Asia/Seoul").cast(pl.String)).to_series().to_list()
    assert [v[:19] if v else v for v in out] == expected


def test_typed_parquet_columns_parse_natively(warehouse, tmp_path):
    frame = pl.DataFrame({
        "order_id": [1001, 1001, 1002], "ordered_at": pl.Series(["2024-02-01 09:00:00"] * 2 + ["2024-02-02 18:30:00"]
                                                                ).str.to_datetime(),
        "sku": ["A", "B", "A"], "product_name": ["사료", "간식", "사료"],
        "quantity": pl.Series([1, 2, 3], dtype=pl.Int16), "unit_price": pl.Series([1000, 550, 1000], dtype=pl.UInt32),
        "customer_id": [17850.0, 17850.0, None], "line_no": pl.Series([None, None, None], dtype=pl.Int64)})
    frame.write_parquet(tmp_path / "typed.parquet")
    result = ingest_file(warehouse, tmp_path / "typed.parquet", seller_id="x", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.totals["gross_sales"] == pytest.approx(1000 + 1100 + 3000)
    assert warehouse.sql("SELECT order_id, line_no, quantity FROM order_items ORDER BY 1, 2").rows() == \
        [("1001", 1, 1), ("1001", 2, 2), ("1002", 1, 3)]
    assert warehouse.sql("SELECT customer_id FROM orders ORDER BY order_id").rows() == [("17850",), (None,)]
    too_big = frame.with_columns(pl.Series("quantity", [1, 3_000_000_000, 3], dtype=pl.Int64))
    too_big.write_parquet(tmp_path / "big.parquet")
    bad = ingest_file(warehouse, tmp_path / "big.parquet", seller_id="y", kind="orders")
    assert bad.status == "rejected"
    assert [(p.row, p.column, p.reason) for p in bad.problems if p.column == "quantity"] == \
        [(2, "quantity", "number too large")]
    extreme = frame.with_columns(pl.Series("quantity", [1, -(2**63), 3], dtype=pl.Int64))
    extreme.write_parquet(tmp_path / "extreme.parquet")
    odd = ingest_file(warehouse, tmp_path / "extreme.parquet", seller_id="y", kind="orders")
    assert odd.status == "rejected"
    assert [(p.row, p.reason) for p in odd.problems if p.column == "quantity"] == [(2, "not a whole number")]


def test_empty_parquet_with_header_only_is_rejected(warehouse, tmp_path):
    pl.DataFrame(schema={"order_id": pl.String, "ordered_at": pl.String, "sku": pl.String, "product_name": pl.String,
                         "quantity": pl.Int64, "unit_price": pl.Float64}).write_parquet(tmp_path / "e.parquet")
    result = ingest_file(warehouse, tmp_path / "e.parquet", seller_id="x", kind="orders")
    assert result.status == "rejected" and "no data rows" in result.message


def _online_retail_ii_workbook(path: Path, bad_price_on_second_sheet: bool = False) -> Path:
    """The UCI Online Retail II layout: one sheet per year with the same header, plus a notes sheet and an empty
    one. Customer ID is numeric on the first sheet and text on the second; Description is empty on the second."""
    import xlsxwriter

    first = pl.DataFrame({
        "Invoice": ["489434", "489434", "489435"], "StockCode": ["85048", "79323P", "22350"],
        "Description": ["15CM CHRISTMAS GLASS BALL 20 LIGHTS", "PINK CHERRY LIGHTS", "CAT BOWL"],
        "Quantity": [12, 12, 24],
        "InvoiceDate": pl.Series(["2009-12-01 07:45:00", "2009-12-01 07:45:00", "2009-12-01 07:46:00"])
        .str.to_datetime(),
        "Price": [6.95, 6.75, 2.55], "Customer ID": [13085.0, 13085.0, 13086.0],
        "Country": ["United Kingdom"] * 3})
    second = pl.DataFrame({
        "Invoice": ["536365", "536366"], "StockCode": ["85123A", "22633"], "Description": [None, None],
        "Quantity": [6, 6],
        "InvoiceDate": pl.Series(["2010-12-01 08:26:00", "2010-12-01 08:28:00"]).str.to_datetime(),
        "Price": [2.55, -1.0 if bad_price_on_second_sheet else 1.85], "Customer ID": ["17850", "13085"],
        "Country": ["United Kingdom", "France"]}).cast({"Description": pl.String})
    with xlsxwriter.Workbook(path) as workbook:
        first.write_excel(workbook, worksheet="Year 2009-2010")
        workbook.add_worksheet("Empty")
        second.write_excel(workbook, worksheet="Year 2010-2011")
        pl.DataFrame({"note": ["exported by hand"]}).write_excel(workbook, worksheet="Notes")
    return path


def test_every_sheet_with_the_same_header_is_read(warehouse, tmp_path, capsys):
    from data.__main__ import main as data_main
    from data.warehouse import ensure_seller

    with warehouse.transaction() as cur:
        ensure_seller(cur, "uk", timezone_name="Europe/London", currency="GBP")   # UTC+0 in December
    path = _online_retail_ii_workbook(tmp_path / "online_retail_II.xlsx")
    result = ingest_file(warehouse, path, seller_id="uk", kind="orders")
    assert result.status == "loaded" and result.format == "online_retail", result.problems
    assert result.rows_read == 5 and result.rows_loaded == 5
    assert result.sheets == [("Year 2009-2010", 1, 3), ("Year 2010-2011", 4, 5)]
    assert result.sheets_skipped == ["Notes"]
    orders = warehouse.sql("SELECT order_id, customer_id, ordered_at::VARCHAR t FROM orders ORDER BY 1").rows()
    assert orders == [("489434", "13085", "2009-12-01 07:45:00"), ("489435", "13086", "2009-12-01 07:46:00"),
                      ("536365", "17850", "2010-12-01 08:26:00"), ("536366", "13085", "2010-12-01 08:28:00")]
    assert warehouse.scalar("SELECT product_name FROM order_items WHERE order_id = '536365'") == "85123A"
    assert result.totals["gross_sales"] == pytest.approx(12 * 6.95 + 12 * 6.75 + 24 * 2.55 + 6 * 2.55 + 6 * 1.85)
    # the command line says which rows came from which sheet
    bad = _online_retail_ii_workbook(tmp_path / "bad.xlsx", bad_price_on_second_sheet=True)
    assert data_main(["ingest", str(bad), "--seller", "uk", "--kind", "orders", "--db", str(tmp_path / "cli.duckdb"),
                      "--timezone", "Europe/London"]) == 1
    out = capsys.readouterr().out
    assert "sheets read: 'Year 2009-2010' (rows 1-3), 'Year 2010-2011' (rows 4-5); not read (other columns): 'Notes'" \
        in out
    assert "row 5 [unit_price]" in out                  # the second sheet's second row


def test_an_empty_column_without_a_header_is_not_a_column(tmp_path):
    """A column emptied by hand in Excel (no header, no values) between real ones: not read as a column, so the
    sheet keeps the header of the other sheets."""
    import xlsxwriter

    from data.readers import read_table

    path = tmp_path / "blank_column.xlsx"
    with xlsxwriter.Workbook(path) as workbook:
        for name, order in (("Jan", "A1"), ("Feb", "B1")):
            sheet = workbook.add_worksheet(name)
            header = ["order_id", "ordered_at", "sku", "product_name", "quantity", "unit_price"]
            if name == "Jan":
                header.insert(2, "")                                      # the emptied column
            sheet.write_row(0, 0, header)
            row = [order, "2024-01-05 10:00", "S1", "사료", 1, 1000]
            if name == "Jan":
                row.insert(2, None)
            sheet.write_row(1, 0, row)
    table = read_table(path)
    assert [c for c in table.frame.columns if not c.startswith("__row")] == [
        "order_id", "ordered_at", "sku", "product_name", "quantity", "unit_price"]
    assert table.sheets == [("Jan", 1, 1), ("Feb", 2, 2)] and table.sheets_skipped == []


def test_local_times_around_daylight_saving_changes(warehouse, tmp_path):
    """London: 01:26 on 2010-03-28 does not exist (clocks went forward at 01:00): read with the offset before the
    change (01:26 GMT) instead of rejecting the file; 01:30 on 2010-10-31 happens twice: the earlier one (BST)."""
    from data.warehouse import ensure_seller

    with warehouse.transaction() as cur:
        ensure_seller(cur, "uk", timezone_name="Europe/London", currency="GBP")
    rows = ["order_id,ordered_at,sku,product_name,quantity,unit_price",
            "G1,2010-03-28 00:59,S1,a,1,10", "G2,2010-03-28 01:26,S1,a,1,10", "G3,2010-03-28 02:00,S1,a,1,10",
            "G4,2010-10-31 01:30,S1,a,1,10", "G5,2010-07-01 12:00,S1,a,1,10"]
    result = ingest_file(warehouse, write(tmp_path, "dst.csv", "\n".join(rows).encode()), seller_id="uk",
                         kind="orders")
    assert result.status == "loaded", result.problems
    stored = warehouse.sql("SELECT order_id, ordered_at::VARCHAR t FROM orders ORDER BY 1").rows()
    assert stored == [("G1", "2010-03-28 00:59:00"), ("G2", "2010-03-28 01:26:00"), ("G3", "2010-03-28 01:00:00"),
                      ("G4", "2010-10-31 00:30:00"), ("G5", "2010-07-01 11:00:00")]
