"""Large workspace exports, streamed: the page registers an export (who, which query, which format) and links to
GET /api/export/{token}; the route checks the signed-in user again and streams CSV or Parquet batch by batch from
the sandbox, so a result of millions of rows never sits in memory whole."""

from __future__ import annotations

import io
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "parquet": ("application/octet-stream", "parquet")}
TOKEN_TTL_SECONDS = 15 * 60
_MAX_PENDING = 200


@dataclass(frozen=True)
class ExportJob:
    username: str
    sql: str
    params: dict[str, Any]
    fmt: str
    created: float = field(default_factory=time.time)


_jobs: dict[str, ExportJob] = {}
_lock = threading.Lock()


def register_export(username: str, sql: str, params: dict[str, Any], fmt: str) -> str:
    """A token for GET /api/export/{token}, valid TOKEN_TTL_SECONDS for this user only."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    token = secrets.token_urlsafe(24)
    with _lock:
        now = time.time()
        for key in [k for k, job in _jobs.items() if now - job.created > TOKEN_TTL_SECONDS]:
            del _jobs[key]
        while len(_jobs) >= _MAX_PENDING:
            _jobs.pop(next(iter(_jobs)))
        _jobs[token] = ExportJob(username, sql, dict(params), fmt)
    return token


def export_job(token: str) -> ExportJob | None:
    """The registered export, or None when unknown or expired."""
    with _lock:
        job = _jobs.get(token)
    if job is None or time.time() - job.created > TOKEN_TTL_SECONDS:
        return None
    return job


def encode(batches: Iterator[pa.RecordBatch], fmt: str) -> Iterator[bytes]:
    """The batches as CSV (UTF-8 with BOM, so Excel in Korea opens Korean correctly) or one Parquet file,
    yielded piece by piece."""
    if fmt == "csv":
        yield "\ufeff".encode()
        first = True
        for batch in batches:
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.Table.from_batches([batch]), buffer,
                             write_options=pa_csv.WriteOptions(include_header=first))
            first = False
            yield buffer.getvalue()
        return
    pipe = _Pipe()
    writer: pq.ParquetWriter | None = None
    for batch in batches:
        if writer is None:
            writer = pq.ParquetWriter(pipe, batch.schema, compression="zstd")
        writer.write_batch(batch)
        if data := pipe.take():
            yield data
    if writer is not None:
        writer.close()
        yield pipe.take()


class _Pipe(io.RawIOBase):
    """A write-only stream that hands over what was written so far (take) while keeping the true position
    (tell), which the Parquet footer's offsets depend on."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._pending.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._pending = b"".join(self._pending), []
        return data
