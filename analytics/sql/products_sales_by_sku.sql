-- products_sales_by_sku: what each product sold for one seller in one UTC window [$start_utc, $end_utc).
-- Grain: one row per sku with product lines in orders not cancelled (shipping and fee lines never count).
-- Order-level discounts are shared out to the order's product lines in proportion to their net amount, so
-- the sum of `revenue` over all skus equals the store revenue of analytics/metrics.py.
WITH kept_orders AS (
    SELECT order_id, discount
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
),
product_lines AS (
    SELECT
        i.order_id,
        coalesce(i.sku, i.product_name, '?') AS sku,      -- lines without a sku are grouped by their name
        i.product_name,
        i.quantity,
        CAST(i.quantity * i.unit_price AS DOUBLE) AS gross_amount,          -- before any discount
        CAST(i.discount AS DOUBLE) AS line_discount,
        CAST(i.quantity * i.unit_price - i.discount AS DOUBLE) AS line_net,
        CAST(o.discount AS DOUBLE) AS order_discount
    FROM order_items AS i
    JOIN kept_orders AS o ON o.order_id = i.order_id
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
),
order_net AS (
    -- only orders with an order-level discount have anything to share out
    SELECT order_id, sum(line_net) AS order_line_net, count(*) AS line_count
    FROM product_lines
    WHERE order_discount <> 0
    GROUP BY order_id
),
allocated AS (
    SELECT
        l.*,
        -- the line's share of the order-level discount (equal shares when the lines net to zero)
        CASE WHEN l.order_discount = 0 THEN 0.0
             WHEN n.order_line_net <> 0 THEN l.order_discount * l.line_net / n.order_line_net
             ELSE l.order_discount / n.line_count END AS order_discount_share
    FROM product_lines AS l
    LEFT JOIN order_net AS n ON n.order_id = l.order_id
)
SELECT
    a.sku,
    coalesce(any_value(p.name), any_value(a.product_name), a.sku) AS product_name,
    any_value(p.category) AS category,
    CAST(sum(a.quantity) AS BIGINT) AS units,
    count(DISTINCT a.order_id) AS order_count,
    sum(a.gross_amount) AS gross_sales,
    sum(a.line_discount) AS line_discount,
    sum(a.order_discount_share) AS order_discount,
    sum(a.line_net - a.order_discount_share) AS revenue,               -- net of both discounts
    CAST(any_value(p.unit_cost) AS DOUBLE) AS unit_cost,               -- NULL: cost unknown
    CAST(any_value(p.unit_cost) AS DOUBLE) * sum(a.quantity) AS cost
FROM allocated AS a
LEFT JOIN products AS p ON p.seller_id = $seller_id AND p.sku = a.sku
GROUP BY a.sku
ORDER BY revenue DESC, a.sku
