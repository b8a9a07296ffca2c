"""Benchmark: the reorder advice's first computation of a day (no seasonal-model fit cached in the process).

    .venv/bin/python bench/reorder_first_view.py --db bench/out/demo_scale100_s8.duckdb
    .venv/bin/python bench/reorder_first_view.py --code /tmp/old ...   # another checkout (git worktree add /tmp/old REV)

The advice is cached per seller, local day and data version, and the seasonal-model fits per series, so a page
pays the fits once a day (the morning checks usually do). For every seller, times product_forecast._reorder_advice
with the fit caches emptied before each run (cold) and kept (fits cached: what a new order during the day costs),
and prints the medians with the number of fits the cold run made. "fits cached" keeps the replayed forecasts'
scores too (product_forecast._REPLAY_CACHE: they read complete past days only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/reorder_first_view.py")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "demo_scale100_s8.duckdb")
    parser.add_argument("--code", type=Path, default=ROOT, help="project checkout whose analytics to run")
    parser.add_argument("--as-of", default="2026-11-20T05:00:00")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from datetime import datetime

    from analytics import product_forecast as pf
    from data.warehouse import Warehouse

    wh = Warehouse(args.db, read_only=True)
    as_of = datetime.fromisoformat(args.as_of)
    print(f"code: {args.code.resolve()}; {args.db.name} as of {args.as_of}")
    print(f"{'seller':<12}{'products':>9}{'fits':>6}{'cold':>9}{'fits cached':>13}")
    for seller, tz in wh.cursor().execute("SELECT seller_id, timezone FROM sellers ORDER BY 1").fetchall():
        cold, warm, fits, rows = [], [], 0, 0
        for _ in range(args.repeat):
            pf._ETS_CACHE.clear()
            getattr(pf, "_REPLAY_CACHE", {}).clear()
            t0 = time.perf_counter()
            rows = pf._reorder_advice(wh, seller, tz, as_of).height
            cold.append(time.perf_counter() - t0)
            fits = len(pf._ETS_CACHE)
            t0 = time.perf_counter()
            pf._reorder_advice(wh, seller, tz, as_of)
            warm.append(time.perf_counter() - t0)
        print(f"{seller:<12}{rows:>9}{fits:>6}{statistics.median(cold):>8.2f}s{statistics.median(warm):>12.2f}s")
    wh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
