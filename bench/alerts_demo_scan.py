"""Benchmark (quality): every alert the rules raise on a demo store over many mornings or hours, to compare with
the injected incidents (table demo_incidents). Nothing is stored (alerts.checks.find_candidates).

    .venv/bin/python -m bench.alerts_demo_scan --db DEMO.duckdb --kind daily      # 08:30 local each morning
    .venv/bin/python -m bench.alerts_demo_scan --db DEMO.duckdb --kind intraday   # 12:30, 15:30, 18:30, 21:30

The test suite's store is `build_demo(path, seed=7, scale=0.3, days=120, now="2026-11-20T05:00:00")`
(tests/conftest.py); `python -m data demo --seed 7 --scale 0.3 --days 120 --now 2026-11-20T05:00:00 --db X`
builds the same one.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts import checks  # noqa: E402
from analytics.sellers import list_sellers  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--kind", choices=("daily", "intraday"), default="daily")
    parser.add_argument("--last-day", default="2026-11-20", help="Latest local day to scan.")
    parser.add_argument("--days", type=int, default=62)
    parser.add_argument("--until", default="2026-11-20T05:00:00", help="Skip moments after this UTC time "
                        "(the store's build time: later moments would see missing data).")
    args = parser.parse_args()
    wh = Warehouse(args.db, read_only=True)
    until = datetime.fromisoformat(args.until)
    hours = (8,) if args.kind == "daily" else (12, 15, 18, 21)
    counts: Counter[tuple[str, str]] = Counter()
    moments = 0
    for seller in list_sellers(wh).iter_rows(named=True):
        tz = seller["timezone"]
        for k in range(args.days):
            day = date.fromisoformat(args.last_day) - timedelta(days=k)
            for hour in hours:
                now = datetime.combine(day, dtime(hour, 30), ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))
                now = now.replace(tzinfo=None)
                if now > until:
                    continue
                moments += 1
                for c in checks.find_candidates(wh, seller["seller_id"], now, args.kind):
                    counts[(seller["seller_id"], c.rule_id)] += 1
                    print(f"{seller['seller_id']:<11} {day} {hour:02d}:30 {c.rule_id:<18} {c.subject:<28} "
                          f"{c.severity:<8} {c.headline_en[:100]}")
    print(f"{moments} checks; alerts by seller and rule: {dict(counts)}")
    incidents = wh.sql("SELECT seller_id, incident, subject, starts_at FROM demo_incidents ORDER BY 1, 4")
    print("injected incidents:")
    for r in incidents.iter_rows(named=True):
        print(f"  {r['seller_id']:<11} {r['incident']:<14} {r['subject']:<16} from {r['starts_at']} UTC")
    wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
