"""Loading files and pushes into the warehouse: read, map, validate, then load in one transaction.

CONTRACT (other modules code against these names; keep them stable):

    KINDS = ("orders", "returns", "sessions", "traffic_stats", "ad_stats", "inventory", "products")
    FORMATS = ("auto", "canonical", "shopify", "online_retail", "smartstore", "coupang", "naver_searchad",
               "google_ads", "meta_ads", "coupang_ads", "smartstore_marketing", "mapped")

    ingest_file(wh, path, *, seller_id, kind, fmt="auto", mapping=None, skip_invalid=False, password=None,
                progress=None, source_name=None, rejects_dir=None) -> LoadResult
    ingest_bytes(wh, data, *, filename, seller_id, kind, ...same options...) -> LoadResult
    ingest_records(wh, records: list[dict], *, seller_id, kind, source="api") -> LoadResult
    preview_file(data_or_path, *, filename=None, kind, fmt="auto", mapping=None, n=20) -> Preview
    target_columns(kind) -> list[ColumnSpec]

User-input problems never raise: they come back as LoadResult(status="rejected", problems=[...]).
Only infrastructure failures raise (data.warehouse.WarehouseError).
`progress` is called as progress(rows_done: int, rows_total: int | None).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from data import formats, rollups, settings, validate
from data.readers import ROW, ReadError, ReadTable, frame_from_records, read_table
from data.warehouse import Warehouse, WarehouseError, ensure_seller

KINDS = ("orders", "returns", "sessions", "traffic_stats", "ad_stats", "inventory", "products")
FORMATS = ("auto", "canonical", "shopify", "online_retail", "smartstore", "coupang", "naver_searchad", "google_ads",
           "meta_ads", "coupang_ads", "smartstore_marketing", "mapped")
MAX_PROBLEMS = 50
MAX_REJECT_ROWS = 1000

ProgressFn = Callable[[int, "int | None"], None]


@dataclass
class RowProblem:
    row: int | None          # 1-based data row in the file (header not counted); None: whole file
    column: str | None
    reason: str
    value: str | None = None


@dataclass
class ColumnSpec:
    name: str
    dtype: str               # text | integer | decimal | timestamp | date | boolean
    required: bool
    help: str


@dataclass
class LoadResult:
    seller_id: str
    kind: str
    source: str
    format: str
    status: str              # loaded | partial | nothing_new | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    load_id: int | None = None
    problems: list[RowProblem] = field(default_factory=list)   # first 50
    problem_count: int = 0
    rejects_path: str | None = None
    totals: dict[str, float] = field(default_factory=dict)      # orders, lines, units, gross_sales, ...
    message: str = ""
    sheets: list[tuple[str, int, int]] = field(default_factory=list)   # xlsx: (sheet, first row, last row) read
    sheets_skipped: list[str] = field(default_factory=list)           # xlsx: sheets with other columns

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


@dataclass
class Preview:
    detected_format: str
    source_columns: list[str]
    suggested_mapping: dict[str, str | None]   # target column -> source column
    targets: list[ColumnSpec]
    head: object                                # polars DataFrame of the first n mapped rows
    problems: list[RowProblem] = field(default_factory=list)


def target_columns(kind: str) -> list[ColumnSpec]:
    """The columns a file of `kind` can carry, in order (required first)."""
    return [ColumnSpec(n, d, r, h) for n, d, r, h in formats.TARGETS[kind]]


# ------------------------------------------------------------------ public entry points

def ingest_file(wh: Warehouse, path: str | Path, *, seller_id: str, kind: str, fmt: str = "auto",
                mapping: dict[str, str] | None = None, skip_invalid: bool = False,
                progress: ProgressFn | None = None, source_name: str | None = None,
                rejects_dir: str | Path | None = None, password: str | None = None) -> LoadResult:
    """Load one file (CSV/Parquet/xlsx) of `kind` for `seller_id`; user problems come back as status 'rejected'.
    `password` opens a password-protected .xlsx."""
    source = source_name or Path(path).name
    early = _check_arguments(seller_id, kind, fmt, source)
    if early is not None:
        return early
    try:
        table = read_table(path, progress, password=password)
    except ReadError as exc:
        return _rejected(seller_id, kind, source, fmt, [RowProblem(None, None, str(exc))], 1, 0)
    except (OSError, MemoryError) as exc:
        return _rejected(seller_id, kind, source, fmt, [RowProblem(None, None, f"Cannot read the file: {exc}")], 1, 0)
    result = _ingest_table(wh, table, seller_id=seller_id, kind=kind, fmt=fmt, mapping=mapping,
                           skip_invalid=skip_invalid, progress=progress, source=source, rejects_dir=rejects_dir)
    result.sheets, result.sheets_skipped = table.sheets, table.sheets_skipped   # what row numbers refer to
    return result


def ingest_bytes(wh: Warehouse, data: bytes, *, filename: str, seller_id: str, kind: str, fmt: str = "auto",
                 mapping: dict[str, str] | None = None, skip_invalid: bool = False,
                 progress: ProgressFn | None = None, rejects_dir: str | Path | None = None,
                 password: str | None = None) -> LoadResult:
    """Load an upload or a CSV request body (bytes) as if it were the file `filename`."""
    suffix = Path(filename).suffix or ".csv"
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix="si-upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return ingest_file(wh, tmp, seller_id=seller_id, kind=kind, fmt=fmt, mapping=mapping,
                           skip_invalid=skip_invalid, progress=progress, source_name=filename,
                           rejects_dir=rejects_dir, password=password)
    finally:
        Path(tmp).unlink(missing_ok=True)


def ingest_records(wh: Warehouse, records: list[dict], *, seller_id: str, kind: str, source: str = "api",
                   skip_invalid: bool = False, mapping: dict[str, str] | None = None) -> LoadResult:
    """Load JSON records (API pushes) with canonical column names; same validation and idempotency as files."""
    early = _check_arguments(seller_id, kind, "canonical", source)
    if early is not None:
        return early
    if not isinstance(records, list) or not records:
        return _rejected(seller_id, kind, source, "canonical",
                         [RowProblem(None, None, "Expected a non-empty JSON list of records.")], 1, 0)
    try:
        frame = frame_from_records(records)
    except ReadError as exc:
        return _rejected(seller_id, kind, source, "canonical", [RowProblem(None, None, str(exc))], 1, len(records))
    import hashlib
    import json
    checksum = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
    table = ReadTable(frame, "json", None, checksum)
    return _ingest_table(wh, table, seller_id=seller_id, kind=kind, fmt="mapped" if mapping else "canonical",
                         mapping=mapping, skip_invalid=skip_invalid, progress=None, source=source, rejects_dir=None)


def preview_file(data_or_path: bytes | str | Path, *, filename: str | None = None, kind: str, fmt: str = "auto",
                 mapping: dict[str, str] | None = None, n: int = 20, timezone_name: str | None = None,
                 password: str | None = None) -> Preview:
    """What the upload page shows before loading: detected layout, source columns, suggested mapping,
    the first `n` rows mapped and parsed, and the problems found in the whole file."""
    targets = target_columns(kind) if kind in KINDS else []
    tmp: str | None = None
    try:
        if isinstance(data_or_path, bytes):
            fd, tmp = tempfile.mkstemp(suffix=Path(filename or "upload.csv").suffix or ".csv")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data_or_path)
            path = Path(tmp)
        else:
            path = Path(data_or_path)
        if kind not in KINDS:
            return Preview("unknown", [], {}, [], pl.DataFrame(),
                           [RowProblem(None, None, f"Unknown kind '{kind}'. Kinds: {', '.join(KINDS)}.")])
        try:
            table = read_table(path, password=password)
        except ReadError as exc:
            return Preview("unknown", [], {t.name: None for t in targets}, targets, pl.DataFrame(),
                           [RowProblem(None, None, str(exc))])
        columns = [c for c in table.frame.columns if c != ROW]
        detected = formats.detect_format(columns, kind) or "mapped"
        layout = formats.resolve_layout(table.frame.columns, kind, fmt if fmt != "auto" or mapping else "auto",
                                        mapping)
        suggested = {t.name: None for t in targets}
        if layout.problem is None:
            suggested.update({k: v for k, v in layout.mapping.items() if k in suggested})
        else:
            suggested.update(formats.canonical_mapping(columns, kind))
        problems: list[RowProblem] = []
        head = table.frame.head(n)
        if layout.problem is not None:
            problems.append(RowProblem(None, None, layout.problem))
        else:
            tz = timezone_name or settings.get("SI_TIMEZONE")
            staged = formats.to_target_frame(table.frame, layout, kind)
            parsed, found = _parse(staged, kind, tz, layout.fmt)
            # shown as the seller reads them: times in the store's zone (stored as UTC), no loader-only columns
            head = parsed.head(n).drop(ROW, *[c for c in parsed.columns if c.startswith("__x_")])
            head = head.with_columns(pl.col(c).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
                                     .dt.replace_time_zone(None) for c, dtype in head.schema.items()
                                     if isinstance(dtype, pl.Datetime))
            problems = _to_problems(found.sort(ROW).head(MAX_PROBLEMS))
        return Preview(layout.fmt if layout.problem is None else detected, columns, suggested, targets, head, problems)
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


# ------------------------------------------------------------------ pipeline

def _check_arguments(seller_id: str, kind: str, fmt: str, source: str) -> LoadResult | None:
    if kind not in KINDS:
        return _rejected(seller_id, kind, source, fmt,
                         [RowProblem(None, None, f"Unknown kind '{kind}'. Kinds: {', '.join(KINDS)}.")], 1, 0)
    if fmt not in FORMATS:
        return _rejected(seller_id, kind, source, fmt,
                         [RowProblem(None, None, f"Unknown format '{fmt}'. Formats: {', '.join(FORMATS)}.")], 1, 0)
    if not seller_id or not re.fullmatch(r"[\w.\-@]{1,64}", seller_id):
        return _rejected(seller_id, kind, source, fmt,
                         [RowProblem(None, None, "Seller id must be 1-64 letters, digits, '_', '-', '.' or '@'.")], 1, 0)
    return None


def _rejected(seller_id: str, kind: str, source: str, fmt: str, problems: list[RowProblem], count: int,
              rows_read: int, message: str | None = None, rows_rejected: int = 0) -> LoadResult:
    msg = message or (problems[0].reason if problems and problems[0].row is None
                      else f"{count} problem(s) in {source}; nothing was loaded.")
    return LoadResult(seller_id, kind, source, fmt, "rejected", rows_read=rows_read, rows_rejected=rows_rejected,
                      problems=problems[:MAX_PROBLEMS],
                      problem_count=count, message=msg)


def _to_problems(frame: pl.DataFrame) -> list[RowProblem]:
    return [RowProblem(r[ROW], r["column"], r["reason"], r["value"]) for r in frame.iter_rows(named=True)]


def _seller_timezone(wh: Warehouse, seller_id: str) -> str:
    tz = wh.scalar("SELECT timezone FROM sellers WHERE seller_id = ?", [seller_id])
    return tz or settings.get("SI_TIMEZONE")


_NON_NEGATIVE = {"unit_price", "line_discount", "order_discount", "shipping_fee", "refunded_amount", "price",
                 "unit_cost", "cost", "conversion_revenue", "impressions", "clicks", "conversions", "pageviews",
                 "inbound", "lead_time_days", "pack_size", "attribution_window_days", "sessions",
                 "engaged_sessions", "orders", "revenue"}
_INT32 = {"quantity", "line_no", "pageviews", "stat_hour", "on_hand", "inbound", "lead_time_days", "pack_size",
          "attribution_window_days"}
_ORDER_LEVEL = ("ordered_at", "customer_id", "channel", "status", "currency", "country", "order_discount",
                "shipping_fee", "refunded_amount")
_CLAIM_TYPES = {"return": "return", "exchange": "exchange", "cancel": "cancel", "cancelled": "cancel",
                "canceled": "cancel", "반품": "return", "교환": "exchange", "취소": "cancel"}


def _parse(staged: pl.DataFrame, kind: str, tz: str, fmt: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed target frame + row problems (row, column, reason, value). Vectorised: one select per frame."""
    specs = formats.TARGETS[kind]
    facts = validate.column_facts(staged, {name: dtype for name, dtype, *_ in specs})
    carried = [c for c in staged.columns if c.startswith("__x_")]   # a layout's extra fields for the loader
    exprs: list[pl.Expr] = [pl.col(ROW), *[pl.col(c) for c in carried]]
    for name, dtype, _req, _help in specs:
        if dtype == "text":
            exprs.append(validate.text_expr(staged, name, facts.get(name)).alias(name))
        elif dtype == "integer":
            exprs.append(validate.integer_expr(staged, name, facts.get(name)).alias(name))
        elif dtype == "decimal":
            exprs.append(validate.decimal_expr(staged, name, facts.get(name)).alias(name))
        elif dtype == "timestamp":
            exprs.append(validate.timestamp_expr(staged, name, tz).alias(name))
        elif dtype == "date":
            exprs.append(validate.timestamp_expr(staged, name, None).dt.date().alias(name))
    # text columns are present exactly when their trimmed value is; others need a look at the source
    present = [(pl.col(name).is_not_null() if dtype == "text" else validate.present_expr(staged, name,
                                                                                       facts.get(name)))
               .alias(f"__has_{name}") for name, dtype, *_ in specs]
    raw_values = [pl.col(name).alias(f"__raw_{name}") for name, *_ in specs]
    # one select (a horizontal concat of two would re-chunk, i.e. copy, every text column)
    both = staged.lazy().select(
        exprs + raw_values + [e for e, (name, dtype, *_r) in zip(present, specs, strict=True) if dtype != "text"]
    ).with_columns([e for e, (name, dtype, *_r) in zip(present, specs, strict=True) if dtype == "text"]).collect()
    frame = both.lazy()
    checks: list[pl.LazyFrame] = []

    def add(cond: pl.Expr, column: str, reason: str) -> None:
        checks.append(validate.problems_where(frame, cond, column, reason,
                                              validate.raw_text(pl.col(f"__raw_{column}"))))

    order_level_required = kind == "orders"
    for name, dtype, required, _help in specs:
        has, val = pl.col(f"__has_{name}"), pl.col(name)
        if required and not (order_level_required and name == "ordered_at"):
            add(~has, name, "required value missing")
        if dtype == "integer":
            add(has & val.is_null(), name, "not a whole number")
        elif dtype == "decimal":
            add(has & val.is_null(), name, "not a number")
            add(val.abs() >= validate.MAX_MONEY, name, "number too large")
        elif dtype in ("timestamp", "date"):
            add(has & val.is_null(), name, "not a date/time we understand")
        if name in _INT32:
            add(val.abs() > validate.MAX_INT32, name, "number too large")
        if name in _NON_NEGATIVE:
            add(val < 0, name, f"negative {name.replace('_', ' ')}")
    if kind == "orders" and not both.get_column("__has_ordered_at").all():
        # (a grouped check: only needed when some line has no order time at all)
        add(~pl.col("ordered_at").is_not_null().any().over("order_id") & ~pl.col("__has_ordered_at")
            & pl.col("order_id").is_not_null(), "ordered_at", "required value missing")
    if kind == "orders":
        if fmt != "online_retail":
            add(pl.col("quantity") < 0, "quantity", "negative quantity (load returns as --kind returns)")
        add(pl.col("status").is_not_null() & ~pl.col("status").str.to_lowercase().is_in(list(formats.STATUS_ALIASES)),
            "status", "unknown status (paid, pending, cancelled, refunded, partially_refunded)")
    if kind == "returns":
        add(pl.col("claim_type").is_not_null() & ~pl.col("claim_type").str.to_lowercase().is_in(list(_CLAIM_TYPES)),
            "claim_type", "unknown claim type (return, exchange, cancel)")
    if "line_type" in both.columns:
        add(pl.col("line_type").is_not_null() & ~pl.col("line_type").str.to_lowercase().is_in(validate.LINE_TYPES),
            "line_type", "unknown line type (product, shipping, fee, adjustment)")
    if kind == "ad_stats":
        add((pl.col("stat_hour") < 0) | (pl.col("stat_hour") > 23), "stat_hour", "hour must be 0-23")
        if formats.PERIOD_END in both.columns:     # a Meta export's row for a period (no Day breakdown)
            add(pl.col(formats.PERIOD_END).str.strip_chars()
                != pl.col("__raw_stat_date").cast(pl.String).str.strip_chars(),
                "stat_date", "the row covers several days (Reporting starts ≠ Reporting ends): break the report "
                "down by day (Breakdown > By time > Day) and export it again")
    typed = both[[ROW] + [name for name, *_ in specs] + carried]   # (an eager select would re-chunk: copy all text)
    problems = pl.concat(checks).collect() if checks else validate.empty_problems()
    return typed, problems


_KEYS = {"sessions": ("session_id",), "inventory": ("snapshot_date", "sku"), "products": ("sku",),
         "ad_stats": ("stat_date", "stat_hour", "platform", "campaign", "ad_group", "keyword"),
         "traffic_stats": ("stat_date", "channel", "source", "medium", "device", "search_keyword", "landing_sku")}


def _exact_duplicates(raw: pl.DataFrame) -> pl.DataFrame:
    """Problems for lines whose source values all equal an earlier line's (needs the source frame only)."""
    cols = [c for c in raw.columns if c != ROW]
    if not cols or raw.height < 2:
        return validate.empty_problems()
    hashed = raw.select(pl.col(ROW), pl.struct([pl.col(c) for c in cols]).hash(seed=7).alias("__h"))
    first = hashed.with_columns(pl.col(ROW).min().over("__h").alias("__first"))
    return first.filter(pl.col(ROW) != pl.col("__first")).select(
        pl.col(ROW), pl.lit(None, dtype=pl.String).alias("column"),
        pl.format("exact duplicate of row {}", pl.col("__first")).alias("reason"),
        pl.lit(None, dtype=pl.String).alias("value"))


def _duplicate_problems(raw: pl.DataFrame, typed: pl.DataFrame, kind: str,
                        exact: pl.DataFrame | None = None, layout: formats.Layout | None = None) -> pl.DataFrame:
    """Exact duplicate lines (all source values equal) and repeated natural keys within the file (the key
    includes an ad report's breakdown columns, when it has them: named from `layout`)."""
    cols = [c for c in raw.columns if c != ROW]
    if not cols or raw.height < 2:
        return validate.empty_problems()
    exact = _exact_duplicates(raw) if exact is None else exact
    keys: tuple[str, ...] = _KEYS.get(kind, ())
    if kind in ("orders", "returns") and typed.get_column("line_no").is_not_null().any():
        keys = ("order_id" if kind == "orders" else "return_id", "line_no")
    if not keys:
        return exact
    names = list(keys)
    if formats.BREAKDOWN in typed.columns:       # rows of one key that differ in a report's breakdown are parts
        keys += (formats.BREAKDOWN,)
    remaining = typed.join(exact.select(ROW), on=ROW, how="anti")
    keyed = remaining.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys[:1]])).select(
        pl.col(ROW), pl.col(ROW).min().over(list(keys), order_by=None).alias("__first"))
    repeated = keyed.filter(pl.col(ROW) != pl.col("__first"))
    if repeated.height and formats.BREAKDOWN in typed.columns and layout is not None:
        names += formats.breakdown_columns(raw, layout)       # (named only for the message)
    same_key = repeated.select(
        pl.col(ROW), pl.lit(", ".join(names)).alias("column"),
        pl.format("same {} as row {}".replace("{}", ", ".join(names), 1), pl.col("__first")).alias("reason"),
        pl.lit(None, dtype=pl.String).alias("value"))
    return pl.concat([exact, same_key])


def _ingest_table(wh: Warehouse, table: ReadTable, *, seller_id: str, kind: str, fmt: str,
                  mapping: dict[str, str] | None, skip_invalid: bool, progress: ProgressFn | None, source: str,
                  rejects_dir: str | Path | None) -> LoadResult:
    started = datetime.now(UTC).replace(tzinfo=None)
    raw = table.frame
    rows_read = raw.height
    layout = formats.resolve_layout(raw.columns, kind, fmt, mapping)
    fmt_name = layout.fmt
    if layout.problem is not None:
        return _rejected(seller_id, kind, source, fmt_name, [RowProblem(None, None, layout.problem)], 1, rows_read)
    if rows_read == 0:
        return _rejected(seller_id, kind, source, fmt_name,
                         [RowProblem(None, None, "The file has a header but no data rows.")], 1, 0)
    tz = _seller_timezone(wh, seller_id)
    # the exact-duplicate search needs only the source frame and runs (mostly single-threaded) on a second
    # thread while the parse runs; Polars releases the GIL, so the two overlap on a 2-core machine
    with ThreadPoolExecutor(max_workers=1) as pool:
        exact_job = pool.submit(_exact_duplicates, raw)
        try:
            staged = formats.to_target_frame(raw, layout, kind)
            typed, problems = _parse(staged, kind, tz, fmt_name)
        except pl.exceptions.PolarsError as exc:  # defensive: never a traceback for odd input
            return _rejected(seller_id, kind, source, fmt_name,
                             [RowProblem(None, None, f"Cannot interpret the file: {str(exc).splitlines()[0]}")], 1,
                             rows_read)
        exact = exact_job.result()
    extra = [problems, _duplicate_problems(raw, typed, kind, exact, layout)]
    if table.ragged_rows:
        extra.append(pl.DataFrame({ROW: list(table.ragged_rows), "column": [None] * len(table.ragged_rows),
                                   "reason": [f"ragged line: {v}" for v in table.ragged_rows.values()],
                                   "value": [None] * len(table.ragged_rows)}, schema=validate.PROBLEM_SCHEMA))
    problems = pl.concat(extra)
    if kind == "orders" and problems.height:
        bad = problems.select(ROW).unique().join(typed.select(ROW, "order_id"), on=ROW).drop_nulls("order_id")
        bad_orders = bad.group_by("order_id").agg(pl.col(ROW).min().alias("__bad"))
        siblings = typed.join(bad_orders, on="order_id").join(problems.select(ROW).unique(), on=ROW, how="anti")
        problems = pl.concat([problems, siblings.select(
            pl.col(ROW), pl.lit("order_id").alias("column"),
            pl.format("order has an invalid line (row {})", pl.col("__bad")).alias("reason"),
            pl.col("order_id").alias("value"))])
    problems = problems.sort(ROW, maintain_order=True)
    problem_count = problems.height
    bad_rows = problems.get_column(ROW).unique()
    rows_rejected = bad_rows.len()
    if problem_count and not skip_invalid:
        dupes = problems.filter(pl.col("reason").str.starts_with("exact duplicate")).height
        hint = (f" {dupes} of them are exact duplicate lines." if dupes else "")
        msg = (f"Rejected: {problem_count} problem(s) in {rows_rejected} of {rows_read} rows; nothing was loaded."
               f"{hint} Fix the rows, or load the valid rows with --skip-invalid (invalid ones are set aside "
               f"in a rejects file).")
        return _rejected(seller_id, kind, source, fmt_name, _to_problems(problems.head(MAX_PROBLEMS)),
                         problem_count, rows_read, msg, rows_rejected)
    valid = (typed.join(problems.select(ROW).unique(), on=ROW, how="anti", maintain_order="left") if problem_count
             else typed)
    if valid.height == 0:
        return _rejected(seller_id, kind, source, fmt_name, _to_problems(problems.head(MAX_PROBLEMS)), problem_count,
                         rows_read, f"No valid rows in {source}: all {rows_read} rows have problems; nothing was loaded.",
                         rows_rejected)
    report_currencies = _report_currencies(valid)
    currency_problem = _currency_problem(report_currencies, seller_id, wh.scalar(
        "SELECT currency FROM sellers WHERE seller_id = ?", [seller_id]))
    if currency_problem is not None:
        return _rejected(seller_id, kind, source, fmt_name, [RowProblem(None, "currency", currency_problem)], 1,
                         rows_read, currency_problem, rows_read)
    combined = device_totals = 0
    if formats.DEVICE_TOTAL in valid.columns:
        kept = _without_device_totals(valid)
        device_totals, valid = valid.height - kept.height, kept
    if formats.BREAKDOWN in valid.columns:
        summed = _sum_breakdown(valid, kind)
        combined, valid = valid.height - summed.height, summed
    loader = _LOADERS[kind]
    with wh.transaction(seller_id=seller_id, kind=kind) as cur:
        ensure_seller(cur, seller_id, timezone_name=settings.get("SI_TIMEZONE"),
                      currency=_main_currency(valid) or next(iter(report_currencies), "KRW"))
        load_id = int(cur.execute("SELECT nextval('load_id_seq')").fetchall()[0][0])
        try:
            loaded, duplicate, totals = loader(cur, valid, seller_id, load_id, fmt_name)
            if combined:
                totals["rows_combined"] = combined
            if device_totals:
                totals["device_total_rows"] = device_totals
        except Exception as exc:
            if _is_duckdb_error(exc):
                raise WarehouseError(f"Loading {source} failed in the warehouse: {exc}") from None
            raise
        rejects_path = None
        if problem_count:
            rejects_path = _write_rejects(raw, problems, Path(rejects_dir) if rejects_dir else
                                          settings.get_path("SI_REJECTS_DIR"), load_id, source)
            rej = problems.head(MAX_REJECT_ROWS).select(
                pl.lit(load_id, dtype=pl.Int64).alias("load_id"), pl.col(ROW).alias("row_number"),
                "column", "reason", "value")
            cur.register("si_rejects", rej.to_arrow())
            cur.execute("INSERT INTO load_rejects SELECT * FROM si_rejects")
            cur.unregister("si_rejects")
        if loaded:
            rollups.mark_pending(cur, kind, seller_id, load_id)   # until refresh_after_load's transaction
        status = "partial" if rows_rejected else ("loaded" if loaded else "nothing_new")
        if loaded == 0 and rows_rejected:
            status = "partial"
        message = _summary(loaded, duplicate, rows_rejected)
        cur.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, seller_id, kind, source, fmt_name, table.checksum, rows_read, loaded, duplicate, rows_rejected,
             rejects_path, status, started, datetime.now(UTC).replace(tzinfo=None), message])
    if loaded:
        rollups.refresh_after_load(wh, kind, seller_id, load_id)
    if progress is not None:
        progress(rows_read, rows_read)
    return LoadResult(seller_id, kind, source, fmt_name, status, rows_read=rows_read, rows_loaded=loaded,
                      rows_duplicate=duplicate, rows_rejected=rows_rejected, load_id=load_id,
                      problems=_to_problems(problems.head(MAX_PROBLEMS)), problem_count=problem_count,
                      rejects_path=rejects_path, totals=totals, message=message)


# an ad statistics row's additive figures, with their stored types
_AD_FIGURES = {"impressions": "BIGINT", "clicks": "BIGINT", "cost": "DECIMAL(18, 2)", "conversions": "BIGINT",
               "conversion_revenue": "DECIMAL(18, 2)"}


# a daily traffic row's additive figures (engaged sessions and pageviews may be unknown: summed where given)
_TRAFFIC_FIGURES = {"sessions": "BIGINT", "orders": "BIGINT", "revenue": "DECIMAL(18, 2)"}
_SUMMED = {"ad_stats": tuple(_AD_FIGURES), "traffic_stats": (*_TRAFFIC_FIGURES, "engaged_sessions", "pageviews")}


def _sum_breakdown(valid: pl.DataFrame, kind: str) -> pl.DataFrame:
    """One row per key: the rows of a report broken down by device, medium, region or hour
    (formats.breakdown_columns) summed; the first row's number stands for the sum in messages. A figure no row
    of a key gives stays empty."""
    keys, figures = list(_KEYS[kind]), _SUMMED[kind]
    others = [c for c in valid.columns if c not in (*keys, *figures, ROW, formats.BREAKDOWN)]
    return valid.group_by(keys, maintain_order=True).agg(
        pl.col(ROW).min(),
        *[pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in figures],
        *[pl.col(c).first() for c in others]
    ).select([c for c in valid.columns if c != formats.BREAKDOWN])


def _without_device_totals(valid: pl.DataFrame) -> pl.DataFrame:
    """A Smart Store 마케팅분석 download's 전체 rows total the 모바일 and PC rows of the same day, channel and
    keyword: they are left out where such device rows are in the file, and kept (device empty) where not."""
    keys = [k for k in _KEYS["traffic_stats"] if k != "device"]
    keys += [formats.BREAKDOWN] if formats.BREAKDOWN in valid.columns else []
    has_devices = (~pl.col(formats.DEVICE_TOTAL)).any().over(keys)
    return valid.filter(~(pl.col(formats.DEVICE_TOTAL) & has_devices)).drop(formats.DEVICE_TOTAL)


def _is_duckdb_error(exc: Exception) -> bool:
    return type(exc).__module__.startswith(("duckdb", "_duckdb"))


def _summary(loaded: int, duplicate: int, rejected: int) -> str:
    return f"loaded {loaded}, skipped {duplicate} already loaded, rejected {rejected}"


def _report_currencies(frame: pl.DataFrame) -> list[str]:
    """The currencies an ad report states (Google's Currency code, Meta's "Amount spent (KRW)"), sorted; [] when
    it does not say."""
    if formats.CURRENCY not in frame.columns:
        return []
    codes = frame.get_column(formats.CURRENCY).drop_nulls()
    return sorted(codes.filter(codes.str.contains(r"^[A-Z]{3}$")).unique().to_list())


def _currency_problem(codes: list[str], seller_id: str, store_currency: str | None) -> str | None:
    """Why an ad report cannot go into this store's money, or None: ads in one currency and sales in another would
    make ROAS against sales, TACoS, waste and break-even ROAS wrong, and there are no exchange rates here."""
    if len(codes) > 1:
        return (f"Rejected: the report mixes currencies ({', '.join(codes)}); nothing was loaded. Download one ad "
                "account (one currency) at a time.")
    if codes and store_currency is not None and codes[0] != store_currency:
        return (f"Rejected: the report's money is in {codes[0]}, but store {seller_id} keeps its figures in "
                f"{store_currency}; nothing was loaded. Download the report in {store_currency} (or load it into a "
                f"store kept in {codes[0]}): spend in another currency would make ROAS against sales, TACoS and "
                "waste wrong.")
    return None


def _main_currency(frame: pl.DataFrame) -> str | None:
    if "currency" not in frame.columns:
        return None
    top = frame.get_column("currency").drop_nulls().str.to_uppercase().mode()
    return top.sort()[0] if top.len() else None


def _write_rejects(raw: pl.DataFrame, problems: pl.DataFrame, folder: Path, load_id: int, source: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w\-.]+", "_", Path(source).stem)[:60] or "load"
    path = folder / f"load_{load_id}_{stem}_rejects.csv"
    original = raw.select([pl.col(ROW)] + [pl.col(c).cast(pl.String).alias(f"src_{c}") if c in
                                           ("row_number", "column", "reason", "value") else pl.col(c).cast(pl.String)
                                           for c in raw.columns if c != ROW])
    out = problems.join(original, on=ROW, how="left").rename({ROW: "row_number"})
    out.write_csv(path)
    return str(path)


# ------------------------------------------------------------------ loaders (one per kind, set-based SQL)

def _run(cur: Any, query: str, params: dict[str, Any]) -> list[tuple]:
    """Execute with only the named parameters the query uses (DuckDB rejects extra ones); fetch everything."""
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", query)}
    return cur.execute(query, used).fetchall()


def _register(cur: Any, name: str, frame: pl.DataFrame) -> None:
    """Expose a frame to DuckDB; the newest Arrow layout (string views) hands text over without copying it."""
    cur.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))


def _with_line_types(lines: pl.DataFrame, name_col: str | None) -> pl.DataFrame:
    """Fill line_type from sku/name; classified once per distinct (sku, name), not per line. Only the few pairs
    that are not products are joined back (most files have none)."""
    keys = ["sku"] + ([name_col] if name_col else [])
    name = pl.col(name_col) if name_col else pl.lit(None, dtype=pl.String)
    kinds = lines.select(keys).unique().with_columns(validate.line_type_expr(pl.col("sku"), name).alias("__lt"))
    others = kinds.filter(pl.col("__lt") != "product")
    given = pl.col("line_type").str.to_lowercase()
    if others.height == 0:
        return lines.with_columns(pl.coalesce(given, pl.lit("product")).alias("line_type"))
    out = lines.join(others, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return out.with_columns(pl.coalesce(given, pl.col("__lt"), pl.lit("product")).alias("line_type")).drop("__lt")


def _with_line_numbers(lines: pl.DataFrame, n_orders: int) -> pl.DataFrame:
    """line_no where the file has none: position of the line within its order (`lines` in file order). When every
    order's lines are contiguous (the usual export) that is a run position, no grouping needed."""
    oid = pl.col("order_id")
    starts = oid.ne_missing(oid.shift(1)).fill_null(True)
    runs = lines.select(starts.sum()).item() if lines.height else 0
    if runs == n_orders:
        idx = pl.int_range(pl.len(), dtype=pl.Int64)
        position = idx - pl.when(starts).then(idx).forward_fill() + 1
    else:
        position = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("order_id")
    return lines.with_columns(pl.coalesce(pl.col("line_no"), position).cast(pl.Int32).alias("line_no"))


def _load_orders(cur: Any, valid: pl.DataFrame, seller_id: str, load_id: int, fmt: str):
    # file order matters below (first given order fields, line positions); joins may have shuffled the rows
    lines = valid if valid.get_column(ROW).is_sorted() else valid.sort(ROW)
    returns = None
    if fmt == "online_retail":
        is_cancel = pl.col("order_id").str.starts_with("C")
        is_return = is_cancel | (pl.col("quantity") < 0)
        returns = lines.filter(is_return).with_columns(is_cancel.alias("__cancel"))
        lines = lines.filter(~is_return)
    # order-level fields: first non-null value in file order (Polars keeps file order cheaply);
    # columns empty in the whole file are not aggregated at all
    present = [c for c in _ORDER_LEVEL if lines.get_column(c).null_count() < lines.height]
    orders = lines.group_by("order_id", maintain_order=True).agg(
        [pl.col(c).drop_nulls().first() if lines.get_column(c).null_count() else pl.col(c).first()
         for c in present]).with_columns([pl.lit(None, dtype=lines.schema[c]).alias(c)
                                          for c in _ORDER_LEVEL if c not in present])
    if "status" in present:
        orders = orders.with_columns(pl.col("status").str.to_lowercase().replace(formats.STATUS_ALIASES))
    _register(cur, "si_orders", orders)
    p = {"s": seller_id, "l": load_id}
    _run(cur, """
        INSERT INTO orders (seller_id, order_id, ordered_at, customer_id, channel, status, currency, shipping_fee,
                            discount, refunded_amount, country, load_id)
        SELECT $s, n.order_id, n.ordered_at, n.customer_id, n.channel, coalesce(n.status, 'paid'), upper(n.currency),
               coalesce(n.shipping_fee, 0), coalesce(n.order_discount, 0), coalesce(n.refunded_amount, 0),
               n.country, $l
        FROM si_orders n
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.seller_id = $s AND o.order_id = n.order_id)""", p)
    cur.unregister("si_orders")
    # line numbers (position within the order in file order) and line types, then one set-based insert
    _register(cur, "si_items", _with_line_numbers(_with_line_types(lines, "product_name"), orders.height).select(
        "order_id", "line_no", "sku", "product_name", "quantity", "unit_price",
        pl.col("line_discount").fill_null(0.0), "line_type"))
    _run(cur, """
        INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, product_name, quantity, unit_price,
                                 discount, line_type, load_id)
        SELECT $s, i.order_id, i.line_no, o.ordered_at, i.sku, i.product_name, i.quantity, i.unit_price,
               i.line_discount, i.line_type, $l
        FROM si_items i JOIN orders o ON o.seller_id = $s AND o.load_id = $l AND o.order_id = i.order_id""", p)
    # unknown SKUs become products (never touching existing rows, so their cost stays)
    _run(cur, """
        INSERT INTO products (seller_id, sku, name, price, line_type, updated_at)
        SELECT $s, i.sku, arg_max(i.product_name, i.line_no), max(i.unit_price), arg_max(i.line_type, i.line_no),
               now()::TIMESTAMP
        FROM si_items i
        WHERE i.sku IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM products p WHERE p.seller_id = $s AND p.sku = i.sku)
        GROUP BY i.sku""", p)
    cur.unregister("si_items")
    n_file_lines = lines.height
    _run(cur, """
        CREATE OR REPLACE TEMP TABLE si_first_seen AS
        SELECT customer_id, min(ordered_at) AS first_seen_at, arg_min(country, ordered_at) AS country
        FROM orders WHERE seller_id = $s AND load_id = $l AND customer_id IS NOT NULL GROUP BY customer_id""", p)
    _run(cur, """
        UPDATE customers c SET first_seen_at = f.first_seen_at FROM si_first_seen f
        WHERE c.seller_id = $s AND c.customer_id = f.customer_id
          AND (c.first_seen_at IS NULL OR f.first_seen_at < c.first_seen_at)""", {"s": seller_id})
    _run(cur, """
        INSERT INTO customers (seller_id, customer_id, first_seen_at, country)
        SELECT $s, f.customer_id, f.first_seen_at, f.country FROM si_first_seen f
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.seller_id = $s AND c.customer_id = f.customer_id)""",
                {"s": seller_id})
    _run(cur, "DROP TABLE si_first_seen", {})
    stats = _run(cur, """
        SELECT (SELECT count(*) FROM orders WHERE seller_id = $s AND load_id = $l), count(*),
               coalesce(sum(i.quantity), 0),
               coalesce(sum(i.quantity * i.unit_price), 0)::DOUBLE, coalesce(sum(i.discount), 0)::DOUBLE
        FROM order_items i WHERE i.seller_id = $s AND i.load_id = $l""", p)[0]
    order_money = _run(cur, """
        SELECT coalesce(sum(discount), 0)::DOUBLE, coalesce(sum(refunded_amount), 0)::DOUBLE,
               coalesce(sum(shipping_fee), 0)::DOUBLE
        FROM orders WHERE seller_id = $s AND load_id = $l""", p)[0]
    n_orders, n_lines, units, gross, line_disc = stats
    loaded, duplicate = int(n_lines), n_file_lines - int(n_lines)
    returns_amount, return_rows = float(order_money[1]), 0
    if fmt == "smartstore" and "__x_claim_type" in lines.columns:
        # the export's cancelled, returned and exchanged product orders, as claims (see formats._smartstore_rows)
        claims = lines.filter(pl.col("__x_claim_type").is_not_null())
        if claims.height:
            ret_loaded, ret_dup, ret_amount = _insert_returns(cur, claims.select(
                pl.col("__x_claim_id").alias("return_id"), pl.lit(1, dtype=pl.Int32).alias("line_no"), "order_id",
                "customer_id", "sku", pl.col("ordered_at").alias("returned_at"), "quantity",
                pl.col("__x_claim_amount").alias("amount"), pl.col("__x_claim_type").alias("claim_type"),
                pl.col("__x_claim_reason").alias("reason"),
                validate.line_type_expr(pl.col("sku"), pl.col("product_name")).alias("line_type")),
                seller_id, load_id)
            loaded += ret_loaded
            duplicate += ret_dup
            return_rows = ret_loaded
    if returns is not None and returns.height:
        ret = returns.with_columns(
            pl.col("order_id").alias("return_id"),
            pl.int_range(1, pl.len() + 1).over("order_id").alias("line_no"),
            pl.lit(None, dtype=pl.String).alias("orig_order_id"),
            pl.col("ordered_at").alias("returned_at"),
            pl.col("quantity").abs().alias("quantity"),
            (pl.col("quantity").abs() * pl.col("unit_price")).alias("amount"),
            pl.when(pl.col("__cancel")).then(pl.lit("cancel")).otherwise(pl.lit("return")).alias("claim_type"),
            pl.lit(None, dtype=pl.String).alias("reason"),
            validate.line_type_expr(pl.col("sku"), pl.col("product_name")).alias("line_type"))
        ret_loaded, ret_dup, ret_amount = _insert_returns(cur, ret.select(
            "return_id", "line_no", pl.col("orig_order_id").alias("order_id"), "customer_id", "sku", "returned_at",
            "quantity", "amount", "claim_type", "reason", "line_type"), seller_id, load_id)
        loaded += ret_loaded
        duplicate += ret_dup
        returns_amount += ret_amount
        return_rows = ret_loaded
    discounts = float(line_disc) + float(order_money[0])
    totals = {"orders": int(n_orders), "lines": int(n_lines), "units": int(units), "gross_sales": float(gross),
              "discounts": discounts, "shipping": float(order_money[2]), "returns": return_rows,
              "returns_amount": returns_amount, "net_sales": float(gross) - discounts - returns_amount}
    if fmt in ("smartstore", "coupang"):
        updated = _update_order_statuses(cur, lines, orders, seller_id, load_id)
        totals["orders_updated"] = updated
        loaded += updated
    return loaded, duplicate, totals


def _update_order_statuses(cur: Any, lines: pl.DataFrame, orders: pl.DataFrame, seller_id: str,
                           load_id: int) -> int:
    """A later Smart Store export or Coupang order list carries today's status of earlier orders (paid, then
    cancelled or returned): orders loaded before get this file's status and refunded amount, when the file holds
    all of the order's lines (an export filtered to returns only must not call a whole order returned). The
    updated orders take this load's id, so the rollup refresh after the load recomputes their hours. Returns the
    number updated."""
    # (an export without a status column has none to carry over)
    _register(cur, "si_status", orders.filter(pl.col("status").is_not_null())
              .select("order_id", "status", pl.col("refunded_amount").fill_null(0.0))
              .join(lines.group_by("order_id").agg(pl.len().alias("n_lines")), on="order_id"))
    updated = _run(cur, """
        UPDATE orders AS o SET status = n.status, refunded_amount = n.refunded_amount::DECIMAL(18, 2), load_id = $l
        FROM si_status AS n
        WHERE o.seller_id = $s AND o.order_id = n.order_id AND o.load_id <> $l
          AND (o.status IS DISTINCT FROM n.status OR o.refunded_amount <> n.refunded_amount::DECIMAL(18, 2))
          AND n.n_lines = (SELECT count(*) FROM order_items AS i WHERE i.seller_id = $s AND i.order_id = n.order_id)""",
        {"s": seller_id, "l": load_id})
    cur.unregister("si_status")
    return int(updated[0][0]) if updated else 0


def _insert_returns(cur: Any, ret: pl.DataFrame, seller_id: str, load_id: int) -> tuple[int, int, float]:
    _register(cur, "si_returns", ret)
    _run(cur, """
        INSERT INTO returns (seller_id, return_id, line_no, order_id, customer_id, sku, returned_at, quantity, amount,
                             claim_type, reason, line_type, load_id)
        SELECT $s, r.return_id, r.line_no, r.order_id, r.customer_id, r.sku, r.returned_at, r.quantity, r.amount,
               r.claim_type, r.reason, r.line_type, $l
        FROM si_returns r
        WHERE NOT EXISTS (SELECT 1 FROM returns x WHERE x.seller_id = $s AND x.return_id = r.return_id
                          AND x.line_no = r.line_no)""", {"s": seller_id, "l": load_id})
    cur.unregister("si_returns")
    n, amount = _run(cur, "SELECT count(*), coalesce(sum(amount), 0)::DOUBLE FROM returns "
                            "WHERE seller_id = $s AND load_id = $l", {"s": seller_id, "l": load_id})[0]
    return int(n), ret.height - int(n), float(amount)


def _load_returns(cur: Any, valid: pl.DataFrame, seller_id: str, load_id: int, fmt: str):
    ret = valid.with_columns(
        pl.coalesce(pl.col("line_no"), pl.int_range(1, pl.len() + 1).over("return_id")).alias("line_no"),
        pl.col("quantity").abs(), pl.col("amount").abs(),
        pl.col("claim_type").str.to_lowercase().replace(_CLAIM_TYPES).fill_null("return").alias("claim_type"),
        pl.coalesce(pl.col("line_type").str.to_lowercase(),
                    validate.line_type_expr(pl.col("sku"), pl.lit(None, dtype=pl.String))).alias("line_type"))
    loaded, dup, amount = _insert_returns(cur, ret.select(
        "return_id", "line_no", "order_id", "customer_id", "sku", "returned_at", "quantity", "amount", "claim_type",
        "reason", "line_type"), seller_id, load_id)
    return loaded, dup, {"rows": loaded, "returns_amount": amount}


def _load_simple(table: str, key: tuple[str, ...], columns: tuple[str, ...]):
    def load(cur: Any, valid: pl.DataFrame, seller_id: str, load_id: int, fmt: str):
        frame = valid.select(list(columns))
        if table == "ad_stats":
            frame = frame.with_columns(pl.col("ad_group").fill_null(""), pl.col("keyword").fill_null(""),
                                       *[pl.col(c).fill_null(0) for c in _AD_FIGURES])
        if table == "inventory":
            frame = frame.with_columns(pl.col("inbound").fill_null(0))
        if table == "traffic_stats":
            frame = frame.with_columns(*[pl.col(c).fill_null(0) for c in _TRAFFIC_FIGURES])
        _register(cur, "si_stage", frame)
        match = " AND ".join(f"x.{k} IS NOT DISTINCT FROM n.{k}" for k in key)
        cols = ", ".join(columns)
        _run(cur, f"""
            INSERT INTO {table} (seller_id, {cols}, load_id)
            SELECT $s, {", ".join("n." + c for c in columns)}, $l FROM si_stage n
            WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.seller_id = $s AND {match})""",
                    {"s": seller_id, "l": load_id})
        n = int(_run(cur, f"SELECT count(*) FROM {table} WHERE seller_id = $s AND load_id = $l",
                            {"s": seller_id, "l": load_id})[0][0])
        if table in _RESTATED:
            updated = _restate(cur, table, seller_id, load_id, match)
            cur.unregister("si_stage")
            return n + updated, frame.height - n - updated, {"rows": n, "rows_updated": updated}
        cur.unregister("si_stage")
        return n, frame.height - n, {"rows": n}
    return load


# per table: the figures a later file restates (with their stored types), and fields kept when it leaves them empty
_RESTATED = {
    "ad_stats": (_AD_FIGURES, ("attribution_window_days",)),
    "traffic_stats": (_TRAFFIC_FIGURES, ("engaged_sessions", "pageviews")),
    "inventory": ({"on_hand": "INTEGER", "inbound": "INTEGER"}, ("lead_time_days",)),
}


def _restate(cur: Any, table: str, seller_id: str, load_id: int, match: str) -> int:
    """A later file restates rows loaded before, the last file loaded wins. Ad platforms keep counting a day's
    conversions for their attribution window (Naver 15 days, Google 30) and today's row is partial, so the seller
    downloads the last weeks again; a stock count taken again the same day replaces the earlier one. Rows whose
    key is stored with other figures take this file's figures (and this load's id); rows with the same figures
    are left as they were (re-loading a file changes nothing). Returns the count."""
    figures, kept = _RESTATED[table]
    sets = [f"{f} = n.{f}" for f in figures] + [f"{f} = coalesce(n.{f}, x.{f})" for f in kept]
    differs = " OR ".join([f"x.{f} IS DISTINCT FROM CAST(n.{f} AS {t})" for f, t in figures.items()]
                          + [f"(n.{f} IS NOT NULL AND x.{f} IS DISTINCT FROM n.{f})" for f in kept])
    rows = _run(cur, f"""
        UPDATE {table} AS x SET {", ".join(sets)}, load_id = $l
        FROM si_stage n
        WHERE x.seller_id = $s AND x.load_id IS DISTINCT FROM $l AND {match} AND ({differs})""",
                {"s": seller_id, "l": load_id})
    return int(rows[0][0]) if rows else 0


_load_traffic_rows = _load_simple("traffic_stats", _KEYS["traffic_stats"],
                                  (*_KEYS["traffic_stats"], "sessions", "engaged_sessions", "pageviews", "orders",
                                   "revenue"))


def _load_traffic_stats(cur: Any, valid: pl.DataFrame, seller_id: str, load_id: int, fmt: str):
    """Daily visit counts; the totals also say on how many of the file's days the store already has visit-level
    sessions (`days_with_sessions`): the reports read those days from the sessions, not from these rows."""
    loaded, duplicate, totals = _load_traffic_rows(cur, valid, seller_id, load_id, fmt)
    days = valid.select(pl.col("stat_date").unique())
    _register(cur, "si_days", days)
    lo, hi = days.get_column("stat_date").min(), days.get_column("stat_date").max()
    # (the zone conversion on the distinct hours, not on every session: 21 s -> 1 s for a year of 90M sessions)
    totals["days_with_sessions"] = int(_run(cur, """
        SELECT count(DISTINCT CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE))
        FROM (SELECT DISTINCT date_trunc('hour', started_at) AS hour FROM sessions
              WHERE seller_id = $s AND started_at >= CAST($lo AS TIMESTAMP) - INTERVAL 1 DAY
                AND started_at < CAST($hi AS TIMESTAMP) + INTERVAL 2 DAY) AS h, sellers AS z
        WHERE z.seller_id = $s
          AND CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE) IN (SELECT stat_date FROM si_days)""",
                                       {"s": seller_id, "lo": lo, "hi": hi})[0][0])
    cur.unregister("si_days")
    return loaded, duplicate, totals


def _load_products(cur: Any, valid: pl.DataFrame, seller_id: str, load_id: int, fmt: str):
    frame = valid.select("sku", "name", "category", "price", "unit_cost", "pack_size", "attributes",
                         pl.col("line_type").str.to_lowercase())
    _register(cur, "si_products", frame)
    p = {"s": seller_id}
    fields = ("name", "category", "price", "unit_cost", "pack_size", "attributes", "line_type")
    # rows that change nothing (every given value equals the stored one) count as already loaded
    unchanged = int(_run(cur, f"""
        SELECT count(*) FROM si_products n JOIN products x ON x.seller_id = $s AND x.sku = n.sku
        WHERE {" AND ".join(f"(n.{f} IS NULL OR n.{f} = x.{f})" for f in fields)}""", p)[0][0])
    sets = ", ".join(f"{f} = coalesce(excluded.{f}, products.{f})" for f in fields)
    _run(cur, f"""
        INSERT INTO products (seller_id, sku, name, category, price, unit_cost, pack_size, attributes, line_type,
                              updated_at)
        SELECT $s, n.sku, n.name, n.category, n.price, n.unit_cost, n.pack_size, n.attributes,
               coalesce(n.line_type, (SELECT x.line_type FROM products x WHERE x.seller_id = $s AND x.sku = n.sku),
                        'product'), now()::TIMESTAMP
        FROM si_products n
        ON CONFLICT (seller_id, sku) DO UPDATE SET {sets},
            updated_at = now()::TIMESTAMP""", p)
    cur.unregister("si_products")
    loaded = frame.height - unchanged
    return loaded, unchanged, {"rows": loaded}


_LOADERS: dict[str, Callable[..., tuple[int, int, dict[str, float]]]] = {
    "orders": _load_orders,
    "returns": _load_returns,
    "sessions": _load_simple("sessions", ("session_id",),
                             ("session_id", "started_at", "channel", "source", "medium", "search_keyword",
                              "landing_sku", "pageviews", "device", "customer_id", "order_id")),
    "ad_stats": _load_simple("ad_stats", ("stat_date", "stat_hour", "platform", "campaign", "ad_group", "keyword"),
                             ("stat_date", "stat_hour", "platform", "campaign", "ad_group", "keyword", "impressions",
                              "clicks", "cost", "conversions", "conversion_revenue", "attribution_window_days")),
    "traffic_stats": _load_traffic_stats,
    "inventory": _load_simple("inventory", ("snapshot_date", "sku"),
                              ("snapshot_date", "sku", "on_hand", "inbound", "lead_time_days")),
    "products": _load_products,
}
