"""The alert pipeline end to end on the demo warehouse: checks raise exactly the injected incidents, ordinary days
stay quiet, alerts are stored once per episode, delivered once by a real aiosmtpd server (or into the outbox),
retried across an SMTP outage, scheduled per seller time zone without duplicates across restarts, and the seller's
feedback (not an anomaly, snooze) is remembered. Real DuckDB files, real SMTP, real kaleido PNGs; only the
scheduler's clock (alerts.jobs.now_utc) is pinned."""

from __future__ import annotations

import email
import email.policy
import html
import socket
import sqlite3
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from aiosmtpd.controller import Controller

from alerts import checks, detect, jobs, notify, series, store
from alerts.chart_image import PNG_MAGIC
from alerts.email import KEY_HEADER, SmtpConfig, message_id_for_key
from analytics import digest as digest_module
from analytics.period import report_period
from analytics.sellers import local_midnight_utc, seller_profile
from data.warehouse import Warehouse, close_warehouse, open_warehouse

# 08:30 in Seoul on 2026-11-19 (the demo's "now" is 2026-11-20T05:00 UTC = 14:00 KST): the morning the ROAS
# collapse of 파워링크_간식 first passes the per-morning Bonferroni bar (p 0.0035 < 0.05 / 10 campaigns tested)
KR_MORNING = datetime(2026, 11, 18, 23, 30)
# 08:30 in Los Angeles on 2026-11-19 (PST, UTC-8)
US_MORNING = datetime(2026, 11, 19, 16, 30)
ROAS_CAMPAIGN = "파워링크_간식"


# ------------------------------------------------------------------------------------------------ helpers


@pytest.fixture
def wh(demo_db):
    warehouse = Warehouse(demo_db)
    yield warehouse
    warehouse.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in self.messages]


@pytest.fixture
def smtp_server():
    """start(port=None) -> (handler, port): a real SMTP server on 127.0.0.1, stopped after the test."""
    controllers: list[Controller] = []

    def start(port: int | None = None) -> tuple[RecordingHandler, int]:
        handler = RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
        controller.start()
        controllers.append(controller)
        return handler, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def smtp_to(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, tls="none", sender="alerts@example.com")


def stored(wh: Warehouse, seller_id: str) -> dict[tuple[str, str], dict]:
    """{(rule_id, subject): row} of the seller's stored alerts (the newest per rule and subject)."""
    out: dict[tuple[str, str], dict] = {}
    for row in store.alert_history(wh, seller_id).sort("window_start").iter_rows(named=True):
        out[(row["rule_id"], row["subject"])] = row
    return out


def by_rule(found) -> dict[str, tuple]:
    return {c.rule_id: (c, status) for c, status in found}


def set_recipients(wh: Warehouse, seller_id: str, *addresses: str, language: str | None = None) -> None:
    store.save_settings(wh, store.AlertSettings(seller_id, tuple(addresses), language))


def key_of(msg: EmailMessage) -> str:
    """The alert key a received message carries, exactly (headers are not folded: alerts/email.py HEADER_POLICY),
    checked against the Message-ID derived from the key."""
    key = msg[KEY_HEADER]
    assert msg["Message-ID"] == message_id_for_key(key)
    return key


def parts_of(msg: EmailMessage) -> dict[str, EmailMessage]:
    return {part.get_content_type(): part for part in msg.walk() if not part.is_multipart()}


# ------------------------------------------------------------------------------ 1. the demo's incidents


def test_demo_incidents_raise_exactly_the_expected_alerts(wh):
    petshop = checks.run_check(wh, "petshop_kr", KR_MORNING, "daily")
    found = by_rule(petshop.found)
    assert sorted(found) == ["returns_product", "roas_campaign", "stock_out_product", "store_daily"]
    assert len(petshop.found) == 4 and len(petshop.new_keys) == 4
    assert {status for _, status in petshop.found} == {"pending"}

    store_alert, _ = found["store_daily"]
    assert store_alert.direction == "drop" and store_alert.subject == "store"
    assert store_alert.severity in ("warning", "critical")
    assert store_alert.change_share < -0.3                    # the injected drop is about 55 %
    assert store_alert.window_start == datetime(2026, 11, 17, 15, 0)   # the local day 2026-11-18 in Seoul
    explanation = store_alert.details["explanation"]
    assert explanation["channels"], "the store alert must name the channels that lost revenue"
    assert all(c["loss"] > 0 for c in explanation["channels"])
    # the stock-out is visible in the data, so the store alert names it as a likely cause
    assert any(c["kind"] == "stock_out" and c["sku"] == "PET-FD-001" for c in explanation["causes"])

    roas, _ = found["roas_campaign"]
    assert ROAS_CAMPAIGN in roas.subject and roas.direction == "drop"
    assert roas.observed < roas.expected
    assert "clicks_without_orders" in [c["kind"] for c in roas.details["explanation"]["causes"]]

    returns, _ = found["returns_product"]
    assert returns.subject == "PET-HY-001" and returns.direction == "spike"
    stock, _ = found["stock_out_product"]
    assert stock.subject == "PET-FD-001" and stock.details["since"] == "2026-11-13"

    coffee = checks.run_check(wh, "coffee_kr", KR_MORNING, "daily")
    assert [(c.rule_id, c.subject) for c, _ in coffee.found] == [("stock_out_product", "CF-BN-001")]

    for moment in (KR_MORNING, US_MORNING):     # Seoul's morning, and the seller's own 08:30 PST
        outdoor = checks.run_check(wh, "outdoor_us", moment, "daily")
        assert outdoor.found == [] and outdoor.new_keys == []
    assert store.alert_history(wh, "outdoor_us").height == 0
    # everything found was stored, once each
    assert set(stored(wh, "petshop_kr")) == {(c.rule_id, c.subject) for c, _ in petshop.found}
    assert set(stored(wh, "coffee_kr")) == {("stock_out_product", "CF-BN-001")}


def test_outdoor_us_is_really_checked_at_its_own_morning(wh):
    """The quiet outdoor_us result above is not a gate: at its 08:30 PST there are 16 weeks of complete days."""
    profile = seller_profile(wh, "outdoor_us")
    today = date(2026, 11, 19)
    assert local_midnight_utc(profile.timezone, today) < US_MORNING < local_midnight_utc(profile.timezone,
                                                                                           today + timedelta(1))
    days = series.active_from(series.store_days(wh, "outdoor_us", profile.timezone, today))
    assert days["local_date"].max() == date(2026, 11, 18)
    assert days.height >= detect.DailyConfig().min_history_days + 1
    assert days["order_count"].tail(28).median() >= 3         # above the orders gate: the rules do run


# -------------------------------------------------------------------------------- 2. ordinary days are quiet


def test_ordinary_mornings_raise_no_store_or_roas_alert(wh):
    profile = seller_profile(wh, "petshop_kr")
    states = {s.rule.rule_id: s for s in store.rule_states(wh, "petshop_kr")}
    first = date(2026, 10, 20)
    history = series.active_from(series.store_days(wh, "petshop_kr", profile.timezone, first))
    assert history.height >= detect.DailyConfig().min_history_days + 1     # the detector has enough history
    fired = {}
    day = first
    while day <= date(2026, 11, 8):
        moment = local_midnight_utc(profile.timezone, day) + timedelta(hours=8, minutes=30)
        found = (checks.store_daily_candidates(wh, profile, states, moment)
                 + checks.campaign_candidates(wh, profile, states, moment))
        if found:
            fired[day] = [(c.rule_id, c.subject, c.headline_en) for c in found]
        day += timedelta(days=1)
    assert fired == {}
    # the same functions do fire once the injected drop has started (the quiet above is not a broken check)
    incident_morning = local_midnight_utc(profile.timezone, date(2026, 11, 18)) + timedelta(hours=8, minutes=30)
    assert [c.rule_id for c in checks.store_daily_candidates(wh, profile, states, incident_morning)] == ["store_daily"]


# ------------------------------------------------------------------------------------------- 3. intraday


def test_intraday_drop_fires_for_petshop_and_not_for_outdoor_us(wh):
    evening_kst = datetime(2026, 11, 19, 12, 0)           # 21:00 in Seoul
    petshop = checks.run_check(wh, "petshop_kr", evening_kst, "intraday")
    assert [(c.rule_id, c.direction) for c, _ in petshop.found] == [("revenue_intraday", "drop")]
    alert, status = petshop.found[0]
    assert status == "pending" and alert.severity in ("warning", "critical")
    assert alert.details["hour"] == 20 and alert.observed < alert.lower
    assert alert.window_start == datetime(2026, 11, 18, 15, 0)     # today, 2026-11-19 local
    assert "21시까지" in alert.headline_ko and "By 21:00" in alert.headline_en

    evening_pst = datetime(2026, 11, 20, 5, 0)            # 21:00 on 2026-11-19 in Los Angeles
    outdoor = checks.run_check(wh, "outdoor_us", evening_pst, "intraday")
    assert outdoor.found == []
    assert store.alert_history(wh, "outdoor_us").height == 0


# ----------------------------------------------------------------------------- 4. idempotency and episodes


def test_same_moment_twice_stores_nothing_new_and_next_morning_is_ongoing(wh):
    first_morning = datetime(2026, 11, 17, 23, 30)      # 2026-11-18 08:30 KST: the drop of 11-17 is new
    first = checks.run_check(wh, "petshop_kr", first_morning, "daily")
    assert "store_daily" in by_rule(first.found) and by_rule(first.found)["store_daily"][1] == "pending"
    count = store.alert_history(wh, "petshop_kr").height
    assert count == len(first.new_keys) > 0

    again = checks.run_check(wh, "petshop_kr", first_morning, "daily")
    assert again.new_keys == []
    assert [c.alert_key for c, _ in again.found] == [c.alert_key for c, _ in first.found]
    assert store.alert_history(wh, "petshop_kr").height == count

    next_morning = datetime(2026, 11, 18, 23, 30)       # 2026-11-19 08:30 KST: the drop goes on
    nxt = checks.run_check(wh, "petshop_kr", next_morning, "daily")
    store_alert, status = by_rule(nxt.found)["store_daily"]
    assert store_alert.alert_key in nxt.new_keys and status == "ongoing"
    assert store.get_alert(wh, store_alert.alert_key)["status"] == "ongoing"
    # the stock-out is one episode with one key (window = since when it is out): not stored again
    stock_key = by_rule(first.found)["stock_out_product"][0].alert_key
    assert by_rule(nxt.found)["stock_out_product"][0].alert_key == stock_key
    assert stock_key not in nxt.new_keys
    # only the first morning's alerts are waiting to be sent; the continuation is not
    due = store.due_for_delivery(wh, next_morning, "petshop_kr")
    assert store_alert.alert_key not in due
    assert by_rule(first.found)["store_daily"][0].alert_key in due


# ------------------------------------------------------------------------------ 5. delivery by real SMTP


def test_deliver_due_sends_one_korean_email_per_alert_with_both_parts_and_chart(wh, smtp_server, tmp_path):
    handler, port = smtp_server()
    outcome = checks.run_check(wh, "petshop_kr", KR_MORNING, "daily")
    keys = set(outcome.new_keys)
    assert len(keys) == 4
    set_recipients(wh, "petshop_kr", "owner@example.kr", "staff@example.kr")

    reports = notify.deliver_due(wh, KR_MORNING, smtp=smtp_to(port), outbox=tmp_path / "outbox",
                                 use_settings=False)
    assert sorted(r.alert_key for r in reports) == sorted(keys)
    assert {r.status for r in reports} == {"sent"}
    assert len(handler.messages) == 4
    assert not (tmp_path / "outbox").exists()
    for mail_from, rcpt_tos, _ in handler.messages:
        assert mail_from == "alerts@example.com"
        assert sorted(rcpt_tos) == ["owner@example.kr", "staff@example.kr"]

    messages = handler.parsed()
    assert sorted(key_of(m) for m in messages) == sorted(keys)
    for msg in messages:
        alert = store.get_alert(wh, key_of(msg))
        assert msg["Content-Language"] == "ko"
        assert msg["Subject"].startswith(("[주의]", "[긴급]", "[참고]"))
        assert msg["Subject"].endswith(alert["headline_ko"])          # every space arrives (no folding)
        parts = parts_of(msg)
        assert {"text/plain", "text/html", "image/png"} <= set(parts)
        png = parts["image/png"].get_content()
        assert png[:8] == PNG_MAGIC and len(png) > 2000
        cid = parts["image/png"]["Content-ID"].strip("<>")
        assert f"cid:{cid}" in parts["text/html"].get_content()
        text = parts["text/plain"].get_content()
        assert alert["headline_ko"] in text
        # the evidence page and this alert on the alerts page, both on the alert's store
        page = notify.PAGE_PATHS[alert["details"].get("evidence_page", "alerts")]
        assert f"http://127.0.0.1:8501/{page}?store=petshop_kr" in text
        opens = "http://127.0.0.1:8501/alerts?" + urlencode({"store": "petshop_kr", "alert": alert["alert_key"]})
        assert f"알림 페이지에서 이 알림 열기 (확인, '이상 아님' 표시, 규칙 끄기): {opens}" in text
        assert f'href="{html.escape(opens)}"' in parts["text/html"].get_content()
    store_mail = next(m for m in messages if "|store_daily|" in key_of(m))
    assert "왜 이런 일이?" in parts_of(store_mail)["text/html"].get_content()
    assert "유입 채널" in parts_of(store_mail)["text/plain"].get_content()
    roas_mail = next(m for m in messages if "|roas_campaign|" in key_of(m))
    assert ROAS_CAMPAIGN in roas_mail["Subject"]

    for key in keys:
        alert = store.get_alert(wh, key)
        assert alert["status"] == "sent" and alert["attempts"] == 1
        log = store.delivery_log(wh, key=key)
        assert log["outcome"].to_list() == ["delivered"] and log["channel"].to_list() == ["smtp"]

    # nothing is due any more: a second sweep sends nothing
    assert notify.deliver_due(wh, KR_MORNING + timedelta(minutes=5), smtp=smtp_to(port),
                              outbox=tmp_path / "outbox", use_settings=False) == []
    assert len(handler.messages) == 4


def test_outdoor_us_gets_english_mail(wh, smtp_server, tmp_path):
    handler, port = smtp_server()
    set_recipients(wh, "outdoor_us", "owner@trailhead.example")
    report = notify.send_test_email(wh, "outdoor_us", US_MORNING, smtp=smtp_to(port), outbox=tmp_path / "outbox",
                                    use_settings=False)
    assert report.status == "sent"
    [msg] = handler.parsed()
    assert msg["Content-Language"] == "en"
    assert msg["Subject"] == "[info] Test alert: emails reach you"
    parts = parts_of(msg)
    assert {"text/plain", "text/html", "image/png"} <= set(parts)
    assert parts["image/png"].get_content()[:8] == PNG_MAGIC
    assert "Test alert: emails reach you" in parts["text/plain"].get_content()
    assert "alerts?store=outdoor_us" in parts["text/plain"].get_content()       # the evidence link
    assert "Open this alert" not in parts["text/plain"].get_content()           # a sample is not a stored alert
    log = store.delivery_log(wh, seller_id="outdoor_us")
    assert log["outcome"].to_list() == ["delivered"]

    # a seller who chose English gets an English alert email even for a Korean store
    checks.run_check(wh, "coffee_kr", KR_MORNING, "daily")
    set_recipients(wh, "coffee_kr", "beans@example.kr", language="en")
    [report] = notify.deliver_due(wh, KR_MORNING, "coffee_kr", smtp=smtp_to(port), outbox=tmp_path / "outbox",
                                  use_settings=False)
    assert report.status == "sent"
    english = handler.parsed()[-1]
    assert english["Content-Language"] == "en"
    assert english["Subject"].startswith("[warning] ") and "out of stock" in english["Subject"]


def test_long_korean_subject_arrives_with_its_spaces(wh, smtp_server, tmp_path):
    handler, port = smtp_server()
    [key] = checks.run_check(wh, "coffee_kr", KR_MORNING, "daily").new_keys
    set_recipients(wh, "coffee_kr", "beans@example.kr")
    notify.deliver_due(wh, KR_MORNING, smtp=smtp_to(port), outbox=tmp_path / "outbox", use_settings=False)
    [msg] = handler.parsed()
    assert msg["Subject"] == "[주의] " + store.get_alert(wh, key)["headline_ko"]


# ------------------------------------------------------------------------------ 6. SMTP down, then up


def _one_coffee_alert(wh: Warehouse) -> str:
    outcome = checks.run_check(wh, "coffee_kr", KR_MORNING, "daily")
    assert len(outcome.new_keys) == 1
    set_recipients(wh, "coffee_kr", "beans@example.kr")
    return outcome.new_keys[0]


def test_smtp_down_then_up_retries_and_delivers_exactly_once(wh, smtp_server, tmp_path):
    key = _one_coffee_alert(wh)
    port = free_port()                       # nobody listens here yet
    target = {"smtp": smtp_to(port), "outbox": tmp_path / "outbox", "use_settings": False}

    [first] = notify.deliver_due(wh, KR_MORNING, **target)
    assert first.status == "retrying"
    alert = store.get_alert(wh, key)
    assert alert["status"] == "retrying" and alert["attempts"] == 1
    assert alert["next_attempt_at"] == KR_MORNING + store.RETRY_DELAYS[0]

    handler, _ = smtp_server(port)           # the server comes back on the same port
    assert notify.deliver_due(wh, KR_MORNING + timedelta(seconds=30), **target) == []   # not due yet
    assert handler.messages == []

    later = KR_MORNING + timedelta(minutes=2)
    [second] = notify.deliver_due(wh, later, **target)
    assert second.status == "sent"
    assert len(handler.messages) == 1
    assert key_of(handler.parsed()[0]) == key
    alert = store.get_alert(wh, key)
    assert alert["status"] == "sent" and alert["attempts"] == 2
    assert notify.deliver_due(wh, later + timedelta(hours=2), **target) == []
    assert len(handler.messages) == 1
    log = store.delivery_log(wh, key=key).sort("attempt")
    assert log["outcome"].to_list() == ["transient_error", "delivered"]
    assert log["attempt"].to_list() == [1, 2]


def test_smtp_down_for_good_fails_after_max_attempts_and_resend_delivers(wh, smtp_server, tmp_path):
    key = _one_coffee_alert(wh)
    port = free_port()
    target = {"smtp": smtp_to(port), "outbox": tmp_path / "outbox", "use_settings": False}
    moment = KR_MORNING
    statuses = []
    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        [report] = notify.deliver_due(wh, moment, **target)
        statuses.append(report.status)
        alert = store.get_alert(wh, key)
        assert alert["attempts"] == attempt
        if attempt < notify.MAX_ATTEMPTS:
            assert alert["next_attempt_at"] == moment + store.RETRY_DELAYS[attempt - 1]
            moment = alert["next_attempt_at"]
    assert statuses == ["retrying"] * (notify.MAX_ATTEMPTS - 1) + ["failed"]
    assert store.get_alert(wh, key)["status"] == "failed"
    assert notify.deliver_due(wh, moment + timedelta(days=1), **target) == []     # failed is never picked again
    assert store.delivery_log(wh, key=key)["outcome"].to_list() == ["transient_error"] * notify.MAX_ATTEMPTS

    notify.resend(wh, key, moment)
    alert = store.get_alert(wh, key)
    assert alert["status"] == "pending" and alert["attempts"] == 0
    handler, _ = smtp_server(port)
    [report] = notify.deliver_due(wh, moment + timedelta(minutes=1), **target)
    assert report.status == "sent" and len(handler.messages) == 1
    assert store.get_alert(wh, key)["status"] == "sent"


# ---------------------------------------------------------------------------------- 7. no SMTP: the outbox


def test_without_smtp_the_email_lands_in_the_outbox(wh, tmp_path, monkeypatch, smtp_server):
    monkeypatch.delenv("SI_SMTP_HOST", raising=False)
    key = _one_coffee_alert(wh)
    [report] = notify.deliver_due(wh, KR_MORNING)           # settings: no SMTP host, SI_OUTBOX_DIR in tmp_path
    assert report.status == "outbox"
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert key_of(msg) == key and msg["Content-Language"] == "ko"
    assert {"text/plain", "text/html", "image/png"} <= set(parts_of(msg))
    alert = store.get_alert(wh, key)
    assert alert["status"] == "outbox" and alert["attempts"] == 1
    assert store.delivery_log(wh, key=key)["channel"].to_list() == ["outbox"]
    assert notify.deliver_due(wh, KR_MORNING + timedelta(hours=1)) == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    # SMTP configured but nobody to send to: kept in the outbox, nothing reaches the server
    handler, port = smtp_server()
    outcome = checks.run_check(wh, "petshop_kr", datetime(2026, 11, 19, 12, 0), "intraday")
    [intraday_key] = outcome.new_keys
    [report] = notify.deliver_due(wh, datetime(2026, 11, 19, 12, 0), "petshop_kr", smtp=smtp_to(port),
                                  outbox=tmp_path / "outbox", use_settings=False)
    assert report.status == "outbox" and handler.messages == []
    assert store.get_alert(wh, intraday_key)["status"] == "outbox"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


# ------------------------------------------------------------------------------- 8. the scheduler


@pytest.fixture
def owned(demo_db):
    """The process-wide owner of the demo warehouse (what the scheduler's jobs open), closed afterwards."""
    warehouse = open_warehouse(demo_db)
    yield warehouse
    jobs.stop_scheduler()
    close_warehouse(demo_db)


def _fields(job) -> dict[str, str]:
    return {f.name: str(f) for f in job.trigger.fields}


def test_scheduler_restart_keeps_one_job_per_id_in_seller_time_zones(owned):
    sellers = ("petshop_kr", "coffee_kr", "outdoor_us")
    expected_ids = sorted(["deliveries", "warm"] + [f"{kind}:{s}" for s in sellers
                                                     for kind in ("morning", "intraday")])
    scheduler = jobs.start_scheduler(owned, paused=True)
    assert jobs.start_scheduler(owned, paused=True) is scheduler      # one scheduler per process
    catch_ups = sorted(f"catchup:{s}" for s in sellers)               # a new install: today's mornings, now
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted(expected_ids + catch_ups)
    for job_id in catch_ups:
        assert scheduler.get_job(job_id).args == (str(owned.path), job_id.split(":")[1])
        scheduler.remove_job(job_id)                                   # (as if run: a one-off job removes itself)
    jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs_by_id) == expected_ids
    for sid, tz in (("petshop_kr", "Asia/Seoul"), ("coffee_kr", "Asia/Seoul"),
                    ("outdoor_us", "America/Los_Angeles")):
        morning = jobs_by_id[f"morning:{sid}"]
        assert str(morning.trigger.timezone) == tz
        assert _fields(morning)["hour"] == "8" and _fields(morning)["minute"] == "0"
        local_next = morning.next_run_time.astimezone(ZoneInfo(tz))
        assert (local_next.hour, local_next.minute) == (8, 0)
        intraday = jobs_by_id[f"intraday:{sid}"]
        assert str(intraday.trigger.timezone) == tz
        assert _fields(intraday)["minute"] == str(jobs.INTRADAY_MINUTE)
        assert morning.args == (str(owned.path), sid)
    path = jobs.job_store_path(owned)
    assert path.exists()
    jobs.stop_scheduler(scheduler)
    assert jobs.running_scheduler() is None

    again = jobs.start_scheduler(owned, paused=True)
    assert again is not scheduler
    assert sorted(job.id for job in again.get_jobs()) == expected_ids
    assert len(again.get_jobs()) == len(expected_ids)
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT id FROM apscheduler_jobs ORDER BY id").fetchall()
    assert [r[0] for r in rows] == expected_ids                       # the persistent store has no duplicates

    # a seller's own digest time moves its morning job (same id, still one job)
    store.save_settings(owned, store.AlertSettings("outdoor_us", digest_time="07:15"))
    assert jobs.resync(owned) is True
    moved = again.get_job("morning:outdoor_us")
    assert _fields(moved)["hour"] == "7" and _fields(moved)["minute"] == "15"
    assert str(moved.trigger.timezone) == "America/Los_Angeles"
    assert len(again.get_jobs()) == len(expected_ids)


def test_a_morning_check_missed_while_the_server_was_down_runs_once_at_start(owned):
    scheduler = jobs.start_scheduler(owned, paused=True)
    for job in scheduler.get_jobs():
        if job.id.startswith("catchup:"):
            scheduler.remove_job(job.id)                               # the first start's own catch-ups
    jobs.stop_scheduler(scheduler)
    # the server went down while petshop_kr's morning check was still waiting for a time two days ago
    import pickle

    stale = datetime.now(ZoneInfo("UTC")) - timedelta(days=2)
    with sqlite3.connect(jobs.job_store_path(owned)) as con:
        (state,) = con.execute("SELECT job_state FROM apscheduler_jobs WHERE id = 'morning:petshop_kr'").fetchone()
        job_state = pickle.loads(state)
        job_state["next_run_time"] = stale
        con.execute("UPDATE apscheduler_jobs SET job_state = ?, next_run_time = ? WHERE id = 'morning:petshop_kr'",
                    (pickle.dumps(job_state), stale.timestamp()))

    again = jobs.start_scheduler(owned, paused=True)
    assert sorted(j.id for j in again.get_jobs() if j.id.startswith("catchup:")) == ["catchup:petshop_kr"]
    assert again.get_job("morning:petshop_kr").next_run_time > datetime.now(ZoneInfo("UTC"))   # and on from here
    again.remove_job("catchup:petshop_kr")                             # (as if run)
    jobs.stop_scheduler(again)
    third = jobs.start_scheduler(owned, paused=True)                  # nothing missed since: no catch-up
    assert [j.id for j in third.get_jobs() if j.id.startswith("catchup:")] == []
    jobs.stop_scheduler(third)


def test_last_morning_due_is_today_after_the_morning_time_and_yesterday_before_it():
    seoul_9am = datetime(2026, 11, 19, 0, 0)                           # 09:00 KST
    assert jobs.last_morning_due("08:00", "Asia/Seoul", seoul_9am) == datetime(2026, 11, 18, 23, 0)
    seoul_7am = datetime(2026, 11, 18, 22, 0)                          # 07:00 KST: yesterday's 08:00
    assert jobs.last_morning_due("08:00", "Asia/Seoul", seoul_7am) == datetime(2026, 11, 17, 23, 0)
    assert jobs.last_morning_due("07:15", "America/Los_Angeles", datetime(2026, 11, 2, 16, 0)) == datetime(
        2026, 11, 2, 15, 15)                                           # 07:15 PST, after the change back


def test_a_new_install_started_after_its_morning_time_shows_that_mornings_alerts(owned, monkeypatch):
    """The demo store opened in the evening: its alerts history has the morning's alerts within a minute."""
    monkeypatch.setattr(jobs, "now_utc", lambda: KR_MORNING + timedelta(hours=10))   # 18:30 KST, after 08:00
    scheduler = jobs.start_scheduler(owned)                            # running: the catch-ups run now
    try:
        import time

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and scheduler.get_job("catchup:petshop_kr") is not None:
            time.sleep(0.5)
        while time.monotonic() < deadline and store.alert_history(owned, "petshop_kr").height < 5:
            time.sleep(0.5)
        history = store.alert_history(owned, "petshop_kr")
        assert set(history["rule_id"].to_list()) >= {"store_daily", "roas_campaign", "morning_digest"}
        assert scheduler.get_job("morning:petshop_kr") is not None     # the regular job stays
    finally:
        scheduler.shutdown(wait=True)                                  # the other stores' catch-ups finish
        jobs.stop_scheduler(scheduler)


def test_morning_job_follows_daylight_saving_in_los_angeles_and_not_in_seoul(owned):
    """08:00 local stays 08:00 local across the US change back to standard time (2026-11-01); Seoul has none."""
    scheduler = jobs.start_scheduler(owned, paused=True)
    try:
        la = scheduler.get_job("morning:outdoor_us").trigger
        seoul = scheduler.get_job("morning:petshop_kr").trigger
        utc = ZoneInfo("UTC")
        before = datetime(2026, 10, 30, 16, 0, tzinfo=utc)                # 09:00 PDT on 10-30
        first = la.get_next_fire_time(None, before)
        second = la.get_next_fire_time(first, first + timedelta(seconds=1))
        assert first.astimezone(utc).hour == 15 and second.astimezone(utc).hour == 16     # PDT, then PST
        assert first.astimezone(ZoneInfo("America/Los_Angeles")).hour == 8
        assert second.astimezone(ZoneInfo("America/Los_Angeles")).hour == 8
        k1 = seoul.get_next_fire_time(None, before)
        k2 = seoul.get_next_fire_time(k1, k1 + timedelta(seconds=1))
        assert k1.astimezone(utc).hour == k2.astimezone(utc).hour == 23                     # 08:00 KST, always
    finally:
        jobs.stop_scheduler(scheduler)


def test_morning_job_run_twice_sends_each_alert_once(owned, demo_db, smtp_server, monkeypatch):
    handler, port = smtp_server()
    monkeypatch.setenv("SI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SI_SMTP_PORT", str(port))
    monkeypatch.setenv("SI_SMTP_TLS", "none")
    monkeypatch.setenv("SI_SMTP_SENDER", "alerts@example.com")
    monkeypatch.setattr(jobs, "now_utc", lambda: KR_MORNING)         # the scheduler's clock, pinned
    set_recipients(owned, "petshop_kr", "owner@example.kr")

    jobs.morning_job(str(demo_db), "petshop_kr")
    assert len(handler.messages) == 5                                  # 4 alerts and the morning digest
    history = store.alert_history(owned, "petshop_kr")
    assert history.height == 5 and set(history["status"].to_list()) == {"sent"}
    digest = next(m for m in handler.parsed() if "|morning_digest|" in key_of(m))
    assert "아침에 알아둘 것" in digest["Subject"]
    parts = parts_of(digest)
    text = parts["text/plain"].get_content()
    assert "image/png" not in parts                                    # words only
    for alert in history.filter(pl.col("rule_id") != "morning_digest").iter_rows(named=True):
        assert alert["headline_ko"] in text                            # every new alert is listed ...
    assert "1. " in text                                               # ... after the digest's ranked items
    found = digest_module.cached_digest(owned, report_period(owned, "petshop_kr", as_of=KR_MORNING))
    assert found.more and f"그 밖의 발견 {len(found.more)}건은 홈 화면에 있습니다." in text   # the rest: named, not listed
    charted = {r["rule_id"]: notify.has_chart(store.get_alert(owned, r["alert_key"]))
               for r in history.iter_rows(named=True)}
    assert charted.pop("morning_digest") is False and all(charted.values())   # the page draws no empty chart

    jobs.morning_job(str(demo_db), "petshop_kr")                      # e.g. a restart re-ran the missed job
    assert len(handler.messages) == 5
    assert store.alert_history(owned, "petshop_kr").height == 5
    assert store.delivery_log(owned, seller_id="petshop_kr").height == 5
    assert len({key_of(m) for m in handler.parsed()}) == 5


# ------------------------------------------------------------------------------------------ 9. feedback


def test_not_an_anomaly_suppresses_a_same_size_alert_the_next_day(wh):
    first = checks.run_check(wh, "petshop_kr", datetime(2026, 11, 17, 23, 30), "daily")
    dismissed, status = by_rule(first.found)["store_daily"]
    assert status == "pending"
    store.set_status(wh, dismissed.alert_key, "not_anomaly", datetime(2026, 11, 18, 1, 0))

    nxt = checks.run_check(wh, "petshop_kr", datetime(2026, 11, 18, 23, 30), "daily")
    again, status = by_rule(nxt.found)["store_daily"]
    assert again.alert_key != dismissed.alert_key and again.rule_id == dismissed.rule_id
    assert abs(again.change_share) <= abs(dismissed.change_share) * 1.25      # the same size of change
    assert status == "suppressed"                    # without the feedback it would be 'ongoing' (test above)
    assert store.get_alert(wh, again.alert_key)["status"] == "suppressed"
    assert again.alert_key not in store.due_for_delivery(wh, datetime(2026, 11, 18, 23, 30))


def test_snoozed_rule_is_suppressed_and_disabled_rule_is_not_checked(wh):
    until = KR_MORNING + timedelta(days=7)
    store.save_rule(wh, "petshop_kr", "roas_campaign", enabled=True, sensitivity="normal", muted_until=until)
    store.save_rule(wh, "petshop_kr", "stock_out_product", enabled=True, sensitivity="normal", muted_until=until)
    store.save_rule(wh, "petshop_kr", "returns_product", enabled=False, sensitivity="normal", muted_until=None)

    outcome = checks.run_check(wh, "petshop_kr", KR_MORNING, "daily")
    statuses = {c.rule_id: s for c, s in outcome.found}
    assert statuses == {"store_daily": "pending", "roas_campaign": "suppressed", "stock_out_product": "suppressed"}
    due = store.due_for_delivery(wh, KR_MORNING, "petshop_kr")
    assert len(due) == 1 and "|store_daily|" in due[0]

    # a snooze that has ended no longer suppresses
    store.save_rule(wh, "coffee_kr", "stock_out_product", enabled=True, sensitivity="normal",
                    muted_until=KR_MORNING - timedelta(minutes=1))
    coffee = checks.run_check(wh, "coffee_kr", KR_MORNING, "daily")
    assert [s for _, s in coffee.found] == ["pending"]
