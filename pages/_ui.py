"""Shared page helpers: the warehouse handle, cached analytics calls, the sidebar filters, KPI tiles."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import polars as pl
import streamlit as st

from alerts.notify import STORE_PARAM
from analytics import kpis, sellers, warehouse_status, warmup
from analytics.i18n import LANGUAGES, STRINGS, language_of_locale, names, normalise_language, t
from analytics.ingest_text import problem_text
from analytics.metrics import (
    KPI_METRICS,
    METRICS,
    PERIOD_DEFINITIONS,
    format_delta,
    format_metric_value,
    format_money,
    metric_help,
    metric_label,
)
from data import ingest, settings, users
from data.ingest import LoadResult, Preview, RowProblem
from data.scope import Scope, ScopedWarehouse
from data.warehouse import Warehouse, WarehouseError, default_path, open_warehouse

log = logging.getLogger(__name__)

# session_state keys shared by every page (widgets use the same names as their key=)
LANG_KEY = "lang"
SELLER_KEY = "seller_id"
DATE_RANGE_KEY = "date_range"
AS_OF_KEY = "as_of_utc"        # optional clock override (tests, demos): naive UTC datetime or ISO text
VIEW_AS_OF_KEY = "view_as_of"   # "data" | "now": for a store whose data ended, view it as of its latest data?
DATA_AS_OF_KEY = "_data_as_of"  # the clock render_filters chose from the store's data (naive UTC), or absent
RANGE_ANCHOR_KEY = "_date_range_anchor"   # which data clock the date range was set for (None: the wall clock)
FILTERS_KEY = "_filters"
USER_KEY = "auth_user"          # the signed-in user name (set only by the login form; tests set it directly)

CACHE_TTL_SECONDS = 60
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Filters:
    """What the sidebar selected; every page reads this instead of the widgets."""
    lang: str
    db_path: str
    seller: sellers.SellerProfile | None
    start_date: date
    end_date: date
    now_utc: datetime            # naive UTC, as stored in the warehouse
    user: users.User | None = None

    @property
    def seller_id(self) -> str | None:
        return self.seller.seller_id if self.seller else None

    @property
    def ref(self) -> WarehouseRef:
        """The warehouse as this user may see it, at the selected store's data version (data_version_of: other
        stores' loads and pushes leave it alone): what every page reads through (scoped()) for that store."""
        return warehouse_ref(self.db_path, self.user, self.seller_id)

    @property
    def all_stores_ref(self) -> WarehouseRef:
        """Like `ref`, at the version of every store's data: for what reads more than the selected store (the list
        of stores, the SQL workspace's schema and samples)."""
        return warehouse_ref(self.db_path, self.user)


@dataclass(frozen=True)
class WarehouseRef:
    """A hashable handle of (warehouse file, the user's scope, data version): cached page functions take it, so
    their results are keyed on the data they read (a load, an API push or an upload makes the next run compute
    afresh, not up to CACHE_TTL_SECONDS later); scoped() opens it."""
    db_path: str
    scope_key: tuple[str, ...]
    data_version: Hashable = 0


def warehouse_ref(db_path: str, user: users.User | None, seller_id: str | None = None) -> WarehouseRef:
    """The ref at the data version of one store (`seller_id`: for functions that read that store's rows only)
    or of every store."""
    wh = open_warehouse(db_path)
    version = wh.data_version if seller_id is None else wh.data_version_of(seller_id)
    return WarehouseRef(db_path, scope_of(user).key, version)


def scope_of(user: users.User | None) -> Scope:
    """The rows a user may see: every seller for admins and analysts granted all, else the granted sellers;
    nobody signed in sees nothing."""
    if user is None:
        return Scope.sellers()
    return Scope.all_sellers() if user.sees_all else Scope.sellers(user.sellers)


_scoped_handles: dict[tuple[str, tuple[str, ...]], ScopedWarehouse] = {}   # (file, scope) -> handle


def scoped(ref: WarehouseRef) -> ScopedWarehouse:
    """The process-wide warehouse seen through the scope in `ref` (one handle per file and scope)."""
    wh = open_warehouse(ref.db_path)
    handle = _scoped_handles.get((ref.db_path, ref.scope_key))
    if handle is None or handle.warehouse is not wh:
        scope = Scope.all_sellers() if ref.scope_key == ("*",) else Scope.sellers(ref.scope_key[1:])
        handle = _scoped_handles[(ref.db_path, ref.scope_key)] = ScopedWarehouse(wh, scope)
    return handle


# ---------------------------------------------------------------- signing in

def signed_in_user() -> users.User | None:
    """The signed-in user: from the signed session cookie the /auth/login route set (it survives reloads), or a
    user name a test put in session_state. Read from the users file on every run, so a removed user is out at once."""
    from data import sessions

    name = st.session_state.get(USER_KEY)
    if not name:
        try:
            name = sessions.verify(st.context.cookies.get(sessions.COOKIE))
        except Exception:         # no request context (bare script runs): nobody
            name = None
    if not name:
        return None
    user = users.load_users().get(name)
    if user is None:
        st.session_state.pop(USER_KEY, None)
    return user


def return_path() -> str:
    """The requested page's path and query parameters (an alert email's link), where signing in comes back to;
    "/" when unknown."""
    try:
        path = urlsplit(st.context.url or "").path or "/"   # (st.context.url carries no query string)
        query = urlencode(st.query_params.to_dict())
    except Exception:         # no request context (bare script runs)
        return "/"
    return f"{path}?{query}" if query else path


def render_login(lang: str) -> None:
    """The page shown while nobody is signed in: a button to the sign-in form (/auth/login sets the cookie)."""
    st.title(t("login.title", lang))
    st.write(t("login.intro", lang))
    st.link_button(t("login.submit", lang), "/auth/login?" + urlencode({"lang": lang, "next": return_path()}),
                   type="primary", icon=":material/login:")
    try:
        known = users.load_users()
    except users.UsersFileError as exc:
        st.error(str(exc))
        return
    if known and demo_accounts_active():
        st.info(t("login.demo_accounts", lang))


def demo_accounts_active() -> bool:
    """Whether a demo account still has its published password (five bcrypt checks: cached per file version)."""
    path = users.users_path()
    return path.exists() and _demo_accounts_active(str(path), path.stat().st_mtime_ns)


@st.cache_data(show_spinner=False)
def _demo_accounts_active(path: str, mtime_ns: int) -> bool:
    return users.uses_demo_accounts(users.load_users(Path(path)))


def visible_store_names(filters: Filters) -> list[str]:
    """Names of every store the signed-in user may see (the scope queries run in)."""
    return cached_sellers(filters.all_stores_ref)["name"].to_list()


def workspace_warehouse(filters: Filters) -> Warehouse:
    """The warehouse owner for the signed-in user's own workspace rows (saved queries, history): never store data
    (those tables have no seller rows, and the user's name is in every query on them)."""
    if filters.user is None:
        raise PermissionError("sign in first")
    return open_warehouse(filters.db_path)


def render_user_box(user: users.User, lang: str) -> None:
    """Who is signed in, their role, and the sign-out button (sidebar)."""
    st.sidebar.caption(t("login.signed_in_as", lang, name=user.name, role=t(f"role.{user.role}", lang)))
    st.sidebar.link_button(t("login.sign_out", lang), "/auth/logout", icon=":material/logout:")


# ---------------------------------------------------------------- warehouse and clock

def warehouse_path() -> str:
    return str(default_path().resolve())


def _keep(key: str) -> None:
    """Re-store a widget's value as a plain session value before the widget is drawn, so it survives a run
    in which the widget is drawn from another script (its id changes: legacy pages/ mode, see end_run)."""
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def current_language() -> str:
    """The session's UI language: the sidebar's choice; at a session's start, the signed-in user's last choice
    (users.toml), else the browser's language when it is Korean or English, else the SI_LANGUAGE setting."""
    if LANG_KEY not in st.session_state:
        user = signed_in_user()
        st.session_state[LANG_KEY] = ((user.language if user else "") or browser_language()
                                      or normalise_language(settings.get("SI_LANGUAGE")))
    _keep(LANG_KEY)
    return st.session_state[LANG_KEY]


def remember_language() -> None:
    """The switch changed: keep the choice for the signed-in user's next sessions (a reload starts one)."""
    user = signed_in_user()
    if user is not None:
        try:
            users.set_language(user.username, st.session_state[LANG_KEY])
        except Exception:     # a read-only users file: the choice still holds for this session
            log.warning("could not save the language of %s", user.username, exc_info=True)


def browser_language() -> str | None:
    """'ko' or 'en' from the viewer's browser (navigator.language); None for another language or no browser."""
    try:
        return language_of_locale(st.context.locale)
    except Exception:         # no request context (bare script runs, AppTest)
        return None


def pinned_clock() -> datetime | None:
    """`as_of_utc` in session state or `?as_of=` in the URL (demos, tests) as naive UTC; None when not pinned."""
    pinned = st.session_state.get(AS_OF_KEY) or st.query_params.get("as_of")
    if pinned:
        try:
            moment = pinned if isinstance(pinned, datetime) else datetime.fromisoformat(str(pinned))
            return sellers.as_utc_naive(moment)
        except ValueError:
            pass
    return None


def fixed_clock() -> datetime | None:
    """A clock that does not follow the wall clock, as naive UTC: a pinned one (pinned_clock), else the end of the
    selected store's data when the sidebar views it as of its latest data (render_filters); None otherwise."""
    pinned = pinned_clock()
    if pinned is not None:
        return pinned
    data_as_of = st.session_state.get(DATA_AS_OF_KEY)
    return data_as_of if isinstance(data_as_of, datetime) else None


def now_utc() -> datetime:
    """The pages' "now" as naive UTC: the fixed clock (fixed_clock), else the wall clock."""
    return fixed_clock() or datetime.now(UTC).replace(tzinfo=None)


def local_clock_text(tz: str, moment_utc: datetime) -> str:
    """`moment_utc` as 'YYYY-MM-DD HH:MM' on the wall clock of zone `tz`."""
    return sellers.local_now(tz, moment_utc).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- cached analytics calls
# Keyed by the warehouse path too, so two warehouses in one process (tests) never share results.
# Cached values are frames and plain values only, never cursors.

@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_sellers(ref: WarehouseRef) -> pl.DataFrame:
    return sellers.list_sellers(scoped(ref))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_latest_activity(ref: WarehouseRef, seller_id: str) -> datetime | None:
    return sellers.latest_activity_utc(scoped(ref), seller_id)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_kpi_summary(ref: WarehouseRef, seller_id: str, now_minute_utc: datetime) -> pl.DataFrame:
    return kpis.kpi_summary(scoped(ref), seller_id, now_minute_utc)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_revenue_by_day(ref: WarehouseRef, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    return kpis.revenue_by_day(scoped(ref), seller_id, start_date, end_date)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_table_row_counts(ref: WarehouseRef, seller_id: str) -> pl.DataFrame:
    return warehouse_status.table_row_counts(scoped(ref), seller_id)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_data_freshness(ref: WarehouseRef, seller_id: str, now_minute_utc: datetime) -> pl.DataFrame:
    return warehouse_status.data_freshness(scoped(ref), seller_id, now_minute_utc)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cached_load_log(ref: WarehouseRef, seller_id: str) -> pl.DataFrame:
    return warehouse_status.load_log(scoped(ref), seller_id, limit=50)


minute = warmup.minute    # the KPI and digest cache key: numbers refresh at most once a minute


# ---------------------------------------------------------------- sidebar

def render_language_switch() -> str:
    """The 한국어/English switch (rendered first: navigation titles depend on it); returns 'ko' or 'en'."""
    lang = current_language()
    st.sidebar.radio(t("sidebar.language", lang), options=list(LANGUAGES),
                     format_func=lambda code: t(f"lang.{code}", code), key=LANG_KEY, horizontal=True,
                     on_change=remember_language)
    return st.session_state[LANG_KEY]


def render_filters(lang: str) -> Filters:
    """Seller selector and date range in the sidebar; stores and returns the Filters for the pages."""
    db_path = warehouse_path()
    st.session_state.pop(DATA_AS_OF_KEY, None)        # chosen again below for the store selected in this run
    clock = now_utc()
    user = signed_in_user()
    seller_frame = cached_sellers(warehouse_ref(db_path, user))   # only the stores this user may see
    profiles = {row["seller_id"]: sellers.SellerProfile(**row) for row in seller_frame.to_dicts()}
    profile: sellers.SellerProfile | None = None
    if not profiles:
        st.sidebar.info(t("sidebar.no_sellers", lang))
    else:
        wanted = st.query_params.get(STORE_PARAM)      # an alert email's link (?store=) opens on the alert's store
        if wanted is not None:
            del st.query_params[STORE_PARAM]           # once: after that the selector rules
            if wanted in profiles:
                st.session_state[SELLER_KEY] = wanted
        if st.session_state.get(SELLER_KEY) not in profiles:
            st.session_state[SELLER_KEY] = sellers.default_seller_id(seller_frame)
        _keep(SELLER_KEY)
        st.sidebar.selectbox(t("sidebar.seller", lang), options=list(profiles),
                             format_func=lambda sid: profiles[sid].name, key=SELLER_KEY)
        profile = profiles[st.session_state[SELLER_KEY]]
        st.sidebar.caption(t("sidebar.seller_facts", lang, tz=profile.timezone, currency=profile.currency))

    tz = profile.timezone if profile else settings.get("SI_TIMEZONE")
    anchor = None
    if profile is not None and pinned_clock() is None:
        clock, anchor = _data_clock_choice(warehouse_ref(db_path, user, profile.seller_id), profile, clock, lang)
    if not _valid_range(st.session_state.get(DATE_RANGE_KEY)) or st.session_state.get(RANGE_ANCHOR_KEY) != anchor:
        # a first run, or the clock moved to (or away from) a store's latest data: the last 30 days up to it
        st.session_state[DATE_RANGE_KEY] = sellers.default_date_range(tz, clock)
    st.session_state[RANGE_ANCHOR_KEY] = anchor
    _keep(DATE_RANGE_KEY)
    picked = st.sidebar.date_input(t("sidebar.date_range", lang), key=DATE_RANGE_KEY,
                                   help=t("sidebar.date_range.help", lang))
    start_date, end_date = _range_bounds(picked, tz, clock)
    filters = Filters(lang=lang, db_path=db_path, seller=profile, start_date=start_date, end_date=end_date,
                      now_utc=clock, user=user)
    if user is not None:
        render_user_box(user, lang)
    st.session_state[FILTERS_KEY] = filters
    return filters


def _data_clock_choice(ref: WarehouseRef, profile: sellers.SellerProfile, clock: datetime,
                       lang: str) -> tuple[datetime, tuple[str, datetime] | None]:
    """For a store whose data ended before yesterday (an archive, a feed that stopped): the sidebar's "view as of"
    choice between its latest data and now (latest data by default once it is over STALE_AFTER_DAYS old), and a
    note saying so. Returns the clock the pages use and the date range's anchor (None for the wall clock)."""
    data = sellers.data_clock(cached_latest_activity(ref, profile.seller_id), profile.timezone, clock)
    if data is None:
        return clock, None
    key = f"{VIEW_AS_OF_KEY}:{profile.seller_id}"
    if st.session_state.get(key) not in ("data", "now"):
        st.session_state[key] = "data" if data.stale else "now"
    _keep(key)
    when = local_clock_text(profile.timezone, data.latest_utc)
    st.sidebar.radio(t("sidebar.view_as_of", lang), options=["data", "now"], key=key, horizontal=True,
                     format_func=lambda option: t(f"sidebar.view_as_of.{option}", lang, when=when),
                     help=t("sidebar.view_as_of.help", lang, when=when, days=data.days_behind))
    if st.session_state[key] == "now":
        return clock, None
    st.session_state[DATA_AS_OF_KEY] = data.as_of_utc
    st.sidebar.caption(t("sidebar.view_as_of.note", lang, when=when, days=data.days_behind))
    return data.as_of_utc, (profile.seller_id, data.as_of_utc)


def _valid_range(value: object) -> bool:
    return isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(isinstance(d, date) for d in value)


def _range_bounds(picked: object, tz: str, clock: datetime) -> tuple[date, date]:
    """(start, end) from the date widget; while only one end is picked the range is that day."""
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = picked
        return (start, end) if start <= end else (end, start)
    if isinstance(picked, (tuple, list)) and len(picked) == 1:
        return picked[0], picked[0]
    if isinstance(picked, date):
        return picked, picked
    return sellers.default_date_range(tz, clock)


def prepare_warehouse(lang: str, ensure_demo: Callable[[str], object] | None = None) -> None:
    """Build the demo store if no warehouse file exists, open the process-wide owner; st.stop() with a message
    when that fails. Lazy on purpose: AppTest and script reruns never go through the server lifespan."""
    if ensure_demo is None:
        from data.server import ensure_demo_warehouse as ensure_demo
    path = warehouse_path()
    try:
        ensure_demo(path)
        open_warehouse(path)
    except WarehouseError as exc:
        st.error(t("app.error.warehouse", lang, error=exc))
        st.stop()


def end_run() -> None:
    """Forget this run's Filters (app.py calls it after the page ran), so a later run that executes a page
    without app.py (Streamlit's legacy pages/ mode: AppTest reruns, a server's very first request for a
    sub-page) builds the sidebar itself instead of reading stale filters."""
    st.session_state.pop(FILTERS_KEY, None)


def current_filters() -> Filters:
    """The Filters app.py stored for this run (pages call this); builds the sidebar when app.py did not run.
    Nobody signed in: the sign-in form instead of the page."""
    filters = st.session_state.get(FILTERS_KEY)
    if filters is None:
        lang = render_language_switch()
        if signed_in_user() is None:
            render_login(lang)
            st.stop()
        prepare_warehouse(lang)
        filters = render_filters(lang)
        end_run()  # this run's filters are the return value; do not leave them for the next run
    return filters


# ---------------------------------------------------------------- rendering helpers

def start_page(page_key: str) -> Filters:
    """A store page's opening: its title, then the Filters; with no store to show, a note and st.stop()."""
    filters = current_filters()
    st.title(t(f"page.{page_key}", filters.lang))
    if filters.seller is None:
        st.info(t("sidebar.no_sellers", filters.lang))
        st.stop()
    # the scheduler keeps its slow results warm (analytics.warmup): at the wall clock, or at the page's fixed clock
    warmup.note_view(scoped(filters.ref), filters.seller.seller_id, datetime.now(UTC).replace(tzinfo=None),
                     fixed_clock(), page_key, filters.start_date, filters.end_date)
    return filters


def render_kpi_tiles(summary: pl.DataFrame, currency: str, lang: str) -> None:
    """One row of st.metric tiles per period (today, 7 days, 30 days), with deltas and metric definitions."""
    rows = {(r["period"], r["metric"]): r for r in summary.iter_rows(named=True)}
    for period in kpis.KPI_PERIODS:
        st.subheader(t(f"period.{period}", lang), help=PERIOD_DEFINITIONS[period][lang])
        columns = st.columns(len(KPI_METRICS))
        for column, metric in zip(columns, KPI_METRICS, strict=True):
            row = rows.get((period, metric), {"value": None, "previous_value": None, "delta_pct": None})
            with column:
                st.metric(
                    metric_label(metric, lang),
                    format_metric_value(metric, row["value"], currency, lang),
                    delta=format_delta(metric, row["value"], row["previous_value"], row["delta_pct"]),
                    help=metric_help(metric, lang) + _exact_value(metric, row["value"], currency),
                    delta_description=t(f"delta.{period}", lang),
                    border=True,
                )


def _exact_value(metric: str, value: float | None, currency: str) -> str:
    """The unshortened amount, appended to a money tile's help (the tile itself shows ₩1,573만)."""
    if value is None or METRICS[metric].unit != "money":
        return ""
    return f"\n\n= {format_money(value, currency)}"


MISSING = "–"      # a missing number in a table, as format_money writes it (Streamlit would show "None")


def table(data: Any, **options: Any) -> Any:
    """st.dataframe for the seller's pages: a missing value shows as "–", not "None" (the SQL workspace keeps
    Streamlit's "None", where a NULL is what an analyst looks for)."""
    return st.dataframe(data, placeholder=MISSING, **options)


COUNT_COLUMNS = ("row_count", "rows_read", "rows_loaded", "rows_duplicate", "rows_rejected")


def column_config(columns: list[str], lang: str) -> dict[str, object]:
    """st.dataframe column_config giving known column names translated headers (counts as 1,250,034)."""
    return {c: st.column_config.NumberColumn(t(f"col.{c}", lang), format="localized") if c in COUNT_COLUMNS
            else st.column_config.Column(t(f"col.{c}", lang)) for c in columns if f"col.{c}" in STRINGS}


def load_log_for_people(loads: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The load log with its kinds, statuses and messages in `lang` (orders → 주문, loaded → 적재 완료)."""
    return loads.with_columns(
        pl.col("kind").replace(names("kind", lang)), pl.col("status").replace(names("load.status", lang)),
        pl.col("message").map_elements(lambda m: problem_text(m, lang), return_dtype=pl.String))


def warehouse(filters: Filters, seller_id: str | None = None) -> Warehouse:
    """The process-wide warehouse owner, for writes to one store (`seller_id`, default the selected one): only
    a store the signed-in user may see, or any for an admin (PermissionError otherwise; reads go through
    scoped())."""
    target = seller_id or filters.seller_id
    user = filters.user
    if user is None or target is None or not (user.role == "admin" or user.may_see(target)):
        raise PermissionError(f"not allowed to write to store {target!r}")
    return open_warehouse(filters.db_path)


def example_files() -> list[Path]:
    """The example templates shipped in examples/ (whatever exists), sorted by name."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in EXAMPLES_DIR.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in {".csv", ".xlsx", ".parquet"})



_MIME_TYPES = {".csv": "text/csv", ".parquet": "application/vnd.apache.parquet",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def mime_type(path: Path) -> str:
    return _MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")


PREVIEW_KEY = "data_preview_cache"


def upload_preview(file_id: str, content: bytes, **choices: Any) -> Preview:
    """data.ingest.preview_file of an upload for these choices (kind, format, mapping, password, time zone), read
    once per upload and choices: the page reruns on every widget change (the skip checkbox, the load button), and
    a large file is not read and checked again each time. Only the current upload's previews are kept."""
    key = repr(sorted(choices.items()))
    cache = st.session_state.get(PREVIEW_KEY)
    if cache is None or cache["file_id"] != file_id:
        cache = st.session_state[PREVIEW_KEY] = {"file_id": file_id, "previews": {}}
    if key not in cache["previews"]:
        cache["previews"][key] = ingest.preview_file(content, **choices)
    return cache["previews"][key]


def problem_rows(problems: list[RowProblem], lang: str) -> list[dict[str, object]]:
    """Row problems as table rows: row, column, reason (in `lang`), value."""
    return [{"row": p.row, "column": p.column, "reason": problem_text(p.reason, lang), "value": p.value}
            for p in problems]


def progress_reporter(bar: Any, lang: str) -> Callable[[int, int | None], None]:
    """An ingest progress callback that moves `bar` (st.progress): fraction when the total is known."""
    def report(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=t("data.upload.progress_total", lang, done=done, total=total))
        else:
            bar.progress(0.0, text=t("data.upload.progress", lang, done=done))
    return report


def render_load_result(result: LoadResult | None, lang: str) -> None:
    """The outcome of the last load: counts and totals, or why the file was rejected and its first problems."""
    if result is None:
        return
    problems_config = column_config(["row", "column", "reason", "value"], lang)
    if len(result.sheets) > 1:
        st.caption(t("data.result.sheets", lang, sheets=", ".join(
            t("data.result.sheet", lang, name=name, first=first, last=last) for name, first, last in result.sheets)))
    if result.sheets_skipped:
        st.caption(t("data.result.sheets_skipped", lang, names=", ".join(f"'{n}'" for n in result.sheets_skipped)))
    if not result.ok:
        st.error(t("data.result.rejected", lang, count=result.problem_count or len(result.problems)))
        if result.message:
            st.caption(problem_text(result.message, lang))
        if result.problems:
            st.caption(t("data.result.first_problems", lang))
            table(problem_rows(result.problems, lang), column_config=problems_config, key="data_result_problems")
        return
    if result.status == "nothing_new":
        st.info(t("data.result.nothing_new", lang, duplicate=result.rows_duplicate))
    else:
        updated = int(result.totals.get("rows_updated", 0) or result.totals.get("orders_updated", 0) or 0)
        combined = int(result.totals.get("rows_combined", 0) or 0)
        st.success(" ".join([t("data.result.loaded", lang, loaded=result.rows_loaded, duplicate=result.rows_duplicate,
                               rejected=result.rows_rejected, read=result.rows_read)]
                            + ([t("data.result.updated", lang, updated=updated)] if updated else [])
                            + ([t("data.result.combined", lang, combined=combined)] if combined else [])))
    if result.totals.get("days_with_sessions"):
        st.warning(t("data.result.days_with_sessions", lang, days=int(result.totals["days_with_sessions"])))
    if result.totals:
        st.caption(t("data.result.totals", lang))
        table([{"total_name": t(f"total.{k}", lang) if f"total.{k}" in STRINGS else k, "total_value": v}
               for k, v in result.totals.items()],
              column_config=column_config(["total_name", "total_value"], lang), key="data_result_totals")
    if result.rows_rejected and result.problems:
        st.warning(t("data.result.first_problems", lang))
        table(problem_rows(result.problems, lang), column_config=problems_config, key="data_result_problems")
    if result.rejects_path:
        st.caption(t("data.result.rejects_file", lang, path=result.rejects_path))
