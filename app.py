"""Seller Insights: the server (st.App with lifespan and API routes) and the page frame (sidebar, navigation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from alerts import jobs
from analytics.i18n import t
from data.server import api_routes, ensure_demo_warehouse, server_lifespan


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[dict[str, object]]:
    """The server's lifespan (warehouse) plus the warehouse's one alert scheduler (ARCHITECTURE.md)."""
    async with server_lifespan(app) as state:
        scheduler = jobs.start_scheduler(state["warehouse"])
        try:
            yield state
        finally:
            jobs.stop_scheduler(scheduler)


app = st.App(__file__, lifespan=lifespan, routes=api_routes())

# pages/ holds the pages of st.navigation below, not a legacy auto-discovered multipage app. Streamlit decides
# "legacy" when a pages/ folder exists and no session has called st.navigation yet, so a first visit straight
# to /products would lose the sidebar; the server imports this file once before any session, which settles it.
PagesManager.uses_pages_directory = False

EVERYONE = ("seller", "analyst", "admin")
# (section key, [(page file, title key, icon, default, roles that see it)]) in the order the sidebar lists them
PAGES = (
    ("nav.overview", (("pages/home.py", "page.home", ":material/home:", True, EVERYONE),
                      ("pages/realtime.py", "page.realtime", ":material/bolt:", False, EVERYONE))),
    ("nav.insights", (("pages/products.py", "page.products", ":material/inventory_2:", False, EVERYONE),
                      ("pages/traffic.py", "page.traffic", ":material/travel_explore:", False, EVERYONE),
                      ("pages/ads.py", "page.ads", ":material/campaign:", False, EVERYONE),
                      ("pages/customers.py", "page.customers", ":material/group:", False, EVERYONE))),
    ("nav.operations", (("pages/alerts.py", "page.alerts", ":material/notifications:", False, EVERYONE),
                        ("pages/explore.py", "page.explore", ":material/terminal:", False, EVERYONE),
                        ("pages/data.py", "page.data", ":material/database:", False, EVERYONE),
                        ("pages/admin.py", "page.admin", ":material/admin_panel_settings:", False, ("admin",)))),
)


def main() -> None:
    # imported here, in a page run, not when the server imports this file before its runtime exists: the page
    # frame's st.cache_data functions would each log "No runtime found" at every start
    from pages import _ui

    st.set_page_config(page_title="Seller Insights", page_icon=":material/insights:", layout="wide")
    lang = _ui.render_language_switch()  # first: the navigation titles below are translated
    _ui.prepare_warehouse(lang, ensure_demo_warehouse)  # lazily: AppTest never runs the server lifespan
    user = _ui.signed_in_user()
    if user is None:                                     # nobody signed in: the sign-in form is the only page
        st.navigation([st.Page(lambda: _ui.render_login(lang), title=t("login.title", lang), url_path="login",
                               icon=":material/login:", default=True)]).run()
        return
    navigation = st.navigation({
        t(section, lang): [st.Page(path, title=t(title, lang), icon=icon, default=default)
                           for path, title, icon, default, roles in pages if user.role in roles]
        for section, pages in PAGES
    })
    _ui.render_filters(lang)
    try:
        navigation.run()
    finally:
        _ui.end_run()


# The server imports this file once to find `app` (no script context then); each page run executes it with one.
if get_script_run_ctx(suppress_warning=True) is not None:
    main()
