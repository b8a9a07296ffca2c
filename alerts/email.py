"""Alert emails: build the MIME message (plain text + HTML with inline chart) and deliver it by SMTP or to the outbox."""

from __future__ import annotations

import hashlib
import html
import os
import re
import smtplib
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal

from data import settings

KEY_HEADER = "X-Seller-Insights-Key"
MESSAGE_ID_DOMAIN = "seller-insights"
TLS_MODES = ("starttls", "ssl", "none")
SEVERITIES = ("info", "warning", "critical")

TlsMode = Literal["starttls", "ssl", "none"]
Language = Literal["ko", "en"]
Severity = Literal["info", "warning", "critical"]


# ---------------------------------------------------------------------------------------------- errors


# Headers are not folded below the RFC 5322 limit of 998: Python 3.11 folds a long RFC 2047 subject with the spaces
# between encoded words, where readers drop them ("고양이 사료" arrived as "고양이사료"), and folds long keys with a
# leading space. A Korean subject of ~150 characters encodes to ~300, well inside the limit. Bodies are
# quoted-printable, so their lines stay short anyway.
HEADER_POLICY = email_policy.default.clone(max_line_length=998)


class EmailConfigError(ValueError):
    """An SMTP setting has a value we cannot use; the message names the setting and the accepted values."""


class EmailBuildError(ValueError):
    """An AlertEmail cannot become a message (no recipients, bad address, unsafe link, ...)."""


class DeliveryError(Exception):
    """Delivery failed. `code` is the SMTP reply code when the server gave one."""

    def __init__(self, detail: str, code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: connection refused or dropped, timeout, 4xx reply."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: 5xx reply (recipient refused, message rejected), login refused, TLS unusable."""


# ---------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: host, port, transport security, optional login, and the From address."""

    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    tls: TlsMode = "starttls"
    sender: str = "seller-insights@localhost"

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise EmailConfigError(f"SMTP transport security must be one of {', '.join(TLS_MODES)}, got {self.tls!r}.")
        if not 0 < self.port < 65536:
            raise EmailConfigError(f"SMTP port must be between 1 and 65535, got {self.port}.")


def smtp_config_from_settings() -> SmtpConfig | None:
    """The SMTP configuration from SI_SMTP_* settings; None when SI_SMTP_HOST is empty (use the outbox).

    Raises EmailConfigError naming the setting when SI_SMTP_PORT or SI_SMTP_TLS is unusable.
    """
    host = settings.get("SI_SMTP_HOST").strip()
    if not host:
        return None
    port_text = settings.get("SI_SMTP_PORT").strip()
    try:
        port = int(port_text)
    except ValueError:
        raise EmailConfigError(f"SI_SMTP_PORT must be a whole number such as 587, got {port_text!r}.") from None
    tls = settings.get("SI_SMTP_TLS").strip().lower()
    if tls not in TLS_MODES:
        raise EmailConfigError(f"SI_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {tls!r}.")
    if not 0 < port < 65536:
        raise EmailConfigError(f"SI_SMTP_PORT must be between 1 and 65535, got {port}.")
    return SmtpConfig(
        host=host,
        port=port,
        user=settings.get("SI_SMTP_USER").strip(),
        password=settings.get("SI_SMTP_PASSWORD"),
        tls=tls,  # type: ignore[arg-type]  # checked against TLS_MODES above
        sender=sender_from_settings(),
    )


def sender_from_settings() -> str:
    """The From address (SI_SMTP_SENDER); also used for outbox messages."""
    return settings.get("SI_SMTP_SENDER").strip() or "seller-insights@localhost"


def outbox_dir_from_settings() -> Path:
    """The folder for .eml files when no SMTP server is configured (SI_OUTBOX_DIR, relative to the project)."""
    return settings.get_path("SI_OUTBOX_DIR")


# ---------------------------------------------------------------------------------------------- the email


@dataclass
class AlertEmail:
    """Everything one alert email says. The caller writes every text in the seller's language.

    summary_lines: the key numbers in sentences ("오늘 14시까지 매출 ₩412,000 — 평소 화요일보다 45% 적음").
    key_figures: optional (label, value) tiles shown large above the summary, e.g. ("매출", "₩412,000").
    explanation_lines: why it happened, one bullet each.
    footer: why the reader gets this email and how to mute it.
    chart_note: shown where the chart would be when chart_png is None (e.g. "Chart unavailable: ...").
    evidence_label / explanation_title / chart_alt: override the default wording for `language`.
    mute_url: when given, a link in the footer and a List-Unsubscribe header.
    alert_url: when given, a link to this alert on the alerts page (acknowledge it, mark it, switch its rule off).
    """

    to: list[str]
    language: Language
    subject: str
    headline: str
    summary_lines: list[str]
    explanation_lines: list[str]
    evidence_url: str
    chart_png: bytes | None
    idempotency_key: str
    footer: str
    severity: Severity = "warning"
    key_figures: list[tuple[str, str]] = field(default_factory=list)
    chart_note: str = ""
    evidence_label: str = ""
    explanation_title: str = ""
    chart_alt: str = ""
    mute_url: str = ""
    alert_url: str = ""


_DEFAULT_WORDING: dict[str, dict[str, str]] = {
    "ko": {
        "evidence_label": "근거 데이터 보기",
        "explanation_title": "무엇이 달라졌나요",
        "chart_alt": "지표 추이 차트",
        "mute": "이 알림 끄기",
        "alert_link": "알림 페이지에서 이 알림 열기 (확인, '이상 아님' 표시, 규칙 끄기)",
        "brand": "Seller Insights",
    },
    "en": {
        "evidence_label": "See the evidence",
        "explanation_title": "What changed",
        "chart_alt": "Metric trend chart",
        "mute": "Mute this alert",
        "alert_link": "Open this alert on the alerts page (acknowledge it, mark it 'not an anomaly', switch the rule off)",
        "brand": "Seller Insights",
    },
}

# Accent colour per severity: band above the headline, button colour.
_ACCENT = {"info": "#2563eb", "warning": "#d97706", "critical": "#dc2626"}
_FONT = (
    "-apple-system,BlinkMacSystemFont,'Segoe UI','Apple SD Gothic Neo','Malgun Gothic','Noto Sans KR',"
    "'Nanum Gothic',Roboto,Helvetica,Arial,sans-serif"
)


def message_id_for_key(idempotency_key: str) -> str:
    """The Message-ID every message for this idempotency key carries: `<si-<sha256 prefix>@seller-insights>`."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<si-{digest}@{MESSAGE_ID_DOMAIN}>"


def outbox_file_name(idempotency_key: str) -> str:
    """File name of the .eml for this key: its safe characters, then a hash so distinct keys never collide."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", idempotency_key).strip("._-")[:80] or "alert"
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:16]
    return f"{readable}-{digest}.eml"


def build_message(email: AlertEmail, sender: str, *, now: datetime | None = None) -> EmailMessage:
    """The MIME message for `email` from `sender`.

    multipart/alternative: text/plain, then text/html (inside multipart/related with the chart as an inline
    `cid:` PNG when there is one). UTF-8 bodies, non-ASCII headers RFC 2047-encoded, Message-ID derived from
    the idempotency key, header X-Seller-Insights-Key. Raises EmailBuildError for unusable input.
    """
    _check_email(email)
    sender_address = _single_line(sender)
    _check_address(sender_address, "sender")
    wording = {
        **_DEFAULT_WORDING[email.language],
        **{
            k: v
            for k, v in {
                "evidence_label": email.evidence_label,
                "explanation_title": email.explanation_title,
                "chart_alt": email.chart_alt,
            }.items()
            if v.strip()
        },
    }
    chart_cid = f"chart-{hashlib.sha256(email.idempotency_key.encode('utf-8')).hexdigest()[:24]}@{MESSAGE_ID_DOMAIN}"

    msg = EmailMessage(policy=HEADER_POLICY)
    msg["Subject"] = _single_line(email.subject)
    msg["From"] = sender_address
    msg["To"] = ", ".join(_single_line(a) for a in email.to)
    msg["Date"] = format_datetime(now if now is not None else datetime.now(UTC))
    msg["Message-ID"] = message_id_for_key(email.idempotency_key)
    msg[KEY_HEADER] = _single_line(email.idempotency_key)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to alerts
    if email.mute_url:
        msg["List-Unsubscribe"] = f"<{email.mute_url}>"

    # quoted-printable keeps every line 7-bit and short: safe through relays without 8BITMIME.
    msg.set_content(_plain_text(email, wording), subtype="plain", charset="utf-8", cte="quoted-printable")
    has_chart = email.chart_png is not None
    msg.add_alternative(
        _html(email, wording, chart_cid if has_chart else None), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    if email.chart_png is not None:
        html_part = msg.get_payload()[1]
        html_part.add_related(
            email.chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{chart_cid}>",
            disposition="inline",
            filename="chart.png",
        )
    msg["Content-Language"] = email.language  # after the body: set_content drops Content-* headers
    return msg


def _check_email(email: AlertEmail) -> None:
    if email.language not in _DEFAULT_WORDING:
        raise EmailBuildError(f"Email language must be 'ko' or 'en', got {email.language!r}.")
    if email.severity not in SEVERITIES:
        raise EmailBuildError(f"Email severity must be one of {', '.join(SEVERITIES)}, got {email.severity!r}.")
    if isinstance(email.to, str) or not email.to:
        raise EmailBuildError("The alert email has no recipients: give a list of addresses.")
    for address in email.to:
        _check_address(address, "recipient")
    if not email.idempotency_key.strip():
        raise EmailBuildError("The alert email needs an idempotency key (seller, rule, window).")
    if not email.subject.strip() or not email.headline.strip():
        raise EmailBuildError("The alert email needs a subject and a headline.")
    for name, url in (("evidence_url", email.evidence_url), ("mute_url", email.mute_url),
                      ("alert_url", email.alert_url)):
        if url and not re.match(r"^https?://[^\s<>\"]+$", url):
            raise EmailBuildError(f"{name} must be an http(s) link without spaces, got {url!r}.")
    if not email.evidence_url:
        raise EmailBuildError("The alert email needs an evidence_url (the page that shows the data).")
    if email.chart_png is not None and not email.chart_png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise EmailBuildError("chart_png must be PNG bytes (or None to send without a chart).")


def _check_address(address: str, role: str) -> None:
    text = _single_line(address)
    try:
        if "<" in text:  # "Name <user@host>"
            from email.headerregistry import HeaderRegistry

            parsed = HeaderRegistry()("From", text)
            addresses = parsed.addresses  # type: ignore[attr-defined]
            ok = len(addresses) == 1 and "@" in addresses[0].addr_spec and not parsed.defects  # type: ignore[attr-defined]
        else:
            parsed_address = Address(addr_spec=text)
            ok = bool(parsed_address.username and parsed_address.domain)
    except (ValueError, IndexError, TypeError):
        ok = False
    if not ok:
        raise EmailBuildError(f"Not a usable {role} email address: {address!r}.")


def _single_line(text: str) -> str:
    """Header values never carry line breaks (header injection); runs of whitespace become one space."""
    return " ".join(str(text).split())


def _plain_text(email: AlertEmail, wording: dict[str, str]) -> str:
    lines = [email.headline.strip(), ""]
    if email.key_figures:
        lines += [f"{label}: {value}" for label, value in email.key_figures] + [""]
    lines += [line for line in email.summary_lines if line.strip()]
    if email.chart_png is None and email.chart_note.strip():
        lines += ["", f"({email.chart_note.strip()})"]
    explanation = [line for line in email.explanation_lines if line.strip()]
    if explanation:
        lines += ["", wording["explanation_title"], *[f"- {line}" for line in explanation]]
    lines += ["", f"{wording['evidence_label']}: {email.evidence_url}"]
    if email.alert_url:
        lines += [f"{wording['alert_link']}: {email.alert_url}"]
    lines += ["", "-- ", email.footer.strip()]
    if email.mute_url:
        lines.append(f"{wording['mute']}: {email.mute_url}")
    return "\n".join(lines).rstrip() + "\n"


def _html(email: AlertEmail, wording: dict[str, str], chart_cid: str | None) -> str:
    e = html.escape  # every caller text goes through this; URLs too (attribute context, quote=True)
    accent = _ACCENT[email.severity]
    preheader = next((line for line in email.summary_lines if line.strip()), email.headline)

    figures = ""
    if email.key_figures:
        cells = "".join(
            f'<td style="padding:12px 8px;text-align:center;vertical-align:top;">'
            f'<div style="font-size:12px;line-height:16px;color:#6b7280;">{e(label)}</div>'
            f'<div style="font-size:22px;line-height:30px;font-weight:700;color:#111827;">{e(value)}</div></td>'
            for label, value in email.key_figures
        )
        figures = (
            f'<tr><td style="padding:0 32px 8px 32px;"><table role="presentation" width="100%" '
            f'cellspacing="0" cellpadding="0" style="border-collapse:collapse;background:#f9fafb;'
            f'border:1px solid #e5e7eb;border-radius:8px;"><tr>{cells}</tr></table></td></tr>'
        )

    summary = "".join(
        f'<p style="margin:0 0 8px 0;font-size:16px;line-height:24px;color:#111827;">{e(line)}</p>'
        for line in email.summary_lines
        if line.strip()
    )

    if chart_cid is not None:
        chart = (
            f'<tr><td style="padding:8px 32px 8px 32px;"><img src="cid:{e(chart_cid)}" width="536" '
            f'alt="{e(wording["chart_alt"])}" style="display:block;width:100%;max-width:536px;height:auto;'
            f'border:0;border-radius:6px;background:#f3f4f6;color:#6b7280;font-size:13px;"></td></tr>'
        )
    elif email.chart_note.strip():
        chart = (
            f'<tr><td style="padding:8px 32px 8px 32px;"><p style="margin:0;padding:12px;font-size:13px;'
            f'line-height:20px;color:#6b7280;background:#f3f4f6;border-radius:6px;">{e(email.chart_note)}</p>'
            f"</td></tr>"
        )
    else:
        chart = ""

    bullets = "".join(
        f'<li style="margin:0 0 6px 0;font-size:15px;line-height:22px;color:#374151;">{e(line)}</li>'
        for line in email.explanation_lines
        if line.strip()
    )
    explanation = ""
    if bullets:
        explanation = (
            f'<tr><td style="padding:16px 32px 0 32px;"><h2 style="margin:0 0 8px 0;font-size:16px;'
            f'line-height:22px;color:#111827;">{e(wording["explanation_title"])}</h2>'
            f'<ul style="margin:0;padding:0 0 0 20px;">{bullets}</ul></td></tr>'
        )

    alert_link = ""
    if email.alert_url:
        alert_link = (f'<p style="margin:14px 0 0 0;font-size:14px;line-height:20px;"><a href="{e(email.alert_url)}" '
                      f'target="_blank" style="color:#374151;text-decoration:underline;">{e(wording["alert_link"])}'
                      f"</a></p>")
    button = (
        f'<tr><td style="padding:24px 32px 28px 32px;"><table role="presentation" cellspacing="0" '
        f'cellpadding="0" style="border-collapse:separate;"><tr><td style="border-radius:6px;background:{accent};">'
        f'<a href="{e(email.evidence_url)}" target="_blank" style="display:inline-block;padding:12px 22px;'
        f"font-size:15px;line-height:20px;font-weight:600;color:#ffffff;text-decoration:none;"
        f'border-radius:6px;">{e(wording["evidence_label"])} &rarr;</a></td></tr></table>'
        f'<p style="margin:10px 0 0 0;font-size:12px;line-height:18px;color:#9ca3af;word-break:break-all;">'
        f"{e(email.evidence_url)}</p>{alert_link}</td></tr>"
    )

    mute = ""
    if email.mute_url:
        mute = (
            f'<br><a href="{e(email.mute_url)}" style="color:#6b7280;text-decoration:underline;">'
            f"{e(wording['mute'])}</a>"
        )
    footer_text = "<br>".join(e(line) for line in email.footer.strip().splitlines())

    return f"""<!DOCTYPE html>
<html lang="{email.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{e(email.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:{_FONT};">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:#f3f4f6;">{e(preheader)}</div>
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="border-collapse:collapse;background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;max-width:600px;background:#ffffff;border-radius:10px;overflow:hidden;font-family:{_FONT};">
<tr><td style="height:6px;line-height:6px;font-size:0;background:{accent};">&nbsp;</td></tr>
<tr><td style="padding:20px 32px 0 32px;font-size:13px;line-height:18px;font-weight:600;letter-spacing:0.3px;color:{accent};">{e(wording["brand"])}</td></tr>
<tr><td style="padding:8px 32px 16px 32px;"><h1 style="margin:0;font-size:24px;line-height:32px;font-weight:700;color:#111827;">{e(email.headline)}</h1></td></tr>
{figures}
<tr><td style="padding:8px 32px 8px 32px;">{summary}</td></tr>
{chart}
{explanation}
{button}
<tr><td style="padding:16px 32px 24px 32px;border-top:1px solid #e5e7eb;font-size:12px;line-height:18px;color:#6b7280;">{footer_text}{mute}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class DeliveryOutcome:
    """A message that left us: by SMTP (accepted by the server) or into the outbox folder (`path`)."""

    channel: Literal["smtp", "outbox"]
    detail: str
    path: Path | None = None
    refused_recipients: tuple[str, ...] = ()


def deliver(message: EmailMessage, smtp: SmtpConfig | None, outbox_dir: Path, timeout: float = 10) -> DeliveryOutcome:
    """Send `message` once: over SMTP when `smtp` is set, else into `outbox_dir` as one .eml file.

    Raises TransientDeliveryError (retry later) or PermanentDeliveryError (do not retry).
    """
    if smtp is None:
        return write_to_outbox(message, outbox_dir)
    return _send_smtp(message, smtp, timeout)


def write_to_outbox(message: EmailMessage, outbox_dir: Path) -> DeliveryOutcome:
    """Write `message` to `outbox_dir/<key>.eml` atomically; a second write for the same key keeps the first file."""
    key = message.get(KEY_HEADER) or message.get("Message-ID")
    if not key:
        raise PermanentDeliveryError(
            f"The message has no {KEY_HEADER} or Message-ID header: cannot name its outbox file."
        )
    outbox = Path(outbox_dir)
    target = outbox / outbox_file_name(str(key))
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return DeliveryOutcome("outbox", f"already in the outbox: {target}", target)
        data = message.as_bytes(policy=HEADER_POLICY)  # LF line ends, as .eml files on disk
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=outbox)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp_name, target)  # atomic and never overwrites: two writers, one file
            except FileExistsError:
                return DeliveryOutcome("outbox", f"already in the outbox: {target}", target)
            except OSError:  # file systems without hard links
                if target.exists():
                    return DeliveryOutcome("outbox", f"already in the outbox: {target}", target)
                os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    except OSError as exc:
        raise PermanentDeliveryError(f"Cannot write to the outbox folder {outbox}: {exc.strerror or exc}.") from exc
    return DeliveryOutcome("outbox", f"written to the outbox: {target}", target)


def _send_smtp(message: EmailMessage, smtp: SmtpConfig, timeout: float) -> DeliveryOutcome:
    where = f"{smtp.host}:{smtp.port}"
    client: smtplib.SMTP | None = None
    try:
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        client.ehlo()
        if smtp.tls == "starttls":
            if not client.has_extn("starttls"):
                raise PermanentDeliveryError(
                    f"SMTP server {where} does not offer STARTTLS; set SI_SMTP_TLS to ssl or none if that is intended."
                )
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, smtp.password)
        refused = client.send_message(message)
    except DeliveryError:
        _close_quietly(client)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        _close_quietly(client)
        raise PermanentDeliveryError(
            f"SMTP login to {where} as {smtp.user!r} was refused: {_reply(exc)}", exc.smtp_code
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close_quietly(client)
        raise PermanentDeliveryError(f"SMTP server {where} does not support what we need: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        _close_quietly(client)
        codes = [code for code, _ in exc.recipients.values()]
        who = ", ".join(f"{rcpt} ({code} {_decode(text)})" for rcpt, (code, text) in exc.recipients.items())
        error = TransientDeliveryError if codes and all(400 <= c < 500 for c in codes) else PermanentDeliveryError
        raise error(f"SMTP server {where} refused every recipient: {who}", max(codes) if codes else None) from exc
    except smtplib.SMTPServerDisconnected as exc:
        _close_quietly(client)
        raise TransientDeliveryError(f"SMTP server {where} closed the connection: {exc}") from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data error, connect error, helo error
        _close_quietly(client)
        error = TransientDeliveryError if 400 <= exc.smtp_code < 500 else PermanentDeliveryError
        raise error(f"SMTP server {where} replied {exc.smtp_code}: {_reply(exc)}", exc.smtp_code) from exc
    except ssl.SSLCertVerificationError as exc:
        _close_quietly(client)
        raise PermanentDeliveryError(f"TLS certificate of {where} not trusted: {exc.verify_message}") from exc
    except socket.gaierror as exc:
        _close_quietly(client)
        raise TransientDeliveryError(f"Cannot resolve SMTP host {smtp.host!r}: {exc.strerror or exc}") from exc
    except TimeoutError as exc:  # socket.timeout is TimeoutError since 3.10
        _close_quietly(client)
        raise TransientDeliveryError(f"SMTP server {where} timed out after {timeout:g} s.") from exc
    except OSError as exc:  # refused, reset, unreachable, other TLS errors
        _close_quietly(client)
        raise TransientDeliveryError(f"Cannot reach SMTP server {where}: {exc.strerror or exc}") from exc
    except smtplib.SMTPException as exc:
        _close_quietly(client)
        raise TransientDeliveryError(f"SMTP exchange with {where} failed: {exc}") from exc
    # The server accepted the message: a failing QUIT must not turn that into an error (and a duplicate).
    _close_quietly(client)
    refused_recipients = tuple(sorted(refused))
    detail = f"accepted by {where}"
    if refused_recipients:
        detail += "; refused: " + ", ".join(f"{r} ({refused[r][0]})" for r in refused_recipients)
    return DeliveryOutcome("smtp", detail, None, refused_recipients)


def _close_quietly(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _decode(exc.smtp_error)


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


AttemptCallback = Callable[[int, "DeliveryOutcome | DeliveryError"], None]


def send_with_retries(
    message: EmailMessage,
    smtp: SmtpConfig | None,
    outbox_dir: Path,
    attempts: int = 4,
    backoff: Sequence[float] = (1, 2, 4),
    sleep: Callable[[float], None] = time.sleep,
    on_attempt: AttemptCallback | None = None,
    timeout: float = 10,
) -> DeliveryOutcome:
    """Deliver with up to `attempts` tries, sleeping backoff[i] (last value repeated) after transient failures.

    `on_attempt(attempt_no, outcome_or_error)` is called after every try (1-based), e.g. to write the sent log.
    Returns the outcome; raises PermanentDeliveryError at once, or the last TransientDeliveryError when every
    try failed.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last_error: TransientDeliveryError | None = None
    for attempt_no in range(1, attempts + 1):
        try:
            outcome = deliver(message, smtp, outbox_dir, timeout=timeout)
        except PermanentDeliveryError as exc:
            if on_attempt is not None:
                on_attempt(attempt_no, exc)
            raise
        except TransientDeliveryError as exc:
            last_error = exc
            if on_attempt is not None:
                on_attempt(attempt_no, exc)
            if attempt_no < attempts and backoff:
                sleep(backoff[min(attempt_no - 1, len(backoff) - 1)])
            continue
        if on_attempt is not None:
            on_attempt(attempt_no, outcome)
        return outcome
    assert last_error is not None
    raise last_error
