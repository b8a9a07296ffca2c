"""Backtest I/O: read a `timestamp,value` CSV, run the streaming detector as if live, write scores as CSV.

Input: a header row naming `timestamp` and `value` (any case, any position; extra columns are ignored), then
rows with ISO timestamps (`2026-11-20T05:00:00`, `2026-11-20 05:00:00`, with or without a zone; the wall
clock as written is used for time-of-day seasonality) and numeric values (empty / NaN / NA = missing; the
row is still scored). Output: `timestamp,value,anomaly_score,is_alert` in input order, timestamp and value
echoed exactly as given, score with 6 decimals, is_alert 0/1.

Memory stays bounded: the input is read twice from a seekable stream (or a spooled temporary copy of a
pipe): once to validate every row -- so an unreadable file fails before any output, with row numbers --
then in chunks through `StreamDetector`.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from datetime import datetime
from typing import TextIO

import numpy as np
import polars as pl

from alerts.detect import StreamConfig, StreamDetector

MISSING = {"", "nan", "na", "n/a", "null", "none", "-"}
MAX_REPORTED = 20
EPOCH = datetime(1970, 1, 1)


class BacktestInputError(ValueError):
    """The CSV cannot be scored: missing header columns or unreadable rows (with their row numbers)."""

    def __init__(self, message: str, bad_rows: list[tuple[int, str]] | None = None):
        self.bad_rows = bad_rows or []
        if self.bad_rows:
            lines = "\n".join(f"  row {r}: {why}" for r, why in self.bad_rows[:MAX_REPORTED])
            message = f"{message}\n{lines}"
        super().__init__(message)


def parse_timestamp(text: str) -> float:
    """Epoch seconds of the wall-clock time as written (a zone suffix is accepted and not converted)."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1]
    dt = datetime.fromisoformat(s)
    return (dt.replace(tzinfo=None) - EPOCH).total_seconds()


def parse_value(text: str) -> float:
    s = text.strip()
    if s.lower() in MISSING:
        return math.nan
    v = float(s)
    return v if math.isfinite(v) else math.nan


# a zone suffix after a time of day: Z, +09:00, -0500, +09 (numpy would convert those to UTC; we keep wall time)
_ZONE = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)\s*$", re.M)


def parse_chunk(rows: list[tuple[int, str | None, str | None]]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """(epoch seconds, values, bad rows) for a list of (row number, timestamp text, value text).

    Fast path: numpy parses a whole chunk of zone-less ISO timestamps / plain numbers at once; anything it
    refuses is parsed row by row, which also finds the unreadable rows and says why.
    """
    n = len(rows)
    t = np.full(n, np.nan)
    v = np.full(n, np.nan)
    bad: list[tuple[int, str]] = []
    ts_txt = [r[1] for r in rows]
    val_txt = [r[2] for r in rows]
    fast_t = fast_v = False
    if None not in ts_txt:
        if not _ZONE.search("\n".join(ts_txt)):
            try:
                arr = np.array([x.strip() for x in ts_txt], dtype="datetime64[ms]")
                if not np.isnat(arr).any():
                    t = arr.astype("int64") / 1000.0
                    fast_t = True
            except ValueError:
                pass
        try:
            v = np.array(val_txt, dtype=float)
            v[~np.isfinite(v)] = np.nan
            fast_v = True
        except ValueError:
            pass
    if fast_t and fast_v:
        return t, v, bad
    for i, (k, ts, val) in enumerate(rows):
        if ts is None:
            bad.append((k, "fewer columns than the header"))
            continue
        if not fast_t:
            try:
                t[i] = parse_timestamp(ts)
            except ValueError:
                bad.append((k, f"unreadable timestamp {ts!r}"))
                continue
        if not fast_v:
            try:
                v[i] = parse_value(val)
            except ValueError:
                bad.append((k, f"value {val!r} is not a number"))
    return t, v, bad


def _chunks(stream: TextIO, chunk_rows: int):
    buf = []
    for row in _rows(stream):
        buf.append(row)
        if len(buf) >= chunk_rows:
            yield buf
            buf = []
    if buf:
        yield buf


def _columns(header: list[str]) -> tuple[int, int]:
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "timestamp" not in names or "value" not in names:
        raise BacktestInputError(
            "the first row must be a header naming the columns 'timestamp' and 'value' "
            f"(found: {', '.join(h.strip() for h in header) or 'an empty row'})")
    return names.index("timestamp"), names.index("value")


def _rows(stream: TextIO):
    """(row number in the file, timestamp text, value text) after the header; row 1 is the header."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise BacktestInputError("the file is empty: a header 'timestamp,value' is required")
    ti, vi = _columns(header)
    need = max(ti, vi)
    for k, row in enumerate(reader, start=2):
        if len(row) <= need:
            if not row or all(not c.strip() for c in row):
                continue                                    # blank lines are not data
            yield k, None, None
        else:
            yield k, row[ti], row[vi]


def validate(stream: TextIO, chunk_rows: int = 50_000) -> int:
    """Check every row; raise BacktestInputError listing unreadable rows. Returns the number of data rows."""
    bad: list[tuple[int, str]] = []
    n = 0
    for rows in _chunks(stream, chunk_rows):
        n += len(rows)
        bad.extend(parse_chunk(rows)[2])
    if bad:
        more = f" (first {MAX_REPORTED} shown)" if len(bad) > MAX_REPORTED else ""
        raise BacktestInputError(f"{len(bad)} unreadable row(s){more}; nothing was scored:", bad)
    return n


def run_backtest(in_text_stream: TextIO, out_text_stream: TextIO, config: StreamConfig | None = None,
                 chunk_rows: int = 100_000) -> int:
    """Score a `timestamp,value` CSV stream as if live and write the scored CSV. Returns the rows written."""
    source = in_text_stream
    if not _seekable(source):
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024, mode="w+", encoding="utf-8", newline="")
        for block in iter(lambda: source.read(1 << 20), ""):
            spool.write(block)
        spool.seek(0)
        source = spool
    start = source.tell()
    validate(source, chunk_rows)
    source.seek(start)
    detector = StreamDetector(config)
    out_text_stream.write("timestamp,value,anomaly_score,is_alert\n")
    written = 0
    for rows in _chunks(source, chunk_rows):
        t, v, _ = parse_chunk(rows)
        scores = detector.update(t, v)
        frame = pl.DataFrame({"timestamp": [r[1] for r in rows], "value": [r[2] for r in rows],
                              "anomaly_score": scores.anomaly_score, "is_alert": scores.is_alert.astype(np.int8)},
                             schema={"timestamp": pl.String, "value": pl.String, "anomaly_score": pl.Float64,
                                     "is_alert": pl.Int8})
        out_text_stream.write(frame.write_csv(None, include_header=False, float_precision=6, line_terminator="\n"))
        written += len(rows)
    return written


def _seekable(stream: TextIO) -> bool:
    """True for files and StringIO; False for pipes (stdin), which are spooled first."""
    try:
        return bool(stream.seekable()) and stream.tell() >= 0
    except (AttributeError, ValueError, OSError):
        return False
