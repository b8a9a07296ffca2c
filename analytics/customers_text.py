"""UI strings (ko/en) and metric definitions of the customers area; keys start with "customers."."""

from __future__ import annotations

from analytics.metric_model import Metric

# RFM segment key -> (ko, en, what to do, ko/en); order = display order
SEGMENTS: dict[str, dict[str, str]] = {
    "champions": {"ko": "챔피언", "en": "Champions",
                  "do_ko": "최근에 자주 산 고객: 신상품·리뷰 요청", "do_en": "Bought recently and often: new items, ask for reviews"},
    "loyal": {"ko": "충성 고객", "en": "Loyal",
              "do_ko": "꾸준히 사는 고객: 멤버십·묶음 제안", "do_en": "Buy regularly: membership, bundles"},
    "potential_loyalists": {"ko": "잠재 충성", "en": "Potential loyalists",
                            "do_ko": "최근 1~2번 산 고객: 두 번째·세 번째 구매 유도",
                            "do_en": "Bought recently once or twice: nudge the next purchase"},
    "new": {"ko": "신규", "en": "New",
            "do_ko": "막 첫 구매한 고객: 환영 메시지·사용 안내", "do_en": "Just made a first purchase: welcome, how-to"},
    "at_risk": {"ko": "이탈 위험", "en": "At risk",
                "do_ko": "2~3번 샀지만 오래 안 온 고객: 재구매 쿠폰", "do_en": "Bought 2-3 times, not lately: win-back coupon"},
    "cant_lose": {"ko": "놓치면 안 될 고객", "en": "Can't lose them",
                  "do_ko": "자주 샀지만 오래 안 온 고객: 직접 연락", "do_en": "Bought often, not lately: reach out personally"},
    "hibernating": {"ko": "휴면", "en": "Hibernating",
                    "do_ko": "한 번 사고 오래 안 온 고객: 비용 적게", "do_en": "One purchase long ago: spend little"},
}

# VIP tier key -> labels; share = top share of customers by spend (cumulative)
TIERS: dict[str, dict[str, str]] = {
    "vip": {"ko": "VIP (상위 1%)", "en": "VIP (top 1%)"},
    "gold": {"ko": "골드 (상위 1~5%)", "en": "Gold (top 1-5%)"},
    "silver": {"ko": "실버 (상위 5~20%)", "en": "Silver (top 5-20%)"},
    "regular": {"ko": "일반 (나머지 80%)", "en": "Regular (other 80%)"},
}

STRINGS: dict[str, dict[str, str]] = {
    "customers.caption": {
        "ko": "{name} · 기간 {start} ~ {end} · 기준 시각 {now} ({tz}) · 금액 {currency}",
        "en": "{name} · period {start} to {end} · as of {now} ({tz}) · money in {currency}"},
    "customers.section.overview": {"ko": "기간 고객", "en": "Customers in the period"},
    "customers.section.cohorts": {"ko": "월별 코호트 재구매 (첫 구매 월 기준)",
                                  "en": "Monthly cohort retention (by month of first purchase)"},
    "customers.cohorts.help": {
        "ko": "행: 첫 구매 월(코호트). 열: 첫 구매 후 k개월째. 값: 그 달에 구매한 코호트 고객 비율.",
        "en": "Rows: month of first purchase (cohort). Columns: k months later. Value: share of the cohort "
              "buying in that month."},
    "customers.cohorts.partial": {
        "ko": "회색 칸(*)은 아직 끝나지 않은 이번 달({start}~{end}, {days}일)입니다: 달이 끝날 때까지 비율이 더 오릅니다.",
        "en": "Grey cells (*) are this month, not over yet ({start} to {end}, {days} days): their shares still "
              "grow until the month ends."},
    "customers.cohorts.empty": {"ko": "코호트를 그릴 주문이 없습니다.", "en": "No orders to build cohorts from."},
    "customers.chart.cohort_month": {"ko": "코호트 (첫 구매 월)", "en": "Cohort (first purchase month)"},
    "customers.chart.months_since": {"ko": "첫 구매 후 개월", "en": "Months since first purchase"},
    "customers.chart.retention": {"ko": "구매 비율", "en": "Share buying"},
    "customers.section.rfm": {"ko": "RFM 고객 그룹", "en": "RFM customer groups"},
    "customers.rfm.help": {
        "ko": "R(최근성): 마지막 구매 후 경과일 5분위(5=최근). F(빈도): 구매일 수 1, 2, 3, 4~5, 6+ → 1~5점. "
              "M(금액): 누적 구매액 5분위. 기준 시각까지 전체 이력.",
        "en": "R (recency): quintile of days since the last purchase (5 = most recent). F (frequency): purchase "
              "days 1, 2, 3, 4-5, 6+ → 1-5. M (money): quintile of spend. Whole history up to as-of."},
    "customers.section.tiers": {"ko": "VIP 등급 (누적 구매액 기준)", "en": "VIP tiers (by spend to date)"},
    "customers.section.prediction": {"ko": "재구매 예측 (BG/NBD + Gamma-Gamma)",
                                     "en": "Repeat purchase prediction (BG/NBD + Gamma-Gamma)"},
    "customers.horizon": {"ko": "예측 기간 (일)", "en": "Prediction horizon (days)"},
    "customers.horizon.help": {"ko": "기대 구매 횟수와 고객 가치(CLV)를 계산할 앞으로의 기간.",
                               "en": "How far ahead expected purchases and customer value (CLV) are computed."},
    "customers.model.fitted": {
        "ko": "재구매 고객 {repeaters:,}명을 포함한 {customers:,}명으로 모델을 학습했습니다 (로그우도 {ll}).",
        "en": "Model fitted on {customers:,} customers, {repeaters:,} of them with repeat purchases "
              "(log-likelihood {ll})."},
    "customers.model.not_enough": {
        "ko": "아직 예측할 데이터가 부족합니다: {reason} 대신 RFM 그룹으로 목록을 만들었습니다.",
        "en": "Not enough data for predictions yet: {reason} The lists below use RFM groups instead."},
    "customers.model.reason.few_repeaters": {
        "ko": "재구매 고객이 {repeaters}명입니다 ({minimum}명 이상 필요).",
        "en": "{repeaters} customers have repeat purchases (at least {minimum} needed)."},
    "customers.model.reason.fit_failed": {"ko": "모델 학습 실패 ({error}).", "en": "The model fit failed ({error})."},
    "customers.section.likely": {"ko": "단골이 될 가능성이 큰 고객", "en": "Likely to become regulars"},
    "customers.likely.help": {
        "ko": "한 번만 산 고객 중 예측 기간 동안 기대 재구매 횟수가 가장 많은 고객 (모델이 없으면 최근 첫 구매 순).",
        "en": "One-time buyers with the most expected repeat purchases in the horizon (without a model: most "
              "recent first purchase first)."},
    "customers.section.at_risk": {"ko": "이탈 위험 단골", "en": "Regulars at risk"},
    "customers.at_risk.help": {
        "ko": "3일 이상 구매했거나 누적 구매액 상위 20%인데 활동 확률이 50% 미만인 고객, 누적 구매액 순 "
              "(모델이 없으면 '이탈 위험'·'놓치면 안 될 고객' 그룹).",
        "en": "Customers with 3+ purchase days or top-20% spend whose probability of being active is below 50%, "
              "by spend (without a model: the 'At risk' and 'Can't lose them' groups)."},
    "customers.download": {"ko": "CSV 내려받기", "en": "Download CSV"},
    "customers.list.more.likely": {
        "ko": "향후 {days}일 0.5회 이상 재구매가 예상되는 1회 구매 고객은 {count}명입니다. 표는 가능성이 가장 큰 "
              "{shown}명, CSV에는 {count}명 모두 있습니다.",
        "en": "{count} one-time buyers are expected to buy again at least 0.5 times in {days} days. The table shows "
              "the {shown} most likely; the CSV has all {count}."},
    "customers.list.more.at_risk": {
        "ko": "이탈 위험 단골은 {count}명입니다. 표는 구매액이 가장 큰 {shown}명, CSV에는 {count}명 모두 있습니다.",
        "en": "{count} customers are at risk. The table shows the {shown} who spent most; the CSV has all {count}."},
    "customers.list.empty": {"ko": "해당하는 고객이 없습니다.", "en": "No customers in this list."},
    "customers.section.backtest": {"ko": "예측 검증 (과거 데이터로)", "en": "Prediction check on your own history"},
    "customers.backtest.caption": {
        "ko": "{cutoff}까지의 데이터로 학습해 다음 {days}일({start} ~ {end})의 재구매를 예측하고 실제와 비교: "
              "예측 합계 {predicted:,.1f}회, 실제 {actual:,}회, 고객당 평균 절대 오차 {mae:.3f}회.",
        "en": "Fitted on data up to {cutoff}, predicted repeat purchases in the next {days} days ({start} to "
              "{end}) and compared with what happened: {predicted:,.1f} predicted, {actual:,} actual, mean "
              "absolute error {mae:.3f} per customer."},
    "customers.backtest.unavailable": {"ko": "검증할 데이터가 부족합니다: {reason}",
                                       "en": "Not enough data to check the predictions: {reason}"},
    "customers.chart.frequency_group": {"ko": "학습 기간 재구매 횟수", "en": "Repeat purchases in calibration"},
    "customers.chart.purchases_per_customer": {"ko": "검증 기간 고객당 구매", "en": "Purchases per customer in holdout"},
    "customers.chart.predicted": {"ko": "예측", "en": "Predicted"},
    "customers.chart.actual": {"ko": "실제", "en": "Actual"},
    "customers.no_customers": {"ko": "기준 시각까지 고객 ID가 있는 주문이 없습니다.",
                               "en": "No orders with a customer id up to the as-of time."},
    "customers.col.segment": {"ko": "그룹", "en": "Group"},
    "customers.col.advice": {"ko": "할 일", "en": "What to do"},
    "customers.col.tier": {"ko": "등급", "en": "Tier"},
    "customers.col.customers": {"ko": "고객 수", "en": "Customers"},
    "customers.col.share": {"ko": "고객 비율", "en": "Share of customers"},
    "customers.col.revenue": {"ko": "누적 구매액", "en": "Spend to date"},
    "customers.col.revenue_share": {"ko": "매출 비중", "en": "Share of spend"},
    "customers.col.aov": {"ko": "객단가", "en": "AOV"},
    "customers.col.min_revenue": {"ko": "최소 구매액", "en": "Minimum spend"},
    "customers.col.orders": {"ko": "주문 수", "en": "Orders"},
    "customers.col.customer_id": {"ko": "고객 ID", "en": "Customer"},
    "customers.col.purchase_days": {"ko": "구매일 수", "en": "Purchase days"},
    "customers.col.last_order_date": {"ko": "마지막 구매일", "en": "Last purchase"},
    "customers.col.first_order_date": {"ko": "첫 구매일", "en": "First purchase"},
    "customers.col.days_since_last": {"ko": "마지막 구매 후 일수", "en": "Days since last purchase"},
    "customers.col.p_alive": {"ko": "활동 확률", "en": "P(active)"},
    "customers.col.expected_purchases": {"ko": "기대 구매 횟수", "en": "Expected purchases"},
    "customers.col.clv": {"ko": "예상 고객 가치", "en": "Expected value (CLV)"},
    "customers.col.avg_recency_days": {"ko": "평균 경과일", "en": "Avg days since last"},
    "customers.col.avg_purchase_days": {"ko": "평균 구매일 수", "en": "Avg purchase days"},
}

_PERIOD_WINDOW = {"ko": "선택한 기간의 현지 날짜 (기준 시각까지).",
                  "en": "Local days of the selected period (up to the as-of time)."}
_HISTORY_WINDOW = {"ko": "기준 시각까지의 전체 이력.", "en": "The whole history up to the as-of time."}
_CUSTOMER_ATTR = {"ko": "고객 ID가 있는 취소되지 않은 주문만 (비회원 제외). 같은 날 여러 주문은 한 번의 구매.",
                  "en": "Orders not cancelled with a customer id (guests excluded). Several orders on one day "
                        "are one purchase."}
_MODEL_WINDOW = {"ko": "기준 시각까지의 전체 이력으로 학습, 예측 기간 = 슬라이더/--horizon-days.",
                 "en": "Fitted on the whole history up to as-of; horizon = the slider / --horizon-days."}

METRICS: tuple[Metric, ...] = (
    Metric("customer_count", "count", {"ko": "구매 고객", "en": "Customers"},
           {"ko": "기간에 주문한 고객 ID 수.", "en": "Distinct customer ids with an order in the period."},
           _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("new_customers", "count", {"ko": "신규 고객", "en": "New customers"},
           {"ko": "첫 구매가 기간 안에 있는 고객 수.", "en": "Customers whose first purchase ever is in the period."},
           _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("returning_customers", "count", {"ko": "재방문 고객", "en": "Returning customers"},
           {"ko": "기간에 구매했고 첫 구매가 기간 전인 고객 수.",
            "en": "Customers buying in the period whose first purchase was before it."},
           _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("repeat_rate", "ratio", {"ko": "재구매율", "en": "Repeat purchase rate"},
           {"ko": "기간 구매 고객 중 기준 시각까지 서로 다른 2일 이상 구매한 고객의 비율.",
            "en": "Share of the period's customers who bought on 2 or more different days ever (up to as-of)."},
           _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("customer_orders", "count", {"ko": "고객 주문", "en": "Customer orders"},
           {"ko": "기간에 고객 ID가 있는 취소되지 않은 주문 수.",
            "en": "Orders not cancelled with a customer id in the period."}, _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("customer_revenue", "money", {"ko": "고객 매출", "en": "Customer revenue"},
           {"ko": "고객 ID가 있는 주문의 매출 (상품 금액 − 할인, 배송비 제외).",
            "en": "Revenue of orders with a customer id (product lines − discounts, shipping excluded)."},
           _PERIOD_WINDOW, _CUSTOMER_ATTR),
    Metric("cohort_retention", "ratio", {"ko": "코호트 구매 비율", "en": "Cohort retention"},
           {"ko": "첫 구매 월이 같은 고객 중 k개월째 달에 구매한 비율 (k=0은 100%).",
            "en": "Share of a first-purchase-month cohort buying in calendar month k after it (k = 0 is 100%)."},
           _HISTORY_WINDOW, _CUSTOMER_ATTR),
    Metric("tier_aov", "money", {"ko": "등급 객단가", "en": "Tier AOV"},
           {"ko": "등급 고객의 누적 구매액 ÷ 주문 수.", "en": "Spend to date of the tier's customers ÷ their orders."},
           _HISTORY_WINDOW, _CUSTOMER_ATTR),
    Metric("p_alive", "ratio", {"ko": "활동 확률", "en": "P(active)"},
           {"ko": "BG/NBD 모델로 본, 고객이 아직 떠나지 않았을 확률 (구매 횟수·최근성·관찰 기간으로 계산).",
            "en": "BG/NBD probability that the customer has not dropped out, from their repeat purchases, "
                  "recency and time observed."}, _MODEL_WINDOW, _CUSTOMER_ATTR),
    Metric("expected_purchases", "count", {"ko": "기대 구매 횟수", "en": "Expected purchases"},
           {"ko": "BG/NBD로 본 예측 기간 동안의 기대 구매일 수.",
            "en": "BG/NBD expected number of purchase days in the horizon."}, _MODEL_WINDOW, _CUSTOMER_ATTR),
    Metric("expected_avg_value", "money", {"ko": "기대 구매 금액", "en": "Expected spend per purchase"},
           {"ko": "Gamma-Gamma 모델로 본 구매 1회당 기대 금액 (재구매 평균과 전체 평균의 가중 평균).",
            "en": "Gamma-Gamma expected spend per purchase (a weighted mean of the customer's repeat average "
                  "and the store average)."}, _MODEL_WINDOW, _CUSTOMER_ATTR),
    Metric("clv", "money", {"ko": "예상 고객 가치 (CLV)", "en": "Expected customer value (CLV)"},
           {"ko": "기대 구매 횟수 × 기대 구매 금액, 예측 기간 동안 (할인율 미적용, 매출 기준).",
            "en": "Expected purchases × expected spend per purchase over the horizon (undiscounted revenue)."},
           _MODEL_WINDOW, _CUSTOMER_ATTR),
    Metric("backtest_mae", "count", {"ko": "예측 오차 (MAE)", "en": "Prediction error (MAE)"},
           {"ko": "검증 기간 고객당 |예측 구매 − 실제 구매|의 평균.",
            "en": "Mean over customers of |predicted − actual purchase days| in the holdout."},
           {"ko": "마지막 1/4 (최대 90일, 최소 14일)을 검증 기간으로 남기고 그 전으로 학습.",
            "en": "The last quarter of the history (14 to 90 days) is held out; the model is fitted before it."},
           _CUSTOMER_ATTR),
)
