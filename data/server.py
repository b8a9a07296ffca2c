"""The server side of `streamlit run app.py`: warehouse lifespan, demo-on-first-start and the HTTP API routes."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from data import settings, users
from data.warehouse import WarehouseError, close_warehouse, default_path, open_warehouse

log = logging.getLogger("seller_insights.server")

# Bodies larger than this are refused with 413 before they are parsed (a day of a big store's orders is ~10 MB).
MAX_BODY_BYTES = 50 * 1024 * 1024
# How many row problems a response lists (the LoadResult keeps the first 50 too).
MAX_PROBLEMS_SHOWN = 50

INGEST_KINDS = ("orders", "sessions", "traffic_stats", "ad_stats", "returns", "inventory", "products")
_OK_STATUSES = ("loaded", "nothing_new", "partial")
_SELLER_ID_MAX = 100
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------- demo on first start

_build_lock = threading.Lock()


@contextmanager
def _exclusive_file_lock(lock_path: Path):
    """Hold an exclusive OS lock on `lock_path` (another process waits); a no-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: the in-process lock still serialises threads
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_demo_warehouse(path: str | Path | None = None, **build_options: Any) -> Path:
    """The warehouse path, after building the demo store there if no warehouse file exists yet.

    Two servers (or a server and the app's lazy call) starting at once build it only once: the
    builder holds a lock file beside the warehouse, and builds into a temporary file that is renamed
    into place when complete, so a crash mid-build never leaves a half-built warehouse behind.
    `build_options` (scale, days, now, ...) go to `data.demo.build_demo`; the seed is SI_DEMO_SEED.
    """
    target = Path(path).expanduser().resolve() if path is not None else default_path().resolve()
    if target.exists():
        return target
    with _build_lock, _exclusive_file_lock(target.with_name(target.name + ".lock")):
        if target.exists():  # someone else built it while we waited
            return target
        from data.demo import build_demo

        seed_text = settings.get("SI_DEMO_SEED")
        try:
            seed = int(seed_text)
        except ValueError:
            raise WarehouseError(f"SI_DEMO_SEED must be a whole number, not {seed_text!r}.") from None
        building = target.with_name(target.name + ".building")
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)  # an earlier build killed halfway
        log.info("No warehouse at %s: building the demo store (seed %s); this takes a little while.", target, seed)
        wal = building.with_name(building.name + ".wal")
        try:
            build_demo(building, seed=seed, **build_options)
        except BaseException:
            close_warehouse(building)
            building.unlink(missing_ok=True)
            wal.unlink(missing_ok=True)
            raise
        close_warehouse(building)  # in case the builder used the process-wide owner
        if wal.exists():
            os.replace(wal, target.with_name(target.name + ".wal"))
        os.replace(building, target)
        log.info("Demo store ready at %s.", target)
    return target


# ------------------------------------------------------------------------------------------------------- lifespan

def _show_server_messages() -> None:
    """Print INFO messages of this module (demo build, warehouse open/close), the scheduler's jobs (alerts), the
    warm-up (analytics) and the rollup refreshes (data.rollups) on the server's console."""
    for logger in (log, logging.getLogger("alerts"), logging.getLogger("analytics"), logging.getLogger("data.rollups")):
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s seller-insights: %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False


@asynccontextmanager
async def server_lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    """st.App lifespan: build the demo store if needed, open the warehouse once for the process, close at exit.
    (app.py wraps it to start the alert scheduler: data/ does not import alerts/.)"""
    _show_server_messages()
    path = await asyncio.to_thread(ensure_demo_warehouse)
    wh = await asyncio.to_thread(open_warehouse, path)
    log.info("Warehouse %s open (schema version %s).", wh.path, wh.version)
    try:
        yield {"warehouse": wh}
    finally:
        close_warehouse(path)
        log.info("Warehouse %s closed.", path)


# ---------------------------------------------------------------------------------------------------- API routes

class ApiError(Exception):
    """A request problem answered as JSON {"status": "error", "message": ...} with an HTTP status."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers


def _error_response(err: ApiError) -> JSONResponse:
    return JSONResponse({"status": "error", "message": err.message}, status_code=err.status_code,
                        headers=err.headers)


def _health_summary() -> dict[str, Any]:
    wh = open_warehouse()
    return {
        "status": "ok",
        "schema_version": wh.version,
        "warehouse": wh.path.name,
        "sellers": int(wh.scalar("SELECT count(*) FROM sellers")),
        "ingest_enabled": bool(settings.get("SI_INGEST_TOKEN")),
    }


async def health(request: Request) -> JSONResponse:
    """GET /api/health: the server is up and its warehouse answers."""
    try:
        summary = await run_in_threadpool(_health_summary)
    except WarehouseError as exc:
        return JSONResponse({"status": "error", "message": str(exc),
                             "ingest_enabled": bool(settings.get("SI_INGEST_TOKEN"))}, status_code=503)
    return JSONResponse(summary)


def _check_token(request: Request) -> users.User | None:
    """Who is pushing: None for the server-wide SI_INGEST_TOKEN (every store), or the user whose personal API
    token it is (only their granted stores). Raises ApiError otherwise (tokens compared in constant time)."""
    expected = settings.get("SI_INGEST_TOKEN")
    known = users.load_users()
    if not expected and not any(u.api_token_sha256 for u in known.values()):
        raise ApiError(403, "The ingest API is switched off: set SI_INGEST_TOKEN on the server, or give a user an "
                            "API token (python -m data users token NAME), to enable it.")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="seller-insights"'}
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "Missing token: send the header 'Authorization: Bearer <token>'.", challenge)
    token = given.strip()
    if expected and hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
        return None
    user = users.user_for_token(token)
    if user is None:
        raise ApiError(401, "Wrong ingest token.", challenge)
    return user


def _check_grant(pusher: users.User | None, seller_id: str) -> None:
    """A personal token writes only to the stores its user may see (the same grants as the app)."""
    if pusher is not None and not pusher.may_see(seller_id):
        raise ApiError(403, f"The token of {pusher.username!r} may not write to store {seller_id!r}.")


async def _read_body(request: Request) -> bytes:
    """The request body, refusing (413) anything over MAX_BODY_BYTES without reading it all."""
    limit = MAX_BODY_BYTES
    too_big = ApiError(413, f"The body is larger than the {limit // (1024 * 1024)} MB limit: "
                            "split the push into smaller batches.")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_big
        except ValueError:
            raise ApiError(400, "Content-Length is not a number.") from None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "The client went away before the body was complete.") from None
    return b"".join(chunks)


def _valid_seller_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"Missing seller: give a non-empty seller id {where}.")
    seller_id = value.strip()
    if len(seller_id) > _SELLER_ID_MAX or _CONTROL_CHARS.search(seller_id):
        raise ApiError(400, f"Invalid seller id {seller_id[:40]!r}: at most {_SELLER_ID_MAX} characters, "
                            "no control characters.")
    return seller_id


def _records_from_json(body: bytes, query_seller: str | None) -> tuple[list[dict[str, Any]], str]:
    """(records, seller_id) from a JSON body: {"seller_id": ..., "records": [...]} or a bare list with ?seller=."""
    if not body.strip():
        raise ApiError(400, "The body is empty: send a JSON object {\"seller_id\": ..., \"records\": [...]}.")
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "The body is not valid JSON: it is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    if isinstance(payload, dict):
        if "records" not in payload:
            raise ApiError(400, "The JSON object has no \"records\" list: send "
                                "{\"seller_id\": ..., \"records\": [{...}, ...]}.")
        records = payload["records"]
        body_seller = payload.get("seller_id")
        if body_seller is not None and query_seller is not None and str(body_seller).strip() != query_seller.strip():
            raise ApiError(400, f"The body says seller_id {body_seller!r} but the URL says ?seller={query_seller!r}: "
                                "give one, or the same in both.")
        seller_id = _valid_seller_id(body_seller if body_seller is not None else query_seller,
                                     "as \"seller_id\" in the body or ?seller= in the URL")
    elif isinstance(payload, list):
        records = payload
        seller_id = _valid_seller_id(query_seller, "with ?seller= in the URL (the body is a bare list of records)")
    else:
        raise ApiError(400, "The JSON body must be an object with \"seller_id\" and \"records\", or a list of records.")
    if not isinstance(records, list):
        raise ApiError(400, "\"records\" must be a list of objects.")
    if not records:
        raise ApiError(400, "\"records\" is empty: nothing to load.")
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ApiError(400, f"Record {i} is not a JSON object (it is {type(record).__name__}).")
    return records, seller_id


def _load_result_json(result: Any) -> dict[str, Any]:
    problems = [
        {"row": p.row, "column": p.column, "reason": p.reason, "value": p.value}
        for p in list(result.problems)[:MAX_PROBLEMS_SHOWN]
    ]
    return {
        "status": result.status,
        "seller_id": result.seller_id,
        "kind": result.kind,
        "format": result.format,
        "load_id": result.load_id,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_duplicate": result.rows_duplicate,
        "rows_rejected": result.rows_rejected,
        "problem_count": max(result.problem_count, len(result.problems)),
        "problems": problems,
        "message": result.message,
        "totals": result.totals,             # what the load added up (orders, restated rows, days with sessions...)
        "sheets": [{"name": name, "first_row": first, "last_row": last} for name, first, last in result.sheets],
        "sheets_skipped": list(result.sheets_skipped),
    }


async def ingest(request: Request) -> JSONResponse:
    """POST /api/ingest/{kind}: load pushed rows (JSON records or a CSV/Excel/Parquet body) for one seller."""
    try:
        pusher = _check_token(request)
        kind = request.path_params["kind"]
        if kind not in INGEST_KINDS:
            raise ApiError(400, f"Unknown kind {kind[:40]!r}: use one of {', '.join(INGEST_KINDS)}.")
        from data.ingest import FORMATS, ingest_bytes, ingest_records

        fmt = request.query_params.get("format", "auto")
        if fmt not in FORMATS:
            raise ApiError(400, f"Unknown format {fmt[:40]!r}: use one of {', '.join(FORMATS)}.")
        query_seller = request.query_params.get("seller")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        filename = request.query_params.get("filename")
        body = await _read_body(request)

        if content_type == "application/json" or content_type.endswith("+json"):
            records, seller_id = _records_from_json(body, query_seller)
            _check_grant(pusher, seller_id)
            wh = await run_in_threadpool(open_warehouse)
            result = await run_in_threadpool(ingest_records, wh, records, seller_id=seller_id, kind=kind)
        elif content_type in ("text/csv", "application/csv", "text/plain", "application/octet-stream") \
                or (filename and content_type not in ("application/x-www-form-urlencoded", "multipart/form-data")):
            seller_id = _valid_seller_id(query_seller, "with ?seller= in the URL")
            _check_grant(pusher, seller_id)
            if not body:
                raise ApiError(400, "The body is empty: nothing to load.")
            if not filename:
                if content_type == "application/octet-stream":
                    raise ApiError(400, "A binary body needs ?filename=NAME.csv|.xlsx|.parquet so its format is known.")
                filename = f"{kind}.csv"
            filename = Path(filename).name or f"{kind}.csv"  # a name, never a path
            wh = await run_in_threadpool(open_warehouse)
            result = await run_in_threadpool(ingest_bytes, wh, body, filename=filename, seller_id=seller_id,
                                             kind=kind, fmt=fmt,
                                             password=request.headers.get("x-file-password") or None)
        else:
            raise ApiError(415, f"Unsupported Content-Type {content_type or '(none)'!r}: send application/json, "
                                "text/csv, or application/octet-stream with ?filename=.")
    except ApiError as err:
        return _error_response(err)
    except WarehouseError as exc:
        log.error("Ingest push could not reach the warehouse: %s", exc)
        return JSONResponse({"status": "error", "message": str(exc)}, status_code=503)

    log.info("Ingest push: seller=%s kind=%s status=%s loaded=%s duplicate=%s rejected=%s",
             result.seller_id, kind, result.status, result.rows_loaded, result.rows_duplicate, result.rows_rejected)
    return JSONResponse(_load_result_json(result), status_code=200 if result.status in _OK_STATUSES else 422)


# ------------------------------------------------------------------------------------------------------ sign-in

_LOGIN_TEXT = {
    "ko": {"title": "Seller Insights 로그인", "user": "아이디", "password": "비밀번호", "submit": "로그인",
           "failed": "아이디 또는 비밀번호가 맞지 않습니다.", "other": "English"},
    "en": {"title": "Sign in to Seller Insights", "user": "User name", "password": "Password", "submit": "Sign in",
           "failed": "Wrong user name or password.", "other": "한국어"},
}


def _login_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in _LOGIN_TEXT:
        return asked
    return "en" if request.headers.get("accept-language", "ko").lower().startswith("en") else "ko"


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this server only (no //host, no scheme)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _login_page(lang: str, next_path: str, failed: bool = False, username: str = "") -> HTMLResponse:
    from html import escape

    txt = _LOGIN_TEXT[lang]
    other = "en" if lang == "ko" else "ko"
    error = f'<p class="err" role="alert">{escape(txt["failed"])}</p>' if failed else ""
    page = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(txt["title"])}</title>
<style>body{{font-family:"Noto Sans KR","Noto Sans CJK KR",system-ui,sans-serif;background:#f4f5f7;margin:0}}
main{{max-width:360px;margin:12vh auto;background:#fff;padding:32px;border-radius:12px;
box-shadow:0 1px 4px rgba(0,0,0,.08)}}h1{{font-size:1.3rem;margin:0 0 20px}}label{{display:block;margin:12px 0 4px}}
input{{width:100%;box-sizing:border-box;padding:10px;border:1px solid #ccd;border-radius:8px;font-size:1rem}}
button{{margin-top:20px;width:100%;padding:11px;border:0;border-radius:8px;background:#d64545;color:#fff;
font-size:1rem;cursor:pointer}}.err{{color:#b42318}}.lang{{display:block;margin-top:16px;text-align:right}}</style>
</head><body><main><h1>{escape(txt["title"])}</h1>{error}
<form method="post" action="/auth/login"><input type="hidden" name="next" value="{escape(next_path)}">
<input type="hidden" name="lang" value="{lang}">
<label for="u">{escape(txt["user"])}</label><input id="u" name="username" autocomplete="username" required
 value="{escape(username)}" autofocus>
<label for="p">{escape(txt["password"])}</label><input id="p" name="password" type="password"
 autocomplete="current-password" required>
<button type="submit">{escape(txt["submit"])}</button></form>
<a class="lang" href="/auth/login?lang={other}">{escape(txt["other"])}</a></main></body></html>"""
    return HTMLResponse(page, status_code=401 if failed else 200,
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


async def login_form(request: Request) -> HTMLResponse:
    """GET /auth/login: the sign-in form (Korean or English)."""
    return _login_page(_login_language(request), _safe_next(request.query_params.get("next")))


LOGIN_MAX_FAILURES = 5            # wrong passwords for one user name ...
LOGIN_WINDOW_SECONDS = 300        # ... within 5 minutes lock that name for the rest of the window
_login_failures: dict[str, list[float]] = {}
_login_lock = threading.Lock()


def _recent_failures(username: str, now: float) -> int:
    with _login_lock:
        times = [t for t in _login_failures.get(username.lower(), []) if now - t < LOGIN_WINDOW_SECONDS]
        _login_failures[username.lower()] = times
        return len(times)


def _note_failure(username: str, now: float) -> None:
    with _login_lock:
        _login_failures.setdefault(username.lower(), []).append(now)
        if len(_login_failures) > 10_000:                 # bounded: forget the oldest names
            _login_failures.pop(next(iter(_login_failures)))


async def login_submit(request: Request) -> Response:
    """POST /auth/login: check the password (bcrypt), set the signed session cookie, go to the app. Five wrong
    passwords for one name within 5 minutes lock that name until the window has passed (429)."""
    import time

    form = await request.form()
    username = str(form.get("username") or "")[:200].strip()
    password = str(form.get("password") or "")[:1000]
    lang = str(form.get("lang") or "ko")
    lang = lang if lang in _LOGIN_TEXT else "ko"
    next_path = _safe_next(str(form.get("next") or "/"))
    now = time.time()
    if _recent_failures(username, now) >= LOGIN_MAX_FAILURES:
        log.warning("Sign-in locked for %r after %d failures", username[:40], LOGIN_MAX_FAILURES)
        page = _login_page(lang, next_path, failed=True, username=username)
        page.status_code = 429
        page.headers["Retry-After"] = str(LOGIN_WINDOW_SECONDS)
        return page
    user = await run_in_threadpool(users.authenticate, username, password)
    if user is None:
        _note_failure(username, now)
        log.info("Sign-in refused for %r", username[:40])
        return _login_page(lang, next_path, failed=True, username=username)
    from data import sessions

    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(sessions.COOKIE, sessions.issue(user.username), max_age=sessions.LIFETIME_SECONDS,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.server_url().startswith("https://"))
    log.info("Signed in: %s (%s)", user.username, user.role)
    return response


async def logout(request: Request) -> Response:
    """GET /auth/logout: forget the session cookie, back to the sign-in form."""
    from data import sessions

    response = RedirectResponse("/auth/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


async def export(request: Request) -> Response:
    """GET /api/export/{token}: a workspace result streamed as CSV or Parquet, for the signed-in user who asked
    for it (session cookie checked again), through the same sandbox and scoped views as the page."""
    from data import exports, sessions
    from data.sandbox import QueryError, QueryRefused, Sandbox
    from data.scope import Scope, ScopedWarehouse

    job = exports.export_job(request.path_params["token"])
    if job is None:
        return JSONResponse({"status": "error", "message": "Unknown or expired export link: run the query again."},
                            status_code=404)
    username = sessions.verify(request.cookies.get(sessions.COOKIE))
    user = users.load_users().get(username or "")
    if user is None or user.username != job.username:
        return JSONResponse({"status": "error", "message": "Sign in as the user who made this export."},
                            status_code=403)
    wh = await run_in_threadpool(open_warehouse)
    scope = Scope.all_sellers() if user.sees_all else Scope.sellers(user.sellers)
    try:
        batches = await run_in_threadpool(Sandbox(ScopedWarehouse(wh, scope)).stream, job.sql, job.params)
    except (QueryRefused, QueryError) as exc:
        return JSONResponse({"status": "error", "message": str(exc)}, status_code=400)
    media_type, extension = exports.FORMATS[job.fmt]
    log.info("Export for %s (%s) started", user.username, job.fmt)
    return StreamingResponse(iterate_in_threadpool(exports.encode(batches, job.fmt)), media_type=media_type,
                             headers={"Content-Disposition": f'attachment; filename="query_export.{extension}"',
                                      "Cache-Control": "no-store"})


def api_routes() -> list[Route]:
    """The HTTP routes served beside the pages: GET /api/health, POST /api/ingest/{kind}, and sign-in
    (GET/POST /auth/login, GET /auth/logout)."""
    return [
        Route("/api/health", health, methods=["GET"]),
        Route("/api/ingest/{kind}", ingest, methods=["POST"]),
        Route("/auth/login", login_form, methods=["GET"]),
        Route("/auth/login", login_submit, methods=["POST"]),
        Route("/auth/logout", logout, methods=["GET"]),
        Route("/api/export/{token}", export, methods=["GET"]),
    ]
