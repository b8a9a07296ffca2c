-- products_units_by_day: units sold per product and local calendar day for orders in [$start_utc, $end_utc).
-- Grain: one row per sku and local order date with sales (the caller fills days without sales with zeros).
SELECT
    coalesce(i.sku, i.product_name, '?') AS sku,
    CAST(timezone($tz, i.ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date,
    CAST(sum(i.quantity) AS BIGINT) AS units
FROM order_items AS i
JOIN orders AS o ON o.seller_id = i.seller_id AND o.order_id = i.order_id
WHERE i.seller_id = $seller_id
  AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
  AND i.line_type = 'product'
  AND o.ordered_at >= $start_utc AND o.ordered_at < $end_utc   -- order_items.ordered_at is a copy of it
  AND o.status <> 'cancelled'
GROUP BY 1, 2
ORDER BY 1, 2
