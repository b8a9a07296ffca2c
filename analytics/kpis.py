"""Home-page KPIs: revenue, orders, AOV, visitors, conversion per period with deltas, and revenue by local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import date_axis, korean_money_axes, t
from analytics.metrics import KPI_METRICS, format_money
from analytics.period import ReportPeriod
from analytics.queries import in_parallel, run_sql
from analytics.sellers import as_utc_naive, local_midnight_utc, local_now, seller_timezone
from data.warehouse import Warehouse

# period name -> number of local calendar days it spans (today included)
KPI_PERIODS: dict[str, int] = {"today": 1, "last_7_days": 7, "last_30_days": 30}




@dataclass(frozen=True)
class PeriodWindow:
    """One KPI period and the equally long period it is compared with, as naive UTC bounds [start, end)."""
    period: str
    start_utc: datetime
    end_utc: datetime
    previous_start_utc: datetime
    previous_end_utc: datetime


def kpi_period_windows(tz: str, now_utc: datetime) -> list[PeriodWindow]:
    """Today, last 7 days and last 30 days in zone `tz`, each from local midnight until now.

    The previous period is the same span moved back by its length in local wall-clock time, so "today"
    is compared with yesterday from midnight up to the same local clock time (DST-safe: zoneinfo
    arithmetic on aware datetimes keeps the wall clock).
    """
    now_local = local_now(tz, now_utc)
    today = now_local.date()
    end_utc = as_utc_naive(now_local)
    windows = []
    for period, days in KPI_PERIODS.items():
        first_day = today - timedelta(days=days - 1)
        windows.append(PeriodWindow(
            period=period,
            start_utc=local_midnight_utc(tz, first_day),
            end_utc=end_utc,
            previous_start_utc=local_midnight_utc(tz, first_day - timedelta(days=days)),
            previous_end_utc=as_utc_naive(now_local - timedelta(days=days)),
        ))
    return windows


def kpi_totals(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> dict[str, float]:
    """The additive KPI parts in [start_utc, end_utc): revenue, order_count, session_count, converted_session_count.
    Visits counted by day (kpi_daily_visits.sql) add the whole local days in the window without visit-level
    sessions; a window shorter than 23 hours holds no whole day (DST days have 23), so it skips that query."""
    row = run_sql(wh, "kpi_totals", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc).row(0, named=True)
    totals = {k: float(v or 0) for k, v in row.items()}
    if end_utc - start_utc >= timedelta(hours=23) and has_daily_visits(wh, seller_id):
        daily = run_sql(wh, "kpi_daily_visits", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc)
        for key, value in daily.row(0, named=True).items():
            totals[key] += float(value or 0)
    return totals


def has_daily_visits(wh: Warehouse, seller_id: str) -> bool:
    """Whether the seller has visits counted by day (traffic_stats); once per data version."""
    return result_cache.remember(wh, "has_daily_visits", (seller_id,), lambda: bool(wh.scalar(
        "SELECT count(*) FROM traffic_stats WHERE seller_id = ?", [seller_id])), seller_id=seller_id)


def kpi_values(totals: dict[str, float]) -> dict[str, float | None]:
    """Metric values from additive parts; ratios are None when their denominator is zero."""
    orders = totals["order_count"]
    sessions = totals["session_count"]
    return {
        "revenue": totals["revenue"],
        "orders": orders,
        "aov": totals["revenue"] / orders if orders else None,
        "visitors": sessions,
        "conversion": totals["converted_session_count"] / sessions if sessions else None,
    }


def _delta_pct(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous) * 100.0


def kpi_summary(wh: Warehouse, seller_id: str, now_utc: datetime) -> pl.DataFrame:
    """KPI tiles of the home page.

    Columns: period (today | last_7_days | last_30_days), metric (revenue | orders | aov | visitors |
    conversion), value, previous_value (the previous period of equal length), delta_pct (relative change
    in %, null when the previous value is 0 or missing). conversion is a ratio in [0, 1].
    Computed once per (seller, now) and data version (analytics.result_cache).
    """
    return result_cache.remember(wh, "kpi_summary", (seller_id, as_utc_naive(now_utc)),
                                 lambda: _kpi_summary(wh, seller_id, now_utc), seller_id=seller_id)


def _kpi_summary(wh: Warehouse, seller_id: str, now_utc: datetime) -> pl.DataFrame:
    tz = seller_timezone(wh, seller_id)
    windows = kpi_period_windows(tz, as_utc_naive(now_utc))
    bounds = [b for w in windows for b in ((w.start_utc, w.end_utc), (w.previous_start_utc, w.previous_end_utc))]
    totals = in_parallel(*(lambda b=b: kpi_totals(wh, seller_id, *b) for b in bounds))
    rows = []
    for i, w in enumerate(windows):
        current, previous = kpi_values(totals[2 * i]), kpi_values(totals[2 * i + 1])
        for metric in KPI_METRICS:
            rows.append({"period": w.period, "metric": metric, "value": current[metric],
                         "previous_value": previous[metric],
                         "delta_pct": _delta_pct(current[metric], previous[metric])})
    return pl.DataFrame(rows, schema={"period": pl.String, "metric": pl.String, "value": pl.Float64,
                                      "previous_value": pl.Float64, "delta_pct": pl.Float64})


def revenue_by_day(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    """Revenue and orders per local calendar day from start_date to end_date (both inclusive, seller's zone).

    Columns: order_date (Date, local), revenue (Float64, seller currency), order_count (Int64).
    Days without orders are present with zeros. Computed once per range and data version (analytics.result_cache).
    """
    return result_cache.remember(wh, "revenue_by_day", (seller_id, start_date, end_date),
                                 lambda: _revenue_by_day(wh, seller_id, start_date, end_date), seller_id=seller_id)


def _revenue_by_day(wh: Warehouse, seller_id: str, start_date: date, end_date: date) -> pl.DataFrame:
    schema = {"order_date": pl.Date, "revenue": pl.Float64, "order_count": pl.Int64}
    if end_date < start_date:
        return pl.DataFrame(schema=schema)
    tz = seller_timezone(wh, seller_id)
    found = run_sql(wh, "revenue_by_day", seller_id=seller_id, tz=tz,
                    start_utc=local_midnight_utc(tz, start_date),
                    end_utc=local_midnight_utc(tz, end_date + timedelta(days=1)))
    days = pl.DataFrame({"order_date": pl.date_range(start_date, end_date, interval="1d", eager=True)})
    return (days.join(found.cast({"revenue": pl.Float64, "order_count": pl.Int64}), on="order_date", how="left")
            .with_columns(pl.col("revenue").fill_null(0.0), pl.col("order_count").fill_null(0))
            .select(list(schema)))


def revenue_range_totals(frame: pl.DataFrame) -> dict[str, float]:
    """Totals of a revenue_by_day frame: revenue (Float64) and order_count over the whole range."""
    if frame.height == 0:
        return {"revenue": 0.0, "order_count": 0}
    return {"revenue": float(frame["revenue"].sum()), "order_count": int(frame["order_count"].sum())}


def plot_revenue_by_day(frame: pl.DataFrame, lang: str, currency: str = "KRW") -> go.Figure:
    """A bar chart of daily revenue (frame from revenue_by_day); hover shows money and orders."""
    dates = frame["order_date"].to_list()
    revenue = frame["revenue"].cast(pl.Float64).to_list()
    orders = frame["order_count"].to_list()
    hover = [f"{d:%Y-%m-%d}<br>{t('chart.revenue', lang)}: {format_money(r, currency)}"
             f"<br>{t('chart.orders', lang)}: {o:,}" for d, r, o in zip(dates, revenue, orders, strict=True)]
    fig = go.Figure(go.Bar(x=dates, y=revenue, name=t("chart.revenue", lang),
                           hovertext=hover, hoverinfo="text"))
    fig.update_layout(
        title=t("chart.revenue_by_day", lang),
        xaxis_title=t("chart.date", lang),
        yaxis_title=f"{t('chart.revenue', lang)} ({currency})",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        bargap=0.15,
    )
    fig.update_xaxes(**date_axis(lang))
    return korean_money_axes(fig, lang, currency)


def report(wh: Warehouse, period: ReportPeriod, **_options: object) -> dict[str, object]:
    """The home page's numbers: KPI tiles at `as_of` and revenue by day over the period."""
    from analytics.reports import definitions, rows_of

    summary = kpi_summary(wh, period.seller_id, period.as_of_utc)
    by_day = revenue_by_day(wh, period.seller_id, period.start_date, period.end_date)
    return {
        "report": "kpis",
        "period": period.to_json(),
        "definitions": definitions(*KPI_METRICS),
        "totals": revenue_range_totals(by_day),
        "tiles": rows_of(summary),
        "rows": rows_of(by_day),
    }
