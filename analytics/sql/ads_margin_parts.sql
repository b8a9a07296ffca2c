-- ads_margin_parts: the parts of the store's gross margin rate for one seller in the UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Orders as in kpi_totals (not cancelled); product lines only (shipping/fees excluded).
-- Margin rate m = (costed_revenue - costed_cost) / costed_revenue, over lines whose product has a unit cost.
WITH kept_orders AS (
    SELECT order_id
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
),
product_lines AS (
    SELECT
        i.quantity * i.unit_price - i.discount AS line_revenue,   -- net of the line discount
        i.quantity * p.unit_cost AS line_cost                      -- NULL when the product has no unit cost
    FROM order_items AS i
    SEMI JOIN kept_orders AS o ON o.order_id = i.order_id
    LEFT JOIN products AS p ON p.seller_id = i.seller_id AND p.sku = i.sku
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
)
SELECT
    CAST(coalesce(sum(line_revenue), 0) AS DOUBLE) AS product_revenue,                       -- every product line
    CAST(coalesce(sum(line_revenue) FILTER (WHERE line_cost IS NOT NULL), 0) AS DOUBLE) AS costed_revenue,
    CAST(coalesce(sum(line_cost), 0) AS DOUBLE) AS costed_cost,                               -- unit_cost × units
    count(*) AS product_line_count,
    count(*) FILTER (WHERE line_cost IS NULL) AS uncosted_line_count                         -- sku without unit cost
FROM product_lines
