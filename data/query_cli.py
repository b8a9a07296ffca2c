"""The `python -m data query` command: the analysts' sandbox from a shell, on a read-only open of the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from data.sandbox import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, QueryError, QueryRefused, QueryTimeout, Sandbox
from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse, WarehouseBusyError, WarehouseError, default_path

EXIT_REFUSED = 2
EXIT_FAILED = 3


def add_query_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `query` subcommand on the `python -m data` parser."""
    q = sub.add_parser(
        "query", help="Run one read-only SELECT in the sandbox, scoped to one or more sellers.",
        description="Run one SELECT (WITH / UNION allowed) over the warehouse tables, seeing only the given "
                    "sellers' rows. Parameters are DuckDB named parameters: write $from in the SQL and pass "
                    "--param from=2026-10-01.")
    q.add_argument("sql_text", nargs="?", metavar="SQL", help="The query (or use --sql / --file).")
    q.add_argument("--sql", help="The query text.")
    q.add_argument("--file", help="Read the query from this file ('-' for standard input).")
    q.add_argument("--seller", required=True,
                   help="Seller id whose rows the query sees (several: a,b). Required.")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="Value of a $NAME parameter (repeatable). Values are bound by DuckDB, never pasted in.")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table", dest="fmt",
                   help="Output format (default table).")
    q.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS,
                   help=f"Row cap; more rows are cut and reported as truncated (default {DEFAULT_MAX_ROWS}).")
    q.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help=f"Seconds before the query is stopped (default {DEFAULT_TIMEOUT_S:g}).")
    q.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")
    q.add_argument("--user", help="Act as this user (password from SI_PASSWORD or asked): --seller must be among "
                                  "their stores. Default: the machine's operator.")
    return q


def parse_params(items: list[str]) -> dict[str, str]:
    """['from=2026-10-01', 'name=x'] -> {'from': '2026-10-01', 'name': 'x'}; raises ValueError."""
    params: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param expects NAME=VALUE, got '{item}'")
        name, value = item.split("=", 1)
        name = name.strip().lstrip("$")
        if not name.replace("_", "").isalnum():
            raise ValueError(f"--param name '{name}' must be letters, digits and _ (as in ${name or 'name'})")
        params[name] = value
    return params


def _read_sql(args: argparse.Namespace) -> str:
    sources = [s for s in (args.sql_text, args.sql, args.file) if s is not None]
    if len(sources) != 1:
        raise ValueError("give the query exactly once: as an argument, with --sql TEXT, or with --file FILE")
    if args.file is None:
        return args.sql if args.sql is not None else args.sql_text
    if args.file == "-":
        return sys.stdin.read()
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path} is neither UTF-8 nor CP949 text")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    plain = _plain(value)
    if isinstance(plain, (dict, list)):
        return json.dumps(plain, ensure_ascii=False)
    return str(plain)


def _print_result(frame: pl.DataFrame, fmt: str, truncated: bool, cap: int) -> None:
    if fmt == "json":
        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
        print(json.dumps({"columns": frame.columns, "rows": rows, "row_count": frame.height,
                          "truncated": truncated, "max_rows": cap}, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.iter_rows():
            writer.writerow([_cell(v) for v in row])
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_hide_dataframe_shape=True,
                       tbl_width_chars=200):
            print(frame)
        print(f"{frame.height} row(s)")
    if truncated:
        print(f"note: the result was cut at {cap} rows (--max-rows); there are more.", file=sys.stderr)


def run_query_command(args: argparse.Namespace) -> int:
    """`python -m data query`: print the result, or a plain message and a non-zero exit."""
    try:
        sql = _read_sql(args)
        params = parse_params(args.param)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    sellers = [s.strip() for s in args.seller.split(",") if s.strip()]
    if not sellers:
        print("error: --seller needs a seller id", file=sys.stderr)
        return EXIT_REFUSED
    if args.max_rows < 1 or not args.timeout > 0:
        print("error: --max-rows must be at least 1 and --timeout more than 0", file=sys.stderr)
        return EXIT_REFUSED
    if args.user:
        from data import users

        try:
            user = users.cli_user(args.user)
        except (PermissionError, users.UsersFileError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        refused = [s for s in sellers if not user.may_see(s)]
        if refused:
            print(f"error: {user.username!r} may not see store {', '.join(repr(s) for s in refused)}.",
                  file=sys.stderr)
            return EXIT_REFUSED
    path = Path(args.db) if args.db else default_path()
    try:
        wh = Warehouse(path, read_only=True)
    except WarehouseBusyError as exc:
        holder = str(exc).split(". Stop it first")[0]
        print(f"error: {holder}. A shell query opens the warehouse read-only, which DuckDB does not allow while "
              "another process holds it read-write. Run the query on the app's Explore page, or stop the "
              "server and try again.", file=sys.stderr)
        return EXIT_REFUSED
    try:
        known = {r[0] for r in wh.cursor().execute("SELECT seller_id FROM sellers").fetchall()}
        unknown = [s for s in sellers if s not in known]
        if unknown:
            print(f"error: no seller {', '.join(repr(s) for s in unknown)} in {path}. "
                  f"Sellers: {', '.join(sorted(known)) or '(none)'}", file=sys.stderr)
            return EXIT_REFUSED
        scoped = ScopedWarehouse(wh, Scope.sellers(sellers))
        try:
            result = Sandbox(scoped).run(sql, params, timeout_s=args.timeout, max_rows=args.max_rows)
        except QueryRefused as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        except QueryTimeout as exc:
            print(f"stopped: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except QueryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
        _print_result(result.frame, args.fmt, result.truncated, result.max_rows)
        scoped.close()
        return 0
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        wh.close()
