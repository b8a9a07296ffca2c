"""The SQL workspace page in AppTest: run, refuse, time out, export, chart, save, history, scope, and a saved
query made into an alert metric that the morning check watches."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from alerts import checks
from data import workspace_store
from data.warehouse import Warehouse, close_warehouse

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = "2026-11-20T05:00:00"
VISITS_BY_DAY = ("SELECT CAST(timezone('Asia/Seoul', started_at AT TIME ZONE 'UTC') AS DATE) AS day, "
                 "count(*) AS visits FROM sessions WHERE started_at >= $from AND started_at < $to GROUP BY 1")


def _page(user: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["auth_user"] = user
    app.session_state["as_of_utc"] = AS_OF
    app.run()
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    return app


def _run(app: AppTest, sql: str, timeout: int | None = None) -> None:
    app.text_area(key="explore_sql").set_value(sql)
    if timeout is not None:
        app.number_input(key="explore_timeout").set_value(timeout)
    app.button(key="explore_run").click().run()
    assert not app.exception


def _rows(db: Path, query: str) -> list[tuple]:
    close_warehouse(db)              # the app's process-wide handle, so a read-only one can open
    wh = Warehouse(db, read_only=True)
    try:
        return wh.cursor().execute(query).fetchall()
    finally:
        wh.close()


def test_a_template_runs_with_parameters_exports_and_charts(demo_db):
    app = _page("admin")
    assert app.text_area(key="explore_sql").value.strip().upper().startswith(("SELECT", "WITH", "--"))
    assert {"explore_param_from", "explore_param_to"} <= {w.key for w in app.date_input}
    app.button(key="explore_run").click().run()
    assert not app.exception and not app.error
    grid = app.dataframe[0].value
    assert len(grid) > 0 and "seller_id" in grid.columns
    assert {"explore_csv", "explore_parquet", "explore_xlsx"} <= {b.key for b in app.get("download_button")}
    assert app.get("plotly_chart"), "the chart builder draws the result"
    history = _rows(demo_db, "SELECT status, row_count FROM query_history")
    assert history and history[0][0] == "ok" and history[0][1] == len(grid)


def test_a_seller_sees_only_their_store_and_attacks_are_refused_and_logged(demo_db):
    app = _page("petshop")
    _run(app, "SELECT seller_id, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1")
    assert app.dataframe[0].value["seller_id"].tolist() == ["petshop_kr"]
    for attack in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM main.orders",
                   "SELECT 1; DROP TABLE orders", "SELECT * FROM information_schema.tables"):
        _run(app, attack)
        assert app.error and "실행하지 않았습니다" in app.error[0].value, attack
    statuses = [r[0] for r in _rows(demo_db, "SELECT status FROM query_history ORDER BY ran_at")]
    assert statuses.count("refused") == 4 and statuses.count("ok") == 1
    assert _rows(demo_db, "SELECT count(DISTINCT seller_id) FROM orders")[0][0] == 3   # nothing was dropped


def test_a_runaway_query_times_out_and_the_app_carries_on(demo_db):
    app = _page("analyst")
    _run(app, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", timeout=1)
    assert app.error and "시간 초과" in app.error[0].value
    _run(app, "SELECT count(*) AS n FROM sellers")
    assert app.dataframe[0].value["n"].tolist() == [2]                 # analyst: 멍냥마켓 and 오늘의원두


def test_saving_sharing_and_making_an_alert(demo_db):
    app = _page("analyst")
    _run(app, VISITS_BY_DAY)
    assert not app.error
    app.text_input(key="explore_save_name").set_value("방문 수 (일별)")
    app.checkbox(key="explore_save_shared").check()
    app.checkbox(key="explore_save_alert").check()
    next(b for b in app.button if b.label == "저장").click().run()
    assert not app.exception
    assert any("저장했습니다" in s.value for s in app.success)
    saved = _rows(demo_db, "SELECT owner, name, shared, alert_enabled FROM saved_queries")
    assert saved == [("analyst", "방문 수 (일별)", True, True)]

    # shared: another user sees it (it runs in their own scope); the morning check watches it as a metric
    other = _page("petshop")
    assert "방문 수 (일별)" in " ".join(other.selectbox(key="explore_saved").options)
    close_warehouse(demo_db)
    wh = Warehouse(demo_db)
    try:
        found = checks.find_candidates(wh, "petshop_kr", datetime(2026, 11, 18, 23, 30), "daily")
        mine = [c for c in found if c.rule_id.startswith("saved_query:")]
        assert len(mine) == 1 and mine[0].direction == "drop" and mine[0].metric == "방문 수 (일별)"
        # the owner (analyst) may not see outdoor_us: the query is not run there
        assert not [c for c in checks.find_candidates(wh, "outdoor_us", datetime(2026, 11, 19, 16, 30), "daily")
                    if c.rule_id.startswith("saved_query:")]
        assert [q.name for q in workspace_store.visible_queries(wh, "coffee")] == ["방문 수 (일별)"]
    finally:
        wh.close()


def test_a_result_without_a_date_column_cannot_become_an_alert(demo_db):
    app = _page("admin")
    _run(app, "SELECT seller_id, count(*) AS n FROM orders GROUP BY 1")
    app.text_input(key="explore_save_name").set_value("no dates")
    app.checkbox(key="explore_save_alert").check()
    next(b for b in app.button if b.label == "저장").click().run()
    assert app.error
    assert _rows(demo_db, "SELECT count(*) FROM saved_queries")[0][0] == 0


def test_a_result_larger_than_the_export_cap_offers_streamed_exports(demo_db):
    app = _page("admin")
    app.number_input(key="explore_export_cap").set_value(100)
    _run(app, "SELECT order_id FROM orders")
    assert "잘림" in " ".join(c.value for c in app.caption)
    links = [b.proto.url for b in app.get("link_button")]
    assert any(url.startswith("/api/export/") for url in links), links
