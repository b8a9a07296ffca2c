"""Benchmark: what a load's rollup refresh costs on a large store, and how much of it keeps the carried orders.

    .venv/bin/python bench/rollup_refresh.py --db bench/out/demo_scale100_s9.duckdb --repeat 5

A real-time push of orders or sessions refreshes the hours it wrote into (data/rollups.py, refresh_hours) on the
warehouse's background thread. This times, for one busy hour of the seller, each kind's refresh in a transaction
rolled back afterwards (the store is left as it was): the rollups' own DELETE + INSERT, and the UPDATE that keeps
rollup_session_orders' carried-order columns (fill_carrier_orders_sql / refresh_order_values); medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

import data.warehouse  # noqa: E402,F401 - its filter of DuckDB's arrow-copy warning
from data import rollups  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "demo_scale100_s9.duckdb")
    parser.add_argument("--seller", default="petshop_kr")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect(str(args.db))
    p = {"s": args.seller}
    carriers = con.execute("SELECT count(*) FROM rollup_session_orders WHERE seller_id = $s", p).fetchone()[0]
    print(f"{args.db.name}: {carriers:,} visits carrying an order for {args.seller}; median of {args.repeat}")
    for kind, table, column in (("orders", "orders", "ordered_at"), ("sessions", "sessions", "started_at")):
        hour, rows = con.execute(f"""
            SELECT date_trunc('hour', {column}) AS h, count(*) FROM {table} WHERE seller_id = $s
            GROUP BY h ORDER BY h DESC LIMIT 1""", {"s": args.seller}).fetchone()
        p = {"s": args.seller, "a": hour, "b": hour + timedelta(hours=1)}
        own, carried = [], []
        for _ in range(args.repeat):
            con.execute("BEGIN TRANSACTION")
            t0 = time.perf_counter()
            for r in rollups.ROLLUPS.values():
                if r.kind == kind:
                    con.execute(f"DELETE FROM {r.name} WHERE seller_id = $s AND hour >= $a AND hour < $b", p)
                    con.execute(f"INSERT INTO {r.name} {r.build('$s', '$a', '$b')}", p)
            t1 = time.perf_counter()
            if kind == "sessions":
                con.execute(rollups.fill_carrier_orders_sql("$s", "$a", "$b"), p)
            else:
                rollups.refresh_order_values(con, args.seller, p["a"], p["b"])
            t2 = time.perf_counter()
            con.execute("ROLLBACK")
            own.append(t1 - t0)
            carried.append(t2 - t1)
        print(f"{kind:<9} hour {hour} ({rows:,} {table}): rollups {statistics.median(own):.3f} s, "
              f"carried orders {statistics.median(carried):.3f} s")
    con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
