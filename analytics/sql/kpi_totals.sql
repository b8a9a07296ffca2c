-- kpi_totals: the additive parts of the home KPIs for one seller in one UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Metric definitions: analytics/metrics.py. The home tiles, the real-time tiles
-- (today so far vs the same span yesterday / last week), the digest and the ads report (TACoS) read it.
-- Speed: orders come from rollup_order_totals (one row per order with its product lines already summed) and visits
-- from rollup_traffic_hourly (data/rollups.py: whole hours from the rollup, the partial hours at the window's edges
-- from the raw rows with the same SQL), so a 30-day window reads thousands of rows, not millions.
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
visits AS (
    SELECT
        sum(sessions) AS session_count,
        sum(converted_sessions) AS converted_session_count          -- sessions carrying an order id
    FROM {{rollup_traffic_hourly}}
)
SELECT
    CAST(coalesce(o.revenue, 0) AS DOUBLE) AS revenue,
    o.order_count,
    CAST(coalesce(o.unit_count, 0) AS BIGINT) AS unit_count,
    CAST(coalesce(v.session_count, 0) AS BIGINT) AS session_count,
    CAST(coalesce(v.converted_session_count, 0) AS BIGINT) AS converted_session_count
FROM kept_orders AS o, visits AS v
