-- products_units_by_day_hourly: products_units_by_day read from rollup_sales_hourly (data/rollups.py), for seller
-- time zones whose UTC offset is a whole number of hours throughout [$start_utc, $end_utc): every UTC hour then
-- lies within one local day, so summing the hourly rows by the local date of their hour gives the same units as
-- the raw order lines (analytics/product_forecast.py picks this file only then; half-hour zones read the raw lines).
-- Grain: one row per sku and local order date with sales. Kept product lines only: the order exists and is not
-- cancelled; the sku key is the rollup's coalesce(sku, product_name, '?'), as in products_units_by_day.
SELECT
    sku,
    CAST(timezone($tz, hour AT TIME ZONE 'UTC') AS DATE) AS order_date,
    CAST(sum(units) AS BIGINT) AS units
FROM {{rollup_sales_hourly}}
WHERE kept AND line_type = 'product'
GROUP BY 1, 2
ORDER BY 1, 2
