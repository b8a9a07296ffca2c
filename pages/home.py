"""Home page: the digest (the few things to know today, ranked by money at stake), KPI tiles for today, 7 and 30 days
with deltas, and daily revenue of the selected range."""

from datetime import datetime
from typing import Any

import streamlit as st

from analytics import digest
from analytics.i18n import t
from analytics.kpis import plot_revenue_by_day, revenue_range_totals
from analytics.metrics import format_money, metric_help
from analytics.period import report_period
from pages import _ui


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_digest(ref: _ui.WarehouseRef, seller_id: str, now_minute_utc: datetime) -> dict[str, Any]:
    """The digest report (plain JSON) at this minute; the sidebar's date range does not change it."""
    wh = _ui.scoped(ref)
    return digest.report(wh, report_period(wh, seller_id, as_of=now_minute_utc))


def render_digest(report: dict[str, Any], currency: str, lang: str) -> None:
    """Each item: severity mark, rank and sentence, money at stake (with its definition) and the evidence link."""
    st.markdown(f"#### {t('digest.header', lang)}")   # not a subheader: those title the KPI rows
    st.caption(t("digest.caption", lang))
    if not report["rows"]:
        st.success(report["quiet_text"][lang] if report.get("quiet_text") else t("digest.quiet", lang))
    for row in report["rows"]:
        with st.container(border=True):
            st.markdown(f"{digest.SEVERITY_MARKS[row['severity']]} **{row['rank']}.** {row['text_' + lang]}")
            render_money_and_link(row, currency, lang)
    if report.get("more"):       # the other kinds of findings, so nothing the reports found is hidden
        with st.expander(t("digest.more_header", lang, count=len(report["more"]))):
            for row in report["more"]:
                st.markdown(f"{digest.SEVERITY_MARKS[row['severity']]} {digest.kind_label(row['kind'], lang)}: "
                            f"{row['text_' + lang]}")
                render_money_and_link(row, currency, lang)
    if report["skipped"]:
        st.caption(t("digest.skipped", lang, areas=", ".join(s["area"] for s in report["skipped"])))
    with st.expander(t("digest.rules_header", lang)):
        st.markdown("\n".join(f"- **{digest.kind_label(kind, lang)}**: {rule}"
                               for kind, rule in digest.money_rules(lang).items()))


def render_money_and_link(row: dict[str, Any], currency: str, lang: str) -> None:
    st.caption(f"{t('digest.money_label', lang)}: {format_money(row['money_at_stake'], currency)}",
               help=metric_help("digest_money_at_stake", lang))
    st.page_link(row["page"], label=t("digest.evidence", lang), icon=":material/arrow_forward:")


filters = _ui.start_page("home")        # title; stops with a note when there is no store
lang = filters.lang

seller = filters.seller
st.caption(t("home.as_of", lang, name=seller.name, tz=seller.timezone,
             now=_ui.local_clock_text(seller.timezone, filters.now_utc)))

# the digest heads the page but is drawn last: after new orders in a large store it takes seconds to compute (the
# customer models), and the tiles and chart below need a fraction of that, so they show while it is computed
digest_slot = st.container()

st.divider()
summary = _ui.cached_kpi_summary(filters.ref, seller.seller_id, _ui.minute(filters.now_utc))
_ui.render_kpi_tiles(summary, seller.currency, lang)

st.divider()
st.subheader(t("home.chart.header", lang))
daily = _ui.cached_revenue_by_day(filters.ref, seller.seller_id, filters.start_date, filters.end_date)
totals = revenue_range_totals(daily)
st.caption(t("home.chart.total", lang, start=filters.start_date.isoformat(), end=filters.end_date.isoformat(),
             revenue=format_money(totals["revenue"], seller.currency), orders=f"{totals['order_count']:,}"))
st.plotly_chart(plot_revenue_by_day(daily, lang, seller.currency), key="home_revenue_by_day")
if totals["order_count"] == 0:
    st.info(t("home.no_orders_in_range", lang))

with digest_slot, st.spinner(t("digest.computing", lang)):
    report = cached_digest(filters.ref, seller.seller_id, _ui.minute(filters.now_utc))
with digest_slot:
    render_digest(report, seller.currency, lang)
