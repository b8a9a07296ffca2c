-- RFM segments: each customer who bought on local days $from to $to, scored 1-5 on recency, frequency and
-- monetary value within their store, and put in a segment. The rules of the customers page:
-- R = quintile of days since the last purchase (5 = most recent); F = purchase days 1, 2, 3, 4-5, 6+ -> 1..5
-- (absolute, because most customers buy once and quintiles of ties mean nothing); M = quintile of spend.
-- Quintile = floor((average rank - 1) × 5 / customers) + 1. Segments, first match: champions R>=4 & F>=4;
-- loyal R>=3 & F>=3; new R>=4 & F=1; potential_loyalists R>=3; cant_lose F>=4; at_risk F>=2; hibernating.
-- A purchase day is a local day with kept orders (not cancelled); spend follows the revenue rule (product lines
-- net of line discounts, minus order discounts). Recency is counted to $to.
-- Grain: one row per store and customer; biggest spenders first.
WITH kept_orders AS (
    SELECT
        o.seller_id,
        o.customer_id,
        o.order_id,
        o.discount,
        CAST(timezone(s.timezone, o.ordered_at AT TIME ZONE 'UTC') AS DATE) AS order_date
    FROM orders AS o
    JOIN sellers AS s USING (seller_id)
    WHERE o.status <> 'cancelled'
      AND o.customer_id IS NOT NULL
      AND o.ordered_at >= CAST($from AS DATE) - INTERVAL 1 DAY   -- UTC pre-filter, a day wider each side
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
per_customer AS (
    SELECT
        o.seller_id,
        o.customer_id,
        max(o.order_date) AS last_order_date,
        date_diff('day', max(o.order_date), CAST($to AS DATE)) AS days_since_last,
        count(DISTINCT o.order_date) AS purchase_days,
        count(*) AS order_count,
        CAST(sum(coalesce(l.product_revenue, 0) - o.discount) AS DOUBLE) AS revenue
    FROM kept_orders AS o
    LEFT JOIN product_revenue_by_order AS l USING (seller_id, order_id)
    WHERE o.order_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
    GROUP BY o.seller_id, o.customer_id
),
ranked AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY seller_id) AS customer_count,
        -- average ranks (ties share the mean of their ranks); oldest last purchase = rank 1
        rank() OVER (PARTITION BY seller_id ORDER BY days_since_last DESC)
            + (count(*) OVER (PARTITION BY seller_id, days_since_last) - 1) / 2.0 AS recency_rank,
        rank() OVER (PARTITION BY seller_id ORDER BY revenue)
            + (count(*) OVER (PARTITION BY seller_id, revenue) - 1) / 2.0 AS spend_rank
    FROM per_customer
),
scored AS (
    SELECT
        seller_id, customer_id, last_order_date, days_since_last, purchase_days, order_count, revenue,
        least(greatest(CAST(floor((recency_rank - 1) * 5 / customer_count) AS BIGINT) + 1, 1), 5) AS r_score,
        CASE WHEN purchase_days >= 6 THEN 5 WHEN purchase_days >= 4 THEN 4 ELSE purchase_days END AS f_score,
        least(greatest(CAST(floor((spend_rank - 1) * 5 / customer_count) AS BIGINT) + 1, 1), 5) AS m_score
    FROM ranked
)
SELECT
    *,
    concat(r_score, f_score, m_score) AS rfm,
    CASE WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
         WHEN r_score >= 3 AND f_score >= 3 THEN 'loyal'
         WHEN r_score >= 4 AND f_score = 1 THEN 'new'
         WHEN r_score >= 3 THEN 'potential_loyalists'
         WHEN f_score >= 4 THEN 'cant_lose'
         WHEN f_score >= 2 THEN 'at_risk'
         ELSE 'hibernating' END AS segment
FROM scored
ORDER BY seller_id, revenue DESC, customer_id
