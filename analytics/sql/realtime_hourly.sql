-- realtime_hourly: revenue, orders, units and visits per local day and local hour of one seller,
-- for orders and sessions in the UTC window [$start_utc, $end_utc).
-- Grain: one row per (local_date, local_hour) that has orders or sessions (the caller fills empty hours).
-- Local hour: the UTC timestamp is read as UTC, then shown in the seller's zone $tz (icu extension), so an
-- order at 23:30 KST is hour 23 of that Korean day. Revenue rule as in kpi_totals.sql.
-- Speed: rows are first summed per UTC minute (exact: zone offsets are whole minutes), so the zone
-- conversion runs once per minute (~160k for 16 weeks) instead of once per order or visit (tens of millions).
WITH orders_by_minute AS (
    -- kept orders with their product lines already summed (rollup_order_totals, data/rollups.py)
    SELECT
        date_trunc('minute', ordered_at) AS minute_utc,
        sum(product_revenue - discount) AS revenue,
        count(*) AS order_count,
        sum(units) AS unit_count
    FROM {{rollup_order_totals}}
    WHERE status <> 'cancelled'
    GROUP BY ALL
),
orders_by_hour AS (
    SELECT
        CAST(timezone($tz, minute_utc AT TIME ZONE 'UTC') AS DATE) AS local_date,
        CAST(hour(timezone($tz, minute_utc AT TIME ZONE 'UTC')) AS INTEGER) AS local_hour,
        sum(revenue) AS revenue,
        sum(order_count) AS order_count,
        sum(unit_count) AS unit_count
    FROM orders_by_minute
    GROUP BY ALL
),
sessions_by_minute AS (
    SELECT
        date_trunc('minute', started_at) AS minute_utc,
        count(*) AS session_count,
        count(*) FILTER (WHERE order_id IS NOT NULL) AS converted_session_count
    FROM sessions
    WHERE seller_id = $seller_id
      AND started_at >= $start_utc AND started_at < $end_utc
    GROUP BY ALL
),
sessions_by_hour AS (
    SELECT
        CAST(timezone($tz, minute_utc AT TIME ZONE 'UTC') AS DATE) AS local_date,
        CAST(hour(timezone($tz, minute_utc AT TIME ZONE 'UTC')) AS INTEGER) AS local_hour,
        sum(session_count) AS session_count,
        sum(converted_session_count) AS converted_session_count
    FROM sessions_by_minute
    GROUP BY ALL
)
SELECT
    coalesce(o.local_date, s.local_date) AS local_date,
    coalesce(o.local_hour, s.local_hour) AS local_hour,
    CAST(coalesce(o.revenue, 0) AS DOUBLE) AS revenue,
    CAST(coalesce(o.order_count, 0) AS BIGINT) AS order_count,
    CAST(coalesce(o.unit_count, 0) AS BIGINT) AS unit_count,
    CAST(coalesce(s.session_count, 0) AS BIGINT) AS session_count,
    CAST(coalesce(s.converted_session_count, 0) AS BIGINT) AS converted_session_count
FROM orders_by_hour AS o
FULL OUTER JOIN sessions_by_hour AS s ON s.local_date = o.local_date AND s.local_hour = o.local_hour
ORDER BY local_date, local_hour
