-- keywords_product_names: the names of one seller's products, to tell whether the store carries what visitors
-- searched for (analytics.keywords: a keyword's head noun inside a product name).
-- Grain: one row per product SKU with a name (non-product lines such as shipping are left out).
SELECT sku, name
FROM products
WHERE seller_id = $seller_id
  AND line_type = 'product'
  AND name IS NOT NULL
ORDER BY sku
