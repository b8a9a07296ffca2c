"""Ads page: is ad money well spent — tiles, a table per level, waste, ROAS trend, response curve, budget advice."""

from datetime import date, datetime

import streamlit as st

from analytics import ads
from analytics.i18n import STRINGS, t
from analytics.metrics import METRICS, format_metric_value, format_money, metric_help, metric_label, money_column_format
from analytics.period import report_period
from pages import _ui

TILES = (("ad_spend", "spend", "spend_prev"), ("ad_conversion_revenue", "conversion_revenue", "conversion_revenue_prev"),
         ("ad_roas", "roas", "roas_prev"), ("ad_break_even_roas", "break_even_roas", None),
         ("ad_contribution", "contribution", None), ("ad_acos", "acos", None), ("ad_tacos", "tacos", None),
         ("ad_waste_share", "waste_share", None))
# table column -> metric of the dictionary whose definition is its help
COLUMN_METRICS = {"spend": "ad_spend", "impressions": "ad_impressions", "clicks": "ad_clicks", "ctr": "ad_ctr",
                  "cpc": "ad_cpc", "conversions": "ad_conversions", "cvr": "ad_cvr", "cpa": "ad_cpa",
                  "conversion_revenue": "ad_conversion_revenue", "roas": "ad_roas", "acos": "ad_acos",
                  "tacos": "ad_tacos", "waste_spend": "ad_waste_spend", "contribution": "ad_contribution",
                  "share_of_spend": "ad_waste_share", "marginal_roas": "ad_marginal_roas"}
BUDGET_MONEY = ("current_daily_spend", "extra_daily_spend", "extra_daily_revenue", "extra_daily_contribution")
TABLE_COLUMNS = ("spend", "spend_change_pct", "impressions", "clicks", "ctr", "cpc", "conversions", "cvr", "cpa",
                 "conversion_revenue", "roas", "roas_change_pct", "acos", "tacos", "waste_spend", "contribution")


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_ads_analysis(ref: _ui.WarehouseRef, seller_id: str, start_date: date, end_date: date,
                        now_minute_utc: datetime) -> ads.AdsAnalysis:
    wh = _ui.scoped(ref)
    period = report_period(wh, seller_id, start=start_date, end=end_date, as_of=now_minute_utc)
    return ads.analyse_ads(wh, period)


def _column_config(columns: list[str], lang: str, currency: str) -> dict[str, object]:
    config: dict[str, object] = {}
    for c in columns:
        metric = COLUMN_METRICS.get(c)
        if metric:
            unit = METRICS[metric].unit
            label = metric_label(metric, lang) + (f" ({currency})" if unit == "money" else "")
            fmt = "percent" if unit == "ratio" else money_column_format(currency) if unit == "money" else "localized"
            config[c] = st.column_config.NumberColumn(label, help=metric_help(metric, lang), format=fmt)
        elif c in BUDGET_MONEY:
            config[c] = st.column_config.NumberColumn(f"{t(f'ads.col.{c}', lang)} ({currency})",
                                                      format=money_column_format(currency))
        elif c.endswith("_change_pct") and f"ads.col.{c}" in STRINGS:
            config[c] = st.column_config.NumberColumn(t(f"ads.col.{c}", lang), format="%+.1f%%")
        elif f"ads.col.{c}" in STRINGS:
            config[c] = st.column_config.Column(t(f"ads.col.{c}", lang))
    return config


def _delta(value: float | None, previous: float | None, unit: str) -> str | None:
    if value is None or previous is None:
        return None
    if unit == "ratio":
        return f"{(value - previous) * 100:+.0f}%p"
    return f"{(value / previous - 1) * 100:+.1f}%" if previous else None


filters = _ui.start_page("ads")        # title; stops with a note when there is no store
lang = filters.lang

seller = filters.seller
cur = seller.currency
analysis = cached_ads_analysis(filters.ref, seller.seller_id, filters.start_date, filters.end_date,
                               _ui.minute(filters.now_utc))
prev = analysis.period.previous()
st.caption(t("ads.as_of", lang, name=seller.name, start=filters.start_date.isoformat(),
             end=filters.end_date.isoformat(), prev_start=prev.start_date.isoformat(),
             prev_end=prev.end_date.isoformat()))
totals = analysis.totals
if not totals["spend"] and analysis.grains["campaign"].height == 0:
    st.info(t("ads.no_ads", lang))
    st.stop()

# ---------------------------------------------------------------- tiles
st.subheader(t("ads.header.tiles", lang))
for row_start in (0, 4):
    for column, (metric, key, prev_key) in zip(st.columns(4), TILES[row_start:row_start + 4], strict=True):
        with column:
            value = totals[key]
            st.metric(metric_label(metric, lang), format_metric_value(metric, value, cur),
                      delta=_delta(value, totals[prev_key], METRICS[metric].unit) if prev_key else None,
                      help=metric_help(metric, lang), border=True)
if totals["break_even_roas"] is None:
    st.warning(t("ads.no_margin", lang))

falls = analysis.falls.filter(analysis.falls["falling"])
for row in falls.iter_rows(named=True):
    st.error(ads.fall_text(row, lang))
if falls.height == 0:
    st.success(t("ads.fall.none", lang))
st.caption(t("ads.fall.method", lang, alpha=ads.ALPHA))

# ---------------------------------------------------------------- table by level
st.subheader(t("ads.header.table", lang))
grain = st.radio(t("ads.grain", lang), options=list(ads.GRAINS), format_func=lambda g: t(f"ads.grain.{g}", lang),
                 key="ads_grain", horizontal=True, index=1)
table = analysis.grains[grain]
if grain == "campaign":
    table = ads.campaign_table(analysis, lang)
keys = list(ads.GRAINS[grain])
shown = keys + list(TABLE_COLUMNS) + (["verdict"] if grain == "campaign" else [])
_ui.table(ads.with_platform_names(table.select(shown), lang), column_config=_column_config(shown, lang, cur),
          hide_index=True, key="ads_table")

# ---------------------------------------------------------------- waste
st.subheader(t("ads.header.waste", lang), help=metric_help("ad_waste_spend", lang))
if totals["waste_spend"]:
    st.warning(t("ads.waste.summary", lang, spend=format_money(totals["waste_spend"], cur),
                 share=format_metric_value("ad_waste_share", totals["waste_share"], cur)))
else:
    st.success(t("ads.waste.none", lang))
waste_grain = st.radio(t("ads.waste.grain", lang), options=["keyword", "ad_group"],
                       format_func=lambda g: t(f"ads.grain.{g}", lang), key="ads_waste_grain", horizontal=True)
waste = analysis.waste[waste_grain]
if waste.height:
    _ui.table(ads.with_platform_names(waste, lang), column_config=_column_config(waste.columns, lang, cur),
              hide_index=True, key="ads_waste")

# ---------------------------------------------------------------- per campaign: trend and response
st.subheader(t("ads.header.trend", lang))
campaigns = analysis.grains["campaign"]["campaign"].to_list()
flagged = falls["campaign"].to_list()
if campaigns:
    default = campaigns.index(flagged[0]) if flagged and flagged[0] in campaigns else 0
    campaign = st.selectbox(t("ads.campaign_select", lang), options=campaigns, index=default, key="ads_campaign")
    st.plotly_chart(ads.plot_roas_trend(analysis, campaign, lang), key="ads_roas_trend")
    trend = analysis.trends.filter(analysis.trends["campaign"] == campaign)
    test = analysis.falls.filter(analysis.falls["campaign"] == campaign)
    fall_state = ("ads.fall.untested" if test.height == 0 or test["p_value"][0] is None
                  else "ads.fall.flagged" if test["falling"][0] else "ads.fall.not_flagged")
    if trend.height and trend["trend_change_pct"][0] is not None:
        st.caption(t("ads.trend.caption", lang, change=f"{trend['trend_change_pct'][0]:+.0f}%",
                     direction=t(f"ads.direction.{trend['direction'][0]}", lang),
                     p=f"{trend['p_value'][0]:.3f}", fall=t(fall_state, lang)))
    else:
        st.caption(t("ads.trend.not_enough", lang) + " " + t(fall_state, lang))

    st.subheader(t("ads.header.response", lang), help=metric_help("ad_marginal_roas", lang))
    st.plotly_chart(ads.plot_response_curve(analysis, campaign, lang), key="ads_response")
    curve = next((c for c in analysis.curves if c.campaign == campaign), None)
    if curve is None:
        st.caption(t("ads.response.none", lang))
    else:
        be = totals["break_even_roas"]
        st.caption(t("ads.response.caption", lang, b=f"{curve.b:.2f}", days=curve.fit_days,
                     spend=format_money(curve.current_daily_spend, cur),
                     roas=format_metric_value("ad_roas", curve.revenue_at(curve.current_daily_spend)
                                              / curve.current_daily_spend if curve.current_daily_spend else None, cur),
                     marginal=format_metric_value("ad_marginal_roas", curve.marginal_roas_at(curve.current_daily_spend)
                                                  if curve.current_daily_spend else None, cur),
                     break_even=format_metric_value("ad_break_even_roas", be, cur)))

# ---------------------------------------------------------------- budget advice
st.subheader(t("ads.header.budget", lang))
st.info(ads.budget_advice_text(analysis, lang))
if analysis.budget.height:
    _ui.table(ads.with_platform_names(analysis.budget, lang),
              column_config=_column_config(analysis.budget.columns, lang, cur), hide_index=True, key="ads_budget")
st.caption(t("ads.budget.method", lang))
