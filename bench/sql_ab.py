"""Benchmark: one analytics SQL file at a git revision vs the working tree, side by side on one warehouse.

    .venv/bin/python bench/sql_ab.py traffic_period_session_counts --rev HEAD~1 --db bench/out/demo_scale100.duckdb
    .venv/bin/python bench/sql_ab.py customers_purchase_days --rev HEAD --whole-history

Both texts are expanded for the rollups as run_sql does (data/rollups.py: pending loads and coverage) and run
alternately `--repeat` times for one seller's default report period (30 days up to --as-of, and the 30 before);
prints both medians and whether the two results are equal.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from polars.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.period import report_period  # noqa: E402
from data import rollups  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="analytics/sql/<name>.sql")
    parser.add_argument("--rev", default="HEAD~1", help="git revision of the other version")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "demo_scale100.duckdb")
    parser.add_argument("--seller", default="petshop_kr")
    parser.add_argument("--as-of", default="2026-11-20T05:00:00")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--whole-history", action="store_true",
                        help="start_utc at the beginning of time, as the customers report's SQL reads")
    args = parser.parse_args()

    old = subprocess.run(["git", "show", f"{args.rev}:analytics/sql/{args.name}.sql"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    new = (ROOT / "analytics" / "sql" / f"{args.name}.sql").read_text(encoding="utf-8")
    wh = Warehouse(args.db, read_only=True)
    period = report_period(wh, args.seller, as_of=args.as_of)
    previous = period.previous()
    candidates = {"seller_id": args.seller, "start_utc": period.start_utc, "end_utc": period.end_utc,
                  "previous_start_utc": previous.start_utc, "previous_end_utc": previous.end_utc,
                  "scan_start_utc": previous.start_utc, "scan_end_utc": period.as_of_utc,
                  "as_of_utc": period.as_of_utc, "tz": period.timezone}
    if args.whole_history:
        candidates |= {"start_utc": datetime(1, 1, 1), "end_utc": period.as_of_utc}   # customers.EPOCH

    # as analytics.queries.run_sql reads the rollups (the whole-history check once, then the pending marks only)
    checked = rollups.Checked({}, wh.data_version_of(args.seller, ()),
                              marks=wh.schema_at_open >= rollups.PENDING_SCHEMA)

    def run(text: str):
        code = re.sub(r"--[^\n]*", "", text)                # parameters named in comments are not passed
        wanted = {k for k in candidates if f"${k}" in code}
        for m in rollups._PLACEHOLDER.finditer(text):        # what expand_sql reads for each rollup placeholder
            prefix = m.group(2) or ""
            wanted |= {"seller_id", f"{prefix}start_utc", f"{prefix}end_utc"}
        params = {k: candidates[k] for k in wanted}
        cur = wh.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            sql, extra = rollups.expand_sql(cur, text, params, checked)
            return cur.sql(sql, params={**params, **extra}).pl()
        finally:
            cur.execute("ROLLBACK")

    times: dict[str, list[float]] = {args.rev: [], "working tree": []}
    for _ in range(args.repeat):
        for label, text in ((args.rev, old), ("working tree", new)):
            t0 = time.perf_counter()
            run(text)
            times[label].append(time.perf_counter() - t0)
    a, b = run(old), run(new)
    try:
        assert_frame_equal(a.sort(a.columns), b.sort(b.columns), check_exact=False, rel_tol=1e-12)
        same = "equal"
    except AssertionError as exc:
        same = f"DIFFERENT: {str(exc).splitlines()[0]}"
    print(f"{args.name} on {args.db.name}, {args.seller}, median of {args.repeat} alternating runs")
    for label, values in times.items():
        print(f"  {label:<14} {statistics.median(values):.3f} s")
    print(f"  results: {same}")
    wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
