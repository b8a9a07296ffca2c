"""Real export shapes seen in the wild: a re-saved UCI Online Retail CSV (two-digit years, an extra column),
a Shopify export with guest orders and multi-line notes, and a new seller's time zone and currency.

The Online Retail rows are the first rows of the UCI Online Retail data set (Chen, Sain & Guo 2012,
https://archive.ics.uci.edu/dataset/352/online+retail, CC BY 4.0), in the "M/D/YY H:MM" spelling that
spreadsheet re-saves of it commonly carry, with their extra TotalPrice column.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from data.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent

RETAIL_TWO_DIGIT_YEARS = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,TotalPrice
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/10 8:26,2.55,17850,United Kingdom,15.3
536365,71053,WHITE METAL LANTERN,6,12/1/10 8:26,3.39,17850,United Kingdom,20.34
536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/1/10 8:45,3.75,12583,France,90
536370,POST,POSTAGE,3,12/1/10 8:45,18,12583,France,54
536381,82567,"AIRLINE LOUNGE,METAL SIGN",2,12/1/10 9:41,2.1,15311,United Kingdom,4.2
C536379,D,Discount,-1,12/1/10 9:41,27.5,14527,United Kingdom,-27.5
C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/1/10 9:49,4.65,15311,United Kingdom,-4.65
536387,79321,CHILLI LIGHTS,192,12/13/10 9:58,3.82,,United Kingdom,733.44
"""


def test_two_digit_years_are_read_as_2010_not_the_year_10(tmp_path, warehouse):
    path = tmp_path / "Online Retail.csv"
    path.write_text(RETAIL_TWO_DIGIT_YEARS, encoding="utf-8")
    result = ingest_file(warehouse, path, seller_id="uk", kind="orders")
    assert result.status == "loaded", result.problems
    assert result.format == "online_retail"
    # totals agree with the file's own TotalPrice column: positives are sales, negatives cancellations
    assert result.totals["gross_sales"] == pytest.approx(15.3 + 20.34 + 90 + 54 + 4.2 + 733.44)
    assert result.totals["returns_amount"] == pytest.approx(27.5 + 4.65)
    first = warehouse.scalar("SELECT min(ordered_at) FROM orders WHERE seller_id = 'uk'")
    last = warehouse.scalar("SELECT max(ordered_at) FROM orders WHERE seller_id = 'uk'")
    assert first.year == 2010 and last.year == 2010
    assert last.month == 12 and last.day in (13, 12)   # 12/13/10 settles month-first; UTC shift may move the day
    assert warehouse.scalar("SELECT line_type FROM order_items WHERE sku = 'POST'") == "shipping"
    assert warehouse.scalar("SELECT customer_id FROM orders WHERE order_id = '536387'") is None   # guest


def test_new_seller_time_zone_and_currency_from_the_command_line(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL_TWO_DIGIT_YEARS, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    base = [sys.executable, "-m", "data", "ingest", str(path), "--seller", "uk", "--kind", "orders", "--db", str(db)]
    proc = subprocess.run([*base, "--timezone", "Europe/London", "--currency", "GBP"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([*base, "--timezone", "Asia/Seoul"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "already exists with time zone Europe/London" in proc.stderr
    proc = subprocess.run([*base[:-4], "--seller", "x", "--kind", "orders", "--db", str(db), "--timezone", "Mars/Base"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "not a time zone" in proc.stderr and "Traceback" not in proc.stderr

    from data.warehouse import Warehouse
    wh = Warehouse(db, read_only=True)
    assert wh.sql("SELECT timezone, currency FROM sellers WHERE seller_id = 'uk'").row(0) == ("Europe/London", "GBP")
    # 8:26 in London in December is 08:26 UTC
    assert wh.scalar("SELECT ordered_at FROM orders WHERE order_id = '536365'") == datetime(2010, 12, 1, 8, 26)
    assert wh.scalar("SELECT sum(amount) FROM returns WHERE seller_id = 'uk'") == Decimal("32.15")
    wh.close()
