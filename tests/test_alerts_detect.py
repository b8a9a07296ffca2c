"""Tests for alerts/detect.py and alerts/synthetic.py: injected anomalies found, holidays quiet, no look-ahead."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pytest

from alerts import detect, synthetic


def _alerts_in(res: detect.StreamScores, lo: int, hi: int) -> bool:
    return bool(res.is_alert[lo:hi + 1].any())


# ---------------------------------------------------------------- streaming detector

def _hourly(n=24 * 40, seed=0, noise=0.05):
    rng = np.random.default_rng(seed)
    ts = np.datetime64("2026-01-01T00:00:00") + np.arange(n) * np.timedelta64(1, "h")
    hour = np.arange(n) % 24
    values = 100 * (1 + 0.4 * np.sin(2 * np.pi * hour / 24)) * np.exp(rng.normal(0, noise, n))
    return ts, values


@pytest.mark.parametrize("kind,factor,length", [("drop", 0.4, 10), ("spike", 3.0, 2), ("level_shift", 0.5, None)])
def test_stream_finds_injected_anomaly_once_and_is_quiet_elsewhere(kind, factor, length):
    ts, values = _hourly()
    start = 24 * 30 + 7
    end = len(values) if length is None else start + length
    values[start:end] *= factor
    res = detect.score_stream(ts, values)
    alerts = np.flatnonzero(res.is_alert)
    assert alerts.size and start <= alerts[0] <= start + 3, alerts      # early in the episode
    assert not res.is_alert[:start].any()                                 # no false alarm before
    assert res.is_alert[start:].sum() == 1                                # once per episode, recovery not news
    assert res.anomaly_score[alerts[0]] >= 0.5 and 0 <= res.anomaly_score.min() and res.anomaly_score.max() <= 1
    assert res.lower[alerts[0]] <= res.expected[alerts[0]] <= res.upper[alerts[0]]


def test_stream_has_no_look_ahead_prefixes_equal():
    s = synthetic.generate("traffic_speed", seed=3, n=1500)
    full = detect.score_stream(s.timestamps, s.values)
    for cut in (10, 31, 32, 33, 200, 777, 1499):
        part = detect.score_stream(s.timestamps[:cut], s.values[:cut])
        np.testing.assert_array_equal(part.anomaly_score, full.anomaly_score[:cut])
        np.testing.assert_array_equal(part.is_alert, full.is_alert[:cut])
        np.testing.assert_array_equal(part.expected, full.expected[:cut])


def test_stream_chunked_equals_whole():
    s = synthetic.generate("hourly_cpc", seed=4, n=3000)
    whole = detect.score_stream(s.timestamps, s.values)
    det = detect.StreamDetector(detect.StreamConfig(chunk_rows=257))
    pieces = [det.update(s.timestamps[a:a + 500], s.values[a:a + 500]) for a in range(0, 3000, 500)]
    got = detect.StreamScores.concat(pieces)
    np.testing.assert_allclose(got.anomaly_score, whole.anomaly_score, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got.is_alert, whole.is_alert)


def test_gaps_repeats_nan_constant_and_short_series():
    ts, values = _hourly(n=24 * 20, noise=0.03)
    # a 3-day outage of the feed (no rows), a few repeated timestamps, some NaN values
    keep = np.ones(len(ts), dtype=bool)
    keep[24 * 10:24 * 13] = False
    ts, values = ts[keep], values[keep].copy()
    ts = ts.copy()
    ts[300] = ts[299]
    values[[50, 301, 302]] = np.nan
    res = detect.score_stream(ts, values)
    assert len(res) == len(ts)
    assert not res.is_alert.any()                            # a gap or a repeat is not an anomaly
    assert not res.is_alert[[50, 301, 302]].any() and res.anomaly_score[50] == 0.0
    # constant series: never an alert, finite scores; then a real change is caught
    const = np.full(200, 7.0)
    tc = np.datetime64("2026-01-01") + np.arange(200) * np.timedelta64(5, "m")
    r = detect.score_stream(tc, const)
    assert not r.is_alert.any() and np.isfinite(r.anomaly_score).all()
    const[150:] = 20.0
    assert detect.score_stream(tc, const).is_alert[150]
    # very short and empty series: scores, no alerts (warm-up)
    short = detect.score_stream(tc[:5], [1.0, 50.0, 1.0, 60.0, 1.0])
    assert len(short) == 5 and not short.is_alert.any()
    assert len(detect.score_stream([], [])) == 0


def test_persistence_option_needs_n_of_m():
    ts, values = _hourly()
    values[24 * 30 + 5] *= 4.0                                # one lonely spike
    single = detect.score_stream(ts, values)
    persistent = detect.score_stream(ts, values, detect.StreamConfig(persistence_n=2, persistence_m=3))
    assert single.is_alert.sum() == 1 and persistent.is_alert.sum() == 0


def test_daily_stream_uses_weekly_season_and_finds_dead_stop():
    s = synthetic.generate("daily_orders", seed=11, n=300, n_anomalies=0)
    v = s.values.copy()
    plan = detect.infer_plan(detect.to_epoch_seconds(s.timestamps[:32]), v[:32])
    assert plan.period == 7 * 86400 and plan.step == 86400
    v[250:254] = 0.0
    res = detect.score_stream(s.timestamps, v)
    assert _alerts_in(res, 250, 252)


def test_stream_beats_rolling_gaussian_on_generated_series():
    """The headline claim, small: on generated hourly and 5-minute series, fewer false alarms at similar recall."""
    from bench.alerts_eval import Tally, gaussian_window, once_per_episode, rolling_gaussian_alerts

    ours, gauss = Tally.empty(), Tally.empty()
    for kind in ("hourly_cpc", "traffic_speed", "traffic_occupancy"):
        for seed in range(4):
            s = synthetic.generate(kind, seed=900 + seed)
            ours.add(np.flatnonzero(detect.score_stream(s.timestamps, s.values).is_alert), s)
            g = once_per_episode(rolling_gaussian_alerts(s.values, gaussian_window(s)), 12)
            gauss.add(np.flatnonzero(g), s)
    o, g = ours.row("ours"), gauss.row("gauss")
    assert o["f1"] > g["f1"] + 0.1, (o, g)
    assert o["nab_standard"] > g["nab_standard"], (o, g)


# ---------------------------------------------------------------- synthetic generator

def test_synthetic_is_deterministic_and_labelled():
    for kind in synthetic.KINDS:
        a, b = synthetic.generate(kind, seed=5), synthetic.generate(kind, seed=5)
        np.testing.assert_array_equal(a.values, b.values)
        assert [(x.kind, x.start_row) for x in a.labels] == [(x.kind, x.start_row) for x in b.labels]
        assert a.labels and all(0 <= x.start_row <= x.end_row < len(a.values) for x in a.labels)
        assert (np.diff(a.timestamps.astype("int64")) >= 0).all()
    assert not np.array_equal(synthetic.generate("hourly_cpc", 1).values, synthetic.generate("hourly_cpc", 2).values)
    t = synthetic.generate("traffic_speed", seed=1)
    d = np.diff(t.timestamps.astype("int64"))
    assert (d == 0).any() and d.max() > 3600                  # repeated timestamps and gaps are really there


# ---------------------------------------------------------------- Korean calendar

def test_korean_calendar_flags():
    days = [date(2025, 10, 5), date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8), date(2025, 10, 10),
            date(2026, 2, 17), "2026-02-18", np.datetime64("2026-03-02")]
    flags = detect.korean_calendar_flags(days, promotions=[date(2025, 10, 10)])
    # 추석 2025: Oct 5-7, 대체공휴일 Oct 8; 설날 2026: Feb 16-18; 삼일절 substitute Mar 2 2026; Oct 10 = promotion
    assert flags.tolist() == [1, 1, 1, 1, 2, 1, 1, 1]
    assert detect.korean_calendar_flags([]).size == 0


# ---------------------------------------------------------------- batched daily check

def _daily_matrix(n_series=30, n_days=240, seed=0):
    rng = np.random.default_rng(seed)
    days = np.datetime64("2025-03-01") + np.arange(n_days)
    dow = np.array([1.0, 0.9, 0.95, 1.0, 1.15, 1.4, 1.25])
    level = rng.uniform(50, 500, (n_series, 1))
    mean = level * dow[(days.astype("int64") + 3) % 7][None, :]
    vals = rng.poisson(mean * rng.lognormal(0, 0.08, mean.shape)).astype(float)
    return days, vals


def test_batch_equals_per_series_statsmodels():
    days, vals = _daily_matrix(n_series=6)
    vals[2, 40:45] = np.nan                                    # gaps
    vals[3, 100] *= 5                                          # a past outlier (cleaned away before fitting)
    flags = detect.korean_calendar_flags(days)
    batch = detect.fit_baseline_batch(vals, flags)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(len(vals)):
            ref = detect.fit_baseline_statsmodels(vals[i], flags)
            assert abs(ref.forecast_t[0] - batch.forecast_t[i]) < 1e-6
            np.testing.assert_allclose(ref.fitted_t[0], batch.fitted_t[i], atol=1e-6)
            assert abs(ref.sigma_t[0] - batch.sigma_t[i]) < 1e-6


def test_batch_flags_drop_spike_and_not_normal_days():
    days, vals = _daily_matrix()
    vals[0, -1] *= 0.3                                         # sales drop today
    vals[1, -1] *= 3.0                                         # spike
    vals[2, -1] = 0.0                                          # dead stop
    vals[3, -5:-2] = vals[3, -5:-2] * 0.2                      # a 3-day outage last week must not blind us...
    res = detect.check_daily_batch(vals, detect.korean_calendar_flags(days))
    assert res.direction[0] == "drop" and res.severity[0] in ("warning", "critical")
    assert res.direction[1] == "spike" and res.severity[1] in ("warning", "critical")
    assert res.severity[2] == "critical" and res.relative_change[2] == pytest.approx(-1.0)
    assert res.severity[3] == "none" and res.relative_change[3] > -0.3   # ...and today back to normal is normal
    assert set(res.severity[4:]) <= {"none", "info"} and (res.severity[4:] == "none").mean() > 0.9
    assert res.enough_history.all()
    assert (res.lower <= res.expected).all() and (res.expected <= res.upper).all()
    frame = res.to_frame()
    assert frame.height == len(vals) and {"expected", "severity", "direction"} <= set(frame.columns)


def test_quiet_chuseok_is_not_a_drop_but_same_drop_on_a_normal_day_is():
    # 400 days ending on 추석 2025 (Oct 6); the shop is always 50 % quieter on holidays
    days = np.datetime64("2024-09-02") + np.arange(400)
    flags = detect.korean_calendar_flags(days)
    assert flags[-1] == 1
    rng = np.random.default_rng(3)
    dow = np.array([1.0, 0.9, 0.95, 1.0, 1.15, 1.4, 1.25])
    mean = 200 * dow[(days.astype("int64") + 3) % 7] * np.where(flags == 1, 0.5, 1.0)
    vals = rng.poisson(mean).astype(float)[None, :]
    res = detect.check_daily_batch(vals, flags)
    assert res.severity[0] == "none" and res.day_flag[0] == 1
    # the same value on an ordinary day (no flag) is a drop
    res_plain = detect.check_daily_batch(vals, np.zeros_like(flags))
    assert res_plain.severity[0] in ("warning", "critical") and res_plain.direction[0] == "drop"


def test_batch_short_history_and_empty():
    vals = np.array([[5.0] * 10, [np.nan] * 10])
    res = detect.check_daily_batch(vals)
    assert not res.enough_history.any() and (res.severity == "none").all()
    assert len(detect.check_daily_batch(np.zeros((0, 50))).severity) == 0


# ---------------------------------------------------------------- intraday

def test_intraday_example_and_volume_gate():
    rng = np.random.default_rng(0)
    shape = np.cumsum(np.r_[np.full(8, 0.01), np.full(16, 0.06)])
    shape = shape / shape[-1]
    hist = 1_000_000 * shape[None, :] * rng.lognormal(0, 0.05, (6, 1))
    hist[2] = np.nan                                           # a missing Tuesday
    today = 1_000_000 * shape * 0.55
    check = detect.check_intraday(today, hist, 14)
    assert check.direction == "drop" and check.severity in ("warning", "critical")
    assert check.relative_gap == pytest.approx(-0.45, abs=0.05) and check.weeks_used == 5
    assert check.lower < check.expected < check.upper
    assert "45 % below" in check.summary_en("revenue", "Tuesday")
    # a tiny shop: 2 orders by 14:00 usually, 1 today -> gated, no page
    tiny = detect.check_intraday(np.full(24, 1.0), np.full((6, 24), 2.0), 14)
    assert tiny.gated and tiny.severity == "none"
    gate_off = detect.check_intraday(np.full(24, 1.0), np.full((6, 24), 2.0), 14,
                                     detect.IntradayConfig(min_expected=0.0))
    assert not gate_off.gated
    few = detect.check_intraday(today, hist[:2], 14)
    assert few.severity == "none" and few.notes
    with pytest.raises(ValueError):
        detect.check_intraday(today, hist, 24)


def test_score_at_or_above_one_half_is_exactly_an_alert():
    """Scorers that threshold anomaly_score at 0.5 see the same quiet alerts as is_alert, in [0, 1]."""
    for kind, seed in (("hourly_cpc", 3), ("traffic_occupancy", 4), ("daily_revenue", 5)):
        s = synthetic.generate(kind, seed=seed)
        scores = detect.score_stream(s.timestamps, s.values)
        assert scores.is_alert.any(), kind
        assert ((scores.anomaly_score >= 0.5) == scores.is_alert).all(), kind
        assert ((scores.anomaly_score >= 0) & (scores.anomaly_score <= 1)).all(), kind


def test_warm_up_rows_score_zero():
    """No spread to judge by yet: the first rows are not 'almost alerts' for a scorer sweeping a threshold."""
    s = synthetic.generate("hourly_cpc", seed=7)
    scores = detect.score_stream(s.timestamps, s.values)
    warmup = detect.StreamConfig().warmup_rows
    assert (scores.anomaly_score[:warmup] == 0).all()
    assert scores.anomaly_score[warmup:].max() > 0
