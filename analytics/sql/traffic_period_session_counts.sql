-- traffic_period_session_counts: visits of one seller in two periods (current [$start_utc, $end_utc) and previous
-- [$previous_start_utc, $previous_end_utc)) with the orders they carried, in one query (each period's
-- sessions read once for counts; only those carrying an order id read again for attribution).
-- Grain: one row per period ('current' | 'previous'), channel, source, medium and device (missing values shown as
-- '(not set)').
-- Attribution: an order belongs to the session carrying its order id; when several sessions of the same period carry
-- the same order id, only the latest one gets the order and its revenue (last session), but every one of them
-- counts as a converted session (the KPI definition of conversion). Orders placed after $as_of_utc are not read.
-- Visits counted by day (traffic_stats: a Smart Store 마케팅분석 download) count for the local days (sellers.timezone)
-- lying wholly in a period on which the store has no visit-level sessions; their orders and revenue are the
-- report's own attribution (Smart Store: last click), each order a converted and paid visit; engaged sessions only
-- where the report gives them.
-- Speed: session counts come from the hourly rollup and the visits carrying an order id from rollup_session_orders
-- (data/rollups.py); plain range predicates on started_at / ordered_at so zone maps prune;
-- orders and items are read from $scan_start_utc, the earlier period's start (an order is placed after its session
-- starts; order_items.ordered_at copies orders.ordered_at); only sessions carrying an order id are ranked, and only
-- those sharing it or read from the raw sessions are joined with the orders (the others carry their order's
-- columns: data/rollups.py, fill_carrier_orders_sql); text is cleaned on grouped rows only.
WITH session_counts AS (
    -- each period's hourly rows (data/rollups.py: whole hours from rollup_traffic_hourly, the partial hours at the
    -- window's edges from the raw sessions), grouped on the raw text values: few groups, cleaned at the end
    SELECT 'current' AS period, channel, source, medium, device,
           sum(sessions) AS sessions,
           sum(engaged_sessions) AS engaged_sessions,       -- saw at least two pages
           sum(converted_sessions) AS converted_sessions    -- carries an order id (any status)
    FROM {{rollup_traffic_hourly}}
    GROUP BY channel, source, medium, device
    UNION ALL
    SELECT 'previous' AS period, channel, source, medium, device,
           sum(sessions), sum(engaged_sessions), sum(converted_sessions)
    FROM {{rollup_traffic_hourly:previous_}}
    GROUP BY channel, source, medium, device
),
carrier_sessions AS (
    -- the sessions carrying an order id, each period its own range: rollup_session_orders holds exactly those
    -- (a few % of the sessions; the partial hours at the window's edges from the raw sessions). `joined`: the
    -- visit must be ranked and joined with its order (a shared order id, a row of a partial hour, or carried-order
    -- columns not trusted in this snapshot: data/rollups.py, carrier_values_in_step); the others carry their
    -- order's status, time and net revenue and are each the only visit with their order id
    SELECT 'current' AS period, order_id, started_at, session_id, channel, source, medium, device,
           NOT {{carrier_values_in_step}} OR shared IS NOT false AS joined, order_ordered_at, order_status, order_net
    FROM {{rollup_session_orders}}
    UNION ALL
    SELECT 'previous' AS period, order_id, started_at, session_id, channel, source, medium, device,
           NOT {{carrier_values_in_step}} OR shared IS NOT false AS joined, order_ordered_at, order_status, order_net
    FROM {{rollup_session_orders:previous_}}
),
joined_sessions AS (
    SELECT period, order_id, started_at, session_id, channel, source, medium, device
    FROM carrier_sessions
    WHERE joined
),
shared_orders AS (
    -- orders carried by more than one of these sessions of a period (rare): only their sessions are ranked
    SELECT period, order_id FROM joined_sessions GROUP BY period, order_id HAVING count(*) > 1
),
carriers AS (
    -- the session that gets each order: the latest one carrying its order id in its period
    SELECT period, order_id, channel, source, medium, device
    FROM joined_sessions ANTI JOIN shared_orders USING (period, order_id)
    UNION ALL
    (SELECT period, order_id, channel, source, medium, device
     FROM joined_sessions SEMI JOIN shared_orders USING (period, order_id)
     QUALIFY row_number() OVER (PARTITION BY period, order_id ORDER BY started_at DESC, session_id DESC) = 1)
),
order_counts AS (
    -- the carried orders not cancelled, placed in [$scan_start_utc, $scan_end_utc = $as_of_utc), with the revenue
    -- rule of kpi_totals.sql: product lines net of line discounts (already summed per order in
    -- rollup_order_totals, data/rollups.py) minus the order discount. The sole carriers read their order's columns;
    -- the others are joined with the orders
    SELECT
        period, channel, source, medium, device,
        count(*) AS order_count,                                      -- attributed orders, not cancelled
        count(*) FILTER (WHERE order_status <> 'pending') AS paid_order_count,  -- payment completed
        sum(order_net) AS revenue
    FROM carrier_sessions
    WHERE NOT joined AND order_ordered_at >= $scan_start_utc AND order_ordered_at < $scan_end_utc
      AND order_status <> 'cancelled'
    GROUP BY ALL
    UNION ALL
    SELECT
        c.period, c.channel, c.source, c.medium, c.device,
        count(*), count(*) FILTER (WHERE r.status <> 'pending'), sum(r.product_revenue - r.discount)
    FROM carriers AS c
    JOIN {{rollup_order_totals:scan_}} AS r ON r.order_id = c.order_id
    WHERE r.status <> 'cancelled'
    GROUP BY ALL
),
session_days AS (
    -- local days with visit-level sessions in either period (from the same hourly rows)
    SELECT DISTINCT CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE) AS stat_date
    FROM (SELECT hour FROM {{rollup_traffic_hourly}} UNION ALL SELECT hour FROM {{rollup_traffic_hourly:previous_}})
         AS h, sellers AS z
    WHERE z.seller_id = $seller_id
),
daily_counts AS (
    SELECT p.period, d.channel, d.source, d.medium, d.device, d.sessions, d.engaged_sessions, d.orders, d.revenue
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
    SELECT period, channel, source, medium, device, sessions, engaged_sessions, converted_sessions,
           0 AS order_count, 0 AS paid_order_count, NULL AS revenue
    FROM session_counts
    UNION ALL
    SELECT period, channel, source, medium, device, 0, 0, 0, order_count, paid_order_count, revenue
    FROM order_counts
    UNION ALL
    SELECT period, channel, source, medium, device, sessions, coalesce(engaged_sessions, 0), orders, orders, orders,
           revenue
    FROM daily_counts
)
SELECT
    period,
    coalesce(nullif(trim(channel), ''), '(not set)') AS channel,
    coalesce(nullif(trim(source), ''), '(not set)') AS source,
    coalesce(nullif(trim(medium), ''), '(not set)') AS medium,
    coalesce(nullif(trim(device), ''), '(not set)') AS device,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(engaged_sessions) AS BIGINT) AS engaged_sessions,
    CAST(sum(converted_sessions) AS BIGINT) AS converted_sessions,
    CAST(sum(order_count) AS BIGINT) AS order_count,
    CAST(sum(paid_order_count) AS BIGINT) AS paid_order_count,
    CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue      -- exact DECIMAL sum, cast once
FROM counts
GROUP BY ALL
ORDER BY period, sessions DESC, channel, source, medium, device
