-- products_ad_landing_revenue: revenue of orders that came from ad visits, by the product the visit landed on.
-- Grain: one row per landing sku with at least one converted ads session started in [$start_utc, $end_utc).
-- This is the weight used to share the period's ad spend out to products (ad_stats carry no sku).
-- The orders are read in [$scan_start_utc = $start_utc, $scan_end_utc): an order is placed after the visit that
-- brought it started, and none after the report's as-of time is read. Revenue rule of kpi_totals.sql, per order
-- from rollup_order_totals (data/rollups.py: product lines already summed per order).
WITH ad_visits AS (
    -- the visits carrying an order id (rollup_session_orders) that came from ads and landed on a product; `joined`:
    -- the visit is joined with its order (a shared order id, a row of a partial hour, or carried-order columns not
    -- trusted in this snapshot: data/rollups.py, carrier_values_in_step); the others carry their order's status,
    -- time and net revenue and are each the only visit with their order id
    SELECT landing_sku AS sku, order_id,
           NOT {{carrier_values_in_step}} OR shared IS NOT false AS joined, order_ordered_at, order_status, order_net
    FROM {{rollup_session_orders}}
    WHERE channel = 'ads' AND landing_sku IS NOT NULL
),
ad_orders AS (
    -- an order counts once per landing product, however many of its visits landed there
    SELECT DISTINCT sku, order_id FROM ad_visits WHERE joined
),
order_revenue AS (
    -- the kept orders those visits led to; cancelled orders bring nothing
    SELECT order_id, CAST(product_revenue - discount AS DOUBLE) AS revenue
    FROM {{rollup_order_totals:scan_}}
    WHERE status <> 'cancelled'
      AND order_id IN (SELECT order_id FROM ad_orders)
),
revenue AS (
    SELECT sku, CAST(order_net AS DOUBLE) AS revenue
    FROM ad_visits
    WHERE NOT joined AND order_ordered_at >= $scan_start_utc AND order_ordered_at < $scan_end_utc
      AND order_status <> 'cancelled'
    UNION ALL
    SELECT a.sku, r.revenue
    FROM ad_orders AS a
    JOIN order_revenue AS r ON r.order_id = a.order_id
)
SELECT sku, CAST(sum(revenue) AS DOUBLE) AS ad_order_revenue, count(*) AS ad_order_count
FROM revenue
GROUP BY sku
ORDER BY sku
