"""Anomaly detection, pure functions: a streaming detector for one series, a batched daily check, an intraday check.

Three entry points, no warehouse and no I/O (arrays and `now`-free data in, arrays/dataclasses out):

1. `score_stream(timestamps, values)` / `StreamDetector` -- any interval (5 minutes .. daily), no look-ahead:
   row i only ever uses rows <= i (the baseline for row i uses rows < i). Used by `python -m alerts backtest`.
   Model, per row (all trailing windows, vectorised with Polars and processed in bounded chunks):
   - two robust predictors of the next value: a *level* (median of the last few rows) and a *seasonal* one
     (trimmed mean of the same time-of-day bucket -- or day-of-week for daily data -- over the last 7 periods,
     plus a recent level correction = median of the last residuals). Medians and trimmed means are why one
     outage does not poison the baseline: past anomalies are clipped out without extra bookkeeping.
   - the predictor with the smaller recent absolute error is used (chosen on past rows only).
   - scale = robust spread (1.4826 * median |residual|) of recent residuals, floored so constant series and
     quantised sensors do not divide by ~0; z = residual / scale. A persistent shift is caught earlier by the
     median of the last few z (a level shift shows as many moderate z, not one huge one).
   - evidence score = e^2 / (e^2 + T^2) with e the evidence, T the alert threshold (0.5 = at threshold);
     anomaly_score = that score on alerting rows and half of it elsewhere (`reported_score`), so
     anomaly_score >= 0.5 is exactly is_alert and thresholding the score gives the same quiet alerts.
   - alerts are quiet by design: one alert at the start of an episode, then silence until the score has been
     below threshold for `rearm_rows` rows; a minimum relative effect; optional N-of-M persistence; a warm-up.
2. `check_daily_batch(values, day_flags)` -- the scheduled sweep over many sellers x metrics of daily data:
   a robust pre-pass cleans each history (NaN gaps, outliers and holidays/promotions replaced by a robust
   weekly-seasonal fit), then additive Holt-Winters with a weekly season (ETS(A,N,A), fixed smoothing
   parameters) in log1p space runs vectorised across series; the one-step prediction interval comes from the
   robust spread of its residuals. Holidays/promotions are their own regime: their effect is learnt from past
   flagged days of the same code and the interval widened, so a quiet 추석 is not a sales drop.
   `fit_baseline_statsmodels` is the same model fitted per series with statsmodels itself (the reference).
3. `check_intraday(today_cumulative_by_hour, history_cumulative_by_hour, hour)` -- "by 14:00 revenue is 45 %
   below what a normal Tuesday has by 14:00", with a minimum-volume gate.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import polars as pl

SEVERITIES = ("none", "info", "warning", "critical")
MAD_TO_SD = 1.4826          # median absolute deviation -> standard deviation for normal data


# ======================================================================== 1. streaming detector

@dataclass(frozen=True)
class StreamConfig:
    """Knobs of the streaming detector. Defaults were tuned on alerts/synthetic.py series (bench/alerts_eval.py)."""

    alert_z: float = 5.0            # evidence (robust z) at which anomaly_score = 0.5 and an alert may fire
    sustain_rows: int = 3           # a shift shows as the median of the last N robust z ...
    sustain_gain: float = 1.8       # ... scaled by this gain (median of 3 at z 2.8 counts like one point at z 5)
    min_effect_rel: float = 0.10    # |value - expected| must also be >= 10 % of the typical level
    persistence_n: int = 1          # N-of-M persistence: alert only when N of the last M rows are above threshold
    persistence_m: int = 1
    rearm_rows: int = 12            # an episode ends after this many rows back under threshold
    recovery_rows: int = 288        # a return to the pre-alert normal within this many rows is not alerted
    warmup_rows: int = 32           # no alerts before this many rows (the step is inferred from these rows)
    level_rows: int = 5             # level predictor: median of the last N rows
    season_periods: int = 7         # seasonal predictor: same bucket over the last K periods
    min_season_samples: int = 3     # seasonal predictor needs this many same-bucket values
    scale_rows_min: int = 64        # residual spread over max(this, one period of rows) rows ...
    scale_rows_max: int = 2016      # ... capped here (7 days of 5-minute rows)
    scale_floor_rel: float = 0.005  # spread never below 0.5 % of the typical level
    log_transform: bool = True      # model non-negative series in log space (see infer_plan)
    gap_steps: float = 4.0          # an interval longer than this many steps is a gap (no alert from a stale level)
    chunk_rows: int = 200_000       # rows scored per Polars pass when streaming (bounds memory)


@dataclass
class StreamScores:
    """Per input row, in input order: anomaly_score in [0, 1], is_alert, expected value and alert band."""

    anomaly_score: np.ndarray
    is_alert: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.anomaly_score)

    @staticmethod
    def concat(parts: list[StreamScores]) -> StreamScores:
        if not parts:
            return StreamScores(*(np.zeros(0) for _ in range(2)), *(np.zeros(0) for _ in range(3)))
        return StreamScores(*(np.concatenate([getattr(p, f) for p in parts])
                              for f in ("anomaly_score", "is_alert", "expected", "lower", "upper")))


@dataclass(frozen=True)
class StreamPlan:
    """What the detector infers from the first `warmup_rows` rows: step and seasonal period (seconds)."""

    step: float
    period: float | None        # 86400 (daily) when step <= 1 h, 604800 (weekly) when step ~ 1 day, else None
    bucket: float               # width of a seasonal bucket (>= step, at most 48 buckets per period)
    period_rows: int
    log_offset: float | None = None   # model log(value + offset) when the warm-up is non-negative and not ~0


def infer_plan(t_seconds: np.ndarray, values: np.ndarray | None = None,
               config: StreamConfig | None = None) -> StreamPlan:
    """Step (median positive interval), seasonal period and value transform from the first warm-up rows.

    Prices, counts, money and sensor readings vary multiplicatively (noise and anomalies scale with the level),
    so a non-negative series is modelled as log(value + offset), offset = 10 % of its warm-up median: a drop to
    zero stays finite and a series near zero behaves additively.
    """
    cfg = config or StreamConfig()
    log_offset = None
    if values is not None and cfg.log_transform:
        v = values[np.isfinite(values)]
        if len(v) and v.min() >= 0 and np.median(v) > 0:
            log_offset = 0.1 * float(np.median(v))
    diffs = np.diff(t_seconds[np.isfinite(t_seconds)])
    diffs = diffs[diffs > 0]
    step = float(np.median(diffs)) if len(diffs) else 86400.0
    if step <= 3600 * 1.01:
        period: float | None = 86400.0
    elif 0.5 * 86400 <= step <= 1.5 * 86400:
        period = 7 * 86400.0
    else:
        period = None                                # e.g. 6-hourly or weekly data: level predictor only
    if period is None:
        return StreamPlan(step, None, step, 0, log_offset)
    bucket = max(step, period / 48) if period == 86400.0 else 86400.0
    return StreamPlan(step, period, bucket, int(round(period / step)), log_offset)


def to_epoch_seconds(timestamps) -> np.ndarray:
    """Seconds since 1970 as float64 (NaN for missing) from datetime64, datetimes, ISO strings or numbers."""
    arr = np.asarray(timestamps)
    if arr.size == 0:
        return np.zeros(0)
    if np.issubdtype(arr.dtype, np.datetime64):
        sec = arr.astype("datetime64[ms]").astype("int64").astype(float) / 1000.0
        sec[np.isnat(arr)] = np.nan
        return sec
    if np.issubdtype(arr.dtype, np.number):
        return arr.astype(float)
    out = np.empty(len(arr))
    for i, v in enumerate(arr):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, datetime):
            out[i] = (v.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()
        else:
            out[i] = (datetime.fromisoformat(str(v)).replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()
    return out


class StreamDetector:
    """Streaming version of `score_stream`: feed chunks with `update`, memory stays bounded (a context buffer).

    Scores are identical whether the series is fed at once or in pieces (tests check it), because every
    statistic is a trailing window and the buffer keeps enough rows (and enough time) for all of them.
    """

    def __init__(self, config: StreamConfig | None = None):
        self.config = config or StreamConfig()
        self.plan: StreamPlan | None = None
        self._t = np.zeros(0)               # context buffer (epoch seconds, monotone) and values
        self._x = np.zeros(0)
        self._rows_seen = 0
        self._last_t = -np.inf
        # episode state (alert once per episode)
        self._in_episode = False
        self._below_run = 0
        self._recent_above: list[bool] = []
        self._since_alert = 0
        self._normal: tuple[float, float] | None = None

    # -- public
    def update(self, timestamps, values) -> StreamScores:
        """Score the next rows (in order). Returns scores for exactly these rows."""
        t = to_epoch_seconds(timestamps)
        x = np.asarray(values, dtype=float)
        if len(t) != len(x):
            raise ValueError("timestamps and values differ in length")
        parts = []
        for s in range(0, len(t), self.config.chunk_rows):
            parts.append(self._update_chunk(t[s:s + self.config.chunk_rows], x[s:s + self.config.chunk_rows]))
        return StreamScores.concat(parts)

    # -- internals
    def _update_chunk(self, t: np.ndarray, x: np.ndarray) -> StreamScores:
        cfg = self.config
        n_new = len(t)
        if n_new == 0:
            return StreamScores.concat([])
        # repeated timestamps are fine; a missing or backwards timestamp is clamped to the last one seen
        # (a stream cannot go back in time and row i must not use later rows to repair it)
        t = np.maximum.accumulate(np.concatenate([[self._last_t], np.where(np.isfinite(t), t, -np.inf)]))[1:]
        t = np.where(np.isfinite(t), t, 0.0)
        self._last_t = float(t[-1])
        x = np.where(np.isfinite(x), x, np.nan)
        first_row = self._rows_seen
        ctx_n = len(self._t)
        all_t = np.concatenate([self._t, t])
        all_x = np.concatenate([self._x, x])
        if self.plan is None and first_row + n_new >= cfg.warmup_rows:
            # the buffer still holds every row so far (it is only trimmed once a plan exists)
            self.plan = infer_plan(all_t[:cfg.warmup_rows], all_x[:cfg.warmup_rows], cfg)
        feats = _stream_features(all_t, all_x, first_row - ctx_n, self.plan, cfg)
        if self.plan is not None and first_row < cfg.warmup_rows:
            # warm-up rows are reported as computed without a plan, so a series cut inside the warm-up scores
            # its rows exactly as the full series does (no look-ahead, not even through the plan)
            free = _stream_features(all_t, all_x, first_row - ctx_n, None, cfg)
            k = ctx_n + cfg.warmup_rows - first_row
            for key in feats:
                feats[key][:k] = free[key][:k]
        sl = slice(ctx_n, ctx_n + n_new)
        evidence, effect_ok, expected = feats["evidence"][sl], feats["effect_ok"][sl], feats["expected"][sl]
        score = np.where(np.isfinite(evidence), evidence**2 / (evidence**2 + cfg.alert_z**2), 0.0)
        candidate = (score >= 0.5) & effect_ok & feats["alert_allowed"][sl]
        is_alert = self._episodes(candidate, score >= 0.5, feats["xm"][sl], feats["exp_m"][sl], feats["scale"][sl])
        score = reported_score(np.clip(score, 0.0, 1.0), is_alert)
        # keep just enough context for the next chunk: every trailing window, in rows and in time
        self._rows_seen += n_new
        if self.plan is not None:
            self._trim_context(all_t, all_x)
        else:
            self._t, self._x = all_t, all_x
        return StreamScores(score, is_alert, expected, feats["lower"][sl], feats["upper"][sl])

    def _episodes(self, candidate: np.ndarray, above: np.ndarray, xm: np.ndarray, exp_m: np.ndarray,
                  scale: np.ndarray) -> np.ndarray:
        """Alert once per episode: fire on the first (persistent) candidate, re-arm after rearm_rows quiet rows.

        Coming back to normal is not news: after an alert the pre-episode expected value is remembered (for
        `recovery_rows`), and a later candidate that sits back within the band of that old normal is a
        recovery (the baseline had adapted to the anomaly), not a new alert.
        Vectorised bookkeeping; the Python loop visits candidate rows only.
        """
        cfg = self.config
        n = len(candidate)
        out = np.zeros(n, dtype=bool)
        # length of the run of rows under threshold ending at each row (carrying the previous chunk's run)
        idx = np.arange(n)
        last_above = np.maximum.accumulate(np.where(above, idx, -1))
        below_run = np.where(last_above >= 0, idx - last_above, idx + 1 + self._below_run)
        ended = np.cumsum(below_run >= cfg.rearm_rows)       # episodes end where a quiet run reaches rearm_rows
        # N-of-M persistence over candidates, carrying the last M-1 rows
        prev = np.array(self._recent_above, dtype=bool)
        cand_ext = np.concatenate([prev, candidate]).astype(np.int32)
        csum = np.concatenate([[0], np.cumsum(cand_ext)])
        m = cfg.persistence_m
        ends = np.arange(len(prev), len(cand_ext)) + 1
        persistent = (csum[ends] - csum[np.maximum(ends - m, 0)]) >= cfg.persistence_n
        since, prev, ended_prev = self._since_alert, -1, 0
        for i in np.flatnonzero(candidate & persistent):
            if ended[i] > ended_prev:
                self._in_episode = False
            since += i - prev
            prev, ended_prev = i, ended[i]
            if self._in_episode:
                continue
            if self._normal is not None and since <= cfg.recovery_rows:
                e0, s0 = self._normal
                if abs(xm[i] - e0) < cfg.alert_z * s0:
                    self._normal = None                   # recovered: the next candidate is news again
                    self._in_episode = True
                    continue
            out[i] = True
            self._in_episode = True
            since = 0
            self._normal = (exp_m[i], scale[i])
        if n and ended[-1] > ended_prev:
            self._in_episode = False
        self._since_alert = since + (n - 1 - prev)
        self._below_run = int(below_run[-1])
        self._recent_above = list(cand_ext[len(cand_ext) - (m - 1):].astype(bool)) if m > 1 else []
        return out

    def _trim_context(self, all_t: np.ndarray, all_x: np.ndarray) -> None:
        cfg = self.config
        keep_rows = _context_rows(self.plan, cfg)
        start = max(0, len(all_t) - keep_rows)
        if self.plan is not None and self.plan.period is not None and len(all_t):
            horizon = all_t[start] - cfg.season_periods * self.plan.period - self.plan.bucket
            start = min(start, int(np.searchsorted(all_t, horizon, side="left")))
        self._t, self._x = all_t[start:], all_x[start:]


NOT_ALERT_MAX = 0.499999    # below 0.5 even after the backtest CSV rounds scores to 6 decimals


def reported_score(evidence_score: np.ndarray, is_alert: np.ndarray) -> np.ndarray:
    """The anomaly_score users and scorers see: `evidence_score` (e^2 / (e^2 + T^2), 0.5 = at threshold) on the
    rows that raise an alert, half of it on every other row (warm-up, after a gap, too small an effect, the rest of
    an episode already alerted, a recovery), capped just under 0.5.

    So `anomaly_score >= 0.5` is exactly `is_alert` -- a scorer that thresholds the score at 0.5 sees the quiet,
    once-per-episode alerts, not every row of an outage -- while the score stays continuous and keeps the order
    of the evidence within alerted and within non-alerted rows (a threshold sweep, as NAB's optimiser does,
    first meets the alerts, then the most anomalous of the suppressed rows).
    """
    return np.where(is_alert, evidence_score, np.minimum(0.5 * evidence_score, NOT_ALERT_MAX))


def _scale_rows(plan: StreamPlan | None, cfg: StreamConfig) -> int:
    rows = plan.period_rows if plan is not None else 0
    return int(min(max(cfg.scale_rows_min, rows), cfg.scale_rows_max))


def _context_rows(plan: StreamPlan | None, cfg: StreamConfig) -> int:
    # chained trailing windows: scale (rows) <- residual <- predictor choice (rows) <- level/correction (rows)
    return 2 * _scale_rows(plan, cfg) + 2 * cfg.level_rows + 2 * cfg.sustain_rows + cfg.warmup_rows + 8


def _stream_features(t: np.ndarray, x: np.ndarray, row0: int, plan: StreamPlan | None,
                     cfg: StreamConfig) -> dict[str, np.ndarray]:
    """Evidence, expected value and band for rows of (context + chunk); row0 = global index of the first row."""
    n = len(t)
    gidx = row0 + np.arange(n)
    seasonal_on = plan is not None and plan.period is not None
    scale_rows = _scale_rows(plan, cfg)
    log_offset = plan.log_offset if plan is not None else None
    if log_offset is not None:
        x = np.log(np.maximum(x, 0.0) + log_offset)          # NaN stays NaN
    df = pl.DataFrame({
        "t": pl.Series(np.round(t * 1000).astype("int64")).cast(pl.Datetime("ms")),
        "x": pl.Series(x).fill_nan(None),
        "g": (np.floor((t % plan.period) / plan.bucket).astype("int64") if seasonal_on else np.zeros(n, "int64")),
    })
    x_ = pl.col("x")
    # level predictor: median of the last rows (a median skips a spike and half a window of outage)
    df = df.with_columns(x_.shift(1).rolling_median(cfg.level_rows, min_samples=1).alias("lvl"))
    if seasonal_on:
        win = f"{int(cfg.season_periods * plan.period * 1000)}ms"
        # trimmed mean (drop the highest and lowest) rather than a median: one bad day cannot move it, and
        # after a level shift it glides day by day (a median flips in one step, which the short level
        # correction below would chase with a lag and turn into a false alarm)
        by_time = {"by": "t", "window_size": win, "closed": "left"}
        df = df.with_columns(
            x_.rolling_sum_by(**by_time).over("g").alias("s_sum"),
            x_.rolling_max_by(**by_time).over("g").alias("s_max"),
            x_.rolling_min_by(**by_time).over("g").alias("s_min"),
            x_.is_not_null().cast(pl.Int32).rolling_sum_by(**by_time).over("g").alias("seas_n"),
        )
        trimmed = (pl.col("s_sum") - pl.col("s_max") - pl.col("s_min")) / (pl.col("seas_n") - 2)
        df = df.with_columns(pl.when(pl.col("seas_n") >= max(cfg.min_season_samples, 3)).then(trimmed)
                             .alias("seas"))
        # recent level correction: the seasonal profile is a week old, the level is not
        df = df.with_columns((x_ - pl.col("seas")).shift(1).rolling_median(cfg.level_rows * 2, min_samples=1)
                             .alias("corr"))
        df = df.with_columns((pl.col("seas") + pl.col("corr").fill_null(0.0)).alias("seas"))
        err_rows = max(24, min(scale_rows, 288))
        df = df.with_columns(
            (x_ - pl.col("lvl")).abs().shift(1).rolling_median(err_rows, min_samples=8).alias("err_l"),
            (x_ - pl.col("seas")).abs().shift(1).rolling_median(err_rows, min_samples=8).alias("err_s"),
        )
        use_seas = (pl.col("err_s") < pl.col("err_l")) & pl.col("seas").is_not_null()
        df = df.with_columns(pl.when(use_seas).then(pl.col("seas")).otherwise(pl.col("lvl")).alias("exp"),
                             use_seas.fill_null(False).alias("use_seas"))
    else:
        df = df.with_columns(pl.col("lvl").alias("exp"), pl.lit(False).alias("use_seas"))
    df = df.with_columns((x_ - pl.col("exp")).alias("res"))
    df = df.with_columns(
        (pl.col("res").abs().shift(1).rolling_median(scale_rows, min_samples=8) * MAD_TO_SD).alias("mad"),
        (pl.col("res").abs().shift(1).rolling_quantile(0.9, window_size=scale_rows, min_samples=8) / 1.645)
        .alias("q90"),
        x_.abs().shift(1).rolling_median(scale_rows, min_samples=1).alias("mag"),
    )
    out = {c: df[c].to_numpy().astype(float) for c in ("exp", "res", "mad", "q90", "mag")}
    use_seas = df["use_seas"].to_numpy()
    # in log space the floors are relative already: "typical level" is 1
    mag = np.ones(n) if log_offset is not None else np.nan_to_num(out["mag"], nan=0.0)
    # two robust spreads: MAD (normal core) and the 90th percentile of |residual| (heavy tails, quantised or
    # mostly-constant sensors where MAD is 0); floors keep z finite on constant series
    scale = np.fmax(np.fmax(out["mad"], np.nan_to_num(out["q90"])), cfg.scale_floor_rel * mag)
    scale = np.where(scale > 0, scale, 1e-9 * np.maximum(mag, 1.0))
    z = out["res"] / scale
    zs = pl.Series(z).fill_nan(None).rolling_median(cfg.sustain_rows, min_samples=cfg.sustain_rows).to_numpy()
    zs = np.nan_to_num(zs.astype(float), nan=0.0)
    evidence = np.fmax(np.abs(np.nan_to_num(z, nan=0.0)), cfg.sustain_gain * np.abs(zs))
    evidence[~np.isfinite(x)] = 0.0                           # a missing value is not evidence of anything
    res_recent = pl.Series(out["res"]).fill_nan(None).rolling_median(cfg.sustain_rows, min_samples=1).to_numpy()
    effect = np.fmax(np.abs(np.nan_to_num(out["res"])), np.abs(np.nan_to_num(res_recent.astype(float))))
    if log_offset is not None:
        min_effect = np.full(n, math.log1p(cfg.min_effect_rel))
    else:
        min_effect = cfg.min_effect_rel * np.fmax(mag, np.abs(np.nan_to_num(out["exp"])))
    effect_ok = effect >= min_effect
    allowed = (gidx >= cfg.warmup_rows) & np.isfinite(out["mad"]) & np.isfinite(x)
    # before the warm-up has passed there is no spread to judge by: score 0, not "almost an alert" (scorers that
    # sweep a threshold over anomaly_score would otherwise meet the first rows of every series first)
    evidence[(gidx < cfg.warmup_rows) | ~np.isfinite(out["mad"])] = 0.0
    if plan is not None:
        # right after a gap the level predictor is stale (the daily cycle moved on): no alert from that alone
        dt = np.diff(t, prepend=t[0])
        gap = dt > cfg.gap_steps * plan.step
        last_gap = np.maximum.accumulate(np.where(gap, np.arange(n), -10**9))
        after_gap = (np.arange(n) - last_gap) < cfg.level_rows
        allowed &= ~(after_gap & ~use_seas)
    band = np.fmax(cfg.alert_z * scale, min_effect)
    exp_m = out["exp"]
    if log_offset is not None:
        expected = np.exp(exp_m) - log_offset
        lower, upper = np.exp(exp_m - band) - log_offset, np.exp(exp_m + band) - log_offset
    else:
        expected, lower, upper = exp_m, exp_m - band, exp_m + band
    return {"evidence": evidence, "effect_ok": effect_ok, "alert_allowed": allowed, "expected": expected,
            "lower": lower, "upper": upper, "xm": x, "exp_m": exp_m, "scale": scale}


def score_stream(timestamps, values, config: StreamConfig | None = None) -> StreamScores:
    """Score a whole series as if live (no look-ahead): anomaly_score in [0, 1], is_alert, expected, lower, upper."""
    return StreamDetector(config).update(timestamps, values)


# ======================================================================== 2. batched daily check

@dataclass(frozen=True)
class DailyConfig:
    """Knobs of the daily check. Defaults are conservative: a seller should believe every alert."""

    alpha: float = 0.15              # Holt-Winters level smoothing (fixed: the same for every series, fast)
    gamma: float = 0.10              # Holt-Winters weekly-season smoothing
    season: int = 7
    log_transform: bool = True       # log(x + c) for non-negative series: weekly pattern and noise scale with level
    clean_window: int = 15           # centred robust-level window (days) of the cleaning pre-pass
    clean_k: float = 3.5             # |residual| > k * robust sd -> outlier, replaced before it can teach the model
    profile_weeks: int = 12          # weekly profile from the last 12 weeks
    sigma_days: int = 56             # prediction-interval spread from the last 8 weeks of one-step residuals
    sigma_min: float = 0.05          # at least +-5 % (log space) of spread
    interval_z: float = 2.576        # 99 % prediction interval
    min_history_days: int = 28
    z_info: float = 3.0              # severities: |z| and |relative change| must both pass
    z_warning: float = 4.5
    z_critical: float = 6.5
    rel_info: float = 0.15
    rel_warning: float = 0.30
    rel_critical: float = 0.50
    min_expected: float = 0.0        # volume gate: no alert when the expected (or, for spikes, actual) is below
    dead_stop_min_expected: float = 5.0   # a zero when >= this was expected is critical
    flag_sigma_min: float = 0.30     # holidays/promotions: extra spread (log space) of their own regime
    block_series: int = 2048         # series per vectorised block (bounds memory)


@dataclass
class DailyCheckResult:
    """Per series, for the LAST day of the input: prediction, interval, score and verdict (numpy arrays)."""

    actual: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    z: np.ndarray
    anomaly_score: np.ndarray
    direction: np.ndarray           # "drop" | "spike" | "none"
    relative_change: np.ndarray     # (actual - expected) / expected
    severity: np.ndarray            # "none" | "info" | "warning" | "critical"
    enough_history: np.ndarray
    day_flag: np.ndarray            # the last day's flag (0 normal, 1 holiday, 2 promotion, ...)

    def to_frame(self) -> pl.DataFrame:
        """One row per series: series, actual, expected, lower, upper, z, anomaly_score, direction,
        relative_change, severity, enough_history, day_flag."""
        cols = {k: v for k, v in self.__dict__.items()}
        return pl.DataFrame({"series": np.arange(len(self.actual)), **cols})


def korean_calendar_flags(dates, promotions=()) -> np.ndarray:
    """int8 per date: 1 on a Korean public holiday (holidays.KR: 설날, 추석, 대체공휴일 ...), 2 on a promotion day,
    0 otherwise. `dates`: python dates, ISO strings or datetime64; `promotions`: dates in the same forms."""
    import holidays

    def as_date(d) -> date:
        if isinstance(d, datetime):
            return d.date()
        if isinstance(d, date):
            return d
        return date.fromisoformat(str(np.datetime64(d, "D")))

    days = [as_date(d) for d in dates]
    if not days:
        return np.zeros(0, dtype=np.int8)
    cal = holidays.KR(years=sorted({d.year for d in days}))
    promo = {as_date(p) for p in promotions}
    return np.array([2 if d in promo else (1 if d in cal else 0) for d in days], dtype=np.int8)


def _nanmedian_lastaxis(a: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN, via one sort (much faster than np.nanmedian on small windows)."""
    s = np.sort(a, axis=-1)                                  # NaN sort last
    cnt = np.sum(~np.isnan(a), axis=-1)
    lo = np.clip((cnt - 1) // 2, 0, a.shape[-1] - 1)
    hi = np.clip(cnt // 2, 0, a.shape[-1] - 1)
    med = 0.5 * (np.take_along_axis(s, lo[..., None], -1)[..., 0] + np.take_along_axis(s, hi[..., None], -1)[..., 0])
    return np.where(cnt > 0, med, np.nan)


def _centred_rolling_median(a: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    pad = np.pad(a, ((0, 0), (half, half)), constant_values=np.nan)
    return _nanmedian_lastaxis(np.lib.stride_tricks.sliding_window_view(pad, window, axis=1))


def _transform(values: np.ndarray, cfg: DailyConfig) -> tuple[np.ndarray, np.ndarray]:
    """(y, log offset per series; NaN = no log): log(value + c) for series with no negative value, where
    c = max(1, 10 % of the history's median): unit-free (KRW revenue and a conversion rate behave alike),
    and a zero day in a tiny shop is a moderate, not an infinite, deviation."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        use_log = np.full(values.shape[0], cfg.log_transform) & ~np.any(values < 0, axis=1)
        med = np.nan_to_num(np.nanmedian(values[:, :-1], axis=1), nan=0.0) if values.shape[1] > 1 \
            else np.zeros(values.shape[0])
    offset = np.where(use_log, np.maximum(1.0, 0.1 * med), np.nan)
    y = np.where(use_log[:, None], np.log(np.where(use_log[:, None], np.maximum(values, 0), 0)
                                          + np.nan_to_num(offset, nan=1.0)[:, None]), values)
    return y, offset


def _inverse(y: np.ndarray, offset: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(offset), np.exp(y) - np.nan_to_num(offset, nan=0.0), y)


@dataclass
class _Cleaned:
    clean: np.ndarray           # history with NaN / outliers / flagged days replaced by the robust fit
    robust_fit: np.ndarray      # level + weekly profile per day
    profile: np.ndarray         # (n, 7) by phase
    usable: np.ndarray          # finite, not flagged: counts as history


def _clean_history(h: np.ndarray, flags: np.ndarray, cfg: DailyConfig) -> _Cleaned:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)         # all-NaN series are expected (new sellers)
        return _clean_history_impl(h, flags, cfg)


def _clean_history_impl(h: np.ndarray, flags: np.ndarray, cfg: DailyConfig) -> _Cleaned:
    """Robust pre-pass on the history (n, T): weekly profile, centred rolling level, outliers replaced.

    Centred windows are fine here: every history day is in the past of the day being checked; the checked day
    itself is never part of `h`. Flagged days (holidays, promotions) are treated like missing: own regime.
    """
    n, T = h.shape
    phase = (np.arange(T) - T) % cfg.season                  # phase of the checked day (index T) is 0
    usable = np.isfinite(h) & (flags == 0)
    hu = np.where(usable, h, np.nan)
    local = _centred_rolling_median(hu, cfg.season)
    dev = hu - local
    recent = np.arange(T) >= T - cfg.profile_weeks * cfg.season
    profile = np.zeros((n, cfg.season))
    for k in range(cfg.season):
        cols = (phase == k) & recent
        if cols.any():
            profile[:, k] = _nanmedian_lastaxis(dev[:, cols])
    profile = np.nan_to_num(profile - np.nanmean(profile, axis=1, keepdims=True), nan=0.0)
    prof_t = profile[:, phase]
    level = _centred_rolling_median(hu - prof_t, cfg.clean_window)
    series_med = np.nanmedian(np.where(usable, hu - prof_t, np.nan), axis=1, keepdims=True) if usable.any() \
        else np.zeros((n, 1))
    series_med = np.nan_to_num(series_med, nan=0.0)
    # levels missing over long gaps: nearest earlier level, else the series median
    level = _ffill(level)
    level = np.where(np.isfinite(level), level, series_med)
    fit = level + prof_t
    r = hu - fit
    sd = MAD_TO_SD * np.nanmedian(np.abs(r), axis=1, keepdims=True) if usable.any() else np.ones((n, 1))
    sd = np.fmax(np.nan_to_num(sd, nan=0.0), cfg.sigma_min)
    outlier = np.abs(np.nan_to_num(r, nan=np.inf)) > cfg.clean_k * sd
    clean = np.where(outlier | ~usable, fit, h)
    return _Cleaned(clean, fit, profile, usable)


def _ffill(a: np.ndarray) -> np.ndarray:
    idx = np.where(np.isfinite(a), np.arange(a.shape[1])[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = a[np.arange(a.shape[0])[:, None], idx]
    return out


def _hw_initial(c: _Cleaned, cfg: DailyConfig) -> tuple[np.ndarray, np.ndarray]:
    """Known initial state: level = mean of the first two weeks minus profile; season = profile, in
    statsmodels' order (initial_seasonal[k] is the season of history day k)."""
    T = c.clean.shape[1]
    phase0 = (np.arange(cfg.season) - T) % cfg.season
    init_season = c.profile[:, phase0]
    first = min(T, 2 * cfg.season)
    init_level = np.mean(c.clean[:, :first] - c.profile[:, (np.arange(first) - T) % cfg.season], axis=1)
    return init_level, init_season


def _hw_additive_batch(y: np.ndarray, l0: np.ndarray, s0: np.ndarray, alpha: float,
                       gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Additive Holt-Winters, no trend, vectorised over series (statsmodels' recursion):
    f_t = l_{t-1} + s_{t-m};  l_t = a (y_t - s_{t-m}) + (1-a) l_{t-1};  s_t = g (y_t - l_{t-1}) + (1-g) s_{t-m}.
    Returns (one-step fitted values (n, T), forecast of day T (n,))."""
    n, T = y.shape
    m = s0.shape[1]
    season = np.empty((n, T + m))
    season[:, :m] = s0
    fitted = np.empty((n, T))
    lvl = l0.copy()
    for t in range(T):
        s_old = season[:, t]
        fitted[:, t] = lvl + s_old
        yt = y[:, t]
        season[:, t + m] = gamma * (yt - lvl) + (1 - gamma) * s_old
        lvl = alpha * (yt - s_old) + (1 - alpha) * lvl
    return fitted, lvl + season[:, T]


@dataclass
class DailyBaseline:
    """Baseline for the last day of one or many series (transformed space holds the model; raw = user units)."""

    forecast_t: np.ndarray          # forecast in model space (log1p or raw)
    sigma_t: np.ndarray             # one-step spread in model space
    fitted_t: np.ndarray            # one-step fitted values over the history (model space)


def _sigma(h_t: np.ndarray, fitted: np.ndarray, usable: np.ndarray, cfg: DailyConfig) -> np.ndarray:
    T = h_t.shape[1]
    recent = np.arange(T) >= T - cfg.sigma_days
    res = np.where(usable & recent[None, :], h_t - fitted, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = MAD_TO_SD * np.nanmedian(np.abs(res), axis=1) if res.size else np.full(h_t.shape[0], np.nan)
    return np.fmax(np.nan_to_num(sd, nan=cfg.sigma_min), cfg.sigma_min)


def _prepare(values: np.ndarray, day_flags, cfg: DailyConfig):
    v = np.atleast_2d(np.asarray(values, dtype=float))
    flags = np.zeros(v.shape, dtype=np.int16) if day_flags is None else \
        np.broadcast_to(np.asarray(day_flags, dtype=np.int16), v.shape)
    y, log_offset = _transform(v, cfg)
    return v, flags, y, log_offset


def fit_baseline_statsmodels(values_1d, day_flags=None, config: DailyConfig | None = None) -> DailyBaseline:
    """The naive reference: the same cleaned history and fixed parameters, fitted per series by statsmodels'
    ExponentialSmoothing (additive weekly season, known initial state). Forecasts the last day of `values_1d`."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    cfg = config or DailyConfig()
    _, flags, y, _ = _prepare(values_1d, day_flags, cfg)
    h, hf = y[:, :-1], flags[:, :-1]
    c = _clean_history(h, hf, cfg)
    l0, s0 = _hw_initial(c, cfg)
    model = ExponentialSmoothing(c.clean[0], seasonal="add", seasonal_periods=cfg.season,
                                 initialization_method="known", initial_level=float(l0[0]),
                                 initial_seasonal=s0[0])
    res = model.fit(smoothing_level=cfg.alpha, smoothing_seasonal=cfg.gamma, optimized=False)
    fitted = np.asarray(res.fittedvalues)[None, :]
    sigma = _sigma(h, fitted, c.usable, cfg)
    return DailyBaseline(np.asarray(res.forecast(1)), sigma, fitted)


def fit_baseline_batch(values: np.ndarray, day_flags=None, config: DailyConfig | None = None) -> DailyBaseline:
    """The same baseline as `fit_baseline_statsmodels`, vectorised over series (rows of `values`)."""
    cfg = config or DailyConfig()
    _, flags, y, _ = _prepare(values, day_flags, cfg)
    h, hf = y[:, :-1], flags[:, :-1]
    c = _clean_history(h, hf, cfg)
    l0, s0 = _hw_initial(c, cfg)
    fitted, fc = _hw_additive_batch(c.clean, l0, s0, cfg.alpha, cfg.gamma)
    return DailyBaseline(fc, _sigma(h, fitted, c.usable, cfg), fitted)


def check_daily_batch(values: np.ndarray, day_flags=None, config: DailyConfig | None = None) -> DailyCheckResult:
    """Check the LAST day (column) of every series (row) against its seasonal baseline.

    values: (n_series, n_days) float, NaN = no data that day. day_flags: None, (n_days,) shared calendar (see
    `korean_calendar_flags`) or (n_series, n_days); 0 = ordinary day, other codes = their own regime.
    """
    cfg = config or DailyConfig()
    v_all = np.atleast_2d(np.asarray(values, dtype=float))
    n = v_all.shape[0]
    flags_all = np.zeros(v_all.shape, dtype=np.int16) if day_flags is None else \
        np.broadcast_to(np.asarray(day_flags, dtype=np.int16), v_all.shape)
    parts = [_check_block(v_all[s:s + cfg.block_series], flags_all[s:s + cfg.block_series], cfg)
             for s in range(0, max(n, 1), cfg.block_series)] if n else []
    if not parts:
        e = np.zeros(0)
        return DailyCheckResult(e, e, e, e, e, e, e.astype(str), e, e.astype(str), e.astype(bool), e.astype(int))
    return DailyCheckResult(*(np.concatenate([getattr(p, f) for p in parts])
                              for f in DailyCheckResult.__dataclass_fields__))


def _check_block(v: np.ndarray, flags: np.ndarray, cfg: DailyConfig) -> DailyCheckResult:
    n, T1 = v.shape
    y, log_offset = _transform(v, cfg)
    h, hf = y[:, :-1], flags[:, :-1]
    today_flag = flags[:, -1].astype(int)
    c = _clean_history(h, hf, cfg)
    l0, s0 = _hw_initial(c, cfg)
    fitted, fc = _hw_additive_batch(c.clean, l0, s0, cfg.alpha, cfg.gamma)
    sigma = _sigma(h, fitted, c.usable, cfg)
    # holidays / promotions: their own regime, effect = median offset of past days with the same code
    shift = np.zeros(n)
    extra = np.zeros(n)
    for code in np.unique(today_flag[today_flag != 0]):
        rows = today_flag == code
        past = np.where((hf[rows] == code) & np.isfinite(h[rows]), h[rows] - c.robust_fit[rows], np.nan)
        cnt = np.sum(np.isfinite(past), axis=1)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nan_to_num(np.nanmedian(past, axis=1), nan=0.0)
            spread = MAD_TO_SD * np.nanmedian(np.abs(past - med[:, None]), axis=1)
        shift[rows] = med * cnt / (cnt + 1.0)                  # shrink towards "no effect" with few examples
        extra[rows] = np.fmax(np.nan_to_num(spread, nan=0.0), cfg.flag_sigma_min * (1 + 1 / (cnt + 1.0)))
    f = fc + shift
    s = np.sqrt(sigma**2 + extra**2)
    y_today = y[:, -1]
    z = (y_today - f) / s
    expected = _inverse(f, log_offset)
    lower = _inverse(f - cfg.interval_z * s, log_offset)
    upper = _inverse(f + cfg.interval_z * s, log_offset)
    lower = np.where(np.isfinite(log_offset), np.maximum(lower, 0.0), lower)
    actual = v[:, -1]
    with np.errstate(all="ignore"):
        rel = np.where(np.abs(expected) > 0, (actual - expected) / np.abs(expected), np.nan)
    enough = np.sum(c.usable, axis=1) >= cfg.min_history_days
    az, ar = np.abs(z), np.abs(np.nan_to_num(rel, nan=np.inf))
    volume = np.where(z < 0, expected, actual)
    ok = enough & np.isfinite(z) & (volume >= cfg.min_expected)
    sev = np.full(n, "none", dtype=object)
    sev[ok & (az >= cfg.z_info) & (ar >= cfg.rel_info)] = "info"
    sev[ok & (az >= cfg.z_warning) & (ar >= cfg.rel_warning)] = "warning"
    sev[ok & (az >= cfg.z_critical) & (ar >= cfg.rel_critical)] = "critical"
    dead = ok & (actual == 0) & (expected >= cfg.dead_stop_min_expected) & (z <= -cfg.z_info)
    sev[dead] = "critical"
    direction = np.where(sev == "none", "none", np.where(z < 0, "drop", "spike"))
    score = np.where(np.isfinite(z), z**2 / (z**2 + cfg.z_info**2), 0.0)
    return DailyCheckResult(actual, expected, lower, upper, z, score, direction.astype(str), rel,
                            sev.astype(str), enough, today_flag)


# ======================================================================== 3. intraday check

@dataclass(frozen=True)
class IntradayConfig:
    """Knobs of the intraday check ("by 14:00 revenue is 45 % below a normal Tuesday by 14:00")."""

    min_expected: float = 10.0      # volume gate in metric units by this hour (tiny shops are not paged)
    min_weeks: int = 3              # same-weekday history needed
    interval_z: float = 2.576
    min_rel_sd: float = 0.10        # spread floor (log space) ...
    count_like: bool = True         # ... and Poisson-like floor 1/sqrt(expected) for counts / small volumes
    rel_info: float = 0.25
    rel_warning: float = 0.40
    rel_critical: float = 0.60
    z_info: float = 3.0


@dataclass
class IntradayCheck:
    """Verdict for "by `hour`:00 today vs the same weekday's previous weeks"."""

    hour: int
    actual: float
    expected: float
    lower: float
    upper: float
    relative_gap: float             # (actual - expected) / expected
    z: float
    severity: str
    direction: str
    gated: bool                     # True: below the minimum volume, never alerts
    weeks_used: int
    notes: list[str] = field(default_factory=list)

    def summary_en(self, metric: str = "revenue", weekday: str = "day") -> str:
        """Plain English one-liner, e.g. 'by 14:00 revenue is 45 % below what a normal Tuesday has by 14:00'."""
        if not math.isfinite(self.relative_gap):
            return f"by {self.hour:02d}:00 there is not enough history to compare {metric}"
        word = "below" if self.relative_gap < 0 else "above"
        return (f"by {self.hour:02d}:00 {metric} is {abs(self.relative_gap) * 100:.0f} % {word} what a normal "
                f"{weekday} has by {self.hour:02d}:00")


def check_intraday(today_cumulative_by_hour, history_cumulative_by_hour, hour: int,
                   config: IntradayConfig | None = None) -> IntradayCheck:
    """Compare today's cumulative metric at the end of `hour` (0-23) with the same weekday's previous weeks.

    today_cumulative_by_hour: (24,) cumulative totals (only index `hour` is used; later entries may be NaN).
    history_cumulative_by_hour: (weeks, 24), most recent week last, NaN rows for missing days.
    """
    cfg = config or IntradayConfig()
    today = np.asarray(today_cumulative_by_hour, dtype=float).ravel()
    hist = np.atleast_2d(np.asarray(history_cumulative_by_hour, dtype=float))
    if not 0 <= hour < 24:
        raise ValueError("hour must be 0..23")
    actual = float(today[hour]) if hour < len(today) else float("nan")
    col = hist[:, hour] if hist.shape[1] > hour else np.zeros(0)
    col = col[np.isfinite(col) & (col >= 0)]
    nan = float("nan")
    if len(col) < cfg.min_weeks or not math.isfinite(actual):
        return IntradayCheck(hour, actual, nan, nan, nan, nan, nan, "none", "none", False, len(col),
                             ["not enough same-weekday history"])
    lc = np.log1p(col)
    centre = float(np.median(lc))
    expected = float(np.expm1(centre))
    spread = MAD_TO_SD * float(np.median(np.abs(lc - centre)))
    floor = cfg.min_rel_sd
    if cfg.count_like:
        floor = max(floor, 1.0 / math.sqrt(expected + 1.0))     # Poisson: a 3-order day is naturally +-60 %
    sd = max(spread, floor) * math.sqrt(1 + 1 / len(col))
    z = (math.log1p(max(actual, 0.0)) - centre) / sd
    lower = float(np.expm1(centre - cfg.interval_z * sd))
    upper = float(np.expm1(centre + cfg.interval_z * sd))
    rel = (actual - expected) / expected if expected > 0 else nan
    gated = expected < cfg.min_expected
    sev = "none"
    if not gated and math.isfinite(rel) and abs(z) >= cfg.z_info:
        for name, thr in (("critical", cfg.rel_critical), ("warning", cfg.rel_warning), ("info", cfg.rel_info)):
            if abs(rel) >= thr:
                sev = name
                break
    direction = "none" if sev == "none" else ("drop" if rel < 0 else "spike")
    notes = [f"below the minimum volume {cfg.min_expected:g}"] if gated else []
    return IntradayCheck(hour, actual, expected, max(lower, 0.0), upper, rel, z, sev, direction, gated, len(col),
                         notes)


def with_overrides(config, **changes):
    """A copy of a frozen config with some fields changed (for CLIs and rules)."""
    return replace(config, **changes)
