"""Deliver stored alerts: compose the email (seller's language, chart image, explanation, link back), send it
over SMTP or into the outbox, and keep the status and every attempt in the warehouse. Never twice: a delivered
alert is never picked again; a transient failure is retried with backoff, then marked failed (resend button)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go

from alerts import alert_text, email, store
from alerts.chart_image import ChartImageError, figure_png
from analytics.i18n import date_axis
from analytics.sellers import seller_profile
from data import settings
from data.warehouse import Warehouse

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 1 + len(store.RETRY_DELAYS)     # the first try and four retries (1 min, 5 min, 15 min, 1 h)
STORE_PARAM, ALERT_PARAM = "store", "alert"   # query parameters the pages read once (pages/_ui.py, pages/alerts.py)
PAGE_PATHS = {"realtime": "realtime", "ads": "ads", "products": "products", "customers": "customers",
              "alerts": "alerts", "explore": "explore", "home": ""}


@dataclass(frozen=True)
class DeliveryReport:
    alert_key: str
    status: str           # sent | outbox | retrying | failed
    detail: str


# ---------------------------------------------------------------- the chart

def _hourly(dates: list) -> bool:
    """Whether a chart's x values carry a time of day (hourly metrics: '2026-11-16T14:00:00' or datetimes)."""
    return any(("T" in d or " " in d.strip()) if isinstance(d, str) else getattr(d, "hour", 0) or
               getattr(d, "minute", 0) for d in dates)


def has_chart(alert: dict[str, Any]) -> bool:
    """Whether the alert carries a chart (the morning digest does not: it is words only)."""
    chart = (alert.get("details") or {}).get("chart") or {}
    return bool(chart.get("hours") or chart.get("dates"))


def plot_alert(alert: dict[str, Any], lang: str) -> go.Figure:
    """The alert's evidence chart: the metric's recent days with the expected range of the alerted day, or
    today's cumulative revenue against a usual day of this weekday (intraday)."""
    chart = (alert.get("details") or {}).get("chart") or {}
    metric = alert_text.metric_name(alert["metric"], lang)
    fig = go.Figure()
    if "hours" in chart:
        usual_label, today_label = ("평소 같은 요일", "오늘") if lang == "ko" else ("usual for this weekday", "today")
        fig.add_scatter(x=chart["hours"], y=chart["usual"], name=usual_label, line={"color": "#9aa5b1", "dash": "dot"})
        fig.add_scatter(x=chart["hours"][:len(chart["today"])], y=chart["today"], name=today_label,
                        line={"color": "#d64545", "width": 3})
        fig.update_xaxes(title="시" if lang == "ko" else "hour")
    elif chart.get("on_hand") is not None:             # a stock-out: units sold and stock on hand per day
        sold, stock = ("판매 수량", "재고") if lang == "ko" else ("units sold", "on hand")
        fig.add_bar(x=chart["dates"], y=chart["values"], name=sold, marker_color="#3e6fb0")
        fig.add_scatter(x=chart["dates"], y=chart["on_hand"], name=stock, mode="lines", yaxis="y2",
                        line={"color": "#d64545", "width": 3}, connectgaps=False)
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"})
        fig.update_xaxes(**date_axis(lang, hourly=_hourly(chart["dates"])))
        metric = alert.get("details", {}).get("product_name") or metric
    elif chart.get("dates"):
        fig.add_scatter(x=chart["dates"], y=chart["values"], name=metric, mode="lines+markers",
                        line={"color": "#3e6fb0"})
        fig.update_xaxes(**date_axis(lang, hourly=_hourly(chart["dates"])))
        if chart.get("expected") is not None:
            last = chart["dates"][-1]
            low, high = chart.get("lower"), chart.get("upper")
            if low is not None and high is not None:
                fig.add_scatter(x=[last, last], y=[low, high], mode="lines", name="예상 범위" if lang == "ko" else
                                "expected range", line={"color": "#9aa5b1", "width": 10})
            fig.add_scatter(x=[last], y=[chart["expected"]], mode="markers", name="예상" if lang == "ko" else
                            "expected", marker={"symbol": "diamond", "size": 11, "color": "#52606d"})
    headline = alert["headline_ko"] if lang == "ko" else alert["headline_en"]
    fig.update_layout(title={"text": metric, "x": 0.01}, height=360, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white", meta={"headline": headline})
    return fig


# ---------------------------------------------------------------- composing

def evidence_url(alert: dict[str, Any]) -> str:
    """The page with the alert's data, for the alert's store (`?store=`: a reader with several stores lands on the
    right one)."""
    base = settings.server_url()
    page = PAGE_PATHS.get((alert.get("details") or {}).get("evidence_page", "alerts"), "alerts")
    return f"{base}/{page}?{urlencode({STORE_PARAM: alert['seller_id']})}"


def alert_url(alert: dict[str, Any]) -> str:
    """This alert on the alerts page (`?store=...&alert=<key>` opens it there)."""
    base = settings.server_url()
    return f"{base}/alerts?{urlencode({STORE_PARAM: alert['seller_id'], ALERT_PARAM: alert['alert_key']})}"


def compose(alert: dict[str, Any], recipients: list[str], lang: str, currency: str,
            with_chart: bool = True) -> email.AlertEmail:
    """The email of one stored alert (get_alert's dict) in `lang`."""
    ko = lang == "ko"
    severity = alert_text.pick(alert_text.SEVERITY.get(alert["severity"], ("알림", "alert")), lang)
    headline = alert["headline_ko"] if ko else alert["headline_en"]
    details = alert.get("details") or {}
    wording = details.get("email") or {}          # an alert kind's own words (the morning digest: no chart, ...)
    png, note = None, ""
    if with_chart and wording.get("chart", True):
        try:
            png = figure_png(plot_alert(alert, lang))
        except ChartImageError as exc:
            note = ("차트 이미지를 만들 수 없었습니다: " if ko else "Chart image unavailable: ") + str(exc)
            log.warning("alert %s: %s", alert["alert_key"], exc)
    observed, expected = alert.get("observed"), alert.get("expected")
    figures = []
    if observed is not None and expected is not None and wording.get("figures", True):
        figures = [("실제" if ko else "actual", alert_text.format_value(alert["metric"], observed, currency)),
                   ("평소(예상)" if ko else "usual (expected)",
                    alert_text.format_value(alert["metric"], expected, currency))]
    footer = ("Seller Insights가 이 가게의 알림 규칙에 따라 보냈습니다. 알림 페이지에서 규칙을 끄거나 민감도를 바꾸거나 "
              "'이상 아님'으로 표시할 수 있습니다." if ko else
              "Sent by Seller Insights under this store's alert rules. On the alerts page you can switch a rule off, "
              "change its sensitivity or mark this alert 'not an anomaly'.")
    return email.AlertEmail(
        to=recipients, language="ko" if ko else "en",
        subject=f"[{severity}] {headline}", headline=headline,
        summary_lines=[], key_figures=figures,
        explanation_lines=alert_text.explanation_lines(details, lang, currency),
        evidence_url=evidence_url(alert), alert_url=alert_url(alert) if wording.get("alert_link", True) else "",
        chart_png=png, chart_note=note,
        idempotency_key=alert["alert_key"], footer=footer,
        severity=alert["severity"] if alert["severity"] in ("info", "warning", "critical") else "warning",
        evidence_label=wording.get(f"link_{lang}") or ("근거 보기" if ko else "See the evidence"),
        explanation_title=wording.get(f"title_{lang}") or ("왜 이런 일이?" if ko else "Why this happened"))


# ---------------------------------------------------------------- delivering

def delivery_target() -> tuple[email.SmtpConfig | None, Path]:
    """(SMTP settings or None, the outbox folder): no SMTP host means emails go to the outbox as .eml files."""
    return email.smtp_config_from_settings(), email.outbox_dir_from_settings()


@dataclass(frozen=True)
class _Route:
    """Where and how one store's emails go: SMTP (None: the outbox), outbox folder, sender, recipients, language."""
    smtp: email.SmtpConfig | None
    outbox: Path
    sender: str
    recipients: list[str]
    lang: str
    currency: str

    @property
    def channel(self) -> str:
        return "smtp" if self.smtp else "outbox"


def _route(wh: Warehouse, seller_id: str, smtp: email.SmtpConfig | None, outbox: Path | None,
           use_settings: bool) -> _Route:
    if use_settings:
        configured_smtp, configured_outbox = delivery_target()
        smtp = smtp if smtp is not None else configured_smtp
        outbox = outbox or configured_outbox
    assert outbox is not None
    profile = seller_profile(wh, seller_id)
    alert_settings = store.load_settings(wh, seller_id)
    recipients = list(alert_settings.recipients)
    return _Route(smtp if recipients else None,      # nobody to send to: keep it in the outbox, visible in the UI
                  outbox, smtp.sender if smtp else email.sender_from_settings(), recipients,
                  alert_settings.language or (profile.language if profile else "ko"),
                  profile.currency if profile else "KRW")


def _send(wh: Warehouse, alert: dict[str, Any], route: _Route, attempt: int,
          now_utc: datetime) -> email.DeliveryOutcome | email.DeliveryError:
    """Compose and send once; the attempt is recorded either way. The outcome, or the error it ended with."""
    message = email.build_message(compose(alert, route.recipients or [route.sender], route.lang, route.currency),
                                  route.sender)
    to = ", ".join(route.recipients)
    try:
        outcome = email.deliver(message, route.smtp, route.outbox)
    except email.DeliveryError as exc:
        kind = "transient_error" if isinstance(exc, email.TransientDeliveryError) else "permanent_error"
        store.record_attempt(wh, alert["alert_key"], attempt, now_utc, route.channel, to, kind, str(exc))
        return exc
    store.record_attempt(wh, alert["alert_key"], attempt, now_utc, outcome.channel, to, "delivered",
                         outcome.detail + (f" ({outcome.path})" if outcome.path else ""))
    return outcome


def deliver_alert(wh: Warehouse, key: str, now_utc: datetime, smtp: email.SmtpConfig | None = None,
                  outbox: Path | None = None, use_settings: bool = True) -> DeliveryReport:
    """One delivery attempt of a stored alert; the status and the attempt are recorded either way."""
    alert = store.get_alert(wh, key)
    if alert is None:
        raise KeyError(key)
    attempt = int(alert["attempts"]) + 1
    result = _send(wh, alert, _route(wh, alert["seller_id"], smtp, outbox, use_settings), attempt, now_utc)
    if isinstance(result, email.TransientDeliveryError) and attempt < MAX_ATTEMPTS:
        retry_at = now_utc + store.RETRY_DELAYS[attempt - 1]
        store.set_status(wh, key, "retrying", now_utc, attempts=attempt, next_attempt_at=retry_at)
        return DeliveryReport(key, "retrying", f"{result} (next try {retry_at:%H:%M} UTC)")
    if isinstance(result, email.DeliveryError):
        store.set_status(wh, key, "failed", now_utc, attempts=attempt)
        return DeliveryReport(key, "failed", str(result))
    status = "sent" if result.channel == "smtp" else "outbox"
    store.set_status(wh, key, status, now_utc, attempts=attempt)
    return DeliveryReport(key, status, result.detail)


def deliver_due(wh: Warehouse, now_utc: datetime, seller_id: str | None = None, **target: Any) -> list[DeliveryReport]:
    """Deliver every alert waiting to be sent (pending, or retrying and due), oldest first."""
    return [deliver_alert(wh, key, now_utc, **target) for key in store.due_for_delivery(wh, now_utc, seller_id)]


def resend(wh: Warehouse, key: str, now_utc: datetime) -> None:
    """The UI's resend button: a failed alert goes back to pending with a fresh count of attempts."""
    store.set_status(wh, key, "pending", now_utc, attempts=0)


def send_test_email(wh: Warehouse, seller_id: str, now_utc: datetime, smtp: email.SmtpConfig | None = None,
                    outbox: Path | None = None, use_settings: bool = True) -> DeliveryReport:
    """A sample alert email to the seller's recipients, so they can see one arrives (and how it looks)."""
    key = f"test|{seller_id}|{now_utc:%Y%m%dT%H%M%S}"
    sample = {"alert_key": key, "seller_id": seller_id, "metric": "revenue", "severity": "info",
              "headline_ko": "테스트 알림: 이메일이 잘 도착합니다", "headline_en": "Test alert: emails reach you",
              "observed": 1000.0, "expected": 1000.0,
              "details": {"chart": {"dates": ["D-3", "D-2", "D-1", "D"], "values": [900, 1100, 950, 1000],
                                    "expected": 1000.0, "lower": 800.0, "upper": 1200.0},
                          "evidence_page": "alerts", "email": {"alert_link": False}}}   # not a stored alert
    result = _send(wh, sample, _route(wh, seller_id, smtp, outbox, use_settings), 1, now_utc)
    if isinstance(result, email.DeliveryError):
        return DeliveryReport(key, "failed", str(result))
    return DeliveryReport(key, "sent" if result.channel == "smtp" else "outbox", result.detail)
