"""The morning digest email: at the seller's morning time, the few things to know today (the home page's digest,
ranked by money at stake) and the alerts raised since yesterday morning, in one email. Quiet by design: no email
on a morning with nothing to say. Stored like an alert (rule `morning_digest`, one per store and local day), so it
is sent once, retried like the others, and shown in the alerts history."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from alerts import store
from analytics.period import report_period
from analytics.sellers import local_midnight_utc, local_now
from data.warehouse import Warehouse

RULE_ID = "morning_digest"
SENT_STATUSES = ("pending", "retrying", "sent", "outbox", "failed")


def digest_candidate(wh: Warehouse, seller_id: str, now_utc: datetime) -> store.AlertCandidate | None:
    """Today's morning digest for the seller, or None when there is nothing to tell."""
    from analytics import digest
    from analytics.i18n import t

    period = report_period(wh, seller_id, as_of=now_utc)
    tz = period.timezone
    today = local_now(tz, now_utc).date()
    found = digest.cached_digest(wh, period)
    since = local_midnight_utc(tz, today - timedelta(days=1))
    recent = store.alert_history(wh, seller_id).filter(
        (pl.col("detected_at") >= since) & (pl.col("rule_id") != RULE_ID)
        & pl.col("status").is_in(list(SENT_STATUSES)))
    if not found.items and recent.height == 0:
        return None
    lines_ko = [f"{i}. {x.text_ko}" for i, x in enumerate(found.items, start=1)]
    lines_en = [f"{i}. {x.text_en}" for i, x in enumerate(found.items, start=1)]
    if found.items and found.more:
        lines_ko.append(t("digest.more_email", "ko", count=len(found.more)))
        lines_en.append(t("digest.more_email", "en", count=len(found.more)))
    lines_ko += [f"알림: {h}" for h in recent["headline_ko"].to_list()]
    lines_en += [f"Alert: {h}" for h in recent["headline_en"].to_list()]
    count = len(found.items) + recent.height
    money = sum(x.money_at_stake for x in found.items)
    return store.AlertCandidate(
        seller_id, RULE_ID, "digest", "store", "daily", local_midnight_utc(tz, today),
        local_midnight_utc(tz, today + timedelta(days=1)), "info", "none", float(count), None, None, None, None,
        0.0, f"{today:%m-%d} 아침에 알아둘 것 {count}가지", f"{count} things to know this morning ({today:%m-%d})",
        {"lines_ko": lines_ko, "lines_en": lines_en, "money_at_stake": money,
         "alerts": recent["alert_key"].to_list(), "evidence_page": "home",
         "email": {"chart": False, "figures": False,          # words only (alerts/notify.py compose)
                   "title_ko": "오늘 알아둘 것", "title_en": "What to know today",
                   "link_ko": "홈 화면 열기", "link_en": "Open the home page"}})


def record_digest(wh: Warehouse, seller_id: str, now_utc: datetime) -> str | None:
    """Store today's digest (once per store and day); its key when it was new."""
    candidate = digest_candidate(wh, seller_id, now_utc)
    if candidate is None:
        return None
    return candidate.alert_key if store.record_alert(wh, candidate, "pending", now_utc) else None
