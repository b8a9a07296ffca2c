"""Why an alert fired: the change split into visitors × conversion × order value, the channels, products and
keywords that lost the most against the same weekday a week earlier, and causes visible in the data (a product
out of stock, a campaign that stopped spending, a price change). Plain dicts, stored with the alert as JSON."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from analytics.sellers import SellerProfile, local_midnight_utc
from data.warehouse import Warehouse

TOP_N = 3
PRICE_CHANGE_SHARE = 0.10        # a product's average selling price moved by 10 % or more


def decompose(now: dict[str, float], before: dict[str, float]) -> dict[str, float] | None:
    """Revenue = visitors × conversion × AOV, so log(rev/rev_before) is the sum of the three log ratios; each
    part's share of the change (they add up to 1). None when any part is zero or missing."""
    parts = {}
    for key in ("session_count", "conversion", "aov"):
        a, b = now.get(key), before.get(key)
        if not a or not b or a <= 0 or b <= 0:
            return None
        parts[key] = math.log(a / b)
    total = sum(parts.values())
    if abs(total) < 1e-9:
        return None
    return {k: v / total for k, v in parts.items()} | {"log_change": total}


def _day_window(tz: str, day: date) -> tuple[datetime, datetime]:
    return local_midnight_utc(tz, day), local_midnight_utc(tz, day + timedelta(days=1))


def top_losses(now: pl.DataFrame, before: pl.DataFrame, key: str, value: str, label: str | None = None,
               n: int = TOP_N) -> list[dict[str, Any]]:
    """The `n` keys whose `value` fell the most from `before` to `now` (a key missing now counts as zero)."""
    cols = [key] + ([label] if label and label != key else [])
    joined = (before.select(*cols, pl.col(value).cast(pl.Float64).alias("before"))
              .join(now.select(key, pl.col(value).cast(pl.Float64).alias("now")), on=key, how="full", coalesce=True)
              .with_columns(pl.col("before", "now").fill_null(0.0))
              .with_columns((pl.col("before") - pl.col("now")).alias("loss"))
              .filter(pl.col("loss") > 0).sort(["loss", key], descending=[True, False]).head(n))
    return [{"key": r[key], "label": r.get(label or key) or r[key], "now": r["now"], "before": r["before"],
             "loss": r["loss"]} for r in joined.iter_rows(named=True)]


def explain_store_day(wh: Warehouse, profile: SellerProfile, day: date, days: pl.DataFrame,
                      now_utc: datetime) -> dict[str, Any]:
    """The store's `day` against the same weekday a week earlier (the frame `days` is alerts.series.store_days)."""
    from analytics.keywords import keywords_period_counts
    from analytics.products import products_sales_by_sku
    from analytics.traffic import breakdown, traffic_session_counts

    tz, sid = profile.timezone, profile.seller_id
    before_day = day - timedelta(days=7)
    rows = {r["local_date"]: r for r in days.iter_rows(named=True)}
    now_row, before_row = rows.get(day, {}), rows.get(before_day, {})
    start, end = _day_window(tz, day)
    b_start, b_end = _day_window(tz, before_day)
    channels_now = breakdown(traffic_session_counts(wh, sid, start, end, now_utc), ("channel",))
    channels_before = breakdown(traffic_session_counts(wh, sid, b_start, b_end, now_utc), ("channel",))
    sales_now = products_sales_by_sku(wh, sid, start, end)
    sales_before = products_sales_by_sku(wh, sid, b_start, b_end)
    keywords = keywords_period_counts(wh, sid, start, end, b_start, b_end, now_utc)
    out: dict[str, Any] = {
        "compared_with": before_day.isoformat(),
        "totals": {k: {"now": now_row.get(k), "before": before_row.get(k)}
                   for k in ("revenue", "order_count", "session_count", "conversion", "aov")},
        "decomposition": decompose(now_row, before_row),
        "channels": top_losses(channels_now, channels_before, "channel", "revenue"),
        "channels_by_visits": top_losses(channels_now, channels_before, "channel", "sessions"),
        "products": top_losses(sales_now, sales_before, "sku", "revenue", "product_name"),
        "keywords": top_losses(keywords.current, keywords.previous, "keyword", "sessions"),
    }
    out["causes"] = likely_causes(wh, profile, day, sales_now, sales_before, now_utc)
    return out


def explain_today(wh: Warehouse, profile: SellerProfile, today: date, now_utc: datetime) -> dict[str, Any]:
    """Today so far against the same hours of the same weekday a week earlier."""
    from analytics.products import products_sales_by_sku
    from analytics.traffic import breakdown, traffic_session_counts

    tz, sid = profile.timezone, profile.seller_id
    start = local_midnight_utc(tz, today)
    week = timedelta(days=7)
    channels_now = breakdown(traffic_session_counts(wh, sid, start, now_utc, now_utc), ("channel",))
    channels_before = breakdown(traffic_session_counts(wh, sid, start - week, now_utc - week, now_utc), ("channel",))
    sales_now = products_sales_by_sku(wh, sid, start, now_utc)
    sales_before = products_sales_by_sku(wh, sid, start - week, now_utc - week)

    def totals(frame: pl.DataFrame) -> dict[str, float]:
        sessions = float(frame["sessions"].sum()) if frame.height else 0.0
        converted = float(frame["converted_sessions"].sum()) if frame.height else 0.0
        orders = float(frame["order_count"].sum()) if frame.height else 0.0
        revenue = float(frame["revenue"].sum()) if frame.height else 0.0
        return {"session_count": sessions, "conversion": converted / sessions if sessions else 0.0,
                "aov": revenue / orders if orders else 0.0, "revenue": revenue, "order_count": orders}

    now_t, before_t = totals(channels_now), totals(channels_before)
    return {"compared_with": (today - week).isoformat(),
            "totals": {k: {"now": now_t[k], "before": before_t[k]} for k in now_t},
            "decomposition": decompose(now_t, before_t),
            "channels": top_losses(channels_now, channels_before, "channel", "revenue"),
            "channels_by_visits": top_losses(channels_now, channels_before, "channel", "sessions"),
            "products": top_losses(sales_now, sales_before, "sku", "revenue", "product_name"),
            "causes": likely_causes(wh, profile, today, sales_now, sales_before, now_utc)}


def likely_causes(wh: Warehouse, profile: SellerProfile, day: date, sales_now: pl.DataFrame,
                  sales_before: pl.DataFrame, now_utc: datetime) -> list[dict[str, Any]]:
    """Causes the data shows: products out of stock, campaigns that stopped spending, price changes."""
    from alerts.series import campaign_days
    from analytics.product_forecast import reorder_advice

    causes: list[dict[str, Any]] = []
    advice = reorder_advice(wh, profile.seller_id, profile.timezone, now_utc)
    for r in advice.filter(pl.col("status") == "out_of_stock").iter_rows(named=True):
        if r["out_of_stock_since"] is not None and r["out_of_stock_since"] <= day:
            causes.append({"kind": "stock_out", "sku": r["sku"], "name": r["product_name"],
                           "since": r["out_of_stock_since"].isoformat(),
                           "lost_units_per_day": r["lost_sales_per_day"]})
    ads = campaign_days(wh, profile.seller_id, day + timedelta(days=1), days=28)
    for (platform, campaign), frame in ads.group_by(["platform", "campaign"], maintain_order=True):
        spend = frame.sort("stat_date")["spend"].to_list()
        usual = sorted(spend[:-1])[len(spend[:-1]) // 2] if len(spend) > 1 else 0.0
        if usual > 0 and spend[-1] <= 0.1 * usual:
            causes.append({"kind": "campaign_stopped", "platform": platform, "campaign": campaign,
                           "usual_spend": usual, "spend": spend[-1]})
    prices = (sales_now.filter(pl.col("units") > 0)
              .select("sku", "product_name", (pl.col("gross_sales") / pl.col("units")).alias("price"))
              .join(sales_before.filter(pl.col("units") > 0)
                    .select("sku", (pl.col("gross_sales") / pl.col("units")).alias("usual_price")), on="sku"))
    for r in prices.iter_rows(named=True):
        if r["usual_price"] and abs(r["price"] / r["usual_price"] - 1) >= PRICE_CHANGE_SHARE:
            causes.append({"kind": "price_change", "sku": r["sku"], "name": r["product_name"],
                           "price": float(r["price"]), "usual_price": float(r["usual_price"])})
    return causes


def explain_campaign_day(frame: pl.DataFrame, day: date) -> dict[str, Any]:
    """A campaign's day against its median day of the previous 4 weeks: spend, clicks, conversions, revenue."""
    frame = frame.sort("stat_date")
    last = frame.filter(pl.col("stat_date") == day)
    before = frame.filter((pl.col("stat_date") < day) & (pl.col("stat_date") >= day - timedelta(days=28)))
    out: dict[str, Any] = {}
    for col in ("spend", "clicks", "conversions", "conversion_revenue"):
        now = float(last[col].sum()) if last.height else 0.0
        usual = float(before[col].median()) if before.height else 0.0
        out[col] = {"now": now, "usual": usual}
    causes = []
    if out["spend"]["usual"] > 0 and out["spend"]["now"] <= 0.1 * out["spend"]["usual"]:
        causes.append({"kind": "campaign_stopped"})
    elif (out["clicks"]["usual"] > 0 and out["clicks"]["now"] >= 0.7 * out["clicks"]["usual"]
          and out["conversions"]["now"] < 0.5 * out["conversions"]["usual"]):
        causes.append({"kind": "clicks_without_orders"})      # traffic still bought, but it stopped converting
    out["causes"] = causes
    return out


def explain_campaign_window(frame: pl.DataFrame, start: date, last_day: date) -> dict[str, Any]:
    """A campaign's last days [start, last_day] against the 28 days before, per day on average."""
    frame = frame.sort("stat_date")
    recent = frame.filter(pl.col("stat_date").is_between(start, last_day))
    before = frame.filter((pl.col("stat_date") < start) & (pl.col("stat_date") >= start - timedelta(days=28)))
    out: dict[str, Any] = {}
    for col in ("spend", "clicks", "conversions", "conversion_revenue"):
        out[col] = {"now": float(recent[col].sum()) / max(recent.height, 1),
                    "usual": float(before[col].sum()) / max(before.height, 1)}
    causes = []
    if out["spend"]["usual"] > 0 and out["spend"]["now"] <= 0.1 * out["spend"]["usual"]:
        causes.append({"kind": "campaign_stopped"})
    elif (out["clicks"]["usual"] > 0 and out["clicks"]["now"] >= 0.7 * out["clicks"]["usual"]
          and out["conversions"]["now"] < 0.5 * out["conversions"]["usual"]):
        causes.append({"kind": "clicks_without_orders"})
    out["causes"] = causes
    return out


def explain_returns(wh: Warehouse, profile: SellerProfile, sku: str, windows: dict[str, datetime]) -> dict[str, Any]:
    """The return reasons of a product in the recent window, most frequent first."""
    reasons = wh.sql("SELECT coalesce(reason, '') AS reason, count(*) AS count FROM returns "
                     "WHERE seller_id = $s AND sku = $sku AND returned_at >= $start AND returned_at < $end "
                     "GROUP BY 1 ORDER BY count DESC, reason LIMIT 5",
                     {"s": profile.seller_id, "sku": sku, "start": windows["recent_start_utc"],
                      "end": windows["recent_end_utc"]})
    return {"reasons": reasons.to_dicts(), "causes": []}


def weekly_claim_rate(wh: Warehouse, profile: SellerProfile, sku: str, today: date, weeks: int = 10) -> dict[str, Any]:
    """The product's claimed units ÷ units sold per local week (Monday first), the last `weeks` weeks: the chart
    of a returns alert."""
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    params = {"s": profile.seller_id, "sku": sku, "tz": profile.timezone,
              "start": local_midnight_utc(profile.timezone, start)}
    week = "CAST(date_trunc('week', timezone($tz, {col} AT TIME ZONE 'UTC')) AS DATE)"
    sold = dict(wh.sql(f"SELECT {week.format(col='ordered_at')} AS week, sum(quantity) AS units FROM order_items "
                       "WHERE seller_id = $s AND sku = $sku AND ordered_at >= $start AND line_type = 'product' "
                       "GROUP BY 1", params).iter_rows())
    claimed = dict(wh.sql(f"SELECT {week.format(col='returned_at')} AS week, sum(quantity) AS units FROM returns "
                          "WHERE seller_id = $s AND sku = $sku AND returned_at >= $start GROUP BY 1",
                          params).iter_rows())
    weeks_list = [start + timedelta(days=7 * i) for i in range(weeks)]
    return {"dates": [w.isoformat() for w in weeks_list],
            "values": [float(claimed.get(w, 0)) / float(sold[w]) if sold.get(w) else None for w in weeks_list]}
