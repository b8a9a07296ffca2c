"""The alerts' own tables in the warehouse: per-seller settings and rule choices, raised alerts (each once, by
its idempotency key), their status and every delivery attempt."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from alerts.rules import RULES, SENSITIVITIES, RuleState
from data.warehouse import Warehouse

# pending: to send; retrying: a transient failure, next_attempt_at set; sent / outbox: delivered;
# failed: gave up (resend button); ongoing: continues an episode already alerted (not sent again);
# suppressed: found while the rule was snoozed; acknowledged / not_anomaly: the seller's feedback.
STATUSES = ("pending", "retrying", "sent", "outbox", "failed", "ongoing", "suppressed", "acknowledged", "not_anomaly")
FEEDBACK_STATUSES = ("acknowledged", "not_anomaly")
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class AlertSettings:
    seller_id: str
    recipients: tuple[str, ...] = ()
    language: str | None = None       # None: the seller's language
    digest_time: str = "08:00"        # HH:MM local
    intraday_enabled: bool = True


@dataclass
class AlertCandidate:
    """An alert found by a check, before it is stored."""
    seller_id: str
    rule_id: str
    metric: str
    subject: str
    check_kind: str
    window_start: datetime            # UTC
    window_end: datetime
    severity: str
    direction: str
    observed: float | None
    expected: float | None
    lower: float | None
    upper: float | None
    change_share: float | None
    score: float
    headline_ko: str
    headline_en: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def alert_key(self) -> str:
        return alert_key(self.seller_id, self.rule_id, self.subject, self.window_start)


def alert_key(seller_id: str, rule_id: str, subject: str, window_start: datetime) -> str:
    """The idempotency key: the same seller, rule, subject and window is the same alert, however often found."""
    return f"{seller_id}|{rule_id}|{subject}|{window_start:%Y-%m-%dT%H:%M}"


# ---------------------------------------------------------------- settings and rules

def load_settings(wh: Warehouse, seller_id: str) -> AlertSettings:
    rows = wh.cursor().execute(
        "SELECT recipients, language, digest_time, intraday_enabled FROM alert_settings WHERE seller_id = ?",
        [seller_id]).fetchall()
    if not rows:
        return AlertSettings(seller_id)
    recipients, language, digest_time, intraday = rows[0]
    return AlertSettings(seller_id, parse_recipients(recipients), language, digest_time, bool(intraday))


def parse_recipients(text: str | None) -> tuple[str, ...]:
    """'a@x.kr, b@y.com' -> ('a@x.kr', 'b@y.com'); ValueError naming an address that cannot be one."""
    found = tuple(part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip())
    for address in found:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in address):
            raise ValueError(f"'{address}' is not an email address")
    return found


def save_settings(wh: Warehouse, settings: AlertSettings) -> None:
    _check_time(settings.digest_time)
    if settings.language not in (None, "ko", "en"):
        raise ValueError("language must be ko or en")
    with wh.transaction(changes_data=False) as cur:
        cur.execute("DELETE FROM alert_settings WHERE seller_id = ?", [settings.seller_id])
        cur.execute("INSERT INTO alert_settings (seller_id, recipients, language, digest_time, intraday_enabled, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
                    [settings.seller_id, ", ".join(settings.recipients), settings.language, settings.digest_time,
                     settings.intraday_enabled])


def _check_time(text: str) -> None:
    try:
        hour, minute = (int(p) for p in text.split(":"))
    except ValueError:
        raise ValueError(f"digest time {text!r} must look like 08:00") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"digest time {text!r} must look like 08:00")


def rule_states(wh: Warehouse, seller_id: str) -> list[RuleState]:
    """Every built-in rule with this seller's choices applied (defaults where the seller chose nothing)."""
    rows = wh.cursor().execute("SELECT rule_id, enabled, sensitivity, muted_until FROM alert_rules "
                               "WHERE seller_id = ?", [seller_id]).fetchall()
    chosen = {r[0]: r[1:] for r in rows}
    states = []
    for rule in RULES:
        if rule.rule_id in chosen:
            enabled, sensitivity, muted_until = chosen[rule.rule_id]
            states.append(RuleState(rule, bool(enabled), sensitivity, muted_until))
        else:
            states.append(RuleState(rule))
    return states


def save_rule(wh: Warehouse, seller_id: str, rule_id: str, *, enabled: bool, sensitivity: str,
              muted_until: datetime | None) -> None:
    if sensitivity not in SENSITIVITIES:
        raise ValueError(f"sensitivity must be one of {', '.join(SENSITIVITIES)}")
    if rule_id not in {r.rule_id for r in RULES}:
        raise ValueError(f"unknown rule {rule_id!r}")
    with wh.transaction(changes_data=False) as cur:
        cur.execute("DELETE FROM alert_rules WHERE seller_id = ? AND rule_id = ?", [seller_id, rule_id])
        cur.execute("INSERT INTO alert_rules (seller_id, rule_id, enabled, sensitivity, muted_until, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)", [seller_id, rule_id, enabled, sensitivity,
                                                                  muted_until])


# ---------------------------------------------------------------- alerts

def record_alert(wh: Warehouse, candidate: AlertCandidate, status: str, now_utc: datetime) -> bool:
    """Store the alert unless its key is already there; True when it was new. Never raises for a repeat."""
    with wh.transaction(changes_data=False) as cur:
        exists = cur.execute("SELECT 1 FROM alerts WHERE alert_key = ?", [candidate.alert_key]).fetchall()
        if exists:
            return False
        c = candidate
        cur.execute(
            "INSERT INTO alerts (alert_key, seller_id, rule_id, metric, subject, check_kind, window_start, "
            "window_end, detected_at, severity, direction, observed, expected, lower_bound, upper_bound, "
            "change_share, score, headline_ko, headline_en, details, status, attempts, next_attempt_at, status_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)",
            [c.alert_key, c.seller_id, c.rule_id, c.metric, c.subject, c.check_kind, c.window_start, c.window_end,
             now_utc, c.severity, c.direction, c.observed, c.expected, c.lower, c.upper, c.change_share, c.score,
             c.headline_ko, c.headline_en, json.dumps(c.details, ensure_ascii=False, default=str), status, now_utc])
    return True


def recent_alerts(wh: Warehouse, seller_id: str, rule_id: str, subject: str, since_utc: datetime,
                  before_utc: datetime) -> pl.DataFrame:
    """This seller's alerts of one rule and subject with window_start in [since, before): key, direction,
    severity, status, change_share."""
    return wh.sql("SELECT alert_key, direction, severity, status, change_share, window_start FROM alerts "
                  "WHERE seller_id = $s AND rule_id = $r AND subject = $subj AND window_start >= $since "
                  "AND window_start < $before ORDER BY window_start",
                  {"s": seller_id, "r": rule_id, "subj": subject, "since": since_utc, "before": before_utc})


def alert_history(wh: Warehouse, seller_id: str, limit: int = 200) -> pl.DataFrame:
    """The seller's alerts, newest first, with every stored column."""
    return wh.sql("SELECT * FROM alerts WHERE seller_id = $s ORDER BY detected_at DESC, alert_key LIMIT $n",
                  {"s": seller_id, "n": limit})


def get_alert(wh: Warehouse, key: str) -> dict[str, Any] | None:
    frame = wh.sql("SELECT * FROM alerts WHERE alert_key = $k", {"k": key})
    if frame.height == 0:
        return None
    row = frame.row(0, named=True)
    row["details"] = json.loads(row["details"])
    return row


def set_status(wh: Warehouse, key: str, status: str, now_utc: datetime, *, attempts: int | None = None,
               next_attempt_at: datetime | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    with wh.transaction(changes_data=False) as cur:
        if attempts is None:
            cur.execute("UPDATE alerts SET status = ?, next_attempt_at = ?, status_at = ? WHERE alert_key = ?",
                        [status, next_attempt_at, now_utc, key])
        else:
            cur.execute("UPDATE alerts SET status = ?, attempts = ?, next_attempt_at = ?, status_at = ? "
                        "WHERE alert_key = ?", [status, attempts, next_attempt_at, now_utc, key])


def due_for_delivery(wh: Warehouse, now_utc: datetime, seller_id: str | None = None) -> list[str]:
    """Keys of alerts waiting to be sent: pending, or retrying with their next attempt due; oldest first."""
    rows = wh.cursor().execute(
        "SELECT alert_key FROM alerts WHERE (status = 'pending' OR (status = 'retrying' AND next_attempt_at <= ?)) "
        "AND (? IS NULL OR seller_id = ?) ORDER BY detected_at, alert_key", [now_utc, seller_id, seller_id]).fetchall()
    return [r[0] for r in rows]


def record_attempt(wh: Warehouse, key: str, attempt: int, now_utc: datetime, channel: str, recipients: str,
                   outcome: str, detail: str) -> None:
    with wh.transaction(changes_data=False) as cur:
        cur.execute("INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [key, attempt, now_utc, channel, recipients, outcome, detail])


def delivery_log(wh: Warehouse, seller_id: str | None = None, key: str | None = None) -> pl.DataFrame:
    """Every delivery attempt (of one seller's alerts, or of one alert), newest first."""
    return wh.sql("SELECT d.* FROM alert_deliveries AS d LEFT JOIN alerts AS a USING (alert_key) "
                  "WHERE ($s IS NULL OR a.seller_id = $s OR d.alert_key LIKE 'test|' || $s || '|%') "
                  "AND ($k IS NULL OR d.alert_key = $k) ORDER BY d.attempted_at DESC, d.attempt DESC",
                  {"s": seller_id, "k": key})
