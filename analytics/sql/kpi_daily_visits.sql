-- kpi_daily_visits: the visit parts of kpi_totals.sql from visits counted by day (traffic_stats, e.g. a Smart Store
-- 마케팅분석 download) of one seller in the UTC window [$start_utc, $end_utc): the local days (sellers.timezone) lying
-- wholly in the window that have no visit-level sessions (those days are read from the sessions); each order the
-- report attributes is a converted visit (traffic_period_session_counts.sql counts them the same way).
-- Grain: exactly one row. analytics/kpis.py adds it to kpi_totals for windows of a day or more of a seller who has
-- such rows, so the real-time windows (today so far) never pay for it.
WITH session_days AS (
    -- local days with visit-level sessions in the window (data/rollups.py: whole hours from the rollup)
    SELECT DISTINCT CAST(timezone(z.timezone, h.hour AT TIME ZONE 'UTC') AS DATE) AS stat_date
    FROM {{rollup_traffic_hourly}} AS h, sellers AS z
    WHERE z.seller_id = $seller_id
)
SELECT
    CAST(coalesce(sum(d.sessions), 0) AS BIGINT) AS session_count,
    CAST(coalesce(sum(d.orders), 0) AS BIGINT) AS converted_session_count
FROM traffic_stats AS d
JOIN sellers AS z ON z.seller_id = d.seller_id
WHERE d.seller_id = $seller_id
  AND d.stat_date >= CAST($start_utc AS DATE) - 1 AND d.stat_date <= CAST($end_utc AS DATE)
  AND (CAST(d.stat_date AS TIMESTAMP) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' >= $start_utc
  AND ((CAST(d.stat_date AS TIMESTAMP) + INTERVAL 1 DAY) AT TIME ZONE z.timezone) AT TIME ZONE 'UTC' <= $end_utc
  AND d.stat_date NOT IN (SELECT stat_date FROM session_days)
