"""The real app in a real Chromium: every page in the navigation renders without an error box, in both languages."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from e2e_server import ROOT, running_server, sign_in

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
    with running_server(tmp_path_factory.mktemp("browser_server")) as running:
        yield running


@pytest.fixture(scope="module")
def playwright_driver():
    """One Playwright driver for the module (a second sync driver in the same thread is refused)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("SI_REQUIRE_BROWSER is set but /usr/bin/chromium is missing: apt-get install chromium")
    with sync_playwright() as p:
        yield p


def new_browser(playwright, profile_dir, locale: str = "ko-KR") -> tuple:
    """A fresh Chromium (its own profile: no session cookie) and its page, 1400 px wide, in Korean (or `locale`)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile_dir), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000}, locale=locale)
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    return context, page


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory, playwright_driver):
    context, page = new_browser(playwright_driver, tmp_path_factory.mktemp("chromium-profile"))
    sign_in(page, server.base_url, "admin", "admin-demo")   # the session cookie lasts for the whole module
    try:
        yield page
    finally:
        context.close()


def wait_until_rendered(page, heading: str | None = None) -> None:
    """Wait until the page's script run finished: its title heading is shown and Streamlit stopped running it.

    On a timeout, saves a screenshot named FAILED_... and says what the page showed.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector('[data-testid="stAppViewContainer"]', state="visible")
        title = page.locator('[data-testid="stMain"] h1')
        if heading:
            title = title.filter(has_text=heading)
        title.first.wait_for(state="visible")
        page.wait_for_function(
            """() => !document.querySelector('[data-testid="stStatusWidget"]')
                     && !document.querySelector('[data-testid="stAppSkeleton"]')
                     && !document.querySelector('[data-stale="true"]')""",
            timeout=RENDER_TIMEOUT_MS)
    except PlaywrightTimeout as exc:
        shot = screenshot(page, f"FAILED_{heading or 'page'}_{page.url.rsplit('/', 1)[-1]}")
        main = page.locator('[data-testid="stMain"]')
        text = main.inner_text()[:2000] if main.count() else page.content()[:2000]
        raise AssertionError(f"{page.url} did not finish rendering (waiting for heading {heading!r}): {exc.message}\n"
                             f"screenshot: {shot}\npage text: {text}") from None
    page.wait_for_timeout(500)  # let charts lay out before the screenshot


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
    """(title, url) of every page link in the sidebar navigation, in order (icons left out of the title)."""
    page.wait_for_selector('[data-testid="stSidebarNavLink"]', state="attached")
    links = []
    for link in page.locator('a[data-testid="stSidebarNavLink"]').all():
        label = link.locator("span[label]").first.get_attribute("label") or link.inner_text().strip()
        href = link.get_attribute("href") or ""
        links.append((label.strip(), href))
    return links


def test_a_first_visit_straight_to_a_page_keeps_the_navigation(server, browser_page):
    """The server's very first page view is /products (a bookmark after a restart): the app's navigation must
    be there, not Streamlit's legacy list of the files in pages/. Must run first in this module."""
    page = browser_page
    page.goto(server.base_url + "/products", wait_until="domcontentloaded")
    wait_until_rendered(page, "상품")
    titles = [title for title, _ in nav_links(page)]
    assert titles == ["홈", "실시간", "상품", "방문·키워드", "광고", "고객", "알림", "탐색 (SQL)", "데이터", "관리"], titles
    assert crash_boxes(page) == []


def test_home_page_renders_kpis(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    page.wait_for_selector('[data-testid="stMetricLabel"]', state="visible")
    assert page.locator('[data-testid="stMetricLabel"]').count() >= 1
    assert crash_boxes(page) == []
    assert screenshot(page, "00_home").stat().st_size > 10_000
    # the daily revenue chart's date axis speaks Korean (Plotly's own labels would read "Nov 16")
    page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    tick_texts = page.locator('[data-testid="stPlotlyChart"] .xaxislayer-above .xtick text')
    tick_texts.first.wait_for(state="attached")          # Plotly draws after the page's script run ended
    ticks = tick_texts.all_text_contents()
    assert ticks and all(re.fullmatch(r"\d{1,2}월 \d{1,2}일|\d{4}년 \d{1,2}월", tick) for tick in ticks), ticks
    # the findings beyond the digest's five items: folded below them, each opening its evidence page
    more = page.locator('[data-testid="stExpander"]').filter(has_text=re.compile(r"그 밖의 발견 \d+건"))
    more.locator("summary").click()
    first = more.locator('[data-testid="stExpanderDetails"] [data-testid="stMarkdownContainer"]').first
    first.wait_for(state="visible")
    evidence = {"이탈 위험 단골": "고객", "단골 후보": "고객", "반품 급증": "상품", "품절": "상품", "광고 낭비": "광고",
                "손해 보는 캠페인": "광고", "ROAS 하락": "광고", "못 채운 검색 수요": "방문·키워드", "매출 하락": "실시간"}
    head = first.inner_text().split(":")[0]       # the severity icon's name, then the kind
    kind = next((k for k in evidence if head.endswith(k)), None)
    assert kind is not None, first.inner_text()
    more.get_by_text("근거 보기").first.click()
    wait_until_rendered(page, heading=evidence[kind])
    assert crash_boxes(page) == []


def test_the_customer_list_csv_holds_every_customer_the_page_counts(server, browser_page):
    """The table shows the 50 most likely regulars; the CSV, written when the button is clicked, holds all of them."""
    page = browser_page
    page.goto(server.base_url + "/customers", wait_until="domcontentloaded")
    wait_until_rendered(page, heading="고객")
    caption = page.get_by_text(re.compile(r"1회 구매 고객은 [\d,]+명입니다\. 표는 가능성이 가장 큰 50명")).first
    caption.wait_for(state="visible")
    count = int(re.search(r"고객은 ([\d,]+)명", caption.inner_text()).group(1).replace(",", ""))
    assert count > 50
    button = page.get_by_role("button", name="CSV 내려받기").first
    button.wait_for(state="visible")
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as download:
        button.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("customer_id,") and len(rows) - 1 == count
    assert download.value.suggested_filename.endswith(".csv") and "_likely_" in download.value.suggested_filename
    assert crash_boxes(page) == []


def test_every_page_in_the_navigation_renders_without_errors(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    links = nav_links(page)
    assert len(links) >= 5, f"expected the app's pages in the sidebar navigation, found {links}"

    assert all(label and href for label, href in links), links
    failures = []
    for number, (label, href) in enumerate(links, start=1):
        url = href if href.startswith("http") else server.base_url + "/" + href.lstrip("/")
        page.goto(url, wait_until="domcontentloaded")
        wait_until_rendered(page, heading=label)  # every page opens with its navigation title as heading
        shot = screenshot(page, f"{number:02d}_{urlparse(url).path.strip('/') or 'home'}")
        boxes = crash_boxes(page)
        if boxes:
            failures.append(f"{label} ({url}), screenshot {shot}: " + " | ".join(b[:500] for b in boxes))
    assert failures == [], "pages showed errors:\n" + "\n".join(failures)


def test_switching_the_language_to_english_shows_english_labels(server, browser_page):
    page = browser_page
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    # the switch is a radio (pages/_ui.render_language_switch); wait for its option rather than look once: a CI
    # run once found it not yet visible right after the render and fell through to a selectbox that is not there
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    english_option = sidebar.get_by_text("English", exact=True).first
    try:
        english_option.wait_for(state="visible", timeout=30_000)
    except PlaywrightTimeout:
        shot = screenshot(page, "FAILED_language_switch")
        raise AssertionError(f"no visible 'English' option in the sidebar; screenshot: {shot}\n"
                             f"sidebar text: {sidebar.inner_text()[:1000]}") from None
    english_option.click()
    wait_until_rendered(page, heading="Home")  # the page title is translated ...
    assert "Home" in [label for label, _ in nav_links(page)]  # ... and so is the navigation
    page.wait_for_selector('[data-testid="stMetricLabel"]', state="visible")
    labels = " ".join(page.locator('[data-testid="stMetricLabel"]').all_inner_texts())
    assert re.search(r"Revenue|Orders|Visitors|Conversion", labels), labels  # ... and the KPI labels
    assert crash_boxes(page) == []
    screenshot(page, "99_home_english")
    # the choice is the user's: a reload (a new session) keeps English; switching back keeps Korean again
    page.goto(server.base_url + "/products", wait_until="domcontentloaded")
    wait_until_rendered(page, heading="Products")
    sidebar.get_by_text("한국어", exact=True).first.click()
    wait_until_rendered(page, heading="상품")
    page.goto(server.base_url + "/", wait_until="domcontentloaded")
    wait_until_rendered(page, heading="홈")


def test_alerts_page_runs_the_scheduler_sends_a_test_email_and_checks_now(server, browser_page):
    """The server's lifespan started the alert scheduler; the buttons work end to end (emails to the outbox)."""
    page = browser_page
    page.goto(server.base_url + "/alerts", wait_until="domcontentloaded")
    wait_until_rendered(page, heading="알림")
    main = page.locator('[data-testid="stMain"]')
    assert "자동 점검이 실행 중입니다" in main.inner_text()            # the lifespan's scheduler
    assert "보관함" in main.inner_text()                              # no SMTP in tests: the outbox notice
    outbox = server.db_path.parent / "outbox"
    page.get_by_role("button", name="테스트 이메일 보내기").click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]', state="visible")
    wait_until_rendered(page, heading="알림")
    assert len(list(outbox.glob("test_*.eml"))) == 1
    page.get_by_role("button", name="지금 점검").click()
    page.get_by_text("점검 완료").wait_for(state="visible")
    wait_until_rendered(page, heading="알림")
    assert crash_boxes(page) == []
    screenshot(page, "50_alerts")


@pytest.mark.parametrize(("username", "password", "sees", "hidden"), [
    ("petshop", "petshop-demo", ["멍냥마켓"], ["오늘의원두", "Trailhead Gear"]),
    ("analyst", "analyst-demo", ["멍냥마켓", "오늘의원두"], ["Trailhead Gear"]),
])
def test_a_seller_and_an_analyst_sign_in_and_see_only_their_stores(server, tmp_path_factory, playwright_driver,
                                                                    username, password, sees, hidden):
    """A fresh browser: the app sends it to sign in; after signing in the store list holds only the granted
    stores, and signing out ends the session."""
    context, page = new_browser(playwright_driver, tmp_path_factory.mktemp(f"profile-{username}"))
    try:
        page.goto(server.base_url + "/", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="로그인")                     # signed out: only the sign-in page
        assert page.locator('[data-testid="stMetricLabel"]').count() == 0
        sign_in(page, server.base_url, username, password)
        wait_until_rendered(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="스토어").first.click()
        options = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        assert sorted(options) == sorted(sees), options
        for name in hidden:
            assert name not in page.locator("body").inner_text()
        screenshot(page, f"60_signed_in_{username}")
        page.goto(server.base_url + "/explore", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="탐색 (SQL)")
        assert crash_boxes(page) == []
        page.goto(server.base_url + "/auth/logout", wait_until="domcontentloaded")
        page.goto(server.base_url + "/", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="로그인")
    finally:
        context.close()


def test_a_browser_in_english_opens_the_app_in_english(server, tmp_path_factory, playwright_driver):
    """A US seller's browser (en-US): the sign-in page and, after signing in, the app are in English without
    touching the language switch; the switch still changes it."""
    context, page = new_browser(playwright_driver, tmp_path_factory.mktemp("profile-en"), locale="en-US")
    try:
        page.goto(server.base_url + "/", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="Sign in")
        sign_in(page, server.base_url, "outdoor", "outdoor-demo")
        wait_until_rendered(page, heading="Home")
        titles = [title for title, _ in nav_links(page)]
        assert titles[:3] == ["Home", "Real-time", "Products"], titles
        assert "Trailhead Gear" in page.locator('[data-testid="stSidebar"]').inner_text()
        screenshot(page, "62_english_browser_home")
        page.locator('[data-testid="stSidebar"]').get_by_text("한국어", exact=True).click()
        wait_until_rendered(page, heading="홈")
        assert crash_boxes(page) == []
    finally:
        context.close()


def test_a_link_from_an_alert_email_survives_signing_in_and_opens_its_store(server, tmp_path_factory,
                                                                           playwright_driver):
    """An alert email's link (/products?store=coffee_kr) opened signed out: the sign-in button brings the reader
    back to that page, on that store, not to the home page of the default store."""
    context, page = new_browser(playwright_driver, tmp_path_factory.mktemp("profile-email-link"))
    try:
        page.goto(server.base_url + "/products?store=coffee_kr", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="로그인")
        href = page.locator('a[href^="/auth/login"]').get_attribute("href")     # the sign-in button
        assert "next=%2Fproducts%3Fstore%3Dcoffee_kr" in href
        page.goto(server.base_url + href, wait_until="domcontentloaded")     # (the button opens a new tab)
        page.fill("#u", "admin")
        page.fill("#p", "admin-demo")
        page.click("button[type=submit]")
        page.wait_for_url("**/products?store=coffee_kr", wait_until="domcontentloaded")
        wait_until_rendered(page, heading="상품")
        screenshot(page, "61_email_link_after_sign_in")
        caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
        assert caption.startswith("오늘의원두 · "), caption        # the link's store, not the default 멍냥마켓
        assert crash_boxes(page) == []
    finally:
        context.close()


def test_a_password_protected_smart_store_download_is_uploaded_and_loaded(server, browser_page, tmp_path):
    """The data page in a real browser: the encrypted workbook asks for its password, then previews as a Smart
    Store export and loads (runs last in this module: it adds orders to the demo store)."""
    from test_ingest_smartstore import encrypted_export

    path = encrypted_export(tmp_path, "browser-pw")
    page = browser_page
    page.goto(server.base_url + "/data", wait_until="domcontentloaded")
    wait_until_rendered(page, heading="데이터")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    password = page.get_by_label("엑셀 파일 비밀번호", exact=True)
    password.wait_for(state="visible")
    main = page.locator('[data-testid="stMain"]')
    page.get_by_text("비밀번호로 보호된 엑셀 파일입니다").first.wait_for(state="visible")   # says what to do
    password.fill("browser-pw")
    password.press("Enter")
    page.get_by_text("smartstore").first.wait_for(state="visible")           # detected layout in the preview
    wait_until_rendered(page, heading="데이터")
    page.get_by_role("button", name="적재", exact=True).click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]', state="visible")
    assert "11행 추가" in main.inner_text()
    assert crash_boxes(page) == []
    screenshot(page, "70_data_password_upload")
