-- revenue_by_day: revenue and orders per local calendar day of one seller, for orders in [$start_utc, $end_utc).
-- Grain: one row per local order date that has orders (the caller fills empty days with zeros).
-- Local date: the UTC timestamp is read as UTC, then shown in the seller's zone $tz (icu extension).
WITH kept_orders AS (
    SELECT
        order_id,
        discount,
        CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
),
line_revenue_by_order AS (
    SELECT i.order_id, sum(i.quantity * i.unit_price - i.discount) AS product_revenue
    FROM order_items AS i
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
    GROUP BY i.order_id
)
SELECT
    o.order_date,
    CAST(sum(coalesce(l.product_revenue, 0) - o.discount) AS DOUBLE) AS revenue,
    count(*) AS order_count
FROM kept_orders AS o
LEFT JOIN line_revenue_by_order AS l ON l.order_id = o.order_id
GROUP BY o.order_date
ORDER BY o.order_date
