"""Warm the slowest cached result, the customer models (analytics.customers), after new data, for the stores people
are looking at: the next customers page or home digest then finds it ready instead of computing it for seconds.

Pages note what they show (`note_view`: warehouse, the viewer's scope, store; pages/_ui.start_page does it). The
scheduler (alerts/jobs.py) calls `warm` every minute: for each store viewed in the last day whose orders changed
since its last warm-up, or whose local day changed (the first page of the morning), it computes the customer models in the viewer's own scope as of this minute. The results land in
analytics.result_cache under the keys a page asks for (same file, scope, data version, local day, latest order),
so they are found; if the data changes again before anybody looks, the next run computes them again, once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse

log = logging.getLogger(__name__)

VIEW_TTL = timedelta(hours=24)      # a store nobody opened for a day is not warmed
DEFAULT_HORIZON_DAYS = 365          # where the customers page's horizon slider starts


@dataclass(frozen=True)
class _View:
    db_path: str
    scope: Scope
    seller_id: str


_views: dict[_View, datetime] = {}            # last time the store was shown in that scope (UTC)
_warmed: dict[_View, Hashable] = {}           # the data version it was last warmed at
_handles: dict[tuple[str, Scope], ScopedWarehouse] = {}
_lock = threading.Lock()


def note_view(wh: Warehouse | ScopedWarehouse, seller_id: str, now_utc: datetime) -> None:
    """Remember that `seller_id`'s store was shown through `wh` (its scope) at now_utc."""
    scope = wh.scope if isinstance(wh, ScopedWarehouse) else Scope.all_sellers()
    with _lock:
        _views[_View(str(wh.path), scope, seller_id)] = now_utc


def due_views(wh: Warehouse, now_utc: datetime) -> list[_View]:
    """The views of this warehouse seen within VIEW_TTL (older ones are forgotten)."""
    with _lock:
        for view, seen in list(_views.items()):
            if now_utc - seen > VIEW_TTL:
                del _views[view]
                _warmed.pop(view, None)
        return [view for view in _views if view.db_path == str(wh.path)]


def warm(wh: Warehouse, now_utc: datetime) -> list[str]:
    """Compute the customer models of every recently viewed store whose orders or local day changed; return those
    stores."""
    from analytics import customers
    from analytics.period import ReportError, report_period

    done = []
    for view in due_views(wh, now_utc):
        with _lock:
            handle = _handles.get((view.db_path, view.scope))
            if handle is None or handle.warehouse is not wh:
                handle = _handles[(view.db_path, view.scope)] = ScopedWarehouse(wh, view.scope)
        try:
            period = report_period(handle, view.seller_id, as_of=now_utc.replace(second=0, microsecond=0))
        except ReportError:
            continue                                   # the store is gone or not in this scope any more
        # its orders changed, or a new local day began (the models are as of the last day observed)
        state = (handle.data_version_of(view.seller_id, customers.LOAD_KINDS_READ), period.end_date)
        if _warmed.get(view) == state:
            continue
        try:
            customers.customer_predictions(handle, period, DEFAULT_HORIZON_DAYS)   # the models and the predictions
        except Exception:
            log.exception("warming the customer models of %s failed; the page will compute them", view.seller_id)
            continue
        _warmed[view] = state
        done.append(view.seller_id)
    return done


def forget() -> None:
    """Forget every noted view (tests)."""
    with _lock:
        _views.clear()
        _warmed.clear()
        _handles.clear()
