-- traffic_daily_visits: visits counted by day (traffic_stats, e.g. a Smart Store 마케팅분석 download) of one seller
-- per local day in [$first_day, $last_day], with the orders the report attributes to them (each a converted visit).
-- Grain: one row per day that has such rows. The daily alert series (alerts/series.py) uses them on the days
-- without visit-level sessions, as the reports do (traffic_period_session_counts.sql).
SELECT
    stat_date AS local_date,
    CAST(sum(sessions) AS BIGINT) AS session_count,
    CAST(sum(orders) AS BIGINT) AS converted_session_count
FROM traffic_stats
WHERE seller_id = $seller_id
  AND stat_date >= $first_day AND stat_date <= $last_day
GROUP BY stat_date
ORDER BY stat_date
