-- keywords_landing_products: where visitors who searched a keyword landed, for one seller's sessions that
-- started in [$start_utc, $end_utc).
-- Grain: one row per normalised keyword (as in keywords_by_keyword.sql) and landing SKU.
-- product_name: products.name, or the SKU itself when the catalogue does not know it.
WITH visits AS (
    SELECT
        nullif(lower(trim(regexp_replace(nfc_normalize(search_keyword), '[\s\x{3000}\x{00A0}]+', ' ', 'g'))), '')
            AS keyword,
        landing_sku,
        order_id
    FROM sessions
    WHERE seller_id = $seller_id
      AND started_at >= $start_utc AND started_at < $end_utc
      AND search_keyword IS NOT NULL
      AND landing_sku IS NOT NULL
)
SELECT
    v.keyword,
    v.landing_sku,
    coalesce(any_value(p.name), v.landing_sku) AS product_name,
    count(*) AS sessions,
    count(v.order_id) AS converted_sessions
FROM visits AS v
LEFT JOIN products AS p ON p.seller_id = $seller_id AND p.sku = v.landing_sku
WHERE v.keyword IS NOT NULL
GROUP BY v.keyword, v.landing_sku
ORDER BY v.keyword, sessions DESC, v.landing_sku
