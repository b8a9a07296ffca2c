"""`python -m alerts run` (the scheduler when no server runs) and `python -m alerts check --seller ID`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path


def add_commands(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="Run the alert scheduler in the foreground (when no server runs).")
    run.add_argument("--db", type=Path, help="Warehouse file (default: SI_DB_PATH).")
    check = sub.add_parser("check", help="Run one seller's alert rules now (or at --at) and show what fires.")
    check.add_argument("--seller", required=True, help="Seller id, e.g. petshop_kr.")
    check.add_argument("--at", help="Moment to check as, ISO (e.g. 2026-11-20T14:05+09:00; no zone = UTC). "
                                    "Default: now.")
    check.add_argument("--kind", choices=("daily", "intraday", "all"), default="all")
    check.add_argument("--send", action="store_true",
                       help="Store what fires and deliver it (email, or the outbox without SMTP). Without --send "
                            "nothing is written.")
    check.add_argument("--json", action="store_true", help="Print JSON.")
    check.add_argument("--db", type=Path, help="Warehouse file (default: SI_DB_PATH).")


def _moment(text: str | None) -> datetime:
    from alerts.jobs import now_utc
    from analytics.sellers import as_utc_naive

    if not text:
        return now_utc()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--at {text!r} is not an ISO date-time such as 2026-11-20T14:05+09:00") from None
    return as_utc_naive(parsed) if parsed.tzinfo else parsed


def _open(db: Path | None, read_only: bool):
    from data.warehouse import Warehouse, WarehouseBusyError, WarehouseError, default_path

    path = db or default_path()
    if not Path(path).exists():
        raise WarehouseError(f"No warehouse at {path}. Build one with: python -m data demo")
    try:
        return Warehouse(path, read_only=read_only)
    except WarehouseBusyError as exc:
        raise WarehouseError(f"{exc} The server holds the warehouse and runs the alert scheduler itself; "
                             "use the alerts page, or stop the server first.") from None


def run_command(args: argparse.Namespace) -> int:
    from data.warehouse import WarehouseError

    try:
        if args.command == "run":
            return _run(args)
        return _check(args)
    except (WarehouseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from alerts import jobs
    from data.warehouse import close_warehouse, open_warehouse

    wh = _open(args.db, read_only=False)
    wh.close()
    wh = open_warehouse(args.db)            # the process-wide owner the jobs use
    scheduler = jobs.start_scheduler(wh)
    for job in scheduler.get_jobs():
        print(f"{job.id:<28} next {job.next_run_time}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    jobs.stop_scheduler(scheduler)
    close_warehouse(args.db)
    return 0


def _check(args: argparse.Namespace) -> int:
    from alerts import checks, notify, store

    moment = _moment(args.at)
    kinds = ("daily", "intraday") if args.kind == "all" else (args.kind,)
    wh = _open(args.db, read_only=not args.send)
    try:
        if wh.scalar("SELECT count(*) FROM sellers WHERE seller_id = ?", [args.seller]) == 0:
            raise ValueError(f"Unknown seller {args.seller!r}. Known sellers: python -m data info")
        rows = []
        states = {s.rule.rule_id: s for s in store.rule_states(wh, args.seller)}
        for kind in kinds:
            if args.send:
                outcome = checks.run_check(wh, args.seller, moment, kind)
                found = outcome.found
            else:
                found = [(c, checks.status_for(wh, c, states, moment))
                         for c in checks.find_candidates(wh, args.seller, moment, kind)]
            for candidate, status in found:
                rows.append({"alert_key": candidate.alert_key, "rule": candidate.rule_id, "kind": kind,
                             "subject": candidate.subject, "severity": candidate.severity,
                             "direction": candidate.direction, "status": status, "observed": candidate.observed,
                             "expected": candidate.expected, "change_share": candidate.change_share,
                             "headline_ko": candidate.headline_ko, "headline_en": candidate.headline_en,
                             "explanation": candidate.details.get("explanation")})
        deliveries = []
        if args.send:
            deliveries = [r.__dict__ for r in notify.deliver_due(wh, moment, args.seller)]
    finally:
        wh.close()
    if args.json:
        print(json.dumps({"seller_id": args.seller, "at_utc": moment.isoformat(), "alerts": rows,
                          "deliveries": deliveries}, ensure_ascii=False, indent=2, default=str))
    else:
        print(f"{args.seller} at {moment:%Y-%m-%d %H:%M} UTC: {len(rows)} alert(s)")
        for r in rows:
            print(f"  [{r['severity']}] {r['status']:<10} {r['headline_en']}")
        for d in deliveries:
            print(f"  delivery {d['alert_key']}: {d['status']} ({d['detail']})")
    return 0
