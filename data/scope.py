"""Seller isolation in the data layer: cursors on which every warehouse table is a temp view of the granted sellers' rows.

DuckDB resolves an unqualified table name in the connection's `temp` catalog before the database's `main`
schema, and temp objects belong to one connection (every `cursor()` is its own connection). A *scoped cursor*
is a fresh cursor on which each table `T` of the warehouse is shadowed by

    CREATE TEMP VIEW T AS SELECT * FROM "<db>".main.T WHERE seller_id IN (<granted ids>)

so every analytics query (they all use unqualified names) sees only the granted sellers. The view bodies name
the catalog explicitly: inside the temp catalog `main.T` would mean `temp.main.T` (the view itself). Even a
`main.T` typed by someone resolves to the view; only a catalog-qualified name (`"<db>".main.T`) reaches the
real table, and the sandbox (data/sandbox.py) refuses every qualified name.

Fail closed: tables without a `seller_id` column are scoped through their parent (`alert_deliveries` through
`alerts.alert_key`, `load_rejects` through `loads.load_id`); any other table (e.g. `schema_version`, tables a
later migration adds without a rule) is shadowed by an empty view, so it is never visible unscoped.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from data.warehouse import Warehouse, query_frame

# Warehouse tables a scoped cursor shows (each filtered to the granted sellers). The sandbox allows exactly these.
SCOPED_TABLES: tuple[str, ...] = (
    "sellers", "products", "customers", "orders", "order_items", "returns", "sessions", "traffic_stats", "ad_stats",
    "inventory", "loads", "load_rejects", "demo_incidents", "alert_settings", "alert_rules", "alerts",
    "alert_deliveries", "rollup_traffic_hourly", "rollup_keywords_hourly", "rollup_sales_hourly",
    "rollup_order_totals", "rollup_session_orders", "rollup_pending",
)

# Tables without seller_id, scoped through a parent table: table -> (key column, parent table).
_SCOPED_THROUGH_PARENT: dict[str, tuple[str, str]] = {
    "alert_deliveries": ("alert_key", "alerts"),
    "load_rejects": ("load_id", "loads"),
}


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A DuckDB string literal in single quotes (embedded quotes doubled; DuckDB has no backslash escapes)."""
    if "\x00" in value:
        raise ValueError("a seller id cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Scope:
    """Which sellers' rows are visible: `seller_ids` (a seller: one id; an analyst: the granted ids) or all sellers."""

    seller_ids: frozenset[str] | None  # None: every seller (an analyst granted all, an admin)

    @classmethod
    def sellers(cls, *seller_ids: str | Iterable[str]) -> Scope:
        """Scope.sellers("a") or Scope.sellers(["a", "b"]): only these sellers' rows."""
        ids: set[str] = set()
        for item in seller_ids:
            ids.update([item] if isinstance(item, str) else item)
        for sid in ids:
            if not isinstance(sid, str):
                raise TypeError(f"seller ids are strings, got {sid!r}")
            quote_literal(sid)  # rejects NUL early
        return cls(frozenset(ids))

    @classmethod
    def all_sellers(cls) -> Scope:
        return cls(None)

    @property
    def key(self) -> tuple[str, ...]:
        """A hashable, order-independent description (part of cache keys)."""
        return ("*",) if self.seller_ids is None else ("ids", *sorted(self.seller_ids))

    def allows(self, seller_id: str) -> bool:
        return self.seller_ids is None or seller_id in self.seller_ids

    def describe(self) -> str:
        if self.seller_ids is None:
            return "all sellers"
        return ", ".join(sorted(self.seller_ids)) or "no sellers"


def _seller_filter(scope: Scope, column: str = "seller_id") -> str:
    if scope.seller_ids is None:
        return "true"
    if not scope.seller_ids:
        return "false"
    return f"{column} IN ({', '.join(quote_literal(s) for s in sorted(scope.seller_ids))})"


def _main_tables(cur: duckdb.DuckDBPyConnection, database: str) -> dict[str, bool]:
    """Tables and views of the database's main schema -> whether they have a seller_id column."""
    rows = cur.execute(
        "SELECT table_name, bool_or(column_name = 'seller_id') FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' GROUP BY table_name",
        [database],
    ).fetchall()
    return {name: bool(has) for name, has in rows}


def scope_view_statements(database: str, tables: dict[str, bool], scope: Scope) -> tuple[list[str], tuple[str, ...]]:
    """CREATE TEMP VIEW statements shadowing every main table; and the names of the views that show data."""
    db = quote_identifier(database)
    statements: list[str] = []
    visible: list[str] = []
    for name, has_seller in sorted(tables.items()):
        src = f"{db}.main.{quote_identifier(name)}"
        if has_seller:
            body = f"SELECT * FROM {src} WHERE {_seller_filter(scope)}"
            visible.append(name)
        elif name in _SCOPED_THROUGH_PARENT and _SCOPED_THROUGH_PARENT[name][1] in tables:
            key, parent = _SCOPED_THROUGH_PARENT[name]
            parent_src = f"{db}.main.{quote_identifier(parent)}"
            k = quote_identifier(key)
            body = (f"SELECT * FROM {src} WHERE {k} IN "
                    f"(SELECT {k} FROM {parent_src} WHERE {_seller_filter(scope)})")
            visible.append(name)
        else:  # unknown to the scoping rules: hidden, never shown unscoped
            body = f"SELECT * FROM {src} WHERE false"
        statements.append(f"CREATE OR REPLACE TEMP VIEW {quote_identifier(name)} AS {body}")
    return statements, tuple(visible)


def _open_scoped(wh: Warehouse, scope: Scope) -> tuple[duckdb.DuckDBPyConnection, tuple[str, ...]]:
    cur = wh.cursor().cursor()  # cursor() of a connection: a new connection to the same database instance
    try:
        database = cur.execute("SELECT current_database()").fetchall()[0][0]
        statements, visible = scope_view_statements(database, _main_tables(cur, database), scope)
        cur.execute(";\n".join(statements))
    except BaseException:
        cur.close()
        raise
    return cur, visible


def scoped_cursor(wh: Warehouse, scope: Scope) -> duckdb.DuckDBPyConnection:
    """A fresh cursor on `wh` whose unqualified table names show only `scope`'s rows. The caller closes it."""
    return _open_scoped(wh, scope)[0]


class ScopedWarehouse:
    """A Warehouse seen through a Scope: `cursor()`, `sql()` and `scalar()` only ever see the granted sellers.

    Pages, reports and exports take it wherever they take a Warehouse (analytics SQL uses unqualified names).
    Read-only by design: there is no `transaction()`. `data_version` includes the scope, so results cached
    per (path, data_version) (analytics.result_cache) are never shared between scopes.
    """

    def __init__(self, warehouse: Warehouse, scope: Scope) -> None:
        self.warehouse = warehouse
        self.scope = scope
        self._local = threading.local()
        self._cursors: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._tables: tuple[str, ...] | None = None

    @property
    def path(self):
        return self.warehouse.path

    @property
    def read_only(self) -> bool:
        return self.warehouse.read_only

    @property
    def data_version(self) -> tuple[Any, ...]:
        return (self.warehouse.data_version, *self.scope.key)

    def data_version_of(self, seller_id: str, kinds: tuple[str, ...] | None = None) -> tuple[Any, ...]:
        return (self.warehouse.data_version_of(seller_id, kinds), *self.scope.key)

    @property
    def version(self) -> int:
        return self.warehouse.version

    @property
    def table_names(self) -> tuple[str, ...]:
        """The scoped views that show data (what the schema browser lists and the sandbox allows)."""
        if self._tables is None:
            self.cursor()
        assert self._tables is not None
        return self._tables

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh scoped cursor the caller owns (and closes)."""
        cur, visible = _open_scoped(self.warehouse, self.scope)
        self._tables = visible
        with self._lock:
            self._cursors.add(cur)
        return cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's scoped cursor (created on first use, then reused)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.new_cursor()
            self._local.cursor = cur
        return cur

    def sql(self, query: str, params: dict[str, Any] | list[Any] | None = None) -> pl.DataFrame:
        """Run a read query on this thread's scoped cursor and return a Polars frame."""
        return query_frame(self.cursor(), query, params)

    def scalar(self, query: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        rows = self.cursor().execute(query, params).fetchall()
        return rows[0][0] if rows else None

    def close(self) -> None:
        """Close the scoped cursors this object handed out (the warehouse itself stays open)."""
        with self._lock:
            cursors = list(self._cursors)
            self._cursors = weakref.WeakSet()
        for cur in cursors:
            try:
                cur.close()
            except duckdb.Error:
                pass
        self._local = threading.local()
