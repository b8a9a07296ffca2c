-- kpi_totals: the additive parts of the home KPIs for one seller in one UTC window [$start_utc, $end_utc).
-- Grain: exactly one row. Metric definitions: analytics/metrics.py. The home tiles and the real-time tiles
-- (today so far vs the same span yesterday / last week) both read it.
WITH kept_orders AS (
    -- orders count unless cancelled (paid, pending and refunded orders stay; returns are reported apart)
    SELECT order_id, discount
    FROM orders
    WHERE seller_id = $seller_id
      AND ordered_at >= $start_utc AND ordered_at < $end_utc
      AND status <> 'cancelled'
),
product_lines AS (
    -- order_items.ordered_at is a copy of orders.ordered_at, so the same window selects the same orders' lines
    SELECT i.quantity, i.quantity * i.unit_price - i.discount AS line_revenue
    FROM order_items AS i
    SEMI JOIN kept_orders AS o ON o.order_id = i.order_id
    WHERE i.seller_id = $seller_id
      AND i.ordered_at >= $start_utc AND i.ordered_at < $end_utc
      AND i.line_type = 'product'
),
visits AS (
    SELECT
        count(*) AS session_count,
        count(*) FILTER (WHERE order_id IS NOT NULL) AS converted_session_count  -- sessions carrying an order id
    FROM sessions
    WHERE seller_id = $seller_id
      AND started_at >= $start_utc AND started_at < $end_utc
)
SELECT
    -- revenue: product lines net of line discounts, minus order-level discounts (shipping excluded)
    CAST(coalesce((SELECT sum(line_revenue) FROM product_lines), 0)
         - coalesce((SELECT sum(discount) FROM kept_orders), 0) AS DOUBLE) AS revenue,
    (SELECT count(*) FROM kept_orders) AS order_count,
    CAST(coalesce((SELECT sum(quantity) FROM product_lines), 0) AS BIGINT) AS unit_count,  -- product units sold
    visits.session_count,
    visits.converted_session_count
FROM visits
