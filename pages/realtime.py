"""Real-time page: today so far vs yesterday and last week, hourly curve, pace forecast, latest orders; refreshes live."""

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import streamlit as st

from analytics import realtime
from analytics.i18n import t
from analytics.metrics import KPI_METRICS, format_delta, format_metric_value, metric_help, metric_label
from pages import _ui

REFRESH_SECONDS = (5, 10, 30, 60)   # the live part re-reads the warehouse this often (first = default)
HISTORY_TTL_SECONDS = 60            # complete past days change only when data is loaded for them


@st.cache_data(ttl=HISTORY_TTL_SECONDS, show_spinner=False)
def cached_history(ref: _ui.WarehouseRef, seller_id: str, tz: str, today: date) -> pl.DataFrame:
    return realtime.history_hourly(_ui.scoped(ref), seller_id, tz, today)


def live_snapshot(ref: _ui.WarehouseRef, seller_id: str, tz: str, now_utc: datetime) -> realtime.RealtimeSnapshot:
    """Today's numbers read now (never cached: a pushed order must show on the next refresh)."""
    clock = realtime.realtime_clock(tz, now_utc)
    # past days: kept up to HISTORY_TTL_SECONDS whatever today's pushes do to the data version
    history = cached_history(replace(ref, data_version=0), seller_id, tz, clock.today)
    return realtime.realtime_snapshot(_ui.scoped(ref), seller_id, now_utc, history=history)


def render_tiles(snap: realtime.RealtimeSnapshot, lang: str) -> None:
    rows = {r["metric"]: r for r in snap.tiles.iter_rows(named=True)}
    for column, metric in zip(st.columns(len(KPI_METRICS)), KPI_METRICS, strict=True):
        row = rows[metric]
        with column:
            st.metric(metric_label(metric, lang), format_metric_value(metric, row["value"], snap.currency, lang),
                      delta=format_delta(metric, row["value"], row["yesterday_value"], row["delta_yesterday_pct"]),
                      help=metric_help(metric, lang), delta_description=t("realtime.delta.yesterday", lang),
                      border=True)


filters = _ui.start_page("realtime")        # title; stops with a note when there is no store
lang = filters.lang
seller = filters.seller

refresh = st.selectbox(t("realtime.refresh", lang), REFRESH_SECONDS, key="realtime_refresh",
                       format_func=lambda s: t("realtime.refresh.option", lang, seconds=s),
                       help=t("realtime.refresh.help", lang), width=200)


@st.fragment(run_every=refresh)
def live_part() -> None:
    now = _ui.now_utc()  # re-read on every refresh: the clock moves on while the page is open
    snap = live_snapshot(filters.ref, seller.seller_id, seller.timezone, now)
    st.caption(t("realtime.as_of", lang, name=seller.name, tz=seller.timezone,
                 now=_ui.local_clock_text(seller.timezone, now), seconds=refresh))
    render_tiles(snap, lang)
    st.caption(t("realtime.compare.header", lang), help=t("realtime.compare.help", lang))
    _ui.table(realtime.comparison_table(snap.tiles, seller.currency, lang), hide_index=True,
              key="realtime_compare")

    forecast = snap.forecast
    st.subheader(t("realtime.forecast.header", lang), help=metric_help("realtime_forecast_close", lang))
    st.info(realtime.forecast_sentence(forecast, lang, seller.currency))
    if forecast["status"] == "ok":
        st.caption(t("realtime.forecast.how", lang, weekday=realtime.weekday_name(forecast["weekday"], lang),
                     share=f"{forecast['share_of_day'] * 100:.0f}", days=forecast["training_days"]),
                   help=metric_help("realtime_usual_day", lang))

    st.subheader(t("realtime.chart.header", lang), help=t("realtime.chart.help", lang))
    st.plotly_chart(realtime.plot_hourly_curve(snap.curve, lang, seller.currency), key="realtime_hourly")

    st.subheader(t("realtime.orders.header", lang, n=realtime.LATEST_ORDERS_LIMIT),
                 help=t("realtime.orders.help", lang))
    if snap.orders.height:
        st.table(realtime.latest_orders_table(snap.orders, seller.currency, lang), hide_index=True)
    else:
        st.info(t("realtime.orders.empty", lang))


live_part()
