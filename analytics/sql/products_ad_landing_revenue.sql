-- products_ad_landing_revenue: revenue of orders that came from ad visits, by the product the visit landed on.
-- Grain: one row per landing sku with at least one converted ads session started in [$start_utc, $end_utc).
-- This is the weight used to share the period's ad spend out to products (ad_stats carry no sku).
WITH ad_orders AS (
    SELECT DISTINCT s.landing_sku AS sku, s.order_id
    FROM sessions AS s
    WHERE s.seller_id = $seller_id
      AND s.started_at >= $start_utc AND s.started_at < $end_utc
      AND s.channel = 'ads'
      AND s.order_id IS NOT NULL AND s.landing_sku IS NOT NULL
),
ad_order_rows AS (
    -- the kept orders those visits led to; cancelled orders bring nothing
    SELECT o.order_id, o.ordered_at, o.discount
    FROM orders AS o
    WHERE o.seller_id = $seller_id
      AND o.status <> 'cancelled'
      AND o.ordered_at >= $start_utc      -- an order is placed after the visit that brought it started
      AND o.order_id IN (SELECT order_id FROM ad_orders)
),
order_revenue AS (
    -- the order's product lines minus its order discount; order_items.ordered_at is a copy of the order's, so
    -- bounding it by the ad orders' first and last times reads only the lines of that stretch of time
    SELECT o.order_id,
           CAST(sum(i.quantity * i.unit_price - i.discount) - any_value(o.discount) AS DOUBLE) AS revenue
    FROM ad_order_rows AS o
    JOIN order_items AS i ON i.order_id = o.order_id
    WHERE i.seller_id = $seller_id
      AND i.line_type = 'product'
      AND i.ordered_at >= (SELECT min(ordered_at) FROM ad_order_rows)
      AND i.ordered_at <= (SELECT max(ordered_at) FROM ad_order_rows)
    GROUP BY o.order_id
)
SELECT a.sku, CAST(sum(r.revenue) AS DOUBLE) AS ad_order_revenue, count(*) AS ad_order_count
FROM ad_orders AS a
JOIN order_revenue AS r ON r.order_id = a.order_id
GROUP BY a.sku
ORDER BY a.sku
