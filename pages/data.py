"""Data page: upload files (with a column mapper and preview), what the warehouse holds, freshness, the load log."""

import polars as pl
import streamlit as st

from analytics.i18n import t
from analytics.ingest_text import problem_text
from data.ingest import FORMATS, KINDS, ingest_bytes
from data.readers import is_encrypted_excel
from data.warehouse import WarehouseError
from pages import _ui

RESULT_KEY = "data_last_result"
NONE_CHOICE = ""

filters = _ui.current_filters()
lang = filters.lang
st.title(t("page.data", lang))

# ------------------------------------------------------------------------------------------- upload
st.header(t("data.upload.header", lang))
seller_id = filters.seller_id
if seller_id is None:
    seller_id = st.text_input(t("data.upload.new_seller", lang), key="data_new_seller").strip() or None

upload = st.file_uploader(t("data.upload.file", lang), type=["csv", "xlsx", "parquet"], key="data_file")
kind_col, format_col = st.columns(2)
kind = kind_col.selectbox(t("data.upload.kind", lang), options=list(KINDS), key="data_kind",
                          format_func=lambda k: t(f"kind.{k}", lang))
fmt = format_col.selectbox(t("data.upload.format", lang), options=list(FORMATS), key="data_format",
                           format_func=lambda f: t(f"format.{f}", lang))

if upload is not None:
    content = upload.getvalue()
    timezone_name = filters.seller.timezone if filters.seller else None
    mapping = None
    encrypted = is_encrypted_excel(content)
    password = (st.text_input(t("data.upload.password", lang), type="password", key="data_file_password",
                              help=t("data.upload.password.help", lang)) or None) if encrypted else None
    try:
        suggested = _ui.upload_preview(upload.file_id, content, filename=upload.name, kind=kind, fmt=fmt,
                                       timezone_name=timezone_name, password=password)
    except Exception as exc:  # an unreadable file is a user mistake: a message, never a traceback
        suggested = None
        st.error(t("data.preview.failed", lang, error=exc))
    if suggested is not None and not suggested.source_columns:   # unreadable: no mapper, no load button
        if encrypted:
            st.info(t("data.upload.password.wrong" if password else "data.upload.password.needed", lang))
        else:
            reason = suggested.problems[0].reason if suggested.problems else "?"
            st.error(t("data.preview.failed", lang, error=problem_text(reason, lang)))
        suggested = None
    if suggested is not None:
        with st.expander(t("data.mapper.header", lang), expanded=fmt == "mapped" or bool(suggested.problems)):
            st.caption(t("data.mapper.detected", lang, fmt=suggested.detected_format))
            st.caption(t("data.mapper.help", lang))
            choices = [NONE_CHOICE, *suggested.source_columns]
            picked: dict[str, str] = {}
            mapper_columns = st.columns(3)
            for i, spec in enumerate(suggested.targets):
                default = suggested.suggested_mapping.get(spec.name)
                label = f"{spec.name} ({t('data.mapper.required', lang)})" if spec.required else spec.name
                with mapper_columns[i % 3]:
                    source = st.selectbox(
                        label, options=choices, help=spec.help,
                        index=choices.index(default) if default in choices else 0,
                        format_func=lambda c: c or t("data.mapper.none", lang),
                        key=f"data_map_{upload.file_id}_{kind}_{fmt}_{spec.name}")
                if source:
                    picked[spec.name] = source
        suggested_pairs = {k: v for k, v in suggested.suggested_mapping.items() if v}
        # Unchanged suggestions: keep the chosen format (its own rules); any edit makes a custom mapping.
        mapping = picked if picked != suggested_pairs or fmt == "mapped" else None
        load_format = "mapped" if mapping is not None else fmt
        shown = suggested
        if mapping is not None:
            try:
                shown = _ui.upload_preview(upload.file_id, content, filename=upload.name, kind=kind,
                                           fmt=load_format, mapping=mapping, timezone_name=timezone_name,
                                           password=password)
            except Exception as exc:
                st.error(t("data.preview.failed", lang, error=exc))
        st.subheader(t("data.preview.header", lang, n=20))
        dates = {c: st.column_config.DateColumn(format="YYYY-MM-DD")            # a day, not a midnight
                 for c, dtype in shown.head.schema.items() if dtype == pl.Date}
        _ui.table(shown.head, column_config=dates, key="data_preview")
        if shown.problems:
            st.warning(t("data.preview.problems", lang))
            _ui.table(_ui.problem_rows(shown.problems, lang), column_config=_ui.column_config(
                ["row", "column", "reason", "value"], lang), key="data_preview_problems")

        skip_invalid = st.checkbox(t("data.upload.skip_invalid", lang), key="data_skip_invalid",
                                   help=t("data.upload.skip_invalid.help", lang))
        if st.button(t("data.upload.load", lang), key="data_load", type="primary", disabled=seller_id is None):
            bar = st.progress(0.0, text=t("data.upload.progress", lang, done=0))
            try:
                result = ingest_bytes(_ui.warehouse(filters, seller_id), content, filename=upload.name, seller_id=seller_id,
                                      kind=kind, fmt=load_format, mapping=mapping, skip_invalid=skip_invalid,
                                      progress=_ui.progress_reporter(bar, lang), password=password)
            except WarehouseError as exc:
                st.session_state[RESULT_KEY] = None
                st.error(t("data.result.failed", lang, error=exc))
            else:
                bar.progress(1.0, text=t("data.upload.done", lang))
                st.session_state[RESULT_KEY] = result
                st.cache_data.clear()  # every cached number may have changed

_ui.render_load_result(st.session_state.get(RESULT_KEY), lang)

# ------------------------------------------------------------------------------------------- templates
st.header(t("data.templates.header", lang), help=t("data.templates.help", lang))
templates = _ui.example_files()
if not templates:
    st.caption(t("data.templates.none", lang))
template_columns = st.columns(4)
for i, path in enumerate(templates):
    template_columns[i % 4].download_button(path.name, data=path.read_bytes(), file_name=path.name,
                                            mime=_ui.mime_type(path), key=f"data_template_{path.name}",
                                            icon=":material/download:")

# ------------------------------------------------------------------------------------------- status
if filters.seller_id is not None:
    clock = _ui.minute(filters.now_utc)
    counts_col, fresh_col = st.columns(2)
    with counts_col:
        st.header(t("data.tables.header", lang))
        counts = _ui.cached_table_row_counts(filters.ref, filters.seller_id)
        _ui.table(counts, column_config=_ui.column_config(counts.columns, lang), key="data_counts",
                  hide_index=True)
    with fresh_col:
        st.header(t("data.freshness.header", lang), help=t("data.freshness.help", lang))
        freshness = _ui.cached_data_freshness(filters.ref, filters.seller_id, clock)
        _ui.table(freshness, column_config=_ui.column_config(freshness.columns, lang), key="data_freshness",
                  hide_index=True)
    st.header(t("data.loads.header", lang))
    loads = _ui.cached_load_log(filters.ref, filters.seller_id)
    if loads.height == 0:
        st.caption(t("data.loads.empty", lang))
    else:
        _ui.table(_ui.load_log_for_people(loads, lang), column_config=_ui.column_config(loads.columns, lang),
                  key="data_loads", hide_index=True)
