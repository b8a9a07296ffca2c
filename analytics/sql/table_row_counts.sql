-- table_row_counts: how many rows the seller has in each warehouse table (the data page's inventory of data).
-- Grain: one row per table, in the order of data/schema.py (facts, then dimensions).
SELECT 'orders' AS table_name, 1 AS position, count(*) AS row_count FROM orders WHERE seller_id = $seller_id
UNION ALL
SELECT 'order_items', 2, count(*) FROM order_items WHERE seller_id = $seller_id
UNION ALL
SELECT 'returns', 3, count(*) FROM returns WHERE seller_id = $seller_id
UNION ALL
SELECT 'sessions', 4, count(*) FROM sessions WHERE seller_id = $seller_id
UNION ALL
SELECT 'traffic_stats', 5, count(*) FROM traffic_stats WHERE seller_id = $seller_id
UNION ALL
SELECT 'ad_stats', 6, count(*) FROM ad_stats WHERE seller_id = $seller_id
UNION ALL
SELECT 'inventory', 7, count(*) FROM inventory WHERE seller_id = $seller_id
UNION ALL
SELECT 'sellers', 8, count(*) FROM sellers WHERE seller_id = $seller_id
UNION ALL
SELECT 'products', 9, count(*) FROM products WHERE seller_id = $seller_id
UNION ALL
SELECT 'customers', 10, count(*) FROM customers WHERE seller_id = $seller_id
ORDER BY position
