"""Benchmark: the streaming detector on real labelled NAB series, scored with NAB's own rules, vs a rolling Gaussian.

    .venv/bin/python -m bench.alerts_nab --nab-dir /tmp/nab
    .venv/bin/python -m bench.alerts_nab --nab-dir /tmp/nab --per-file        # + one row per series

What it runs: every `<nab-dir>/data/<category>/<file>.csv` that has an entry in
`<nab-dir>/labels/combined_windows.json` goes through `alerts.backtest.run_backtest` -- exactly the code path of
`python -m alerts backtest FILE.csv` with the default `StreamConfig` -- and the `is_alert` column of its output is
scored. Also scored: the same output's `anomaly_score >= 0.5` (what a scorer that thresholds the score sees), and a
rolling Gaussian (value outside the trailing mean +- 3 sd over one day of rows, at least 48 rows; see
bench/alerts_eval.py) with and without our alert-once-per-episode rule.

Scoring = NAB's rules (nab/sweeper.py, re-implemented here, no NAB code is vendored):
- profiles: standard (TP 1, FP 0.11, FN 1), reward_low_FP_rate (1, 0.22, 1), reward_low_FN_rate (1, 0.11, 2);
- probationary period: the first min(floor(0.15 n), 750) rows of each file are not scored;
- a detection inside a window earns tpWeight * scaledSigmoid(-(right - i + 1) / width) / scaledSigmoid(-1), and
  only the best (earliest) detection of a window counts; a window without one costs fnWeight;
- a detection outside every window costs fpWeight * scaledSigmoid(|i - right_prev| / (width_prev - 1)) after a
  window (mild right after it) and fpWeight before the first window; scaledSigmoid(x) = 2 / (1 + e^(5x)) - 1,
  -1 from x >= 3;
- normalised score = 100 * (raw - null) / (perfect - null) per group of files (a category, or all), where null is
  the raw score of the detector that never fires and perfect = tpWeight * number of windows (NAB's normaliser).
Event figures: a window with at least one scorable detection is a detected anomaly; detections outside every
window are false alerts; precision = detected / (detected + false alerts), recall = detected / windows.

HELD-OUT DATA: NAB's realAdExchange and realTraffic categories are the held-out test of this detector. This
module refuses to read them (their folders and their label entries are skipped without being opened); do not
copy them into the validation folder at all.

Getting the validation data (NAB is AGPL-licensed: keep it OUTSIDE this repository, e.g. /tmp/nab):

    git clone --depth 1 https://github.com/numenta/NAB /tmp/nab-src
    mkdir -p /tmp/nab/data /tmp/nab/labels
    for c in realKnownCause realAWSCloudwatch realTweets artificialWithAnomaly artificialNoAnomaly; do
        cp -r /tmp/nab-src/data/$c /tmp/nab/data/; done
    .venv/bin/python -c "import json; w = json.load(open('/tmp/nab-src/labels/combined_windows.json')); \
json.dump({k: v for k, v in w.items() if not k.startswith(('realAdExchange/', 'realTraffic/'))}, \
open('/tmp/nab/labels/combined_windows.json', 'w'), indent=1)"
    rm -rf /tmp/nab-src

Layout expected: <nab-dir>/data/<category>/<file>.csv (columns timestamp,value; extra columns such as NAB's old
`label` are ignored, as by the backtest CLI) and <nab-dir>/labels/combined_windows.json ({"<category>/<file>.csv":
[[start, end], ...]} with timestamps like "2014-02-26 13:45:00.000000"). Files present without an entry in the
windows file are skipped; entries without a file are listed as missing. Where only some files could be fetched
(machines without network access to GitHub: page them through a repository-reading tool), the table covers exactly
the files found, and says so.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts.backtest import run_backtest  # noqa: E402
from alerts.detect import StreamConfig  # noqa: E402
from bench.alerts_eval import once_per_episode, rolling_gaussian_alerts  # noqa: E402

HELD_OUT = ("realAdExchange", "realTraffic")
VALIDATION_CATEGORIES = ("realKnownCause", "realAWSCloudwatch", "realTweets", "artificialWithAnomaly",
                         "artificialNoAnomaly")
PROFILES = {   # NAB config/profiles.json cost matrices: (tpWeight, fpWeight, fnWeight)
    "standard": (1.0, 0.11, 1.0),
    "low_FP": (1.0, 0.22, 1.0),
    "low_FN": (1.0, 0.11, 2.0),
}
DETECTORS = ("ours", "ours_score>=0.5", "gauss", "gauss+ep")


# ---------------------------------------------------------------- NAB scoring

def scaled_sigmoid(x: float) -> float:
    """NAB's scaled sigmoid: 0.987 at the left edge of a window (x = -1), 0 at its right edge, -1 far after it."""
    if x >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_rows(n: int, percent: float = 0.15) -> int:
    """NAB's probationary length: min(floor(percent * n), percent * 5000) rows are not scored."""
    return int(min(math.floor(percent * n), percent * 5000))


def window_rows(t: np.ndarray, windows: list[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """Row ranges (inclusive) of label windows: first row at/after the start .. first row at the end (NAB looks the
    end up by exact timestamp; the last row before it when the exact timestamp is absent)."""
    out = []
    for a, b in windows:
        ta, tb = np.datetime64(a, "ms"), np.datetime64(b, "ms")
        lo = int(np.searchsorted(t, ta, side="left"))
        exact = np.flatnonzero(t == tb)
        hi = int(exact[0]) if len(exact) else int(np.searchsorted(t, tb, side="right")) - 1
        if lo <= hi and lo < len(t):
            out.append((lo, hi))
    return out


def sweep_scores(n: int, wins: list[tuple[int, int]], profile: tuple[float, float, float]) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """(score a detection would earn at each row, window index of each row or -1), as NAB's Sweeper computes them."""
    tp_w, fp_w, _ = profile
    max_tp = scaled_sigmoid(-1.0)
    score = np.empty(n)
    win_of = np.full(n, -1)
    prev_right, prev_width = None, None
    k = 0
    i = 0
    while i < n:
        if k < len(wins) and i == wins[k][0]:
            a, b = wins[k]
            width = float(b - a + 1)
            for j in range(a, b + 1):
                score[j] = scaled_sigmoid(-(b - j + 1) / width) * tp_w / max_tp
                win_of[j] = k
            prev_right, prev_width = b, width
            k += 1
            i = b + 1
            continue
        if prev_right is None:
            pos = 3.0
        else:
            pos = abs(prev_right - i) / max(prev_width - 1.0, 1.0)
        score[i] = scaled_sigmoid(pos) * fp_w
        i += 1
    return score, win_of


@dataclass
class FileScore:
    """One detector on one file: raw and null NAB scores per profile, and event counts."""

    raw: dict
    null: dict
    windows_total: int          # windows in the labels (NAB's "perfect" counts all of them)
    windows_scorable: int       # windows with at least one row after the probationary period
    detected: int
    false_alerts: int
    alerts: int


def score_file(alert_rows: np.ndarray, n: int, wins: list[tuple[int, int]]) -> FileScore:
    """NAB score of binary detections (row indices) on one file of n rows with window row ranges `wins`."""
    prob = probation_rows(n)
    det = np.unique(alert_rows[(alert_rows >= prob) & (alert_rows < n)]).astype(int)
    scorable = [k for k, (a, b) in enumerate(wins) if b >= prob]
    raw, null = {}, {}
    detected = false_alerts = 0
    for name, prof in PROFILES.items():
        s, win_of = sweep_scores(n, wins, prof)
        _, _, fn_w = prof
        total = 0.0
        hits = 0
        for k in scorable:
            inside = det[win_of[det] == k]
            if len(inside):
                total += max(-fn_w, float(s[inside].max()))
                hits += 1
            else:
                total -= fn_w
        outside = det[win_of[det] < 0]
        total += float(s[outside].sum())
        raw[name] = total
        null[name] = -fn_w * len(scorable)
        detected, false_alerts = hits, len(outside)
    return FileScore(raw, null, len(wins), len(scorable), detected, false_alerts, len(det))


@dataclass
class Tally:
    """Sums of FileScores over a group of files (a category or everything) for one detector."""

    files: int = 0
    raw: dict = field(default_factory=lambda: {p: 0.0 for p in PROFILES})
    null: dict = field(default_factory=lambda: {p: 0.0 for p in PROFILES})
    windows_total: int = 0
    windows_scorable: int = 0
    detected: int = 0
    false_alerts: int = 0

    def add(self, f: FileScore) -> None:
        self.files += 1
        for p in PROFILES:
            self.raw[p] += f.raw[p]
            self.null[p] += f.null[p]
        self.windows_total += f.windows_total
        self.windows_scorable += f.windows_scorable
        self.detected += f.detected
        self.false_alerts += f.false_alerts

    def row(self) -> dict:
        prec = self.detected / max(self.detected + self.false_alerts, 1)
        rec = self.detected / max(self.windows_scorable, 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-12)
        out = {"files": self.files, "windows": self.windows_scorable, "detected": self.detected,
               "false_alerts": self.false_alerts, "precision": round(prec, 3), "recall": round(rec, 3),
               "f1": round(f1, 3)}
        for p, (tp_w, _, _) in PROFILES.items():
            perfect = tp_w * self.windows_total
            denom = perfect - self.null[p]
            # a group without windows (artificialNoAnomaly): NAB's normaliser is undefined; report the raw score
            out[f"nab_{p}"] = round(100 * (self.raw[p] - self.null[p]) / denom, 1) if denom > 0 else None
        out["raw_standard"] = round(self.raw["standard"], 2)
        return out


# ---------------------------------------------------------------- running the detectors

def parse_windows(path: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    """Windows per "<category>/<file>.csv", held-out categories dropped before anything else looks at them."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for key, wins in raw.items():
        if key.split("/", 1)[0] in HELD_OUT:
            continue
        out[key] = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in wins]
    return out


def backtest_file(path: Path, config: StreamConfig | None = None) -> pl.DataFrame:
    """The scored CSV exactly as `python -m alerts backtest FILE` writes it, parsed back (timestamp as Datetime)."""
    out = io.StringIO()
    with open(path, encoding="utf-8", newline="") as f:
        run_backtest(f, out, config)
    out.seek(0)
    df = pl.read_csv(out, schema_overrides={"timestamp": pl.String, "value": pl.String})
    return df.with_columns(pl.col("timestamp").str.to_datetime(time_unit="ms", strict=False),
                           pl.col("value").cast(pl.Float64, strict=False))


def gaussian_window_rows(t: np.ndarray) -> int:
    secs = t.astype("datetime64[s]").astype("int64")
    d = np.diff(secs)
    d = d[d > 0]
    step = float(np.median(d)) if len(d) else 86400.0
    return 28 if step >= 43200 else max(48, int(86400 / step))


def detections(df: pl.DataFrame, rearm_rows: int) -> dict[str, np.ndarray]:
    """Row indices of detections per detector on one backtested file."""
    values = df["value"].to_numpy().astype(float)
    t = df["timestamp"].to_numpy()
    g = rolling_gaussian_alerts(values, gaussian_window_rows(t))
    return {
        "ours": np.flatnonzero(df["is_alert"].to_numpy() == 1),
        "ours_score>=0.5": np.flatnonzero(df["anomaly_score"].to_numpy() >= 0.5),
        "gauss": np.flatnonzero(g),
        "gauss+ep": np.flatnonzero(once_per_episode(g, rearm_rows)),
    }


def evaluate(nab_dir: Path, categories: list[str], config: StreamConfig | None = None,
             per_file: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """(table per category + overall, table per file, notes). Files are scored in sorted order."""
    cfg = config or StreamConfig()
    windows = parse_windows(nab_dir / "labels" / "combined_windows.json")
    notes = []
    tallies: dict[tuple[str, str], Tally] = {}
    file_rows = []
    for cat in categories:
        folder = nab_dir / "data" / cat
        expected = sorted(k for k in windows if k.startswith(cat + "/"))
        found = sorted(folder.glob("*.csv")) if folder.is_dir() else []
        found_keys = {f"{cat}/{p.name}" for p in found}
        missing = [k for k in expected if k not in found_keys]
        if missing:
            notes.append(f"{cat}: {len(expected) - len(missing)} of {len(expected)} labelled files present "
                         f"(missing: {', '.join(k.split('/', 1)[1] for k in missing)})")
        for p in found:
            key = f"{cat}/{p.name}"
            if key not in windows:
                notes.append(f"{key}: no entry in combined_windows.json, skipped")
                continue
            df = backtest_file(p, cfg)
            t = df["timestamp"].to_numpy().astype("datetime64[ms]")
            wins = window_rows(t, windows[key])
            n = len(df)
            for det, rows in detections(df, cfg.rearm_rows).items():
                fs = score_file(rows, n, wins)
                for group in (cat, "ALL"):
                    tallies.setdefault((group, det), Tally()).add(fs)
                if per_file:
                    file_rows.append({"file": key, "rows": n, "detector": det, "windows": fs.windows_scorable,
                                      "detected": fs.detected, "false_alerts": fs.false_alerts,
                                      "raw_standard": round(fs.raw["standard"], 3),
                                      "null_standard": fs.null["standard"]})
    rows = []
    for group in [*categories, "ALL"]:
        for det in DETECTORS:
            if (group, det) in tallies:
                rows.append({"category": group, "detector": det, **tallies[(group, det)].row()})
    return pl.DataFrame(rows), pl.DataFrame(file_rows), notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nab-dir", type=Path, required=True, help="folder with data/<category>/*.csv and labels/")
    ap.add_argument("--categories", default=",".join(VALIDATION_CATEGORIES))
    ap.add_argument("--per-file", action="store_true", help="also print one row per file and detector")
    args = ap.parse_args(argv)
    cats = [c.strip() for c in args.categories.split(",") if c.strip()]
    refused = [c for c in cats if c in HELD_OUT]
    if refused:
        print(f"error: {', '.join(refused)} is held-out test data and is never read by this benchmark",
              file=sys.stderr)
        return 2
    labels = args.nab_dir / "labels" / "combined_windows.json"
    if not labels.is_file():
        print(f"error: {labels} not found (see the module docstring for how to fetch NAB)", file=sys.stderr)
        return 2
    pl.Config.set_tbl_rows(200)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(220)
    t0 = time.perf_counter()
    table, files, notes = evaluate(args.nab_dir, cats, per_file=args.per_file)
    for note in notes:
        print("note:", note)
    if table.is_empty():
        print("error: no labelled validation file found under", args.nab_dir / "data", file=sys.stderr)
        return 2
    print(table)
    if args.per_file:
        print(files)
    print(f"run {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
