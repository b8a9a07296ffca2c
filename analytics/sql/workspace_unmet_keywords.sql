-- Unmet demand: inbound search keywords with at least $min_sessions visits whose visits convert less often than
-- the store's visits as a whole (people look for something the store does not offer, or not well enough).
-- Visits of local days $from to $to (both included, the store's time zone). conversion = visits carrying an order
-- id / visits, as on the traffic page; keywords are normalised (NFC, whitespace collapsed, trimmed, lower case).
-- missed_orders: extra orders had the keyword's visits converted at the store's rate.
-- Grain: one row per store and keyword; most visits first.
WITH visits AS (
    SELECT
        v.seller_id,
        nullif(lower(trim(regexp_replace(nfc_normalize(v.search_keyword), '[\s\x{3000}\x{00A0}]+', ' ', 'g'))), '')
            AS keyword,
        v.order_id IS NOT NULL AS converted
    FROM sessions AS v
    JOIN sellers AS s USING (seller_id)
    WHERE v.started_at >= CAST($from AS DATE) - INTERVAL 1 DAY   -- UTC pre-filter, a day wider each side
      AND v.started_at < CAST($to AS DATE) + INTERVAL 2 DAY
      AND CAST(timezone(s.timezone, v.started_at AT TIME ZONE 'UTC') AS DATE)
          BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
),
store AS (
    SELECT
        seller_id,
        count(*) AS store_sessions,
        count(*) FILTER (WHERE converted) AS store_converted_sessions
    FROM visits
    GROUP BY seller_id
),
by_keyword AS (
    SELECT seller_id, keyword, count(*) AS sessions, count(*) FILTER (WHERE converted) AS converted_sessions
    FROM visits
    WHERE keyword IS NOT NULL
    GROUP BY seller_id, keyword
),
rated AS (
    SELECT
        k.seller_id,
        k.keyword,
        k.sessions,
        k.converted_sessions,
        CAST(k.converted_sessions AS DOUBLE) / k.sessions AS conversion,
        CAST(t.store_converted_sessions AS DOUBLE) / t.store_sessions AS store_conversion
    FROM by_keyword AS k
    JOIN store AS t USING (seller_id)
)
SELECT
    *,
    conversion - store_conversion AS conversion_gap,                 -- negative: below the store
    sessions * (store_conversion - conversion) AS missed_orders
FROM rated
WHERE sessions >= $min_sessions
  AND conversion < store_conversion      -- delete this line to see every keyword
ORDER BY seller_id, sessions DESC, keyword
