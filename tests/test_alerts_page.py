"""The alerts page in AppTest: settings saved to the warehouse, a test email in the outbox, a manual check that
finds the demo incidents, rules switched and snoozed, the history with explanation and feedback buttons."""

from __future__ import annotations

import json
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alerts import store
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = "2026-11-20T05:00:00"     # 14:00 in Seoul on the demo store's last day


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setenv("SI_OUTBOX_DIR", str(folder))
    monkeypatch.delenv("SI_SMTP_HOST", raising=False)
    return folder


@pytest.fixture
def page(demo_db, outbox):
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    app.session_state["as_of_utc"] = AS_OF
    app.run()
    app.switch_page("pages/alerts.py").run()
    assert not app.exception
    return app


def _submit(page, label: str) -> None:
    button = next(b for b in page.button if b.label == label)
    button.click().run()


def _read(db: Path):
    wh = Warehouse(db, read_only=True)
    try:
        return store.load_settings(wh, "petshop_kr"), store.alert_history(wh, "petshop_kr"), \
            {s.rule.rule_id: s for s in store.rule_states(wh, "petshop_kr")}
    finally:
        wh.close()


def test_page_says_emails_go_to_the_outbox_without_smtp(page, outbox):
    assert any("SMTP" in i.value and str(outbox) in i.value for i in page.info)
    assert any("아직 알림이 없습니다" in i.value for i in page.info)


def test_settings_are_saved_and_bad_addresses_refused(page, demo_db):
    page.text_input(key="alerts_recipients").set_value("owner@example.kr, 김사장 <no>")
    _submit(page, "저장")
    assert any("not an email address" in e.value for e in page.error)
    page.text_input(key="alerts_recipients").set_value("owner@example.kr, staff@example.com")
    page.text_input(key="alerts_digest_time").set_value("07:30")
    _submit(page, "저장")
    assert not page.exception
    saved, _, _ = _read_after(page, demo_db)
    assert saved.recipients == ("owner@example.kr", "staff@example.com") and saved.digest_time == "07:30"


def _read_after(page, demo_db):
    from data.warehouse import close_warehouse

    close_warehouse(demo_db)          # the app's process-wide handle: close it so a read-only handle can open
    return _read(demo_db)


def test_test_email_lands_in_the_outbox(page, outbox):
    page.button(key="alerts_test_email").click().run()
    assert not page.exception
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1
    message = BytesParser(policy=policy.default).parse(files[0].open("rb"))
    assert "테스트 알림" in message["subject"]
    assert any("보관함" in s.value for s in page.success)


def test_check_now_finds_the_demo_incidents_and_shows_their_explanation(page, outbox, demo_db):
    page.button(key="alerts_check_now").click().run()
    assert not page.exception
    assert any("새 알림" in s.value for s in page.success)
    _, history, _ = _read_after(page, demo_db)
    assert {"store_daily", "returns_product", "stock_out_product"} <= set(history["rule_id"])
    assert set(history["status"]) == {"outbox"}
    assert len(list(outbox.glob("*.eml"))) == history.height          # one file per alert
    store_key = history.filter(history["rule_id"] == "store_daily")["alert_key"].item()
    page.selectbox(key="alerts_pick").set_value(store_key).run()
    assert any("왜 이런 일이" in m.value for m in page.markdown)
    assert len(page.get("plotly_chart")) == 1                          # the store alert's evidence chart
    log = [d for d in page.dataframe if "outcome" in d.value.columns][-1]
    labels = {name: spec.get("label") for name, spec in json.loads(log.proto.columns).items()}
    assert labels["outcome"] == "결과" and labels["attempted_at"] == "시각 (UTC)"
    assert log.value["outcome"].tolist() == ["전달됨"] and log.value["channel"].tolist() == ["보관함 (.eml)"]
    page.button(key="alerts_not_anomaly").click().run()
    assert not page.exception
    _, history, _ = _read_after(page, demo_db)
    assert history.filter(history["alert_key"] == store_key)["status"].item() == "not_anomaly"


def test_rules_can_be_switched_off_and_snoozed(page, demo_db):
    page.checkbox(key="rule_on_cpc_campaign").uncheck()
    page.selectbox(key="rule_sens_revenue_daily").set_value("low")
    page.selectbox(key="rule_snooze_returns_product").set_value("7")
    _submit(page, "규칙 저장")
    assert not page.exception
    _, _, rules = _read_after(page, demo_db)
    assert rules["cpc_campaign"].enabled is False
    assert rules["revenue_daily"].sensitivity == "low"
    assert rules["returns_product"].muted_until is not None


def test_page_in_english(page):
    page.radio(key="lang").set_value("en").run()
    page.switch_page("pages/alerts.py").run()
    assert not page.exception
    assert [t.value for t in page.title] == ["Alerts"]
    assert any("No SMTP server is configured" in i.value for i in page.info)


def test_an_alert_emails_link_opens_that_alert_on_its_store(demo_db, outbox):
    """The email's link (?store=...&alert=<key>) opens the alerts page on the alert's store with that alert shown;
    afterwards the sidebar and the picker are the reader's again."""
    from urllib.parse import parse_qsl, urlsplit

    from alerts import checks, notify

    wh = Warehouse(demo_db)
    try:
        checks.run_check(wh, "petshop_kr", datetime.fromisoformat(AS_OF), "daily")
        history = store.alert_history(wh, "petshop_kr")["alert_key"].to_list()
        wanted = store.get_alert(wh, history[-1])     # not the one the picker shows first
    finally:
        wh.close()
    assert len(history) >= 2
    link = urlsplit(notify.alert_url(wanted))
    assert link.path == "/alerts"
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["auth_user"] = "admin"          # sees every store
    app.session_state["as_of_utc"] = AS_OF
    app.session_state["seller_id"] = "coffee_kr"      # the store the reader looked at last
    app.query_params.update(dict(parse_qsl(link.query)))
    app.run()
    app.switch_page("pages/alerts.py").run()
    assert not app.exception
    assert app.selectbox(key="seller_id").value == "petshop_kr"
    assert app.selectbox(key="alerts_pick").value == wanted["alert_key"]
    assert f"**{wanted['headline_ko']}**" in [m.value for m in app.markdown]
    assert "store" not in app.query_params and "alert" not in app.query_params     # used once
    app.selectbox(key="alerts_pick").set_value(history[0]).run()
    assert app.selectbox(key="alerts_pick").value == history[0]
    app.selectbox(key="seller_id").set_value("coffee_kr").run()
    assert app.selectbox(key="seller_id").value == "coffee_kr"
