-- realtime_latest_orders: the newest orders of one seller placed in [$start_utc, $end_utc), newest first.
-- Grain: one row per order, at most $limit rows. Cancelled orders are left out (they are not orders by the
-- metric definitions). amount follows the revenue rule of kpi_totals.sql for that one order.
WITH latest AS (
    SELECT order_id, ordered_at, channel, status, discount
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
    ORDER BY ordered_at DESC, order_id DESC
    LIMIT $limit
),
lines AS (
    SELECT
        i.order_id,
        sum(i.quantity) AS unit_count,
        sum(i.quantity * i.unit_price - i.discount) AS product_revenue,
        -- the first product line's name stands for the order ("사료 외 2건" is built in Python)
        arg_min(i.product_name, i.line_no) AS first_product_name,
        count(*) AS line_count
    FROM order_items AS i
    SEMI JOIN latest AS o ON o.order_id = i.order_id
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
    GROUP BY i.order_id
)
SELECT
    timezone($tz, o.ordered_at AT TIME ZONE 'UTC') AS ordered_local,   -- wall clock in the seller's zone
    o.order_id,
    coalesce(l.first_product_name, '') AS first_product_name,
    CAST(coalesce(l.line_count, 0) AS BIGINT) AS line_count,
    CAST(coalesce(l.unit_count, 0) AS BIGINT) AS unit_count,
    CAST(coalesce(l.product_revenue, 0) - o.discount AS DOUBLE) AS amount,
    coalesce(o.channel, '') AS channel,
    o.status
FROM latest AS o
LEFT JOIN lines AS l ON l.order_id = o.order_id
ORDER BY o.ordered_at DESC, o.order_id DESC
