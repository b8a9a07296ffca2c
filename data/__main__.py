"""Command line: python -m data demo | ingest | info | rollups | query."""

from __future__ import annotations

import argparse
import sys

from data.warehouse import WarehouseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data", description="Seller Insights warehouse tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="Build the demo warehouse (several sellers, one year, injected incidents).")
    demo.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")
    demo.add_argument("--seed", type=int, default=42, help="Random seed (same seed, same store). Default 42.")
    demo.add_argument("--scale", type=float, default=1.0,
                      help="Volume multiplier; about 10 reaches ~1M order lines, 100 about 10M. Default 1.")
    demo.add_argument("--days", type=int, default=365, help="Days of history up to now. Default 365.")
    demo.add_argument("--now", help="Pretend 'now' is this UTC timestamp (ISO), for reproducible stores.")
    demo.add_argument("--force", action="store_true", help="Replace demo sellers' data if it exists.")

    ing = sub.add_parser("ingest", help="Load files into the warehouse.")
    ing.add_argument("files", nargs="+", metavar="FILE", help="CSV (UTF-8 or CP949/EUC-KR), Parquet or .xlsx files.")
    ing.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")
    ing.add_argument("--seller", required=True, help="Seller id the rows belong to (created if new).")
    ing.add_argument("--kind", required=True,
                     help="orders, returns, sessions, traffic_stats, ad_stats, inventory or products.")
    ing.add_argument("--format", default="auto", dest="fmt",
                     help="auto (default), canonical, shopify, online_retail, smartstore, coupang, naver_searchad, "
                          "google_ads, meta_ads, coupang_ads or mapped.")
    ing.add_argument("--map", dest="mapping", default=None,
                     help="Column mapping TARGET=SOURCE,... (implies --format mapped unless given).")
    ing.add_argument("--skip-invalid", action="store_true",
                     help="Load the valid rows and set invalid ones aside (rejects file + load log).")
    ing.add_argument("--password", nargs="?", const="", default=None, metavar="PASSWORD",
                     help="Password of a password-protected .xlsx (e.g. a Smart Store order download). Without a "
                          "value it is asked for (not echoed, and not left in the shell history).")
    ing.add_argument("--json", action="store_true", help="Print the load results as JSON.")
    ing.add_argument("--timezone", help="Time zone of a NEW seller (IANA name, e.g. Europe/London; default "
                                        "SI_TIMEZONE). Times without an offset in the file are read in it.")
    ing.add_argument("--currency", help="Currency of a NEW seller (e.g. GBP; default: the file's, else KRW).")
    ing.add_argument("--name", help="Display name of a NEW seller (default: the seller id).")

    info = sub.add_parser("info", help="Show tables, row counts, freshness and the latest loads.")
    info.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")

    rollup = sub.add_parser("rollups", help="Recompute the hourly rollups reports read (or --check them).")
    rollup.add_argument("--db", help="Warehouse file (default: the SI_DB_PATH setting).")
    rollup.add_argument("--seller", help="Only this seller (default: every seller).")
    rollup.add_argument("--check", action="store_true",
                        help="Only compare each rollup with its raw rows; exit 1 when one is out of step.")

    from data.query_cli import add_query_parser
    add_query_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from data.demo import run_demo_command
            return run_demo_command(args)
        if args.command == "ingest":
            from data.ingest_cli import run_ingest_command
            return run_ingest_command(args)
        if args.command == "info":
            from data.ingest_cli import run_info_command
            return run_info_command(args)
        if args.command == "rollups":
            from data.rollups import run_rollups_command
            return run_rollups_command(args)
        if args.command == "query":
            from data.query_cli import run_query_command
            return run_query_command(args)
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written by the unfinished step", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
