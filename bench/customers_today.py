"""Benchmark: the customer base after new orders of today, with the kept history vs read afresh (run on demand).

    .venv/bin/python bench/customers_today.py --db bench/out/demo_scale100_s8.duckdb --repeat 5
    .venv/bin/python bench/customers_today.py --new-day --repeat 3   # the first computation of a new local day

The customers page, report and digest share one customer base per data version (analytics/customers.py): after a
pushed order it is computed again. With the kept history (`_purchase_days_with_history`), only today's orders are
read and merged into the purchase days of the days before, and the backtest's calibration summary is kept; read
afresh, every order is scanned again. The bench store's clock runs on: its orders after the store's "now" play the
pushed orders. Rounds alternate: read afresh at now + (2k - 1) steps, then with the history at now + 2k steps
(--step-minutes), each with the orders up to then, so each one with new orders refits the model on a changed
summary (the backtest's calibration fit, which today's orders do not change, is cached for both). Prints
each side's median and, at the end, checks that the last computation with the history equals one read afresh.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from analytics import customers  # noqa: E402
from analytics.period import report_period  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

NOW = "2026-11-20T05:00:00"


def frames(base) -> tuple:
    return (base.daily, base.scored, base.cohorts, base.model_status, base.model_params, base.backtest,
            customers.predict_customers(base.scored, base.models, 365))


def same(a, b) -> bool:
    if isinstance(a, pl.DataFrame):
        return a.equals(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "demo_scale100_s8.duckdb"))
    parser.add_argument("--seller", default="petshop_kr")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--step-minutes", type=int, default=10, help="Long enough for new orders in every step.")
    parser.add_argument("--new-day", action="store_true",
                        help="Time the first computation of a new local day instead: the kept history of an hour "
                             "before midnight rolled over vs read afresh (fits not cached for either).")
    args = parser.parse_args()
    wh = Warehouse(args.db, read_only=True)
    try:
        period = report_period(wh, args.seller, as_of=NOW)
        tz, now = period.timezone, period.as_of_utc

        def base_at(steps: int):
            return customers._customer_base(wh, args.seller, tz, now + timedelta(minutes=steps * args.step_minutes),
                                            customers.MIN_REPEAT_CUSTOMERS)

        def orders_before(steps: int) -> int:
            return wh.scalar("SELECT count(*) FROM orders WHERE seller_id = $s AND ordered_at < $t",
                             {"s": args.seller, "t": now + timedelta(minutes=steps * args.step_minutes)})

        base_at(0)                                            # warm the file pages and the calibration fit
        if args.new_day:
            return new_day(wh, args, tz, customers.last_observed_day(tz, now))
        afresh, kept, new_orders = [], [], []
        for k in range(1, args.repeat + 1):
            customers.forget_histories()
            t0 = time.perf_counter()
            base_at(2 * k - 1)
            afresh.append(time.perf_counter() - t0)
            reused = customers.history_stats["reused"]
            t0 = time.perf_counter()
            last = base_at(2 * k)
            kept.append(time.perf_counter() - t0)
            assert customers.history_stats["reused"] == reused + 1, "the kept history was not used"
            new_orders.append(orders_before(2 * k) - orders_before(2 * k - 1))
            print(f"round {k}: read afresh {afresh[-1]:.3f} s, with the kept history {kept[-1]:.3f} s "
                  f"({new_orders[-1]} new orders)", flush=True)
        customers.forget_histories()
        check = base_at(2 * args.repeat)
    finally:
        wh.close()
    m_afresh, m_kept = statistics.median(afresh), statistics.median(kept)
    print(f"{args.seller}: customer base after new orders of today, median of {args.repeat}: read afresh "
          f"{m_afresh:.3f} s, with the kept history {m_kept:.3f} s ({m_afresh / m_kept:.2f}x); "
          f"results equal: {same(frames(last), frames(check))}")
    return 0


def new_day(wh: Warehouse, args: argparse.Namespace, tz: str, day: date) -> int:
    """--new-day: each round reads a history at 23:00 - k minutes local time (untimed), then times the customer base
    at 01:00 + k minutes of the next local day with it (rolled over), and at one minute later read afresh. Both
    fit afresh (the fit cache is emptied): a new day moves the backtest's cutoff, so its calibration is new too."""
    midnight = customers.local_midnight_utc(tz, day)

    def base_at(at: datetime):
        return customers._customer_base(wh, args.seller, tz, at, customers.MIN_REPEAT_CUSTOMERS)

    rolled, afresh = [], []
    try:
        for k in range(1, args.repeat + 1):
            customers.forget_histories()
            base_at(midnight - timedelta(hours=1, minutes=k))
            customers._FIT_CACHE.clear()
            t0 = time.perf_counter()
            last = base_at(midnight + timedelta(hours=1, minutes=2 * k))
            rolled.append(time.perf_counter() - t0)
            assert customers.history_stats["reused"] == 1, "the kept history was not rolled over"
            customers.forget_histories()
            customers._FIT_CACHE.clear()
            t0 = time.perf_counter()
            base_at(midnight + timedelta(hours=1, minutes=2 * k + 1))
            afresh.append(time.perf_counter() - t0)
            print(f"round {k}: rolled over {rolled[-1]:.3f} s, read afresh {afresh[-1]:.3f} s", flush=True)
        customers.forget_histories()
        check = base_at(midnight + timedelta(hours=1, minutes=2 * args.repeat))
    finally:
        wh.close()
    m_rolled, m_afresh = statistics.median(rolled), statistics.median(afresh)
    print(f"{args.seller}: customer base an hour into {day}, median of {args.repeat}: read afresh {m_afresh:.3f} s, "
          f"the history of 23:00 rolled over {m_rolled:.3f} s ({m_afresh / m_rolled:.2f}x); "
          f"results equal: {same(frames(last), frames(check))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
