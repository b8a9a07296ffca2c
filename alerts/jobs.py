"""The one APScheduler scheduler of a warehouse: per seller an hourly intraday check and a morning check at the
seller's local time, plus a delivery sweep every minute (retries) and, every minute, the warm-up of the customer
models of the stores people look at (analytics.warmup). Wiring only: the work is alerts.checks, alerts.notify
and analytics.warmup.

Jobs live in a persistent SQLite job store next to the warehouse (`<warehouse>.jobs.sqlite`), with coalescing
and a misfire grace time, so a restart neither loses a morning check nor runs a missed one twice; alerts carry
idempotency keys, so a check that does run twice stores and sends nothing twice. A morning check missed by more
than the grace time (the server was down at 08:00, or it is the first start of a new install, such as the demo
store opened after its morning time) runs once when the scheduler starts, late rather than not at all.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts import checks, notify, store
from analytics.sellers import list_sellers
from data.warehouse import Warehouse, open_warehouse

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 3600      # a job missed by less than an hour (restart, sleep) still runs, once
CATCH_UP_PREFIX = "catchup:"      # a missed morning check, run once at start
INTRADAY_MINUTE = 5               # hourly checks at HH:05, when the last hour's orders have arrived
_scheduler: BackgroundScheduler | None = None
_lock = threading.Lock()


def job_store_path(wh: Warehouse) -> Path:
    return wh.path.with_name(wh.path.name + ".jobs.sqlite")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- the jobs (module-level: the job store pickles
# references to them by name)

def morning_job(db_path: str, seller_id: str) -> None:
    """The daily check of yesterday at the seller's morning time, then delivery."""
    from alerts import morning

    wh = open_warehouse(db_path)
    moment = now_utc()
    outcome = checks.run_check(wh, seller_id, moment, "daily")
    morning.record_digest(wh, seller_id, moment)          # one email with today's digest and the new alerts
    reports = notify.deliver_due(wh, moment, seller_id)
    log.info("morning check %s: %d found, %d new, %d delivered", seller_id, len(outcome.found),
             len(outcome.new_keys), len(reports))


def intraday_job(db_path: str, seller_id: str) -> None:
    """Today so far against a usual day of this weekday, hourly."""
    wh = open_warehouse(db_path)
    if not store.load_settings(wh, seller_id).intraday_enabled:
        return
    moment = now_utc()
    checks.run_check(wh, seller_id, moment, "intraday")
    notify.deliver_due(wh, moment, seller_id)


def warm_job(db_path: str) -> None:
    """The customer models and home pages of the stores people look at, ready before they are asked for
    (analytics.warmup)."""
    from analytics import warmup

    warmed = warmup.warm(open_warehouse(db_path), now_utc())
    if warmed:
        log.info("warmed the customer models of %s", ", ".join(warmed))


def delivery_job(db_path: str) -> None:
    """Retries that have come due (transient SMTP failures back off 1, 5, 15, 60 minutes)."""
    notify.deliver_due(open_warehouse(db_path), now_utc())


# ---------------------------------------------------------------- the scheduler

def sync_jobs(scheduler: BackgroundScheduler, wh: Warehouse) -> list[str]:
    """Make the job list match the sellers and their settings (ids are stable: replace_existing)."""
    db = str(wh.path)
    wanted = {"deliveries", "warm"}
    scheduler.add_job(delivery_job, IntervalTrigger(minutes=1), args=[db], id="deliveries",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=60)
    scheduler.add_job(warm_job, CronTrigger(second=1), args=[db], id="warm",           # as each minute begins
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=60)
    for seller in list_sellers(wh).iter_rows(named=True):
        sid, tz = seller["seller_id"], seller["timezone"]
        hour, minute = (int(p) for p in store.load_settings(wh, sid).digest_time.split(":"))
        scheduler.add_job(morning_job, CronTrigger(hour=hour, minute=minute, timezone=tz), args=[db, sid],
                          id=f"morning:{sid}", replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=MISFIRE_GRACE_SECONDS)
        scheduler.add_job(intraday_job, CronTrigger(minute=INTRADAY_MINUTE, timezone=tz), args=[db, sid],
                          id=f"intraday:{sid}", replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=30 * 60)
        wanted |= {f"morning:{sid}", f"intraday:{sid}"}
    for job in scheduler.get_jobs():
        if job.id not in wanted and not job.id.startswith(CATCH_UP_PREFIX):    # (a catch-up runs once, then goes)
            job.remove()
    return sorted(wanted)


def last_morning_due(digest_time: str, tz: str, now: datetime) -> datetime:
    """The latest morning-check time (UTC, naive) at or before `now` (UTC, naive), at `digest_time` local."""
    local_now = now.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
    hour, minute = (int(p) for p in digest_time.split(":"))
    due = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due > local_now:
        due = (local_now - timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return due.astimezone(UTC).replace(tzinfo=None)


def missed_mornings(scheduler: BackgroundScheduler, wh: Warehouse, now: datetime) -> list[str]:
    """Sellers whose latest morning check (due at or before `now`) did not run and will not run by itself: no
    job for it yet (a new install), or a stored job still waiting for a time older than the misfire grace (the
    server was down then; APScheduler skips such a run). Read before sync_jobs replaces the jobs."""
    missed = []
    for seller in list_sellers(wh).iter_rows(named=True):
        sid = seller["seller_id"]
        due = last_morning_due(store.load_settings(wh, sid).digest_time, seller["timezone"], now)
        job = scheduler.get_job(f"morning:{sid}")
        waiting = job.next_run_time.astimezone(UTC).replace(tzinfo=None) if job and job.next_run_time else None
        if job is None or (waiting is not None and waiting <= due - timedelta(seconds=MISFIRE_GRACE_SECONDS)):
            missed.append(sid)
    return missed


def start_scheduler(wh: Warehouse, *, paused: bool = False) -> BackgroundScheduler:
    """Start this process's one scheduler for `wh` (a second call returns the running one)."""
    global _scheduler
    with _lock:
        if _scheduler is not None and _scheduler.running:
            return _scheduler
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{job_store_path(wh)}")},
            executors={"default": ThreadPoolExecutor(10), "catchup": ThreadPoolExecutor(1)},   # catch-ups in turn
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            timezone="UTC")
        scheduler.start(paused=True)                    # nothing runs until the missed mornings are known
        missed = missed_mornings(scheduler, wh, now_utc())
        sync_jobs(scheduler, wh)
        for sid in missed:          # once, now (a one-off job: it removes itself); held, when started paused
            scheduler.add_job(morning_job, args=[str(wh.path), sid], id=f"{CATCH_UP_PREFIX}{sid}",
                              replace_existing=True, misfire_grace_time=None, executor="catchup",
                              **({"next_run_time": None} if paused else {}))
        if not paused:
            scheduler.resume()
        _scheduler = scheduler
        log.info("alert scheduler started (%d jobs, store %s; missed morning checks run now: %s)",
                 len(scheduler.get_jobs()), job_store_path(wh), ", ".join(missed) or "none")
        return scheduler


def stop_scheduler(scheduler: BackgroundScheduler | None = None) -> None:
    global _scheduler
    with _lock:
        target = scheduler or _scheduler
        if target is not None and target.running:
            target.shutdown(wait=False)
        if target is _scheduler:
            _scheduler = None


def running_scheduler() -> BackgroundScheduler | None:
    """The scheduler this process runs, if any (the alerts page re-syncs it after a settings change)."""
    return _scheduler if _scheduler is not None and _scheduler.running else None


def resync(wh: Warehouse) -> bool:
    """After a seller changed their settings: reschedule when a scheduler runs here; False when none does."""
    scheduler = running_scheduler()
    if scheduler is None:
        return False
    sync_jobs(scheduler, wh)
    return True
