"""Reading upload files (CSV in UTF-8/BOM/CP949, Parquet, Excel) into text-first Polars frames, in batches."""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROW = "__row"  # 1-based data row number in the file (header not counted)
BATCH_ROWS = 250_000
_CHUNK = 1 << 20


class ReadError(Exception):
    """The file cannot be read as a table; the message is meant for the user."""


@dataclass
class ReadTable:
    frame: pl.DataFrame                  # source columns (text, or typed for Parquet/Excel) + __row
    file_type: str                       # csv | parquet | xlsx
    encoding: str | None = None          # utf-8 | utf-8-sig | cp949 | utf-16 for CSV
    checksum: str = ""
    ragged_rows: dict[int, str] = field(default_factory=dict)   # row -> problem, CSV lines with extra fields
    sheets: list[tuple[str, int, int]] = field(default_factory=list)   # xlsx: (sheet, first row, last row) read
    sheets_skipped: list[str] = field(default_factory=list)           # xlsx: sheets with other columns, not read


def sniff_file_type(head: bytes, name: str) -> str:
    """csv | parquet | xlsx | xls, from the magic bytes first and the file name second."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    suffix = Path(name).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"  # wrong magic: will fail with a clear message
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(path: Path) -> tuple[str, str]:
    """(encoding, sha256) of a text file: UTF-8 if the WHOLE file decodes as UTF-8, else CP949 (superset of EUC-KR)."""
    digest = hashlib.sha256()
    return _detect_encoding(path, digest), digest.hexdigest()


def _detect_encoding(path: Path, digest=None) -> str:
    """The encoding part of detect_encoding; feeds `digest` (if given) with the bytes read."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp949 = codecs.getincrementaldecoder("cp949")()
    utf8_ok, cp949_ok, bom, first = True, True, False, True  # UTF-8 is checked over the whole file
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            if digest is not None:
                digest.update(chunk)
            if first:
                bom = chunk.startswith(codecs.BOM_UTF8)
                if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    if digest is not None:     # (Google Ads' "CSV for Excel" is UTF-16, tab-separated)
                        for rest in iter(lambda: fh.read(_CHUNK), b""):
                            digest.update(rest)
                    return "utf-16"
                if b"\x00" in chunk[:65536]:
                    raise ReadError("This looks like a binary file, not CSV text. "
                                    "Upload CSV (UTF-8 or CP949/EUC-KR), Parquet or .xlsx.")
                first = False
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        return "utf-8-sig" if bom else "utf-8"
    with path.open("rb") as fh:
        try:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                cp949.decode(chunk)
            cp949.decode(b"", final=True)
        except UnicodeDecodeError:
            cp949_ok = False
    if cp949_ok:
        return "cp949"
    raise ReadError("The file is neither UTF-8 nor CP949/EUC-KR text. Save it as CSV UTF-8 and try again.")


def transcode_to_utf8(path: Path, encoding: str) -> Path:
    """Stream `path` from `encoding` into a temporary UTF-8 file (caller deletes it)."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="si-ingest-")
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _sniff_separator(path: Path, encoding: str) -> str:
    """The separator the first line uses most; when it has at most one of any (perhaps a report title above the
    header), the busiest of the first lines decides."""
    with path.open("r", encoding="utf-8-sig" if encoding.startswith("utf-8") else encoding, errors="replace") as fh:
        lines = [fh.readline() for _ in range(MAX_TITLE_LINES + 1)]
    separators = (",", "\t", ";", "|")
    counts = {sep: lines[0].count(sep) for sep in separators}
    if max(counts.values()) <= 1:
        counts = {sep: max(line.count(sep) for line in lines) for sep in separators}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


MAX_TITLE_LINES = 3


def _title_lines(path: Path, separator: str) -> int:
    """Report title lines above the header, e.g. Naver search ads downloads start with '키워드 보고서,(2026.11.01.~
    2026.11.30.)', Google Ads ones with the report's name and 'November 1, 2026 - November 30, 2026': up to
    MAX_TITLE_LINES lines of at most 2 fields (or a third of the header's) above a header of 3 or more fields
    that the next lines match. 0 for an ordinary file (a header on its first line)."""
    with path.open("r", encoding="utf-8-sig", newline="", errors="replace") as fh:
        records = list(itertools.islice(csv.reader(fh, delimiter=separator), MAX_TITLE_LINES + 4))
    widths = [len(rec) for rec in records]
    for k in range(1, min(MAX_TITLE_LINES, len(widths) - 1) + 1):
        header = widths[k]
        if (header >= 3 and all(w <= max(2, header // 3) for w in widths[:k])
                and all(w == header for w in widths[k + 1:k + 3])):
            return k
    return 0


def _ragged_rows(path: Path, separator: str, n_columns: int, skip: int = 0) -> dict[int, str]:
    """Rows with more fields than the header (only called when Polars refused the file)."""
    found: dict[int, str] = {}
    csv.field_size_limit(1 << 30)
    with path.open("r", encoding="utf-8-sig", newline="", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=separator)
        for _ in range(skip + 1):
            next(reader, None)
        for i, rec in enumerate(reader, start=1):
            if len(rec) > n_columns:
                found[i] = f"{len(rec)} fields but the header has {n_columns}"
    return found


def _clean_header(names: list[str]) -> list[str]:
    out, seen = [], set()
    for i, name in enumerate(names):
        clean = (name or "").replace("\ufeff", "").strip() or f"column_{i + 1}"
        base, k = clean, 2
        while clean in seen:
            clean = f"{base}_{k}"
            k += 1
        seen.add(clean)
        out.append(clean)
    return out


def read_csv(path: Path, progress: Callable[[int, int | None], None] | None = None) -> ReadTable:
    size = path.stat().st_size
    if size == 0:
        raise ReadError("The file is empty.")
    # the checksum is computed on a second thread while the encoding check and the read run (hashlib releases
    # the GIL), instead of in the same pass as the encoding check
    with ThreadPoolExecutor(max_workers=1) as pool:
        checksum_job = pool.submit(_hash_file, path)
        encoding = _detect_encoding(path)
        frame, ragged = _read_csv_text(path, encoding, progress)
        checksum = checksum_job.result()
    return ReadTable(frame, "csv", encoding, checksum, ragged)


def _read_csv_text(path: Path, encoding: str, progress) -> tuple[pl.DataFrame, dict[int, str]]:
    source, tmp = path, None
    if encoding in ("cp949", "utf-16"):
        try:
            tmp = transcode_to_utf8(path, encoding)
        except UnicodeDecodeError:       # (CP949 was checked whole; a UTF-16 byte order mark is only a start)
            raise ReadError(f"The file starts like {encoding.upper()} text but does not decode as it. Save it as "
                            "CSV UTF-8 and try again.") from None
        source = tmp
    try:
        separator = _sniff_separator(source, "utf-8")
        titles = _title_lines(source, separator)
        ragged: dict[int, str] = {}
        try:
            frame = _scan_csv_batches(source, separator, progress, truncate=False, skip=titles)
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise ReadError(f"Cannot read the file as CSV: {str(exc).splitlines()[0]}") from None
            try:
                header = pl.read_csv(source, n_rows=0, infer_schema=False, separator=separator,
                                     skip_rows=titles).columns
                ragged = _ragged_rows(source, separator, len(header), skip=titles)
                frame = _scan_csv_batches(source, separator, progress, truncate=True, skip=titles)
            except (pl.exceptions.PolarsError, OSError) as retry_exc:  # e.g. a stray quote: malformed CSV
                raise ReadError(f"Cannot read the file as CSV: {str(retry_exc).splitlines()[0]}") from None
        except pl.exceptions.NoDataError:
            raise ReadError("The file is empty.") from None
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise ReadError(f"Cannot read the file as CSV: {str(exc).splitlines()[0]}") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    if frame.width == 0:
        raise ReadError("The file has no header line.")
    return frame, ragged


def _scan_csv_batches(path: Path, separator: str, progress, *, truncate: bool, skip: int = 0) -> pl.DataFrame:
    lf = pl.scan_csv(path, infer_schema=False, separator=separator, truncate_ragged_lines=truncate,
                     raise_if_empty=True, skip_rows=skip,
                     row_index_name=ROW, row_index_offset=1)
    batches, done = [], 0
    for batch in lf.collect_batches(chunk_size=BATCH_ROWS):
        batches.append(batch)
        done += batch.height
        if progress is not None:
            progress(done, None)
    if not batches:
        header = pl.read_csv(path, n_rows=0, infer_schema=False, separator=separator, skip_rows=skip)
        frame = header.with_row_index(ROW, offset=1)
    else:
        frame = pl.concat(batches, rechunk=False) if len(batches) > 1 else batches[0]
    names = [c for c in frame.columns if c != ROW]
    frame = frame.rename(dict(zip(names, _clean_header(names), strict=True)))
    return frame.with_columns(pl.col(ROW).cast(pl.Int64))


def _textify(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep numbers and datetimes typed (the parsers accept them); everything else becomes text."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() or dtype in (pl.Date, pl.Boolean) or isinstance(dtype, pl.Datetime) or dtype == pl.String:
            exprs.append(pl.col(name))
        else:
            exprs.append(pl.col(name).cast(pl.String, strict=False))
    return frame.select(exprs)


def _parquet_batches_polars(path: Path, total: int | None, progress) -> pl.DataFrame:
    """Polars' own Parquet reader, in batches: typed columns arrive typed, no detour through pyarrow objects."""
    parts, done = [], 0
    for part in pl.scan_parquet(path).collect_batches(chunk_size=BATCH_ROWS):
        parts.append(part)
        done += part.height
        if progress is not None:
            progress(done, total)
    if not parts:
        return pl.DataFrame(schema=pl.read_parquet_schema(path))
    return pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]


def _parquet_batches_pyarrow(path: Path, progress) -> pl.DataFrame:
    """pyarrow's reader: the fallback for Parquet features Polars does not read."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    total = pf.metadata.num_rows
    parts, done = [], 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        part = pl.from_arrow(batch)
        assert isinstance(part, pl.DataFrame)
        parts.append(part)
        done += part.height
        if progress is not None:
            progress(done, total)
    frame = pl.concat(parts) if parts else pl.from_arrow(pf.schema_arrow.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def read_parquet(path: Path, progress=None) -> ReadTable:
    import pyarrow.parquet as pq

    checksum = _hash_file(path)
    try:
        total = pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise ReadError(f"Cannot read the file as Parquet: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    try:
        frame = _parquet_batches_polars(path, total, progress)
    except (Exception, pl.exceptions.PanicException):
        try:
            frame = _parquet_batches_pyarrow(path, progress)
        except Exception as exc:
            raise ReadError(f"Cannot read the file as Parquet: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    frame = _textify(frame)
    frame = frame.rename(dict(zip(frame.columns, _clean_header(frame.columns), strict=True)))
    return ReadTable(frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)),
                     "parquet", None, checksum)


def _excel_title_rows(sheet: pl.DataFrame) -> int:
    """Rows of a report title above a sheet's header, as the CSV reader's title lines: a first row with at most 2
    cells over a row of 3 or more text cells (within the first MAX_TITLE_LINES rows). 0 when the header is the
    first row."""
    named = [c for c in sheet.columns if not c.startswith("__UNNAMED__")]
    if sheet.width < 3 or len(named) > 2:
        return 0
    for k in range(min(MAX_TITLE_LINES, sheet.height)):
        cells = [str(v).strip() for v in sheet.row(k) if v is not None and str(v).strip() != ""]
        if len(cells) >= 3:
            # a header is text; a data row under headerless columns has numbers: not a title then
            return k + 1 if not any(_is_number(c) for c in cells) else 0
    return 0


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def read_excel(path: Path, progress=None) -> ReadTable:
    """Every sheet whose header is the first data sheet's (e.g. UCI Online Retail II: one sheet per year), stacked
    in workbook order; row numbers count data rows across them (ReadTable.sheets says which rows each sheet holds).
    Sheets with other columns (a summary, notes) are not read and are named in ReadTable.sheets_skipped; empty
    sheets are ignored."""
    checksum = _hash_file(path)
    try:
        workbook = pl.read_excel(path, engine="calamine", sheet_id=0, raise_if_empty=False, drop_empty_cols=False)
    except Exception as exc:
        raise ReadError(f"Cannot read the file as Excel .xlsx: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    frames: list[tuple[str, pl.DataFrame]] = []
    skipped: list[str] = []
    for name, sheet in workbook.items():
        header_row = _excel_title_rows(sheet)
        if header_row:                                     # the header sits below a report title
            sheet = pl.read_excel(path, engine="calamine", sheet_name=name, raise_if_empty=False,
                                  drop_empty_cols=False, read_options={"header_row": header_row})
        # columns without a header and without a value (cells formatted past the data) are not columns
        sheet = sheet.drop([c for c in sheet.columns if c.startswith("__UNNAMED__")
                            and sheet[c].null_count() == sheet.height])
        if not sheet.columns:
            continue                                       # an empty sheet
        sheet = _textify(sheet)
        sheet = sheet.rename(dict(zip(sheet.columns, _clean_header(sheet.columns), strict=True)))
        if frames and sheet.columns != frames[0][1].columns:
            skipped.append(name)
        else:
            frames.append((name, sheet))
    if not frames:
        raise ReadError("The workbook has no sheet with a header row.")
    sheets, first = [], 1
    for name, sheet in frames:
        sheets.append((name, first, first + sheet.height - 1))
        first += sheet.height
    frame = frames[0][1] if len(frames) == 1 else pl.concat(_common_types([f for _, f in frames]),
                                                                         how="vertical_relaxed")
    if progress is not None:
        progress(frame.height, frame.height)
    return ReadTable(frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)),
                     "xlsx", None, checksum, sheets=sheets, sheets_skipped=skipped)


def _common_types(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """The sheets ready to stack with `vertical_relaxed` (which widens numbers and fills columns empty on one
    sheet): a column that is text on one sheet and typed on another becomes text everywhere, dates and times
    written as `YYYY-MM-DD HH:MM:SS`, as a CSV would give them."""
    text_somewhere = [c for c in frames[0].columns
                      if any(f.schema[c] == pl.String for f in frames) and any(f.schema[c] not in (pl.String, pl.Null)
                                                                               for f in frames)]
    if not text_somewhere:
        return frames

    def as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
        dtype = frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            return pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S")
        if dtype == pl.Date:
            return pl.col(name).dt.strftime("%Y-%m-%d")
        return pl.col(name).cast(pl.String)
    return [f.with_columns(as_text(f, c) for c in text_somewhere) for f in frames]


def read_table(path: str | Path, progress=None, password: str | None = None) -> ReadTable:
    """Read any supported file; raises ReadError with a user message for anything unreadable. `password` opens a
    password-protected .xlsx (Smart Store and other seller centres protect their order downloads)."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"No such file: {path}")
    with path.open("rb") as fh:
        head = fh.read(8)
    kind = sniff_file_type(head, path.name)
    if kind == "xls":
        with _decrypted_workbook(path, password) as plain:
            if plain is None:
                raise ReadError("Old Excel .xls files are not supported: save as .xlsx or CSV UTF-8.")
            return read_excel(plain, progress)
    if kind == "parquet":
        return read_parquet(path, progress)
    if kind == "xlsx":
        return read_excel(path, progress)
    return read_csv(path, progress)


def _encrypted_workbook(fh):
    """The msoffcrypto handle of a password-protected .xlsx (an OLE container holding the encrypted workbook) open
    in `fh`; None for any other file (an old .xls, anything unreadable)."""
    import msoffcrypto
    try:
        office = msoffcrypto.OfficeFile(fh)
        return office if office.format == "ooxml" and office.is_encrypted() else None
    except Exception:   # (any unreadable OLE file is simply not one we can open)
        return None


def is_encrypted_excel(data: bytes) -> bool:
    """True for a password-protected .xlsx (the upload page asks for its password)."""
    import io
    return data.startswith(b"\xd0\xcf\x11\xe0") and _encrypted_workbook(io.BytesIO(data)) is not None


@contextmanager
def _decrypted_workbook(path: Path, password: str | None):
    """An encrypted .xlsx decrypted into a temporary file; None for any other OLE file (an old .xls). The
    temporary file is removed afterwards."""
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    with path.open("rb") as fh:
        office = _encrypted_workbook(fh)
        if office is None:
            yield None
            return
        if not password:
            raise ReadError("This Excel file is password-protected (seller centres such as Smart Store protect their "
                            "order downloads). Give its password (--password, or the password box on the upload "
                            "page), or save a copy without a password.")
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix="si-decrypted-")
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    office.load_key(password=password)
                    office.decrypt(out)
                except (InvalidKeyError, DecryptionError):
                    raise ReadError("The password does not open this Excel file.") from None
            with Path(tmp).open("rb") as check:
                if check.read(4) != b"PK\x03\x04":
                    raise ReadError("The decrypted file is not an .xlsx workbook: save it as .xlsx or CSV UTF-8.")
            yield Path(tmp)
        finally:
            Path(tmp).unlink(missing_ok=True)


def frame_from_records(records: list[dict]) -> pl.DataFrame:
    """API pushes: every value as text (None stays null), row numbers 1-based."""
    columns: dict[str, list[str | None]] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise ReadError(f"record {i + 1} is not an object")
        for key in rec:
            columns.setdefault(str(key), [None] * len(records))
    for i, rec in enumerate(records):
        for key, value in rec.items():
            columns[str(key)][i] = None if value is None else str(value)
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in columns.items()})
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
