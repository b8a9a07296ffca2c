"""Alert email building and delivery: a real aiosmtpd server on 127.0.0.1, real kaleido PNGs, real outbox files."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import plotly.graph_objects as go
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.chart_image import PNG_MAGIC, ChartImageError, figure_png
from alerts.email import (
    KEY_HEADER,
    AlertEmail,
    DeliveryOutcome,
    EmailBuildError,
    EmailConfigError,
    PermanentDeliveryError,
    SmtpConfig,
    TransientDeliveryError,
    build_message,
    deliver,
    message_id_for_key,
    outbox_dir_from_settings,
    send_with_retries,
    smtp_config_from_settings,
)

SENDER = "Seller Insights <alerts@example.com>"
KO_SUBJECT = "[멍냥마켓] 오늘 매출이 평소보다 45% 적어요"
# A tiny valid 1x1 PNG (for tests that do not need Chromium).
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def korean_email(**overrides) -> AlertEmail:
    fields = dict(
        to=["owner@example.com"],
        language="ko",
        subject=KO_SUBJECT,
        headline="오늘 14시까지 매출이 평소 화요일보다 45% 적어요",
        summary_lines=["14시까지 매출 ₩412,000 — 평소 화요일 이 시간에는 ₩750,000."],
        explanation_lines=[
            "'프리미엄 고양이 모래 10kg'이 09:12부터 품절이에요.",
            "검색광고 '고양이모래_브랜드'가 멈췄어요.",
        ],
        evidence_url="https://insights.example.com/alerts?seller=petshop_kr&id=42",
        chart_png=TINY_PNG,
        idempotency_key="petshop_kr/revenue_intraday/2026-11-17T14",
        footer="멍냥마켓의 '매출 급감' 알림 규칙에 따라 보내드린 메일이에요.",
        key_figures=[("14시까지 매출", "₩412,000"), ("차이", "−45%")],
    )
    fields.update(overrides)
    return AlertEmail(**fields)


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def inline_images(msg: EmailMessage) -> list[EmailMessage]:
    return [part for part in msg.walk() if part.get_content_type() == "image/png"]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


# ------------------------------------------------------------------------------------------ SMTP server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler keeping every message; recipients matching `refuse` get that reply."""

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse or {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook name
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def accept_user_pw(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"shop" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    """Start a real aiosmtpd server on 127.0.0.1; returns a function (handler=None, **controller kwargs)."""
    controllers: list[Controller] = []

    def start(handler: RecordingHandler | None = None, port: int | None = None, **kwargs):
        handler = handler or RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **kwargs)
        controller.start()
        controllers.append(controller)
        return handler, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def plain_smtp(port: int, **kwargs) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, tls="none", sender="alerts@example.com", **kwargs)


# ------------------------------------------------------------------------------------------ building


def test_message_structure_ids_and_korean_subject():
    msg = build_message(korean_email(), SENDER, now=datetime(2026, 11, 17, 5, 0, tzinfo=UTC))
    raw = msg.as_bytes()
    subject_line = next(line for line in raw.splitlines() if line.startswith(b"Subject:"))
    assert subject_line.isascii() and b"=?utf-8?" in subject_line  # RFC 2047-encoded on the wire
    parsed = parse(raw)
    assert parsed["Subject"] == KO_SUBJECT
    assert parsed.get_content_type() == "multipart/alternative"
    plain_part, related_part = parsed.get_payload()
    assert plain_part.get_content_type() == "text/plain"
    assert related_part.get_content_type() == "multipart/related"
    html_part, image_part = related_part.get_payload()
    assert html_part.get_content_type() == "text/html" and image_part.get_content_type() == "image/png"
    assert plain_part.get_content_charset() == html_part.get_content_charset() == "utf-8"
    assert raw.isascii()  # quoted-printable/base64 bodies: safe through relays without 8BITMIME
    cid = image_part["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()
    assert image_part.get_content() == TINY_PNG
    assert "품절" in plain_part.get_content() and "품절" in html_part.get_content()
    assert parsed[KEY_HEADER] == "petshop_kr/revenue_intraday/2026-11-17T14"
    assert parsed["Message-ID"] == message_id_for_key("petshop_kr/revenue_intraday/2026-11-17T14")
    assert parsed["Date"] == "Tue, 17 Nov 2026 05:00:00 +0000"
    assert parsed["Content-Language"] == "ko" and parsed["Auto-Submitted"] == "auto-generated"
    # Same key, same Message-ID; another key, another.
    again = build_message(korean_email(), SENDER)
    other = build_message(korean_email(idempotency_key="petshop_kr/revenue_intraday/2026-11-17T15"), SENDER)
    assert again["Message-ID"] == msg["Message-ID"] != other["Message-ID"]


def test_plain_text_part_carries_everything_in_english():
    msg = build_message(
        korean_email(
            language="en",
            subject="Revenue 45% below a normal Tuesday",
            headline="Revenue is 45% below a normal Tuesday by 2 pm",
            summary_lines=["$4,120 by 2 pm; normally $7,500."],
            explanation_lines=["'Ultralight Tent 2P' out of stock since 09:12."],
            footer="You get this because of the rule 'Revenue drop'.",
            key_figures=[("Revenue by 2 pm", "$4,120")],
            mute_url="https://insights.example.com/mute?rule=7",
        ),
        SENDER,
    )
    text = msg.get_body(("plain",)).get_content()
    for expected in (
        "Revenue is 45% below a normal Tuesday by 2 pm",
        "Revenue by 2 pm: $4,120",
        "$4,120 by 2 pm; normally $7,500.",
        "What changed",
        "- 'Ultralight Tent 2P' out of stock since 09:12.",
        "See the evidence: https://insights.example.com/alerts?seller=petshop_kr&id=42",
        "You get this because of the rule 'Revenue drop'.",
        "Mute this alert: https://insights.example.com/mute?rule=7",
    ):
        assert expected in text
    assert msg["List-Unsubscribe"] == "<https://insights.example.com/mute?rule=7>"
    assert '<html lang="en">' in msg.get_body(("html",)).get_content()


def test_html_escapes_every_caller_text():
    nasty = "<script>alert('x')</script> & \"쿠키\""
    msg = build_message(
        korean_email(
            headline=nasty,
            summary_lines=[nasty],
            explanation_lines=["<img src=x onerror=alert(1)>"],
            footer="<b>footer</b>",
            key_figures=[("<i>label</i>", "<u>1</u>")],
            evidence_url="https://insights.example.com/a?x=1&y='2'",
        ),
        SENDER,
    )
    page = msg.get_body(("html",)).get_content()
    for raw in ("<script>", "<img src=x", "<b>footer", "<i>label", "<u>1", "y='2'\""):
        assert raw not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;쿠키&quot;" in page
    assert 'href="https://insights.example.com/a?x=1&amp;y=&#x27;2&#x27;"' in page
    # The plain part is text, shown as written.
    assert nasty in msg.get_body(("plain",)).get_content()


def test_header_injection_and_bad_input_are_refused():
    msg = build_message(korean_email(subject="할인\r\nBcc: victim@example.com"), SENDER)
    parsed = parse(msg.as_bytes())
    assert parsed["Bcc"] is None and parsed["Subject"] == "할인 Bcc: victim@example.com"
    bad_inputs = {
        "recipients": dict(to=[]),
        "a usable recipient": dict(to=["not-an-address"]),
        "give a list": dict(to="owner@example.com"),
        "language": dict(language="jp"),
        "an http": dict(evidence_url="javascript:alert(1)"),
        "idempotency key": dict(idempotency_key="  "),
        "PNG bytes": dict(chart_png=b"GIF89a"),
    }
    for words, override in bad_inputs.items():
        with pytest.raises(EmailBuildError, match=re.escape(words)):
            build_message(korean_email(**override), SENDER)
    with pytest.raises(EmailBuildError, match="sender"):
        build_message(korean_email(), "no address here")


def test_without_chart_the_email_says_so_and_has_no_image():
    note = "차트 이미지를 만들지 못했어요: 서버에 Chromium이 없어요."
    msg = build_message(korean_email(chart_png=None, chart_note=note), SENDER)
    assert inline_images(msg) == []
    assert [p.get_content_type() for p in msg.get_payload()] == ["text/plain", "text/html"]
    page = msg.get_body(("html",)).get_content()
    assert "<img" not in page and note in page
    assert note in msg.get_body(("plain",)).get_content()


# ------------------------------------------------------------------------------------------ chart image


def test_figure_png_renders_real_png_and_stays_warm():
    fig = go.Figure(go.Scatter(x=list(range(14)), y=[100, 104, 98, 110, 107, 103, 99, 101, 105, 97, 108, 104, 102, 55]))
    fig.update_layout(title="매출 추이")
    first = figure_png(fig, width=720, height=360)
    assert first[:8] == PNG_MAGIC and png_size(first) == (720, 360)
    started = time.perf_counter()
    second = figure_png(fig.to_dict(), width=300, height=200)
    warm_seconds = time.perf_counter() - started
    assert png_size(second) == (300, 200)
    assert warm_seconds < 5  # a warm renderer does not start Chromium again (cold start is ~2-4 s)


def test_missing_chromium_gives_clear_chart_image_error(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))
    with pytest.raises(ChartImageError, match="BROWSER_PATH=.*no-chromium-here.*not an executable Chromium"):
        figure_png(go.Figure())
    with pytest.raises(ChartImageError, match="Plotly figure"):
        figure_png("not a figure")


# ------------------------------------------------------------------------------------------ SMTP delivery


def test_smtp_delivers_korean_email_with_real_chart(smtp_server):
    handler, port = smtp_server()
    fig = go.Figure([go.Scatter(x=[1, 2, 3, 4], y=[10, 11, 10, 4], name="매출")])
    png = figure_png(fig)
    korean_sender = "멍냥마켓 알림 <alerts@example.com>"
    msg = build_message(korean_email(chart_png=png, to=["owner@example.com", "staff@example.com"]), korean_sender)
    outcome = deliver(msg, plain_smtp(port), Path("/nonexistent-outbox"))
    assert outcome.channel == "smtp" and outcome.path is None and outcome.refused_recipients == ()
    assert len(handler.messages) == 1
    mail_from, rcpt_tos, raw = handler.messages[0]
    assert mail_from == "alerts@example.com" and rcpt_tos == ["owner@example.com", "staff@example.com"]
    received = parse(raw)
    assert received["Subject"] == KO_SUBJECT and received["From"] == korean_sender
    assert received["Content-Language"] == "ko"
    assert "평소 화요일보다 45% 적어요" in received.get_body(("plain",)).get_content()
    assert "평소 화요일보다 45% 적어요" in received.get_body(("html",)).get_content()
    [image] = inline_images(received)
    data = image.get_content()
    assert data[:8] == PNG_MAGIC and data == png and png_size(data) == (720, 360)
    assert f"cid:{image['Content-ID'].strip('<>')}" in received.get_body(("html",)).get_content()


def test_smtp_login_variant_and_refused_login(smtp_server):
    handler, port = smtp_server(authenticator=accept_user_pw, auth_require_tls=False)
    outcome = deliver(
        build_message(korean_email(), SENDER), plain_smtp(port, user="shop", password="s3cret"), Path(".")
    )
    assert outcome.channel == "smtp" and len(handler.messages) == 1
    with pytest.raises(PermanentDeliveryError, match="login .* refused") as refused:
        deliver(build_message(korean_email(), SENDER), plain_smtp(port, user="shop", password="wrong"), Path("."))
    assert refused.value.code == 535 and len(handler.messages) == 1


def test_recipient_replies_map_to_permanent_transient_and_partial(smtp_server):
    handler, port = smtp_server(
        RecordingHandler(
            refuse={"gone@example.com": "550 5.1.1 No such user", "full@example.com": "452 4.2.2 Mailbox full"}
        )
    )
    smtp = plain_smtp(port)
    with pytest.raises(PermanentDeliveryError, match="gone@example.com") as permanent:
        deliver(build_message(korean_email(to=["gone@example.com"]), SENDER), smtp, Path("."))
    assert permanent.value.code == 550
    with pytest.raises(TransientDeliveryError, match="full@example.com") as transient:
        deliver(build_message(korean_email(to=["full@example.com"]), SENDER), smtp, Path("."))
    assert transient.value.code == 452
    partial = deliver(
        build_message(korean_email(to=["owner@example.com", "gone@example.com"]), SENDER), smtp, Path(".")
    )
    assert partial.refused_recipients == ("gone@example.com",) and "550" in partial.detail
    assert [rcpts for _, rcpts, _ in handler.messages] == [["owner@example.com"]]


def test_server_down_is_transient_and_silent_server_times_out():
    msg = build_message(korean_email(), SENDER)
    with pytest.raises(TransientDeliveryError, match="Cannot reach SMTP server 127.0.0.1"):
        deliver(msg, plain_smtp(free_port()), Path("."), timeout=2)
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.perf_counter()
        with pytest.raises(TransientDeliveryError, match="timed out"):
            deliver(msg, plain_smtp(silent.getsockname()[1]), Path("."), timeout=0.5)
        assert time.perf_counter() - started < 5


def test_starttls_required_but_not_offered_is_permanent(smtp_server):
    handler, port = smtp_server()
    smtp = SmtpConfig(host="127.0.0.1", port=port, tls="starttls")
    with pytest.raises(PermanentDeliveryError, match="does not offer STARTTLS"):
        deliver(build_message(korean_email(), SENDER), smtp, Path("."))
    assert handler.messages == []


@pytest.fixture
def self_signed_cert(tmp_path, monkeypatch):
    """A certificate for 127.0.0.1/localhost, trusted by the client through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_with_login_delivers(smtp_server, self_signed_cert):
    handler, port = smtp_server(tls_context=self_signed_cert, require_starttls=True, authenticator=accept_user_pw)
    smtp = SmtpConfig(host="127.0.0.1", port=port, tls="starttls", user="shop", password="s3cret")
    outcome = deliver(build_message(korean_email(), SENDER), smtp, Path("."))
    assert outcome.channel == "smtp" and len(handler.messages) == 1
    assert parse(handler.messages[0][2])["Subject"] == KO_SUBJECT


def test_implicit_ssl_delivers(smtp_server, self_signed_cert):
    handler, port = smtp_server(ssl_context=self_signed_cert)
    smtp = SmtpConfig(host="127.0.0.1", port=port, tls="ssl")
    assert deliver(build_message(korean_email(), SENDER), smtp, Path(".")).channel == "smtp"
    assert len(handler.messages) == 1


# ------------------------------------------------------------------------------------------ retries


def test_down_then_up_is_delivered_exactly_once(smtp_server):
    port = free_port()
    started: list = []
    sleeps: list[float] = []
    attempts: list[tuple[int, object]] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:  # the server comes back after the second failure
            started.append(smtp_server(port=port)[0])

    outcome = send_with_retries(
        build_message(korean_email(), SENDER), plain_smtp(port), Path("."),
        sleep=fake_sleep, on_attempt=lambda n, result: attempts.append((n, result)),
    )  # fmt: skip
    assert outcome.channel == "smtp"
    assert sleeps == [1, 2]
    assert [n for n, _ in attempts] == [1, 2, 3]
    assert [type(r) for _, r in attempts] == [TransientDeliveryError, TransientDeliveryError, DeliveryOutcome]
    assert len(started[0].messages) == 1


def test_retries_give_up_after_attempts_and_stop_at_permanent_errors(smtp_server):
    sleeps: list[float] = []
    attempts: list[int] = []
    with pytest.raises(TransientDeliveryError):
        send_with_retries(
            build_message(korean_email(), SENDER), plain_smtp(free_port()), Path("."),
            attempts=4, backoff=(1, 2, 4), sleep=sleeps.append, on_attempt=lambda n, r: attempts.append(n),
        )  # fmt: skip
    assert sleeps == [1, 2, 4] and attempts == [1, 2, 3, 4]

    handler, port = smtp_server(RecordingHandler(refuse={"gone@example.com": "550 No such user"}))
    sleeps.clear()
    attempts.clear()
    with pytest.raises(PermanentDeliveryError):
        send_with_retries(
            build_message(korean_email(to=["gone@example.com"]), SENDER), plain_smtp(port), Path("."),
            sleep=sleeps.append, on_attempt=lambda n, r: attempts.append(n),
        )  # fmt: skip
    assert sleeps == [] and attempts == [1]


# ------------------------------------------------------------------------------------------ outbox


def test_outbox_writes_one_parseable_eml_per_key(tmp_path):
    outbox = tmp_path / "outbox"
    msg = build_message(korean_email(idempotency_key="petshop_kr/매출 급감/2026-11-17"), SENDER)
    first = deliver(msg, None, outbox)
    assert first.channel == "outbox" and first.path is not None and first.path.parent == outbox
    assert first.path.name.endswith(".eml") and first.path.name.isascii()
    assert "/" not in first.path.name and " " not in first.path.name
    again = deliver(
        build_message(korean_email(idempotency_key="petshop_kr/매출 급감/2026-11-17"), SENDER), None, outbox
    )
    assert again.path == first.path and "already" in again.detail
    other = deliver(
        build_message(korean_email(idempotency_key="petshop_kr/매출_급감/2026-11-17"), SENDER), None, outbox
    )
    assert other.path != first.path  # keys differing only in unsafe characters do not collide
    assert sorted(p.name for p in outbox.iterdir()) == sorted([first.path.name, other.path.name])  # no temp files

    parsed = parse(first.path.read_bytes())
    assert parsed["Subject"] == KO_SUBJECT and parsed[KEY_HEADER] == "petshop_kr/매출 급감/2026-11-17"
    assert parsed.get_body(("plain",)).get_content() == msg.get_body(("plain",)).get_content()
    assert parsed.get_body(("html",)).get_content() == msg.get_body(("html",)).get_content()
    assert [p.get_content() for p in inline_images(parsed)] == [TINY_PNG]


def test_outbox_concurrent_writers_leave_one_file(tmp_path):
    outbox = tmp_path / "outbox"
    msg = build_message(korean_email(), SENDER)
    outcomes: list[DeliveryOutcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(deliver(msg, None, outbox))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 8 and len({o.path for o in outcomes}) == 1
    assert len(list(outbox.iterdir())) == 1
    assert sum("written" in o.detail for o in outcomes) == 1


def test_outbox_unwritable_is_permanent(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermanentDeliveryError, match="outbox folder"):
        deliver(build_message(korean_email(), SENDER), None, blocker / "outbox")


# ------------------------------------------------------------------------------------------ settings


def test_smtp_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("SI_SMTP_HOST", raising=False)
    assert smtp_config_from_settings() is None
    assert outbox_dir_from_settings() == tmp_path / "outbox"  # conftest points SI_OUTBOX_DIR here
    monkeypatch.setenv("SI_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("SI_SMTP_PORT", "465")
    monkeypatch.setenv("SI_SMTP_TLS", "SSL")
    monkeypatch.setenv("SI_SMTP_USER", "shop")
    monkeypatch.setenv("SI_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("SI_SMTP_SENDER", "멍냥마켓 알림 <alerts@example.com>")
    config = smtp_config_from_settings()
    assert config == SmtpConfig("smtp.example.com", 465, "shop", "s3cret", "ssl", "멍냥마켓 알림 <alerts@example.com>")
    assert "s3cret" not in repr(config)
    monkeypatch.setenv("SI_SMTP_PORT", "five-eight-seven")
    with pytest.raises(EmailConfigError, match="SI_SMTP_PORT"):
        smtp_config_from_settings()
    monkeypatch.setenv("SI_SMTP_PORT", "587")
    monkeypatch.setenv("SI_SMTP_TLS", "tls1.3")
    with pytest.raises(EmailConfigError, match="SI_SMTP_TLS must be one of starttls, ssl, none"):
        smtp_config_from_settings()
