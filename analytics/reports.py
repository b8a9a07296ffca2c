"""Every report the pages show, by name: `python -m analytics NAME --json` prints the same numbers.

A report is a function `report(wh, period, **options) -> dict` returning plain JSON-able data:
    {"report": name, "period": period.to_json(), "definitions": {metric: formula},
     "totals": {...the period totals it is built on...}, "rows": [...] or named sections}
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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


def jsonable(value: Any) -> Any:
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
