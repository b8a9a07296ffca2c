-- products_sales_by_sku: what each product sold for one seller in one UTC window [$start_utc, $end_utc).
-- Grain: one row per sku with product lines in orders not cancelled (shipping and fee lines never count).
-- Order-level discounts are shared out to the order's product lines in proportion to their net amount (equal shares
-- when the lines net to zero), so the sum of `revenue` over all skus equals the store revenue of analytics/metrics.py.
-- Lines without a sku are grouped by their name. The per-hour sums and the discount shares are those of
-- rollup_sales_hourly (data/rollups.py): whole hours from the rollup, the partial hours at the window's edges
-- computed the same way from the raw lines. The discount shares are summed exactly (DECIMAL, 10 decimals): a DOUBLE
-- sum depends on the order DuckDB's threads add in, and the same rows gave revenues differing in their last digits.
WITH lines AS (
    SELECT sku, product_name, order_count, units, gross_sales, line_discount, line_net, order_discount
    FROM {{rollup_sales_hourly}}
    WHERE kept AND line_type = 'product'
)
SELECT
    l.sku,
    coalesce(any_value(p.name), any_value(l.product_name), l.sku) AS product_name,
    any_value(p.category) AS category,
    CAST(sum(l.units) AS BIGINT) AS units,
    CAST(sum(l.order_count) AS BIGINT) AS order_count,         -- an order lies in one hour: hourly counts add up
    CAST(sum(l.gross_sales) AS DOUBLE) AS gross_sales,
    CAST(sum(l.line_discount) AS DOUBLE) AS line_discount,
    CAST(sum(CAST(l.order_discount AS DECIMAL(38, 10))) AS DOUBLE) AS order_discount,
    CAST(sum(l.line_net) - sum(CAST(l.order_discount AS DECIMAL(38, 10))) AS DOUBLE) AS revenue,  -- net of both
    CAST(any_value(p.unit_cost) AS DOUBLE) AS unit_cost,               -- NULL: cost unknown
    CAST(any_value(p.unit_cost) AS DOUBLE) * sum(l.units) AS cost
FROM lines AS l
LEFT JOIN products AS p ON p.seller_id = $seller_id AND p.sku = l.sku
GROUP BY l.sku
ORDER BY revenue DESC, l.sku
