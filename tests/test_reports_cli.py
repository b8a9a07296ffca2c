"""`python -m analytics REPORT --json`: the report registry, periods and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from analytics.period import ReportError, parse_as_of, report_period
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], capture_output=True, text=True, cwd=ROOT)


def test_as_of_date_means_end_of_that_local_day():
    assert parse_as_of("2026-11-20", "Asia/Seoul") == datetime(2026, 11, 20, 15, 0)   # 21st 00:00 KST
    assert parse_as_of("2026-11-20 09:30", "Asia/Seoul") == datetime(2026, 11, 20, 0, 30)
    with pytest.raises(ReportError):
        parse_as_of("yesterday", "Asia/Seoul")


def test_default_period_is_30_local_days_up_to_as_of(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    p = report_period(wh, "petshop_kr", as_of="2026-11-20 14:00")
    assert (p.start_date, p.end_date) == (date(2026, 10, 22), date(2026, 11, 20))
    assert p.end_utc == datetime(2026, 11, 20, 5, 0)      # capped at as_of (14:00 KST)
    prev = p.previous()
    assert (prev.start_date, prev.end_date) == (date(2026, 9, 22), date(2026, 10, 21))
    with pytest.raises(ReportError, match="Unknown seller"):
        report_period(wh, "nobody")
    wh.close()


def test_kpis_json_matches_the_functions_the_home_page_calls(demo_db):
    from analytics.kpis import kpi_summary, revenue_by_day

    proc = _run("kpis", "--seller", "petshop_kr", "--as-of", "2026-11-20 14:00", "--json", "--db", str(demo_db))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    wh = Warehouse(demo_db, read_only=True)
    by_day = revenue_by_day(wh, "petshop_kr", date(2026, 10, 22), date(2026, 11, 20))
    tiles = kpi_summary(wh, "petshop_kr", datetime(2026, 11, 20, 5, 0))
    wh.close()
    assert result["totals"]["revenue"] == pytest.approx(float(by_day["revenue"].sum()))
    assert result["totals"]["order_count"] == int(by_day["order_count"].sum()) > 0
    assert [r["value"] for r in result["tiles"]] == pytest.approx(tiles["value"].to_list(), nan_ok=True)
    assert "revenue" in result["definitions"]


def test_unknown_seller_and_missing_file_are_plain_errors(demo_db, tmp_path):
    proc = _run("kpis", "--seller", "nobody", "--db", str(demo_db))
    assert proc.returncode == 2 and "Unknown seller" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run("kpis", "--seller", "x", "--db", str(tmp_path / "missing.duckdb"))
    assert proc.returncode == 2 and "No warehouse" in proc.stderr and "Traceback" not in proc.stderr


def test_write_json_equals_json_of_jsonable_rows_for_frame_sections():
    """A frame section is written by Polars; the parsed JSON must equal json.dumps(jsonable(...)) of the same
    report: Korean text, quotes and backslashes, NaN and None as null, integers, floats, empty frames."""
    import io
    import math

    import polars as pl

    from analytics.reports import jsonable, write_json

    frame = pl.DataFrame({
        "customer_id": ["김민지", 'quote " and \\ back', "tab\tnew\nline", None],
        "frequency": [0, 3, 12, None],
        "p_alive": [float("nan"), 0.1 + 0.2, 1e-20, None],
        "clv": [123456.789, -0.0, 2.0, 5.5],
    }, schema_overrides={"frequency": pl.Int64})
    result = {"report": "customers", "totals": {"revenue": 1.5, "name": "소포장"}, "nested": [{"a": [1, 2]}],
              "customers": frame, "empty": frame.head(0), "at_risk": [{"p_alive": math.nan}]}
    out = io.BytesIO()
    write_json(result, out)
    text = out.getvalue().decode("utf-8")
    assert json.loads(text) == json.loads(json.dumps(jsonable(result), ensure_ascii=False))
    parsed = json.loads(text)
    assert parsed["customers"][0] == {"customer_id": "김민지", "frequency": 0, "p_alive": None, "clv": 123456.789}
    assert parsed["customers"][1]["customer_id"] == 'quote " and \\ back' and parsed["empty"] == []
    assert len(text.splitlines()) > 10                     # still readable: indented, one customer per line
    with pytest.raises(TypeError, match="text, integer and float"):
        write_json({"rows": pl.DataFrame({"day": [date(2026, 1, 1)]})}, io.BytesIO())
