-- customers_purchase_days: each identified customer's purchase days up to $as_of_utc, spend in exact hundredths.
-- Grain: one row per customer and local calendar day (seller's zone $tz) with at least one kept order, in no
-- particular order. The one scan the customers report derives its summaries, RFM, cohorts and backtest from.
-- Kept orders: not cancelled, with a customer id (guests cannot be followed), before $as_of_utc; several orders
-- on one day are one transaction (BG/NBD, RFM). revenue_cents = that day's spend × 100 as an exact integer
-- (money is DECIMAL(18, 2)), so sums over days stay exact (as the SQL summary's DECIMAL sums are).
WITH kept_orders AS (
    SELECT
        order_id,
        customer_id,
        discount,
        CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at < $as_of_utc
      AND status <> 'cancelled'
      AND customer_id IS NOT NULL
),
line_revenue_by_order AS (
    -- product lines net of line discounts (shipping and fees excluded), as in the revenue metric
    SELECT order_id, sum(quantity * unit_price - discount) AS product_revenue
    FROM order_items
    WHERE seller_id = $seller_id
      AND ordered_at < $as_of_utc
      AND line_type = 'product'
    GROUP BY order_id
)
SELECT
    o.customer_id,
    o.order_date,
    count(*) AS order_count,                                                          -- orders placed that day
    CAST(sum(coalesce(l.product_revenue, 0) - o.discount) * 100 AS BIGINT) AS revenue_cents  -- spend × 100
FROM kept_orders AS o
LEFT JOIN line_revenue_by_order AS l ON l.order_id = o.order_id
GROUP BY o.customer_id, o.order_date
