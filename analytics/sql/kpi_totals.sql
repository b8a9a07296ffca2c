-- kpi_totals: the additive parts of the home KPIs for one seller in one UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Metric definitions: analytics/metrics.py. The home tiles, the real-time tiles
-- (today so far vs the same span yesterday / last week), the digest and the ads report (TACoS) read it.
-- Speed: orders come from rollup_order_totals (one row per order with its product lines already summed) and visits
-- from rollup_traffic_hourly (data/rollups.py: whole hours from the rollup, the partial hours at the window's edges
-- from the raw rows with the same SQL), so a 30-day window reads thousands of rows, not millions. Visits counted by
-- day (traffic_stats) add the local days lying wholly in the window that have no visit-level sessions.
WITH kept_orders AS (
    -- orders count unless cancelled (paid, pending and refunded orders stay; returns are reported apart)
    SELECT
        count(*) AS order_count,
        -- revenue: product lines net of line discounts, minus order-level discounts (shipping excluded)
        sum(product_revenue - discount) AS revenue,
        sum(units) AS unit_count                                    -- product units sold
    FROM {{rollup_order_totals}}
    WHERE status <> 'cancelled'
),
hourly_visits AS (
    SELECT hour, sessions, converted_sessions FROM {{rollup_traffic_hourly}}
),
daily_visits AS (
    -- visits counted by day (traffic_stats) for the local days lying wholly in the window without visit-level
    -- sessions; each order the report attributes is a converted visit (traffic_period_session_counts.sql)
    SELECT d.sessions, d.orders AS converted_sessions
    FROM traffic_stats AS d
    JOIN sellers AS z ON z.seller_id = d.seller_id
    WHERE d.seller_id = $seller_id
      AND d.stat_date >= CAST($start_utc AS DATE) - 1 AND d.stat_date <= CAST($end_utc AS DATE)
      AND (CAST(d.stat_date AS TIMESTAMP) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' >= $start_utc
      AND ((CAST(d.stat_date AS TIMESTAMP) + INTERVAL 1 DAY) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' <= $end_utc
      AND d.stat_date NOT IN (SELECT CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE) FROM hourly_visits AS h)
),
visits AS (
    SELECT
        sum(sessions) AS session_count,
        sum(converted_sessions) AS converted_session_count          -- sessions carrying an order id
    FROM (SELECT sessions, converted_sessions FROM hourly_visits
          UNION ALL SELECT sessions, converted_sessions FROM daily_visits)
)
SELECT
    CAST(coalesce(o.revenue, 0) AS DOUBLE) AS revenue,
    o.order_count,
    CAST(coalesce(o.unit_count, 0) AS BIGINT) AS unit_count,
    CAST(coalesce(v.session_count, 0) AS BIGINT) AS session_count,
    CAST(coalesce(v.converted_session_count, 0) AS BIGINT) AS converted_session_count
FROM kept_orders AS o, visits AS v
