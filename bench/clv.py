"""Benchmark: our BG/NBD + Gamma-Gamma fit and per-customer summary vs the `lifetimes` package (run on demand).

lifetimes is NOT a project dependency. Install it apart, then point --lifetimes-path at it:
    .venv/bin/pip install --no-deps --target /tmp/si_lifetimes lifetimes==0.11.3 autograd dill
    .venv/bin/python -m bench.clv --lifetimes-path /tmp/si_lifetimes [--customers 1000000] [--repeat 5]
Prints medians and ratios side by side: fit on CDNOW, fit on N synthetic customers (BG/NBD draws with the CDNOW
parameters; also with BG/NBD pooled from whole days, as the customers report fits), and the summary from
transactions vs summary_data_from_transaction_data on the same frame: ours
from the frame in memory (Polars, rfm_summary_from_transactions) and ours from the warehouse (SQL, rfm_summary);
and, as a floor, one plain Polars group-by per customer over the same frame (less work than a summary).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
CDNOW = ROOT / "tests" / "fixtures" / "cdnow"


def median_seconds(fn, repeat: int) -> tuple[float, object]:
    fn()   # warm-up (imports, caches)
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def synthetic_customers(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """x, t_x, T in weeks (whole days / 7) and mean repeat spend for n customers drawn from BG/NBD/Gamma-Gamma."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    T = rng.integers(1, 39 * 7, n) / 7.0
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.poisson(lam * T)                       # purchases while alive over T
    alive_for = rng.geometric(p) - 1               # repeat purchases before dropping out
    x = np.minimum(k, alive_for)
    last = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(k - x, 0) + 1), 0.0)
    tx = np.minimum(np.round(last * 7) / 7.0, T)
    nu = rng.gamma(3.74, 1.0 / 15.44, n)
    z = np.where(x > 0, rng.gamma(6.25 * np.maximum(x, 1), 1.0 / (nu * np.maximum(x, 1))), 0.0)
    return {"x": x.astype(float), "t_x": tx, "T": T, "m": z}


def ours_fit(d):
    from analytics import clv
    bg = clv.fit_bgnbd(d["x"], d["t_x"], d["T"])
    gg = clv.fit_gamma_gamma(d["x"], d["m"])
    return bg.log_likelihood_, bg.params_, gg.log_likelihood_


def ours_fit_days(d):
    """ours_fit as the customers report fits: BG/NBD from whole days (fit_bgnbd_days, the same model bit for bit)."""
    from analytics import clv
    bg = clv.fit_bgnbd_days(d["x"].astype(np.int64), np.round(d["t_x"] * 7).astype(np.int64),
                            np.round(d["T"] * 7).astype(np.int64), 7.0)
    gg = clv.fit_gamma_gamma(d["x"], d["m"])
    return bg.log_likelihood_, bg.params_, gg.log_likelihood_


def lifetimes_fit(d):
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    bg = BetaGeoFitter().fit(pd.Series(d["x"]), pd.Series(d["t_x"]), pd.Series(d["T"]))
    keep = (d["x"] > 0) & (d["m"] > 0)
    GammaGammaFitter().fit(pd.Series(d["x"][keep]), pd.Series(d["m"][keep]))
    return bg._negative_log_likelihood_ * -1 * len(d["x"]) if hasattr(bg, "_negative_log_likelihood_") \
        else float("nan"), bg.params_.to_dict()


def cdnow_inputs() -> dict[str, np.ndarray]:
    f = pl.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return {"x": f["x"].to_numpy().astype(float), "t_x": f["t_x"].to_numpy(), "T": f["T"].to_numpy(),
            "m": f["zbar"].to_numpy()}


def transactions_warehouse(folder: Path, n_customers: int, seed: int = 2):
    """CDNOW through our ingest, plus a synthetic seller with ~4 orders per customer; returns (wh, pandas frames)."""
    from analytics.cdnow import write_cdnow_orders_csv
    from data import rollups
    from data.ingest import ingest_file
    from data.warehouse import Warehouse, ensure_seller

    wh = Warehouse(folder / "bench.duckdb")
    with wh.transaction() as cur:
        ensure_seller(cur, "cdnow", timezone_name="UTC", currency="USD")
        ensure_seller(cur, "synthetic", timezone_name="UTC", currency="USD")
    ingest_file(wh, write_cdnow_orders_csv(CDNOW / "CDNOW_sample.txt", folder / "cdnow.csv"),
                seller_id="cdnow", kind="orders")
    rng = np.random.default_rng(seed)
    n_orders = n_customers * 4
    cust = rng.integers(0, n_customers, n_orders)
    day = rng.integers(0, 365, n_orders)
    orders = pl.DataFrame({"order_id": [f"o{i}" for i in range(n_orders)],
                           "ordered_at": pl.Series(np.datetime64("2025-01-01") + day.astype("timedelta64[D]"))
                           .cast(pl.Datetime("us")),
                           "customer_id": [f"c{c}" for c in cust],
                           "amount": np.round(rng.gamma(2.0, 20.0, n_orders), 2)})
    with wh.transaction() as cur:
        cur.register("bench_orders", orders.to_arrow())
        cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, customer_id, status) "
                    "SELECT 'synthetic', order_id, ordered_at, customer_id, 'paid' FROM bench_orders")
        cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price) "
                    "SELECT 'synthetic', order_id, 1, ordered_at, 'X', 1, amount FROM bench_orders")
        cur.unregister("bench_orders")
        rollups.rebuild(cur, "synthetic")       # rows written around the loader: fill the rollups as a load would
    wh.wait_for_background()                    # CDNOW's load queued its rollup refresh
    cd = pl.read_csv(folder / "cdnow.csv", schema_overrides={"customer_id": pl.String})
    return wh, {"cdnow": cd.select("customer_id", pl.col("ordered_at").str.to_datetime(), pl.col("unit_price")
                                   .alias("amount")).to_pandas(),
                "synthetic": orders.select("customer_id", "ordered_at", "amount").to_pandas()}


def polars_group_by_floor(tx: pl.DataFrame) -> pl.DataFrame:
    """A floor for any summary built on Polars: one hash group-by per customer over the same rows, with less than
    a summary needs (first and last day, distinct days, total spend; no per-day sums, no first day's spend)."""
    day = pl.col("ordered_at").dt.date()
    return tx.lazy().group_by("customer_id").agg(
        day.min().alias("first"), day.max().alias("last"), day.n_unique().alias("days"),
        pl.col("amount").sum()).collect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clv")
    parser.add_argument("--lifetimes-path", default="/tmp/si_lifetimes", help="Folder lifetimes was installed into.")
    parser.add_argument("--customers", type=int, default=1_000_000, help="Synthetic customers for the fit.")
    parser.add_argument("--summary-customers", type=int, default=100_000, help="Synthetic customers (x4 orders).")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, args.lifetimes_path)
    warnings.simplefilter("ignore")
    try:
        import lifetimes  # noqa: F401
    except ImportError:
        print("lifetimes is not installed. Run:\n  .venv/bin/pip install --no-deps --target /tmp/si_lifetimes "
              "lifetimes==0.11.3 autograd dill", file=sys.stderr)
        return 1
    from lifetimes.utils import summary_data_from_transaction_data

    from analytics import customers

    print(f"{'case':<58}{'ours s':>10}{'lifetimes s':>13}{'ratio':>8}   check")
    for name, data, repeat in (("fit BG/NBD+GG, CDNOW 2357", cdnow_inputs(), args.repeat),
                               (f"fit BG/NBD+GG, synthetic {args.customers:,}", synthetic_customers(args.customers),
                                max(1, args.repeat // 2))):
        ours_t, ours = median_seconds(lambda d=data: ours_fit(d), repeat)
        theirs_t, theirs = median_seconds(lambda d=data: lifetimes_fit(d), max(1, repeat // 2))
        from analytics import clv as _clv
        ll_theirs = -_clv.bgnbd_negative_log_likelihood(
            np.log([theirs[1][k] for k in ("r", "alpha", "a", "b")]), data["x"], data["t_x"], data["T"],
            np.ones_like(data["x"]))[0]
        print(f"{name:<58}{ours_t:>10.3f}{theirs_t:>13.3f}{theirs_t / ours_t:>7.1f}x   "
              f"LL ours {ours[0]:,.2f} vs lifetimes {ll_theirs:,.2f} "
              f"(relative difference {abs(ours[0] - ll_theirs) / abs(ll_theirs):.1e})")
        if name.startswith("fit BG/NBD+GG, synthetic"):     # whole days / 7: the customers report's path too
            days_t, days = median_seconds(lambda d=data: ours_fit_days(d), repeat)
            label = "  the same, BG/NBD pooled from whole days"
            print(f"{label:<58}{days_t:>10.3f}{theirs_t:>13.3f}{theirs_t / days_t:>7.1f}x   "
                  f"same model as the row above: {days[:2] == ours[:2]}")
    with tempfile.TemporaryDirectory() as tmp:
        wh, frames = transactions_warehouse(Path(tmp), args.summary_customers)
        for seller, end in (("cdnow", "1997-09-30"), ("synthetic", "2025-12-31")):
            as_of = datetime.fromisoformat(end).replace(hour=0) + timedelta(days=1)
            tx = frames[seller]
            tx_polars = pl.from_pandas(tx)       # the same transactions, as a Polars frame in memory
            last_day = date.fromisoformat(end)
            frame_t, frame_out = median_seconds(lambda f=tx_polars, d=last_day: customers.rfm_summary_from_transactions(
                f, d, date_col="ordered_at", amount_col="amount"), args.repeat)
            wh_t, wh_out = median_seconds(lambda s=seller, a=as_of: customers.rfm_summary(wh, s, "UTC", a),
                                          args.repeat)
            theirs_t, theirs = median_seconds(lambda tx=tx, e=end: summary_data_from_transaction_data(
                tx, "customer_id", "ordered_at", monetary_value_col="amount", observation_period_end=e, freq="D"),
                max(1, args.repeat // 2))
            floor_t, _ = median_seconds(lambda f=tx_polars: polars_group_by_floor(f), args.repeat)
            for label, ours_t, ours in (("in-memory frame", frame_t, frame_out), ("warehouse SQL", wh_t, wh_out)):
                same = (int(ours["frequency"].sum()) == int(theirs["frequency"].sum())
                        and abs(float(ours["monetary_value"].sum()) - float(theirs["monetary_value"].sum()))
                        <= 1e-6 * max(1.0, abs(float(theirs["monetary_value"].sum()))))
                name = f"summary {seller} ({len(tx):,} orders), {label}"
                print(f"{name:<58}{ours_t:>10.3f}{theirs_t:>13.3f}{theirs_t / ours_t:>7.1f}x   "
                      f"frequency and monetary sums equal: {same}")
            name = f"  floor: one Polars group-by ({len(tx):,} orders)"
            print(f"{name:<58}{floor_t:>10.3f}{theirs_t:>13.3f}{theirs_t / floor_t:>7.1f}x   "
                  "less than a summary: no per-day sums, no first day's spend")
        wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
