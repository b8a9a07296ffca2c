"""Home page: KPI tiles for today, 7 and 30 days with deltas, and daily revenue of the selected range."""

import streamlit as st

from analytics.i18n import t
from analytics.kpis import plot_revenue_by_day, revenue_range_totals
from analytics.metrics import format_money
from pages import _ui

filters = _ui.current_filters()
lang = filters.lang
st.title(t("page.home", lang))

if filters.seller is None:
    st.info(t("sidebar.no_sellers", lang))
    st.stop()

seller = filters.seller
st.caption(t("home.as_of", lang, name=seller.name, tz=seller.timezone,
             now=_ui.local_clock_text(seller.timezone, filters.now_utc)))

summary = _ui.cached_kpi_summary(filters.db_path, seller.seller_id, _ui.minute(filters.now_utc))
_ui.render_kpi_tiles(summary, seller.currency, lang)

st.divider()
st.subheader(t("home.chart.header", lang))
daily = _ui.cached_revenue_by_day(filters.db_path, seller.seller_id, filters.start_date, filters.end_date)
totals = revenue_range_totals(daily)
st.caption(t("home.chart.total", lang, start=filters.start_date.isoformat(), end=filters.end_date.isoformat(),
             revenue=format_money(totals["revenue"], seller.currency), orders=f"{totals['order_count']:,}"))
st.plotly_chart(plot_revenue_by_day(daily, lang, seller.currency), key="home_revenue_by_day")
if totals["order_count"] == 0:
    st.info(t("home.no_orders_in_range", lang))
