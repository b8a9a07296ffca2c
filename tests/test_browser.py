"""The real app in a real Chromium: every page in the navigation renders without an error box, in both languages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from e2e_server import ROOT, running_server

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# An error box that is a crash, not a message written for the user.
CRASH_TEXT = re.compile(r"Traceback|\b\w+(Error|Exception):|File \".*\", line \d+")
RENDER_TIMEOUT_MS = 90_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not CHROMIUM.exists() and not os.environ.get("SI_REQUIRE_BROWSER"):
    # Only a developer machine without Chromium skips; CI sets SI_REQUIRE_BROWSER so a missing browser fails.
    pytestmark.append(pytest.mark.skip(reason="no /usr/bin/chromium (apt-get install chromium fonts-noto-cjk; "
                                              "SI_REQUIRE_BROWSER=1 makes this a failure)"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("browser_server")
    from data.warehouse import Warehouse
    Warehouse(d / "warehouse.duckdb").close()
    with running_server(d) as running:
        yield running


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("SI_REQUIRE_BROWSER is set but /usr/bin/chromium is missing: apt-get install chromium")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000}, locale="ko-KR")
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        try:
            yield page
        finally:
            context.close()


def wait_until_rendered(page) -> None:
    """Wait until the script run finished: the app shell is there and Streamlit's 'running' widget is gone."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', state="visible")
    page.wait_for_function(
        """() => {
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            const stale = document.querySelector('[data-stale="true"]');
            const skeleton = document.querySelector('[data-testid="stAppSkeleton"]');
            return !status && !stale && !skeleton && document.querySelector('[data-testid="stMain"]');
        }""",
        timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(300)  # let charts lay out before the screenshot


def crash_boxes(page) -> list[str]:
    """Texts of exception boxes, and of error boxes that look like a crash, on the current page."""
    found = [f"exception: {t}" for t in page.locator('[data-testid="stException"]').all_inner_texts()]
    found += [f"error box: {t}" for t in page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
              if CRASH_TEXT.search(t)]
    return found


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^0-9A-Za-z_-]+', '_', name).strip('_') or 'home'}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def nav_links(page) -> list[tuple[str, str]]:
    """(label, href) of every page link in the sidebar navigation, in order."""
    page.wait_for_selector('[data-testid="stSidebarNav"] a', state="attached")
    links = []
    for link in page.locator('[data-testid="stSidebarNav"] a').all():
        label = link.inner_text().strip()
        href = link.get_attribute("href") or ""
        if label and href:
            links.append((label, href))
    return links


def test_home_page_renders_kpis(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    page.wait_for_selector('[data-testid="stMetricLabel"]', state="visible")
    assert page.locator('[data-testid="stMetricLabel"]').count() >= 1
    assert crash_boxes(page) == []
    assert screenshot(page, "00_home").stat().st_size > 10_000


def test_every_page_in_the_navigation_renders_without_errors(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    links = nav_links(page)
    assert len(links) >= 5, f"expected the app's pages in the sidebar navigation, found {links}"

    failures = []
    for number, (label, href) in enumerate(links, start=1):
        url = href if href.startswith("http") else server.base_url + "/" + href.lstrip("/")
        page.goto(url, wait_until="domcontentloaded")
        wait_until_rendered(page)
        # st.navigation names the browser tab after the page's title, i.e. the nav label
        page.wait_for_function("label => document.title.includes(label)", arg=label, timeout=RENDER_TIMEOUT_MS)
        shot = screenshot(page, f"{number:02d}_{url.rstrip('/').rsplit('/', 1)[-1] or 'home'}")
        boxes = crash_boxes(page)
        if boxes:
            failures.append(f"{label} ({url}), screenshot {shot}: " + " | ".join(b[:500] for b in boxes))
    assert failures == [], "pages showed errors:\n" + "\n".join(failures)


def test_switching_the_language_to_english_shows_english_labels(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    english_option = sidebar.get_by_text("English", exact=True)
    if english_option.count() and english_option.first.is_visible():  # a radio: its option labels are visible
        english_option.first.click()
    else:  # a selectbox showing 한국어: open it, then pick English from the list
        sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="한국어").first.click()
        page.get_by_role("option", name="English").click()
    wait_until_rendered(page)
    page.wait_for_selector('[data-testid="stMetricLabel"]', state="visible")
    labels = " ".join(page.locator('[data-testid="stMetricLabel"]').all_inner_texts())
    assert re.search(r"Revenue|Orders|Visitors|Conversion", labels), labels
    assert crash_boxes(page) == []
    screenshot(page, "99_home_english")
