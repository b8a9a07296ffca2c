"""Holdout backtest on CDNOW: our BG/NBD vs lifetimes' BetaGeoFitter, predicted vs actual repeat purchases.

Calibration: 1997-01-01 .. 1997-09-30, holdout: 1997-10-01 .. 1998-06-30 (39 weeks), the split of Fader, Hardie
& Lee (2005). Transactions are counted per customer-day. lifetimes is not a project dependency:
    .venv/bin/pip install --no-deps --target /tmp/si_lifetimes lifetimes==0.11.3 autograd dill
    .venv/bin/python bench/clv_backtest.py --lifetimes-path /tmp/si_lifetimes

With --through-product FILE (CDNOW_sample.txt or the full cohort's CDNOW_master.txt) it also runs the product's
own backtest: FILE goes through our ingest into a fresh warehouse, the customers report at --as-of picks its
holdout (the last quarter of the history, at most 90 days) and states its MAE; lifetimes then gets the same raw
transactions (summary_data_from_transaction_data up to the report's cutoff, BetaGeoFitter in weeks) and the
actual holdout purchase days are counted independently in pandas.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import clv  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "cdnow" / "CDNOW_sample.txt"
CAL_END, HOLDOUT_END = date(1997, 9, 30), date(1998, 6, 30)


def customer_days() -> pl.DataFrame:
    """One row per customer and purchase day from the whitespace-separated CDNOW sample."""
    rows = [line.split() for line in SAMPLE.read_text().splitlines() if line.strip()]
    frame = pl.DataFrame({"customer_id": [r[0] for r in rows], "day": [r[2] for r in rows]})
    return frame.with_columns(pl.col("day").str.strptime(pl.Date, "%Y%m%d")).unique()


def split(days: pl.DataFrame) -> pl.DataFrame:
    """Calibration summary in weeks (frequency, recency, T) and actual holdout purchases per customer."""
    cal = days.filter(pl.col("day") <= CAL_END)
    hold = days.filter((pl.col("day") > CAL_END) & (pl.col("day") <= HOLDOUT_END))
    summary = cal.group_by("customer_id").agg(
        (pl.len() - 1).alias("frequency"),
        ((pl.col("day").max() - pl.col("day").min()).dt.total_days() / 7).alias("recency"),
        ((pl.lit(CAL_END) - pl.col("day").min()).dt.total_days() / 7).alias("T"),
    )
    actual = hold.group_by("customer_id").agg(pl.len().alias("actual"))
    return summary.join(actual, on="customer_id", how="left").with_columns(pl.col("actual").fill_null(0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lifetimes-path", help="Folder where lifetimes was installed with --target.")
    parser.add_argument("--through-product", type=Path, metavar="FILE",
                        help="Also backtest FILE (CDNOW format) through our ingest and customers report.")
    parser.add_argument("--as-of", default="1998-06-30", help="The report's as-of day for --through-product.")
    args = parser.parse_args()
    if args.lifetimes_path:
        sys.path.insert(0, args.lifetimes_path)
    import pandas as pd
    from lifetimes import BetaGeoFitter

    data = split(customer_days())
    x, tx, T = (data[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    actual = data["actual"].to_numpy().astype(float)
    horizon = (HOLDOUT_END - CAL_END).days / 7

    ours = clv.fit_bgnbd(x, tx, T).conditional_expected_number_of_purchases_up_to_time(horizon, x, tx, T)
    theirs = BetaGeoFitter().fit(pd.Series(x), pd.Series(tx), pd.Series(T)) \
        .conditional_expected_number_of_purchases_up_to_time(horizon, pd.Series(x), pd.Series(tx), pd.Series(T))
    theirs = np.asarray(theirs, dtype=float)

    print(f"CDNOW sample: {len(x):,} customers, holdout {horizon:.1f} weeks, {actual.sum():,.0f} actual purchases")
    print(f"{'':<22}{'ours':>10}{'lifetimes':>11}")
    print(f"{'predicted purchases':<22}{ours.sum():>10.1f}{theirs.sum():>11.1f}")
    print(f"{'MAE per customer':<22}{np.abs(ours - actual).mean():>10.4f}{np.abs(theirs - actual).mean():>11.4f}")
    print(f"{'RMSE per customer':<22}{np.sqrt(((ours - actual) ** 2).mean()):>10.4f}"
          f"{np.sqrt(((theirs - actual) ** 2).mean()):>11.4f}")
    print("\nmean holdout purchases by calibration frequency (the paper's Figure 4):")
    print(f"{'frequency':>9} {'customers':>9} {'actual':>8} {'ours':>8} {'lifetimes':>9}")
    group = np.minimum(x, 7).astype(int)
    for g in range(8):
        sel = group == g
        label = f"{g}+" if g == 7 else str(g)
        print(f"{label:>9} {sel.sum():>9} {actual[sel].mean():>8.3f} {ours[sel].mean():>8.3f} {theirs[sel].mean():>9.3f}")
    if args.through_product:
        through_product(args.through_product, date.fromisoformat(args.as_of))
    return 0


def through_product(path: Path, as_of: date) -> None:
    """The customers report's own backtest on `path` vs lifetimes on the same raw transactions and split."""
    import pandas as pd
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import summary_data_from_transaction_data

    from analytics import customers
    from analytics.cdnow import read_cdnow_sample, write_cdnow_orders_csv
    from analytics.period import report_period
    from data.ingest import ingest_file
    from data.warehouse import Warehouse, ensure_seller

    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "backtest.duckdb")
        with wh.transaction() as cur:
            ensure_seller(cur, "cdnow", name="CDNOW", timezone_name="UTC", currency="USD", language="en")
        loaded = ingest_file(wh, write_cdnow_orders_csv(path, Path(tmp) / "orders.csv"), seller_id="cdnow",
                             kind="orders")
        period = report_period(wh, "cdnow", as_of=as_of.isoformat())
        bt = customers.report(wh, period, horizon_days=90)["backtest"]
        wh.close()
    print(f"\n{path.name} through our ingest ({loaded.rows_loaded:,} lines) and the customers report "
          f"as of {as_of}: status {bt['status']} {bt.get('reason', '')}")
    if bt["status"] != "ok":
        return
    cutoff, end = bt["cutoff_day"], bt["holdout_end"]
    tx = read_cdnow_sample(path).to_pandas()
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    cal = summary_data_from_transaction_data(tx[tx["order_date"] <= pd.Timestamp(cutoff)], "customer_id",
                                             "order_date", observation_period_end=str(cutoff), freq="D")
    # time in weeks, as in the paper and in our fit (frequency is a count of repeat purchase days)
    fitter = BetaGeoFitter().fit(cal["frequency"], cal["recency"] / 7, cal["T"] / 7)
    horizon = (end - cutoff).days / 7
    predicted = fitter.conditional_expected_number_of_purchases_up_to_time(
        horizon, cal["frequency"], cal["recency"] / 7, cal["T"] / 7)
    hold = tx[(tx["order_date"] > pd.Timestamp(cutoff)) & (tx["order_date"] <= pd.Timestamp(end))]
    actual = hold.groupby("customer_id")["order_date"].nunique().reindex(cal.index, fill_value=0)
    mae = float((predicted - actual).abs().mean())
    print(f"calibration to {cutoff}, holdout {bt['holdout_start']} .. {end} ({bt['holdout_days']} days), "
          f"{bt['customers']:,} customers (lifetimes: {len(cal):,})")
    print(f"{'':<28}{'ours (report)':>14}{'lifetimes':>11}")
    print(f"{'predicted purchase days':<28}{bt['predicted_total']:>14.1f}{float(predicted.sum()):>11.1f}")
    print(f"{'actual purchase days':<28}{bt['actual_total']:>14,}{int(actual.sum()):>11,}")
    print(f"{'MAE per customer':<28}{bt['mae']:>14.6f}{mae:>11.6f}")


if __name__ == "__main__":
    sys.exit(main())
