"""The workspace's own tables: saved queries (private or shared, optionally watched by the alerts) and the
history of every run. Owners are user names from the users file; nothing here is per seller, and the scoped
views (data/scope.py) never show these tables to the sandbox."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from data.warehouse import Warehouse

HISTORY_KEEP = 200          # runs kept per user


@dataclass(frozen=True)
class SavedQuery:
    query_id: str
    owner: str
    name: str
    sql: str
    params: dict[str, Any]
    shared: bool
    alert_enabled: bool


def _row(r: dict[str, Any]) -> SavedQuery:
    return SavedQuery(r["query_id"], r["owner"], r["name"], r["sql"], json.loads(r["params"] or "{}"),
                      bool(r["shared"]), bool(r["alert_enabled"]))


def save_query(wh: Warehouse, owner: str, name: str, sql: str, params: dict[str, Any], *, shared: bool,
               alert_enabled: bool, now_utc: datetime, query_id: str | None = None) -> SavedQuery:
    """Insert, or update the owner's query `query_id`; ValueError for an empty name or someone else's query."""
    name = name.strip()
    if not name:
        raise ValueError("give the query a name")
    text = json.dumps(params, ensure_ascii=False, default=str)
    with wh.transaction(changes_data=False) as cur:
        if query_id:
            rows = cur.execute("SELECT owner FROM saved_queries WHERE query_id = ?", [query_id]).fetchall()
            if not rows:
                raise ValueError("no such saved query")
            if rows[0][0] != owner:
                raise ValueError("only its owner can change a saved query")
            cur.execute("UPDATE saved_queries SET name = ?, sql = ?, params = ?, shared = ?, alert_enabled = ?, "
                        "updated_at = ? WHERE query_id = ?",
                        [name, sql, text, shared, alert_enabled, now_utc, query_id]).fetchall()
        else:
            query_id = uuid.uuid4().hex[:12]
            cur.execute("INSERT INTO saved_queries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [query_id, owner, name, sql, text, shared, alert_enabled, now_utc, now_utc]).fetchall()
    return SavedQuery(query_id, owner, name, sql, params, shared, alert_enabled)


def visible_queries(wh: Warehouse, user: str) -> list[SavedQuery]:
    """The user's own saved queries and everyone's shared ones, by name."""
    frame = wh.sql("SELECT * FROM saved_queries WHERE owner = $u OR shared ORDER BY lower(name), query_id",
                   {"u": user})
    return [_row(r) for r in frame.iter_rows(named=True)]


def alert_queries(wh: Warehouse) -> list[SavedQuery]:
    """Saved queries turned into alert metrics (alerts/checks.py runs them in their owner's scope)."""
    frame = wh.sql("SELECT * FROM saved_queries WHERE alert_enabled ORDER BY query_id")
    return [_row(r) for r in frame.iter_rows(named=True)]


def delete_query(wh: Warehouse, owner: str, query_id: str) -> None:
    with wh.transaction(changes_data=False) as cur:
        cur.execute("DELETE FROM saved_queries WHERE query_id = ? AND owner = ?", [query_id, owner]).fetchall()


def record_run(wh: Warehouse, owner: str, sql: str, params: dict[str, Any], status: str, row_count: int | None,
               elapsed_s: float | None, message: str, now_utc: datetime) -> None:
    """One history row; the oldest beyond HISTORY_KEEP of this user go."""
    with wh.transaction(changes_data=False) as cur:
        cur.execute("INSERT INTO query_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [owner, now_utc, sql, json.dumps(params, ensure_ascii=False, default=str), status, row_count,
                     elapsed_s, message[:500]]).fetchall()
        cur.execute("DELETE FROM query_history WHERE owner = ? AND ran_at < (SELECT min(ran_at) FROM "
                    "(SELECT ran_at FROM query_history WHERE owner = ? ORDER BY ran_at DESC LIMIT ?))",
                    [owner, owner, HISTORY_KEEP]).fetchall()


def history(wh: Warehouse, owner: str, limit: int = 50) -> pl.DataFrame:
    """The user's latest runs, newest first: ran_at, status, row_count, elapsed_s, sql, params, message."""
    return wh.sql("SELECT ran_at, status, row_count, elapsed_s, sql, params, message FROM query_history "
                  "WHERE owner = $u ORDER BY ran_at DESC LIMIT $n", {"u": owner, "n": limit})
