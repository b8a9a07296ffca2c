"""Benchmark: our ingest of a 1M-line canonical orders file (CSV and Parquet) vs a bare DuckDB INSERT floor."""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.ingest import ingest_file  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402

OUT = ROOT / "bench" / "out"


def generate_orders(rows: int, folder: Path) -> tuple[Path, Path]:
    """A canonical orders file of `rows` lines (~2.5 lines per order), as CSV and Parquet."""
    csv_path, pq_path = folder / f"orders_{rows}.csv", folder / f"orders_{rows}.parquet"
    if csv_path.exists() and pq_path.exists():
        return csv_path, pq_path
    i = pl.int_range(0, rows, eager=True)
    order = i * 2 // 5
    base = pl.datetime(2025, 1, 1)
    frame = pl.DataFrame({"i": i, "o": order}).select(
        pl.format("O{}", pl.col("o")).alias("order_id"),
        (base + pl.duration(seconds=pl.col("o") * 30)).dt.strftime("%Y-%m-%d %H:%M:%S").alias("ordered_at"),
        pl.format("SKU-{}", pl.col("i") * 7919 % 500).alias("sku"),
        pl.format("상품 {}", pl.col("i") * 7919 % 500).alias("product_name"),
        (pl.col("i") % 3 + 1).alias("quantity"),
        ((pl.col("i") * 7919 % 500) * 100 + 1900).alias("unit_price"),
        pl.when(pl.col("o") % 4 == 0).then(pl.lit(None)).otherwise(pl.format("C{}", pl.col("o") % 50_000))
        .alias("customer_id"),
        pl.lit("smartstore").alias("channel"),
    )
    frame.write_csv(csv_path)
    frame.write_parquet(pq_path)
    return csv_path, pq_path


FLOOR_SQL = """
INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, product_name, quantity, unit_price,
                         discount, line_type)
SELECT 'bench', order_id, row_number() OVER (PARTITION BY order_id), ordered_at::TIMESTAMP, sku, product_name,
       quantity::INTEGER, unit_price::DECIMAL(18, 2), 0, 'product'
FROM {reader}('{path}')
"""


def time_ours(path: Path) -> tuple[float, float]:
    """(seconds until ingest_file returns: the load is committed and in every report; seconds until the hourly
    rollups it queued on the warehouse's background thread are refreshed too)."""
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "bench.duckdb")
        start = time.perf_counter()
        result = ingest_file(wh, path, seller_id="bench", kind="orders")
        loaded = time.perf_counter() - start
        wh.wait_for_background()
        refreshed = time.perf_counter() - start
        wh.close()
    if result.status != "loaded":
        raise SystemExit(f"bench load failed: {result.status} {result.message}")
    return loaded, refreshed


def time_floor(path: Path, reader: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        Warehouse(Path(tmp) / "floor.duckdb").close()  # same schema
        con = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        start = time.perf_counter()
        con.execute(FLOOR_SQL.format(reader=reader, path=path)).fetchall()
        elapsed = time.perf_counter() - start
        con.close()
    return elapsed


def load_once(path: Path) -> int:
    """One load in this process, then its peak resident memory in kB (the child of `peak_rss_mb`)."""
    time_ours(path)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


def peak_rss_mb(path: Path) -> float:
    """Peak resident memory (MB) of a fresh process that loads `path` once (what `/usr/bin/time -v` reports)."""
    out = subprocess.run([sys.executable, __file__, "--load-once", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return int(out.split()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="order lines in the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--memory", action="store_true",
                        help="also report the peak RSS of one load per file, each in a fresh process")
    parser.add_argument("--load-once", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_once:
        return load_once(args.load_once)
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path, pq_path = generate_orders(args.rows, OUT)
    print(f"{args.rows:,} order lines; median of {args.repeat} runs, fresh warehouse each run")
    for label, path, reader, target in (("CSV", csv_path, "read_csv", 200_000),
                                        ("Parquet", pq_path, "read_parquet", 500_000)):
        runs = [time_ours(path) for _ in range(args.repeat)]
        ours = statistics.median(r[0] for r in runs)
        with_rollups = statistics.median(r[1] for r in runs)
        floor = statistics.median(time_floor(path, reader) for _ in range(args.repeat))
        rate = args.rows / ours
        print(f"{label:8} ours {ours:6.2f} s ({rate:10,.0f} rows/s, target {target:,})  "
              f"duckdb {reader} floor {floor:6.2f} s ({args.rows / floor:10,.0f} rows/s)  ratio {ours / floor:4.2f}x")
        print(f"{label:8} ours until the queued rollup refresh is done too {with_rollups:6.2f} s "
              f"({args.rows / with_rollups:10,.0f} rows/s)")
        if args.memory:
            print(f"{label:8} peak RSS of one load in a fresh process {peak_rss_mb(path):8,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
