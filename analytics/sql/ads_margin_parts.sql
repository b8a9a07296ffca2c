-- ads_margin_parts: the parts of the store's gross margin rate for one seller in the UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Orders as in kpi_totals (not cancelled); product lines only (shipping/fees excluded).
-- Margin rate m = (costed_revenue - costed_cost) / costed_revenue, over lines whose product has a unit cost.
-- Speed: the lines' per-hour sums per sku from rollup_sales_hourly (data/rollups.py: whole hours from the rollup,
-- the partial hours at the window's edges from the raw lines), costed per sku as the products report does (lines
-- without a sku go by their name, as there): unit_cost × units summed = the lines' quantity × unit_cost summed.
WITH by_sku AS (
    SELECT
        l.sku,
        sum(l.line_net) AS line_revenue,                          -- net of the line discount
        sum(l.units) AS units,
        sum(l.line_count) AS line_count,
        any_value(p.unit_cost) AS unit_cost                       -- NULL when the product has no unit cost
    FROM {{rollup_sales_hourly}} AS l
    LEFT JOIN products AS p ON p.seller_id = $seller_id AND p.sku = l.sku
    WHERE l.kept AND l.line_type = 'product'
    GROUP BY l.sku
)
SELECT
    CAST(coalesce(sum(line_revenue), 0) AS DOUBLE) AS product_revenue,                       -- every product line
    CAST(coalesce(sum(line_revenue) FILTER (WHERE unit_cost IS NOT NULL), 0) AS DOUBLE) AS costed_revenue,
    CAST(coalesce(sum(units * unit_cost), 0) AS DOUBLE) AS costed_cost,                       -- unit_cost × units
    CAST(coalesce(sum(line_count), 0) AS BIGINT) AS product_line_count,
    CAST(coalesce(sum(line_count) FILTER (WHERE unit_cost IS NULL), 0) AS BIGINT) AS uncosted_line_count
FROM by_sku
