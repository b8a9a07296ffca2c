-- keywords_period_counts: visits of one seller in two periods (current [$start_utc, $end_utc) and previous
-- [$previous_start_utc, $previous_end_utc)) by inbound search keyword and landing SKU, with the orders they carried,
-- in one query (each period's sessions read once for counts; only those carrying an order id read again).
-- Grain: grouping sets of period ('current' | 'previous') and normalised keyword (NULL: no keyword), with
-- by_landing_sku = false, and of period, keyword and landing_sku (NULL: none) with by_landing_sku = true.
-- Keywords are normalised: NFC, whitespace runs (incl. ideographic and no-break spaces) collapsed to one space,
-- trimmed, lower-cased (analytics.keywords.normalise_keyword does the same in Python).
-- Attribution as in traffic_period_session_counts.sql: the latest session of the period carrying an order id gets
-- the order, whether or not it came with a keyword. Orders placed after $as_of_utc are not read.
-- Visits counted by day (traffic_stats: a Smart Store 마케팅분석 download with 키워드) count for the local days lying
-- wholly in a period without visit-level sessions, as traffic_period_session_counts.sql counts them: their orders
-- and revenue are the report's attribution, each order a converted visit.
-- product_name (landing rows): products.name, or the SKU itself when the catalogue does not know it.
-- Speed: session counts come from the hourly rollup and the visits carrying an order id from rollup_session_orders
-- (data/rollups.py); plain range predicates on started_at / ordered_at so zone maps prune;
-- orders and items are read from $scan_start_utc, the earlier period's start (an order is placed after its session
-- starts; order_items.ordered_at copies orders.ordered_at); only sessions carrying an order id are ranked, and
-- only those sharing it or read from the raw sessions are joined with the orders; keywords are normalised on
-- grouped rows, not on every session.
WITH session_counts AS (
    -- each period's hourly rows (data/rollups.py: whole hours from rollup_keywords_hourly, the partial hours at the
    -- window's edges from the raw sessions), grouped on the raw keyword: few groups, normalised below
    SELECT 'current' AS period, search_keyword, landing_sku,
           sum(sessions) AS sessions,
           sum(converted_sessions) AS converted_sessions   -- carries an order id (any status)
    FROM {{rollup_keywords_hourly}}
    GROUP BY search_keyword, landing_sku
    UNION ALL
    SELECT 'previous' AS period, search_keyword, landing_sku, sum(sessions), sum(converted_sessions)
    FROM {{rollup_keywords_hourly:previous_}}
    GROUP BY search_keyword, landing_sku
),
carrier_sessions AS (
    -- the sessions carrying an order id, with or without a keyword, each period its own range
    -- (rollup_session_orders holds exactly those; the partial hours at the window's edges from the raw sessions).
    -- `joined`: ranked and joined with the order, as in traffic_period_session_counts.sql; the others carry their
    -- order's status, time and net revenue and are each the only visit with their order id
    SELECT 'current' AS period, order_id, started_at, session_id, search_keyword, landing_sku,
           NOT {{carrier_values_in_step}} OR shared IS NOT false AS joined, order_ordered_at, order_status, order_net
    FROM {{rollup_session_orders}}
    UNION ALL
    SELECT 'previous' AS period, order_id, started_at, session_id, search_keyword, landing_sku,
           NOT {{carrier_values_in_step}} OR shared IS NOT false AS joined, order_ordered_at, order_status, order_net
    FROM {{rollup_session_orders:previous_}}
),
joined_sessions AS (
    SELECT period, order_id, started_at, session_id, search_keyword, landing_sku
    FROM carrier_sessions
    WHERE joined
),
shared_orders AS (
    -- orders carried by more than one of these sessions of a period (rare): only their sessions are ranked
    SELECT period, order_id FROM joined_sessions GROUP BY period, order_id HAVING count(*) > 1
),
carriers AS (
    -- the session that gets each order: the latest one carrying its order id in its period
    SELECT period, order_id, search_keyword, landing_sku
    FROM joined_sessions ANTI JOIN shared_orders USING (period, order_id)
    UNION ALL
    (SELECT period, order_id, search_keyword, landing_sku
     FROM joined_sessions SEMI JOIN shared_orders USING (period, order_id)
     QUALIFY row_number() OVER (PARTITION BY period, order_id ORDER BY started_at DESC, session_id DESC) = 1)
),
order_counts AS (
    -- the carried orders not cancelled, placed in [$scan_start_utc, $scan_end_utc = $as_of_utc), with the revenue
    -- rule of kpi_totals.sql: product lines net of line discounts (already summed per order in
    -- rollup_order_totals, data/rollups.py) minus the order discount. The sole carriers read their order's columns;
    -- the others are joined with the orders
    SELECT
        period, search_keyword, landing_sku,
        count(*) AS order_count,                -- attributed orders, not cancelled
        sum(order_net) AS revenue
    FROM carrier_sessions
    WHERE NOT joined AND order_ordered_at >= $scan_start_utc AND order_ordered_at < $scan_end_utc
      AND order_status <> 'cancelled'
    GROUP BY ALL
    UNION ALL
    SELECT c.period, c.search_keyword, c.landing_sku, count(*), sum(r.product_revenue - r.discount)
    FROM carriers AS c
    JOIN {{rollup_order_totals:scan_}} AS r ON r.order_id = c.order_id
    WHERE r.status <> 'cancelled'
    GROUP BY ALL
),
session_days AS (
    -- local days with visit-level sessions in either period (from the smaller hourly rollup of visits by channel:
    -- the same sessions; reading the keyword rollup again took ~20% longer on the bench store)
    SELECT DISTINCT CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE) AS stat_date
    FROM (SELECT hour FROM {{rollup_traffic_hourly}} UNION ALL SELECT hour FROM {{rollup_traffic_hourly:previous_}})
         AS h, sellers AS z
    WHERE z.seller_id = $seller_id
),
daily_counts AS (
    SELECT p.period, d.search_keyword, d.landing_sku, d.sessions, d.orders, d.revenue
    FROM traffic_stats AS d
    JOIN sellers AS z ON z.seller_id = d.seller_id
    JOIN (VALUES ('current', $start_utc, $end_utc), ('previous', $previous_start_utc, $previous_end_utc))
         AS p(period, start_utc, end_utc)
      ON (CAST(d.stat_date AS TIMESTAMP) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' >= p.start_utc
     AND ((CAST(d.stat_date AS TIMESTAMP) + INTERVAL 1 DAY) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' <= p.end_utc
    WHERE d.seller_id = $seller_id
      AND d.stat_date >= CAST(least($start_utc, $previous_start_utc) AS DATE) - 1
      AND d.stat_date <= CAST(greatest($end_utc, $previous_end_utc) AS DATE)
      AND d.stat_date NOT IN (SELECT stat_date FROM session_days)
),
counts AS (
    SELECT period, search_keyword, landing_sku, sessions, converted_sessions, 0 AS order_count, NULL AS revenue
    FROM session_counts
    UNION ALL
    SELECT period, search_keyword, landing_sku, 0, 0, order_count, revenue
    FROM order_counts
    UNION ALL
    SELECT period, search_keyword, landing_sku, sessions, orders, orders, revenue
    FROM daily_counts
),
normalised AS (
    SELECT
        period,
        nullif(lower(trim(regexp_replace(nfc_normalize(search_keyword), '[\s\x{3000}\x{00A0}]+', ' ', 'g'))), '')
            AS keyword,
        landing_sku, sessions, converted_sessions, order_count, revenue
    FROM counts
),
grouped AS (
    SELECT
        period,
        keyword,
        landing_sku,
        grouping(landing_sku) = 0 AS by_landing_sku,
        CAST(sum(sessions) AS BIGINT) AS sessions,
        CAST(sum(converted_sessions) AS BIGINT) AS converted_sessions,
        CAST(sum(order_count) AS BIGINT) AS order_count,
        CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue     -- exact DECIMAL sum, cast once
    FROM normalised
    GROUP BY GROUPING SETS ((period, keyword), (period, keyword, landing_sku))
)
SELECT
    g.period, g.keyword, g.landing_sku, g.by_landing_sku,
    CASE WHEN g.by_landing_sku AND g.landing_sku IS NOT NULL THEN coalesce(p.name, g.landing_sku) END
        AS product_name,
    g.sessions, g.converted_sessions, g.order_count, g.revenue
FROM grouped AS g
LEFT JOIN products AS p ON p.seller_id = $seller_id AND p.sku = g.landing_sku AND g.by_landing_sku
ORDER BY g.period, g.by_landing_sku, g.keyword NULLS LAST, g.sessions DESC, g.landing_sku
