"""Alerts page: where alerts go and when, the rules (on/off, sensitivity, snooze), a test email, a manual check,
and the history with each alert's explanation, chart, delivery attempts and feedback buttons."""

import re
from datetime import timedelta

import polars as pl
import streamlit as st

from alerts import alert_text, checks, jobs, notify, store
from alerts.email import EmailConfigError
from alerts.rules import SENSITIVITIES
from analytics.i18n import names, t
from pages import _ui

NUMBERED = re.compile(r"^(\d+)\. ")

SNOOZES = ("none", "1", "7", "30")

filters = _ui.start_page("alerts")        # title; stops with a note when there is no store
lang = filters.lang
seller = filters.seller
wh = _ui.scoped(filters.ref)                # reads: only the stores this user may see
owner = _ui.warehouse(filters)              # writes: this store's alert settings and alerts (checked access)
now = filters.now_utc          # the app's clock (an ?as_of= moment when one is given)
settings = store.load_settings(wh, seller.seller_id)
st.caption(t("alerts.caption", lang, name=seller.name, tz=seller.timezone))

try:
    smtp, outbox = notify.delivery_target()
except EmailConfigError as exc:
    st.error(str(exc))
    st.stop()
if smtp is None:
    st.info(t("alerts.smtp_off", lang, outbox=str(outbox)))
else:
    st.caption(t("alerts.smtp_on", lang, host=smtp.host, port=smtp.port))
if jobs.running_scheduler() is None:
    st.caption(t("alerts.scheduler_off", lang))
else:
    st.caption(t("alerts.scheduler_on", lang, time=settings.digest_time))

# ---------------------------------------------------------------- recipients and schedule
with st.expander(t("alerts.settings", lang), expanded=not settings.recipients):
    with st.form("alert_settings"):
        recipients = st.text_input(t("alerts.recipients", lang), ", ".join(settings.recipients),
                                   key="alerts_recipients")
        languages = ("ko", "en")
        language = st.selectbox(t("alerts.language", lang), languages,
                                index=languages.index(settings.language or seller.language or "ko"),
                                format_func=lambda code: "한국어" if code == "ko" else "English", key="alerts_language")
        digest_time = st.text_input(t("alerts.digest_time", lang), settings.digest_time, key="alerts_digest_time")
        intraday = st.checkbox(t("alerts.intraday", lang), settings.intraday_enabled, key="alerts_intraday")
        if st.form_submit_button(t("alerts.save", lang)):
            try:
                store.save_settings(owner, store.AlertSettings(seller.seller_id, store.parse_recipients(recipients),
                                                            language, digest_time.strip(), intraday))
                jobs.resync(owner)
                st.success(t("alerts.saved", lang))
                settings = store.load_settings(wh, seller.seller_id)
            except ValueError as exc:
                st.error(str(exc))

left, right = st.columns(2)
if left.button(t("alerts.test_email", lang), key="alerts_test_email"):
    if not settings.recipients:
        st.info(t("alerts.no_recipients", lang))
    report = notify.send_test_email(owner, seller.seller_id, now)
    (st.success if report.status in ("sent", "outbox") else st.error)(
        t("alerts.test_sent", lang, status=alert_text.pick(alert_text.STATUS.get(report.status, (report.status,) * 2),
                                                           lang), detail=report.detail))
if right.button(t("alerts.check_now", lang), key="alerts_check_now"):
    new = sum(len(checks.run_check(owner, seller.seller_id, now, kind).new_keys) for kind in ("daily", "intraday"))
    sent = notify.deliver_due(owner, now, seller.seller_id)
    st.success(t("alerts.checked", lang, new=new, sent=len(sent)))

# ---------------------------------------------------------------- rules
st.subheader(t("alerts.rules", lang))
st.caption(t("alerts.rules_help", lang))
with st.form("alert_rules"):
    chosen = {}
    for state in store.rule_states(wh, seller.seller_id):
        rid = state.rule.rule_id
        name_col, on_col, sens_col, snooze_col = st.columns((3, 1, 2, 2))
        label = t(f"alerts.rule.{rid}", lang)
        if state.muted_until is not None and state.muted_until > now:
            label += " · " + t("alerts.snoozed_until", lang, until=f"{state.muted_until:%Y-%m-%d %H:%M} UTC")
        name_col.write(label)
        enabled = on_col.checkbox(t("alerts.rule_enabled", lang), state.enabled, key=f"rule_on_{rid}")
        sensitivity = sens_col.selectbox(t("alerts.sensitivity", lang), SENSITIVITIES,
                                         index=SENSITIVITIES.index(state.sensitivity), key=f"rule_sens_{rid}",
                                         format_func=lambda s: t(f"alerts.sens.{s}", lang))
        snooze = snooze_col.selectbox(t("alerts.snooze", lang), SNOOZES, key=f"rule_snooze_{rid}",
                                      format_func=lambda s: t(f"alerts.snooze.{s}", lang))
        chosen[rid] = (enabled, sensitivity, snooze, state.muted_until)
    if st.form_submit_button(t("alerts.save_rules", lang)):
        for rid, (enabled, sensitivity, snooze, muted_until) in chosen.items():
            until = muted_until if snooze == "none" else now + timedelta(days=int(snooze))
            store.save_rule(owner, seller.seller_id, rid, enabled=enabled, sensitivity=sensitivity, muted_until=until)
        st.success(t("alerts.saved", lang))

# ---------------------------------------------------------------- history
st.subheader(t("alerts.history", lang))
history = store.alert_history(wh, seller.seller_id)
if history.height == 0:
    st.info(t("alerts.none", lang))
    st.stop()
headline = "headline_ko" if lang == "ko" else "headline_en"
table = history.select(
    pl.col("detected_at").dt.strftime("%Y-%m-%d %H:%M").alias(t("alerts.col.detected", lang)),
    pl.col("severity").replace_strict({k: alert_text.pick(v, lang) for k, v in alert_text.SEVERITY.items()},
                                      default=pl.col("severity")).alias(t("alerts.col.severity", lang)),
    pl.col("status").replace_strict({k: alert_text.pick(v, lang) for k, v in alert_text.STATUS.items()},
                                    default=pl.col("status")).alias(t("alerts.col.status", lang)),
    pl.col(headline).alias(t("alerts.col.alert", lang)))
_ui.table(table, hide_index=True, width="stretch")

keys = history["alert_key"].to_list()
titles = dict(zip(keys, history[headline].to_list(), strict=True))
opened = st.query_params.get(notify.ALERT_PARAM)   # an alert email's link (?alert=) opens that alert, once
if opened is not None:
    del st.query_params[notify.ALERT_PARAM]
    if opened in titles:
        st.session_state["alerts_pick"] = opened
key = st.selectbox(t("alerts.pick", lang), keys, format_func=lambda k: titles[k][:120], key="alerts_pick")
alert = store.get_alert(wh, key)
if alert is not None:
    st.markdown(f"**{alert[headline]}**")
    if notify.has_chart(alert):                  # (the morning digest is words only, as in its email)
        st.plotly_chart(notify.plot_alert(alert, lang), key="alerts_chart")
    lines = alert_text.explanation_lines(alert["details"], lang, seller.currency)
    if lines:
        # a digest line is numbered ("1. ..."): escaped, so it is not an ordered list nested in the bullet
        bullets = ["- " + NUMBERED.sub(r"\1\\. ", line) for line in lines]
        st.markdown(f"**{t('alerts.why', lang)}**\n\n" + "\n".join(bullets))
    b1, b2, b3 = st.columns(3)
    if b1.button(t("alerts.ack", lang), key="alerts_ack"):
        store.set_status(owner, key, "acknowledged", now)
        st.success(t("alerts.status_changed", lang, status=alert_text.pick(alert_text.STATUS["acknowledged"], lang)))
    if b2.button(t("alerts.not_anomaly", lang), key="alerts_not_anomaly"):
        store.set_status(owner, key, "not_anomaly", now)
        st.success(t("alerts.status_changed", lang, status=alert_text.pick(alert_text.STATUS["not_anomaly"], lang)))
    if alert["status"] == "failed" and b3.button(t("alerts.resend", lang), key="alerts_resend"):
        notify.resend(owner, key, now)
        report = notify.deliver_alert(owner, key, now)
        st.info(t("alerts.status_changed", lang, status=alert_text.pick(
            alert_text.STATUS.get(report.status, (report.status,) * 2), lang)))
    log = store.delivery_log(wh, key=key)
    if log.height:
        st.caption(t("alerts.deliveries", lang))
        log = log.drop("alert_key").with_columns(pl.col("outcome").replace(names("alerts.outcome", lang)),
                                                 pl.col("channel").replace(names("alerts.channel", lang)))
        _ui.table(log, hide_index=True, width="stretch",
                  column_config={c: st.column_config.Column(t(f"alerts.col.{c}", lang)) for c in log.columns})
