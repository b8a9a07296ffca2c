"""Benchmark: how often the products page's return-trouble flag is right, day after day, on demo stores.

    .venv/bin/python bench/trouble_eval.py                      # builds three demo stores in a temporary folder
    .venv/bin/python bench/trouble_eval.py --db warehouse/seller_insights.duckdb --days 150

For every seller and every one of the last --days local days, at 14:00 local, runs the trouble test exactly as the
products page does (analytics.products.product_trouble over its 14-day window and the 8 weeks before) and counts
the products it flags. The demo's only return trouble is its recorded `returns_spike` incident (demo_incidents):
a flag on that product from the incident's start on is a true flag, every other flag is a false one (the other
products' claims are drawn at their own constant rates). Prints, per store: product-days tested, false flags, days
with at least one false flag, false episodes (a product flagged on consecutive days counts once: what a
seller sees as one new false alarm), and the days from the incident's start to its first flag.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.products import (  # noqa: E402
    product_trouble,
    products_claims_by_sku,
    products_sales_by_sku,
    trouble_windows,
)
from analytics.sellers import local_midnight_utc, local_today  # noqa: E402
from data.demo import build_demo  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402


def evaluate(wh: Warehouse, days: int) -> list[dict[str, object]]:
    """One row per seller: the counts described in the module docstring."""
    now = wh.scalar("SELECT max(ordered_at) FROM orders")
    out = []
    for seller, tz in wh.cursor().execute("SELECT seller_id, timezone FROM sellers ORDER BY 1").fetchall():
        spikes = wh.cursor().execute("SELECT subject, starts_at FROM demo_incidents WHERE seller_id = ? "
                                     "AND incident = 'returns_spike'", [seller]).fetchall()
        last = local_today(tz, now)
        tested = false = false_days = 0
        episodes: set[tuple[str, object]] = set()     # (sku, first day) of each run of consecutive false flags
        flagged_yesterday: dict[str, object] = {}
        first_flag: dict[str, int | None] = {sku: None for sku, _ in spikes}
        for back in range(days, 0, -1):
            day = last - timedelta(days=back)
            as_of = local_midnight_utc(tz, day) + timedelta(hours=14)
            w = trouble_windows(tz, as_of)
            recent, history = (w["recent_start_utc"], w["recent_end_utc"]), (w["history_start_utc"],
                                                                            w["history_end_utc"])
            frame, _ = product_trouble(products_sales_by_sku(wh, seller, *recent),
                                       products_claims_by_sku(wh, seller, *recent),
                                       products_sales_by_sku(wh, seller, *history),
                                       products_claims_by_sku(wh, seller, *history))
            tested += frame.height
            wrong = 0
            flagged_today: dict[str, object] = {}
            for sku in frame.filter("flagged")["sku"].to_list():
                start = next((s for k, s in spikes if k == sku), None)
                if start is not None and as_of >= start:
                    days_in = (as_of - start).days
                    if first_flag[sku] is None:
                        first_flag[sku] = days_in
                else:
                    wrong += 1
                    flagged_today[sku] = flagged_yesterday.get(sku, day)
                    episodes.add((sku, flagged_today[sku]))
            flagged_yesterday = flagged_today
            false += wrong
            false_days += wrong > 0
        out.append({"seller": seller, "days": days, "product_days": tested, "false_flags": false,
                    "false_episodes": len(episodes),
                    "days_with_a_false_flag": false_days,
                    "spike_first_flag_days": ", ".join(f"{k}: {v if v is not None else 'never'}"
                                                       for k, v in first_flag.items()) or "–"})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/trouble_eval.py")
    parser.add_argument("--db", type=Path, help="A demo warehouse (default: build seeds 42, 7 and 3 at scale 1).")
    parser.add_argument("--days", type=int, default=120, help="Local days evaluated, up to yesterday.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        stores = [args.db] if args.db else []
        for seed in ((42, 7, 3) if not args.db else ()):
            path = Path(tmp) / f"demo_{seed}.duckdb"
            build_demo(path, seed=seed, scale=1, now="2026-12-04T05:00:00")
            stores.append(path)
        print(f"{'store':<26}{'seller':<12}{'days':>6}{'product-days':>14}{'false flags':>13}"
              f"{'days w/ false':>15}{'episodes':>10}   returns spike: days from its start to the first flag")
        for path in stores:
            wh = Warehouse(path, read_only=True)
            t0 = time.perf_counter()
            for r in evaluate(wh, args.days):
                print(f"{path.name:<26}{r['seller']:<12}{r['days']:>6}{r['product_days']:>14,}{r['false_flags']:>13}"
                      f"{r['days_with_a_false_flag']:>15}{r['false_episodes']:>10}   {r['spike_first_flag_days']}")
            print(f"  ({time.perf_counter() - t0:.1f} s)")
            wh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
