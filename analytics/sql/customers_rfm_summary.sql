-- customers_rfm_summary: the per-customer summary the BG/NBD and Gamma-Gamma models read, as of $as_of_utc.
-- Grain: one row per identified customer with a kept order before $as_of_utc.
-- Time is counted in whole local days (seller's zone $tz); $last_day is the last local day observed
-- (the day of as_of), so a customer who first bought on $last_day has T = 0.
-- Several orders on one local day are one transaction.
WITH purchase_days AS (
    -- orders with their product lines already summed (rollup_order_totals, data/rollups.py, for
    -- [$start_utc, $end_utc) = [the beginning, as_of)); spend = product lines net of line discounts minus the
    -- order discount, as in the revenue metric
    SELECT
        customer_id,
        CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date,
        count(*) AS order_count,
        sum(product_revenue - discount) AS revenue
    FROM {{rollup_order_totals}}
    WHERE status <> 'cancelled'
      AND customer_id IS NOT NULL
    GROUP BY ALL
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
