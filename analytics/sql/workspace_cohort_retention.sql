-- Monthly cohort retention: customers grouped by the month of their first purchase (cohorts starting in the
-- months of $from to $to), and the share of each cohort buying again k months later (retention is 1 at k = 0).
-- A purchase is a kept order (not cancelled) with a customer id (guests cannot be followed), up to the local day
-- $to; months are calendar months in the store's time zone. The rule of the customers page's cohort chart.
-- Grain: one row per store, cohort month and months since the first purchase that has buyers.
WITH purchases AS (
    SELECT
        o.seller_id,
        o.customer_id,
        CAST(timezone(s.timezone, o.ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date
    FROM orders AS o
    JOIN sellers AS s USING (seller_id)
    WHERE o.status <> 'cancelled'
      AND o.customer_id IS NOT NULL
      AND o.ordered_at < CAST($to AS DATE) + INTERVAL 2 DAY      -- UTC pre-filter
),
active_months AS (
    SELECT DISTINCT seller_id, customer_id, CAST(date_trunc('month', order_date) AS DATE) AS active_month
    FROM purchases
    WHERE order_date <= CAST($to AS DATE)
),
cohorts AS (
    SELECT seller_id, customer_id, min(active_month) AS cohort_month
    FROM active_months
    GROUP BY seller_id, customer_id
    HAVING min(active_month) BETWEEN CAST(date_trunc('month', CAST($from AS DATE)) AS DATE) AND CAST($to AS DATE)
),
cohort_sizes AS (
    SELECT seller_id, cohort_month, count(*) AS cohort_size
    FROM cohorts
    GROUP BY seller_id, cohort_month
)
SELECT
    c.seller_id,
    c.cohort_month,
    date_diff('month', c.cohort_month, a.active_month) AS months_since_first,
    count(*) AS active_customers,
    z.cohort_size,
    CAST(count(*) AS DOUBLE) / z.cohort_size AS retention
FROM cohorts AS c
JOIN active_months AS a USING (seller_id, customer_id)
JOIN cohort_sizes AS z USING (seller_id, cohort_month)
GROUP BY c.seller_id, c.cohort_month, months_since_first, z.cohort_size
ORDER BY c.seller_id, c.cohort_month, months_since_first
