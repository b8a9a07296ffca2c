-- list_sellers: every seller in the warehouse with the settings reports need (zone, currency, language).
-- Grain: one row per seller, ordered by seller_id.
SELECT
    seller_id,
    name,
    currency,
    timezone,
    language
FROM sellers
ORDER BY seller_id
