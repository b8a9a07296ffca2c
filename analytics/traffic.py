"""Where visitors come from: sessions, conversion and attributed revenue by channel, source/medium and device,
the visit-to-order funnel, each against the previous period of equal length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import korean_count_axes, names, t
from analytics.metrics import format_money
from analytics.period import ReportPeriod
from analytics.queries import run_sql
from data.warehouse import Warehouse

# the additive columns of traffic_session_counts.sql
COUNT_COLUMNS = ("sessions", "engaged_sessions", "converted_sessions", "order_count", "paid_order_count", "revenue")
# funnel stages in order: (stage name, the additive column counting it)
FUNNEL_STAGES = (("sessions", "sessions"), ("engaged_sessions", "engaged_sessions"),
                 ("converted_sessions", "converted_sessions"), ("paid_orders", "paid_order_count"))
TRAFFIC_METRICS = ("visitors", "traffic_engaged_sessions", "traffic_converted_sessions", "conversion",
                   "traffic_orders", "traffic_paid_orders", "traffic_revenue", "traffic_revenue_per_session")
# frame column -> the metric dictionary entry that defines it (pages show it as the column's help)
COLUMN_METRICS: dict[str, str] = {
    "sessions": "visitors", "engaged_sessions": "traffic_engaged_sessions",
    "converted_sessions": "traffic_converted_sessions", "conversion": "conversion", "order_count": "traffic_orders",
    "paid_order_count": "traffic_paid_orders", "revenue": "traffic_revenue",
    "revenue_per_session": "traffic_revenue_per_session", "conversion_low": "keyword_conversion_interval",
    "conversion_high": "keyword_conversion_interval", "previous_sessions": "visitors",
    "previous_conversion": "conversion", "previous_revenue": "traffic_revenue", "previous_order_count": "traffic_orders",
}
# what a breakdown table shows, in order (the frames carry a few more columns for the JSON report)
BREAKDOWN_COLUMNS = ("sessions", "previous_sessions", "sessions_change_pct", "converted_sessions", "conversion",
                     "conversion_change_pp", "order_count", "revenue", "previous_revenue", "revenue_change_pct",
                     "revenue_per_session")
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "channel": ("channel",),
    "source_medium": ("channel", "source", "medium"),
    "device": ("device",),
}


def _cast_counts(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.cast({c: pl.Int64 for c in COUNT_COLUMNS if c != "revenue"} | {"revenue": pl.Float64})


def traffic_period_session_counts(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime,
                                  previous_start_utc: datetime, previous_end_utc: datetime,
                                  as_of_utc: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """traffic_session_counts of the sessions in [start_utc, end_utc) and of those in
    [previous_start_utc, previous_end_utc), in one query; orders of both are read up to as_of_utc.

    Returns (current, previous), each with the columns of traffic_session_counts in its order.
    """
    frame = run_sql(wh, "traffic_period_session_counts", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc,
                    previous_start_utc=previous_start_utc, previous_end_utc=previous_end_utc,
                    scan_start_utc=min(start_utc, previous_start_utc), scan_end_utc=as_of_utc)
    frame = _cast_counts(frame)
    return (frame.filter(pl.col("period") == "current").drop("period"),
            frame.filter(pl.col("period") == "previous").drop("period"))


def daily_visit_counts(wh: Warehouse, seller_id: str, first_day: date, last_day: date) -> pl.DataFrame:
    """Visits counted by day (traffic_stats) per local day in [first_day, last_day].

    Columns: local_date (Date), session_count, converted_session_count (Int64: the orders the report attributes)."""
    return run_sql(wh, "traffic_daily_visits", seller_id=seller_id, first_day=first_day, last_day=last_day).cast(
        {"local_date": pl.Date, "session_count": pl.Int64, "converted_session_count": pl.Int64})


def traffic_session_counts(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime,
                           as_of_utc: datetime) -> pl.DataFrame:
    """Sessions in [start_utc, end_utc) and the orders they carried (orders read up to as_of_utc).

    Columns: channel, source, medium, device (String, '(not set)' when missing), sessions, engaged_sessions
    (pageviews ≥ 2), converted_sessions (carry an order id), order_count (attributed orders not cancelled),
    paid_order_count (of those, not pending), revenue (Float64, kpi_totals' revenue rule).
    """
    # an empty previous window: the same query, one period
    return traffic_period_session_counts(wh, seller_id, start_utc, end_utc, start_utc, start_utc, as_of_utc)[0]


def period_session_counts(wh: Warehouse, period: ReportPeriod, orders_until_utc: datetime | None = None) -> pl.DataFrame:
    """traffic_session_counts over the period's sessions; orders are read up to `orders_until_utc` (default the
    period's as_of). A previous period passes the report's as_of: an order placed just after the previous period
    ended still belongs to its session."""
    return traffic_session_counts(wh, period.seller_id, period.start_utc, period.end_utc,
                                  orders_until_utc or period.as_of_utc)


def period_and_previous_session_counts(wh: Warehouse, period: ReportPeriod) -> tuple[pl.DataFrame, pl.DataFrame]:
    """period_session_counts of the period and of period.previous() (orders of both read up to the report's
    as_of), in one scan. Returns (current, previous)."""
    prev = period.previous()
    return traffic_period_session_counts(wh, period.seller_id, period.start_utc, period.end_utc, prev.start_utc,
                                         prev.end_utc, period.as_of_utc)


def with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds conversion (converted_sessions / sessions) and revenue_per_session; null when sessions is 0."""
    has_sessions = pl.col("sessions") > 0
    return frame.with_columns(
        conversion=pl.when(has_sessions).then(pl.col("converted_sessions") / pl.col("sessions")),
        revenue_per_session=pl.when(has_sessions).then(pl.col("revenue") / pl.col("sessions")),
    )


def breakdown(counts: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """The additive counts summed by `keys`, with rates; largest by sessions first."""
    if counts.height == 0:
        empty = pl.DataFrame(schema={k: pl.String for k in keys} | {c: pl.Int64 for c in COUNT_COLUMNS})
        return with_rates(empty.cast({"revenue": pl.Float64}))
    grouped = counts.group_by(list(keys)).agg([pl.col(c).sum() for c in COUNT_COLUMNS])
    return with_rates(grouped).sort(["sessions", *keys], descending=[True, *([False] * len(keys))])


def compare_breakdowns(current: pl.DataFrame, previous: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Current rows joined with the previous period's by `keys`.

    Adds previous_sessions, previous_converted_sessions, previous_revenue, previous_conversion,
    sessions_change_pct, revenue_change_pct (relative %, null when the previous value is 0) and
    conversion_change_pp (percentage points). Rows only in the previous period are kept with zeros now,
    so a channel that stopped sending visitors shows as -100 %.
    """
    prev = previous.select([*keys, *[pl.col(c).alias(f"previous_{c}") for c in
                                     ("sessions", "converted_sessions", "revenue", "conversion")]])
    joined = current.join(prev, on=list(keys), how="full", coalesce=True)
    fill = {c: 0 for c in ("sessions", "engaged_sessions", "converted_sessions", "order_count",
                           "paid_order_count", "previous_sessions", "previous_converted_sessions")}
    joined = joined.with_columns([pl.col(c).fill_null(v) for c, v in fill.items()]
                                 + [pl.col("revenue").fill_null(0.0), pl.col("previous_revenue").fill_null(0.0)])
    joined = with_rates(joined.drop("conversion", "revenue_per_session"))

    def change(col: str) -> pl.Expr:
        prev_col = pl.col(f"previous_{col}")
        return pl.when(prev_col != 0).then((pl.col(col) - prev_col) / prev_col.abs() * 100.0)

    return joined.with_columns(
        sessions_change_pct=change("sessions"),
        revenue_change_pct=change("revenue"),
        conversion_change_pp=(pl.col("conversion") - pl.col("previous_conversion")) * 100.0,
    ).select([*keys, *BREAKDOWN_COLUMNS[:5], "previous_conversion", *BREAKDOWN_COLUMNS[5:], "engaged_sessions",
              "paid_order_count", "previous_converted_sessions"]).sort(["sessions", *keys], descending=[True, *([False] * len(keys))])


def traffic_totals(counts: pl.DataFrame) -> dict[str, float | int | None]:
    """Period totals: sessions, engaged_sessions, converted_sessions, order_count, paid_order_count, revenue,
    conversion (None without sessions)."""
    totals: dict[str, float | int | None] = {c: (float(counts[c].sum()) if c == "revenue" else int(counts[c].sum()))
                                             for c in COUNT_COLUMNS}
    sessions = totals["sessions"] or 0
    totals["conversion"] = (totals["converted_sessions"] or 0) / sessions if sessions else None
    return totals


def traffic_funnel(counts: pl.DataFrame) -> pl.DataFrame:
    """Session → engaged session (pageviews ≥ 2) → converted session → paid order.

    Columns: stage, count (Int64), share_of_sessions (of the first stage), step_rate (of the stage before;
    null for the first stage or an empty previous stage). The engaged stage is left out when no visit of the
    period says how many pages it saw while some converted (visits counted by day by a Smart Store 마케팅분석
    download, sessions without pageviews): a funnel through an unknown stage would show a false drop to zero.
    """
    totals = traffic_totals(counts)
    stages = [(stage, col) for stage, col in FUNNEL_STAGES
              if not (col == "engaged_sessions" and not totals[col] and totals["converted_sessions"])]
    values = [int(totals[col] or 0) for _, col in stages]
    first = values[0]
    rows = []
    for i, ((stage, _), value) in enumerate(zip(stages, values, strict=True)):
        before = values[i - 1] if i else None
        rows.append({"stage": stage, "count": value,
                     "share_of_sessions": value / first if first else None,
                     "step_rate": value / before if before else None})
    return pl.DataFrame(rows, schema={"stage": pl.String, "count": pl.Int64, "share_of_sessions": pl.Float64,
                                      "step_rate": pl.Float64})


def label_funnel(funnel: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The funnel with its stage names translated (for tables)."""
    return funnel.with_columns(pl.col("stage").replace_strict(
        {s: t(f"traffic.funnel.{s}", lang) for s, _ in FUNNEL_STAGES}, return_dtype=pl.String))


@dataclass(frozen=True)
class TrafficOverview:
    """Every table of the traffic report for one period."""
    totals: dict[str, float | int | None]
    previous_totals: dict[str, float | int | None]
    channels: pl.DataFrame        # compare_breakdowns by channel
    sources: pl.DataFrame         # by channel, source, medium
    devices: pl.DataFrame         # by device
    funnel: pl.DataFrame          # traffic_funnel


def traffic_overview(wh: Warehouse, period: ReportPeriod) -> TrafficOverview:
    """Counts of the period and the previous one, broken down by channel, source/medium and device; computed
    once per period and data version (analytics.result_cache: the page, the report and the digest share it)."""
    return result_cache.remember(wh, "traffic_overview", (period,), lambda: _traffic_overview(wh, period),
                                 seller_id=period.seller_id)


def _traffic_overview(wh: Warehouse, period: ReportPeriod) -> TrafficOverview:
    current, previous = period_and_previous_session_counts(wh, period)
    tables = {name: compare_breakdowns(breakdown(current, keys), breakdown(previous, keys), keys)
              for name, keys in BREAKDOWNS.items()}
    return TrafficOverview(totals=traffic_totals(current), previous_totals=traffic_totals(previous),
                           channels=tables["channel"], sources=tables["source_medium"], devices=tables["device"],
                           funnel=traffic_funnel(current))


def channel_label(channel: str, lang: str) -> str:
    """A channel name as shown to people (known channels translated, others as they are)."""
    return names("traffic.channel", lang).get(channel, channel)


def with_display_names(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A breakdown table with its known channel and device codes shown by name (search → 검색, mobile → 모바일),
    as the chart shows them; other values as stored. For the page: the JSON report keeps the codes."""
    return frame.with_columns(pl.col(kind).replace(names(f"traffic.{kind}", lang))
                              for kind in ("channel", "device") if kind in frame.columns)


def plot_channel_bars(channels: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    """Bars of sessions per channel, this period and the previous one; hover shows conversion and revenue."""
    names = [channel_label(c, lang) for c in channels["channel"].to_list()]
    hover = [f"{n}<br>{t('traffic.col.sessions', lang)}: {s:,}<br>{t('traffic.col.conversion', lang)}: "
             f"{(c or 0) * 100:.2f}%<br>{t('traffic.col.revenue', lang)}: {format_money(r, currency)}"
             for n, s, c, r in zip(names, channels["sessions"], channels["conversion"], channels["revenue"],
                                   strict=True)]
    fig = go.Figure([
        go.Bar(x=names, y=channels["previous_sessions"].to_list(), name=t("traffic.chart.previous", lang),
               marker_color="#c7c7c7"),
        go.Bar(x=names, y=channels["sessions"].to_list(), name=t("traffic.chart.current", lang),
               hovertext=hover, hoverinfo="text"),
    ])
    fig.update_layout(title=t("traffic.chart.channels", lang), barmode="group",
                      yaxis_title=t("traffic.col.sessions", lang), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return korean_count_axes(fig, lang)


def plot_funnel(funnel: pl.DataFrame, lang: str) -> go.Figure:
    """A funnel chart of the four stages with the share of sessions at each."""
    fig = go.Figure(go.Funnel(y=[t(f"traffic.funnel.{s}", lang) for s in funnel["stage"].to_list()],
                              x=funnel["count"].to_list(), texttemplate="%{value:,}<br>%{percentInitial:.1%}"))
    fig.update_layout(title=t("traffic.chart.funnel", lang), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def report(wh: Warehouse, period: ReportPeriod, **_options: object) -> dict[str, object]:
    """Sessions, conversion and attributed revenue by channel (rows), source/medium, device and the funnel."""
    from analytics.reports import definitions, rows_of

    overview = traffic_overview(wh, period)
    return {
        "report": "traffic",
        "period": period.to_json(),
        "definitions": definitions(*TRAFFIC_METRICS),
        "totals": overview.totals,
        "previous_totals": overview.previous_totals,
        "rows": rows_of(overview.channels),
        "sources": rows_of(overview.sources),
        "devices": rows_of(overview.devices),
        "funnel": rows_of(overview.funnel),
    }
