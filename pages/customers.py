"""Customers page: new vs returning, repeat rate, cohorts, RFM groups, VIP tiers, CLV lists and the backtest."""

import streamlit as st

from analytics import customers
from analytics.i18n import t
from analytics.metrics import format_metric_value, format_money, metric_help, metric_label, money_column_format
from analytics.period import ReportPeriod
from pages import _ui

HORIZON_KEY = "customers_horizon_days"


filters = _ui.start_page("customers")        # title; stops with a note when there is no store
lang = filters.lang
seller = filters.seller
currency = seller.currency
money = money_column_format(currency)      # table format of money columns
st.caption(t("customers.caption", lang, name=seller.name, start=filters.start_date.isoformat(),
             end=filters.end_date.isoformat(), now=_ui.local_clock_text(seller.timezone, filters.now_utc),
             tz=seller.timezone, currency=currency))

# analytics caches the heavy part until the data changes (analytics.result_cache), without copying it
wh = _ui.scoped(filters.ref)
period = ReportPeriod(seller.seller_id, seller.timezone, currency, filters.start_date, filters.end_date,
                      _ui.minute(filters.now_utc))
insights = customers.customer_insights(wh, period)
if insights.model_status == "no_customers":
    st.info(t("customers.no_customers", lang))
    st.stop()

# ---- tiles
st.subheader(t("customers.section.overview", lang))
tile_metrics = ("customer_count", "new_customers", "returning_customers", "repeat_rate", "customer_revenue")
for column, metric in zip(st.columns(len(tile_metrics)), tile_metrics, strict=True):
    with column:
        st.metric(metric_label(metric, lang), format_metric_value(metric, insights.totals[metric], currency, lang),
                  help=metric_help(metric, lang), border=True)

# ---- cohorts
st.subheader(t("customers.section.cohorts", lang), help=metric_help("cohort_retention", lang))
if insights.cohorts.height:
    st.plotly_chart(customers.plot_cohort_heatmap(insights.cohorts, lang, insights.last_day),
                    key="customers_cohorts")
    st.caption(t("customers.cohorts.help", lang))
    if (partial := customers.partial_month(insights.last_day)) is not None:
        st.caption(t("customers.cohorts.partial", lang, start=partial[0].isoformat(), end=partial[1].isoformat(),
                     days=(partial[1] - partial[0]).days + 1))
else:
    st.info(t("customers.cohorts.empty", lang))

# ---- RFM and tiers
st.subheader(t("customers.section.rfm", lang), help=t("customers.rfm.help", lang))
segments = customers.rfm_segment_table(insights.scored, lang)
left, right = st.columns([3, 2])
with left:
    _ui.table(segments.drop("segment"), hide_index=True, key="customers_segments", column_config={
        "segment_name": st.column_config.TextColumn(t("customers.col.segment", lang)),
        "advice": st.column_config.TextColumn(t("customers.col.advice", lang)),
        "customer_count": st.column_config.NumberColumn(t("customers.col.customers", lang), format="localized"),
        "share": st.column_config.NumberColumn(t("customers.col.share", lang), format="percent"),
        "revenue": st.column_config.NumberColumn(t("customers.col.revenue", lang), format=money),
        "revenue_share": st.column_config.NumberColumn(t("customers.col.revenue_share", lang), format="percent"),
        "order_count": st.column_config.NumberColumn(t("customers.col.orders", lang), format="localized"),
        "aov": st.column_config.NumberColumn(t("customers.col.aov", lang), format=money,
                                             help=metric_help("tier_aov", lang)),
        "avg_recency_days": st.column_config.NumberColumn(t("customers.col.avg_recency_days", lang), format="%.0f"),
        "avg_purchase_days": st.column_config.NumberColumn(t("customers.col.avg_purchase_days", lang),
                                                           format="%.1f"),
    })
with right:
    st.plotly_chart(customers.plot_segment_treemap(segments, lang), key="customers_treemap")

st.subheader(t("customers.section.tiers", lang), help=metric_help("tier_aov", lang))
tiers = customers.vip_tier_table(insights.scored, lang)
_ui.table(tiers.drop("tier"), hide_index=True, key="customers_tiers", column_config={
    "tier_name": st.column_config.TextColumn(t("customers.col.tier", lang)),
    "customer_count": st.column_config.NumberColumn(t("customers.col.customers", lang), format="localized"),
    "revenue": st.column_config.NumberColumn(t("customers.col.revenue", lang), format=money),
    "revenue_share": st.column_config.NumberColumn(t("customers.col.revenue_share", lang), format="percent"),
    "order_count": st.column_config.NumberColumn(t("customers.col.orders", lang), format="localized"),
    "aov": st.column_config.NumberColumn(t("customers.col.aov", lang), format=money,
                                         help=metric_help("tier_aov", lang)),
    "min_revenue": st.column_config.NumberColumn(t("customers.col.min_revenue", lang), format=money),
})

# ---- prediction
st.subheader(t("customers.section.prediction", lang))
horizon = st.slider(t("customers.horizon", lang), min_value=30, max_value=730, value=365, step=30, key=HORIZON_KEY,
                    help=t("customers.horizon.help", lang))
if insights.model_status == "fitted":
    bg = insights.model_params["bgnbd"]
    st.caption(t("customers.model.fitted", lang, customers=bg["n_customers"],
                 repeaters=insights.model_params["repeat_customers"], ll=f"{bg['log_likelihood_weeks']:,.1f}"))
else:
    st.warning(t("customers.model.not_enough", lang, reason=insights.model_reason + "."))
predicted = customers.customer_predictions(wh, period, horizon)
if insights.model_status == "fitted":
    value_metrics = ("clv", "expected_purchases")
    totals = {"clv": float(predicted["clv"].sum()), "expected_purchases": float(predicted["expected_purchases"].sum())}
    for column, metric in zip(st.columns(2), value_metrics, strict=True):
        with column:
            st.metric(metric_label(metric, lang), format_metric_value(metric, totals[metric], currency, lang),
                      help=metric_help(metric, lang) + f"\n\n= {format_money(totals['clv'], currency)}"
                      if metric == "clv" else metric_help(metric, lang), border=True)

list_config = {
    "customer_id": st.column_config.TextColumn(t("customers.col.customer_id", lang)),
    "segment": st.column_config.TextColumn(t("customers.col.segment", lang)),
    "tier": st.column_config.TextColumn(t("customers.col.tier", lang)),
    "purchase_days": st.column_config.NumberColumn(t("customers.col.purchase_days", lang)),
    "first_order_date": st.column_config.DateColumn(t("customers.col.first_order_date", lang)),
    "last_order_date": st.column_config.DateColumn(t("customers.col.last_order_date", lang)),
    "days_since_last": st.column_config.NumberColumn(t("customers.col.days_since_last", lang)),
    "revenue": st.column_config.NumberColumn(t("customers.col.revenue", lang), format=money),
    "p_alive": st.column_config.NumberColumn(t("customers.col.p_alive", lang), format="percent",
                                             help=metric_help("p_alive", lang)),
    "expected_purchases": st.column_config.NumberColumn(t("customers.col.expected_purchases", lang), format="%.2f",
                                                        help=metric_help("expected_purchases", lang)),
    "clv": st.column_config.NumberColumn(t("customers.col.clv", lang), format=money,
                                         help=metric_help("clv", lang)),
}
shown = customers.customer_lists(wh, period, horizon)
lists = (("likely", customers.likely_regulars, shown.likely, shown.counts["likely_regulars"]),
         ("at_risk", customers.regulars_at_risk, shown.at_risk, shown.counts["at_risk"]))
for key, first, frame, count in lists:
    st.markdown(f"#### {t(f'customers.section.{key}', lang)}", help=t(f"customers.{key}.help", lang))
    if frame.height == 0:
        st.info(t("customers.list.empty", lang))
        continue
    _ui.table(customers.with_group_names(frame, lang), hide_index=True, key=f"customers_list_{key}",
              column_config=list_config)
    whole = max(count, frame.height)                            # the CSV holds the whole list, in the same order
    if whole > frame.height:
        st.caption(t(f"customers.list.more.{key}", lang, count=f"{count:,}", shown=frame.height, days=horizon))
    st.download_button(t("customers.download", lang),  # written when clicked: the whole list can be long
                       lambda first=first, whole=whole: first(predicted, whole).write_csv().encode("utf-8-sig"),
                       file_name=f"{seller.seller_id}_{key}_{insights.last_day.isoformat()}.csv",
                       mime="text/csv", key=f"customers_download_{key}")

# ---- backtest
st.subheader(t("customers.section.backtest", lang), help=metric_help("backtest_mae", lang))
bt = insights.backtest
if bt.get("status") == "ok":
    st.caption(t("customers.backtest.caption", lang, cutoff=bt["cutoff_day"].isoformat(), days=bt["holdout_days"],
                 start=bt["holdout_start"].isoformat(), end=bt["holdout_end"].isoformat(),
                 predicted=bt["predicted_total"], actual=bt["actual_total"], mae=bt["mae"]))
    st.plotly_chart(customers.plot_backtest(bt["groups"], lang), key="customers_backtest")
else:
    st.info(t("customers.backtest.unavailable", lang, reason=bt.get("reason", "")))
