-- customers_history_changes: whether the purchase days before $last_day that analytics/customers.py kept from an
-- earlier computation (a "history", read up to $history_end_utc when the seller's newest orders load was
-- $load_mark) still equal what a full scan up to $as_of_utc gives. Counts the orders that could make them differ:
-- - orders of later loads (load_id > $load_mark): new orders, and earlier orders whose status a later export
--   restated (the update gives them the new load's id, data/ingest.py), cancelled or not;
-- - orders placed from $history_end_utc to $as_of_utc (a zone falling back across midnight, as St John's did in
--   2010, puts some of them on an earlier local day);
-- either only when its local day (seller's zone $tz) is before $last_day. 0: the history holds, and only the
-- orders of $last_day on need to be read. Writes around the loader change the data version instead (the caller
-- compares it).
-- Speed: the load id and time conditions come first; the time-zone rules run on the few rows left.
SELECT count(*) AS changes
FROM orders
WHERE seller_id = $seller_id
  AND (load_id > $load_mark OR (ordered_at >= $history_end_utc AND ordered_at < $as_of_utc))
  AND CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) < $last_day
