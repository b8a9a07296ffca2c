"""Process-wide cache of expensive analytics results, valid until the warehouse's data changes.

A key is (warehouse file, data version, name, the caller's key parts). The data version is
`warehouse.data_version_of(seller_id)` for a result about one seller (it changes with that seller's loads and API
pushes and with writes not tied to a seller, data/warehouse.py; for the customer models only its loads of orders
and returns), else `warehouse.data_version` (every committed
write). So a cached result is never stale: the first call after a load computes afresh, later calls (page reruns,
the home digest, the realtime fragment, the alert sweep) reuse it, and one store's pushes leave the other stores'
results in place.
Callers put everything the result depends on into their key parts: seller, time zone, the local day, and,
when the result reads rows up to a moment inside today, the latest row time before that moment.
Least recently used entries go first; the cache holds at most MAX_ENTRIES results.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from data.warehouse import Warehouse

T = TypeVar("T")

MAX_ENTRIES = 24

_entries: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()
_lock = threading.Lock()
_key_locks: dict[tuple[Hashable, ...], threading.Lock] = {}
stats = {"hits": 0, "misses": 0}


def remember(wh: Warehouse, name: str, key: tuple[Hashable, ...], compute: Callable[[], T], *,
             seller_id: str | None = None, kinds: tuple[str, ...] | None = None) -> T:
    """compute(), or its result from an earlier call with the same name and key at the same data version.

    `seller_id`: compute reads that seller's rows only, so only its writes (and writes not tied to a seller) make
    the result old; `kinds`: and only tables that loads of these kinds write (Warehouse.data_version_of). Two threads asking for the same missing key compute it once (the second waits for the first).
    Exceptions are not cached."""
    version = wh.data_version if seller_id is None else wh.data_version_of(seller_id, kinds)
    full_key = (str(wh.path), version, name, *key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            stats["hits"] += 1
            return _entries[full_key]  # type: ignore[return-value]
        key_lock = _key_locks.setdefault(full_key, threading.Lock())
    with key_lock:
        with _lock:
            if full_key in _entries:
                stats["hits"] += 1
                return _entries[full_key]  # type: ignore[return-value]
        try:
            value = compute()
        finally:
            with _lock:
                _key_locks.pop(full_key, None)      # also after a failure: nothing left behind per key
        with _lock:
            stats["misses"] += 1
            _entries[full_key] = value
            _entries.move_to_end(full_key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached result (benchmarks measuring a cold computation; tests)."""
    with _lock:
        _entries.clear()
        stats.update(hits=0, misses=0)
