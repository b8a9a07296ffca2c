"""Benchmark: the customer base after new orders, with the kept history vs read afresh (run on demand).

    .venv/bin/python bench/customers_today.py --db bench/out/demo_scale100_s8.duckdb --repeat 5
    .venv/bin/python bench/customers_today.py --new-day --repeat 3   # the first computation of a new local day

The customers page, report and digest share one customer base per data version (analytics/customers.py): after a
pushed order it is computed again. With the kept history (`_purchase_days_with_history`), only today's orders are
read and merged into the purchase days of the days before, and the backtest's calibration summary is kept; read
afresh, every order is scanned again. The bench store's clock runs on: its orders after the store's "now" play the
pushed orders. Each round reads a history at one clock (untimed), then times the customer base with it at a later
clock, then read afresh at a clock later still, each with the orders up to then, so each one with new orders
refits the model on a changed summary:
- default: clocks --step-minutes apart from the store's now; the backtest's calibration fit, which today's orders
  do not change, stays cached for both;
- --new-day: the history read at 23:00 - k minutes local time, the timed ones at 01:00 + 2k and 2k + 1 minutes of
  the next local day (the history rolls over); both fit afresh (the fit cache is emptied), since a new day moves
  the backtest's cutoff.
Prints each side's median and whether the last computation with the history equals one read afresh.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import customers  # noqa: E402
from analytics.period import report_period  # noqa: E402
from bench.customers_ab import equal  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

NOW = "2026-11-20T05:00:00"


def frames(base) -> tuple:
    return (base.daily, base.scored, base.cohorts, base.model_status, base.model_params, base.backtest,
            customers.predict_customers(base.scored, base.models, 365))


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

        def base_at(at: datetime):
            return customers._customer_base(wh, args.seller, tz, at, customers.MIN_REPEAT_CUSTOMERS)

        base_at(now)                                          # warm the file pages and the calibration fit
        if args.new_day:
            midnight = customers.local_midnight_utc(tz, customers.last_observed_day(tz, now))
            clocks = [(midnight - timedelta(hours=1, minutes=k), midnight + timedelta(hours=1, minutes=2 * k),
                       midnight + timedelta(hours=1, minutes=2 * k + 1)) for k in range(1, args.repeat + 1)]
            what = f"an hour into a new local day ({midnight} UTC), the history of 23:00 rolled over"
        else:
            step = timedelta(minutes=args.step_minutes)
            clocks = [(now + (3 * k - 2) * step, now + (3 * k - 1) * step, now + 3 * k * step)
                      for k in range(1, args.repeat + 1)]
            what = "after new orders of today, with the kept history"
        kept, afresh, last, check = rounds(wh, args.seller, base_at, clocks, clear_fits=args.new_day)
    finally:
        wh.close()
    m_kept, m_afresh = statistics.median(kept), statistics.median(afresh)
    print(f"{args.seller}: customer base {what}, median of {args.repeat}: read afresh {m_afresh:.3f} s, with the "
          f"history {m_kept:.3f} s ({m_afresh / m_kept:.2f}x); results equal: "
          f"{all(equal(a, b) for a, b in zip(frames(last), frames(check), strict=True))}")
    return 0


def rounds(wh: Warehouse, seller: str, base_at: Callable[[datetime], object],
           clocks: list[tuple[datetime, datetime, datetime]], clear_fits: bool) -> tuple:
    """Per (history read, timed with it, timed read afresh) clocks: the two times; then the last base computed
    with the history and the same clock's base read afresh (for the equality check)."""
    kept, afresh, last = [], [], None
    for k, (read_at, kept_at, afresh_at) in enumerate(clocks, start=1):
        customers.forget_histories()
        base_at(read_at)
        if clear_fits:
            customers._FIT_CACHE.clear()
        t0 = time.perf_counter()
        last = base_at(kept_at)
        kept.append(time.perf_counter() - t0)
        assert customers.history_stats == {"reused": 1, "read": 1}, "the kept history was not used"
        customers.forget_histories()
        if clear_fits:
            customers._FIT_CACHE.clear()
        t0 = time.perf_counter()
        base_at(afresh_at)
        afresh.append(time.perf_counter() - t0)
        new_orders = wh.scalar("SELECT count(*) FROM orders WHERE seller_id = $s AND ordered_at >= $a AND "
                               "ordered_at < $b", {"s": seller, "a": read_at, "b": kept_at})
        print(f"round {k}: with the history {kept[-1]:.3f} s ({new_orders} orders since it was read), "
              f"read afresh {afresh[-1]:.3f} s", flush=True)
    customers.forget_histories()
    return kept, afresh, last, base_at(clocks[-1][1])


if __name__ == "__main__":
    sys.exit(main())
