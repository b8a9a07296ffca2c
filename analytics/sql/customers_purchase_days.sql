-- customers_purchase_days: each identified customer's kept orders up to $as_of_utc with their local day, spend in
-- exact hundredths, sorted by customer_id and day: the one scan the customers report derives its summaries, RFM,
-- cohorts and backtest from (analytics/customers.purchase_days sums each customer's orders of one day into one
-- purchase day, a run of adjacent rows, and the customer's days are then one run of rows: customer_runs).
-- Grain: one row per kept order (not cancelled, with a customer id: guests cannot be followed, before $as_of_utc);
-- several orders on one local day (seller's zone $tz) are one transaction (BG/NBD, RFM). spend_cents = the order's
-- spend × 100 as an exact integer (money is DECIMAL(18, 2)), so sums over orders and days stay exact (as the SQL
-- summary's DECIMAL sums are).
-- Orders come with their product lines already summed (rollup_order_totals, data/rollups.py, for
-- [$start_utc, $end_utc) = [the beginning, $as_of_utc)): spend = product lines net of line discounts (shipping and
-- fees excluded) minus the order discount, as in the revenue metric.
-- Speed: the sorted rows are summed per day in memory (adjacent runs); a GROUP BY over millions of (text id, day)
-- groups, nearly one order each, cost more than the sort itself. The local day is the UTC time plus the zone's
-- offset, looked up once per UTC hour holding an order (thousands of hours, not millions of orders, go through the
-- time-zone rules). An hour whose offset differs at its first and last microsecond holds a change of offset
-- (summer time begins or ends): its orders are converted one by one. Zones change their offset at most once within
-- an hour.
WITH kept AS (
    SELECT customer_id, ordered_at, product_revenue - discount AS spend
    FROM {{rollup_order_totals}}
    WHERE status <> 'cancelled'
      AND customer_id IS NOT NULL
),
hour_offsets AS (
    SELECT
        hour,
        timezone($tz, hour AT TIME ZONE 'UTC') - hour AS offset_start,
        timezone($tz, last_moment AT TIME ZONE 'UTC') - last_moment AS offset_end
    FROM (SELECT hour, hour + INTERVAL 1 HOUR - INTERVAL 1 MICROSECOND AS last_moment
          FROM (SELECT DISTINCT date_trunc('hour', ordered_at) AS hour FROM kept))
),
local_days AS (
    SELECT
        k.customer_id,
        CAST(CASE WHEN h.offset_start = h.offset_end THEN k.ordered_at + h.offset_start
                  ELSE timezone($tz, k.ordered_at AT TIME ZONE 'UTC') END AS DATE) AS order_date,
        k.spend
    FROM kept AS k
    JOIN hour_offsets AS h ON h.hour = date_trunc('hour', k.ordered_at)
)
SELECT
    customer_id,
    order_date,
    CAST(spend * 100 AS BIGINT) AS spend_cents                                -- the order's spend × 100
FROM local_days
ORDER BY customer_id, order_date
