-- products_ad_spend_total: the seller's ad spend over local stat dates [$start_date, $end_date] (both inclusive).
-- Grain: exactly one row. ad_stats.stat_date is already the seller's local date, as the platforms report it.
SELECT CAST(coalesce(sum(cost), 0) AS DOUBLE) AS ad_spend
FROM ad_stats
WHERE seller_id = $seller_id
  AND stat_date >= $start_date AND stat_date <= $end_date
