"""Loading files and pushes into the warehouse: read, map, validate, then load in one transaction.

CONTRACT (other modules code against these names; keep them stable):

    KINDS = ("orders", "returns", "sessions", "ad_stats", "inventory", "products")
    FORMATS = ("auto", "canonical", "shopify", "online_retail", "mapped")

    ingest_file(wh, path, *, seller_id, kind, fmt="auto", mapping=None, skip_invalid=False,
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

from collections.abc import Callable
from dataclasses import dataclass, field

KINDS = ("orders", "returns", "sessions", "ad_stats", "inventory", "products")
FORMATS = ("auto", "canonical", "shopify", "online_retail", "mapped")

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
