"""Benchmark: is the real-time page's end-of-day forecast right, and is its 80% interval honest?

    .venv/bin/python bench/pace_eval.py                         # builds demo stores (seeds 42, 7, 3) in a temp folder
    .venv/bin/python bench/pace_eval.py --db warehouse/seller_insights.duckdb --days 90 --hours 10 14 18

Replays analytics.realtime.pace_forecast (backtest_pace_forecast: each day with only the days before it) at
several local clock times on each of the last --days days before the first injected incident of each store
(demo_incidents; the demo's ordinary days), and prints per store and hour: the share of days whose actual close
fell inside the 80% interval (honest: about 80%) and, per hour, the interval's median width log(upper / lower); the median and 90th percentile of |log(forecast / actual)|,
and the same errors for two simpler forecasts on the same days: pro rata (revenue so far ÷ the weekday's usual
share of the day by that hour) and the usual day (median total of the previous same weekdays).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.realtime import backtest_pace_forecast, hourly_by_day, pace_forecast  # noqa: E402
from analytics.sellers import local_today  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def evaluate(wh: Warehouse, days: int, hours: list[float]) -> list[dict[str, object]]:
    rows = []
    now = wh.scalar("SELECT max(ordered_at) FROM orders")
    for seller, tz in wh.cursor().execute("SELECT seller_id, timezone FROM sellers ORDER BY 1").fetchall():
        first_incident = wh.scalar("SELECT min(starts_at) FROM demo_incidents WHERE seller_id = ? "
                                   "AND incident <> 'unmet_keyword'", [seller])
        last = local_today(tz, first_incident or now) - timedelta(days=1)       # the last ordinary day
        first_day = wh.scalar("SELECT min(ordered_at) FROM orders WHERE seller_id = ?", [seller]).date()
        hourly = hourly_by_day(wh, seller, tz, first_day, last)
        evaluated = [last - timedelta(days=k) for k in range(days - 1, -1, -1)]
        for hour in hours:
            bt = backtest_pace_forecast(hourly, evaluated, hour)
            if bt.height == 0:
                continue
            ours = [abs(math.log(max(c, 1e-9) / a)) for c, a in zip(bt["close"], bt["actual_close"], strict=True)
                    if a > 0]
            pro_rata, usual = [], []
            for r in bt.iter_rows(named=True):
                if r["actual_close"] <= 0:
                    continue
                f = pace_forecast(hourly.filter(pl.col("local_date") < r["local_date"]), r["local_date"], hour,
                                  r["so_far"])
                share = f["share_of_day"]
                if share:
                    pro_rata.append(abs(math.log(max(r["so_far"] / share, 1e-9) / r["actual_close"])))
                usual.append(abs(math.log(max(r["usual_total"], 1e-9) / r["actual_close"])))
            widths = [math.log(hi / lo) for lo, hi in zip(bt["lower"], bt["upper"], strict=True) if lo > 0]
            rows.append({"seller": seller, "hour": hour, "days": bt.height, "coverage": float(bt["covered"].mean()),
                         "width": statistics.median(widths) if widths else None,
                         "ours_median": statistics.median(ours), "ours_p90": _quantile(ours, 0.9),
                         "pro_rata_median": statistics.median(pro_rata) if pro_rata else None,
                         "pro_rata_p90": _quantile(pro_rata, 0.9) if pro_rata else None,
                         "usual_median": statistics.median(usual), "usual_p90": _quantile(usual, 0.9)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/pace_eval.py")
    parser.add_argument("--db", type=Path, action="append", help="A demo warehouse (repeatable; default: build "
                                                                  "seeds 42, 7 and 3 at scale 1).")
    parser.add_argument("--days", type=int, default=90, help="Ordinary days evaluated per store.")
    parser.add_argument("--hours", type=float, nargs="+", default=[10, 14, 18, 21], help="Local clock times.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        stores = list(args.db or [])
        for seed in ((42, 7, 3) if not stores else ()):
            path = Path(tmp) / f"demo_{seed}.duckdb"
            build_demo(path, seed=seed, scale=1, now="2026-12-04T05:00:00")
            stores.append(path)
        print(f"{'store':<18}{'seller':<12}{'hour':>5}{'days':>6}{'in 80%':>8}   |log error| median / p90: "
              f"{'ours':>13}{'pro rata':>15}{'usual day':>15}")
        coverage: dict[float, list[float]] = {}
        width: dict[float, list[float]] = {}
        for path in stores:
            wh = Warehouse(path, read_only=True)
            for r in evaluate(wh, args.days, args.hours):
                coverage.setdefault(r["hour"], []).append(r["coverage"])
                if r["width"] is not None:
                    width.setdefault(r["hour"], []).append(r["width"])
                pr = (f"{r['pro_rata_median']:.3f} / {r['pro_rata_p90']:.3f}" if r["pro_rata_median"] is not None
                      else "–")
                print(f"{path.name:<18}{r['seller']:<12}{r['hour']:>5g}{r['days']:>6}{r['coverage']:>8.0%}   "
                      f"{'':>27}{r['ours_median']:.3f} / {r['ours_p90']:.3f}{pr:>15}"
                      f"{r['usual_median']:>8.3f} / {r['usual_p90']:.3f}")
            wh.close()
        for hour, values in sorted(coverage.items()):
            print(f"hour {hour:g}: mean coverage of the 80% interval over {len(values)} stores "
                  f"{statistics.mean(values):.0%} (min {min(values):.0%}, max {max(values):.0%}); its median width "
                  f"log(upper / lower) {statistics.mean(width.get(hour, [math.nan])):.3f} (mean over the stores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
