-- customers_purchase_days: each identified customer's purchase days up to $as_of_utc, spend in exact hundredths.
-- Grain: one row per customer and local calendar day (seller's zone $tz) with at least one kept order, sorted by
-- customer_id and day: the one scan the customers report derives its summaries, RFM, cohorts and backtest from,
-- each customer's days one run of rows (analytics/customers.customer_runs).
-- Kept orders: not cancelled, with a customer id (guests cannot be followed), before $as_of_utc; several orders
-- on one day are one transaction (BG/NBD, RFM). revenue_cents = that day's spend × 100 as an exact integer
-- (money is DECIMAL(18, 2)), so sums over days stay exact (as the SQL summary's DECIMAL sums are).
-- Orders come with their product lines already summed (rollup_order_totals, data/rollups.py, for
-- [$start_utc, $end_utc) = [the beginning, $as_of_utc)): spend = product lines net of line discounts (shipping and
-- fees excluded) minus the order discount, as in the revenue metric.
SELECT
    customer_id,
    CAST(timezone($tz, ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date,
    count(*) AS order_count,                                                  -- orders placed that day
    CAST(sum(product_revenue - discount) * 100 AS BIGINT) AS revenue_cents    -- spend × 100
FROM {{rollup_order_totals}}
WHERE status <> 'cancelled'
  AND customer_id IS NOT NULL
GROUP BY ALL
ORDER BY customer_id, order_date
