"""Traffic page: visits by channel and source with the funnel, inbound search keywords, and unmet demand advice."""

from datetime import date, datetime

import streamlit as st

from analytics import keywords, traffic
from analytics.i18n import STRINGS, t
from analytics.metrics import format_delta, format_metric_value, metric_help, metric_label, money_column_format
from analytics.period import ReportPeriod, report_period
from pages import _ui

TILES = (("visitors", "sessions"), ("traffic_converted_sessions", "converted_sessions"),
         ("traffic_orders", "order_count"), ("traffic_revenue", "revenue"))
KEYWORD_SORTS = ("sessions", "conversion", "revenue_per_session", "sessions_change_pct")
COUNTS = ("sessions", "previous_sessions", "converted_sessions", "order_count", "count")   # 54,024, not 54024
KEYWORD_COLUMNS = ("keyword", "sessions", "order_count", "conversion", "conversion_low", "conversion_high",
                   "revenue", "revenue_per_session", "previous_sessions", "sessions_change_pct",
                   "previous_conversion", "conversion_change_pp", "flagged")


def _period(ref: _ui.WarehouseRef, seller_id: str, start: date, end: date, as_of: datetime) -> ReportPeriod:
    return report_period(_ui.scoped(ref), seller_id, start=start, end=end, as_of=as_of)


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_traffic(ref: _ui.WarehouseRef, seller_id: str, start: date, end: date, as_of: datetime) -> traffic.TrafficOverview:
    return traffic.traffic_overview(_ui.scoped(ref), _period(ref, seller_id, start, end, as_of))


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_keywords(ref: _ui.WarehouseRef, seller_id: str, start: date, end: date,
                    as_of: datetime) -> keywords.KeywordAnalysis:
    return keywords.keyword_analysis(_ui.scoped(ref), _period(ref, seller_id, start, end, as_of))


def column_config(columns: tuple[str, ...], lang: str, currency: str) -> dict[str, object]:
    """Translated headers, number formats and, where the metric dictionary defines a column, its definition."""
    config: dict[str, object] = {}
    for c in columns:
        label = t(f"traffic.col.{c}", lang) if f"traffic.col.{c}" in STRINGS else c
        metric = traffic.COLUMN_METRICS.get(c)
        help_text = metric_help(metric, lang) if metric else None
        if c in ("conversion", "conversion_low", "conversion_high", "previous_conversion", "share_of_sessions",
                 "step_rate"):
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="percent")
        elif c in ("revenue", "previous_revenue", "revenue_per_session"):
            config[c] = st.column_config.NumberColumn(f"{label} ({currency})", help=help_text,
                                                      format=money_column_format(currency))
        elif c in COUNTS:
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="localized")
        elif c.endswith("_pct") or c.endswith("_pp"):
            config[c] = st.column_config.NumberColumn(label, format="%+.1f")
        elif c == "flagged":
            config[c] = st.column_config.CheckboxColumn(label, help=metric_help("keyword_unmet_sessions", lang))
        elif c == "channel":
            config[c] = st.column_config.TextColumn(label)
        else:
            config[c] = st.column_config.Column(label, help=help_text)
    return config


def render_tiles(overview: traffic.TrafficOverview, lang: str, currency: str) -> None:
    for column, (metric, key) in zip(st.columns(len(TILES)), TILES, strict=True):
        value, previous = overview.totals[key], overview.previous_totals[key]
        change = (value - previous) / abs(previous) * 100.0 if previous else None
        with column:
            st.metric(metric_label(metric, lang), format_metric_value(metric, value, currency, lang),
                      delta=format_delta(metric, value, previous, change), help=metric_help(metric, lang),
                      delta_description=t("traffic.chart.previous", lang), border=True)


def render_channels(overview: traffic.TrafficOverview, lang: str, currency: str) -> None:
    choice = st.selectbox(t("traffic.breakdown", lang), list(traffic.BREAKDOWNS), key="traffic_breakdown",
                          format_func=lambda b: t(f"traffic.breakdown.{b}", lang))
    table = {"channel": overview.channels, "source_medium": overview.sources, "device": overview.devices}[choice]
    if choice == "channel":
        st.plotly_chart(traffic.plot_channel_bars(overview.channels, lang, currency), key="traffic_channel_bars")
    columns = (*traffic.BREAKDOWNS[choice], *traffic.BREAKDOWN_COLUMNS)
    _ui.table(traffic.with_display_names(table, lang), column_order=columns,
              column_config=column_config(columns, lang, currency), hide_index=True, key="traffic_breakdown_table")
    st.subheader(t("traffic.funnel.header", lang), help=" \n".join(
        metric_help(m, lang) for m in ("visitors", "traffic_engaged_sessions", "traffic_converted_sessions",
                                       "traffic_paid_orders")))
    st.plotly_chart(traffic.plot_funnel(overview.funnel, lang), key="traffic_funnel")
    funnel_columns = ("stage", "count", "share_of_sessions", "step_rate")
    _ui.table(traffic.label_funnel(overview.funnel, lang), column_order=funnel_columns,
              column_config=column_config(funnel_columns, lang, currency), hide_index=True,
              key="traffic_funnel_table")


def render_keywords(analysis: keywords.KeywordAnalysis, lang: str, currency: str) -> None:
    if analysis.keywords.height == 0:
        st.info(t("traffic.no_keywords", lang))
        return
    sort = st.selectbox(t("traffic.keyword_sort", lang), KEYWORD_SORTS, key="traffic_keyword_sort",
                        format_func=lambda c: t(f"traffic.col.{c}", lang))
    st.plotly_chart(keywords.plot_keyword_scatter(analysis.keywords, analysis.totals["store_conversion"], lang,
                                                  currency), key="traffic_keyword_scatter")
    text = st.text_input(t("traffic.keyword_filter", lang), key="traffic_keyword_filter",
                         help=t("traffic.keyword_filter_help", lang))
    shown = keywords.filter_keywords(analysis.keywords, text)
    if text.strip():
        st.caption(t("traffic.keyword_filter_count", lang, shown=shown.height, total=analysis.keywords.height))
    _ui.table(keywords.sort_keywords(shown, sort), column_order=KEYWORD_COLUMNS,
              column_config=column_config(KEYWORD_COLUMNS, lang, currency), hide_index=True,
              key="traffic_keyword_table")


def render_unmet(analysis: keywords.KeywordAnalysis, lang: str) -> None:
    totals = analysis.totals
    store = format_metric_value("conversion", totals["store_conversion"], "", lang)
    synonyms = ", ".join(f"{term} = {' / '.join(words)}" for term, words in keywords.SYNONYMS.items())
    st.caption(t("traffic.unmet.rule", lang, min_sessions=totals["min_sessions"], store=store, synonyms=synonyms),
               help=metric_help("keyword_unmet_sessions", lang))
    if analysis.groups.height == 0:
        st.success(t("traffic.no_unmet", lang, min_sessions=totals["min_sessions"]))
        return
    sessions = dict(zip(analysis.keywords["keyword"], analysis.keywords["sessions"], strict=True))
    for group in analysis.groups.iter_rows(named=True):
        st.info(group[f"advice_{lang}"])
        st.caption(keywords.group_keywords_text(group["keywords"], sessions, lang))


filters = _ui.start_page("traffic")        # title; stops with a note when there is no store
lang = filters.lang
seller = filters.seller
as_of = _ui.minute(filters.now_utc)
overview = cached_traffic(filters.ref, seller.seller_id, filters.start_date, filters.end_date, as_of)
analysis = cached_keywords(filters.ref, seller.seller_id, filters.start_date, filters.end_date, as_of)
period = _period(filters.ref, seller.seller_id, filters.start_date, filters.end_date, as_of).previous()
st.caption(t("traffic.caption", lang, name=seller.name, start=filters.start_date.isoformat(),
             end=filters.end_date.isoformat(), prev_start=period.start_date.isoformat(),
             prev_end=period.end_date.isoformat()))

render_tiles(overview, lang, seller.currency)
if not overview.totals["sessions"]:
    st.info(t("traffic.no_sessions", lang))

channels_tab, keywords_tab, unmet_tab = st.tabs(
    [t("traffic.tab.channels", lang), t("traffic.tab.keywords", lang), t("traffic.tab.unmet", lang)])
with channels_tab:
    render_channels(overview, lang, seller.currency)
with keywords_tab:
    render_keywords(analysis, lang, seller.currency)
with unmet_tab:
    render_unmet(analysis, lang)
