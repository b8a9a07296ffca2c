-- ads_line_totals: ad spend and results of one seller per ad line over local stat dates [$start_date, $end_date].
-- Grain: one row per platform, campaign, ad_group, keyword that has a row in the window.
-- Daily and hourly rows: a line-day with hourly rows is counted from its hourly rows only (a daily row for the
-- same line and day would be the same traffic again); a line-day with only a daily row is counted from it.
WITH window_rows AS (
    SELECT *
    FROM ad_stats
    WHERE seller_id = $seller_id
      AND stat_date BETWEEN $start_date AND $end_date
),
hourly_line_days AS (
    SELECT DISTINCT stat_date, platform, campaign, ad_group, keyword
    FROM window_rows
    WHERE stat_hour IS NOT NULL
),
counted_rows AS (
    SELECT * FROM window_rows WHERE stat_hour IS NOT NULL
    UNION ALL
    SELECT d.*
    FROM window_rows AS d
    ANTI JOIN hourly_line_days AS h USING (stat_date, platform, campaign, ad_group, keyword)
    WHERE d.stat_hour IS NULL
)
SELECT
    platform,
    campaign,
    ad_group,
    keyword,                                               -- '' for lines without a keyword (shopping, auto)
    CAST(sum(cost) AS DOUBLE) AS spend,
    CAST(sum(impressions) AS BIGINT) AS impressions,
    CAST(sum(clicks) AS BIGINT) AS clicks,
    CAST(sum(conversions) AS BIGINT) AS conversions,
    CAST(sum(conversion_revenue) AS DOUBLE) AS conversion_revenue,  -- as the platform attributes it
    count(DISTINCT stat_date) AS active_day_count           -- local days with at least one row
FROM counted_rows
GROUP BY platform, campaign, ad_group, keyword
ORDER BY platform, campaign, ad_group, keyword
