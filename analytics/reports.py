"""Every report the pages show, by name: `python -m analytics NAME --json` prints the same numbers.

A report is a function `report(wh, period, **options) -> dict` returning plain JSON-able data:
    {"report": name, "period": period.to_json(), "definitions": {metric: formula},
     "totals": {...the period totals it is built on...}, "rows": [...] or named sections}
A section with one row per customer (a million rows in a large store) may be a Polars frame of text, integer
and float columns instead of a list: it stands for its rows. `jsonable()` turns it into row dicts; `write_json()`
has Polars encode its rows, one compact line each (a million customers: seconds, not a minute).
"""

from __future__ import annotations

import gc
import importlib
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from typing import Any, BinaryIO

import polars as pl

from analytics.metrics import METRICS
from analytics.period import ReportPeriod
from data.warehouse import Warehouse

# name -> "module:function"; imported lazily so one report never pays for another's imports
REPORTS: dict[str, str] = {
    "kpis": "analytics.kpis:report",
    "realtime": "analytics.realtime:report",
    "products": "analytics.products:report",
    "traffic": "analytics.traffic:report",
    "keywords": "analytics.keywords:report",
    "ads": "analytics.ads:report",
    "customers": "analytics.customers:report",
    "digest": "analytics.digest:report",
}

ReportFn = Callable[..., dict[str, Any]]


def available_reports() -> list[str]:
    """Names of the reports whose module exists in this build."""
    names = []
    for name, target in REPORTS.items():
        module = target.split(":")[0]
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def get_report(name: str) -> ReportFn:
    module, function = REPORTS[name].split(":")
    return getattr(importlib.import_module(module), function)


def run_report(wh: Warehouse, name: str, period: ReportPeriod, **options: Any) -> dict[str, Any]:
    return get_report(name)(wh, period, **options)


def definitions(*names: str, lang: str = "en") -> dict[str, str]:
    """The metric dictionary entries for `names` as one line each (formula; window; attribution)."""
    out = {}
    for n in names:
        m = METRICS[n]
        out[n] = f"{m.formula[lang]} Window: {m.window[lang]} Attribution: {m.attribution[lang]}"
    return out


def rows_of(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-able rows (dates as ISO text, decimals as floats)."""
    return [{k: jsonable(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


PLAIN_DTYPES = (pl.String, pl.Int64, pl.Int32, pl.Float64)


def plain_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """rows_of(frame) for a frame of text, integer and float columns only (NaN -> None), column-wise: the same
    dicts ~10x faster on a million rows."""
    if not all(dtype in PLAIN_DTYPES for dtype in frame.dtypes):
        raise TypeError(f"a row section holds text, integer and float columns only: {frame.schema}")
    columns = [frame[c].fill_nan(None).to_list() if frame[c].dtype == pl.Float64 else frame[c].to_list()
               for c in frame.columns]
    collecting = gc.isenabled()
    gc.disable()        # a million small acyclic dicts: the cycle collector would only rescan them (~20 % of the time)
    try:
        return list(map(dict, map(zip, repeat(frame.columns), zip(*columns, strict=True))))
    finally:
        if collecting:
            gc.enable()


def jsonable(value: Any) -> Any:
    if isinstance(value, pl.DataFrame):
        return plain_rows(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN -> null
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def write_json(result: dict[str, Any], out: BinaryIO) -> None:
    """A report as UTF-8 JSON on a binary stream: indented like json.dump(indent=1), except that a frame section's
    rows are one compact line each, encoded by Polars (NaN as null, like jsonable)."""
    out.write(b"{")
    for i, (key, value) in enumerate(result.items()):
        out.write(b"," if i else b"")
        out.write(f"\n {json.dumps(key, ensure_ascii=False)}: ".encode())
        if isinstance(value, pl.DataFrame):
            plain_rows(value.head(0))                       # the same column rule as jsonable
            if value.height == 0:
                out.write(b"[]")
                continue
            lines = value.with_columns(pl.col(pl.Float64).fill_nan(None)).write_ndjson().encode()
            out.write(b"[\n  ")
            out.write(lines.rstrip(b"\n").replace(b"\n", b",\n  "))   # JSON text never holds a raw newline
            out.write(b"\n ]")
        else:
            out.write(json.dumps(jsonable(value), ensure_ascii=False, indent=1).replace("\n", "\n ").encode())
    out.write(b"\n}\n")
