"""Benchmark: does the reorder advice keep its 95% service level? Replayed on demo stores.

    .venv/bin/python bench/reorder_eval.py --db DEMO [--db DEMO ...] --days 60 --step 3

The advice orders up to: forecast demand over (lead time + review period) x (1 - return rate) + safety stock.
Stock bought to that level runs out before the next delivery when the units really sold over those days exceed
it. For every store, seller, and every --step-th of the last --days local days before the store's first injected
incident, runs analytics.product_forecast's reorder advice as of that day's local midnight, and for each product
with demand and no empty shelf in the days it covers, compares the level it orders up to without the return
discount (forecast demand + safety stock: returns come back at an unknown time) with the units sold over the same
days. Prints the share of product-days covered (the service level reached; the advice promises 95%), per
forecast method, the median safety stock in days of demand, the median of units sold ÷ forecast demand over
those days (above 1: the forecast ran low), and the median safety factor z the advice used (the store's own, see
product_forecast.safety_factor; nan for code before it, whose z was the normal 1.645).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import product_forecast  # noqa: E402
from analytics.product_forecast import products_stock_by_day, products_units_by_day  # noqa: E402
from analytics.sellers import local_midnight_utc, local_today  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402


def evaluate(wh: Warehouse, days: int, step: int) -> list[dict[str, object]]:
    out = []
    now = wh.scalar("SELECT max(ordered_at) FROM orders")
    for seller, tz in wh.cursor().execute("SELECT seller_id, timezone FROM sellers ORDER BY 1").fetchall():
        first_incident = wh.scalar("SELECT min(starts_at) FROM demo_incidents WHERE seller_id = ? "
                                   "AND incident <> 'unmet_keyword'", [seller])
        end = local_today(tz, first_incident or now)                   # the first day not evaluated
        sold = products_units_by_day(wh, seller, tz, local_midnight_utc(tz, end - timedelta(days=days + 60)),
                                     local_midnight_utc(tz, end))
        stock = products_stock_by_day(wh, seller, end - timedelta(days=days + 60), end)
        empty = set(stock.filter(pl.col("on_hand") == 0).select("sku", "snapshot_date").iter_rows())
        units = {(s, d): u for s, d, u in sold.iter_rows()}
        by_method: dict[str, list[bool]] = {}
        ratios: dict[str, list[float]] = {}
        safety_days: dict[str, list[float]] = {}
        factors: list[float] = []
        for back in range(days, 0, -step):
            today = end - timedelta(days=back)
            advice = product_forecast._reorder_advice(wh, seller, tz, local_midnight_utc(tz, today))
            if "safety_factor" in advice.columns and advice.height:     # older code: z was the normal 1.645
                factors.append(float(advice["safety_factor"][0]))
            for r in advice.filter(pl.col("forecast_daily_demand") > 0).iter_rows(named=True):
                cover = int(r["lead_time_days"]) + product_forecast.REVIEW_DAYS
                covered_days = [today + timedelta(days=k) for k in range(cover)]
                if covered_days[-1] >= end or any((r["sku"], d) in empty for d in covered_days):
                    continue                                  # past the ordinary days, or demand not seen
                actual = sum(units.get((r["sku"], d), 0) for d in covered_days)
                level = r["demand_over_cover_period"] + r["safety_stock"]
                by_method.setdefault(r["forecast_method"], []).append(actual <= level)
                if r["demand_over_cover_period"] > 0:
                    ratios.setdefault(r["forecast_method"], []).append(actual / r["demand_over_cover_period"])
                safety_days.setdefault(r["forecast_method"], []).append(r["safety_stock"] / r["forecast_daily_demand"])
        for method, hits in sorted(by_method.items()):
            out.append({"seller": seller, "method": method, "cases": len(hits),
                        "service": sum(hits) / len(hits) if hits else None,
                        "actual_vs_forecast": statistics.median(ratios[method]) if ratios.get(method) else None,
                        "safety_days": statistics.median(safety_days[method]),
                        "z": statistics.median(factors) if factors else float("nan")})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/reorder_eval.py")
    parser.add_argument("--db", type=Path, action="append", required=True, help="A demo warehouse (repeatable).")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--step", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'store':<18}{'seller':<12}{'method':<8}{'cases':>7}{'service':>9}{'safety (days)':>15}"
          f"{'actual ÷ forecast':>19}{'median z':>10}")
    totals: dict[str, list[tuple[int, float]]] = {}
    for path in args.db:
        wh = Warehouse(path, read_only=True)
        for r in evaluate(wh, args.days, args.step):
            totals.setdefault(r["method"], []).append((r["cases"], r["service"]))
            print(f"{path.name:<18}{r['seller']:<12}{r['method']:<8}{r['cases']:>7}{r['service']:>9.1%}"
                  f"{r['safety_days']:>15.2f}{r['actual_vs_forecast'] or float('nan'):>19.3f}{r['z']:>10.2f}")
        wh.close()
    for method, parts in sorted(totals.items()):
        cases = sum(n for n, _ in parts)
        print(f"all stores, {method}: {cases} product-days, service level reached "
              f"{sum(n * s for n, s in parts) / cases:.1%} (promised {product_forecast.SERVICE_LEVEL:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
