"""Warm the slow cached results of the stores people are looking at, so their next page finds them ready.

Pages note what they show (`note_view`: warehouse, the viewer's scope, store, and the page's clock when it is fixed:
an archive viewed as of its latest data, a pinned demo clock; pages/_ui.start_page does it). The scheduler
(alerts/jobs.py) calls `warm` at the start of every minute:
- the customer models (analytics.customers, seconds at 10M order lines), for each store viewed in the last day
  (VIEW_TTL) whose orders changed since its last warm-up, or whose local day changed (the morning's first page);
- each page opened in the last ACTIVE_TTL (home: the digest and KPI tiles; products; traffic and keywords; ads),
  at this minute and that viewer's date range: a page's clock moves every minute,
  and so do its windows ("today so far" against the same time yesterday, periods ending now), so without this
  the first view of every minute computed them afresh (at 10M order lines: digest 1.9 s, traffic with keywords
  2 s; `bench/reports.py`, "next min").
Each is computed in the viewer's own scope at the page's clock (this minute, or the fixed one). The results land in
analytics.result_cache under the keys a page asks for (same file, scope, data version, period, minute), so they
are found; if the data changes again before anybody looks, the next run computes them again, once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse

log = logging.getLogger(__name__)

VIEW_TTL = timedelta(hours=24)      # a store nobody opened for a day is not warmed
ACTIVE_TTL = timedelta(minutes=15)  # the home page is warmed each minute for stores opened this recently
DEFAULT_HORIZON_DAYS = 365          # where the customers page's horizon slider starts


@dataclass(frozen=True)
class _View:
    db_path: str
    scope: Scope
    seller_id: str
    clock: datetime | None = None   # the page's fixed clock (naive UTC), None: the wall clock
    page: str = "home"              # the page shown (pages/<page>.py) and its date range
    start_date: date | None = None
    end_date: date | None = None


_views: dict[_View, datetime] = {}            # last time the store was shown in that scope (UTC)
_warmed: dict[_View, Hashable] = {}           # (orders' data version, local day) of the last customer warm-up
_page_warmed: dict[_View, Hashable] = {}      # (data version, minute) of the last page warm-up
_handles: dict[tuple[str, Scope], ScopedWarehouse] = {}
_lock = threading.Lock()


def minute(moment: datetime) -> datetime:
    """`moment` rounded down to the minute: the home page's clock (its KPI tiles and digest refresh once a minute)."""
    return moment.replace(second=0, microsecond=0)


def note_view(wh: Warehouse | ScopedWarehouse, seller_id: str, seen_utc: datetime,
              clock_utc: datetime | None = None, page: str = "home", start_date: date | None = None,
              end_date: date | None = None) -> None:
    """Remember that `seller_id`'s store was shown through `wh` (its scope) at seen_utc (wall clock), on `page`
    with the date range [start_date, end_date], whose clock is `clock_utc` (None: the wall clock)."""
    scope = wh.scope if isinstance(wh, ScopedWarehouse) else Scope.all_sellers()
    with _lock:
        _views[_View(str(wh.path), scope, seller_id, clock_utc, page, start_date, end_date)] = seen_utc


def due_views(wh: Warehouse, now_utc: datetime) -> dict[_View, datetime]:
    """The views of this warehouse seen within VIEW_TTL, with when they were seen (older ones are forgotten)."""
    with _lock:
        for view, seen in list(_views.items()):
            if now_utc - seen > VIEW_TTL:
                del _views[view]
                _page_warmed.pop(view, None)
        stores = {_View(v.db_path, v.scope, v.seller_id, v.clock) for v in _views}
        for store in [s for s in _warmed if s not in stores]:
            del _warmed[store]
        return {view: seen for view, seen in _views.items() if view.db_path == str(wh.path)}


def warm(wh: Warehouse, now_utc: datetime) -> list[str]:
    """Warm the customer models and the pages recently viewed (see the module's text); return the stores whose
    customer models were computed."""
    from analytics import customers
    from analytics.period import ReportError, report_period

    done, stores = [], set()
    for view, seen in due_views(wh, now_utc).items():
        with _lock:
            handle = _handles.get((view.db_path, view.scope))
            if handle is None or handle.warehouse is not wh:
                handle = _handles[(view.db_path, view.scope)] = ScopedWarehouse(wh, view.scope)
        as_of = minute(view.clock or now_utc)
        try:
            period = report_period(handle, view.seller_id, as_of=as_of)
        except ReportError:
            continue                                   # the store is gone or not in this scope any more
        store = _View(view.db_path, view.scope, view.seller_id, view.clock)     # its pages share the models
        # its orders changed, or a new local day began (the models are as of the last day observed)
        state = (handle.data_version_of(view.seller_id, customers.LOAD_KINDS_READ), period.end_date)
        if store not in stores and _warmed.get(store) != state:
            try:
                customers.customer_predictions(handle, period, DEFAULT_HORIZON_DAYS)   # the models, the predictions
                customers.customer_insights(handle, period)      # the page's cohorts, backtest, period totals
                customers.customer_lists(handle, period, DEFAULT_HORIZON_DAYS)          # and its two lists
            except Exception:
                log.exception("warming the customer models of %s failed; the page will compute them", view.seller_id)
            else:
                _warmed[store] = state
                done.append(view.seller_id)
        stores.add(store)
        shown = (handle.data_version_of(view.seller_id), as_of)
        if now_utc - seen <= ACTIVE_TTL and _page_warmed.get(view) != shown:
            try:
                _warm_page(handle, view, period, as_of)
            except Exception:
                log.exception("warming the %s page of %s failed; the page will compute it", view.page,
                              view.seller_id)
            else:
                _page_warmed[view] = shown
    return done


def _warm_page(handle: ScopedWarehouse, view: _View, period, as_of: datetime) -> None:
    """What pages/<view.page>.py asks for at this minute (the same functions and periods, so the same cache keys)."""
    from analytics import ads, digest, keywords, kpis, products, traffic
    from analytics.period import report_period

    if view.page == "home":                    # the digest ignores the sidebar's range
        digest.cached_digest(handle, period)
        kpis.kpi_summary(handle, view.seller_id, as_of)
        return
    if view.page not in ("products", "traffic", "ads") or view.start_date is None or view.end_date is None:
        return                                  # (the other pages read live or keep nothing per minute)
    chosen = report_period(handle, view.seller_id, start=view.start_date, end=view.end_date, as_of=as_of)
    if view.page == "products":
        products.products_overview(handle, chosen)
    elif view.page == "traffic":
        traffic.traffic_overview(handle, chosen)
        keywords.keyword_analysis(handle, chosen)
    else:
        ads.analyse_ads(handle, chosen)


def forget() -> None:
    """Forget every noted view (tests)."""
    with _lock:
        _views.clear()
        _warmed.clear()
        _page_warmed.clear()
        _handles.clear()
