"""Command line: python -m alerts run | check --seller ID [--at TS] [--send] | backtest SERIES.csv."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m alerts", description="Seller Insights alerts.")
    sub = parser.add_subparsers(dest="command", required=True)

    bt = sub.add_parser("backtest", help="Score a timestamp,value CSV with the streaming detector (no look-ahead).",
                        description="Reads a CSV with a header naming 'timestamp' and 'value' (extra columns "
                                    "ignored) and writes timestamp,value,anomaly_score,is_alert to stdout.")
    bt.add_argument("series", metavar="SERIES.csv", help="Input CSV file, or - for standard input.")
    bt.add_argument("--output", "-o", help="Write the scored CSV here instead of standard output.")
    bt.add_argument("--alert-z", type=float, help="Evidence threshold (robust z) for an alert. Default 5.")
    bt.add_argument("--persistence", metavar="N/M",
                    help="Alert only when N of the last M rows are anomalous, e.g. 2/3. Default 1/1.")
    from alerts.cli import add_commands

    add_commands(sub)
    return parser


def _stream_config(args):
    from alerts.detect import StreamConfig

    changes = {}
    if args.alert_z is not None:
        if args.alert_z <= 0:
            raise ValueError("--alert-z must be positive")
        changes["alert_z"] = args.alert_z
    if args.persistence:
        try:
            n, m = (int(p) for p in args.persistence.split("/"))
        except ValueError:
            raise ValueError("--persistence must look like N/M, e.g. 2/3") from None
        if not 1 <= n <= m:
            raise ValueError("--persistence N/M needs 1 <= N <= M")
        changes.update(persistence_n=n, persistence_m=m)
    return StreamConfig(**changes)


def run_backtest_command(args) -> int:
    from alerts.backtest import BacktestInputError, run_backtest

    try:
        config = _stream_config(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.series == "-":
            source = sys.stdin
        else:
            source = open(args.series, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        print(f"error: cannot read {args.series}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                run_backtest(source, out, config)
        else:
            run_backtest(source, sys.stdout, config)
    except BacktestInputError as exc:
        print(f"error: {args.series}: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: {args.series} is not UTF-8 text", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if source is not sys.stdin:
            source.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "backtest":
        return run_backtest_command(args)
    from alerts.cli import run_command

    return run_command(args)


if __name__ == "__main__":
    raise SystemExit(main())
