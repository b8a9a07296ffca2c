-- traffic_session_counts: visits of one seller that started in [$start_utc, $end_utc), with the orders they carried.
-- Grain: one row per channel, source, medium and device (missing values shown as '(not set)').
-- Attribution: an order belongs to the session carrying its order id; when several sessions in the window carry
-- the same order id, only the latest one gets the order and its revenue (last session), but every one of them
-- counts as a converted session (the KPI definition of conversion). Orders placed after $as_of_utc are not read.
WITH visits AS (
    SELECT
        coalesce(nullif(trim(channel), ''), '(not set)') AS channel,
        coalesce(nullif(trim(source), ''), '(not set)') AS source,
        coalesce(nullif(trim(medium), ''), '(not set)') AS medium,
        coalesce(nullif(trim(device), ''), '(not set)') AS device,
        pageviews,
        order_id,
        -- 1 on the session that gets the order (the latest session carrying that order id in the window)
        CASE WHEN order_id IS NOT NULL
             THEN row_number() OVER (PARTITION BY order_id ORDER BY started_at DESC, session_id DESC) END
            AS order_rank
    FROM sessions
    WHERE seller_id = $seller_id
      AND started_at >= $start_utc AND started_at < $end_utc
),
order_revenue AS (
    -- the revenue rule of kpi_totals.sql, per order: product lines net of line discounts minus the order discount
    SELECT
        o.order_id,
        o.status,
        coalesce(sum(i.quantity * i.unit_price - i.discount) FILTER (WHERE i.line_type = 'product'), 0)
            - o.discount AS revenue
    FROM orders AS o
    LEFT JOIN order_items AS i ON i.seller_id = o.seller_id AND i.order_id = o.order_id
    WHERE o.seller_id = $seller_id
      AND o.status <> 'cancelled'
      AND o.ordered_at < $as_of_utc
      AND o.order_id IN (SELECT order_id FROM visits WHERE order_rank = 1)
    GROUP BY o.order_id, o.status, o.discount
)
SELECT
    v.channel,
    v.source,
    v.medium,
    v.device,
    count(*) AS sessions,
    count(*) FILTER (WHERE v.pageviews >= 2) AS engaged_sessions,      -- saw at least two pages
    count(v.order_id) AS converted_sessions,                           -- carries an order id (any status)
    count(r.order_id) AS order_count,                                  -- attributed orders, not cancelled
    count(r.order_id) FILTER (WHERE r.status <> 'pending') AS paid_order_count,  -- payment completed
    CAST(coalesce(sum(r.revenue), 0) AS DOUBLE) AS revenue
FROM visits AS v
LEFT JOIN order_revenue AS r ON r.order_id = v.order_id AND v.order_rank = 1
GROUP BY ALL
ORDER BY sessions DESC, v.channel, v.source, v.medium, v.device
