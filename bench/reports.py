"""Benchmark: each report's median and p95 time vs bare SQL reading the same rows, on a large demo store.

    python bench/reports.py                       # builds bench/out/demo_scale100.duckdb (~10M lines) if missing
    python bench/reports.py --scale 10 --repeat 5 # a smaller store (~1M order lines)

Prints, per report: median and p95 of `run_report` after one warm-up run, cold (analytics.result_cache emptied
before each run: the first request after a data change), warm (cache kept: page reruns on unchanged data) and
next minute (cache kept, the clock one minute later each run, no new data: a page's first run in a new minute,
whose windows end at that minute, without the scheduler's warm-up),
the median of a bare SQL query that reads the same rows (same tables, seller and window; each cold run is followed
by a bare run, so both see the machine in the same state), and the ratios
(target <= 1.5x, p95 < 1 s); then the median time to write the warm report as `--json` does (to /dev/null).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import result_cache  # noqa: E402
from analytics.period import report_period  # noqa: E402
from analytics.reports import available_reports, run_report, write_json  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

NOW = "2026-11-20T05:00:00"

# The rows each report reads, as one bare aggregate per table over the report's window ($start/$end UTC).
_ITEMS = ("SELECT count(*), sum(quantity * unit_price) FROM order_items "
          "WHERE seller_id = $seller AND ordered_at >= $start AND ordered_at < $end")
_ORDERS = ("SELECT count(*), count(DISTINCT customer_id) FROM orders "
           "WHERE seller_id = $seller AND ordered_at >= $start AND ordered_at < $end")
_SESSIONS = ("SELECT count(*), count(order_id), count(DISTINCT search_keyword) FROM sessions "
             "WHERE seller_id = $seller AND started_at >= $start AND started_at < $end")
_ADS = ("SELECT count(*), sum(cost), sum(conversion_revenue) FROM ad_stats "
        "WHERE seller_id = $seller AND stat_date >= $start::DATE AND stat_date < $end::DATE")
_RETURNS = ("SELECT count(*), sum(amount) FROM returns "
            "WHERE seller_id = $seller AND returned_at >= $start AND returned_at < $end")
_INVENTORY = "SELECT count(*), sum(on_hand) FROM inventory WHERE seller_id = $seller AND snapshot_date >= $start::DATE"
_ALL_ORDERS = "SELECT count(*), count(DISTINCT customer_id), max(ordered_at) FROM orders WHERE seller_id = $seller"
_ALL_ITEMS = ("SELECT count(*), sum(quantity * unit_price - discount) FROM order_items "
              "WHERE seller_id = $seller AND ordered_at < $end")
_PRODUCTS = "SELECT count(*), count(unit_cost) FROM products WHERE seller_id = $seller"

# Every table a report reads, over the same window (the customers model reads every order up to the end).
BARE: dict[str, tuple[str, ...]] = {
    "kpis": (_ITEMS, _ORDERS, _SESSIONS),
    "realtime": (_ITEMS, _ORDERS, _SESSIONS),
    "products": (_ITEMS, _ORDERS, _RETURNS, _INVENTORY, _ADS, _SESSIONS, _PRODUCTS),
    "traffic": (_SESSIONS, _ORDERS, _ITEMS),
    "keywords": (_SESSIONS, _ORDERS, _ITEMS, _PRODUCTS),
    "ads": (_ADS, _ITEMS, _ORDERS, _PRODUCTS),
    "customers": (_ALL_ORDERS, _ALL_ITEMS),
    "digest": (_ITEMS, _ORDERS, _SESSIONS, _ADS, _RETURNS, _INVENTORY, _ALL_ORDERS, _ALL_ITEMS, _PRODUCTS),
}


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="Warehouse to use (default bench/out/demo_scale<scale>.duckdb).")
    parser.add_argument("--scale", type=float, default=100, help="Demo scale when the store must be built.")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seller", default="petshop_kr")
    parser.add_argument("--reports", nargs="*", help="Only these reports.")
    args = parser.parse_args()

    db = args.db or ROOT / "bench" / "out" / f"demo_scale{args.scale:g}.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        build_demo(db, seed=42, scale=args.scale, now=NOW)
        print(f"built {db} in {time.perf_counter() - t0:.0f} s")
    wh = Warehouse(db, read_only=True)
    lines = wh.scalar("SELECT count(*) FROM order_items")
    seller_lines = wh.scalar("SELECT count(*) FROM order_items WHERE seller_id = ?", [args.seller])
    print(f"warehouse {db.name}: {lines:,} order lines ({seller_lines:,} for {args.seller}); "
          f"median of {args.repeat} after one warm-up run")
    period = report_period(wh, args.seller, as_of=NOW)
    window = {"seller": args.seller, "start": period.previous().start_utc, "end": period.end_utc}
    print("cold = analytics.result_cache emptied before each run (the first request after a data change);\n"
          "warm = cache kept (page reruns and reports on unchanged data); ratios are cold and warm vs bare SQL")
    print(f"{'report':<10} {'cold med':>9} {'cold p95':>9} {'warm med':>9} {'warm p95':>9} {'next min':>9} "
          f"{'bare SQL':>9} {'cold/bare':>9} {'warm/bare':>9} {'json out':>9}")
    for name in args.reports or available_reports():
        run_report(wh, name, period)  # warm-up: imports, DuckDB caches

        def cold(n: str = name) -> None:
            result_cache.clear()
            run_report(wh, n, period)

        def bare(n: str = name, cur=wh.cursor()) -> None:  # noqa: B008 - one cursor for every timed run
            for q in BARE[n]:
                cur.execute(q, {k: v for k, v in window.items() if f"${k}" in q}).fetchall()

        bare()
        cold_times, floor = [], []
        for _ in range(args.repeat):      # alternated, so a machine slowing down moves both sides of the ratio
            cold_times += timed(cold, 1)
            floor += timed(bare, 1)
        run_report(wh, name, period)
        ours = timed(lambda n=name: run_report(wh, n, period), args.repeat)
        later = []
        for k in range(1, args.repeat + 1):
            moved = report_period(wh, args.seller, as_of=period.as_of_utc + timedelta(minutes=k))
            later += timed(lambda n=name, p=moved: run_report(wh, n, p), 1)
        result = run_report(wh, name, period)
        with open(os.devnull, "wb") as sink:
            writing = timed(lambda r=result, out=sink: write_json(r, out), args.repeat)
        c, m, f = statistics.median(cold_times), statistics.median(ours), statistics.median(floor)
        print(f"{name:<10} {c:>8.3f}s {p95(cold_times):>8.3f}s {m:>8.3f}s {p95(ours):>8.3f}s "
              f"{statistics.median(later):>8.3f}s {f:>8.3f}s "
              f"{c / f:>8.1f}x {m / f:>8.1f}x {statistics.median(writing):>8.3f}s", flush=True)
    wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
