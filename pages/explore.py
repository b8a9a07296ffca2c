"""Explore page: the analysts' SQL workspace over the stores the signed-in user may see (checked, time-limited,
row-capped sandbox): schema browser, templates, parameters, results, exports, chart builder, saved queries,
history, and "make this an alert"."""

import threading
import time
from datetime import date, datetime

import polars as pl
import streamlit as st

from analytics import workspace
from analytics.i18n import t
from analytics.sellers import local_today
from data import exports, sandbox, workspace_store
from pages import _ui

SQL_KEY = "explore_sql"
RESULT_KEY = "explore_result"
DISPLAY_CAP = 1_000

filters = _ui.current_filters()
lang = filters.lang
user = filters.user
st.title(t("page.explore", lang))
st.caption(t("explore.caption", lang, scope=", ".join(_ui.visible_store_names(filters)) or "–"))
scoped = _ui.scoped(filters.all_stores_ref)
box = sandbox.Sandbox(scoped)
store_wh = _ui.workspace_warehouse(filters)            # saved queries and history (the user's own rows)
today = local_today(filters.seller.timezone, filters.now_utc) if filters.seller else filters.now_utc.date()


@st.cache_data(ttl=300, show_spinner=False)
def cached_schema(ref: _ui.WarehouseRef) -> list[tuple[str, list[tuple[str, str]], pl.DataFrame]]:
    return [(s.name, s.columns, s.sample) for s in sandbox.list_schema(_ui.scoped(ref))]


# ---------------------------------------------------------------- schema browser
with st.sidebar.expander(t("explore.schema", lang), expanded=False):
    for name, columns, sample in cached_schema(filters.all_stores_ref):
        with st.popover(name, width="stretch"):
            helps = workspace.COLUMN_HELP.get(name, {})
            st.dataframe(pl.DataFrame({
                t("explore.column", lang): [c for c, _ in columns],
                t("explore.type", lang): [d for _, d in columns],
                t("explore.description", lang): [(helps.get(c) or ("", ""))[0 if lang == "ko" else 1]
                                                 for c, _ in columns]}), hide_index=True)
            st.caption(t("explore.sample", lang))
            st.dataframe(sample, hide_index=True)

# ---------------------------------------------------------------- templates and saved queries
if SQL_KEY not in st.session_state:
    st.session_state[SQL_KEY] = workspace.TEMPLATES[0].sql
left, right = st.columns(2)
templates = {tpl.key: tpl for tpl in workspace.TEMPLATES}
picked = left.selectbox(t("explore.template", lang), list(templates), key="explore_template",
                        format_func=lambda k: templates[k].title_ko if lang == "ko" else templates[k].title_en)
if left.button(t("explore.use_template", lang), key="explore_use_template"):
    st.session_state[SQL_KEY] = templates[picked].sql
saved = {q.query_id: q for q in workspace_store.visible_queries(store_wh, user.username)}
if saved:
    chosen = right.selectbox(t("explore.saved", lang), list(saved), key="explore_saved",
                             format_func=lambda k: saved[k].name + ("" if saved[k].owner == user.username
                                                                    else f" ({saved[k].owner})"))
    if right.button(t("explore.open_saved", lang), key="explore_open_saved"):
        st.session_state[SQL_KEY] = saved[chosen].sql
else:
    right.caption(t("explore.no_saved", lang))

# ---------------------------------------------------------------- the editor
sql = st.text_area(t("explore.sql", lang), key=SQL_KEY, height=220)
with st.expander(t("explore.highlighted", lang), expanded=False):
    st.code(sql, language="sql")
try:
    names = box.check(sql).parameters
    problem = None
except sandbox.QueryRefused as exc:
    names, problem = (), str(exc)
params = {}
if names:
    kinds = workspace.parameter_kinds(names)
    defaults = workspace.default_parameter_values(names, today)
    columns = st.columns(min(len(names), 4))
    for i, name in enumerate(names):
        col, key = columns[i % len(columns)], f"explore_param_{name}"
        if kinds[name] == "date":
            params[name] = col.date_input(f"${name}", value=defaults[name], key=key)
        elif kinds[name] == "number":
            params[name] = col.number_input(f"${name}", value=defaults[name], key=key)
        else:
            params[name] = col.text_input(f"${name}", value=str(defaults[name]), key=key)
caps = st.columns(3)
display_cap = caps[0].number_input(t("explore.display_cap", lang), 10, 10_000, DISPLAY_CAP, step=100,
                                   key="explore_display_cap")
export_cap = caps[1].number_input(t("explore.export_cap", lang), 100, 1_000_000, sandbox.DEFAULT_MAX_ROWS * 10,
                                  step=10_000, key="explore_export_cap")
timeout_s = caps[2].number_input(t("explore.timeout", lang), 1, 300, int(sandbox.DEFAULT_TIMEOUT_S),
                                 key="explore_timeout")

run_col, cancel_col = st.columns((1, 5))
run = run_col.button(t("explore.run", lang), type="primary", key="explore_run")
cancel_col.button(t("explore.cancel", lang), key="explore_cancel")   # any click stops a running query (below)


def run_query() -> None:
    """Run in a worker thread while this script waits: a click on Cancel (any rerun) interrupts the query."""
    token, outcome = sandbox.CancelToken(), {}

    def work() -> None:
        try:
            outcome["result"] = box.run(sql, params, timeout_s=float(timeout_s), max_rows=int(export_cap),
                                        cancel=token)
        except (sandbox.QueryRefused, sandbox.QueryError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    started = time.perf_counter()
    worker.start()
    waiting = st.empty()
    try:
        while worker.is_alive():
            waiting.caption(t("explore.running", lang, seconds=f"{time.perf_counter() - started:.1f}"))
            worker.join(0.25)
    except BaseException:          # Streamlit stops this run (Cancel clicked, page left): stop the query too
        token.cancel()
        raise
    waiting.empty()
    error = outcome.get("error")
    result = outcome.get("result")
    status = ("ok" if result is not None else "refused" if isinstance(error, sandbox.QueryRefused)
              else "timeout" if isinstance(error, sandbox.QueryTimeout)
              else "cancelled" if isinstance(error, sandbox.QueryCancelled) else "error")
    workspace_store.record_run(store_wh, user.username, sql, params, status,
                               result.row_count if result is not None else None,
                               result.elapsed_s if result is not None else None,
                               str(error) if error else "", datetime.now().replace(microsecond=0))
    if error is not None:
        st.session_state.pop(RESULT_KEY, None)
        st.error(t(f"explore.status.{status}", lang) + " " + str(error))
    else:
        st.session_state[RESULT_KEY] = result
        st.session_state[RESULT_KEY + "_query"] = (sql, dict(params))    # what the export links re-run
        st.session_state[RESULT_KEY + "_tokens"] = {}


if run:
    if problem:
        workspace_store.record_run(store_wh, user.username, sql, params, "refused", None, None, problem,
                                   datetime.now().replace(microsecond=0))
        st.error(t("explore.status.refused", lang) + " " + problem)
        st.session_state.pop(RESULT_KEY, None)
    else:
        run_query()

# ---------------------------------------------------------------- results, exports, chart
result = st.session_state.get(RESULT_KEY)
if result is not None:
    frame = result.frame
    st.caption(t("explore.rows", lang, rows=f"{result.row_count:,}", shown=f"{min(result.row_count, display_cap):,}",
                 seconds=f"{result.elapsed_s:.2f}")
               + (" " + t("explore.truncated", lang, cap=f"{result.max_rows:,}") if result.truncated else ""))
    st.dataframe(frame.head(int(display_cap)), hide_index=True, key="explore_grid")
    d1, d2, d3 = st.columns(3)
    stamp = date.today().isoformat()
    d1.download_button("CSV", workspace.to_csv_bytes(result.table), f"query_{stamp}.csv", "text/csv",
                       key="explore_csv")
    d2.download_button("Parquet", workspace.to_parquet_bytes(result.table), f"query_{stamp}.parquet",
                       "application/octet-stream", key="explore_parquet")
    d3.download_button("Excel", workspace.to_excel_bytes(result.table), f"query_{stamp}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="explore_xlsx")
    if result.truncated:          # all rows, streamed by the server (no cap, never held in memory whole)
        st.caption(t("explore.stream_hint", lang))
        s1, s2 = st.columns(2)
        ran_sql, ran_params = st.session_state.get(RESULT_KEY + "_query", (sql, params))
        tokens = st.session_state.setdefault(RESULT_KEY + "_tokens", {})     # one link per result and format
        for column, fmt in ((s1, "csv"), (s2, "parquet")):
            key = (id(result), fmt)
            if key not in tokens or exports.export_job(tokens[key]) is None:
                tokens[key] = exports.register_export(user.username, ran_sql, ran_params, fmt)
            token = tokens[key]
            column.link_button(t("explore.stream", lang, fmt=fmt.upper()), f"/api/export/{token}",
                               icon=":material/download:")
    if frame.height and frame.width >= 2:
        st.subheader(t("explore.chart", lang))
        gx, gy, gc, gk = workspace.suggest_chart(frame)
        cols = frame.columns
        c1, c2, c3, c4 = st.columns(4)
        x = c1.selectbox("x", cols, index=cols.index(gx) if gx in cols else 0, key="explore_x")
        y = c2.selectbox("y", cols, index=cols.index(gy) if gy in cols else min(1, len(cols) - 1), key="explore_y")
        colour_options = ["—", *cols]
        colour = c3.selectbox(t("explore.colour", lang), colour_options,
                              index=colour_options.index(gc) if gc in colour_options else 0, key="explore_colour")
        kinds = ("line", "bar", "scatter", "area")
        kind = c4.selectbox(t("explore.kind", lang), kinds, index=kinds.index(gk) if gk in kinds else 0,
                            key="explore_kind")
        try:
            st.plotly_chart(workspace.plot_result(frame.head(int(display_cap)), x, y,
                                                  None if colour == "—" else colour, kind, lang),
                            key="explore_plot")
        except (ValueError, TypeError) as exc:
            st.info(t("explore.chart_failed", lang, error=str(exc)))

    # ---------------------------------------------------------------- save / make an alert
    with st.expander(t("explore.save", lang)):
        with st.form("explore_save_form"):
            name = st.text_input(t("explore.save_name", lang), key="explore_save_name")
            shared = st.checkbox(t("explore.save_shared", lang), key="explore_save_shared")
            alert = st.checkbox(t("explore.save_alert", lang), key="explore_save_alert",
                                help=t("explore.save_alert_help", lang))
            if st.form_submit_button(t("explore.save_button", lang)):
                problem = workspace.alert_metric_problem(frame, lang) if alert else None
                if problem:
                    st.error(problem)
                else:
                    try:
                        workspace_store.save_query(store_wh, user.username, name, sql, params, shared=shared,
                                                   alert_enabled=alert, now_utc=datetime.now().replace(microsecond=0))
                        st.success(t("explore.saved_ok", lang, name=name))
                    except ValueError as exc:
                        st.error(str(exc))

with st.expander(t("explore.history", lang)):
    past = workspace_store.history(store_wh, user.username)
    if past.height:
        st.dataframe(past, hide_index=True)
    else:
        st.caption(t("explore.no_history", lang))
