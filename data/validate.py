"""Typed parsing of text columns with Polars expressions, and the row problems that parsing finds."""

from __future__ import annotations

import polars as pl

from data.readers import ROW

PROBLEM_SCHEMA = {ROW: pl.Int64, "column": pl.String, "reason": pl.String, "value": pl.String}
MAX_MONEY = 1e15          # DECIMAL(18, 2) holds 16 integer digits
MAX_INT32 = 2_147_483_647

# ---------------------------------------------------------------- dates and times

_DATES = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m.%d.%Y", "%d-%m-%Y", "%Y%m%d",
          "%m/%d/%y", "%d/%m/%y", "%d.%m.%y")   # two-digit years, as spreadsheets re-save UCI-style exports
# A year outside this range is a mis-read (e.g. '12/1/10' read with %Y as the year 10), not a date.
_PLAUSIBLE_YEARS = (1900, 2200)
_TIMES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S%.f", " %I:%M %p", " %I:%M:%S %p",
          "T%H:%M", "T%H:%M:%S", "T%H:%M:%S%.f")
FORMATS = tuple(d + t + z for d in _DATES for t in _TIMES for z in ("", "%z")
                if not (t.startswith("T") and d != "%Y-%m-%d"))
EXCEL_SERIAL = "excel-serial"
SAMPLE = 3000


def _family(fmt: str) -> str | None:
    if fmt.startswith(("%m/", "%m.")):
        return "MD"
    if fmt.startswith(("%d/", "%d.", "%d-")):
        return "DM"
    return None


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_NAMES = [*_MONTHS, "sept"] + [m[:3] for m in _MONTHS]     # longest first
_MONTH_MARKS = [f"M{i}M" for i in range(1, 13)] + ["M9M"] + [f"M{i}M" for i in range(1, 13)]


def normalize_datetime_text(expr: pl.Expr) -> pl.Expr:
    """Rewrite Korean, dotted, slashed, month-name and offset spellings into the few shapes FORMATS knows."""
    s = expr.str.strip_chars()
    s = s.str.replace(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일", "${1}-${2}-${3}")
    s = s.str.replace(r"(\d{1,2})\s*시\s*(\d{1,2})\s*분\s*(\d{1,2})\s*초", "${1}:${2}:${3}")
    s = s.str.replace(r"(\d{1,2})\s*시\s*(\d{1,2})\s*분", "${1}:${2}")
    s = s.str.replace(r"(\d{1,2})\s*시$", "${1}:00")
    s = s.str.replace(r"^(\d{4})[./]\s*(\d{1,2})[./]\s*(\d{1,2})\.?", "${1}-${2}-${3}")
    # a weekday after the day, as Korean reports write it: 2026.11.01.(일), 2026-11-02 (월), 2026년 11월 4일 수요일
    s = s.str.replace(r"(\d)\s*\(\s*(?:[월화수목금토일](?:요일)?|(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\.?\s*\)", "${1} ")
    s = s.str.replace(r"(\d)\s+[월화수목금토일]요일", "${1} ")
    s = s.str.replace(r"(오전|AM|am|a\.m\.)\s*(\d{1,2}:\d{2}(?::\d{2})?)", "${2} AM")
    s = s.str.replace(r"(오후|PM|pm|p\.m\.)\s*(\d{1,2}:\d{2}(?::\d{2})?)", "${2} PM")
    # English month names ("Nov 1, 2026", "Sunday, November 1, 2026", "1 Nov 2026"): weekday dropped, the month
    # marked as a number (M11M) so the two orders stay apart, then rewritten to year-month-day
    s = s.str.replace(r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", "")
    s = s.str.replace_many(_MONTH_NAMES, _MONTH_MARKS, ascii_case_insensitive=True, leftmost=True)
    s = s.str.replace(r"^M(\d{1,2})M\.?\s+(\d{1,2}),?\s+(\d{4})", "${3}-${1}-${2}")
    s = s.str.replace(r"^(\d{1,2})\s+M(\d{1,2})M\.?,?\s+(\d{4})", "${3}-${2}-${1}")
    s = s.str.replace(r"(\d)\s*(?:Z|UTC|GMT)$", "${1}+0000")
    s = s.str.replace(r"(\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([+-]\d{2}):?(\d{2})$", "${1}${2}${3}")
    s = s.str.replace(r"\s+", " ")
    return s.str.strip_chars()


def _parse_with(expr: pl.Expr, fmt: str) -> pl.Expr:
    """Naive datetime (offsets already converted to UTC and marked by tz); null where it does not parse."""
    if fmt == EXCEL_SERIAL:
        days = expr.cast(pl.Float64, strict=False)
        days = pl.when((days > 1) & (days < 2958465)).then(days)
        return ((days - 25569.0) * 86_400_000_000).cast(pl.Int64).cast(pl.Datetime("us"))
    parsed = expr.str.strptime(pl.Datetime("us", "UTC") if fmt.endswith("%z") else pl.Datetime("us"),
                               fmt, strict=False, exact=True)
    return pl.when(parsed.dt.year().is_between(*_PLAUSIBLE_YEARS)).then(parsed)


def _choose_formats(sample: pl.Series) -> list[str]:
    """Greedy cover of the sample: the format parsing most values first, then ones adding more, one D/M family."""
    frame = pl.DataFrame({"v": sample})
    candidates = list(FORMATS)
    if sample.str.contains(r"^\d{5}(\.\d+)?$").any():
        candidates.append(EXCEL_SERIAL)
    parsed = frame.select([_parse_with(pl.col("v"), f).is_not_null().alias(str(i))
                           for i, f in enumerate(candidates)])
    scores = {candidates[int(c)]: parsed[c] for c in parsed.columns}
    chosen: list[str] = []
    covered = pl.Series([False] * len(sample))
    family: str | None = None
    for _ in range(4):
        best, best_gain = None, 0
        for fmt, ok in scores.items():
            if fmt in chosen or (family and _family(fmt) and _family(fmt) != family):
                continue
            gain = int((ok & ~covered).sum())
            if gain > best_gain:
                best, best_gain = fmt, gain
        if best is None:
            break
        chosen.append(best)
        covered = covered | scores[best]
        family = family or _family(best)
    return chosen


def _to_utc_naive(expr: pl.Expr, fmt: str, tz: str) -> pl.Expr:
    """Local wall time in zone `tz` to naive UTC. When clocks go back, a repeated time is the earlier one; a time
    that does not exist because clocks went forward (01:30 on the last Sunday of March in London) is read with the
    offset before the change, as a clock not yet moved shows it (01:30 GMT): one hour earlier exists, so that
    moment plus the hour. Gaps longer than an hour (a zone that skipped a day) stay unreadable."""
    if fmt.endswith("%z"):
        return expr.dt.replace_time_zone(None)

    def utc(local: pl.Expr) -> pl.Expr:
        return (local.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
                .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    return pl.coalesce(utc(expr), utc(expr - pl.duration(hours=1)) + pl.duration(hours=1))


def timestamp_expr(frame: pl.DataFrame, name: str, tz: str | None) -> pl.Expr:
    """Expression parsing column `name` to a naive UTC Datetime (tz None: keep local wall time, for dates)."""
    dtype = frame.schema[name]
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone:
            return col.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("us"))
        out = col.cast(pl.Datetime("us"))
        return out if tz is None else _to_utc_naive(out, "", tz)
    if dtype == pl.Date:
        out = col.cast(pl.Datetime("us"))
        return out if tz is None else _to_utc_naive(out, "", tz)
    if dtype.is_numeric():
        values = frame.get_column(name).drop_nulls()
        if values.len() and values.min() >= 19000101 and values.max() <= 22001231 and (values % 1 == 0).all():
            # 20261101 typed as a number (Coupang's 날짜 in Excel): a YYYYMMDD day, far above any Excel serial
            out = _parse_with(col.cast(pl.Int64).cast(pl.String), "%Y%m%d")
        else:
            out = _parse_with(col, EXCEL_SERIAL)   # typed serial numbers: no trip through text
        return out if tz is None else _to_utc_naive(out, "", tz)
    values = frame.get_column(name).drop_nulls()
    if values.len() == 0:
        return pl.lit(None, dtype=pl.Datetime("us"))
    uniq = values.unique()
    sample = uniq.sample(SAMPLE, seed=1) if uniq.len() > SAMPLE else uniq
    text = col.str.strip_chars()
    formats = _choose_formats(sample.str.strip_chars())
    covered = 0.0
    if formats:
        covered = pl.DataFrame({"v": sample.str.strip_chars()}).select(
            pl.coalesce([_parse_with(pl.col("v"), f).dt.replace_time_zone(None) if f.endswith("%z")
                         else _parse_with(pl.col("v"), f) for f in formats]).is_not_null().mean()).item()
    if covered < 1.0:
        normalized = pl.DataFrame({"v": sample}).select(normalize_datetime_text(pl.col("v"))).to_series()
        norm_formats = _choose_formats(normalized)
        if norm_formats:
            text = normalize_datetime_text(col)
            formats = norm_formats
    if not formats:
        return pl.lit(None, dtype=pl.Datetime("us"))
    parts = []
    for fmt in formats:
        parsed = _parse_with(text, fmt)
        if tz is None:
            parts.append(parsed.dt.replace_time_zone(None) if fmt.endswith("%z") else parsed)
        else:
            parts.append(_to_utc_naive(parsed, fmt, tz))
    return pl.coalesce(parts) if len(parts) > 1 else parts[0]


# ---------------------------------------------------------------- numbers and text

ID_COLUMNS = ("order_id", "customer_id", "return_id", "session_id")


def column_facts(frame: pl.DataFrame, dtypes: dict[str, str]) -> dict[str, dict[str, bool]]:
    """What the parsers need to know about each text source column (target name -> text | integer | decimal |
    timestamp | date), found in ONE parallel pass over the frame instead of one pass per column and question."""
    exprs: list[pl.Expr] = []
    for name, target in dtypes.items():
        if frame.schema[name] != pl.String:
            continue
        col = pl.col(name)
        if target == "text":
            exprs += [col.str.contains(r"^\s|\s$").any().alias(f"{name}\x00padded"),
                      (col.str.len_bytes() == 0).any().alias(f"{name}\x00empty")]
            if name in ID_COLUMNS:
                exprs.append(col.str.contains(".", literal=True).any().alias(f"{name}\x00dotted"))
            continue
        if target in ("integer", "decimal"):
            exprs.append((col.cast(pl.Float64, strict=False).is_null() & col.is_not_null()).any()
                         .alias(f"{name}\x00misses"))
        exprs.append((col.is_not_null() & (col.str.strip_chars().str.len_bytes() == 0)).any()
                     .alias(f"{name}\x00blanks"))
    facts: dict[str, dict[str, bool]] = {}
    if exprs:
        for key, value in frame.select(exprs).row(0, named=True).items():
            name, fact = key.split("\x00")
            facts.setdefault(name, {})[fact] = bool(value)
    return facts


def text_expr(frame: pl.DataFrame, name: str, facts: dict[str, bool] | None = None) -> pl.Expr:
    """Trimmed text, empty -> null; ids written by spreadsheets as 17850.0 become 17850."""
    dtype = frame.schema[name]
    col = pl.col(name)
    if dtype == pl.String:
        # what the column holds decides which (copying) rewrites are needed at all; clean text stays as read
        facts = facts or column_facts(frame, {name: "text"})[name]
        padded, empty, dotted = facts["padded"], facts["empty"], facts.get("dotted", False)
        if padded:
            col = col.str.strip_chars()
        if dotted:
            col = col.str.replace(r"^(\d+)\.0+$", "${1}")
        return pl.when(col.str.len_bytes() > 0).then(col) if (padded or empty) else col
    if dtype.is_float():
        col = pl.when(col == col.floor()).then(col.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
            col.cast(pl.String))
    else:
        col = col.cast(pl.String, strict=False)
    col = col.str.strip_chars()
    return pl.when(col.str.len_bytes() > 0).then(col)


_NUMBER_JUNK = r"[₩￦$€£¥,\s]|원|KRW|USD"


def _number_text(expr: pl.Expr) -> pl.Expr:
    s = expr.str.replace_all(_NUMBER_JUNK, "")
    return s.str.replace(r"^\((.*)\)$", "-${1}")


def decimal_expr(frame: pl.DataFrame, name: str, facts: dict[str, bool] | None = None) -> pl.Expr:
    """Float64 of a money/number column; '1,234', '₩18,900', '$5.00' and '(12)' are understood."""
    dtype = frame.schema[name]
    if dtype.is_numeric():
        out = pl.col(name).cast(pl.Float64)
    else:
        direct = pl.col(name).cast(pl.String).cast(pl.Float64, strict=False)
        # the cleaning regex costs ~0.3 s per million values: only pay it when a plain cast misses values
        misses = facts["misses"] if facts and "misses" in facts else frame.select(
            (direct.is_null() & pl.col(name).is_not_null()).any()).item()
        out = _number_text(pl.col(name).cast(pl.String)).cast(pl.Float64, strict=False) if misses else direct
    return pl.when(out.is_finite()).then(out)


def integer_expr(frame: pl.DataFrame, name: str, facts: dict[str, bool] | None = None) -> pl.Expr:
    if frame.schema[name].is_integer():   # typed (Parquet/Excel) integers need no round trip through floats
        col = pl.col(name)
        return pl.when((col > -9e15) & (col < 9e15)).then(col.cast(pl.Int64, strict=False))   # (abs overflows)
    dec = decimal_expr(frame, name, facts)
    return pl.when((dec == dec.floor()) & (dec.abs() < 9e15)).then(dec.cast(pl.Int64, strict=False))


def raw_text(expr: pl.Expr) -> pl.Expr:
    """The source value as text for problem reports (at most 200 characters)."""
    return expr.cast(pl.String, strict=False).str.slice(0, 200)


def present_expr(frame: pl.DataFrame, name: str, facts: dict[str, bool] | None = None) -> pl.Expr:
    """True where the source cell holds something other than blanks."""
    dtype = frame.schema[name]
    if dtype != pl.String:
        return pl.col(name).is_not_null()
    col = pl.col(name)
    blanks = facts["blanks"] if facts and "blanks" in facts else frame.select(
        (col.is_not_null() & (col.str.strip_chars().str.len_bytes() == 0)).any()).item()
    return col.str.contains(r"\S") if blanks else col.is_not_null()


def problems_where(frame: pl.LazyFrame, condition: pl.Expr, column: str, reason: str,
                   value: pl.Expr | None = None) -> pl.LazyFrame:
    """Row problems (lazy) for the rows of `frame` matching `condition`."""
    value = value if value is not None else pl.lit(None, dtype=pl.String)
    return frame.filter(condition).select(
        pl.col(ROW), pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(reason, dtype=pl.String).alias("reason"), value.cast(pl.String).alias("value"))


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


# ---------------------------------------------------------------- line types

_SHIPPING_SKUS = ("POST", "DOT", "C2")
_FEE_SKUS = ("BANK CHARGES", "AMAZONFEE", "CRUK", "PADS")
_ADJUST_SKUS = ("M", "D", "S", "B", "MANUAL", "DISCOUNT", "ADJUST")
_SHIPPING_WORDS = r"(?i)shipping|postage|carriage|delivery fee|배송비|택배비|배송료|운송료"
_FEE_WORDS = r"(?i)\bfees?\b|수수료|bank charges|commission"
LINE_TYPES = ("product", "shipping", "fee", "adjustment")


def line_type_expr(sku: pl.Expr, name: pl.Expr) -> pl.Expr:
    """product | shipping | fee | adjustment, from the stock code first and the name second."""
    code = sku.str.strip_chars().str.to_uppercase()
    nm = name.fill_null("")
    return (pl.when(code.is_in(_SHIPPING_SKUS) | nm.str.contains(_SHIPPING_WORDS)
                    | sku.fill_null("").str.contains(_SHIPPING_WORDS)).then(pl.lit("shipping"))
            .when(code.is_in(_FEE_SKUS) | nm.str.contains(_FEE_WORDS)).then(pl.lit("fee"))
            .when(code.is_in(_ADJUST_SKUS) | nm.str.to_lowercase().is_in(["manual", "discount", "adjustment"]))
            .then(pl.lit("adjustment"))
            .otherwise(pl.lit("product")))
