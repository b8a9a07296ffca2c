-- data_freshness: the latest record of each fact table for one seller, in the seller's local time ($tz).
-- Grain: one row per fact table; latest_local is NULL when the seller has no rows there.
-- orders/returns/sessions store UTC timestamps (converted here); traffic_stats, ad_stats and inventory are already
-- dated in the seller's zone, as the platforms report them (an hourly ad row is stamped at its hour's start).
SELECT 'orders' AS table_name, 1 AS position,
       max(timezone($tz, ordered_at AT TIME ZONE 'UTC')) AS latest_local
FROM orders WHERE seller_id = $seller_id
UNION ALL
SELECT 'order_items', 2, max(timezone($tz, ordered_at AT TIME ZONE 'UTC'))
FROM order_items WHERE seller_id = $seller_id
UNION ALL
SELECT 'returns', 3, max(timezone($tz, returned_at AT TIME ZONE 'UTC'))
FROM returns WHERE seller_id = $seller_id
UNION ALL
SELECT 'sessions', 4, max(timezone($tz, started_at AT TIME ZONE 'UTC'))
FROM sessions WHERE seller_id = $seller_id
UNION ALL
SELECT 'traffic_stats', 5, max(CAST(stat_date AS TIMESTAMP))
FROM traffic_stats WHERE seller_id = $seller_id
UNION ALL
SELECT 'ad_stats', 6, max(CAST(stat_date AS TIMESTAMP) + to_hours(coalesce(stat_hour, 0)))
FROM ad_stats WHERE seller_id = $seller_id
UNION ALL
SELECT 'inventory', 7, max(CAST(snapshot_date AS TIMESTAMP))
FROM inventory WHERE seller_id = $seller_id
ORDER BY position
