-- Daily revenue per store: product lines net of line discounts, minus order-level discounts, cancelled orders
-- excluded (shipping and fees are not revenue; returns are reported apart). The rule of kpi_totals.sql.
-- Grain: one row per store and local day from $from to $to (both included); days without orders show 0.
-- Days are calendar days in each store's own time zone (sellers.timezone); times are stored in UTC.
WITH kept_orders AS (
    SELECT
        o.seller_id,
        o.order_id,
        o.discount,                                                            -- order-level discount
        CAST(timezone(s.timezone, o.ordered_at AT TIME ZONE 'UTC') AS DATE) AS day  -- the store's local day
    FROM orders AS o
    JOIN sellers AS s USING (seller_id)
    WHERE o.status <> 'cancelled'
      -- a cheap UTC pre-filter a day wider on each side (time zones are within 14 h of UTC)
      AND o.ordered_at >= CAST($from AS DATE) - INTERVAL 1 DAY
      AND o.ordered_at < CAST($to AS DATE) + INTERVAL 2 DAY
),
product_revenue_by_order AS (
    SELECT seller_id, order_id, sum(quantity * unit_price - discount) AS product_revenue
    FROM order_items
    WHERE line_type = 'product'
      AND ordered_at >= CAST($from AS DATE) - INTERVAL 1 DAY
      AND ordered_at < CAST($to AS DATE) + INTERVAL 2 DAY
    GROUP BY seller_id, order_id
),
daily AS (
    SELECT
        o.seller_id,
        o.day,
        sum(coalesce(l.product_revenue, 0) - o.discount) AS revenue,
        count(*) AS order_count
    FROM kept_orders AS o
    LEFT JOIN product_revenue_by_order AS l USING (seller_id, order_id)
    WHERE o.day BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
    GROUP BY o.seller_id, o.day
),
calendar AS (
    -- every store and every day of the range, so quiet days show 0 instead of being missing
    SELECT s.seller_id, CAST(g.d AS DATE) AS day
    FROM sellers AS s
    CROSS JOIN generate_series(CAST($from AS DATE), CAST($to AS DATE), INTERVAL 1 DAY) AS g(d)
)
SELECT
    c.seller_id,
    c.day,
    CAST(coalesce(d.revenue, 0) AS DOUBLE) AS revenue,   -- in the store's currency (sellers.currency)
    coalesce(d.order_count, 0) AS order_count
FROM calendar AS c
LEFT JOIN daily AS d USING (seller_id, day)
ORDER BY c.seller_id, c.day
