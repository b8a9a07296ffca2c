-- Ad efficiency per store, platform, campaign and keyword over stat dates $from to $to (both included; ad
-- platforms report days in the store's time zone).
-- spend = cost; ROAS = conversion revenue / spend; CPC = spend / clicks; CTR = clicks / impressions (NULL when
-- the divisor is 0). Conversion revenue is what the platform attributes to its ads.
-- A line-day with hourly rows is counted from its hourly rows only (a daily row for the same line and day would
-- be the same traffic again), as in ads_line_totals.sql. keyword is '' for lines without one (shopping, auto).
-- Grain: one row per store, platform, campaign and keyword (ad groups summed); most spend first.
WITH window_rows AS (
    SELECT *
    FROM ad_stats
    WHERE stat_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
),
hourly_line_days AS (
    SELECT DISTINCT seller_id, stat_date, platform, campaign, ad_group, keyword
    FROM window_rows
    WHERE stat_hour IS NOT NULL
),
counted_rows AS (
    SELECT * FROM window_rows WHERE stat_hour IS NOT NULL
    UNION ALL
    SELECT d.*
    FROM window_rows AS d
    ANTI JOIN hourly_line_days AS h USING (seller_id, stat_date, platform, campaign, ad_group, keyword)
    WHERE d.stat_hour IS NULL
),
totals AS (
    SELECT
        seller_id,
        platform,
        campaign,
        keyword,
        CAST(sum(cost) AS DOUBLE) AS spend,
        CAST(sum(impressions) AS BIGINT) AS impressions,
        CAST(sum(clicks) AS BIGINT) AS clicks,
        CAST(sum(conversions) AS BIGINT) AS conversions,
        CAST(sum(conversion_revenue) AS DOUBLE) AS conversion_revenue
    FROM counted_rows
    GROUP BY seller_id, platform, campaign, keyword
)
SELECT
    *,
    conversion_revenue / nullif(spend, 0) AS roas,
    spend / nullif(clicks, 0) AS cpc,
    CAST(clicks AS DOUBLE) / nullif(impressions, 0) AS ctr
FROM totals
ORDER BY seller_id, spend DESC, platform, campaign, keyword
