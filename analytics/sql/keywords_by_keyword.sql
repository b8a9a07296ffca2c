-- keywords_by_keyword: visits of one seller that arrived with a search keyword and started in
-- [$start_utc, $end_utc), with the orders they carried.
-- Grain: one row per normalised keyword: NFC, whitespace runs (incl. ideographic and no-break spaces) collapsed
-- to one space, trimmed, lower-cased (analytics.keywords.normalise_keyword does the same in Python).
-- Attribution as in traffic_session_counts.sql: the latest session carrying an order id gets the order.
WITH window_sessions AS (
    -- every session of the window, so that an order carried by a later session without a keyword goes there
    SELECT
        nullif(lower(trim(regexp_replace(nfc_normalize(search_keyword), '[\s\x{3000}\x{00A0}]+', ' ', 'g'))), '')
            AS keyword,
        order_id,
        CASE WHEN order_id IS NOT NULL
             THEN row_number() OVER (PARTITION BY order_id ORDER BY started_at DESC, session_id DESC) END
            AS order_rank
    FROM sessions
    WHERE seller_id = $seller_id
      AND started_at >= $start_utc AND started_at < $end_utc
),
visits AS (
    SELECT keyword, order_id, order_rank FROM window_sessions WHERE keyword IS NOT NULL
),
order_revenue AS (
    -- the revenue rule of kpi_totals.sql, per order
    SELECT
        o.order_id,
        coalesce(sum(i.quantity * i.unit_price - i.discount) FILTER (WHERE i.line_type = 'product'), 0)
            - o.discount AS revenue
    FROM orders AS o
    LEFT JOIN order_items AS i ON i.seller_id = o.seller_id AND i.order_id = o.order_id
    WHERE o.seller_id = $seller_id
      AND o.status <> 'cancelled'
      AND o.ordered_at < $as_of_utc
      AND o.order_id IN (SELECT order_id FROM visits WHERE order_rank = 1)
    GROUP BY o.order_id, o.discount
)
SELECT
    v.keyword,
    count(*) AS sessions,
    count(v.order_id) AS converted_sessions,   -- carries an order id (any status)
    count(r.order_id) AS order_count,          -- attributed orders, not cancelled
    CAST(coalesce(sum(r.revenue), 0) AS DOUBLE) AS revenue
FROM visits AS v
LEFT JOIN order_revenue AS r ON r.order_id = v.order_id AND v.order_rank = 1
WHERE v.keyword IS NOT NULL
GROUP BY v.keyword
ORDER BY sessions DESC, v.keyword
