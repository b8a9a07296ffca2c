-- products_stock_by_day: inventory snapshots per product for local snapshot dates [$start_date, $end_date].
-- Grain: one row per sku and snapshot date (the warehouse keeps one snapshot per seller, date and sku).
SELECT
    sku,
    snapshot_date,
    on_hand,
    inbound,                 -- ordered from the supplier, not yet arrived
    lead_time_days           -- days from ordering to arrival; NULL when the file did not say
FROM inventory
WHERE seller_id = $seller_id
  AND snapshot_date >= $start_date AND snapshot_date <= $end_date
ORDER BY sku, snapshot_date
