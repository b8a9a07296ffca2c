"""Benchmark: the customers report's per-customer work at a git revision vs the working tree, side by side.

    .venv/bin/python bench/customers_ab.py --rev 109532c --db bench/out/demo_scale100_s8.duckdb

Checks REV out into a temporary git worktree. Then, alternating REV and the working tree, each run in a fresh
process on the same warehouse (read-only): the purchase days (`customers.purchase_days`, the one scan) and the whole
customer base the page, the report and the digest share (`customers._customer_base`: summaries, RFM scores, fits,
backtest, cohorts; read from every order, the kept history of earlier days forgotten first) plus the predictions
for 365 days. One untimed run first, so the fits are cached in the process
as in a server (`fit_customer_models_cached`) and the timed runs are the data work; prints the medians of
--repeat runs per side and round, and whether every frame and figure of the two sides is equal.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(root: Path, db: Path, seller: str, as_of: str, repeat: int, out: Path) -> None:
    sys.path.insert(0, str(root))
    from analytics import customers
    from analytics.period import report_period
    from data.warehouse import Warehouse

    wh = Warehouse(db, read_only=True)
    period = report_period(wh, seller, as_of=as_of)
    tz, as_of_utc = period.timezone, period.as_of_utc

    def base():
        getattr(customers, "forget_histories", lambda: None)()   # a full computation, not today's orders only
        b = customers._customer_base(wh, seller, tz, as_of_utc, customers.MIN_REPEAT_CUSTOMERS)
        return b, customers.predict_customers(b.scored, b.models, 365)

    base()                                                    # imports, DuckDB caches, the fits
    days_times, base_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        customers.purchase_days(wh, seller, tz, as_of_utc)
        days_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b, predicted = base()
        base_times.append(time.perf_counter() - t0)
    wh.close()
    result = {"days": statistics.median(days_times), "base": statistics.median(base_times),
              "frames": (b.daily, b.scored, b.cohorts, b.model_status, b.model_params, b.backtest, predicted)}
    out.write_bytes(pickle.dumps(result))


def equal(a, b) -> bool:
    import polars as pl

    if isinstance(a, pl.DataFrame):
        return isinstance(b, pl.DataFrame) and a.columns == b.columns and a.equals(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", default="HEAD~1", help="git revision of the other version")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "demo_scale100.duckdb")
    parser.add_argument("--seller", default="petshop_kr")
    parser.add_argument("--as-of", default="2026-11-20T05:00:00")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two sides")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.seller, args.as_of, args.repeat, args.out)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "rev"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(other), args.rev], cwd=ROOT, check=True)
        try:
            results: dict[str, dict] = {}
            print(f"customers work on {args.db.name}, {args.seller}, as of {args.as_of}; median of {args.repeat} "
                  "per run (fits cached in each process)")
            print(f"{'side':<14} {'round':>5} {'purchase days':>14} {'customer base':>14}")
            for k in range(1, args.rounds + 1):
                for label, root in ((args.rev, other), ("working tree", ROOT)):
                    out = Path(tmp) / f"{k}.pkl"
                    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(root),
                                    "--db", str(args.db.resolve()), "--seller", args.seller, "--as-of", args.as_of,
                                    "--repeat", str(args.repeat), "--out", str(out)], check=True)
                    results[label] = pickle.loads(out.read_bytes())
                    r = results[label]
                    print(f"{label:<14} {k:>5} {r['days']:>13.3f}s {r['base']:>13.3f}s", flush=True)
            same = all(equal(a, b) for a, b in zip(results[args.rev]["frames"], results["working tree"]["frames"],
                                                    strict=True))
            print("results (every frame, the fitted parameters and the backtest): "
                  + ("equal" if same else "DIFFERENT"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
