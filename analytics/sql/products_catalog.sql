-- products_catalog: the seller's product lines (not shipping or fees) with name, category, price and unit cost.
-- Grain: one row per sku in the products table.
SELECT
    sku,
    coalesce(name, sku) AS product_name,
    category,
    CAST(price AS DOUBLE) AS price,
    CAST(unit_cost AS DOUBLE) AS unit_cost
FROM products
WHERE seller_id = $seller_id
  AND line_type = 'product'
ORDER BY sku
