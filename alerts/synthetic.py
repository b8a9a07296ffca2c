"""Deterministic generator of realistic labelled time series (daily sales, hourly ad prices, 5-minute traffic).

Used to tune and test the detector (alerts/detect.py) and by bench/alerts_eval.py. Every series comes with label
windows for the anomalies injected into it (drops, spikes, level shifts, dead stops) and, for daily series, the
holiday flags whose effect is known and must NOT be flagged. Same `kind` and `seed` -> same series.

Kinds (all return `SyntheticSeries`):
- "daily_orders"   daily counts, negative-binomial, weekly season, trend, Korean holidays (known effect), NaN days
- "daily_revenue"  daily money, lognormal around the orders pattern, same calendar
- "hourly_cpc"     hourly ad cost-per-click / CPM-like price: daily season, heavy-tailed lognormal noise, drifts
- "traffic_speed" / "traffic_occupancy" / "traffic_travel_time"
                   5-minute road sensors: rush-hour shape on weekdays, jittered and missing timestamps, gaps of
                   hours, repeated timestamps, benign single-reading glitches (unlabelled, as in real sensors)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

KINDS = ("daily_orders", "daily_revenue", "hourly_cpc", "traffic_speed", "traffic_occupancy", "traffic_travel_time")
ANOMALY_TYPES = ("drop", "spike", "level_shift", "dead_stop")


@dataclass
class AnomalyLabel:
    """One injected anomaly: rows [start_row, end_row] (inclusive) in the returned arrays and its type."""

    kind: str
    start_row: int
    end_row: int
    start: np.datetime64
    end: np.datetime64
    factor: float          # multiplicative effect (0 for dead stops)


@dataclass
class SyntheticSeries:
    """A generated series: timestamps (datetime64[s], non-decreasing), values (float, NaN = missing) and labels."""

    kind: str
    seed: int
    timestamps: np.ndarray
    values: np.ndarray
    labels: list[AnomalyLabel]
    holiday_flags: np.ndarray | None = None      # daily kinds: 1 on Korean public holidays (their effect is normal)
    holiday_factor: float | None = None
    notes: dict = field(default_factory=dict)

    def label_mask(self) -> np.ndarray:
        """Bool per row: inside an injected anomaly."""
        mask = np.zeros(len(self.values), dtype=bool)
        for lab in self.labels:
            mask[lab.start_row:lab.end_row + 1] = True
        return mask


def generate(kind: str, seed: int = 0, n: int | None = None, n_anomalies: int | None = None,
             start: str = "2025-01-01") -> SyntheticSeries:
    """One labelled series of `kind` (see module doc), deterministic in (kind, seed, n, n_anomalies, start)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    rng = np.random.default_rng([KINDS.index(kind), seed])
    if kind.startswith("daily"):
        return _daily(kind, seed, rng, n or 400, n_anomalies, start)
    if kind == "hourly_cpc":
        return _hourly(kind, seed, rng, n or 1600, n_anomalies, start)
    return _traffic(kind, seed, rng, n or 2600, n_anomalies, start)


def korean_holiday_mask(days: np.ndarray) -> np.ndarray:
    """Bool per datetime64[D] day: a Korean public holiday (holidays.KR)."""
    import holidays

    py_days = [date.fromisoformat(str(d)) for d in days.astype("datetime64[D]")]
    cal = holidays.KR(years=sorted({d.year for d in py_days}))
    return np.array([d in cal for d in py_days], dtype=bool)


# ---------------------------------------------------------------- anomaly placement

def _place(rng: np.random.Generator, n: int, k: int, min_start: int, lengths: list[int]) -> list[int]:
    """Start rows for k anomalies, after min_start, not overlapping (gap of at least n/(3k) rows between them)."""
    starts: list[int] = []
    spacing = max(n // (3 * max(k, 1)), 10)
    for length in lengths:
        for _ in range(200):
            s = int(rng.integers(min_start, max(min_start + 1, n - length - 5)))
            if all(abs(s - o) > spacing + length for o in starts):
                starts.append(s)
                break
    return sorted(starts)


def _inject(rng, base: np.ndarray, n: int, k: int, min_start: int, lengths_by_type: dict[str, tuple[int, int]],
            allowed: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[str, int, int, float]]]:
    """Multiplicative effect per row and (type, start, end, factor) for k anomalies of random allowed types."""
    types = [str(rng.choice(allowed)) for _ in range(k)]
    lengths = [int(rng.integers(*lengths_by_type[t])) for t in types]
    starts = _place(rng, n, k, min_start, lengths)
    effect = np.ones(n)
    out = []
    for typ, s, length in zip(types, starts, lengths, strict=False):
        if typ == "spike":
            f = float(rng.uniform(1.8, 4.0))
        elif typ == "drop":
            f = float(rng.uniform(0.2, 0.55))
        elif typ == "level_shift":
            f = float(rng.choice([rng.uniform(0.35, 0.65), rng.uniform(1.6, 2.5)]))
            length = n - s
        else:
            f = 0.0
        e = min(n - 1, s + length - 1)
        effect[s:e + 1] *= f
        # a level shift is labelled as its first stretch (the change point), not the whole remaining series
        out.append((typ, s, e if typ != "level_shift" else min(n - 1, s + lengths_by_type["level_shift"][0]), f))
    return effect, out


def _labels(ts: np.ndarray, raw: list[tuple[str, int, int, float]]) -> list[AnomalyLabel]:
    return [AnomalyLabel(t, s, e, ts[s], ts[e], f) for t, s, e, f in raw]


# ---------------------------------------------------------------- daily sales

def _daily(kind, seed, rng, n, k, start) -> SyntheticSeries:
    days = np.datetime64(start, "D") + np.arange(n)
    dow = (days.astype("int64") + 3) % 7                        # 0 = Monday
    weekly = np.array([1.0, 0.95, 0.97, 1.0, 1.1, 1.25, 1.15]) ** rng.uniform(0.5, 2.0)
    rng.shuffle(weekly)                                          # each shop has its own best days
    level = rng.choice([3.0, 12.0, 40.0, 150.0]) * rng.uniform(0.7, 1.4)
    trend = np.exp(np.linspace(0, rng.uniform(-0.3, 0.5), n))
    yearly = 1 + 0.1 * np.sin(2 * np.pi * (np.arange(n) / 365.25 + rng.uniform()))
    hol = korean_holiday_mask(days)
    hol_factor = float(rng.uniform(0.35, 0.7))                   # quiet 설날/추석: known, not an anomaly
    mean = level * weekly[dow] * trend * yearly * np.where(hol, hol_factor, 1.0)
    k = int(rng.integers(1, 4)) if k is None else k
    effect, raw = _inject(rng, mean, n, k, min_start=max(60, n // 5),
                          lengths_by_type={"spike": (1, 2), "drop": (2, 6), "level_shift": (7, 8),
                                           "dead_stop": (2, 8)},
                          allowed=ANOMALY_TYPES)
    mu = mean * effect
    r = 25.0                                                     # negative-binomial dispersion (CV >= 20 %)
    orders = rng.negative_binomial(r, r / (r + np.maximum(mu, 1e-9))).astype(float)
    orders[effect == 0] = 0.0
    if kind == "daily_orders":
        values = orders
    else:
        aov = 25000 * rng.uniform(0.6, 1.6)
        values = np.where(orders > 0, orders * aov * rng.lognormal(0, 0.25 / np.sqrt(np.maximum(orders, 1))), 0.0)
    # missing days (export gaps): NaN, never inside an anomaly label so labels stay detectable
    lab_mask = np.zeros(n, dtype=bool)
    for _, s, e, _ in raw:
        lab_mask[s:e + 1] = True
    gaps = (rng.random(n) < 0.015) & ~lab_mask & ~hol
    values[gaps] = np.nan
    ts = days.astype("datetime64[s]")
    return SyntheticSeries(kind, seed, ts, values, _labels(ts, raw), holiday_flags=hol.astype(np.int8),
                           holiday_factor=hol_factor)


# ---------------------------------------------------------------- hourly ad prices

def _hourly(kind, seed, rng, n, k, start) -> SyntheticSeries:
    ts = np.datetime64(start, "s") + np.arange(n) * 3600
    hour = (ts.astype("int64") // 3600) % 24
    base = rng.uniform(0.05, 2.0)
    amp = rng.uniform(0.0, 0.5)
    daily = 1 + amp * np.sin(2 * np.pi * (hour - rng.uniform(0, 24)) / 24)
    drift = np.exp(np.cumsum(rng.normal(0, 0.01, n)))            # slow random-walk drift of the market price
    sigma = rng.uniform(0.05, 0.3)
    noise = np.exp(sigma * rng.standard_t(4, n) * 0.7)           # heavy tails: big unlabelled wiggles happen
    k = int(rng.integers(1, 4)) if k is None else k
    effect, raw = _inject(rng, None, n, k, min_start=max(200, n // 6),
                          lengths_by_type={"spike": (1, 4), "drop": (3, 24), "level_shift": (12, 13),
                                           "dead_stop": (4, 24)},
                          allowed=("drop", "spike", "level_shift", "spike"))
    values = base * daily * drift * noise * effect
    values = np.round(values, 4)
    return SyntheticSeries(kind, seed, ts, values, _labels(ts, raw))


# ---------------------------------------------------------------- 5-minute traffic sensors

def _traffic(kind, seed, rng, n, k, start) -> SyntheticSeries:
    # irregular sampling: 5 minutes +- jitter, 8 % of readings missing, a few outages of 1-30 hours
    step = 300.0 + rng.normal(0, 20, n * 2)
    step[rng.random(n * 2) < 0.08] += 300
    outages = rng.random(n * 2) < 0.002
    step[outages] += rng.uniform(3600, 30 * 3600, outages.sum())
    t = np.cumsum(np.maximum(step, 1.0))[:n]
    t = np.round(t / 60) * 60                                     # sensors report on the minute
    dup = rng.random(n) < 0.01                                    # repeated timestamps
    t[1:][dup[1:]] = t[:-1][dup[1:]]
    t = np.maximum.accumulate(t)
    ts = np.datetime64(start, "s") + t.astype("int64")
    secs = ts.astype("int64")
    hod = (secs % 86400) / 3600.0
    weekday = ((secs // 86400) + 3) % 7 < 5
    rush = np.exp(-((hod - 8) ** 2) / 2) + np.exp(-((hod - 17.5) ** 2) / 3)
    rush = rush * np.where(weekday, 1.0, 0.3)
    k = int(rng.integers(1, 4)) if k is None else k
    effect, raw = _inject(rng, None, n, k, min_start=max(300, n // 6),
                          lengths_by_type={"spike": (1, 6), "drop": (6, 60), "level_shift": (24, 25),
                                           "dead_stop": (12, 60)},
                          allowed=("drop", "spike", "level_shift"))
    if kind == "traffic_speed":
        free = rng.uniform(55, 70)
        clean = free * (1 - rng.uniform(0.2, 0.5) * rush)
        values = clean * effect + rng.normal(0, rng.uniform(1.5, 4), n)
        values = np.round(np.clip(values, 3, 90))
    elif kind == "traffic_occupancy":
        clean = rng.uniform(3, 8) * (1 + rng.uniform(1, 3) * rush)
        values = clean * effect * np.exp(rng.normal(0, 0.2, n))
        values = np.round(np.clip(values, 0, 100), 2)
    else:
        clean = rng.uniform(200, 600) * (1 + rng.uniform(0.3, 1.0) * rush)
        values = clean * effect * np.exp(rng.normal(0, 0.08, n))
        values = np.round(values)
    # benign glitches: single readings far off (real sensors do this); not labelled, the detector should shrug
    glitch = rng.random(n) < 0.002
    values[glitch] = values[glitch] * rng.uniform(0.5, 1.6, glitch.sum())
    return SyntheticSeries(kind, seed, ts, values.astype(float), _labels(ts, raw))


def daily_dates(n: int, start: str = "2025-01-01") -> list[date]:
    """`n` consecutive python dates from `start` (helper for calendar tests)."""
    d0 = date.fromisoformat(start)
    return [d0 + timedelta(days=i) for i in range(n)]
