"""Benchmark: the SQL sandbox's overhead per query against a bare DuckDB cursor, and the schema browser's load time.

    python bench/sandbox.py --db bench/out/demo_scale100.duckdb      # ~10M order lines (build it with bench/reports.py)
    python bench/sandbox.py --db /tmp/demo.duckdb --runs 300 --seller coffee_kr

For each query the bare run and the sandbox run alternate (side by side, same warm caches), `--runs` times;
the report gives the medians and the overhead (sandbox median - bare median; target < 5 ms), and the parts of
the overhead: the sqlglot check and DuckDB's own parse-tree check. The bare run is what unsandboxed code would
execute: the same query on a plain cursor with an explicit `seller_id = $seller` filter, fetched as Arrow.
Then the time to list the schema (every scoped table's columns and types and 3 sample rows), cold (a new
ScopedWarehouse: its temp views are created first) and warm. The warehouse is opened read-only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.sandbox import Sandbox, _check_duckdb_tree, check_query, list_schema  # noqa: E402
from data.scope import Scope, ScopedWarehouse  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

# (label, sandbox SQL over the scoped views, bare SQL with the explicit seller filter)
QUERIES: tuple[tuple[str, str, str], ...] = (
    ("tiny: count sellers",
     "SELECT count(*) AS n FROM sellers",
     "SELECT count(*) AS n FROM sellers WHERE seller_id = $seller"),
    ("orders by status since $from",
     "SELECT status, count(*) AS n FROM orders WHERE ordered_at >= $from GROUP BY status ORDER BY status",
     "SELECT status, count(*) AS n FROM orders WHERE seller_id = $seller AND ordered_at >= $from "
     "GROUP BY status ORDER BY status"),
    ("CTE + join: top SKUs last 7 days",
     "WITH recent AS (SELECT sku, sum(quantity) AS q FROM order_items WHERE ordered_at >= $from GROUP BY sku) "
     "SELECT p.name, r.q FROM recent r JOIN products p USING (sku) ORDER BY r.q DESC LIMIT 10",
     "WITH recent AS (SELECT sku, sum(quantity) AS q FROM order_items WHERE seller_id = $seller AND "
     "ordered_at >= $from GROUP BY sku) SELECT p.name, r.q FROM recent r JOIN products p "
     "ON p.sku = r.sku AND p.seller_id = $seller ORDER BY r.q DESC LIMIT 10"),
)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def bench_overhead(wh: Warehouse, seller: str, runs: int) -> list[dict[str, float | str]]:
    scoped = ScopedWarehouse(wh, Scope.sellers(seller))
    sandbox = Sandbox(scoped)
    bare = wh.cursor().cursor()
    latest = bare.execute("SELECT max(ordered_at) FROM orders WHERE seller_id = ?", [seller]).fetchall()[0][0]
    since = str(latest.date()) if latest is not None else "2000-01-01"
    allowed = set(scoped.table_names)
    rows = []
    for label, sandboxed, plain in QUERIES:
        params = {"from": since} if "$from" in sandboxed else {}
        bare_params = {**params, "seller": seller}
        for _ in range(3):  # warm-up: caches, first-use imports, the scoped cursor
            sandbox.run(sandboxed, params)
            bare.sql(plain, params=bare_params).to_arrow_table()
        t_bare, t_box, t_glot, t_tree = [], [], [], []
        for i in range(runs):
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                started = time.perf_counter()
                if which == 0:
                    table_bare = bare.sql(plain, params=bare_params).to_arrow_table()
                    t_bare.append(time.perf_counter() - started)
                else:
                    result = sandbox.run(sandboxed, params)
                    t_box.append(time.perf_counter() - started)
            started = time.perf_counter()
            check_query(sandboxed, allowed)
            t_glot.append(time.perf_counter() - started)
            started = time.perf_counter()
            _check_duckdb_tree(scoped.cursor(), sandboxed, allowed)
            t_tree.append(time.perf_counter() - started)
        if result.table.num_rows != table_bare.num_rows:
            raise SystemExit(f"{label}: sandbox returned {result.table.num_rows} rows, bare {table_bare.num_rows}")
        bare_med, box_med = statistics.median(t_bare), statistics.median(t_box)
        rows.append({"query": label, "rows": table_bare.num_rows, "bare_ms": _ms(bare_med), "sandbox_ms": _ms(box_med),
                     "overhead_ms": _ms(box_med - bare_med), "sqlglot_ms": _ms(statistics.median(t_glot)),
                     "duckdb_tree_ms": _ms(statistics.median(t_tree))})
    bare.close()
    scoped.close()
    return rows


def bench_schema(wh: Warehouse, seller: str, runs: int) -> dict[str, float | int]:
    cold, warm = [], []
    tables = 0
    for _ in range(runs):
        started = time.perf_counter()
        scoped = ScopedWarehouse(wh, Scope.sellers(seller))
        schema = list_schema(scoped, sample_rows=3)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        schema = list_schema(scoped, sample_rows=3)
        warm.append(time.perf_counter() - started)
        tables = len(schema)
        scoped.close()
    started = time.perf_counter()
    scoped = ScopedWarehouse(wh, Scope.sellers(seller))
    scoped.cursor()
    create = time.perf_counter() - started
    scoped.close()
    return {"tables": tables, "cold_ms": _ms(statistics.median(cold)), "warm_ms": _ms(statistics.median(warm)),
            "scoped_cursor_ms": _ms(create), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="Warehouse file to measure on (opened read-only).")
    parser.add_argument("--seller", default="petshop_kr", help="Seller the sandbox is scoped to (default petshop_kr).")
    parser.add_argument("--runs", type=int, default=200, help="Runs per query, bare and sandbox each (default 200).")
    parser.add_argument("--schema-runs", type=int, default=5, help="Schema listings to time (default 5).")
    args = parser.parse_args(argv)
    path = Path(args.db)
    if not path.exists():
        print(f"error: no warehouse at {path}", file=sys.stderr)
        return 2
    wh = Warehouse(path, read_only=True)
    try:
        lines = wh.scalar("SELECT count(*) FROM order_items")
        print(f"warehouse {path} ({lines:,} order lines), seller {args.seller}, {args.runs} runs per query")
        print(f"{'query':<36} {'rows':>5} {'bare ms':>8} {'sandbox':>8} {'overhead':>9} {'sqlglot':>8} {'duck tree':>9}")
        worst = 0.0
        for row in bench_overhead(wh, args.seller, args.runs):
            worst = max(worst, float(row["overhead_ms"]))
            print(f"{row['query']:<36} {row['rows']:>5} {row['bare_ms']:>8.2f} {row['sandbox_ms']:>8.2f} "
                  f"{row['overhead_ms']:>9.2f} {row['sqlglot_ms']:>8.2f} {row['duckdb_tree_ms']:>9.2f}")
        print(f"worst median overhead {worst:.2f} ms (target < 5 ms): {'OK' if worst < 5 else 'OVER TARGET'}")
        s = bench_schema(wh, args.seller, args.schema_runs)
        print(f"schema listing ({s['tables']} tables, types + 3 sample rows each), median of {s['runs']}: "
              f"cold {s['cold_ms']:.1f} ms (incl. creating the scoped views), warm {s['warm_ms']:.1f} ms; "
              f"scoped cursor creation {s['scoped_cursor_ms']:.1f} ms")
    finally:
        wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
