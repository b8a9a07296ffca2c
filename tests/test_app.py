"""The Streamlit app end to end with AppTest on the demo warehouse: every page, sidebar filters, the uploader."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = "2026-11-20T05:00:00"     # the demo store's "now" (tests/conftest.py builds it with this clock)
PAGES = ("home", "realtime", "products", "traffic", "ads", "customers", "alerts", "explore", "data", "admin")
TITLES = {"ko": {"home": "홈", "realtime": "실시간", "products": "상품", "traffic": "방문·키워드", "ads": "광고",
                 "customers": "고객", "alerts": "알림", "explore": "탐색 (SQL)", "data": "데이터", "admin": "관리"},
          "en": {"home": "Home", "realtime": "Real-time", "products": "Products", "traffic": "Traffic & keywords",
                 "ads": "Ads", "customers": "Customers", "alerts": "Alerts", "explore": "Explore (SQL)",
                 "data": "Data", "admin": "Admin"}}


@pytest.fixture
def at(demo_db):
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    app.session_state["as_of_utc"] = AS_OF
    return app.run()


def _titles(app):
    return [x.value for x in app.title]


def _metrics(app):
    return [(m.label, m.value) for m in app.metric]


def _chart(app):
    return json.loads(app.get("plotly_chart")[0].proto.spec)


def test_every_page_renders_in_both_languages(at):
    assert not at.exception
    for lang in ("ko", "en"):
        at.radio(key="lang").set_value(lang).run()
        for page in PAGES:
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception, (lang, page, at.exception)
            assert _titles(at) == [TITLES[lang][page]], (lang, page)


def test_language_switch_changes_labels(at):
    assert at.session_state["lang"] == "ko"                      # SI_LANGUAGE default
    assert _titles(at) == ["홈"]
    assert at.radio(key="lang").label == "언어"
    assert at.selectbox(key="seller_id").label == "스토어"
    assert [label for label, _ in _metrics(at)[:5]] == ["매출", "주문 수", "객단가", "방문자 수", "구매 전환율"]
    assert [s.value for s in at.subheader][:3] == ["오늘", "최근 7일", "최근 30일"]

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert _titles(at) == ["Home"]
    assert at.radio(key="lang").label == "Language"
    assert at.selectbox(key="seller_id").label == "Store"
    assert [label for label, _ in _metrics(at)[:5]] == ["Revenue", "Orders", "AOV", "Visitors", "Conversion"]
    assert _chart(at)["layout"]["title"]["text"] == "Daily revenue"
    # the choice holds on other pages
    at.switch_page("pages/data.py").run()
    assert "Upload a file" in [h.value for h in at.header]


def test_language_default_comes_from_settings(demo_db, monkeypatch):
    monkeypatch.setenv("SI_LANGUAGE", "en")
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    app.session_state["as_of_utc"] = AS_OF
    app.run()
    assert not app.exception
    assert _titles(app) == ["Home"]


@pytest.mark.parametrize(("locale", "setting", "expected"), [
    ("en-US", "ko", "en"), ("en-GB", "ko", "en"), ("ko-KR", "en", "ko"), ("ko", "en", "ko"),
    ("ja-JP", "en", "en"), ("fr-FR", "ko", "ko"), (None, "en", "en")])
def test_language_default_follows_the_browser_then_the_setting(demo_db, monkeypatch, locale, setting, expected):
    """A browser in Korean or English opens the app in its language; any other language (or none) gets
    SI_LANGUAGE; the sidebar's choice then holds over the browser's."""
    monkeypatch.setenv("SI_LANGUAGE", setting)
    app = AppTest.from_file(APP, default_timeout=60)
    app.context = {"locale": locale}
    app.session_state["auth_user"] = "admin"
    app.session_state["as_of_utc"] = AS_OF
    app.run()
    assert not app.exception
    assert app.session_state["lang"] == expected
    assert _titles(app) == [TITLES[expected]["home"]]
    other = "ko" if expected == "en" else "en"
    app.radio(key="lang").set_value(other).run()
    app.switch_page("pages/products.py").run()
    assert _titles(app) == [TITLES[other]["products"]]


def test_a_users_language_choice_opens_their_next_session(demo_db):
    """The switch is remembered per user (users.toml): a reload (a new session) opens in their choice, over the
    browser's language; another user still gets the browser's."""
    from data import users

    first = AppTest.from_file(APP, default_timeout=60)
    first.context = {"locale": "ko-KR"}
    first.session_state["auth_user"] = "analyst"
    first.session_state["as_of_utc"] = AS_OF
    first.run()
    assert first.session_state["lang"] == "ko"
    first.radio(key="lang").set_value("en").run()
    assert users.load_users()["analyst"].language == "en"

    for name, expected in (("analyst", "en"), ("admin", "ko")):
        again = AppTest.from_file(APP, default_timeout=60)
        again.context = {"locale": "ko-KR"}
        again.session_state["auth_user"] = name
        again.session_state["as_of_utc"] = AS_OF
        again.run()
        assert not again.exception
        assert again.session_state["lang"] == expected, name
        assert _titles(again) == [TITLES[expected]["home"]]


def test_language_of_a_browser_locale():
    from analytics.i18n import language_of_locale

    assert [language_of_locale(x) for x in ("ko-KR", "KO", "ko_KR", " en-US ", "en", "ja-JP", "", None, "e",
                                                  "kok-IN")] == \
        ["ko", "ko", "ko", "en", "en", None, None, None, None, None]        # kok: Konkani, not Korean


def test_seller_selector_changes_the_kpis(at):
    assert at.session_state["seller_id"] == "petshop_kr"
    korean_store = dict(_metrics(at)[10:15])                       # last 30 days
    assert korean_store["매출"].startswith("₩")
    at.selectbox(key="seller_id").set_value("outdoor_us").run()
    assert not at.exception
    us_store = dict(_metrics(at)[10:15])
    assert us_store["매출"].startswith("$") and us_store["매출"] != korean_store["매출"]
    assert us_store["주문 수"] != korean_store["주문 수"]


def test_kpi_tiles_show_the_analytics_numbers(at, demo_db):
    from analytics.kpis import kpi_summary
    from analytics.metrics import format_metric_value
    from data.warehouse import open_warehouse

    summary = kpi_summary(open_warehouse(demo_db), "petshop_kr", datetime.fromisoformat(AS_OF))
    expected = {(r["period"], r["metric"]): r for r in summary.iter_rows(named=True)}
    revenue_30 = expected[("last_30_days", "revenue")]
    assert revenue_30["value"] > 0
    tiles = _metrics(at)
    assert tiles[10] == ("매출", format_metric_value("revenue", revenue_30["value"], "KRW", "ko"))
    assert tiles[6] == ("주문 수", format_metric_value("orders", expected[("last_7_days", "orders")]["value"], "KRW", "ko"))
    delta = at.metric[10].proto.delta
    assert delta.endswith("%") and delta == f"{revenue_30['delta_pct']:+.1f}%"


def test_a_pushed_order_shows_on_the_next_run_without_waiting_for_the_cache(at, demo_db):
    """Cached page numbers are keyed on the warehouse's data version: an order pushed through the ingest API (same
    process, same warehouse owner) is in the tiles on the very next rerun, not up to a cache TTL later."""
    from analytics.metrics import format_metric_value
    from data.ingest import ingest_records
    from data.warehouse import open_warehouse

    def today_orders() -> str:
        return dict(zip([m.label for m in at.metric[:5]], [m.value for m in at.metric[:5]], strict=True))["주문 수"]

    before = today_orders()
    at.run()
    assert today_orders() == before                                      # unchanged data: the same tiles
    wh = open_warehouse(demo_db)
    count = int(wh.scalar("SELECT count(*) FROM orders WHERE seller_id = 'petshop_kr' AND status <> 'cancelled' "
                          "AND ordered_at >= '2026-11-19 15:00' AND ordered_at < '2026-11-20 05:00'"))
    assert before == format_metric_value("orders", count, "KRW", "ko")
    pushed = ingest_records(wh, [{"order_id": "push-1", "ordered_at": "2026-11-20T13:30:00+09:00", "sku": "X1",
                                  "product_name": "푸시 테스트", "quantity": 1, "unit_price": 1000}],
                            seller_id="petshop_kr", kind="orders")
    assert pushed.ok, pushed.problems
    at.run()
    assert not at.exception
    assert today_orders() == format_metric_value("orders", count + 1, "KRW", "ko")


def test_date_range_changes_the_chart(at):
    default = _chart(at)
    assert at.session_state["date_range"] == (date(2026, 10, 22), date(2026, 11, 20))   # 30 days, Seoul
    assert len(default["data"][0]["x"]) == 30
    at.date_input(key="date_range").set_value((date(2026, 11, 1), date(2026, 11, 7))).run()
    assert not at.exception
    week = _chart(at)
    assert len(week["data"][0]["x"]) == 7
    assert week["data"][0]["x"][0].startswith("2026-11-01")
    assert week["data"][0]["y"] != default["data"][0]["y"][:7]
    assert sum(week["data"][0]["y"]) > 0


ORDERS_CSV = (
    "order_id,ordered_at,sku,product_name,quantity,unit_price,status\n"
    "T-1,2026-11-19 10:00:00,TEST-1,테스트 사료,2,10000,paid\n"
    "T-1,2026-11-19 10:00:00,TEST-2,테스트 간식,1,5000,paid\n"
    "T-2,2026-11-19 11:00:00,TEST-1,테스트 사료,1,10000,paid\n"
).encode()


def _row_count(app, table):
    counts = [df.value for df in app.dataframe if list(df.value.columns) == ["table_name", "row_count"]][0]
    return int(counts.set_index("table_name").loc[table, "row_count"])


def test_upload_preview_load_and_duplicates(at):
    at.switch_page("pages/data.py").run()
    orders_before = _row_count(at, "orders")
    at.file_uploader(key="data_file").set_value(("new_orders.csv", ORDERS_CSV, "text/csv")).run()
    assert not at.exception
    assert any("canonical" in c.value for c in at.caption)          # detected format
    preview = [df.value for df in at.dataframe if "product_name" in df.value.columns][0]
    assert preview["product_name"].tolist()[:2] == ["테스트 사료", "테스트 간식"]

    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "3행 추가" in at.success[0].value
    assert _row_count(at, "orders") == orders_before + 2           # caches were cleared after the load

    at.button(key="data_load").click().run()                       # the same file again: nothing new
    assert not at.exception
    assert at.info and "3" in at.info[0].value
    assert _row_count(at, "orders") == orders_before + 2
    log = next(d for d in at.dataframe if "load_id" in d.value.columns)      # the load log, in Korean
    newest = log.value.iloc[:2].to_dict("records")
    assert [r["status"] for r in newest] == ["새 행 없음", "적재 완료"] and newest[0]["kind"] == "주문"
    assert newest[1]["message"] == "3행 적재, 이미 있던 0행 건너뜀, 0행 거부"
    assert json.loads(log.proto.columns)["rows_read"]["type_config"]["format"] == "localized"


def test_upload_with_problems_is_rejected_with_a_table(at):
    at.radio(key="lang").set_value("en").run()
    at.switch_page("pages/data.py").run()
    orders_before = _row_count(at, "orders")
    bad = (b"order_id,ordered_at,sku,product_name,quantity,unit_price\n"
           b"B-1,2026-11-19 10:00:00,S1,good,1,1000\n"
           b"B-2,not a date,S1,bad,1,1000\n")
    at.file_uploader(key="data_file").set_value(("bad.csv", bad, "text/csv")).run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.error and "1 problems" in at.error[0].value and "unchanged" in at.error[0].value
    problems = [df.value for df in at.dataframe if list(df.value.columns) == ["row", "column", "reason", "value"]][-1]
    assert problems["row"].tolist() == [2] and problems["column"].tolist() == ["ordered_at"]
    assert _row_count(at, "orders") == orders_before

    at.checkbox(key="data_skip_invalid").check().run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "Loaded 1 rows" in at.success[0].value and "1 rejected" in at.success[0].value
    assert _row_count(at, "orders") == orders_before + 1


def test_upload_problems_are_shown_in_korean(at):
    at.switch_page("pages/data.py").run()                          # the Korean UI (the default)
    orders_before = _row_count(at, "orders")
    bad = ("order_id,ordered_at,sku,product_name,quantity,unit_price\n"
           "K-1,2026-11-19 10:00:00,S1,사료,1,1000\n"
           "K-2,언젠가,S1,사료,1,1000\n"
           "K-1,2026-11-19 10:00:00,S1,사료,1,1000\n").encode()
    at.file_uploader(key="data_file").set_value(("bad.csv", bad, "text/csv")).run()
    preview = [df.value for df in at.dataframe if list(df.value.columns) == ["row", "column", "reason", "value"]]
    assert preview and "날짜·시간으로 읽을 수 없음" in preview[-1]["reason"].tolist()
    at.button(key="data_load").click().run()
    assert not at.exception
    problems = [df.value for df in at.dataframe if list(df.value.columns) == ["row", "column", "reason", "value"]][-1]
    assert problems["row"].tolist() == [1, 2, 3]
    assert problems["reason"].tolist() == ["같은 주문의 다른 줄(3행)에 문제가 있어 주문 전체를 제외함",
                                           "날짜·시간으로 읽을 수 없음", "1행과 완전히 같은 줄"]
    message = [c.value for c in at.caption if c.value.startswith("거부:")]
    assert message == ["거부: 3행 중 3행에서 문제 3건이 나와 아무것도 적재하지 않았습니다. 그중 1건은 앞 줄과 완전히 같은 "
                       "줄입니다. 행을 고치거나, '잘못된 행은 건너뛰고 나머지를 적재'를 선택해 올바른 행만 적재하세요 "
                       "(잘못된 행은 거부 파일에 따로 남습니다)."]
    assert not [c.value for c in at.caption if "--skip-invalid" in c.value]
    assert _row_count(at, "orders") == orders_before


def test_upload_is_read_once_per_choice_not_on_every_rerun(at, monkeypatch):
    from data import ingest

    calls = []
    real = ingest.preview_file

    def counted(*args, **kwargs):
        calls.append(kwargs["kind"])
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "preview_file", counted)       # the real preview, counted
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_file").set_value(("new_orders.csv", ORDERS_CSV, "text/csv")).run()
    assert calls == ["orders"]
    at.checkbox(key="data_skip_invalid").check().run()           # a rerun with the same file and choices
    at.checkbox(key="data_skip_invalid").uncheck().run()
    assert calls == ["orders"]
    at.selectbox(key="data_kind").set_value("returns").run()      # another kind: read again, once
    at.selectbox(key="data_kind").set_value("orders").run()       # back: the first preview is kept
    assert calls == ["orders", "returns"]
    assert not at.exception
    preview = [df.value for df in at.dataframe if "product_name" in df.value.columns][0]
    assert preview["product_name"].tolist()[:2] == ["테스트 사료", "테스트 간식"]
    at.file_uploader(key="data_file").set_value(("other.csv", ORDERS_CSV.replace(b"T-", b"U-"), "text/csv")).run()
    assert calls == ["orders", "returns", "orders"]              # a new upload is read


def test_password_protected_workbook_asks_for_its_password(at, tmp_path):
    from test_ingest_smartstore import encrypted_export

    body = encrypted_export(tmp_path, "page-pw").read_bytes()
    at.radio(key="lang").set_value("en").run()
    at.switch_page("pages/data.py").run()
    orders_before = _row_count(at, "orders")
    at.file_uploader(key="data_file").set_value(("주문.xlsx", body, "application/octet-stream")).run()
    assert not at.exception
    box = at.text_input(key="data_file_password")
    assert box.label == "Excel file password"
    assert at.info and "password-protected" in at.info[0].value          # no mapper for an unreadable file
    assert not [s for s in at.selectbox if (s.key or "").startswith("data_map_")]
    box.input("wrong").run()
    assert at.info and "password does not open" in at.info[0].value
    box.input("page-pw").run()
    assert not at.exception
    assert any("smartstore" in c.value or "Smart Store" in c.value for c in at.caption)    # detected format
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "Loaded 11 rows" in at.success[0].value
    assert _row_count(at, "orders") == orders_before + 6


def test_google_ads_csv_for_excel_upload_loads_and_a_later_one_restates(at):
    import csv
    import io

    lines = (ROOT / "examples" / "google_ads_search_keyword_report.csv").read_text(encoding="utf-8").splitlines()

    def utf16_tsv(rows: list[str]) -> bytes:          # Google's "CSV for Excel": UTF-16 with tabs
        out = io.StringIO()
        out.write(rows[0] + "\n" + rows[1] + "\n")
        csv.writer(out, delimiter="\t", lineterminator="\n").writerows(csv.reader(rows[2:]))
        return out.getvalue().encode("utf-16")

    at.radio(key="lang").set_value("en").run()
    at.switch_page("pages/data.py").run()
    ads_before = _row_count(at, "ad_stats")
    at.selectbox(key="data_kind").set_value("ad_stats").run()
    at.file_uploader(key="data_file").set_value(("Search keyword report.csv", utf16_tsv(lines), "text/csv")).run()
    assert not at.exception
    assert any("google_ads" in c.value for c in at.caption)                # detected format
    preview = [df.value for df in at.dataframe if "impressions" in df.value.columns][0]
    assert str(preview["stat_date"].iloc[0])[:10] == "2026-11-01"          # "Nov 1, 2026"
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "Loaded 6 rows" in at.success[0].value, [e.value for e in at.error]
    assert "3 rows split by a breakdown" in at.success[0].value       # exact + phrase match rows of a keyword
    assert _row_count(at, "ad_stats") == ads_before + 6
    # the next day's download repeats Nov 3 with a late conversion: the row is restated, nothing added
    later = [*lines[:2], lines[2], *[line.replace(',0.46,"7,314"', ',1.46,"19,914"') for line in lines[9:12]]]
    at.file_uploader(key="data_file").set_value(("Search keyword report (1).csv", utf16_tsv(later),
                                                  "text/csv")).run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "Loaded 1 rows" in at.success[0].value, [e.value for e in at.error]
    assert "1 of them restated rows loaded before" in at.success[0].value      # not "added"
    totals = [df.value for df in at.dataframe if list(df.value.columns)[:1] == ["total_name"]][0]
    named = dict(zip(totals["total_name"], totals["total_value"], strict=True))
    assert (named["Rows restated"], named["New rows"]) == (1, 0)
    assert _row_count(at, "ad_stats") == ads_before + 6


def test_smartstore_marketing_upload_loads_visits_by_day_and_says_which_days_have_sessions(at):
    body = (ROOT / "examples" / "smartstore_marketing_by_day.csv").read_text(encoding="utf-8").encode("cp949")
    at.radio(key="lang").set_value("en").run()
    at.switch_page("pages/data.py").run()
    before = _row_count(at, "traffic_stats")
    at.selectbox(key="data_kind").set_value("traffic_stats").run()
    at.file_uploader(key="data_file").set_value(("마케팅분석.csv", body, "text/csv")).run()
    assert not at.exception
    assert any("smartstore_marketing" in c.value for c in at.caption)      # detected format
    preview = [df.value for df in at.dataframe if "sessions" in df.value.columns][0]
    assert set(preview["device"].dropna()) <= {"mobile", "desktop"}
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success and "Loaded 12 rows" in at.success[0].value, [e.value for e in at.error]
    # the demo store has visit-level sessions on both days: the reports keep using them, and the page says so
    assert at.warning and "2 days of this file already have visit-level sessions" in at.warning[0].value
    totals = [df.value for df in at.dataframe if list(df.value.columns)[:1] == ["total_name"]][0]
    named = dict(zip(totals["total_name"], totals["total_value"], strict=True))
    assert named["'전체' (all devices) rows left out beside their device rows"] == 6
    assert _row_count(at, "traffic_stats") == before + 12


def test_column_mapper_maps_unknown_headers(at):
    at.switch_page("pages/data.py").run()
    orders_before = _row_count(at, "orders")
    odd = ("No,When,Code,Item,Qty,Each\n"
           "M-1,2026-11-19 09:00:00,S1,매핑 상품,3,2500\n").encode()
    at.file_uploader(key="data_file").set_value(("odd.csv", odd, "text/csv")).run()
    assert not at.exception
    mapper = {s.key.rsplit("_orders_auto_", 1)[1]: s for s in at.selectbox if (s.key or "").startswith("data_map_")}
    assert {"order_id", "ordered_at", "sku", "product_name", "quantity", "unit_price"} <= set(mapper)
    for target, source in {"order_id": "No", "ordered_at": "When", "sku": "Code", "product_name": "Item",
                           "quantity": "Qty", "unit_price": "Each"}.items():
        mapper[target].set_value(source)
    at.run()
    assert not at.exception
    preview = [df.value for df in at.dataframe if "product_name" in df.value.columns][0]
    assert preview["product_name"].tolist() == ["매핑 상품"]
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error]
    assert _row_count(at, "orders") == orders_before + 1


def test_data_page_status_tables_and_templates(at):
    at.switch_page("pages/data.py").run()
    frames = {tuple(df.value.columns): df.value for df in at.dataframe}
    counts = frames[("table_name", "row_count")]
    assert counts.set_index("table_name").loc["orders", "row_count"] > 0
    freshness = frames[("table_name", "latest_local", "age_hours")]
    latest_order = freshness.set_index("table_name").loc["orders", "latest_local"]
    assert latest_order.to_pydatetime() <= datetime(2026, 11, 20, 14, 0)   # the demo's now, in Seoul time
    log = [df for cols, df in frames.items() if "rows_loaded" in cols][0]
    assert 0 < len(log) <= 50
    templates = sorted(p.name for p in (ROOT / "examples").iterdir()
                       if p.suffix in {".csv", ".xlsx", ".parquet"}) if (ROOT / "examples").is_dir() else []
    assert sorted(b.label for b in at.get("download_button")) == templates


def test_a_page_run_without_app_py_builds_its_own_sidebar(demo_db, legacy_pages_mode):
    # Streamlit's legacy pages/ mode runs the page file alone (unpatched AppTest reruns; a server's very
    # first request can too): the page must still get the warehouse and filters, not stale ones.
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    app.session_state["as_of_utc"] = AS_OF
    app.run()
    app.selectbox(key="seller_id").set_value("outdoor_us").run()
    app.radio(key="lang").set_value("en").run()            # this rerun already runs home.py alone
    assert _titles(app) == ["Home"]
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert _titles(app) == ["Data"]                          # choices survive the sidebar being redrawn
    assert app.selectbox(key="seller_id").value == "outdoor_us"
    assert any(tuple(df.value.columns) == ("table_name", "row_count") for df in app.dataframe)
    app.switch_page("pages/home.py").run()
    assert not app.exception
    assert len(app.metric) == 15


def test_another_stores_push_leaves_this_stores_pages_cached(at, demo_db):
    """A store pushing orders all day (ingest API) must not make every other store's pages compute afresh."""
    from analytics import result_cache
    from data.ingest import ingest_records
    from data.warehouse import open_warehouse

    def push(seller_id: str, order_id: str) -> None:
        result = ingest_records(open_warehouse(demo_db), [
            {"order_id": order_id, "ordered_at": "2026-11-20T04:30:00Z", "sku": "PUSH", "product_name": "푸시",
             "quantity": 1, "unit_price": 1000}], seller_id=seller_id, kind="orders")
        assert result.ok, result.problems

    shown = at.session_state["seller_id"]
    other = next(s for s in ("petshop_kr", "coffee_kr") if s != shown)
    orders_today = _metrics(at)[1]
    at.run()
    misses = result_cache.stats["misses"]
    push(other, "other-store-push")
    at.run()
    assert not at.exception
    assert result_cache.stats["misses"] == misses            # digest, KPIs, daily revenue: all found
    assert _metrics(at)[1] == orders_today
    push(shown, "own-store-push")
    at.run()
    assert result_cache.stats["misses"] > misses
    label, value = _metrics(at)[1]
    assert label == orders_today[0] and int(value.replace(",", "")) == int(orders_today[1].replace(",", "")) + 1
