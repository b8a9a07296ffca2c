"""Process-wide cache of expensive analytics results, valid until the warehouse's data changes.

A key is (warehouse file, data version, name, the caller's key parts). The data version is
`warehouse.data_version_of(seller_id, kinds)` for a result about one seller: it changes with that seller's loads
and API pushes (of the given load kinds only, when the result names them: the customer models read orders) and
with writes not tied to a seller (data/warehouse.py); else it is `warehouse.data_version`, which changes with every
committed write. So a cached result is never stale: the first call after a load computes afresh, later calls (page
reruns, the home digest, the realtime fragment, the alert sweep) reuse it, and one store's pushes leave the other
stores' results in place.
Callers put everything the result depends on into their key parts: seller, time zone, the local day, and,
when the result reads rows up to a moment inside today, the latest row time before that moment.
A newer version of a result replaces the older one; least recently used results go first; the cache holds at most
MAX_ENTRIES results (the largest, a store's customer models, are a few hundred MB at 10M order lines).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from data.warehouse import Warehouse

T = TypeVar("T")

MAX_ENTRIES = 64   # distinct results: about five stores with every page opened

_entries: OrderedDict[tuple[Hashable, ...], tuple[Hashable, object]] = OrderedDict()   # slot -> (version, result)
_lock = threading.Lock()
_key_locks: dict[tuple[Hashable, ...], threading.Lock] = {}
stats = {"hits": 0, "misses": 0}


def remember(wh: Warehouse, name: str, key: tuple[Hashable, ...], compute: Callable[[], T], *,
             seller_id: str | None = None, kinds: tuple[str, ...] | None = None) -> T:
    """compute(), or its result from an earlier call with the same name and key at the same data version.

    `seller_id`: compute reads that seller's rows only, so only its writes (and writes not tied to a seller) make
    the result old; `kinds`: and only tables that loads of these kinds write (Warehouse.data_version_of).
    One entry per (file, scope, name, key): a result of a newer data version replaces the older one, so results
    that can never be asked for again do not crowd out the other stores'. A result whose data changed while it was
    computed is returned but not kept. Two threads asking for the same missing key compute it once (the second
    waits for the first). Exceptions are not cached."""
    def version_now() -> Hashable:
        return wh.data_version if seller_id is None else wh.data_version_of(seller_id, kinds)

    scope = getattr(wh, "scope", None)
    slot = (str(wh.path), scope.key if scope is not None else None, name, *key)
    version = version_now()
    with _lock:
        found = _entries.get(slot)
        if found is not None and found[0] == version:
            _entries.move_to_end(slot)
            stats["hits"] += 1
            return found[1]  # type: ignore[return-value]
        key_lock = _key_locks.setdefault((slot, version), threading.Lock())
    with key_lock:
        with _lock:
            found = _entries.get(slot)
            if found is not None and found[0] == version:
                stats["hits"] += 1
                return found[1]  # type: ignore[return-value]
        try:
            value = compute()
        finally:
            with _lock:
                _key_locks.pop((slot, version), None)      # also after a failure: nothing left behind per key
        with _lock:
            stats["misses"] += 1
            if version_now() == version:
                _entries[slot] = (version, value)
                _entries.move_to_end(slot)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached result, and what modules keep beside this cache (`also_clear`): benchmarks measuring a
    cold computation; tests."""
    with _lock:
        _entries.clear()
        stats.update(hits=0, misses=0)
    for forget in _also_clear:
        forget()


_also_clear: list[Callable[[], None]] = []


def also_clear(forget: Callable[[], None]) -> None:
    """Have `clear()` call `forget` too (a module's own store of partial results, e.g. customers' histories)."""
    _also_clear.append(forget)
