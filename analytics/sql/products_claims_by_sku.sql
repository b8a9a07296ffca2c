-- products_claims_by_sku: returns and exchanges per product for one seller, by claim time in [$start_utc, $end_utc).
-- Grain: one row per sku with product-line claims of type return or exchange in the window.
-- Cancellations (claim_type 'cancel') are left out: cancelled orders are not sales in the first place.
SELECT
    coalesce(sku, '?') AS sku,
    CAST(sum(quantity) AS BIGINT) AS claimed_units,                                   -- returned + exchanged units
    CAST(coalesce(sum(quantity) FILTER (WHERE claim_type = 'return'), 0) AS BIGINT) AS returned_units,
    CAST(coalesce(sum(amount) FILTER (WHERE claim_type = 'return'), 0) AS DOUBLE) AS refund_amount,  -- money back
    count(*) AS claim_count
FROM returns
WHERE seller_id = $seller_id
  AND returned_at >= $start_utc AND returned_at < $end_utc
  AND line_type = 'product'
  AND claim_type IN ('return', 'exchange')
GROUP BY 1
ORDER BY 1
