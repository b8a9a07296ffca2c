"""Benchmark: what one store's API push costs another store's pages (run on demand).

    python bench/cache_isolation.py                    # a copy of bench/out/demo_scale10.duckdb (built if missing)
    python bench/cache_isolation.py --scale 100        # ~10M order lines

The home page (digest, KPI tiles, daily revenue) and the customer models of one store (--seller) are computed once;
then, --repeat times each, it is timed again after a push through the ingest API's function
(data.ingest.ingest_records): an order for another store (--other), a visit for the store itself, an order for the
store itself. Before per-store data versions (data/warehouse.py `data_version_of`), any push made every store's
next page compute everything afresh: the own order push row is what any store's push cost then. Then the clock
moves on a minute at a time without new data: the first page of each minute, without and with the scheduler's
warm-up (analytics.warmup.warm) at the start of the minute. Prints the medians.
The pushes go into a temporary copy of the store, which is deleted afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from analytics import customers, digest, kpis, result_cache, warmup  # noqa: E402
from analytics.period import report_period  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.ingest import ingest_records  # noqa: E402
from data.scope import Scope, ScopedWarehouse  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

NOW = datetime(2026, 11, 20, 5, 0)   # naive UTC: the bench stores' clock


def page_work(wh: Warehouse | ScopedWarehouse, seller_id: str, now: datetime = NOW) -> None:
    """What the home page and the customers page ask for (through analytics.result_cache) at this minute."""
    now = warmup.minute(now)
    period = report_period(wh, seller_id, as_of=now)
    digest.cached_digest(wh, period)
    kpis.kpi_summary(wh, seller_id, now)
    kpis.revenue_by_day(wh, seller_id, period.start_date, period.end_date)
    customers.customer_insights(wh, period)


def frames_mb(value: object, depth: int = 0) -> float:
    """Estimated size of the Polars frames inside a cached result (dataclasses, tuples, dicts), in MB."""
    if isinstance(value, pl.DataFrame):
        return value.estimated_size() / 1e6
    if depth > 3:
        return 0.0
    if dataclasses.is_dataclass(value):
        return sum(frames_mb(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return sum(frames_mb(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return sum(frames_mb(v, depth + 1) for v in value.values())
    return 0.0


def push(wh: Warehouse, seller_id: str, n: int, kind: str = "orders") -> float:
    at = (NOW - timedelta(minutes=5)).isoformat()
    record = ({"order_id": f"bench-push-{n}", "ordered_at": at, "sku": "BENCH", "product_name": "벤치 주문",
               "quantity": 1, "unit_price": 1000, "customer_id": f"bench-customer-{n}"} if kind == "orders" else
              {"session_id": f"bench-visit-{n}", "started_at": at, "channel": "search", "search_keyword": "벤치"})
    started = time.perf_counter()
    result = ingest_records(wh, [record], seller_id=seller_id, kind=kind)
    assert result.ok and result.rows_loaded == 1, result.problems
    return time.perf_counter() - started


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=10, help="Demo scale of bench/out/demo_scale<scale>.duckdb.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seller", default="petshop_kr", help="The store whose pages are timed.")
    parser.add_argument("--other", default="coffee_kr", help="The store that pushes orders.")
    args = parser.parse_args()

    source = ROOT / "bench" / "out" / f"demo_scale{args.scale:g}.duckdb"
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build_demo(source, seed=42, scale=args.scale, now=NOW)
        print(f"built {source} in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / source.name
        shutil.copy(source, path)
        wh = Warehouse(path)
        try:
            lines = wh.scalar("SELECT count(*) FROM order_items")
            print(f"{source.name}: {lines:,} order lines; timing {args.seller}'s home and customers work, "
                  f"median of {args.repeat}")
            first = timed(lambda: page_work(wh, args.seller))
            sizes = sorted(((frames_mb(value), slot[2]) for slot, (_, value) in result_cache._entries.items()),
                           reverse=True)
            print(f"cached: {len(sizes)} results, {sum(mb for mb, _ in sizes):,.0f} MB of frames (largest: "
                  + ", ".join(f"{name} {mb:,.0f} MB" for mb, name in sizes[:3]) + ")")
            unchanged = [timed(lambda: page_work(wh, args.seller)) for _ in range(args.repeat)]
            other, visit, own, pushes = [], [], [], []
            for n in range(args.repeat):
                pushes.append(push(wh, args.other, n))
                other.append(timed(lambda: page_work(wh, args.seller)))
            for n in range(args.repeat):
                push(wh, args.seller, n, kind="sessions")
                visit.append(timed(lambda: page_work(wh, args.seller)))
            for n in range(args.repeat):
                pushes.append(push(wh, args.seller, n))
                own.append(timed(lambda: page_work(wh, args.seller)))
            histories = list(customers._HISTORIES.values())
            print(f"after the own order pushes: {len(histories)} kept customer histories (analytics/customers.py), "
                  f"{sum(frames_mb(h) for h in histories):,.0f} MB of frames")
            # the clock moves on with no new data: the first page of each minute, without and with the scheduler's
            # warm-up at the minute's start (the page then reads through the viewer's scope, as pages do)
            page = ScopedWarehouse(wh, Scope.all_sellers())
            page_work(page, args.seller)
            next_minute, warming, warmed = [], [], []
            for n in range(1, args.repeat + 1):
                next_minute.append(timed(lambda n=n: page_work(page, args.seller, NOW + timedelta(minutes=n))))
            warmup.note_view(page, args.seller, NOW)
            for n in range(args.repeat + 1, 2 * args.repeat + 1):
                at = NOW + timedelta(minutes=n)
                warming.append(timed(lambda at=at: warmup.warm(wh, at + timedelta(seconds=1))))
                warmed.append(timed(lambda at=at: page_work(page, args.seller, at + timedelta(seconds=30))))
        finally:
            wh.close()
    m_other, m_own = statistics.median(other), statistics.median(own)
    rows = [("first computation", first, ""),
            ("no new data", statistics.median(unchanged), ""),
            (f"after an order push for {args.other}", m_other, "now"),
            (f"after a visit push for {args.seller}", statistics.median(visit), "customer models kept"),
            (f"after an order push for {args.seller}", m_own, "before per-store versions: after any push"),
            ("one order push (ingest_records)", statistics.median(pushes), ""),
            ("the next minute, no new data", statistics.median(next_minute), "before the home page warm-up"),
            ("the next minute, after the warm-up", statistics.median(warmed), "now"),
            ("the scheduler's warm-up of that minute", statistics.median(warming), "in the background")]
    for label, seconds, note in rows:
        print(f"{label:<40} {seconds:8.3f} s   {note}")
    print(f"own push / other store's push: {m_own / m_other:.0f}x" if m_other else "other store's push: 0 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
