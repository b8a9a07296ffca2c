-- Top products per store by revenue, local days $from to $to (both included), the $n best per store.
-- Revenue: product lines net of line discounts, with each order-level discount shared out to the order's product
-- lines in proportion to their net amount (so the products of a store add up to its revenue); cancelled orders
-- excluded. The rule of products_sales_by_sku.sql.
-- Grain: one row per store and SKU (lines without a SKU are grouped by their product name).
WITH kept_orders AS (
    SELECT o.seller_id, o.order_id, o.discount
    FROM orders AS o
    JOIN sellers AS s USING (seller_id)
    WHERE o.status <> 'cancelled'
      AND o.ordered_at >= CAST($from AS DATE) - INTERVAL 1 DAY   -- UTC pre-filter, a day wider each side
      AND o.ordered_at < CAST($to AS DATE) + INTERVAL 2 DAY
      AND CAST(timezone(s.timezone, o.ordered_at AT TIME ZONE 'UTC') AS DATE)
          BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)      -- the store's local day
),
product_lines AS (
    SELECT
        i.seller_id,
        i.order_id,
        coalesce(i.sku, i.product_name, '?') AS sku,
        i.product_name,
        i.quantity,
        i.quantity * i.unit_price - i.discount AS line_net,                    -- after the line discount (DECIMAL)
        o.discount AS order_discount
    FROM order_items AS i
    JOIN kept_orders AS o USING (seller_id, order_id)
    WHERE i.line_type = 'product'
      AND i.ordered_at >= CAST($from AS DATE) - INTERVAL 1 DAY
      AND i.ordered_at < CAST($to AS DATE) + INTERVAL 2 DAY
),
order_net AS (
    SELECT seller_id, order_id, CAST(sum(line_net) AS DOUBLE) AS order_line_net, count(*) AS line_count
    FROM product_lines
    WHERE order_discount <> 0
    GROUP BY seller_id, order_id
),
allocated AS (
    SELECT
        l.*,
        -- the line's share of the order-level discount (equal shares when the lines net to zero), rounded to 10
        -- decimals so the sums below are exact: a DOUBLE sum varies in its last digits with the threads' order
        CAST(CASE WHEN l.order_discount = 0 THEN 0.0
                  WHEN n.order_line_net <> 0
                      THEN CAST(l.order_discount AS DOUBLE) * CAST(l.line_net AS DOUBLE) / n.order_line_net
                  ELSE CAST(l.order_discount AS DOUBLE) / n.line_count END AS DECIMAL(38, 10)) AS order_discount_share
    FROM product_lines AS l
    LEFT JOIN order_net AS n USING (seller_id, order_id)
)
SELECT
    a.seller_id,
    a.sku,
    coalesce(any_value(p.name), any_value(a.product_name), a.sku) AS product_name,
    any_value(p.category) AS category,
    CAST(sum(a.quantity) AS BIGINT) AS units,
    count(DISTINCT a.order_id) AS order_count,
    CAST(sum(a.line_net - a.order_discount_share) AS DOUBLE) AS revenue  -- net of both discounts
FROM allocated AS a
LEFT JOIN products AS p ON p.seller_id = a.seller_id AND p.sku = a.sku
GROUP BY a.seller_id, a.sku
QUALIFY row_number() OVER (PARTITION BY a.seller_id
                           ORDER BY sum(a.line_net - a.order_discount_share) DESC, a.sku) <= $n
ORDER BY a.seller_id, revenue DESC, a.sku
