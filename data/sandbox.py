"""The analysts' SQL sandbox: checks a typed query, then runs it on a scoped cursor with a timeout and a row cap.

Before DuckDB executes anything, a query passes two independent parser checks:

1. sqlglot (DuckDB dialect): exactly one statement; a SELECT, WITH ... SELECT or set operation (UNION /
   INTERSECT / EXCEPT); every table reference is an unqualified name that is either a CTE visible at that
   point or one of the scoped views (data/scope.py); table functions other than range / generate_series /
   unnest are refused; refused scalar functions (below) are refused.
2. DuckDB's own parser, on the exact text that will run (the row-capping wrapper included):
   `duckdb.extract_statements` must give one SELECT statement, and the parse tree from `json_serialize_sql`
   is walked with the same rules (base tables, table functions, scalar functions with their schema). This
   catches anything where sqlglot and DuckDB read the text differently (e.g. DuckDB's `'x'.fn()` call syntax).

Then it runs on the caller's scoped cursor, so even a query that slipped through could only see the granted
sellers' rows, with a watchdog thread calling `cursor.interrupt()` at the deadline (default 30 s) and a row cap
(`SELECT * FROM (q) LIMIT cap + 1`, so a result over the cap is cut and flagged `truncated`).
Parameters are DuckDB named parameters (`$from`, `$to`, `$name`), bound by DuckDB, never formatted into text.

Refused scalar functions (they reveal the system, other sellers, or change state), see DENIED_FUNCTIONS:
settings and session facts (current_setting, current_database/catalog/schema(s)/user/role/query, getvariable,
getenv, version), catalogue helpers (every pg_* except pg_typeof, has_*_privilege, *_description),
sequences (nextval changes the shared sequence and reveals how many loads all sellers made; currval, setval),
`stats()` (column statistics of the underlying table show other sellers' min/max values), the serialise /
execute-SQL helpers (json_serialize_sql, json_deserialize_sql, json_execute_serialized_sql, query, query_table),
and sleep_ms / pg_sleep (not interruptible work that only holds a thread). Every duckdb_* and read_* name is
refused too. Ordinary functions (date, string, math, aggregates, windows, lists, regexp, ...) are allowed.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from data.scope import ScopedWarehouse

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 10_000

ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})

DENIED_FUNCTIONS = frozenset({
    "current_setting", "current_database", "current_catalog", "current_schema", "current_schemas",
    "current_user", "current_role", "current_query", "current_query_id", "current_connection_id",
    "current_transaction_id", "session_user", "user", "getvariable", "getenv", "version", "txid_current",
    "col_description", "obj_description", "shobj_description", "format_pg_type", "format_type",
    "nextval", "currval", "setval", "stats",
    "json_serialize_sql", "json_deserialize_sql", "json_execute_serialized_sql", "json_serialize_plan",
    "query", "query_table", "sleep_ms", "pg_sleep", "checkpoint", "force_checkpoint",
    "glob", "sniff_csv", "which_secret", "sql_auto_complete", "enable_logging", "enable_profiling",
    "disable_logging", "disable_profiling", "truncate_duckdb_logs",
})
DENIED_PREFIXES = ("duckdb_", "read_", "pg_", "has_", "pragma_", "parquet_", "sqlite_", "python_", "pandas_",
                   "arrow_", "icu_", "register_", "deregister_", "create_", "destroy_")
ALLOWED_DESPITE_PREFIX = frozenset({"pg_typeof"})

# sqlglot's typed expressions for statements and clauses that are never part of a plain query.
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    t for t in (getattr(exp, n, None) for n in (
        "DML", "DDL", "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Pragma",
        "Set", "Use", "Copy", "Attach", "Detach", "Install", "Load", "Export", "Describe", "Summarize",
        "Into", "Transaction", "Commit", "Rollback", "Cache", "Uncache", "Refresh", "Analyze", "Grant",
        "Revoke", "LoadData", "TruncateTable", "Kill", "Comment", "Show", "Pivot", "Unpivot")) if t is not None
)
# A PIVOT inside FROM is an ordinary clause; only a PIVOT *statement* is refused (root check below).
_FORBIDDEN_NODES = tuple(t for t in _FORBIDDEN_NODES if t.__name__ not in ("Pivot", "Unpivot"))


class QueryRefused(Exception):
    """The query was not run: the message names what was refused and why (meant for people)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QueryError(Exception):
    """The query was allowed but DuckDB could not run it (unknown column, bad cast, out of memory, ...)."""


class QueryTimeout(QueryError):
    """The query ran past its time limit and was stopped; the warehouse is unharmed."""


class QueryCancelled(QueryError):
    """Someone pressed cancel; the query was stopped."""


@dataclass
class CheckedQuery:
    """A query that passed the sqlglot check: its text (one statement, no trailing ';') and $parameters."""

    sql: str
    parameters: tuple[str, ...]


@dataclass
class QueryResult:
    """Rows of an allowed query, at most `max_rows` of them (`truncated`: there were more)."""

    table: pa.Table
    truncated: bool
    max_rows: int
    elapsed_s: float
    sql: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def frame(self) -> pl.DataFrame:
        return pl.from_arrow(self.table)  # type: ignore[return-value]

    @property
    def row_count(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return self.table.column_names


class CancelToken:
    """Lets another thread (a Cancel button) stop a running sandbox query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursor: duckdb.DuckDBPyConnection | None = None
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._cursor is not None:
                self._cursor.interrupt()

    def _attach(self, cur: duckdb.DuckDBPyConnection | None) -> None:
        with self._lock:
            self._cursor = cur


# ---------------------------------------------------------------------------------------------- checks


def _function_refusal(name: str, qualified: bool = False) -> str | None:
    low = name.lower()
    if qualified:
        return f"the function {name}() is named with a schema or catalog; call functions by their plain name"
    if low in DENIED_FUNCTIONS or (low.startswith(DENIED_PREFIXES) and low not in ALLOWED_DESPITE_PREFIX):
        return f"the function {low}() is not available in the sandbox (it reveals or changes the system)"
    return None


def _sqlglot_function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this)
    return node.sql_name()


def _cte_names_visible(table: exp.Table) -> set[str]:
    """CTE names a table reference may use: those of enclosing WITHs, in DuckDB's scoping.

    Inside the body of CTE i of a WITH only CTEs 0..i-1 are visible (and CTE i itself when the WITH is
    RECURSIVE); in the query that owns the WITH, and its subqueries, all of them are."""
    visible: set[str] = set()
    child: exp.Expression = table
    node = table.parent
    while node is not None:
        if isinstance(node, exp.With):
            names = [c.alias_or_name.lower() for c in node.expressions]
            index = next((i for i, c in enumerate(node.expressions) if c is child), None)
            if index is not None:
                visible.update(names[:index])
                if node.args.get("recursive"):
                    visible.add(names[index])
        elif isinstance(node, exp.Query):
            with_ = node.args.get("with_")
            if isinstance(with_, exp.With) and child is not with_:
                visible.update(c.alias_or_name.lower() for c in with_.expressions)
        child, node = node, node.parent
    return visible


def check_query(sql: str, allowed_tables: set[str] | frozenset[str] | tuple[str, ...]) -> CheckedQuery:
    """Refuse (QueryRefused) anything but one read-only SELECT over the allowed tables; return it checked."""
    if not isinstance(sql, str) or not sql.strip():
        raise QueryRefused("The query is empty: write one SELECT statement.")
    allowed = {t.lower() for t in allowed_tables}
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise QueryRefused(f"The query could not be read as SQL: {first}") from None
    try:
        duck_statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"The query could not be read as SQL: {str(exc).splitlines()[0]}") from None
    if len(trees) != 1 or len(duck_statements) != 1:
        n = max(len(trees), len(duck_statements))
        raise QueryRefused(f"Only one statement per run is allowed; this text holds {n}. "
                           "Remove the extra statements (and any ';' between them).")
    tree = trees[0]
    root = tree.unnest() if isinstance(tree, exp.Subquery) else tree
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        kind = (type(root).__name__ if not isinstance(root, exp.Command) else str(root.this)).upper()
        raise QueryRefused(f"Only SELECT queries (with WITH, UNION, INTERSECT, EXCEPT) are allowed; "
                           f"{kind} statements are refused.")
    if duck_statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"Only SELECT queries are allowed; DuckDB reads this as "
                           f"{duck_statements[0].type.name}.")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise QueryRefused(f"{type(node).__name__.upper()} is not allowed in the sandbox: only reading "
                               "queries run here.")
        if isinstance(node, exp.Table):
            _check_table(node, allowed)
        elif isinstance(node, exp.Func):
            if isinstance(node.parent, exp.Table) and node.parent.this is node:
                continue  # table functions: checked with their table
            name = _sqlglot_function_name(node)
            reason = _function_refusal(name)
            if reason:
                raise QueryRefused(f"Refused: {reason}.")
    names = [str(p.name) for p in tree.find_all(exp.Placeholder, exp.Parameter)]
    if any(not n or n == "?" or n.isdigit() for n in names):
        raise QueryRefused("Positional parameters (? or $1) are not supported: use named ones such as $from, "
                           "$to or $seller_name.")
    params = tuple(dict.fromkeys(names))
    body = duck_statements[0].query.strip().rstrip(";").strip()
    return CheckedQuery(sql=body, parameters=params)


def _check_table(table: exp.Table, allowed: set[str]) -> None:
    source = table.this
    if isinstance(source, exp.Func):
        name = _sqlglot_function_name(source).lower()
        if isinstance(source, exp.GenerateSeries):
            name = "range/generate_series"
        elif isinstance(source, (exp.Unnest, exp.Explode)):
            name = "unnest"
        if name in ALLOWED_TABLE_FUNCTIONS or name == "range/generate_series":
            return
        raise QueryRefused(f"Refused: the table function {name}() is not available in the sandbox "
                           f"(only {', '.join(sorted(ALLOWED_TABLE_FUNCTIONS))} are); "
                           "query the tables listed in the schema browser instead.")
    if not isinstance(source, exp.Identifier):
        raise QueryRefused(f"Refused: '{table.sql(dialect='duckdb')}' is not a table of this warehouse.")
    name = source.name
    if table.args.get("db") is not None or table.args.get("catalog") is not None:
        raise QueryRefused(f"Refused: the qualified name {table.sql(dialect='duckdb')} - use the plain table "
                           f"names ({', '.join(sorted(allowed))}).")
    low = name.lower()
    if low in _cte_names_visible(table):
        return
    if low in allowed:
        return
    raise QueryRefused(f"Refused: '{name}' is not a table you can query here. Available tables: "
                       f"{', '.join(sorted(allowed))}.")


def _check_duckdb_tree(cur: duckdb.DuckDBPyConnection, text: str, allowed: set[str]) -> None:
    """Walk DuckDB's own parse tree of `text` with the same rules as check_query (authoritative reading)."""
    raw = cur.execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error"):
        raise QueryRefused(f"Only SELECT queries are allowed: {tree.get('error_message', 'not a SELECT')}")
    statements = tree.get("statements", [])
    if len(statements) != 1:
        raise QueryRefused(f"Only one statement per run is allowed; DuckDB reads {len(statements)}.")

    def walk(node: Any, visible: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, visible)
            return
        if not isinstance(node, dict):
            return
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict) and cte_map.get("map"):
            names: list[str] = []
            for entry in cte_map["map"]:
                name = str(entry.get("key", "")).lower()
                body = entry.get("value", {}).get("query_node")
                own = {name} if isinstance(body, dict) and body.get("type") == "RECURSIVE_CTE_NODE" else set()
                walk(entry.get("value"), visible | frozenset(names) | frozenset(own))
                names.append(name)
            visible = visible | frozenset(names)
        if node.get("type") == "RECURSIVE_CTE_NODE" and node.get("cte_name"):
            visible = visible | {str(node["cte_name"]).lower()}
        kind = node.get("type")
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if node.get("catalog_name") or node.get("schema_name"):
                path = ".".join(p for p in (node.get("catalog_name"), node.get("schema_name"), name) if p)
                raise QueryRefused(f"Refused: the qualified name {path} - use the plain table names.")
            if name.lower() not in visible and name.lower() not in allowed:
                raise QueryRefused(f"Refused: '{name}' is not a table you can query here.")
        elif kind == "TABLE_FUNCTION":
            fn = node.get("function", {}) or {}
            fname = str(fn.get("function_name", "")).lower()
            if fn.get("schema") or fn.get("catalog") or fname not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryRefused(f"Refused: the table function {fname}() is not available in the sandbox "
                                   f"(only {', '.join(sorted(ALLOWED_TABLE_FUNCTIONS))} are).")
        if node.get("class") == "FUNCTION" and not node.get("is_operator"):
            reason = _function_refusal(str(node.get("function_name", "")),
                                       qualified=bool(node.get("schema") or node.get("catalog")))
            if reason:
                raise QueryRefused(f"Refused: {reason}.")
        for key, value in node.items():
            if key != "cte_map" and isinstance(value, (dict, list)):
                walk(value, visible)

    walk(statements[0], frozenset())


# ---------------------------------------------------------------------------------------------- running


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Watchdog:
    """One long-lived thread that calls each registered callback at its deadline (cheaper than a Timer per query)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._entries: dict[int, tuple[float, Any]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, callback: Any) -> int:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="sandbox-watchdog", daemon=True)
                self._thread.start()
            ident = next(self._ids)
            self._entries[ident] = (time.monotonic() + seconds, callback)
            self._cond.notify()
            return ident

    def unwatch(self, ident: int) -> None:
        with self._cond:
            self._entries.pop(ident, None)

    def _loop(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [k for k, (deadline, _) in self._entries.items() if deadline <= now]
                callbacks = [self._entries.pop(k)[1] for k in due]
                if not callbacks:
                    nearest = min((d for d, _ in self._entries.values()), default=None)
                    self._cond.wait(None if nearest is None else max(0.0, nearest - now))
                    continue
            self._fire(callbacks)  # outside the lock: a callback may take the query's own lock
            del callbacks  # hold no reference to a finished query's cursor while waiting

    @staticmethod
    def _fire(callbacks: list[Any]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a failed interrupt must not stop the watchdog
                pass


_WATCHDOG = _Watchdog()


def _bind(checked: CheckedQuery, text: str, params: dict[str, Any] | None, why: str) -> dict[str, Any]:
    """The parameter values `text` (the exact text DuckDB runs) asks for: as DuckDB reads them (authoritative) and
    as sqlglot did; values not asked for are dropped. QueryRefused when `text` is not one SELECT or a value is
    missing."""
    statements = duckdb.extract_statements(text)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(("Only one SELECT statement per run is allowed " + why).strip() + ".")
    wanted = list(dict.fromkeys([*checked.parameters, *sorted(statements[0].named_parameters)]))
    given = dict(params or {})
    missing = [p for p in wanted if p not in given]
    if missing:
        raise QueryRefused("No value for the parameter(s) " + ", ".join(f"${p}" for p in missing) + ".")
    return {p: given[p] for p in wanted}


class Sandbox:
    """Runs people's SELECT queries on a ScopedWarehouse: checked, time-limited, row-capped."""

    def __init__(self, scoped: ScopedWarehouse, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.scoped = scoped
        self.timeout_s = timeout_s
        self.max_rows = max_rows

    @property
    def allowed_tables(self) -> tuple[str, ...]:
        return self.scoped.table_names

    def check(self, sql: str) -> CheckedQuery:
        """The sqlglot check alone (no DuckDB call): raises QueryRefused."""
        return check_query(sql, self.allowed_tables)

    def run(self, sql: str, params: dict[str, Any] | None = None, *, timeout_s: float | None = None,
            max_rows: int | None = None, cancel: CancelToken | None = None) -> QueryResult:
        """Check and run one query; raises QueryRefused, QueryTimeout, QueryCancelled or QueryError."""
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        cap = self.max_rows if max_rows is None else int(max_rows)
        if cap < 1:
            raise QueryRefused("The row limit must be at least 1.")
        if not timeout > 0:
            raise QueryRefused("The time limit must be more than 0 seconds.")
        allowed = set(self.allowed_tables)
        checked = check_query(sql, allowed)
        text = f"SELECT * FROM (\n{checked.sql}\n) AS si_result LIMIT {cap + 1}"
        bound = _bind(checked, text, params, "(the text does not stay one statement when its rows are limited; "
                                             "check comments and brackets)")
        cur = self.scoped.cursor()
        _check_duckdb_tree(cur, text, allowed)
        return self._execute(cur, text, bound, timeout, cap, cancel)

    def stream(self, sql: str, params: dict[str, Any] | None = None, *, timeout_s: float = 600.0,
               batch_rows: int = 50_000) -> Iterator[pa.RecordBatch]:
        """Check one query like run(), then yield its rows as Arrow record batches without holding them all
        (large exports). Runs on its own scoped connection, closed at the end; the time limit covers the whole
        stream (the watchdog interrupts it). Raises QueryRefused before the first batch; QueryTimeout /
        QueryError while streaming."""
        allowed = set(self.allowed_tables)
        checked = check_query(sql, allowed)
        bound = _bind(checked, checked.sql, params, "")
        cur = self.scoped.new_cursor()
        try:
            _check_duckdb_tree(cur, checked.sql, allowed)
        except BaseException:
            cur.close()
            raise
        return self._stream(cur, checked.sql, bound, float(timeout_s), int(batch_rows))

    def _stream(self, cur: duckdb.DuckDBPyConnection, text: str, bound: dict[str, Any], timeout: float,
                batch_rows: int) -> Iterator[pa.RecordBatch]:
        state = {"timed_out": False}
        watch = _WATCHDOG.watch(timeout, lambda: (state.update(timed_out=True), cur.interrupt()))
        try:
            reader = cur.sql(text, params=bound or None).to_arrow_reader(batch_rows)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                yield batch
        except (duckdb.InterruptException, pa.ArrowException) as exc:
            if state["timed_out"]:
                raise QueryTimeout(f"The export ran longer than {timeout:g} s and was stopped.") from None
            raise QueryError(f"The export failed: {_first_line(exc)}") from None
        except duckdb.Error as exc:
            raise QueryError(f"The export failed: {_first_line(exc)}") from None
        finally:
            _WATCHDOG.unwatch(watch)
            cur.close()

    def _execute(self, cur: duckdb.DuckDBPyConnection, text: str, bound: dict[str, Any], timeout: float,
                 cap: int, cancel: CancelToken | None) -> QueryResult:
        state = {"running": True, "timed_out": False}
        lock = threading.Lock()

        def on_deadline() -> None:
            with lock:
                if state["running"]:
                    state["timed_out"] = True
                    cur.interrupt()

        if cancel is not None:
            if cancel.cancelled:
                raise QueryCancelled("The query was cancelled before it started.")
            cancel._attach(cur)
        started = time.perf_counter()
        watch = _WATCHDOG.watch(timeout, on_deadline)
        try:
            table = cur.sql(text, params=bound or None).to_arrow_table()
        except duckdb.InterruptException:
            if state["timed_out"]:
                raise QueryTimeout(f"The query ran longer than {timeout:g} s and was stopped. Narrow it "
                                   "(filters, fewer joins) or raise the time limit.") from None
            raise QueryCancelled("The query was cancelled.") from None
        except duckdb.OutOfMemoryException:
            raise QueryError("The query needed more memory than the sandbox allows and was stopped. "
                             "Aggregate more, or select fewer rows and columns.") from None
        except duckdb.PermissionException as exc:
            raise QueryRefused(f"Refused by the database: {_first_line(exc)}") from None
        except duckdb.Error as exc:
            raise QueryError(f"The query failed: {_first_line(exc)}") from None
        finally:
            with lock:
                state["running"] = False
            _WATCHDOG.unwatch(watch)
            if cancel is not None:
                cancel._attach(None)
        elapsed = time.perf_counter() - started
        truncated = table.num_rows > cap
        if truncated:
            table = table.slice(0, cap)
        return QueryResult(table=table, truncated=truncated, max_rows=cap, elapsed_s=elapsed, sql=text,
                           params=bound)


# ---------------------------------------------------------------------------------------------- schema


@dataclass
class TableSchema:
    """One scoped table for the schema browser: its columns with DuckDB types and a few sample rows."""

    name: str
    columns: list[tuple[str, str]]
    sample: pl.DataFrame


def list_schema(scoped: ScopedWarehouse, sample_rows: int = 3) -> list[TableSchema]:
    """Every table the scope can query, with column types and `sample_rows` sample rows (granted sellers only)."""
    cur = scoped.cursor()
    names = scoped.table_names
    rows = cur.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = 'temp' ORDER BY table_name, column_index").fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        columns.setdefault(table, []).append((column, dtype))
    result = []
    for name in names:
        sample = cur.sql(f'SELECT * FROM "{name}" LIMIT {int(sample_rows)}').pl()
        result.append(TableSchema(name=name, columns=columns.get(name, []), sample=sample))
    return result
