-- products_order_totals: the store's order count and revenue in one UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Same definitions as kpi_totals (orders not cancelled; product lines minus discounts),
-- so the products report's totals can be checked against the home page.
WITH kept_orders AS (
    SELECT order_id, discount
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
),
product_lines AS (
    SELECT i.quantity, i.quantity * i.unit_price - i.discount AS line_revenue
    FROM order_items AS i
    SEMI JOIN kept_orders AS o ON o.order_id = i.order_id
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
)
SELECT
    (SELECT count(*) FROM kept_orders) AS order_count,
    CAST(coalesce((SELECT sum(quantity) FROM product_lines), 0) AS BIGINT) AS units,
    CAST(coalesce((SELECT sum(line_revenue) FROM product_lines), 0)
         - coalesce((SELECT sum(discount) FROM kept_orders), 0) AS DOUBLE) AS revenue
