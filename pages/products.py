"""Products page: what sells (ranking, movers, ABC), profit per product, return trouble and reorder advice."""

from datetime import date, datetime

import polars as pl
import streamlit as st

from analytics import product_forecast, products
from analytics.i18n import t
from analytics.metrics import (
    format_delta,
    format_metric_value,
    format_money,
    metric_help,
    metric_label,
    money_column_format,
)
from analytics.period import ReportPeriod
from pages import _ui

# the columns each table shows, in order
TABLE_COLUMNS = {
    "ranking": ["rank", "product_name", "revenue", "revenue_change_pct", "units", "units_change_pct", "order_count",
                "margin", "margin_rate", "margin_change_pct", "previous_revenue", "sku"],
    "movers": ["product_name", "direction", "order_count", "previous_order_count", "order_share",
               "previous_order_share", "units", "previous_units", "revenue", "p_value", "sku"],
    "abc": ["rank", "product_name", "abc_class", "revenue", "revenue_share", "cumulative_share", "sku"],
    "profitability": ["product_name", "gross_sales", "discounts", "revenue", "cost", "refunds", "ad_spend", "profit",
                      "profit_margin", "sku"],
    "trouble": ["product_name", "flagged", "units", "claimed_units", "claim_rate", "claim_rate_low", "own_baseline",
                "store_claim_rate", "order_count", "claim_count", "own_claims_per_order", "store_claims_per_order",
                "p_vs_own", "p_vs_store", "sku"],
    "reorder": ["product_name", "status", "on_hand", "inbound", "lead_time_days", "forecast_daily_demand",
                "forecast_lower", "forecast_upper", "days_of_cover", "return_rate", "safety_stock", "reorder_qty",
                "out_of_stock_since", "lost_sales_per_day", "forecast_method", "sku"],
}
MONEY = {"revenue", "previous_revenue", "margin", "cost", "gross_sales", "discounts", "refunds", "ad_spend", "profit"}
RATIOS = {"margin_rate", "order_share", "previous_order_share", "revenue_share", "cumulative_share", "profit_margin",
          "claim_rate", "claim_rate_low", "own_baseline", "store_claim_rate", "return_rate", "own_claims_per_order",
          "store_claims_per_order"}
PERCENT_CHANGES = {"revenue_change_pct", "units_change_pct", "margin_change_pct"}
DECIMALS = {"forecast_daily_demand", "forecast_lower", "forecast_upper", "days_of_cover", "safety_stock",
            "lost_sales_per_day"}
COLUMN_METRIC = {"revenue": "product_revenue", "previous_revenue": "product_revenue", "units": "product_units",
                 "order_count": "product_orders", "margin": "product_margin", "cost": "product_cost",
                 "revenue_change_pct": "product_revenue_change", "units_change_pct": "product_revenue_change",
                 "margin_change_pct": "product_revenue_change", "p_value": "product_mover",
                 "direction": "product_mover", "revenue_share": "product_revenue_share",
                 "cumulative_share": "product_revenue_share", "abc_class": "product_abc_class",
                 "discounts": "product_discounts", "refunds": "product_refunds", "ad_spend": "product_ad_spend",
                 "profit": "product_profit", "claim_rate": "product_claim_rate", "flagged": "product_trouble_flag",
                 "claim_count": "product_trouble_flag", "own_claims_per_order": "product_trouble_flag",
                 "store_claims_per_order": "product_trouble_flag",
                 "p_vs_own": "product_trouble_flag", "p_vs_store": "product_trouble_flag",
                 "forecast_daily_demand": "product_demand_forecast", "days_of_cover": "product_days_of_cover",
                 "reorder_qty": "product_reorder_qty", "lost_sales_per_day": "product_lost_sales"}
TILES = (("revenue", "product_revenue"), ("units", "product_units"), ("orders", "product_orders"),
         ("margin", "product_margin"), ("profit", "product_profit"))


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_overview(ref: _ui.WarehouseRef, seller_id: str, tz: str, currency: str, start: date, end: date,
                    as_of_minute: datetime) -> dict[str, object]:
    period = ReportPeriod(seller_id, tz, currency, start, end, as_of_minute)
    return products.products_overview(_ui.scoped(ref), period)


@st.cache_data(ttl=_ui.CACHE_TTL_SECONDS, show_spinner=False)
def cached_forecast(ref: _ui.WarehouseRef, seller_id: str, tz: str, as_of_minute: datetime,
                    sku: str) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    return product_forecast.product_demand_forecast(_ui.scoped(ref), seller_id, tz, as_of_minute, sku)


def column_config(columns: list[str], currency: str, lang: str) -> dict[str, object]:
    """Translated headers, number formats and each column's metric definition as its help."""
    config: dict[str, object] = {}
    for c in columns:
        label = t(f"products.col.{c}", lang)
        help_text = metric_help(COLUMN_METRIC[c], lang) if c in COLUMN_METRIC else None
        if c in MONEY:
            config[c] = st.column_config.NumberColumn(f"{label} ({currency})", help=help_text,
                                                      format=money_column_format(currency))
        elif c in RATIOS:
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="percent")
        elif c in PERCENT_CHANGES:
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="%+.1f%%")
        elif c in DECIMALS:
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="%.1f")
        elif c in ("p_value", "p_vs_own", "p_vs_store"):
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="%.2g")
        else:
            config[c] = st.column_config.Column(label, help=help_text)
    return config


def show_table(frame: pl.DataFrame, section: str, key: str) -> None:
    columns = TABLE_COLUMNS[section]
    _ui.table(frame.select(columns), column_config=column_config(columns, seller.currency, lang),
              hide_index=True, key=key)


def rule_caption(section: str) -> None:
    st.caption(t("products.rule", lang, rule=products.rules_text(lang)[section]))


filters = _ui.start_page("products")        # title; stops with a note when there is no store
lang = filters.lang
seller = filters.seller
as_of = _ui.minute(filters.now_utc)
overview = cached_overview(filters.ref, seller.seller_id, seller.timezone, seller.currency, filters.start_date,
                           filters.end_date, as_of)
previous = ReportPeriod(seller.seller_id, seller.timezone, seller.currency, filters.start_date, filters.end_date,
                        as_of).previous()
st.caption(t("products.caption", lang, name=seller.name, start=filters.start_date.isoformat(),
             end=filters.end_date.isoformat(), prev_start=previous.start_date.isoformat(),
             prev_end=previous.end_date.isoformat()))

totals, before = overview["totals"], overview["previous_totals"]
for column, (name, metric) in zip(st.columns(len(TILES)), TILES, strict=True):
    value, old = totals[name], before.get(name)
    change = (value - old) / abs(old) * 100 if old and value is not None else None
    with column:
        st.metric(metric_label(metric, lang), format_metric_value(metric, value, seller.currency, lang),
                  delta=format_delta(metric, value, old, change) if old is not None else None,
                  help=metric_help(metric, lang) + (f"\n\n= {format_money(value, seller.currency)}"
                                                    if name in MONEY and value is not None else ""),
                  border=True)

if totals["product_count"] and totals["costed_product_count"] < totals["product_count"]:
    costed_share = totals["costed_revenue"] / totals["revenue"] if totals["revenue"] else 0.0
    st.caption(t("products.costs.none", lang) if not totals["costed_product_count"] else
               t("products.costs.partial", lang, costed=totals["costed_product_count"],
                 products=totals["product_count"], share=f"{costed_share:.0%}"))

# what needs attention now: return trouble and empty shelves (they do not depend on the date range)
for row in overview["trouble"].iter_rows(named=True):
    if row["flagged"]:
        st.warning(t("products.trouble.flagged", lang, name=row["product_name"], rate=f"{row['claim_rate']:.1%}",
                     claims=row["claimed_units"], units=row["units"], own=f"{row['own_baseline']:.1%}",
                     store=f"{row['store_claim_rate']:.1%}"))
for row in overview["reorder"].iter_rows(named=True):
    if row["status"] == "out_of_stock":
        st.error(t("products.reorder.out_of_stock", lang, name=row["product_name"],
                   since=row["out_of_stock_since"].isoformat(), lost=f"{row['lost_sales_per_day']:.1f}",
                   qty=f"{row['reorder_qty']:,}"))

ranking = overview["ranking"]
if ranking.height == 0:
    st.info(t("products.no_sales", lang))

tabs = st.tabs([t(f"products.tab.{name}", lang) for name in
                ("ranking", "movers", "abc", "profitability", "trouble", "reorder")])

with tabs[0]:
    rank_by = st.radio(t("products.rank_by", lang), ("revenue", "units", "margin"), horizontal=True,
                       format_func=lambda m: t(f"products.rank_by.{m}", lang), key="products_rank_by")
    if ranking.height:
        st.plotly_chart(products.plot_top_products(ranking, rank_by, lang, seller.currency), key="products_top_chart")
        show_table(products.ranking_sorted_by(ranking, rank_by), "ranking", "products_ranking_table")
    rule_caption("ranking")

with tabs[1]:
    movers = overview["movers"]
    if movers.height == 0:
        st.info(t("products.movers.none", lang))
    for direction in ("rising", "falling"):
        lines = [t("products.movers.line", lang, name=r["product_name"], prev=r["previous_order_count"],
                   now=r["order_count"], share_prev=f"{r['previous_order_share']:.1%}",
                   share_now=f"{r['order_share']:.1%}", p=f"{r['p_value']:.2g}")
                 for r in movers.iter_rows(named=True) if r["direction"] == direction]
        if lines:
            st.markdown(f"**{t(f'products.movers.{direction}', lang)}**\n\n" + "\n".join(f"- {x}" for x in lines))
    if movers.height:
        show_table(movers, "movers", "products_movers_table")
    rule_caption("movers")

with tabs[2]:
    abc = overview["abc"]
    for r in overview["abc_summary"].iter_rows(named=True):
        st.caption(t("products.abc.summary", lang, cls=r["abc_class"], count=r["product_count"],
                     share=f"{r['revenue_share']:.1%}"))
    if abc.height:
        st.plotly_chart(products.plot_pareto(abc, lang, seller.currency), key="products_pareto_chart")
        show_table(abc, "abc", "products_abc_table")
    rule_caption("abc")

with tabs[3]:
    profitability = overview["profitability"]
    st.caption(t(f"products.profit.ad_rule.{overview['ad_spend_rule']}", lang))
    losing = sum(1 for p in profitability["profit"].to_list() if p is not None and p < 0)
    if losing:
        st.warning(t("products.profit.losing", lang, count=losing))
    show_table(profitability, "profitability", "products_profit_table")
    rule_caption("profitability")

with tabs[4]:
    trouble = overview["trouble"]
    window_start = _ui.local_clock_text(seller.timezone, overview["trouble_windows"]["recent_start_utc"])
    st.caption(t("products.trouble.window", lang, start=window_start))
    if not any(trouble["flagged"].to_list()):
        st.success(t("products.trouble.none", lang))
    show_table(trouble, "trouble", "products_trouble_table")
    rule_caption("trouble")

with tabs[5]:
    reorder = overview["reorder"]
    if reorder.height == 0:
        st.info(t("products.reorder.none", lang))
    else:
        show_table(product_forecast.with_status_labels(reorder, lang), "reorder", "products_reorder_table")
        st.caption(product_forecast.safety_factor_text(reorder, lang))
        names = dict(zip(reorder["sku"].to_list(), reorder["product_name"].to_list(), strict=True))
        sku = st.selectbox(t("products.reorder.pick", lang), list(names), format_func=lambda s: f"{names[s]} ({s})",
                           key="products_forecast_sku")
        history, forecast, fit = cached_forecast(filters.ref, seller.seller_id, seller.timezone, as_of, sku)
        st.plotly_chart(product_forecast.plot_demand_forecast(
            history, forecast, t("products.chart.forecast_title", lang, name=names[sku]), lang),
            key="products_forecast_chart")
        st.caption(t("products.reorder.fit", lang, method=fit["method"], days=fit["in_stock_days"],
                     mean=f"{fit['mean_daily_demand']:.2f}"))
    rule_caption("reorder")
