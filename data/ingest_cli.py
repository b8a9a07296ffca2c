"""The `python -m data ingest` and `python -m data info` commands: thin printing over data.ingest."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data import ingest
from data.warehouse import Warehouse, ensure_seller, open_warehouse

PROGRESS_MIN_ROWS = 200_000


def parse_mapping(text: str | None) -> dict[str, str] | None:
    """'order_id=Order No,quantity=Qty' -> {'order_id': 'Order No', 'quantity': 'Qty'}; raises ValueError."""
    if not text:
        return None
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"--map expects TARGET=SOURCE pairs separated by commas, got '{part.strip()}'")
        target, source = part.split("=", 1)
        mapping[target.strip()] = source.strip()
    return mapping or None


class _Progress:
    """A progress line on stderr, only for large files, at most a few times a second."""

    def __init__(self, name: str) -> None:
        self.name, self.last, self.shown = name, 0.0, False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if done < PROGRESS_MIN_ROWS or now - self.last < 0.5:
            return
        self.last, self.shown = now, True
        of = f" of {total:,}" if total else ""
        print(f"\r{self.name}: read {done:,}{of} rows", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def _format_totals(totals: dict[str, float]) -> str:
    parts = []
    for key, value in totals.items():
        parts.append(f"{key}={value:,.2f}" if isinstance(value, float) else f"{key}={value:,}")
    return ", ".join(parts)


def sheets_note(result: ingest.LoadResult) -> str:
    """Which sheets of a workbook were read (and which rows each holds) and which were not."""
    parts = []
    if result.sheets:
        parts.append("sheets read: " + ", ".join(f"'{name}' (rows {first:,}-{last:,})"
                                                 for name, first, last in result.sheets))
    if result.sheets_skipped:
        parts.append("not read (other columns): " + ", ".join(f"'{name}'" for name in result.sheets_skipped))
    return "; ".join(parts)


def _print_result(result: ingest.LoadResult) -> None:
    if len(result.sheets) > 1 or result.sheets_skipped:
        print(f"{result.source}: {sheets_note(result)}")
    if result.status == "rejected":
        print(f"{result.source}: REJECTED ({result.format}) - {result.message}")
        for p in result.problems:
            if p.row is None and p.reason == result.message:
                continue
            where = f"row {p.row}" if p.row is not None else "file"
            col = f" [{p.column}]" if p.column else ""
            val = f" value={p.value!r}" if p.value is not None else ""
            print(f"  {where}{col}: {p.reason}{val}")
        if result.problem_count > len(result.problems):
            print(f"  ... {result.problem_count} problems in all (first {len(result.problems)} shown)")
        return
    print(f"{result.source}: {result.status} ({result.format}) - loaded {result.rows_loaded}, "
          f"skipped {result.rows_duplicate} already loaded, rejected {result.rows_rejected}")
    if result.totals:
        print(f"  totals: {_format_totals(result.totals)}")
    if result.rejects_path:
        print(f"  {result.problem_count} problem(s); rejected rows written to {result.rejects_path}")
        for p in result.problems[:5]:
            print(f"  row {p.row} [{p.column or '-'}]: {p.reason}")


def run_ingest_command(args) -> int:
    try:
        mapping = parse_mapping(args.mapping)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    fmt = args.fmt
    if mapping and fmt == "auto":
        fmt = "mapped"
    password = getattr(args, "password", None)
    if password == "":                      # --password without a value: ask, without echo
        import getpass
        password = getpass.getpass("Excel file password: ")
    wh = open_warehouse(args.db)
    problem = _prepare_seller(wh, args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    results = []
    for name in args.files:
        progress = _Progress(Path(name).name)
        result = ingest.ingest_file(wh, name, seller_id=args.seller, kind=args.kind, fmt=fmt, mapping=mapping,
                                    skip_invalid=args.skip_invalid, progress=progress, password=password)
        progress.finish()
        results.append(result)
        if not args.json:
            _print_result(result)
    wh.wait_for_background()        # the hourly rollups the loads queued (data/rollups.py), before this process ends
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in results], ensure_ascii=False, indent=2, default=str))
    return 0 if all(r.ok for r in results) else 1


FRESHNESS = {"orders": "ordered_at", "order_items": "ordered_at", "returns": "returned_at",
             "sessions": "started_at", "traffic_stats": "stat_date", "ad_stats": "stat_date",
             "inventory": "snapshot_date"}


def run_info_command(args) -> int:
    path = Path(args.db) if args.db else None
    wh = open_warehouse(path)
    print(f"warehouse: {wh.path} (schema version {wh.version})")
    tables = ("sellers", "products", "customers", *FRESHNESS, "loads", "load_rejects")
    print("\nrows per table and seller (latest timestamp, UTC):")
    for table in tables:
        if table in ("loads", "load_rejects", "sellers"):
            n = wh.scalar(f"SELECT count(*) FROM {table}")
            print(f"  {table:<12} {n:>12,}")
            continue
        ts = FRESHNESS.get(table)
        latest = f"max({ts})::VARCHAR" if ts else "NULL"
        rows = wh.cursor().execute(
            f"SELECT seller_id, count(*), {latest} FROM {table} GROUP BY seller_id ORDER BY seller_id").fetchall()
        if not rows:
            print(f"  {table:<12} {0:>12,}")
        for seller, n, last in rows:
            fresh = f"  latest {last}" if last else ""
            print(f"  {table:<12} {n:>12,}  {seller}{fresh}")
    loads = wh.cursor().execute(
        "SELECT load_id, seller_id, kind, source, format, status, rows_read, rows_loaded, rows_duplicate, "
        "rows_rejected, finished_at::VARCHAR FROM loads ORDER BY load_id DESC LIMIT 10").fetchall()
    print("\nlast loads:")
    if not loads:
        print("  (none)")
    for row in loads:
        lid, seller, kind, source, fmt, status, read, loaded, dup, rej, at = row
        print(f"  #{lid} {at[:19]} {seller} {kind} {source} [{fmt}] {status}: read {read}, loaded {loaded}, "
              f"duplicate {dup}, rejected {rej}")
    return 0


def _prepare_seller(wh: Warehouse, args: argparse.Namespace) -> str | None:
    """Create a new seller with --timezone/--currency/--name; refuse a --timezone that contradicts an existing one."""
    tz, currency, name = getattr(args, "timezone", None), getattr(args, "currency", None), getattr(args, "name", None)
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            return f"--timezone {tz!r} is not a time zone name (e.g. Asia/Seoul, Europe/London)"
    existing = wh.sql("SELECT timezone, currency FROM sellers WHERE seller_id = $s", {"s": args.seller})
    if existing.height:
        if tz and tz != existing["timezone"][0]:
            return (f"seller {args.seller!r} already exists with time zone {existing['timezone'][0]}; "
                    f"--timezone {tz} would read this file's times differently. Drop --timezone or use a new seller id.")
        return None
    if tz or currency or name:
        with wh.transaction(seller_id=args.seller) as cur:
            ensure_seller(cur, args.seller, name=name, timezone_name=tz, currency=(currency or "KRW").upper())
    return None
