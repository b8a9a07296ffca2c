"""Tests for `python -m alerts backtest` (alerts/backtest.py, alerts/__main__.py), run as a real subprocess."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np

from alerts import detect, synthetic
from alerts.backtest import BacktestInputError, run_backtest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alerts", "backtest", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _write_series(path: Path, s: synthetic.SyntheticSeries, extra: bool = False) -> list[str]:
    stamps = [str(t).replace("T", " ") for t in s.timestamps]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "value", "메모"] if extra else ["timestamp", "value"])
        for t, v in zip(stamps, s.values, strict=True):
            w.writerow([t, "" if np.isnan(v) else f"{v:g}", "광고 캠페인"] if extra else [t, f"{v:g}"])
    return stamps


def test_cli_scores_series_like_the_library(tmp_path):
    s = synthetic.generate("traffic_occupancy", seed=2, n=1200)
    s.values[800:840] *= 0.2                                              # an incident the detector must see
    path = tmp_path / "series.csv"
    stamps = _write_series(path, s, extra=True)
    done = _cli(str(path))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "is_alert"]
    assert [r["timestamp"] for r in rows] == stamps                      # echoed as given, input order
    scores = np.array([float(r["anomaly_score"]) for r in rows])
    alerts = np.array([r["is_alert"] == "1" for r in rows])
    assert all(len(r["anomaly_score"].split(".")[1]) == 6 for r in rows[:50])
    assert set(r["is_alert"] for r in rows) <= {"0", "1"} and ((scores >= 0) & (scores <= 1)).all()
    values = np.array([float(f"{v:g}") for v in s.values])
    ref = detect.score_stream(s.timestamps, values)
    np.testing.assert_allclose(scores, ref.anomaly_score, atol=5e-7)
    np.testing.assert_array_equal(alerts, ref.is_alert)
    assert alerts[800:804].any()


def test_cli_reads_stdin_zones_missing_values_and_bom():
    text = ("\ufeffTimestamp,Value\n2026-01-01T00:00:00+09:00,1\n2026-01-01T01:00:00Z,\n"
            "2026-01-01 02:00:00,NaN\n\n2026-01-01 02:00:00,3.5\n")
    done = _cli("-", stdin=text)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,is_alert"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["2026-01-01T00:00:00+09:00", "2026-01-01T01:00:00Z",
                                                      "2026-01-01 02:00:00", "2026-01-01 02:00:00"]
    assert all(ln.endswith(",0") for ln in lines[1:])                    # warm-up: no alerts


def test_cli_reports_bad_rows_with_numbers_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n2026-01-01 00:00:00,1\n2026-13-01 00:00:00,2\n2026-01-01 02:00:00,abc\n"
                    "2026-01-01 03:00:00\n2026-01-01 04:00:00,4\n", encoding="utf-8")
    done = _cli(str(path))
    assert done.returncode != 0 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "row 3" in done.stderr and "row 4" in done.stderr and "row 5" in done.stderr
    assert "row 2" not in done.stderr and "row 6" not in done.stderr
    no_header = tmp_path / "noheader.csv"
    no_header.write_text("2026-01-01 00:00:00,1\n", encoding="utf-8")
    done = _cli(str(no_header))
    assert done.returncode != 0 and "header" in done.stderr and "Traceback" not in done.stderr
    missing = _cli(str(tmp_path / "nope.csv"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    bad_opt = _cli(str(path), "--persistence", "3/2")
    assert bad_opt.returncode != 0 and "Traceback" not in bad_opt.stderr


def test_run_backtest_streams_in_chunks_same_as_whole():
    s = synthetic.generate("hourly_cpc", seed=8, n=2000)
    text = "timestamp,value\n" + "\n".join(f"{str(t)},{float(v)!r}" for t, v in zip(s.timestamps, s.values, strict=True))
    small, big = io.StringIO(), io.StringIO()
    assert run_backtest(io.StringIO(text), small, chunk_rows=97) == 2000
    run_backtest(io.StringIO(text), big, chunk_rows=100_000)
    assert small.getvalue() == big.getvalue()


def test_bad_rows_error_lists_row_numbers():
    try:
        run_backtest(io.StringIO("timestamp,value\nx,1\n2026-01-01,2\n2026-01-02,y\n"), io.StringIO())
    except BacktestInputError as exc:
        assert [r for r, _ in exc.bad_rows] == [2, 4]
    else:
        raise AssertionError("expected BacktestInputError")
