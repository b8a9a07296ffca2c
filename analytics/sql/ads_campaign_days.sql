-- ads_campaign_days: ad spend and results of one seller per campaign and local stat date in [$start_date, $end_date].
-- Grain: one row per stat_date, platform, campaign with at least one row (days without rows are absent).
-- Daily and hourly rows: as in ads_line_totals, a line-day with hourly rows counts its hourly rows only.
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
    stat_date,
    platform,
    campaign,
    CAST(sum(cost) AS DOUBLE) AS spend,
    CAST(sum(impressions) AS BIGINT) AS impressions,
    CAST(sum(clicks) AS BIGINT) AS clicks,
    CAST(sum(conversions) AS BIGINT) AS conversions,
    CAST(sum(conversion_revenue) AS DOUBLE) AS conversion_revenue
FROM counted_rows
GROUP BY stat_date, platform, campaign
ORDER BY platform, campaign, stat_date
