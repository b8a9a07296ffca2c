"""Hourly rollups of the two biggest fact tables, kept exact with every load; reports read whole hours from them.

A 30-day traffic report of a large shop groups ~11M sessions by four text columns; the same numbers are a sum over
~20,000 rows of `rollup_traffic_hourly`. Each rollup holds, per seller and UTC hour (`date_trunc('hour', ...)`),
the aggregate of the raw rows of that hour, with the counts of raw rows it was made from (`checks`).
`rollup_order_totals` is finer: one row per order with its product lines already summed, so per-order
revenue (customers, attribution) needs no join of orders with their lines. `rollup_session_orders` keeps the raw
rows themselves, but only the visits carrying an order id (a few % of sessions): attribution of orders to visits
reads them instead of scanning every session.

Kept exact:
- After a load commits, the warehouse's background thread recomputes every hour the load wrote rows into, from
  the raw table, in a transaction of its own (`refresh_after_load`, called by data/ingest.py); the load itself does
  not wait for it (a 1M-line load would take ~1 s longer), and a re-load that adds nothing queues nothing. Loads
  insert new natural keys; the one update in place is a later Smart Store or Coupang export restating the status
  of earlier orders, which take that load's id, so its refresh recomputes their hours too.
- `rebuild` recomputes a seller (the demo build, `python -m data rollups`) and clears its pending loads.
- A load of orders or sessions also writes a `rollup_pending` row (the span of hours it wrote into) in its own
  transaction, and its refresh deletes it in the refresh's transaction: a reader sees, in its own snapshot, which
  hours of a seller hold rows not rolled up yet, and reads those from the raw rows (a Smart Store export that
  restates order statuses changes no row count, so counts alone would not show it). A process that stops before
  a queued refresh ran leaves the row: the next process to open the warehouse for writing queues that refresh
  (`resume_pending`).
- Rows written around the loader (the demo build, a test's INSERT, a half-built store) leave no such row, so a
  reader also compares counts (`covered_body`): with no load pending, the whole history's raw row counts of the
  seller against the rollups' (one count per table, ~40 ms for 5M order lines), remembered per process
  (`Warehouse.rollups_checked`) until a write not tied to one load kind changes `data_version_of(seller, ())`;
  until that check passes, the raw counts of the whole hours each window wants against the rollup's, on every
  read. Counts that differ make the reader fall back to the raw rows: slower, never wrong.

Reading: a query in analytics/sql writes `{{rollup_traffic_hourly}}` (or `{{rollup_traffic_hourly:previous_}}` for
the window `$previous_start_utc` .. `$previous_end_utc`) where it wants the hourly rows of its window;
`expand_sql` replaces it with the rollup's rows for the covered whole hours plus the same aggregate computed from the
raw rows of the partial hours at the window's edges (time zones with half-hour offsets, a window ending now), so
the query sees the same rows either way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from data.warehouse import Warehouse

log = logging.getLogger(__name__)


Count = tuple[str, str, str]     # (table, its UTC time column, an aggregate over its rows)


@dataclass(frozen=True)
class Rollup:
    name: str
    kind: str            # the load kind whose rows it sums: orders | sessions
    time_column: str     # the UTC timestamp of the raw table it groups (alias `r` in `select`)
    checks: tuple[tuple[Count, Count], ...]   # pairs of counts equal over any whole hours the rollup holds exactly
    columns: str         # the rollup table's columns (CREATE TABLE body)
    select: str          # its rows from the raw rows passing {where} (alias r); {where_orders} / {where_items}
                         # restrict orders (alias o) / order_items (alias i) the same way

    def build(self, seller: str | None, start: str | None = None, end: str | None = None) -> str:
        """The rollup's SELECT over the raw rows of seller `seller` (a SQL expression; None: every seller) in
        [start, end) (SQL expressions; None: all time)."""
        def predicate(alias: str, time_column: str) -> str:
            parts = [] if seller is None else [f"{alias}.seller_id = {seller}"]
            if start is not None:
                parts += [f"{alias}.{time_column} >= {start}", f"{alias}.{time_column} < {end}"]
            return " AND ".join(parts) or "true"
        return self.select.format(where=predicate("r", self.time_column), where_orders=predicate("o", "ordered_at"),
                                  where_items=predicate("i", "ordered_at"))


ROLLUPS: dict[str, Rollup] = {r.name: r for r in (
    Rollup("rollup_traffic_hourly", "sessions", "started_at",
           ((("sessions", "started_at", "count(*)"), ("rollup_traffic_hourly", "hour", "sum(sessions)")),), """
    seller_id          VARCHAR NOT NULL,
    hour               TIMESTAMP NOT NULL,   -- UTC, date_trunc('hour', started_at)
    channel            VARCHAR,
    source             VARCHAR,
    medium             VARCHAR,
    device             VARCHAR,
    sessions           BIGINT NOT NULL,      -- every session of the hour with these values
    engaged_sessions   BIGINT NOT NULL,      -- pageviews >= 2
    converted_sessions BIGINT NOT NULL       -- carrying an order id
""", """
    SELECT r.seller_id, date_trunc('hour', r.started_at) AS hour, r.channel, r.source, r.medium, r.device,
           count(*) AS sessions, count(*) FILTER (WHERE r.pageviews >= 2) AS engaged_sessions,
           count(r.order_id) AS converted_sessions
    FROM sessions AS r
    WHERE {where}
    GROUP BY ALL"""),
    Rollup("rollup_keywords_hourly", "sessions", "started_at",
           ((("sessions", "started_at", "count(*)"), ("rollup_keywords_hourly", "hour", "sum(sessions)")),), """
    seller_id          VARCHAR NOT NULL,
    hour               TIMESTAMP NOT NULL,   -- UTC
    search_keyword     VARCHAR,              -- as the visit brought it (not normalised)
    landing_sku        VARCHAR,
    sessions           BIGINT NOT NULL,
    converted_sessions BIGINT NOT NULL
""", """
    SELECT r.seller_id, date_trunc('hour', r.started_at) AS hour, r.search_keyword, r.landing_sku,
           count(*) AS sessions, count(r.order_id) AS converted_sessions
    FROM sessions AS r
    WHERE {where}
    GROUP BY ALL"""),
    Rollup("rollup_sales_hourly", "orders", "ordered_at",
           ((("order_items", "ordered_at", "count(*)"), ("rollup_sales_hourly", "hour", "sum(line_count)")),), """
    seller_id      VARCHAR NOT NULL,
    hour           TIMESTAMP NOT NULL,       -- UTC, date_trunc('hour', ordered_at)
    sku            VARCHAR NOT NULL,         -- coalesce(sku, product_name, '?')
    line_type      VARCHAR,                  -- product | shipping | fee
    kept           BOOLEAN NOT NULL,         -- the order exists and is not cancelled
    product_name   VARCHAR,                  -- one line's product name
    line_count     BIGINT NOT NULL,          -- every line of the hour with these values
    order_count    BIGINT NOT NULL,          -- distinct orders (an order lies in one hour)
    units          BIGINT NOT NULL,
    gross_sales    DECIMAL(38, 2) NOT NULL,  -- quantity x unit price
    line_discount  DECIMAL(38, 2) NOT NULL,
    line_net       DECIMAL(38, 2) NOT NULL,  -- gross - line discount
    order_discount DOUBLE NOT NULL           -- the lines' shares of their orders' discounts (kept product lines)
""", """
    SELECT r.seller_id, date_trunc('hour', r.ordered_at) AS hour, coalesce(r.sku, r.product_name, '?') AS sku,
           r.line_type, coalesce(o.status <> 'cancelled', false) AS kept, any_value(r.product_name) AS product_name,
           count(*) AS line_count, count(DISTINCT r.order_id) AS order_count,
           CAST(sum(r.quantity) AS BIGINT) AS units,
           sum(r.quantity * r.unit_price) AS gross_sales, sum(r.discount) AS line_discount,
           sum(r.quantity * r.unit_price - r.discount) AS line_net,
           -- an order's discount shared out to its kept product lines in proportion to their net amount (equal
           -- shares when they net to zero); analytics/sql/products_sales_by_sku.sql sums these shares. Each share is
           -- rounded to 10 decimals and summed exactly (DECIMAL): a DOUBLE sum depends on the order the threads
           -- add in, so the same rows gave sums differing in their last digits from run to run
           CAST(coalesce(sum(CAST(
               CASE WHEN o.discount = 0 OR r.line_type <> 'product' OR o.status = 'cancelled' THEN 0.0
                    WHEN n.order_line_net <> 0
                        THEN CAST(o.discount AS DOUBLE) * CAST(r.quantity * r.unit_price - r.discount AS DOUBLE)
                             / n.order_line_net
                    ELSE CAST(o.discount AS DOUBLE) / n.line_count END AS DECIMAL(38, 10))), 0) AS DOUBLE)
               AS order_discount
    FROM order_items AS r
    LEFT JOIN (SELECT o.seller_id, o.order_id, o.status, o.discount FROM orders AS o WHERE {where_orders}) AS o
        ON o.seller_id = r.seller_id AND o.order_id = r.order_id
    LEFT JOIN (
        SELECT r.seller_id, r.order_id, CAST(sum(r.quantity * r.unit_price - r.discount) AS DOUBLE) AS order_line_net,
               count(*) AS line_count
        FROM order_items AS r
        WHERE {where} AND r.line_type = 'product'
        GROUP BY r.seller_id, r.order_id
    ) AS n ON n.seller_id = r.seller_id AND n.order_id = r.order_id
    WHERE {where}
    GROUP BY ALL"""),
    Rollup("rollup_order_totals", "orders", "ordered_at",
           ((("orders", "ordered_at", "count(*)"), ("rollup_order_totals", "hour", "count(*)")),
            (("order_items", "ordered_at", "count(*)"), ("rollup_order_totals", "hour", "sum(line_count)"))), """
    seller_id       VARCHAR NOT NULL,
    hour            TIMESTAMP NOT NULL,      -- UTC, date_trunc('hour', ordered_at)
    order_id        VARCHAR NOT NULL,
    ordered_at      TIMESTAMP NOT NULL,      -- UTC
    customer_id     VARCHAR,
    status          VARCHAR NOT NULL,
    discount        DECIMAL(18, 2) NOT NULL, -- order-level discount
    line_count      BIGINT NOT NULL,         -- every line of the order
    units           BIGINT NOT NULL,         -- product units
    product_revenue DECIMAL(38, 2) NOT NULL  -- product lines net of line discounts (revenue = this - discount)
""", """
    SELECT r.seller_id, date_trunc('hour', r.ordered_at) AS hour, r.order_id, r.ordered_at, r.customer_id, r.status,
           r.discount, coalesce(l.line_count, 0) AS line_count, coalesce(l.units, 0) AS units,
           coalesce(l.product_revenue, 0) AS product_revenue
    FROM orders AS r
    LEFT JOIN (
        SELECT i.seller_id, i.order_id, count(*) AS line_count,
               CAST(sum(i.quantity) FILTER (WHERE i.line_type = 'product') AS BIGINT) AS units,
               sum(i.quantity * i.unit_price - i.discount) FILTER (WHERE i.line_type = 'product') AS product_revenue
        FROM order_items AS i
        WHERE {where_items}
        GROUP BY i.seller_id, i.order_id
    ) AS l ON l.seller_id = r.seller_id AND l.order_id = r.order_id
    WHERE {where}"""),
    # one row per visit carrying an order id (a few % of sessions): what attribution of orders to visits reads.
    # Checked through rollup_traffic_hourly, refreshed in the same transaction: the raw sessions must equal its
    # sessions, and its converted sessions the rows here.
    Rollup("rollup_session_orders", "sessions", "started_at",
           ((("sessions", "started_at", "count(*)"), ("rollup_traffic_hourly", "hour", "sum(sessions)")),
            (("rollup_traffic_hourly", "hour", "sum(converted_sessions)"),
             ("rollup_session_orders", "hour", "count(*)"))), """
    seller_id      VARCHAR NOT NULL,
    hour           TIMESTAMP NOT NULL,   -- UTC, date_trunc('hour', started_at)
    session_id     VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,   -- UTC
    order_id       VARCHAR NOT NULL,
    channel        VARCHAR,
    source         VARCHAR,
    medium         VARCHAR,
    device         VARCHAR,
    search_keyword VARCHAR,
    landing_sku    VARCHAR,
    -- the carried order as attribution needs it (fill_carrier_orders_sql, schema 9; NULL in rows read from the raw
    -- sessions, which readers send through the join with the orders instead):
    shared           BOOLEAN,         -- another visit of the seller carries the same order id
    order_ordered_at TIMESTAMP,       -- the order's rollup_order_totals row (NULL: no such order loaded)
    order_status     VARCHAR,
    order_net        DECIMAL(38, 2)   -- product_revenue - discount
""", """
    SELECT r.seller_id, date_trunc('hour', r.started_at) AS hour, r.session_id, r.started_at, r.order_id,
           r.channel, r.source, r.medium, r.device, r.search_keyword, r.landing_sku,
           NULL::BOOLEAN AS shared, NULL::TIMESTAMP AS order_ordered_at, NULL::VARCHAR AS order_status,
           NULL::DECIMAL(38, 2) AS order_net
    FROM sessions AS r
    WHERE {where} AND r.order_id IS NOT NULL
    ORDER BY r.started_at"""),
)}

MIGRATION_5 = ("rollup_traffic_hourly", "rollup_keywords_hourly", "rollup_sales_hourly", "rollup_order_totals")
MIGRATION_6 = ("rollup_session_orders",)
CARRIER_SCHEMA = 9      # the schema version that added the carried orders' columns to rollup_session_orders

ROLLUP_TABLES: tuple[str, ...] = tuple(ROLLUPS)
CARRIERS_PLACEHOLDER = "{{carrier_values_in_step}}"   # true | false: see carrier_values_in_step
_PLACEHOLDER = re.compile(r"\{\{(rollup_\w+?)(?::(\w*))?\}\}")


def migration_sql(names: tuple[str, ...]) -> str:
    """A migration creating these rollups and filling them from the raw rows of every seller."""
    return "\n".join(f"CREATE TABLE {r.name} ({r.columns});\nINSERT INTO {r.name} {r.build(None)};"
                     for r in (ROLLUPS[n] for n in names))


def rebuild(cur: duckdb.DuckDBPyConnection, seller_id: str | None = None) -> None:
    """Recompute every rollup from the raw rows, of one seller or (None) of every seller; nothing is left pending."""
    where, seller, p = ("", None, {}) if seller_id is None else (" WHERE seller_id = $s", "$s", {"s": seller_id})
    for r in ROLLUPS.values():
        cur.execute(f"DELETE FROM {r.name}{where}", p)
        cur.execute(f"INSERT INTO {r.name} {r.build(seller)}", p)
    cur.execute(fill_carrier_orders_sql(seller), p)
    cur.execute(f"DELETE FROM rollup_pending{where}", p)


# ---------------------------------------------------------------- the carried orders in rollup_session_orders

# Attribution joins each visit carrying an order id with that order (630,000 of each in a 60-day traffic report of
# the 10M-line bench store): the join, and finding the orders carried by more than one visit, were most of the
# traffic and keyword reports' time. So each rollup_session_orders row also holds its order's status, time and net
# revenue (from rollup_order_totals) and whether another visit of the seller carries the same order id; a reader
# joins only the shared ones (rare) and the rows of partial hours. The values depend on both load kinds, so both
# refreshes keep them: a sessions refresh fills its hours' rows (and the `shared` flag of every visit carrying one of
# their order ids, wherever it lies), an orders refresh the rows carrying the orders of its hours. A reader trusts
# them only when neither kind has a load pending for the seller and both are found in step (`carrier_values_in_step`).

def fill_carrier_orders_sql(seller: str | None, start: str | None = None, end: str | None = None) -> str:
    """UPDATE the carried-order columns of the rollup_session_orders rows of seller `seller` (a SQL expression;
    None: every seller) in the hours [start, end) (None: all): their orders' values and, for every visit of the
    seller carrying one of their order ids, `shared`."""
    seller_is = "true" if seller is None else f"seller_id = {seller}"
    hours = "" if start is None else f" AND hour >= {start} AND hour < {end}"
    return f"""
    UPDATE rollup_session_orders AS t
    SET shared = n.carriers > 1,
        order_ordered_at = o.ordered_at, order_status = o.status, order_net = o.product_revenue - o.discount
    FROM (SELECT seller_id, order_id, count(*) AS carriers
          FROM rollup_session_orders
          WHERE {seller_is} AND (seller_id, order_id) IN (
              SELECT seller_id, order_id FROM rollup_session_orders WHERE {seller_is}{hours})
          GROUP BY ALL) AS n
    LEFT JOIN (SELECT seller_id, order_id, ordered_at, status, product_revenue, discount
               FROM rollup_order_totals WHERE {seller_is}) AS o
        ON o.seller_id = n.seller_id AND o.order_id = n.order_id
    WHERE t.seller_id = n.seller_id AND t.order_id = n.order_id"""


# An orders refresh: the hour's orders are fetched first and the UPDATE joins that registered frame. Joined in one
# statement with rollup_order_totals, whose hours the same transaction has just rewritten, the planner built its hash
# table on the 3.5M visits instead of the 242 orders (0.20 s vs 0.02 s for one hour of the bench store's largest
# seller: bench/rollup_refresh.py).
REFRESHED_ORDERS_SQL = """
    SELECT order_id, ordered_at, status, product_revenue - discount AS net
    FROM rollup_order_totals WHERE seller_id = $s AND hour >= $a AND hour < $b"""
ORDER_VALUES_SQL = """
    UPDATE rollup_session_orders AS t
    SET order_ordered_at = o.ordered_at, order_status = o.status, order_net = o.net
    FROM refreshed_orders AS o
    WHERE t.seller_id = $s AND t.order_id = o.order_id"""


def refresh_order_values(cur: duckdb.DuckDBPyConnection, seller_id: str, start: datetime, end: datetime) -> None:
    """The carried-order columns of the visits carrying the orders of the hours [start, end), from their
    rollup_order_totals rows (just refreshed in the transaction of `cur`)."""
    orders = cur.execute(REFRESHED_ORDERS_SQL, {"s": seller_id, "a": start, "b": end}).to_arrow_table()
    if orders.num_rows:
        cur.register("refreshed_orders", orders)
        try:
            cur.execute(ORDER_VALUES_SQL, {"s": seller_id})
        finally:
            cur.unregister("refreshed_orders")


# where a load of each kind finds the hours it wrote into
_LOAD_TABLES = {"orders": ("orders", "ordered_at"), "sessions": ("sessions", "started_at")}
ROLLUP_KINDS: frozenset[str] = frozenset(r.kind for r in ROLLUPS.values())
PENDING_SCHEMA = 8      # the schema version that added rollup_pending


def mark_pending(cur: duckdb.DuckDBPyConnection, kind: str, seller_id: str, load_id: int) -> None:
    """In a load's own transaction: the hours it wrote rows into (those refresh_load recomputes) are not in the
    rollups yet; its refresh's transaction deletes the mark."""
    if kind in ROLLUP_KINDS:
        table, time_column = _LOAD_TABLES[kind]
        cur.execute(f"""
            INSERT INTO rollup_pending
            SELECT $s, $k, $l, date_trunc('hour', min({time_column})),
                   date_trunc('hour', max({time_column})) + INTERVAL 1 HOUR
            FROM {table} WHERE seller_id = $s AND load_id = $l
            HAVING count(*) > 0""", {"s": seller_id, "k": kind, "l": load_id})


def resume_pending(wh: Warehouse) -> int:
    """Queue the refreshes a previous process left pending (it stopped before running them); returns how many."""
    pending = wh.cursor().execute("SELECT kind, seller_id, load_id FROM rollup_pending ORDER BY load_id").fetchall()
    for kind, seller_id, load_id in pending:
        log.info("rollup refresh of load %s (%s, %s) was left pending; queued again", load_id, kind, seller_id)
        refresh_after_load(wh, kind, seller_id, load_id)
    return len(pending)


def refresh_after_load(wh: Warehouse, kind: str, seller_id: str, load_id: int) -> None:
    """Queue the recomputation of the hours a committed load wrote rows into on the warehouse's background thread.

    Its transaction changes no number (readers get the same from the raw rows), so it keeps the data version. A
    failure is logged and leaves the load pending: reports read the raw rows of its hours until the next start
    queues it again or `python -m data rollups` rebuilds."""
    if kind not in _LOAD_TABLES:
        return

    def job() -> None:
        try:
            with wh.transaction(changes_data=False) as cur:
                refresh_load(cur, kind, seller_id, load_id)
                cur.execute("DELETE FROM rollup_pending WHERE seller_id = $s AND kind = $k AND load_id = $l",
                            {"s": seller_id, "k": kind, "l": load_id})
        except Exception:
            log.exception("rollup refresh of load %s (%s, %s) failed; its hours are read from the raw rows",
                          load_id, kind, seller_id)

    wh.in_background(job)


def refresh_load(cur: duckdb.DuckDBPyConnection, kind: str, seller_id: str, load_id: int) -> None:
    """Recompute the hours a load wrote rows into, in the transaction of `cur`."""
    if kind not in _LOAD_TABLES:
        return
    table, time_column = _LOAD_TABLES[kind]
    hours = [h for (h,) in cur.execute(
        f"SELECT DISTINCT date_trunc('hour', {time_column}) FROM {table} "
        f"WHERE seller_id = $s AND load_id = $l ORDER BY 1", {"s": seller_id, "l": load_id}).fetchall()]
    for start, end in hour_runs(hours):
        refresh_hours(cur, seller_id, kind, start, end)


def hour_runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted whole hours as [start, end) runs of consecutive hours."""
    runs: list[tuple[datetime, datetime]] = []
    for h in hours:
        if runs and runs[-1][1] == h:
            runs[-1] = (runs[-1][0], h + timedelta(hours=1))
        else:
            runs.append((h, h + timedelta(hours=1)))
    return runs


def refresh_hours(cur: duckdb.DuckDBPyConnection, seller_id: str, kind: str, start: datetime,
                  end: datetime) -> None:
    """Recompute the rollups of one load kind for the whole hours [start, end) of one seller."""
    p = {"s": seller_id, "a": start, "b": end}
    for r in ROLLUPS.values():
        if r.kind == kind:
            cur.execute(f"DELETE FROM {r.name} WHERE seller_id = $s AND hour >= $a AND hour < $b", p)
            cur.execute(f"INSERT INTO {r.name} {r.build('$s', '$a', '$b')}", p)
    # the carried orders (see fill_carrier_orders_sql): the visits of these hours, or the visits carrying the
    # orders of these hours (an order is never deleted, and a restated status keeps its order id)
    if kind == "sessions":
        cur.execute(fill_carrier_orders_sql("$s", "$a", "$b"), p)
    else:
        refresh_order_values(cur, seller_id, start, end)


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    floor = floor_hour(t)
    return floor if floor == t else floor + timedelta(hours=1)


@dataclass(frozen=True)
class Checked:
    """A process's memory of whole-history checks that found a seller's rollups in step (`Warehouse.rollups_checked`:
    (seller, kind) -> the `data_version_of(seller, ())` it was found at), and that version now, read before the
    reader's snapshot began. Loads mark their own pending refresh in the snapshot (`rollup_pending`), so only a
    write around the loader can put the rollups out of step unseen, and each one changes that version."""
    memory: dict[tuple[str, str], tuple[Any, ...]]
    version: tuple[Any, ...]
    marks: bool = True     # the warehouse has rollup_pending (schema 8; a read-only open of an older file has not)
    carriers: bool = True  # rollup_session_orders has the carried orders' columns (schema 9, CARRIER_SCHEMA)


def pending_hours(cur: duckdb.DuckDBPyConnection, kind: str, seller_id: str,
                  known: dict[tuple[Any, ...], Any] | None = None,
                  checked: Checked | None = None) -> list[tuple[datetime, datetime]]:
    """The [first_hour, end_hour) spans of the seller's loads of this kind still awaiting their rollup refresh, in
    this cursor's snapshot."""
    key = ("pending", kind, seller_id)
    if known is not None and key in known:
        return known[key]
    if checked is not None and not checked.marks:
        return []
    spans = cur.execute("SELECT first_hour, end_hour FROM rollup_pending WHERE seller_id = $s AND kind = $k",
                        {"s": seller_id, "k": kind}).fetchall()
    if known is not None:
        known[key] = spans
    return spans


def in_step(cur: duckdb.DuckDBPyConnection, kind: str, seller_id: str, checked: Checked | None = None,
            known: dict[tuple[Any, ...], Any] | None = None) -> bool | None:
    """Whether the seller's rollups of a load kind hold every raw row outside the hours of loads awaiting their
    refresh (`pending_hours`), in this cursor's snapshot: True when a whole-history count check passed at the
    current `checked.version` (now or earlier in this process; with no load pending); None when not known (no
    `checked`, counts that differ, or a load pending and no check remembered): the caller compares the counts of
    its own window."""
    key = ("in_step", kind, seller_id)
    if known is not None and key in known:
        return known[key]
    state: bool | None
    if checked is None:
        state = None
    elif checked.memory.get((seller_id, kind)) == checked.version:
        state = True
    elif pending_hours(cur, kind, seller_id, known, checked):
        state = None                                  # the whole history's counts cannot agree yet
    else:
        pairs = [pair for r in ROLLUPS.values() if r.kind == kind for pair in r.checks]
        counts = list(dict.fromkeys(c for pair in pairs for c in pair))
        row = cur.execute(f"SELECT {', '.join(_count_sql(c) for c in counts)}", {"s": seller_id}).fetchall()[0]
        values = dict(zip(counts, row, strict=True))
        state = True if all(values[a] == values[b] for a, b in pairs) else None
        if state:
            checked.memory[(seller_id, kind)] = checked.version
    if known is not None:
        known[key] = state
    return state


def covered_body(cur: duckdb.DuckDBPyConnection, rollup: str, seller_id: str, start: datetime,
                 end: datetime, known: dict[tuple[Any, ...], Any] | None = None,
                 checked: Checked | None = None) -> tuple[datetime, datetime]:
    """The whole UTC hours [body_start, body_end) of the window [start, end) that the rollup holds exactly, or
    an empty body (start, start) when it holds none, a load into those hours awaits its refresh, or (not known to
    be in step: see `in_step`) its row count over those hours differs from the raw table's.
    `known` keeps what was already found in one snapshot (expand_sql): two rollups over one window share the raw
    table's count instead of scanning it twice."""
    r = ROLLUPS[rollup]
    body_start, body_end = ceil_hour(start), floor_hour(end)
    if body_end <= body_start:
        return start, start
    known = {} if known is None else known
    if any(a < body_end and b > body_start for a, b in pending_hours(cur, r.kind, seller_id, known, checked)):
        return start, start                           # a load into these hours awaits its refresh
    if in_step(cur, r.kind, seller_id, checked, known):
        return body_start, body_end
    wanted = list(dict.fromkeys(c for pair in r.checks for c in pair))
    missing = [c for c in wanted if (c, seller_id, body_start, body_end) not in known]
    if missing:
        values = cur.execute(f"SELECT {', '.join(_count_sql(c, '$a', '$b') for c in missing)}",
                             {"s": seller_id, "a": body_start, "b": body_end}).fetchall()[0]
        known.update({(c, seller_id, body_start, body_end): v for c, v in zip(missing, values, strict=True)})
    raw, rolled = ([known[(pair[i], seller_id, body_start, body_end)] for pair in r.checks] for i in (0, 1))
    return (body_start, body_end) if raw == rolled and any(raw) else (start, start)


def carrier_values_in_step(cur: duckdb.DuckDBPyConnection, seller_id: str, checked: Checked | None = None,
                           known: dict[tuple[Any, ...], Any] | None = None) -> bool:
    """Whether the carried-order columns of the seller's rollup_session_orders rows can be trusted in this cursor's
    snapshot: both load kinds in step over the whole history (`in_step`) and no load of either kind pending (each
    refresh keeps the columns of rows outside its own hours too, so any pending load may leave them behind)."""
    if checked is None or not checked.marks or not checked.carriers:
        return False
    return all(not pending_hours(cur, kind, seller_id, known, checked) and in_step(cur, kind, seller_id, checked, known)
               for kind in ("sessions", "orders"))


def _count_sql(count: Count, start: str | None = None, end: str | None = None) -> str:
    """One count of a check over the seller $s, in [start, end) when given."""
    table, time, expr = count
    window = "" if start is None else f" AND {time} >= {start} AND {time} < {end}"
    return f"(SELECT coalesce({expr}, 0) FROM {table} WHERE seller_id = $s{window})"


def expand_sql(cur: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any],
               checked: Checked | None = None) -> tuple[str, dict[str, Any]]:
    """Replace each `{{rollup_name}}` / `{{rollup_name:prefix}}` in a query by the hourly rows of the window
    [$<prefix>start_utc, $<prefix>end_utc) of $seller_id; returns the query and its extra parameters
    ($<prefix><rollup>_body_start_utc, ..._body_end_utc: the whole hours read from that rollup). Each rollup is
    checked on its own: two rollups over one window can be in step or not independently (a sessions load whose
    refresh is queued leaves the orders' rollups right). `checked`: see `in_step`. `{{carrier_values_in_step}}`
    becomes `true` or `false` (see carrier_values_in_step); when `true`, rollup_session_orders is read over the
    whole window, its partial hours included."""
    extra: dict[str, Any] = {}
    known: dict[tuple[Any, ...], Any] = {}
    trusted = False
    if CARRIERS_PLACEHOLDER in text:
        trusted = carrier_values_in_step(cur, params["seller_id"], checked, known)
        text = text.replace(CARRIERS_PLACEHOLDER, "true" if trusted else "false")

    def replace(match: re.Match[str]) -> str:
        name, prefix = match.group(1), match.group(2) or ""
        r = ROLLUPS[name]
        start, end = params[f"{prefix}start_utc"], params[f"{prefix}end_utc"]
        if trusted and name == "rollup_session_orders":
            # its rows are the visits themselves, and every hour of it is in step: the partial hours at the
            # window's edges are read from it by start time too, with their carried orders (a window ending now
            # would otherwise send its last hour's visits through the join with the orders)
            return (f"(SELECT * FROM {name} WHERE seller_id = $seller_id "
                    f"AND hour >= date_trunc('hour', ${prefix}start_utc) AND hour < ${prefix}end_utc "
                    f"AND started_at >= ${prefix}start_utc AND started_at < ${prefix}end_utc)")
        body = f"{prefix}{name}_body_start_utc", f"{prefix}{name}_body_end_utc"
        if body[0] not in extra:
            extra[body[0]], extra[body[1]] = covered_body(cur, name, params["seller_id"], start, end, known,
                                                          checked)
        head = r.build("$seller_id", f"${prefix}start_utc", f"${body[0]}")
        tail = r.build("$seller_id", f"${body[1]}", f"${prefix}end_utc")
        rolled = (f"SELECT * FROM {name} WHERE seller_id = $seller_id AND hour >= ${body[0]} "
                  f"AND hour < ${body[1]}")
        return f"({rolled}\n UNION ALL BY NAME ({head})\n UNION ALL BY NAME ({tail}))"

    return _PLACEHOLDER.sub(replace, text), extra


def coverage(cur: duckdb.DuckDBPyConnection, seller_id: str) -> list[tuple[str, str, int, int]]:
    """(rollup, raw table, raw rows, rows the rollup accounts for) over a seller's whole history."""
    out = []
    for r in ROLLUPS.values():
        for left, right in r.checks:
            raw, rolled = cur.execute(f"SELECT {_count_sql(left)}, {_count_sql(right)}", {"s": seller_id}).fetchall()[0]
            out.append((r.name, left[0], int(raw), int(rolled)))
    return out


def carried_out_of_step(cur: duckdb.DuckDBPyConnection, seller_id: str) -> tuple[int, int]:
    """(visits in rollup_session_orders, those whose carried-order columns differ from what fill_carrier_orders_sql
    gives now) for a seller: a write around the loader that changes no row count (an order's status updated by
    hand) leaves them, like rollup_order_totals, out of step unseen by the readers' counts."""
    total, stale = cur.execute("""
        SELECT count(*), count(*) FILTER (WHERE shared IS DISTINCT FROM carriers > 1
                                             OR order_ordered_at IS DISTINCT FROM ordered_at
                                             OR order_status IS DISTINCT FROM status
                                             OR order_net IS DISTINCT FROM net)
        FROM (SELECT t.shared, t.order_ordered_at, t.order_status, t.order_net,
                     count(*) OVER (PARTITION BY t.order_id) AS carriers,
                     o.ordered_at, o.status, o.product_revenue - o.discount AS net
              FROM rollup_session_orders AS t
              LEFT JOIN rollup_order_totals AS o ON o.seller_id = t.seller_id AND o.order_id = t.order_id
              WHERE t.seller_id = $s)""", {"s": seller_id}).fetchall()[0]
    return int(total), int(stale)


def run_rollups_command(args: Any) -> int:
    """`python -m data rollups [--seller ID] [--check]`: show whether the rollups account for every raw row, or
    recompute them (after rows were written around the loader, or a refresh that failed)."""
    from data.warehouse import open_warehouse

    wh = open_warehouse(args.db)
    wh.wait_for_background()
    sellers = [args.seller] if args.seller else [
        sid for (sid,) in wh.cursor().execute("SELECT seller_id FROM sellers ORDER BY 1").fetchall()]
    if not args.check:
        for sid in sellers:
            with wh.transaction(changes_data=False) as cur:
                rebuild(cur, sid)
    stale = 0
    for sid, kind, load_id in wh.cursor().execute(
            "SELECT seller_id, kind, load_id FROM rollup_pending ORDER BY load_id").fetchall():
        if sid in sellers:
            stale += 1
            print(f"{sid:<16} load {load_id} ({kind}) awaits its rollup refresh: reports read the raw {kind}; "
                  "run without --check to rebuild")
    for sid in sellers:
        for name, table, raw, rolled in coverage(wh.cursor(), sid):
            ok = raw == rolled
            stale += not ok
            print(f"{sid:<16} {name:<24} {table:<12} raw {raw:>12,}  rollup {rolled:>12,}  "
                  f"{'ok' if ok else 'OUT OF STEP: reports read the raw rows; run without --check to rebuild'}")
        visits, wrong = carried_out_of_step(wh.cursor(), sid)
        stale += wrong > 0
        print(f"{sid:<16} {'rollup_session_orders':<24} {'its orders':<12} rows {visits:>11,}  differing {wrong:>9,}  "
              f"{'ok' if not wrong else 'OUT OF STEP: attribution may be wrong; run without --check to rebuild'}")
    return 1 if stale else 0
