-- realtime_hourly_whole_hours: realtime_hourly read from the hourly rollups (data/rollups.py), for seller time
-- zones whose UTC offset is a whole number of hours throughout [$start_utc, $end_utc): every UTC hour is then one
-- local hour of one local day, so hourly sums converted to local time equal the per-minute ones of realtime_hourly
-- (analytics/realtime.py picks this file only then; half-hour zones read realtime_hourly).
-- Grain: one row per (local_date, local_hour) that has orders or sessions (the caller fills empty hours).
-- Orders: kept orders with their product lines summed (rollup_order_totals), revenue rule as in kpi_totals.sql;
-- visits: sessions and those carrying an order id per UTC hour (rollup_traffic_hourly), summed over channels.
WITH orders_by_hour AS (
    SELECT
        date_trunc('hour', ordered_at) AS hour_utc,
        sum(product_revenue - discount) AS revenue,
        count(*) AS order_count,
        sum(units) AS unit_count
    FROM {{rollup_order_totals}}
    WHERE status <> 'cancelled'
    GROUP BY ALL
),
sessions_by_hour AS (
    SELECT
        hour AS hour_utc,
        sum(sessions) AS session_count,
        sum(converted_sessions) AS converted_session_count
    FROM {{rollup_traffic_hourly}}
    GROUP BY ALL
),
hours AS (
    SELECT
        coalesce(o.hour_utc, s.hour_utc) AS hour_utc,
        o.revenue, o.order_count, o.unit_count, s.session_count, s.converted_session_count
    FROM orders_by_hour AS o
    FULL OUTER JOIN sessions_by_hour AS s ON s.hour_utc = o.hour_utc
)
SELECT
    CAST(timezone($tz, hour_utc AT TIME ZONE 'UTC') AS DATE) AS local_date,
    CAST(hour(timezone($tz, hour_utc AT TIME ZONE 'UTC')) AS INTEGER) AS local_hour,
    -- grouped again: when clocks go back, two UTC hours are one local hour (01:00-02:00 twice in New York)
    CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue,
    CAST(coalesce(sum(order_count), 0) AS BIGINT) AS order_count,
    CAST(coalesce(sum(unit_count), 0) AS BIGINT) AS unit_count,
    CAST(coalesce(sum(session_count), 0) AS BIGINT) AS session_count,
    CAST(coalesce(sum(converted_session_count), 0) AS BIGINT) AS converted_session_count
FROM hours
GROUP BY 1, 2
ORDER BY local_date, local_hour
