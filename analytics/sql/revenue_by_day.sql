-- revenue_by_day: revenue and orders per local calendar day of one seller, for orders in [$start_utc, $end_utc).
-- Grain: one row per local order date that has orders (the caller fills empty days with zeros).
-- Revenue rule of kpi_totals.sql: orders not cancelled, product lines net of line discounts minus the order discount.
-- Local date: the UTC timestamp is read as UTC, then shown in the seller's zone $tz (icu extension).
-- Speed: one row per order with its product lines already summed (rollup_order_totals, data/rollups.py: whole hours
-- from the rollup, the partial hours at the window's edges from the raw rows), instead of joining orders with their
-- lines; each order keeps its exact time, so any zone's local days (half-hour offsets too) come out right.
SELECT
    CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date,
    CAST(sum(product_revenue - discount) AS DOUBLE) AS revenue,
    count(*) AS order_count
FROM {{rollup_order_totals}}
WHERE status <> 'cancelled'
GROUP BY 1
ORDER BY 1
