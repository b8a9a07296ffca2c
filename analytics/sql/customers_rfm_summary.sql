-- customers_rfm_summary: the per-customer summary the BG/NBD and Gamma-Gamma models read, as of $as_of_utc.
-- Grain: one row per identified customer with a kept order before $as_of_utc.
-- Time is counted in whole local days (seller's zone $tz); $last_day is the last local day observed
-- (the day of as_of), so a customer who first bought on $last_day has T = 0.
-- Several orders on one local day are one transaction.
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
    SELECT order_id, sum(quantity * unit_price - discount) AS product_revenue
    FROM order_items
    WHERE seller_id = $seller_id
      AND ordered_at < $as_of_utc
      AND line_type = 'product'
    GROUP BY order_id
),
purchase_days AS (
    SELECT
        o.customer_id,
        o.order_date,
        count(*) AS order_count,
        sum(coalesce(l.product_revenue, 0) - o.discount) AS revenue
    FROM kept_orders AS o
    LEFT JOIN line_revenue_by_order AS l ON l.order_id = o.order_id
    GROUP BY o.customer_id, o.order_date
)
SELECT
    customer_id,
    count(*) - 1 AS frequency,                                         -- repeat purchase days
    date_diff('day', min(order_date), max(order_date)) AS recency_days, -- first to last purchase day
    date_diff('day', min(order_date), CAST($last_day AS DATE)) AS t_days, -- first purchase day to the last day observed
    -- mean spend of the repeat purchase days (the first purchase excluded, as Gamma-Gamma expects); 0 if none
    CAST(CASE WHEN count(*) > 1
              THEN (sum(revenue) - arg_min(revenue, order_date)) / (count(*) - 1)
              ELSE 0 END AS DOUBLE) AS monetary_value,
    min(order_date) AS first_order_date,
    max(order_date) AS last_order_date,
    sum(order_count) AS order_count,                                   -- all kept orders, first one included
    CAST(sum(revenue) AS DOUBLE) AS revenue                            -- all spend up to as_of
FROM purchase_days
GROUP BY customer_id
ORDER BY customer_id
