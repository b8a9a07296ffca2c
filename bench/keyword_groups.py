"""Benchmark: does the unmet-demand grouping find what a long tail of search keywords is missing, and how fast?

    .venv/bin/python bench/keyword_groups.py                         # this tree
    .venv/bin/python bench/keyword_groups.py --code /tmp/old         # another checkout (git worktree add /tmp/old REV)

Builds, per seed, a pet shop's month of inbound search keywords as a store sees them: combinations of 1-3 words
from a small catalogue vocabulary, half typed without spaces (사료소포장) as Korean shoppers do, visits per keyword
from a Pareto tail (most keywords get a few visits, a few get thousands). Every keyword converts at the store's
rate (3 %), except those with an unmet term (소포장 or its synonym 소용량, 유모차), which convert at 0.2 %: the
ground truth. Then runs the traffic page's analysis on it (analytics.keywords.keyword_performance and
unmet_keyword_groups, the product names of the catalogue given) and prints, per size and summed over the seeds:
- found: unmet terms that head a group of their own (of 2 per seed);
- recall: the share of the unmet keywords' visits inside a group headed by their term;
- groups: headlines the seller reads (groups, single keywords included), and of those, false ones (no unmet term);
- the median time of the analysis (five runs per seed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("강아지", "고양이", "간식", "사료", "모래", "져키", "닭가슴살", "하네스", "패딩", "샴푸", "영양제", "유산균",
         "두부", "배변패드", "장난감", "노즈워크", "그레인프리", "연어", "오리", "츄르", "덴탈껌", "방석", "급수기")
UNMET = {"소포장": ("소포장", "소용량"), "유모차": ("유모차",)}      # term -> words shoppers type for it
STORE_RATE, UNMET_RATE = 0.03, 0.002


def keyword_month(seed: int, size: int) -> tuple[list[tuple[str, int, int]], list[str]]:
    """(keyword, visits, converted visits) rows and the catalogue's product names."""
    rng = random.Random(seed)
    unmet_words = [w for words in UNMET.values() for w in words]
    rows, seen = [], set()
    while len(rows) < size:
        parts = rng.sample(WORDS, rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.15:                                   # some searches ask for what the store lacks
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(unmet_words))
        keyword = ("" if rng.random() < 0.5 else " ").join(parts)
        if keyword in seen:
            continue
        seen.add(keyword)
        visits = int(rng.paretovariate(1.1) * 15)
        rate = UNMET_RATE if any(w in keyword for w in unmet_words) else STORE_RATE
        rows.append((keyword, visits, sum(rng.random() < rate for _ in range(visits))))
    names = [f"{' '.join(rng.sample(WORDS, 3))} {rng.choice((300, 500, 1000))}g" for _ in range(120)]
    return rows, names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=ROOT, help="project checkout whose analytics to run")
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 2000, 20000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import polars as pl

    from analytics.keywords import keyword_performance, unmet_keyword_groups
    from analytics.period import ReportPeriod

    schema = {"keyword": pl.String, "sessions": pl.Int64, "converted_sessions": pl.Int64, "order_count": pl.Int64,
              "revenue": pl.Float64}
    period = ReportPeriod("bench_kr", "Asia/Seoul", "KRW", date(2026, 10, 22), date(2026, 11, 20),
                          datetime(2026, 11, 20, 5))
    landing = pl.DataFrame(schema={"keyword": pl.String, "landing_sku": pl.String, "product_name": pl.String,
                                   "sessions": pl.Int64, "converted_sessions": pl.Int64})
    unmet_words = {w: term for term, words in UNMET.items() for w in words}
    print(f"code: {args.code.resolve()}; seeds {args.seeds}")
    print(f"{'keywords':>8} {'flagged':>8} {'found':>6} {'recall':>7} {'groups':>7} {'false':>6} {'median s':>9}")
    for size in args.sizes:
        flagged = found = groups_seen = false = 0
        unmet_visits = grouped_visits = 0
        times = []
        for seed in args.seeds:
            rows, names = keyword_month(seed, size)
            current = pl.DataFrame([(k, v, c, c, c * 25000.0) for k, v, c in rows], schema=schema, orient="row")
            store = sum(c for _, _, c in rows) / sum(v for _, v, _ in rows)
            for _ in range(5):
                t0 = time.perf_counter()
                table = keyword_performance(current, current.head(0), store)
                groups = unmet_keyword_groups(table, landing, names, store, period, "KRW")
                times.append(time.perf_counter() - t0)
            flagged += int(table["flagged"].sum())
            heads = set(groups["term"].to_list())
            found += len(heads & set(UNMET))
            groups_seen += groups.height
            false += sum(not any(w in term for w in unmet_words) for term in heads)
            in_group = {k: term for term, members in zip(groups["term"], groups["keywords"], strict=True)
                        for k in members}
            for keyword, visits, _ in rows:
                terms = {unmet_words[w] for w in unmet_words if w in keyword}
                if terms:
                    unmet_visits += visits
                    grouped_visits += visits if in_group.get(keyword) in terms else 0
        print(f"{size:>8} {flagged:>8} {found:>3}/{2 * len(args.seeds):<2} {grouped_visits / unmet_visits:>7.1%} "
              f"{groups_seen:>7} {false:>6} {statistics.median(times):>9.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
