"""Benchmark: would compiled code reach the per-customer summary target (≥ 20x lifetimes)? Run on demand.

numba is NOT a project dependency. Install it apart (with lifetimes, see bench/clv.py), then:
    .venv/bin/pip install --target /tmp/si_numba numba==0.68.1 llvmlite==0.50.0
    .venv/bin/python -m bench.clv_summary_numba --numba-path /tmp/si_numba --lifetimes-path /tmp/si_lifetimes
Times, side by side in one run on the same synthetic frame as bench/clv.py (100k customers x 4 orders):
ours (analytics.customers.rfm_summary_from_transactions), lifetimes' summary_data_from_transaction_data, and two
numba prototypes of the same summary: one pass with hash tables (per customer, per customer-day), and one sort of a
packed (customer hash, day, row) key followed by one compiled pass. Prints medians, ratios to lifetimes, and
whether each prototype's frequency and monetary sums equal ours.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import date

import numpy as np
import polars as pl

from bench.clv import median_seconds


def _kernels():
    import numba

    @numba.njit(cache=False, nogil=True)
    def hashed(h, days, rev):
        n = h.shape[0]
        size = 1
        while size < 2 * n:
            size *= 2
        mask = size - 1
        slot_c = np.full(size, -1, np.int64)
        rep = np.empty(n, np.int64)
        first = np.empty(n, np.int32)
        last = np.empty(n, np.int32)
        first_rev = np.empty(n, np.float64)
        total = np.zeros(n, np.float64)
        pdays = np.zeros(n, np.int64)
        row_c = np.empty(n, np.int64)
        pair_keys = np.full(size, -1, np.int64)
        d0 = days.min()
        span = np.int64(days.max() - d0 + 1)
        nc = 0
        for i in range(n):
            hi = h[i]
            s = np.int64((hi ^ (hi >> np.uint64(29))) & np.uint64(mask))
            while True:
                c = slot_c[s]
                if c == -1:
                    c = nc
                    nc += 1
                    slot_c[s] = c
                    rep[c] = i
                    first[c] = days[i]
                    last[c] = days[i]
                    first_rev[c] = 0.0
                    break
                if h[rep[c]] == hi:
                    break
                s = (s + 1) & mask
            row_c[i] = c
            total[c] += rev[i]
            d = days[i]
            if d < first[c]:
                first[c] = d
                first_rev[c] = rev[i]
            elif d == first[c]:
                first_rev[c] += rev[i]
            if d > last[c]:
                last[c] = d
            k = c * span + (d - d0)
            t = np.int64((np.uint64(k) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)) & mask
            while True:
                pk = pair_keys[t]
                if pk == -1:
                    pair_keys[t] = k
                    pdays[c] += 1
                    break
                if pk == k:
                    break
                t = (t + 1) & mask
        return rep[:nc], row_c, first[:nc], last[:nc], first_rev[:nc], total[:nc], pdays[:nc]

    @numba.njit(cache=False, nogil=True)
    def sorted_pass(packed, ib, db, h2, rev):
        n = packed.shape[0]
        imask = (np.uint64(1) << np.uint64(ib)) - np.uint64(1)
        dmask = (np.uint64(1) << np.uint64(db)) - np.uint64(1)
        rep = np.empty(n, np.int64)
        first = np.empty(n, np.int64)
        last = np.empty(n, np.int64)
        first_rev = np.empty(n, np.float64)
        total = np.empty(n, np.float64)
        pdays = np.empty(n, np.int64)
        c = -1
        prev_cd = np.uint64(0)
        prev_ch = np.uint64(0)
        for j in range(n):
            k = packed[j]
            i = np.int64(k & imask)
            cd = k >> np.uint64(ib)
            ch = cd >> np.uint64(db)
            d = np.int64(cd & dmask)
            r = rev[i]
            if j == 0 or ch != prev_ch:
                c += 1
                rep[c] = i
                first[c] = d
                last[c] = d
                first_rev[c] = r
                total[c] = r
                pdays[c] = 1
            else:
                if h2[i] != h2[rep[c]]:
                    return -1, rep, first, last, first_rev, total, pdays     # a hash collision: give up
                total[c] += r
                if cd != prev_cd:
                    pdays[c] += 1
                    last[c] = d
                elif pdays[c] == 1:
                    first_rev[c] += r
            prev_cd = cd
            prev_ch = ch
        c += 1
        return c, rep[:c], first[:c], last[:c], first_rev[:c], total[:c], pdays[:c]

    return hashed, sorted_pass


def _inputs(frame: pl.DataFrame):
    rows = frame.select(pl.col("customer_id").cast(pl.String),
                        pl.col("ordered_at").dt.date().cast(pl.Int32).alias("day"),
                        pl.col("amount").cast(pl.Float64).alias("revenue"))
    return rows["customer_id"], rows["day"].to_numpy(), rows["revenue"].to_numpy()


def hashed_summary(frame: pl.DataFrame, kernel) -> tuple[int, float]:
    ids, days, rev = _inputs(frame)
    h = ids.hash(seed=0x5EED).to_numpy()
    rep, row_c, first, last, first_rev, total, pdays = kernel(h, days, rev)
    reps = ids.gather(pl.Series(rep, dtype=pl.UInt32))
    if not (reps.gather(pl.Series(row_c, dtype=pl.UInt32)) == ids).all():     # exact: every row's id is its
        return -1, float("nan")                                                # customer's (no hash collision)
    repeat = pdays > 1
    monetary = np.where(repeat, (total - first_rev) / np.where(repeat, pdays - 1, 1), 0.0)
    out = pl.DataFrame({"customer_id": reps, "frequency": pdays - 1, "monetary_value": monetary})
    return int(out["frequency"].sum()), float(out["monetary_value"].sum())


def sorted_summary(frame: pl.DataFrame, kernel) -> tuple[int, float]:
    ids, days, rev = _inputs(frame)
    n = len(days)
    d0 = int(days.min())
    off = (days - d0).astype(np.uint64)
    db = max(1, int(off.max()).bit_length())
    ib = max(1, (n - 1).bit_length())
    hb = 64 - db - ib
    h = ids.hash(seed=0x5EED).to_numpy()
    h2 = ids.hash(seed=0xC0FFEE).to_numpy()
    packed = ((h >> np.uint64(64 - hb)) << np.uint64(db + ib)) | (off << np.uint64(ib)) | np.arange(
        n, dtype=np.uint64)
    packed.sort()
    nc, rep, first, last, first_rev, total, pdays = kernel(packed, ib, db, h2, rev)
    if nc < 0:
        return -1, float("nan")
    repeat = pdays > 1
    monetary = np.where(repeat, (total - first_rev) / np.where(repeat, pdays - 1, 1), 0.0)
    out = pl.DataFrame({"customer_id": ids.gather(rep), "frequency": pdays - 1, "monetary_value": monetary})
    return int(out["frequency"].sum()), float(out["monetary_value"].sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clv_summary_numba")
    parser.add_argument("--numba-path", default="/tmp/si_numba")
    parser.add_argument("--lifetimes-path", default="/tmp/si_lifetimes")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path[:0] = [args.numba_path, args.lifetimes_path]
    warnings.simplefilter("ignore")
    try:
        hashed, sorted_pass = _kernels()
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as exc:
        print(f"{exc}: install numba and lifetimes apart (see this file's docstring)", file=sys.stderr)
        return 1
    from analytics import customers

    rng = np.random.default_rng(2)
    n = args.customers * 4
    cust = rng.integers(0, args.customers, n)
    day = rng.integers(0, 365, n)
    frame = pl.DataFrame({"customer_id": [f"c{c}" for c in cust],
                          "ordered_at": pl.Series(np.datetime64("2025-01-01") + day.astype("timedelta64[D]"))
                          .cast(pl.Datetime("us")),
                          "amount": np.round(rng.gamma(2.0, 20.0, n), 2)})
    tx = frame.to_pandas()
    ours_t, ours = median_seconds(lambda: customers.rfm_summary_from_transactions(
        frame, date(2025, 12, 31), date_col="ordered_at", amount_col="amount"), args.repeat)
    theirs_t, _ = median_seconds(lambda: summary_data_from_transaction_data(
        tx, "customer_id", "ordered_at", monetary_value_col="amount", observation_period_end="2025-12-31",
        freq="D"), max(1, args.repeat // 2))
    hashed_t, hashed_out = median_seconds(lambda: hashed_summary(frame, hashed), args.repeat)
    sorted_t, sorted_out = median_seconds(lambda: sorted_summary(frame, sorted_pass), args.repeat)
    expected = (int(ours["frequency"].sum()), float(ours["monetary_value"].sum()))
    print(f"{'case':<52}{'median s':>10}{'vs lifetimes':>14}   check")
    print(f"{'lifetimes summary_data_from_transaction_data':<52}{theirs_t:>10.4f}{1.0:>13.1f}x")
    print(f"{'ours (numpy + Polars)':<52}{ours_t:>10.4f}{theirs_t / ours_t:>13.1f}x")
    for name, t, out in (("numba: hash tables, one pass", hashed_t, hashed_out),
                         ("numba: packed-key sort + one compiled pass", sorted_t, sorted_out)):
        same = out[0] == expected[0] and abs(out[1] - expected[1]) <= 1e-6 * max(1.0, expected[1])
        print(f"{name:<52}{t:>10.4f}{theirs_t / t:>13.1f}x   frequency and monetary sums equal: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
