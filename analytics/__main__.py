"""Command line: python -m analytics REPORT --seller ID [--from] [--to] [--as-of] [--json]: the pages' numbers."""

from __future__ import annotations

import argparse
import sys

import polars as pl

from analytics.period import ReportError, report_period
from analytics.reports import REPORTS, available_reports, jsonable, run_report, write_json
from analytics.sellers import data_clock, latest_activity_utc
from data import users
from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse, WarehouseError, default_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Print a report with the same numbers the pages show.")
    parser.add_argument("report", choices=list(REPORTS), help="Which report.")
    parser.add_argument("--seller", required=True, help="Seller id.")
    parser.add_argument("--from", dest="start", help="First local day (YYYY-MM-DD). Default: 30 days before --to.")
    parser.add_argument("--to", dest="end", help="Last local day (YYYY-MM-DD). Default: the day of --as-of.")
    parser.add_argument("--as-of", dest="as_of",
                        help="The report's 'now': a date (end of that local day), a local timestamp, or 'latest' "
                             "(just after the store's latest order or visit: for an archive). Default: now.")
    parser.add_argument("--horizon-days", type=int, default=365,
                        help="Prediction horizon for forecasts and customer value. Default 365.")
    parser.add_argument("--lang", default="en", choices=("ko", "en"), help="Language of texts in the report.")
    parser.add_argument("--json", action="store_true", help="Print JSON (default: a readable summary).")
    parser.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")
    parser.add_argument("--user", help="Act as this user (password from SI_PASSWORD or asked): only the stores "
                                       "granted to them. Default: the machine's operator (every store).")
    return parser


def _print_summary(result: dict) -> None:
    totals = jsonable(result.get("totals") or {})
    print(f"{result.get('report')} for {result['period']['seller_id']} "
          f"{result['period']['from']} .. {result['period']['to']} (as of {result['period']['as_of_utc']} UTC)")
    for name, value in totals.items():
        print(f"  {name:<28} {value}")
    for key, value in result.items():
        if isinstance(value, pl.DataFrame) and value.height:
            value, count = jsonable(value.head(10)), value.height    # only what is printed becomes row dicts
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value, count = jsonable(value[:10]), len(value)
        else:
            continue
        print(f"\n{key} ({count} rows, first 10):")
        for row in value:
            print("  " + ", ".join(f"{k}={v}" for k, v in row.items()))


def _note_when_data_ended_before(wh, period) -> None:
    """A hint on stderr when the store's data ended well before the report's window (an archive read as of now:
    every window is empty)."""
    latest = latest_activity_utc(wh, period.seller_id)
    if latest is None or latest >= period.start_utc:
        return
    clock = data_clock(latest, period.timezone, period.as_of_utc)
    if clock is not None and clock.stale:
        print(f"note: the latest order or visit of {period.seller_id} is {latest:%Y-%m-%d %H:%M} UTC, "
              f"{clock.days_behind:,} days before this report's as-of time, so its windows are empty; "
              "--as-of latest reports as of the store's latest data", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.report not in available_reports():
        print(f"error: the {args.report} report is not built yet", file=sys.stderr)
        return 1
    try:
        user = users.cli_user(args.user) if args.user else None
        if user is not None and not user.may_see(args.seller):
            raise PermissionError(f"{user.username!r} may not see store {args.seller!r}.")
        wh = Warehouse(args.db or default_path(), read_only=True)
        try:
            # a user's reports read through the same scoped views as their pages (data/scope.py)
            view = wh if user is None else ScopedWarehouse(wh, Scope.all_sellers() if user.sees_all
                                                           else Scope.sellers(user.sellers))
            period = report_period(view, args.seller, start=args.start, end=args.end, as_of=args.as_of)
            result = run_report(view, args.report, period, horizon_days=args.horizon_days, lang=args.lang)
            _note_when_data_ended_before(view, period)
        finally:
            wh.close()
    except (ReportError, WarehouseError, PermissionError, users.UsersFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.flush()
        write_json(result, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        _print_summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
