"""Signed sign-in sessions: the cookie the /auth/login route sets and every page run verifies.

A session token is `username.expires.signature` (base64url without padding: cookie-safe, never quoted), the signature an HMAC-SHA256 over the rest with the server's
session secret (SI_SESSION_SECRET, or a random secret kept beside the users file, created on first use). The
cookie is HttpOnly and SameSite=Lax; Streamlit sends it with the page's websocket, so `st.context.cookies`
sees it and a reload keeps the seller signed in. Changing the secret signs everybody out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from data import settings, users

COOKIE = "si_session"
LIFETIME_SECONDS = 12 * 3600


def _secret() -> bytes:
    configured = settings.get("SI_SESSION_SECRET")
    if configured:
        return configured.encode("utf-8")
    path: Path = users.users_path().with_suffix(".secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass                                  # another process made it first
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _sign(payload: str) -> str:
    digest = hmac.new(_secret(), payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(username: str, now: float | None = None) -> str:
    """A session token for `username`, valid for LIFETIME_SECONDS."""
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    payload = f"{base64.urlsafe_b64encode(username.encode()).decode().rstrip('=')}.{expires}"
    return f"{payload}.{_sign(payload)}"


def verify(token: str | None, now: float | None = None) -> str | None:
    """The user name in a valid, unexpired token; None for anything else (never raises)."""
    if not token or token.count(".") != 2:
        return None
    encoded, expires, signature = token.split(".")
    payload = f"{encoded}.{expires}"
    try:
        if not hmac.compare_digest(_sign(payload), signature):
            return None
        if int(expires) < (now if now is not None else time.time()):
            return None
        return base64.urlsafe_b64decode((encoded + "=" * (-len(encoded) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
