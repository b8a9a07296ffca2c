"""Benchmark: the morning alert sweep over many sellers (issue 4 target: 10,000 sellers x 5 metrics x one year of
daily data plus today's intraday data in under 2 minutes on 2 cores), and the speed-up over fitting statsmodels'
ExponentialSmoothing per series (the same model and fixed parameters, alerts.detect.fit_baseline_statsmodels).

    .venv/bin/python -m bench.alerts_sweep                       # 10,000 sellers, statsmodels timed on 300 series
    .venv/bin/python -m bench.alerts_sweep --sellers 2000 --naive-sample 100

Series are generated (alerts.synthetic's daily shop kinds are too slow to build 50,000 of): per seller a level,
weekly pattern, yearly wave, Poisson/lognormal noise, a few outages; today's intraday is 8 weeks x 24 hours of
the same weekday plus today's hours. The detector reads arrays: the warehouse read is not part of this figure.
Prints medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts import detect  # noqa: E402

METRICS = ("revenue", "orders", "sessions", "conversion", "aov")


def generate(sellers: int, days: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(daily (sellers*5, days), calendar flags (days,), intraday history (sellers, 8, 24), today (sellers, 24))."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = np.array([1.0, 0.95, 0.97, 1.0, 1.1, 1.25, 0.8])
    level = rng.lognormal(np.log(40), 1.0, sellers)[:, None]
    wave = 1 + 0.15 * np.sin(2 * np.pi * (t[None, :] + rng.integers(0, 365, sellers)[:, None]) / 365)
    mean_orders = level * weekly[t % 7][None, :] * wave
    orders = rng.poisson(mean_orders).astype(float)
    sessions = rng.poisson(mean_orders * rng.uniform(25, 60, (sellers, 1))).astype(float)
    aov = rng.lognormal(np.log(30000), 0.25, (sellers, days))
    revenue = orders * aov
    outage = rng.random((sellers, days)) < 0.003
    orders[outage], revenue[outage], sessions[outage] = 0, 0, 0
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.where(sessions > 0, orders / sessions, np.nan)
        avg = np.where(orders > 0, revenue / orders, np.nan)
    daily = np.concatenate([revenue, orders, sessions, conversion, avg])
    start = date(2025, 11, 21)
    flags = detect.korean_calendar_flags([start + timedelta(days=int(i)) for i in t])
    hourly_share = np.r_[np.full(8, 0.01), np.full(16, 0.92 / 16)]
    day_total = rng.poisson(np.repeat(level, 9, axis=1) * 1.0) * 30000.0
    hours = day_total[:, :, None] * hourly_share[None, None, :] * rng.lognormal(0, 0.3, (sellers, 9, 24))
    cumulative = np.cumsum(hours, axis=2)
    return daily, flags, cumulative[:, :8, :], cumulative[:, 8, :]


def sweep(daily: np.ndarray, flags: np.ndarray, intraday_history: np.ndarray, today: np.ndarray,
          persistence_days: int = 3) -> tuple[int, int]:
    """What the morning job does per series: the last 3 days' checks (N-of-M persistence) and, per seller,
    the intraday check at 14:00. Returns (daily alerts at warning or worse, intraday alerts)."""
    days = daily.shape[1]
    last = None
    for back in range(persistence_days - 1, -1, -1):
        last = detect.check_daily_batch(daily[:, :days - back], flags[:days - back])
    daily_alerts = int(np.isin(last.severity, ("warning", "critical")).sum())
    intraday_alerts = 0
    for s in range(today.shape[0]):
        check = detect.check_intraday(today[s], intraday_history[s], 13)
        intraday_alerts += check.severity in ("warning", "critical")
    return daily_alerts, intraday_alerts


def naive_statsmodels(daily: np.ndarray, flags: np.ndarray, sample: int) -> float:
    """Seconds per series for statsmodels' per-series fit of the same baseline (last day only, no persistence)."""
    rows = np.linspace(0, daily.shape[0] - 1, sample).astype(int)
    t0 = time.perf_counter()
    for r in rows:
        detect.fit_baseline_statsmodels(daily[r], flags)
    return (time.perf_counter() - t0) / sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sellers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=300, help="Series fitted one by one by statsmodels.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    daily, flags, history, today = generate(args.sellers, args.days, args.seed)
    series = daily.shape[0]
    print(f"{args.sellers:,} sellers x {len(METRICS)} metrics = {series:,} daily series x {args.days} days "
          f"+ {args.sellers:,} intraday checks")
    times, found = [], (0, 0)
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = sweep(daily, flags, history, today)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    batch_once = detect.check_daily_batch  # one pass, for the per-series figure comparable with statsmodels
    t0 = time.perf_counter()
    batch_once(daily, flags)
    one_pass = time.perf_counter() - t0
    per_naive = naive_statsmodels(daily, flags, args.naive_sample)
    print(f"sweep (3-day persistence + intraday): median {med:.2f} s of {args.repeat} "
          f"(min {min(times):.2f}, max {max(times):.2f}); target < 120 s; "
          f"{found[0]:,} daily and {found[1]:,} intraday alerts at warning or worse")
    print(f"one daily pass: {one_pass:.2f} s = {one_pass / series * 1e6:.0f} us per series")
    print(f"statsmodels per series: {per_naive * 1e3:.2f} ms (mean of {args.naive_sample}) -> "
          f"{per_naive * series:.0f} s for {series:,} series; speed-up {per_naive * series / one_pass:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
