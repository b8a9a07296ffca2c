-- products_order_totals: the store's order count, units and revenue in one UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. The order part of kpi_totals.sql (orders not cancelled; product lines net of line
-- discounts minus the order discount), without its visits, so the products report's totals can be checked against
-- the home page. Orders come from rollup_order_totals (data/rollups.py: product lines already summed per order).
SELECT
    count(*) AS order_count,
    CAST(coalesce(sum(units), 0) AS BIGINT) AS units,
    CAST(coalesce(sum(product_revenue - discount), 0) AS DOUBLE) AS revenue
FROM {{rollup_order_totals}}
WHERE status <> 'cancelled'
