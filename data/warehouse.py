"""The one owner of the DuckDB warehouse in a process: opens, migrates, hands out per-thread cursors."""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data import rollups, settings
from data.schema import LATEST_VERSION, MIGRATIONS

# query_frame's fetch: the rows of a finished execute() come back through Arrow once more, which costs nothing next
# to what it saves for the results a report reads (a few thousand rows at most); the warning says only that.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result makes an extra copy", category=UserWarning)


def query_frame(cur: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | list[Any] | None = None,
                ) -> pl.DataFrame:
    """Run one read query on `cur` now and return its rows as a Polars frame.

    DuckDB 2.0's `cur.sql(query).pl()` first builds a lazy relation: it parses the text, tokenises it in Python and
    binds it, then parses and binds it again to run it. For the report queries (a few KB of SQL each) that was
    5-12 ms of a 10-40 ms query (README, *Fetching frames*); `execute` parses and binds once."""
    cur.execute(query, params)
    return pl.from_arrow(cur.to_arrow_table())


class WarehouseError(Exception):
    """A warehouse problem with a message meant for people (never a traceback)."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse file read-write."""


class SchemaTooNewError(WarehouseError):
    """The file was written by a newer Seller Insights than this one."""


def resource_limits() -> dict[str, str | int]:
    """Memory and threads of the whole DuckDB instance (the sandbox's queries share it; the configuration is
    locked after connecting, so these are set here): SI_DB_MEMORY_LIMIT (default: 60 % of this machine's
    memory) and SI_DB_THREADS (default: DuckDB's, one per core)."""
    limits: dict[str, str | int] = {}
    memory = settings.get("SI_DB_MEMORY_LIMIT").strip()
    if not memory:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            memory = f"{max(1, int(total * 0.6 / 2**30))}GiB"
        except (ValueError, OSError, AttributeError):
            memory = ""
    if memory:
        limits["memory_limit"] = memory
    threads = settings.get("SI_DB_THREADS").strip()
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise WarehouseError(f"SI_DB_THREADS must be a whole number of at least 1, not {threads!r}.")
        limits["threads"] = int(threads)
    return limits


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        # The whole instance never touches files through DuckDB (ingest reads in Python and hands Arrow over),
        # so file access is off and the configuration locked: no query can re-enable it (issue 5 sandbox).
        return duckdb.connect(str(path), read_only=read_only,
                              config={"autoinstall_known_extensions": False,
                                      "autoload_known_extensions": False,
                                      "enable_external_access": False,
                                      **resource_limits(),
                                      "lock_configuration": True})
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            holder = f"process {pid.group(1)}" if pid else "another process"
            raise WarehouseBusyError(
                f"The warehouse {path} is in use by {holder} (probably the Seller Insights server). "
                f"Stop it first, or send data through its API at {settings.server_url()}/api/ingest/<kind>."
            ) from None
        raise WarehouseError(f"Cannot open the warehouse {path}: {text}") from None
    except duckdb.Error as exc:
        raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from None


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version stored in the file; 0 for an empty file."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    return int(version) if version is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int = LATEST_VERSION) -> list[int]:
    """Apply forward migrations up to `target`, each in its own transaction; return those applied."""
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise SchemaTooNewError(
            f"This warehouse has schema version {current}, newer than this Seller Insights "
            f"understands ({LATEST_VERSION}). Upgrade Seller Insights; the file was left untouched."
        )
    applied = []
    for m in MIGRATIONS:
        if current < m.version <= target:
            con.execute("BEGIN TRANSACTION")
            try:
                if m.version == 1:
                    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, "
                                "description VARCHAR, applied_at TIMESTAMP NOT NULL)")
                con.execute(m.sql)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                            [m.version, m.description, datetime.now(UTC).replace(tzinfo=None)])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            applied.append(m.version)
    return applied


_DATA_VERSIONS = itertools.count(1)
CLOSE_WAIT_SECONDS = 60.0       # close() waits this long for a query still running on another thread


class Warehouse:
    """Owns one DuckDB connection to a warehouse file; threads use `cursor()`.

    A DuckDB connection is not thread-safe, so each thread gets its own cursor (cheap)
    from the one connection. Writes that must not interleave take `write_lock`.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise WarehouseError(f"No warehouse at {self.path}. Build one with: python -m data demo")
        self._con = _connect(self.path, read_only)
        if read_only:
            version = self.schema_at_open = schema_version(self._con)
            if version > LATEST_VERSION:
                self._con.close()
                raise SchemaTooNewError(
                    f"This warehouse has schema version {version}, newer than this Seller Insights "
                    f"understands ({LATEST_VERSION}). Upgrade Seller Insights.")
        else:
            try:
                migrate(self._con)
            except Exception:
                self._con.close()
                raise
            self.schema_at_open = LATEST_VERSION
        self._local = threading.local()
        self.write_lock = threading.RLock()
        self._background: ThreadPoolExecutor | None = None
        self._background_lock = threading.Lock()
        self._data_version = next(_DATA_VERSIONS)      # any write that may change data
        self._shared_version = self._data_version       # writes not tied to one seller
        self._seller_versions: dict[str, int] = {}      # seller -> its latest write tied to it
        self._seller_wide_versions: dict[str, int] = {} # seller -> its latest write tied to it but to no load kind
        self._kind_versions: dict[tuple[str, str], int] = {}   # (seller, load kind) -> its latest load of that kind
        # data/rollups.py: (seller, load kind) -> the data_version_of(seller, ()) its rollups were found in step at
        self.rollups_checked: dict[tuple[str, str], tuple[int, ...]] = {}
        if not read_only:
            rollups.resume_pending(self)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the warehouse."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def sql(self, query: str, params: dict[str, Any] | list[Any] | None = None) -> pl.DataFrame:
        """Run a read query on this thread's cursor and return a Polars frame."""
        return query_frame(self.cursor(), query, params)

    def scalar(self, query: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        rows = self.cursor().execute(query, params).fetchall()  # fetchall: leaves no unfinished result
        return rows[0][0] if rows else None

    @contextmanager
    def transaction(self, *, changes_data: bool = True,
                    seller_id: str | None = None, kind: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction on a fresh cursor, serialised with every other writer in this process.

        `changes_data=False`: bookkeeping no analytics result reads (alert state and delivery log, saved queries,
        query history); committing it keeps `data_version`, so cached results stay valid.
        `seller_id`: the transaction writes rows of this seller only (a load, an API push); committing it changes
        `data_version` and `data_version_of(seller_id)` but not the other sellers' `data_version_of`. `kind`: and
        only the tables a load of that kind writes (data/ingest.py), so `data_version_of(seller_id, kinds)`
        changes only when `kind` is one of `kinds`."""
        with self.write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                cur.close()
                raise
            cur.execute("COMMIT")
            cur.close()
            if changes_data:
                version = self._data_version = next(_DATA_VERSIONS)
                if seller_id is None:
                    self._shared_version = version
                else:
                    self._seller_versions[seller_id] = version
                    if kind is None:
                        self._seller_wide_versions[seller_id] = version
                    else:
                        self._kind_versions[(seller_id, kind)] = version

    @property
    def data_version(self) -> int:
        """A number that changes whenever a write transaction that may change the data commits through this Warehouse
        (every transaction but bookkeeping marked `changes_data=False`).

        One process owns a warehouse file read-write and every write goes through `transaction()`
        (ARCHITECTURE.md), so results computed at one data_version stay true until it changes:
        analytics.result_cache keys on it. Numbers come from one process-wide sequence, so two handles
        (even on the same file, opened one after the other) never share a number."""
        return self._data_version

    def data_version_of(self, seller_id: str, kinds: tuple[str, ...] | None = None) -> tuple[int, ...]:
        """Like `data_version`, for results that read one seller's rows only: changes with that seller's own writes
        (`transaction(seller_id=...)`) and with every write not tied to a seller, not with other sellers' loads.
        So one store's API pushes leave every other store's cached reports valid.

        `kinds`: the result reads only tables that loads of these kinds write (the customer models read orders,
        written by `orders` and `returns` loads): then the seller's loads of other kinds (a visit or an ad
        report pushed every few seconds) leave it valid too."""
        if kinds is None:
            return (self._shared_version, self._seller_versions.get(seller_id, 0))
        return (self._shared_version, self._seller_wide_versions.get(seller_id, 0),
                *(self._kind_versions.get((seller_id, kind), 0) for kind in kinds))

    @property
    def version(self) -> int:
        return schema_version(self.cursor())

    def in_background(self, job: Callable[[], None]) -> Future[None]:
        """Run `job` on this warehouse's one background thread (jobs run one at a time, in order); `close()`
        waits for the ones still queued. Used for work that can follow a commit (data/rollups.py)."""
        with self._background_lock:
            if self._background is None:
                self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse-background")
            return self._background.submit(job)

    def wait_for_background(self) -> None:
        """Block until every background job submitted so far has finished."""
        with self._background_lock:
            pending = self._background.submit(lambda: None) if self._background is not None else None
        if pending is not None:
            pending.result()

    def close(self, wait_seconds: float = CLOSE_WAIT_SECONDS) -> None:
        """Close the file, after the background jobs and any query still running on another thread's cursor (a
        scheduler job that the server's shutdown does not wait for): DuckDB refuses to close a connection while
        one of its cursors runs a query, so wait up to `wait_seconds` for it to finish."""
        with self._background_lock:
            background, self._background = self._background, None
        if background is not None:
            background.shutdown(wait=True)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self._con.close()
                return
            except duckdb.ResourceInUseException:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)


_owners: dict[Path, Warehouse] = {}
_owners_lock = threading.Lock()


def default_path() -> Path:
    return settings.get_path("SI_DB_PATH")


def open_warehouse(path: str | Path | None = None, *, read_only: bool = False) -> Warehouse:
    """The process-wide owner of the warehouse at `path` (default: the SI_DB_PATH setting), opened once."""
    resolved = Path(path).resolve() if path is not None else default_path().resolve()
    with _owners_lock:
        wh = _owners.get(resolved)
        if wh is None:
            wh = Warehouse(resolved, read_only=read_only)
            _owners[resolved] = wh
        return wh


def close_warehouse(path: str | Path | None = None) -> None:
    """Close and forget the process-wide owner of `path` (the server's lifespan calls this at shutdown)."""
    resolved = Path(path).resolve() if path is not None else default_path().resolve()
    with _owners_lock:
        wh = _owners.pop(resolved, None)
    if wh is not None:
        wh.close()


def ensure_seller(cur: duckdb.DuckDBPyConnection, seller_id: str, *, name: str | None = None,
                  timezone_name: str | None = None, currency: str = "KRW", language: str | None = None) -> None:
    """Create the seller row if it does not exist yet (loading data for a new seller id creates it)."""
    cur.execute(
        "INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [seller_id, name or seller_id, currency, timezone_name or settings.get("SI_TIMEZONE"),
         language or settings.get("SI_LANGUAGE")],
    )
