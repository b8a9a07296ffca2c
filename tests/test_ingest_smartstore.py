"""Naver Smart Store order exports (주문통합검색 / 발주발송관리): one row per product order (상품주문번호), a status per
row, the option price apart from the product price, shipping repeated on every row of a shipping bundle.

tests/fixtures/smartstore/orders_export.csv has the export's column layout (37 of its columns, in its order and
spelling, with masked buyer ids as the seller centre writes them) and made-up orders: delivered, confirmed, a
returned row beside a delivered one, a cancelled order, one awaiting payment, an exchange and a new order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data.ingest import ingest_bytes, ingest_file

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "tests" / "fixtures" / "smartstore" / "orders_export.csv"


def _orders(wh) -> dict[str, tuple]:
    rows = wh.sql("SELECT order_id, status, shipping_fee, refunded_amount, channel, currency FROM orders "
                  "WHERE seller_id = 'ss' ORDER BY order_id").rows()
    return {r[0]: r[1:] for r in rows}


def test_export_is_recognised_and_read_as_orders_lines_and_claims(warehouse):
    result = ingest_file(warehouse, EXPORT, seller_id="ss", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.format == "smartstore"
    assert (result.totals["orders"], result.totals["lines"], result.totals["units"]) == (6, 8, 13)
    # gross = sum of (상품가격 + 옵션가격) x 수량 over every row, cancelled and returned ones included
    assert result.totals["gross_sales"] == pytest.approx(
        25900 * 2 + 7000 + 12000 * 3 + 4900 * 2 + 25900 + 6500 * 2 + 4900 + 25900)
    assert result.totals["discounts"] == pytest.approx(1000 + 1500)

    orders = _orders(warehouse)
    assert orders["2026110187654301"] == ("paid", Decimal("3000.00"), Decimal("0.00"), "smartstore", "KRW")
    # two shipping bundles in one order (2,500 + 3,000); one of its two rows returned
    assert orders["2026110287654302"] == ("partially_refunded", Decimal("5500.00"), Decimal("34500.00"),
                                          "smartstore", "KRW")
    assert orders["2026110387654303"][:3] == ("cancelled", Decimal("0.00"), Decimal("25900.00"))
    assert orders["2026110387654304"][0] == "pending"
    assert orders["2026110487654305"][:3] == ("paid", Decimal("3000.00"), Decimal("0.00"))   # an exchange
    assert orders["2026110587654306"][0] == "paid"                                             # 신규주문

    # the option price is part of the unit price; a product's seller code names all its rows
    toy = warehouse.sql("SELECT unit_price, quantity FROM order_items WHERE order_id = '2026110187654301' "
                        "AND line_no = 2").row(0)
    assert toy == (Decimal("7000.00"), 1)
    skus = warehouse.sql("SELECT DISTINCT sku FROM order_items WHERE product_name = '강아지 사료 2kg'")["sku"]
    assert skus.to_list() == ["DOG-FOOD-2KG"]
    assert warehouse.scalar("SELECT name FROM products WHERE sku = 'CAT-SAND-10L'") == "고양이 모래 10L"

    claims = warehouse.sql("SELECT return_id, order_id, sku, quantity, amount, claim_type FROM returns "
                           "WHERE seller_id = 'ss' ORDER BY return_id").rows()
    assert claims == [
        ("2026110212345603", "2026110287654302", "CAT-SAND-10L", 3, Decimal("34500.00"), "return"),
        ("2026110312345605", "2026110387654303", "DOG-FOOD-2KG", 1, Decimal("25900.00"), "cancel"),
        ("2026110412345607", "2026110487654305", "8012345681", 1, Decimal("0.00"), "exchange")]
    # order times are the seller's local time (Asia/Seoul by default): 09:15:30 KST is 00:15:30 UTC
    first = warehouse.scalar("SELECT ordered_at FROM orders WHERE order_id = '2026110187654301'")
    assert (first.hour, first.minute, first.second) == (0, 15, 30)


def test_reloading_adds_nothing_and_a_later_export_adds_the_new_claim(tmp_path, warehouse):
    assert ingest_file(warehouse, EXPORT, seller_id="ss", kind="orders").status == "loaded"
    again = ingest_file(warehouse, EXPORT, seller_id="ss", kind="orders")
    assert again.status == "nothing_new" and again.rows_loaded == 0
    assert warehouse.scalar("SELECT count(*) FROM returns WHERE seller_id = 'ss'") == 3
    # a week later the first order's toy comes back: the new export says 반품 / 반품완료 on that row
    later = EXPORT.read_text(encoding="utf-8").replace(
        "2026110112345602,2026110187654301,택배,택배,CJ대한통운,612345678901,2026.11.02 10:00:00,김*수,mung****,"
        "김*수,구매확정,",
        "2026110112345602,2026110187654301,택배,택배,CJ대한통운,612345678901,2026.11.02 10:00:00,김*수,mung****,"
        "김*수,반품,반품완료")
    assert later != EXPORT.read_text(encoding="utf-8")
    path = tmp_path / "later.csv"
    path.write_text(later, encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    # written: the new claim, and the order's status and refunded amount as the export now says
    assert result.status == "loaded" and result.rows_loaded == 2
    assert result.totals["returns"] == 1 and result.totals["orders_updated"] == 1
    assert warehouse.scalar("SELECT amount FROM returns WHERE return_id = '2026110112345602'") == Decimal("7000.00")
    assert warehouse.scalar("SELECT count(*) FROM order_items WHERE seller_id = 'ss'") == 8
    assert _orders(warehouse)["2026110187654301"][:3] == ("partially_refunded", Decimal("3000.00"),
                                                          Decimal("7000.00"))
    assert ingest_file(warehouse, path, seller_id="ss", kind="orders").status == "nothing_new"


def test_a_later_cancellation_takes_the_order_out_of_revenue_and_the_rollups(tmp_path, warehouse):
    from data import rollups

    assert ingest_file(warehouse, EXPORT, seller_id="ss", kind="orders").status == "loaded"
    warehouse.wait_for_background()
    order = "2026110587654306"                                   # 신규주문 on 11-05, cancelled the next day
    text = EXPORT.read_text(encoding="utf-8")
    later = text.replace("김*수,mung****,김*수,신규주문,,", "김*수,mung****,김*수,취소,취소완료,")
    assert later.count("취소완료") == text.count("취소완료") + 1
    path = tmp_path / "later.csv"
    path.write_text(later, encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert result.totals["orders_updated"] == 1 and result.totals["returns"] == 1     # + its cancel claim
    assert _orders(warehouse)[order][:3] == ("cancelled", Decimal("0.00"), Decimal("25900.00"))
    warehouse.wait_for_background()                              # the rollup refresh of the updated hours
    tables = [r[0] for r in warehouse.sql("SELECT table_name FROM duckdb_tables() "
                                          "WHERE table_name LIKE 'rollup_%' ORDER BY 1").rows()]
    assert "rollup_order_totals" in tables
    refreshed = {t: warehouse.sql(f"SELECT * FROM {t} WHERE seller_id = 'ss' ORDER BY ALL") for t in tables}
    assert refreshed["rollup_order_totals"].filter(pl.col("order_id") == order)["status"].to_list() == ["cancelled"]
    with warehouse.transaction(changes_data=False) as cur:      # the same as recomputing every hour afresh
        rollups.rebuild(cur, "ss")
    for t in tables:
        assert refreshed[t].equals(warehouse.sql(f"SELECT * FROM {t} WHERE seller_id = 'ss' ORDER BY ALL")), t


def test_an_export_holding_only_some_lines_of_an_order_does_not_restate_it(tmp_path, warehouse):
    assert ingest_file(warehouse, EXPORT, seller_id="ss", kind="orders").status == "loaded"
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    # an export filtered to claims: only the first order's second row, now returned
    returned = lines[2].replace(",구매확정,,", ",반품,반품완료,")
    assert returned != lines[2]
    path = tmp_path / "returns_only.csv"
    path.write_text("\n".join([lines[0], returned]) + "\n", encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert result.totals["orders_updated"] == 0 and result.totals["returns"] == 1
    assert _orders(warehouse)["2026110187654301"][0] == "paid"     # its other row was delivered: not 'refunded'


def test_cp949_csv_and_xlsx_exports_give_the_same_warehouse(tmp_path, warehouse):
    text = EXPORT.read_text(encoding="utf-8")
    ingest_bytes(warehouse, text.encode("cp949"), filename="스마트스토어_주문.csv", seller_id="ss", kind="orders")
    frame = pl.read_csv(EXPORT, infer_schema=False)
    # Excel keeps numbers as numbers: the 16-digit order numbers and the amounts become numeric cells
    numeric = ["상품주문번호", "주문번호", "수량", "옵션가격", "상품가격", "최종 상품별 할인액", "최종 상품별 총 주문금액",
               "배송비 합계"]
    frame = frame.with_columns(pl.col(c).str.replace_all(",", "").cast(pl.Int64) for c in numeric)
    frame.write_excel(tmp_path / "스마트스토어_주문.xlsx")
    ingest_file(warehouse, tmp_path / "스마트스토어_주문.xlsx", seller_id="ss_xlsx", kind="orders")
    query = ("SELECT o.order_id, o.status, o.shipping_fee, o.refunded_amount, i.line_no, i.sku, i.quantity, "
             "i.unit_price, i.discount FROM orders o JOIN order_items i USING (seller_id, order_id) "
             "WHERE seller_id = $s ORDER BY 1, 5")
    from_csv = warehouse.sql(query, {"s": "ss"})
    assert from_csv.height == 8
    assert from_csv.equals(warehouse.sql(query, {"s": "ss_xlsx"}))
    claims = "SELECT return_id, amount, claim_type FROM returns WHERE seller_id = $s ORDER BY 1"
    assert warehouse.sql(claims, {"s": "ss"}).equals(warehouse.sql(claims, {"s": "ss_xlsx"}))


def encrypted_export(folder: Path, password: str) -> Path:
    """The fixture as a password-protected .xlsx, encrypted the way Excel does (ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = folder / "plain.xlsx"
    pl.read_csv(EXPORT, infer_schema=False).write_excel(plain)
    path = folder / "스마트스토어_주문_암호.xlsx"
    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt(password, out)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"        # an OLE container, not a zip
    return path


def test_password_protected_workbook_needs_its_password(tmp_path, warehouse):
    from data.readers import is_encrypted_excel

    path = encrypted_export(tmp_path, "smart-1234")
    assert is_encrypted_excel(path.read_bytes()) and not is_encrypted_excel(EXPORT.read_bytes())
    missing = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert missing.status == "rejected" and "password-protected" in missing.problems[0].reason
    wrong = ingest_file(warehouse, path, seller_id="ss", kind="orders", password="nope")
    assert wrong.status == "rejected" and "password does not open" in wrong.problems[0].reason
    assert warehouse.scalar("SELECT count(*) FROM orders") == 0

    right = ingest_file(warehouse, path, seller_id="ss", kind="orders", password="smart-1234")
    assert right.status == "loaded" and right.format == "smartstore", right.problems
    assert right.totals["orders"] == 6 and right.totals["returns"] == 3
    # the same workbook encrypted again (new salt, other bytes) is recognised as already loaded
    (tmp_path / "again").mkdir()
    again = encrypted_export(tmp_path / "again", "smart-1234")
    assert again.read_bytes() != path.read_bytes()
    assert ingest_file(warehouse, again, seller_id="ss", kind="orders", password="smart-1234").rows_loaded == 0
    # nothing left behind: the decrypted copy is a temporary file
    import tempfile
    assert not list(Path(tempfile.gettempdir()).glob("si-decrypted-*"))


def test_password_from_the_command_line(tmp_path):
    path = encrypted_export(tmp_path, "pw-5678")
    db = tmp_path / "w.duckdb"
    base = [sys.executable, "-m", "data", "ingest", str(path), "--seller", "ss", "--kind", "orders", "--db", str(db)]
    proc = subprocess.run(base, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "--password" in proc.stdout + proc.stderr
    proc = subprocess.run([*base, "--password", "pw-5678"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pw-5678" not in proc.stdout + proc.stderr


def test_an_unknown_status_is_rejected_with_its_row_and_nothing_is_loaded(tmp_path, warehouse):
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",배송완료,", ",배송보류,")            # row 4 (header is row 0)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert result.status == "rejected"
    bad = [p for p in result.problems if p.column == "status"]
    assert bad and bad[0].row == 4 and bad[0].value == "배송보류" and "unknown status" in bad[0].reason
    assert warehouse.scalar("SELECT count(*) FROM orders") == 0
    assert warehouse.scalar("SELECT count(*) FROM returns") == 0


def test_command_line_load_and_the_reports_read_it(tmp_path):
    db = tmp_path / "w.duckdb"
    proc = subprocess.run([sys.executable, "-m", "data", "ingest", str(EXPORT), "--seller", "ss", "--kind", "orders",
                           "--db", str(db), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    loaded = out[0] if isinstance(out, list) else out
    assert loaded["format"] == "smartstore" and loaded["status"] == "loaded"
    proc = subprocess.run([sys.executable, "-m", "analytics", "products", "--seller", "ss", "--db", str(db),
                           "--from", "2026-11-01", "--to", "2026-11-05", "--as-of", "latest", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    # independent sums over the export: rows of the cancelled order are out; the returned row is a refund
    assert report["totals"]["gross_sales"] == 25900 * 2 + 7000 + 12000 * 3 + 4900 * 2 + 6500 * 2 + 4900 + 25900
    assert report["totals"]["revenue"] == report["totals"]["gross_sales"] - 1000 - 1500
    assert report["totals"]["refunds"] == 34500
    assert report["totals"]["orders"] == 5
    trouble = {r["sku"]: r for r in report["trouble"]}
    assert trouble["CAT-SAND-10L"]["claimed_units"] == 3 and trouble["CAT-SAND-10L"]["units"] == 3


def test_workbook_with_a_title_row_above_the_header(tmp_path, warehouse):
    import xlsxwriter

    frame = pl.read_csv(EXPORT, infer_schema=False)
    path = tmp_path / "주문내역.xlsx"
    with xlsxwriter.Workbook(path) as workbook:
        sheet = workbook.add_worksheet("주문내역")
        sheet.write(0, 0, "스마트스토어 주문내역 (2026.11.01 ~ 2026.11.05)")          # a report title in A1
        sheet.write_row(1, 0, frame.columns)
        for i, row in enumerate(frame.iter_rows(), start=2):
            sheet.write_row(i, 0, row)
    result = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert result.status == "loaded" and result.format == "smartstore", result.problems
    assert result.totals["orders"] == 6 and result.totals["lines"] == 8
    assert result.sheets == [("주문내역", 1, 8)]            # row numbers count data rows, as without a title


def test_preview_shows_local_times_and_no_loader_columns():
    from data.ingest import preview_file

    preview = preview_file(EXPORT, kind="orders", timezone_name="Asia/Seoul")
    assert preview.detected_format == "smartstore" and not preview.problems
    assert str(preview.head["ordered_at"][0]) == "2026-11-01 09:15:30"          # as the export says (KST)
    assert not [c for c in preview.head.columns if c.startswith("__")]
    assert preview.head["status"].to_list()[:3] == ["paid", "paid", "partially_refunded"]


def test_order_time_falls_back_to_the_payment_time(tmp_path, warehouse):
    frame = pl.read_csv(EXPORT, infer_schema=False)
    # an export without 주문일시 (the payment time instead) and one with an empty 주문일시 cell
    no_order_time = frame.drop("주문일시").with_columns(
        pl.when(pl.col("주문상태") == "결제대기").then(pl.lit("2026.11.03 13:30:00")).otherwise(pl.col("결제일"))
        .alias("결제일"))
    no_order_time.write_csv(tmp_path / "a.csv")
    result = ingest_file(warehouse, tmp_path / "a.csv", seller_id="a", kind="orders")
    assert result.status == "loaded", result.problems
    paid = warehouse.scalar("SELECT ordered_at FROM orders WHERE seller_id = 'a' AND order_id = '2026110187654301'")
    assert (paid.hour, paid.minute, paid.second) == (0, 15, 40)          # 결제일 09:15:40 KST
    frame.with_columns(pl.when(pl.col("상품주문번호") == "2026110112345601").then(None).otherwise(pl.col("주문일시"))
                       .alias("주문일시")).write_csv(tmp_path / "b.csv")
    result = ingest_file(warehouse, tmp_path / "b.csv", seller_id="b", kind="orders")
    assert result.status == "loaded", result.problems
    first = warehouse.scalar("SELECT ordered_at FROM orders WHERE seller_id = 'b' AND order_id = '2026110187654301'")
    assert (first.hour, first.minute, first.second) == (0, 15, 40)        # its row's 결제일: the first given


def test_an_export_without_statuses_reloads_without_touching_the_orders(tmp_path, warehouse):
    path = tmp_path / "no_status.csv"
    pl.read_csv(EXPORT, infer_schema=False).drop("주문상태", "주문세부상태").write_csv(path)
    assert ingest_file(warehouse, path, seller_id="ss", kind="orders").status == "loaded"
    assert set(_orders(warehouse).values()) and {v[0] for v in _orders(warehouse).values()} == {"paid"}
    again = ingest_file(warehouse, path, seller_id="ss", kind="orders")
    assert again.status == "nothing_new" and again.totals["orders_updated"] == 0
