-- load_log: the seller's latest loads (files, API pushes, demo), newest first, times in the seller's zone ($tz).
-- Grain: one row per load, at most $limit rows.
SELECT
    load_id,
    timezone($tz, finished_at AT TIME ZONE 'UTC') AS finished_local,
    source,
    kind,
    format,
    rows_read,
    rows_loaded,
    rows_duplicate,
    rows_rejected,
    status,
    message
FROM loads
WHERE seller_id = $seller_id
ORDER BY finished_at DESC, load_id DESC
LIMIT $limit
