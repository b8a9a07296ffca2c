"""UI strings (ko/en) and metric definitions of the products area; keys start with "products."."""

from __future__ import annotations

from analytics.metric_model import Metric

STRINGS: dict[str, dict[str, str]] = {
    "products.caption": {"ko": "{name} · {start} ~ {end} · 이전 기간({prev_start} ~ {prev_end}) 대비",
                         "en": "{name} · {start} to {end} · compared with {prev_start} to {prev_end}"},
    "products.costs.none": {
        "ko": "마진과 이익은 알 수 없습니다: 팔린 상품 중 원가가 있는 상품이 없습니다. 데이터 화면에서 unit_cost가 있는 "
              "상품 파일(products)을 올리면 계산됩니다.",
        "en": "Margin and profit are unknown: no product sold has a unit cost. Load a products file with unit_cost "
              "(Data page) to see them."},
    "products.costs.partial": {
        "ko": "마진과 이익은 원가가 있는 상품 {costed}개(팔린 {products}개 중, 매출의 {share})만 계산했습니다. 나머지는 "
              "unit_cost가 있는 상품 파일(products)을 올리면 더해집니다.",
        "en": "Margin and profit cover the {costed} of {products} products sold that have a unit cost ({share} of "
              "revenue). Load a products file with unit_cost for the others."},
    "products.no_sales": {"ko": "선택한 기간에 팔린 상품이 없습니다. 기간을 바꿔 보세요.",
                          "en": "No product sold in the selected range. Try other dates."},
    "products.tab.ranking": {"ko": "순위", "en": "Ranking"},
    "products.tab.movers": {"ko": "급상승·급하락", "en": "Movers"},
    "products.tab.abc": {"ko": "ABC 분석", "en": "ABC"},
    "products.tab.profitability": {"ko": "수익성", "en": "Profitability"},
    "products.tab.trouble": {"ko": "반품 이상", "en": "Trouble"},
    "products.tab.reorder": {"ko": "발주 추천", "en": "Reorder advice"},
    "products.rank_by": {"ko": "정렬 기준", "en": "Rank by"},
    "products.rank_by.revenue": {"ko": "매출", "en": "Revenue"},
    "products.rank_by.units": {"ko": "판매 수량", "en": "Units"},
    "products.rank_by.margin": {"ko": "마진", "en": "Margin"},
    "products.rule": {"ko": "규칙: {rule}", "en": "Rule: {rule}"},
    "products.movers.none": {"ko": "통계적으로 의미 있는 변화를 보인 상품이 없습니다 (우연한 변동은 제외).",
                             "en": "No product changed significantly (chance variation is left out)."},
    "products.movers.rising": {"ko": "상승 중", "en": "Rising"},
    "products.movers.falling": {"ko": "하락 중", "en": "Falling"},
    "products.movers.line": {
        "ko": "**{name}**: 주문 {prev}건 → {now}건, 스토어 주문 중 비중 {share_prev} → {share_now} (p={p})",
        "en": "**{name}**: {prev} → {now} orders, share of store orders {share_prev} → {share_now} (p={p})"},
    "products.abc.summary": {"ko": "{cls}등급: 상품 {count}개, 매출의 {share}",
                             "en": "Class {cls}: {count} products, {share} of revenue"},
    "products.profit.ad_rule.ads_landing_revenue": {
        "ko": "광고비 배분: 광고 방문이 도착한 상품별 주문 매출 비율로 나눴습니다.",
        "en": "Ad spend split by the revenue of orders from ad visits landing on each product."},
    "products.profit.ad_rule.revenue_share": {
        "ko": "광고비 배분: 광고 방문 주문이 없어 상품별 매출 비율로 나눴습니다.",
        "en": "Ad spend split by revenue share (no ad visit converted in the period)."},
    "products.profit.ad_rule.no_spend": {"ko": "이 기간에는 광고비가 없습니다.", "en": "No ad spend in the period."},
    "products.profit.ad_rule.unattributed": {"ko": "광고비를 배분할 매출이 없습니다.",
                                             "en": "No revenue to share the ad spend out to."},
    "products.profit.losing": {"ko": "광고비·반품까지 빼면 손실인 상품 {count}개", "en": "{count} products lose money "
                                                                                "after refunds and ad spend"},
    "products.trouble.flagged": {
        "ko": "⚠️ **{name}**: 최근 14일 반품·교환율 {rate} ({claims}/{units}개), 평소 {own} · 스토어 {store}",
        "en": "⚠️ **{name}**: claim rate {rate} in the last 14 days ({claims} of {units} units), "
              "usually {own} · store {store}"},
    "products.trouble.none": {"ko": "최근 14일 동안 반품·교환이 비정상적으로 많은 상품은 없습니다.",
                              "en": "No product has unusually many returns or exchanges in the last 14 days."},
    "products.trouble.window": {"ko": "최근 창: {start} ~ 지금 · 비교 이력: 그 전 8주",
                                "en": "Recent window: {start} to now · history: the 8 weeks before"},
    "products.reorder.out_of_stock": {
        "ko": ":material/block: **{name}**: {since}부터 품절, 하루 약 {lost}개 판매 기회 손실 · 추천 발주 {qty}개",
        "en": ":material/block: **{name}**: out of stock since {since}, about {lost} sales lost per day · suggested order {qty}"},
    "products.reorder.pick": {"ko": "수요 예측을 볼 상품", "en": "Product to forecast"},
    "products.reorder.fit": {"ko": "방법 {method} · 재고 있는 날 {days}일 · 하루 수요 {mean}개",
                             "en": "Method {method} · {days} in-stock days · {mean} units a day"},
    "products.reorder.safety_ets_replay": {
        "ko": "안전계수 z = {z}: 계절 모델이 쓰이는 판매 상위 상품(최대 {products}개)을 최근 {weeks}개 시점(일주일 간격)으로 "
              "되돌려, 그날까지의 {history}일로 다시 맞춘 예측 {n}건 중 {service}가 실제 판매 ≤ 예측 + {z} × 편차였습니다. "
              "정규분포라면 {normal}.",
        "en": "Safety factor z = {z}: the seasonal model, refitted on the {history} days up to each of {weeks} past "
              "days a week apart for the store's best sellers using it (up to {products}), made {n} forecasts, and "
              "for {service} of them the units really sold were at most forecast + {z} deviations. A normal "
              "distribution would need {normal}."},
    "products.reorder.safety_mean_replay": {
        "ko": "안전계수 z = {z}: 이 스토어의 지난 예측 {n}건(최근 {history}일 안의 각 날에서 최근 평균으로 되짚은 "
              "리드타임 + 검토 기간 수요) 중 {service}가 예측 + {z} × 편차 안에 들었습니다. 정규분포라면 {normal}.",
        "en": "Safety factor z = {z}: of this store's {n} past forecasts (the demand over lead time + review, "
              "replayed with the recent mean from each day of the last {history} days), {service} fell within "
              "forecast + {z} deviations. A normal distribution would need {normal}."},
    "products.reorder.safety_normal": {
        "ko": "안전계수 z = {z}: 목표 서비스 수준 {service}의 정규 분위수. 이 스토어의 지난 예측 {n}건으로는 "
              "더 크게 잡을 근거가 없습니다({min}건 이상에서 보정).",
        "en": "Safety factor z = {z}: the normal quantile of the {service} service level. This store's {n} past "
              "forecasts give no reason for more (calibrated from {min} on)."},
    "products.reorder.none": {"ko": "재고·판매 이력이 없어 발주 추천을 만들 수 없습니다.",
                              "en": "No stock or sales history to advise on."},
    "products.status.out_of_stock": {"ko": "품절", "en": "Out of stock"},
    "products.status.reorder": {"ko": "발주 필요", "en": "Reorder"},
    "products.status.ok": {"ko": "충분", "en": "OK"},
    "products.status.no_demand": {"ko": "수요 없음", "en": "No demand"},
    # the rules behind each section ({placeholders} are filled from the constants in analytics/products.py)
    "products.rules.ranking": {
        "ko": "상품 라인만(order_items.line_type = 'product'), 취소되지 않은 주문, 주문 시각 기준. 매출 = 수량 × 단가 − 라인 "
              "할인 − 주문 할인 중 이 라인 몫(라인 금액 비례). 마진 = 매출 − products.unit_cost × 수량. 바로 앞 같은 "
              "길이 기간과 비교.",
        "en": "Product lines only (order_items.line_type = 'product') of orders not cancelled, by order time. "
              "revenue = quantity × unit price − line discount − the line's share of the order discount (shared by "
              "net amount); margin = revenue − products.unit_cost × units. Change vs the previous period of equal "
              "length."},
    "products.rules.movers": {
        "ko": "상품의 두 기간 주문 수 중 이번 기간 비율을 스토어 주문의 이번 기간 비율과 비교하는 정확 이항검정(양측). 두 "
              "기간 합 {min_orders}건 이상인 상품만 검정하고, 검정한 상품 전체에 Benjamini–Hochberg 거짓 발견율 "
              "기준 {fdr}(으)로 보정합니다. 스토어 주문 중 비중이 커지면 상승, 작아지면 하락(스토어 전체 증감은 제외).",
        "en": "Exact two-sided binomial test on the product's orders: of its orders in both periods, the share in "
              "this period against the store's share of orders in this period, for products with at least "
              "{min_orders} orders in the two periods. Significant at a false discovery rate of {fdr} "
              "(Benjamini–Hochberg over the products tested); rising when its share of store orders grew, falling "
              "when it shrank (a store-wide drop moves no product)."},
    "products.rules.abc": {
        "ko": "매출 순 정렬. A = 누적 매출 {a} 까지의 상위 상품, B = 다음 {b}, C = 나머지.",
        "en": "Products sorted by revenue; A = the top products whose revenue reaches {a} of the total, B = the "
              "next {b}, C = the rest."},
    "products.rules.profitability": {
        "ko": "이익 = 총판매액 − 할인(라인 + 주문 할인 몫) − 원가 × 수량 − 환불(기간 중 접수된 반품의 returns.amount) − "
              "광고비. 광고비: 기간 현지 날짜의 ad_stats.cost 전체를, 광고 채널 방문이 도착한 상품별 주문 매출 비율로 "
              "배분(광고 방문 주문이 없으면 매출 비율).",
        "en": "profit = gross sales − discounts (line + share of order discount) − unit cost × units − refunds "
              "(returns.amount of claim_type 'return' by return time in the period) − ad spend. Ad spend: all "
              "ad_stats.cost of the period's local dates, shared out to products in proportion to the revenue of "
              "orders from 'ads' visits that landed on the product (by revenue share when no ads visit converted)."},
    "products.rules.trouble": {
        "ko": "반품·교환율 = 반품 + 교환 수량 ÷ 판매 수량, 최근 {recent}일(오늘 포함). 검정은 수량이 아니라 건수로: 한 번의 "
              "반품은 그 줄의 수량을 통째로 돌려보내므로(3개 반품 1건은 사건 1개), 최근 {recent}일 반품·교환 건수 ÷ 그 상품이 "
              "든 주문 수를 상품 자신의 직전 {weeks}주 비율(스토어 비율 주문 {prior}건 분량으로 보정)과 같은 기간 스토어 "
              "비율에 대해 각각 단측 정확 이항검정, 둘 중 큰 p값 사용. 판매 {min_units}개 이상 상품에 Benjamini–Hochberg "
              "거짓 발견율 {fdr}, 반품·교환 {min_claims}건 이상일 때 표시. '평소 비율' 열은 같은 이력의 수량 비율(같은 방식으로 "
              "보정).",
        "en": "Claim rate = returned + exchanged units ÷ units sold, last {recent} local days up to now. The test counts "
              "claims, not units: a claim takes back its whole line, so one return of 3 units is one event. Claims "
              "(return rows) per order carrying the product in the last {recent} days, against the product's own "
              "previous {weeks} weeks (shrunk toward the store's with {prior} pseudo-orders) and the store's over "
              "those weeks: one-sided exact binomial test against each, the larger p-value counts. Flagged at a "
              "false discovery rate of {fdr} (Benjamini–Hochberg over products with at least {min_units} units "
              "sold) and with at least {min_claims} separate claims. The 'usual rate' column is that history's unit "
              "rate, shrunk the same way."},
    "products.rules.reorder": {
        "ko": "최근 {history}일(어제까지) 판매로 일수요를 학습하고, 재고 0이면서 판매가 없는 날은 제외(품절로 수요가 "
              "가려짐). 하루 {ets_mean}개 이상, 재고 있는 날 {ets_days}일 이상, 품절일 없음: statsmodels ETS(가법 오차, "
              "추세 없음, 주간 계절성)와 {interval} 예측 구간(스토어당 최대 {ets_max}개 상품: 재고 데이터가 있는 상품, "
              "그다음 판매 수량 순). 그 밖: 최근 재고 있는 28일 평균과 포아송/음이항 {interval} "
              "구간. 재고 소진까지 = 현재 재고 ÷ 예측 일수요. 추천 발주량 = (리드타임 + {review}일 검토 주기) 예측 수요 × "
              "(1 − 반품률: 이력 기간 반품 수량 ÷ 판매 수량, 최대 {max_return}) + 안전재고 z × σ × √(리드타임 + {review}일)"
              "(다음다음 입고까지의 수요 편차, 최근 평균이면 평균 자체의 오차 포함; 목표 서비스 수준 {service}; z는 "
              "스토어 자신의 지난 예측 오차(실제 − 예측, 편차 단위)의 {service} 분위, 정규 분위수보다 작으면 정규 분위수: 계절 "
              "모델을 쓰는 판매 상위 {replay_products}개 상품을 최근 {replay_origins}개 시점(일주일 간격)으로 되돌려 그날까지의 "
              "데이터로 다시 맞춘 예측, 그것이 {min_scores}건 미만이면 이력의 각 날에서 최근 재고 있는 28일 평균으로 되짚은 예측, "
              "그것도 {min_scores}건 미만이면 정규 분위수) − 현재 재고 − 입고 예정, 올림, 최소 0. 리드타임이 없으면 {lead}일. 품절: 현재 재고 0이고 일수요 "
              "{min_demand}개 이상, 일 손실 판매 = 예측 일수요.",
        "en": "Daily demand is learnt from the last {history} full local days; days with no stock (snapshot on_hand "
              "0 and no sales) are left out as censored. Products selling at least {ets_mean} unit a day with "
              "{ets_days}+ in-stock days and no censored day use statsmodels ETS (additive error, no trend, additive "
              "weekly seasonality) with its {interval} prediction interval (at most {ets_max} products per store: those with "
              "stock data first, then by units sold); the others use the mean of the last 28 "
              "in-stock days with a Poisson / negative-binomial {interval} interval. Days of cover = latest on_hand "
              "÷ forecast daily demand. Reorder = forecast demand over (lead time + {review}-day review) × (1 − "
              "return rate of the history window, returned units ÷ units sold, capped at {max_return}) + safety "
              "stock z × σ × √(lead time + {review} days) (the deviation of demand until the delivery after next; for a "
              "recent mean, with that mean's own error; target service level {service}; z is the {service} quantile of the store's own past "
              "errors (units really sold − forecast, in deviations), or the normal quantile when that is larger: "
              "the seasonal model refitted on what was known at {replay_origins} past days a week apart, for the "
              "{replay_products} best sellers using it; with fewer than {min_scores} such forecasts, the recent mean "
              "replayed from each day of the history; with fewer still, the normal quantile) − on_hand − inbound, rounded up, never below 0; "
              "lead time {lead} days when unknown. Out of stock: latest on_hand 0 while demand is at least "
              "{min_demand} unit a day; lost sales per day = the forecast demand."},
    # charts
    "products.chart.revenue": {"ko": "매출", "en": "Revenue"},
    "products.chart.units": {"ko": "수량", "en": "Units"},
    "products.chart.units_sold": {"ko": "판매 수량", "en": "Units sold"},
    "products.chart.cumulative_share": {"ko": "누적 매출 비중 (%)", "en": "Cumulative share of revenue (%)"},
    "products.chart.pareto": {"ko": "파레토: 상품별 매출과 누적 비중", "en": "Pareto: revenue by product and cumulative share"},
    "products.chart.previous_period": {"ko": "이전 기간", "en": "Previous period"},
    "products.chart.this_period": {"ko": "이번 기간", "en": "This period"},
    "products.chart.top_by_revenue": {"ko": "매출 상위 상품", "en": "Top products by revenue"},
    "products.chart.top_by_units": {"ko": "판매 수량 상위 상품", "en": "Top products by units"},
    "products.chart.top_by_margin": {"ko": "마진 상위 상품", "en": "Top products by margin"},
    "products.chart.forecast": {"ko": "예측", "en": "Forecast"},
    "products.chart.interval": {"ko": "80% 예측 구간", "en": "80% interval"},
    "products.chart.out_of_stock_day": {"ko": "품절일", "en": "Out-of-stock day"},
    "products.chart.forecast_title": {"ko": "{name}: 일별 수요 예측", "en": "{name}: daily demand forecast"},
    # column headers
    "products.col.rank": {"ko": "순위", "en": "Rank"},
    "products.col.sku": {"ko": "상품 코드(SKU)", "en": "SKU"},
    "products.col.product_name": {"ko": "상품", "en": "Product"},
    "products.col.category": {"ko": "카테고리", "en": "Category"},
    "products.col.revenue": {"ko": "매출", "en": "Revenue"},
    "products.col.units": {"ko": "수량", "en": "Units"},
    "products.col.order_count": {"ko": "주문 수", "en": "Orders"},
    "products.col.cost": {"ko": "원가", "en": "Cost"},
    "products.col.margin": {"ko": "마진", "en": "Margin"},
    "products.col.margin_rate": {"ko": "마진율", "en": "Margin rate"},
    "products.col.revenue_change_pct": {"ko": "매출 증감", "en": "Revenue change"},
    "products.col.units_change_pct": {"ko": "수량 증감", "en": "Units change"},
    "products.col.margin_change_pct": {"ko": "마진 증감", "en": "Margin change"},
    "products.col.previous_revenue": {"ko": "이전 매출", "en": "Previous revenue"},
    "products.col.previous_units": {"ko": "이전 수량", "en": "Previous units"},
    "products.col.previous_order_count": {"ko": "이전 주문 수", "en": "Previous orders"},
    "products.col.order_share": {"ko": "주문 비중", "en": "Order share"},
    "products.col.previous_order_share": {"ko": "이전 주문 비중", "en": "Previous order share"},
    "products.col.p_value": {"ko": "p값", "en": "p-value"},
    "products.col.direction": {"ko": "방향", "en": "Direction"},
    "products.col.revenue_share": {"ko": "매출 비중", "en": "Revenue share"},
    "products.col.cumulative_share": {"ko": "누적 비중", "en": "Cumulative share"},
    "products.col.abc_class": {"ko": "등급", "en": "Class"},
    "products.col.gross_sales": {"ko": "총판매액", "en": "Gross sales"},
    "products.col.discounts": {"ko": "할인", "en": "Discounts"},
    "products.col.refunds": {"ko": "환불", "en": "Refunds"},
    "products.col.ad_spend": {"ko": "광고비", "en": "Ad spend"},
    "products.col.profit": {"ko": "이익", "en": "Profit"},
    "products.col.profit_margin": {"ko": "이익률", "en": "Profit margin"},
    "products.col.claimed_units": {"ko": "반품·교환 수량", "en": "Claimed units"},
    "products.col.claim_rate": {"ko": "반품·교환율", "en": "Claim rate"},
    "products.col.claim_rate_low": {"ko": "하한(95%)", "en": "Low (95%)"},
    "products.col.own_baseline": {"ko": "평소 비율", "en": "Usual rate"},
    "products.col.store_claim_rate": {"ko": "스토어 비율", "en": "Store rate"},
    "products.col.claim_count": {"ko": "반품·교환 건수", "en": "Claims"},
    "products.col.own_claims_per_order": {"ko": "평소 주문 대비 건수", "en": "Usual claims per order"},
    "products.col.store_claims_per_order": {"ko": "스토어 주문 대비 건수", "en": "Store claims per order"},
    "products.col.p_vs_own": {"ko": "p값(평소 대비)", "en": "p vs usual"},
    "products.col.p_vs_store": {"ko": "p값(스토어 대비)", "en": "p vs store"},
    "products.col.flagged": {"ko": "이상", "en": "Flagged"},
    "products.col.status": {"ko": "상태", "en": "Status"},
    "products.col.on_hand": {"ko": "현재 재고", "en": "On hand"},
    "products.col.inbound": {"ko": "입고 예정", "en": "Inbound"},
    "products.col.lead_time_days": {"ko": "리드타임(일)", "en": "Lead time (days)"},
    "products.col.forecast_daily_demand": {"ko": "예측 일수요", "en": "Daily demand forecast"},
    "products.col.forecast_lower": {"ko": "하한(80%)", "en": "Low (80%)"},
    "products.col.forecast_upper": {"ko": "상한(80%)", "en": "High (80%)"},
    "products.col.forecast_method": {"ko": "방법", "en": "Method"},
    "products.col.days_of_cover": {"ko": "재고 소진까지(일)", "en": "Days of cover"},
    "products.col.return_rate": {"ko": "반품률", "en": "Return rate"},
    "products.col.safety_stock": {"ko": "안전재고", "en": "Safety stock"},
    "products.col.reorder_qty": {"ko": "추천 발주량", "en": "Suggested order"},
    "products.col.out_of_stock_since": {"ko": "품절 시작", "en": "Out of stock since"},
    "products.col.lost_sales_per_day": {"ko": "일 손실 판매", "en": "Lost sales / day"},
}

_PERIOD = {"ko": "선택한 기간(판매자 시간대의 주문 시각). 이전 기간은 바로 앞의 같은 길이 기간.",
           "en": "The selected range, by order time in the seller's time zone; the previous period is the equally "
                 "long span just before."}
_LINES = {"ko": "상품 라인만(배송비·수수료 제외), 취소되지 않은 주문.",
          "en": "Product lines only (no shipping or fee lines), orders not cancelled."}
_RECENT14 = {"ko": "최근 14일(오늘 포함, 지금까지) vs 그 전 8주.",
             "en": "The last 14 local days (today included, up to now) vs the 8 weeks before."}
_HISTORY = {"ko": "어제까지 56일의 판매 이력, 예측은 오늘부터.",
            "en": "The 56 full days before today; forecasts start today."}
_INVENTORY = {"ko": "가장 최근 재고 스냅샷(inventory)의 현재 재고·입고 예정·리드타임.",
              "en": "Latest inventory snapshot: on_hand, inbound and lead time."}

METRICS: tuple[Metric, ...] = (
    Metric("product_revenue", "money", {"ko": "상품 매출", "en": "Product revenue"},
           {"ko": "수량 × 단가 − 라인 할인 − 주문 할인 중 이 라인 몫(상품 라인 금액 비례 배분). 합계는 스토어 매출과 같습니다.",
            "en": "quantity × unit price − line discount − the line's share of the order discount (shared by net "
                  "line amount). Sums to store revenue."}, _PERIOD, _LINES),
    Metric("product_units", "count", {"ko": "판매 수량", "en": "Units sold"},
           {"ko": "상품 라인 수량 합계.", "en": "Σ quantity of product lines."}, _PERIOD, _LINES),
    Metric("product_orders", "count", {"ko": "주문 수", "en": "Orders"},
           {"ko": "취소되지 않은 주문 수(상품별로는 그 상품을 담은 주문 수).",
            "en": "Orders not cancelled (per product: orders containing it)."}, _PERIOD, _LINES),
    Metric("product_cost", "money", {"ko": "원가", "en": "Cost"},
           {"ko": "products.unit_cost × 판매 수량. 원가가 없는 상품은 제외.",
            "en": "products.unit_cost × units sold; products without a unit cost are left out."}, _PERIOD, _LINES),
    Metric("product_margin", "money", {"ko": "마진", "en": "Margin"},
           {"ko": "상품 매출 − 원가(unit_cost × 수량).", "en": "Product revenue − unit_cost × units."},
           _PERIOD, _LINES),
    Metric("product_revenue_change", "ratio", {"ko": "증감률", "en": "Change"},
           {"ko": "(이번 기간 − 이전 기간) ÷ 이전 기간. 이전 값이 0이면 없음.",
            "en": "(this period − previous period) ÷ previous period; none when the previous value is 0."},
           _PERIOD, _LINES),
    Metric("product_mover", "ratio", {"ko": "급상승·급하락", "en": "Movers"},
           {"ko": "상품 주문 수의 스토어 주문 대비 비중 변화에 대한 정확 이항검정(양측), 두 기간 합 10건 이상, "
                  "Benjamini–Hochberg 거짓 발견율 5%.",
            "en": "Exact two-sided binomial test of the product's share of store orders between the two periods, "
                  "at least 10 orders in both together, Benjamini–Hochberg false discovery rate 5%."},
           _PERIOD, {"ko": "스토어 전체 증감은 상품 비중을 바꾸지 않으므로 급하락으로 잡히지 않습니다.",
                     "en": "A store-wide rise or fall does not change shares, so it moves no product."}),
    Metric("product_revenue_share", "ratio", {"ko": "매출 비중", "en": "Revenue share"},
           {"ko": "상품 매출 ÷ 전체 상품 매출. 누적 비중은 매출 순으로 더한 값.",
            "en": "Product revenue ÷ all product revenue; cumulative share adds them in revenue order."},
           _PERIOD, _LINES),
    Metric("product_abc_class", "ratio", {"ko": "ABC 등급", "en": "ABC class"},
           {"ko": "A: 매출 상위로 누적 80%까지, B: 다음 15%, C: 나머지.",
            "en": "A: top products making 80% of revenue, B: the next 15%, C: the rest."}, _PERIOD, _LINES),
    Metric("product_discounts", "money", {"ko": "할인", "en": "Discounts"},
           {"ko": "라인 할인 + 주문 할인 중 이 상품 몫.", "en": "Line discounts + the product's share of order discounts."},
           _PERIOD, _LINES),
    Metric("product_refunds", "money", {"ko": "환불", "en": "Refunds"},
           {"ko": "반품(claim_type 'return')으로 돌려준 금액(returns.amount). 교환은 0원.",
            "en": "Money given back on returns (returns.amount, claim_type 'return'); exchanges give none back."},
           {"ko": "반품 접수 시각(판매자 시간대) 기준 선택한 기간.",
            "en": "By return time in the selected range (seller's time zone)."},
           {"ko": "반품 행의 SKU.", "en": "The SKU on the return row."}),
    Metric("product_ad_spend", "money", {"ko": "배분 광고비", "en": "Attributed ad spend"},
           {"ko": "기간 전체 광고비(ad_stats.cost)를, 광고 채널 방문이 도착한 상품(landing_sku)별 주문 매출 비율로 배분. "
                  "광고 주문이 없으면 매출 비율로 배분.",
            "en": "The period's total ad spend (ad_stats.cost) shared out in proportion to the revenue of orders "
                  "from 'ads' visits landing on each product (landing_sku); by revenue share when no ad visit "
                  "converted."},
           {"ko": "광고 통계 날짜(판매자 현지 날짜)가 선택한 기간 안.", "en": "Ad stat dates (local) in the selected range."},
           {"ko": "광고 통계에는 SKU가 없으므로 방문 도착 상품으로 귀속합니다.",
            "en": "Ad stats carry no SKU, so spend follows the product the ad visit landed on."}),
    Metric("product_profit", "money", {"ko": "상품 이익", "en": "Product profit"},
           {"ko": "총판매액 − 할인 − 원가 − 환불 − 배분 광고비.",
            "en": "Gross sales − discounts − cost − refunds − attributed ad spend."}, _PERIOD, _LINES),
    Metric("product_claim_rate", "ratio", {"ko": "반품·교환율", "en": "Claim rate"},
           {"ko": "반품+교환 수량 ÷ 판매 수량(취소 제외). 95% 윌슨 구간 표시.",
            "en": "Returned + exchanged units ÷ units sold (cancellations excluded), with a 95% Wilson interval."},
           _RECENT14, {"ko": "반품은 접수 시각, 판매는 주문 시각 기준.", "en": "Claims by claim time, sales by order time."}),
    Metric("product_trouble_flag", "ratio", {"ko": "반품 이상", "en": "Trouble flag"},
           {"ko": "최근 14일 반품·교환 건수(한 건이 여러 개여도 1건) ÷ 그 상품이 든 주문 수가 평소 비율(8주 이력, 스토어 "
                  "비율 주문 20건 분량으로 보정)과 스토어 비율 모두보다 유의하게 높음(단측 정확 이항검정, "
                  "Benjamini–Hochberg 거짓 발견율 5%), 판매 10개·반품 3건 이상.",
            "en": "Claims in the last 14 days (a claim of several units counts once) per order carrying the product, "
                  "significantly above both the product's usual rate (8-week history shrunk toward the store rate "
                  "by 20 orders) and the store rate (one-sided exact binomial tests, Benjamini–Hochberg false "
                  "discovery rate 5%), with at least 10 units sold and 3 separate claims."},
           _RECENT14, {"ko": "반품 행의 SKU.", "en": "The SKU on the return row."}),
    Metric("product_demand_forecast", "count", {"ko": "예측 일수요", "en": "Daily demand forecast"},
           {"ko": "판매 많은 상품(재고 있는 날 하루 1개 이상, 품절일 없음; 스토어당 최대 60개, 재고 데이터가 있는 "
                  "상품 먼저): statsmodels ETS(주간 계절성) 80% 예측 구간. 그 밖: 최근 재고 있는 28일 평균, 포아송/음이항 80% 구간. 품절일은 제외.",
            "en": "Busy products (≥ 1 unit per in-stock day, no stock-out day; up to 60 per store, those with "
                  "stock data first): statsmodels ETS with weekly "
                  "seasonality and its 80% interval; others: mean of the last 28 in-stock days with a "
                  "Poisson/negative-binomial 80% interval. Stock-out days are left out."},
           _HISTORY, {"ko": "주문 시각(현지) 기준 일별 판매 수량.", "en": "Units by local order date."}),
    Metric("product_days_of_cover", "count", {"ko": "재고 소진까지(일)", "en": "Days of cover"},
           {"ko": "현재 재고 ÷ 예측 일수요.", "en": "On hand ÷ forecast daily demand."}, _HISTORY, _INVENTORY),
    Metric("product_reorder_qty", "count", {"ko": "추천 발주량", "en": "Suggested order"},
           {"ko": "(리드타임 + 7일) 예측 수요 × (1 − 반품률) + 안전재고(z × σ × √(리드타임 + 7일), 목표 서비스 수준 "
                  "95%; z는 스토어 자신의 지난 예측 오차의 95% 분위, 최소 정규 분위수 1.64) − 현재 재고 − 입고 예정, 올림, "
                  "최소 0.",
            "en": "Forecast demand over (lead time + 7-day review) × (1 − return rate) + safety stock "
                  "(z × σ × √(lead time + 7 days), target service level 95%; z is the 95% quantile of the store's "
                  "own past forecast errors, at least the normal 1.64) − on hand − inbound, rounded up, at least 0."},
           _HISTORY, _INVENTORY),
    Metric("product_lost_sales", "count", {"ko": "일 손실 판매", "en": "Lost sales per day"},
           {"ko": "품절(현재 재고 0) 상품의 예측 일수요.", "en": "Forecast daily demand of a product with on hand 0."},
           _HISTORY, _INVENTORY),
)
