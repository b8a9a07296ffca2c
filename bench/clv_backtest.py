"""Holdout backtest on CDNOW: our BG/NBD vs lifetimes' BetaGeoFitter, predicted vs actual repeat purchases.

Calibration: 1997-01-01 .. 1997-09-30, holdout: 1997-10-01 .. 1998-06-30 (39 weeks), the split of Fader, Hardie
& Lee (2005). Transactions are counted per customer-day. lifetimes is not a project dependency:
    .venv/bin/pip install --no-deps --target /tmp/si_lifetimes lifetimes==0.11.3 autograd dill
    .venv/bin/python bench/clv_backtest.py --lifetimes-path /tmp/si_lifetimes
"""

from __future__ import annotations

import argparse
import sys
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
