"""UI strings (ko/en) and metric definitions of the digest area; keys start with "digest."."""

from __future__ import annotations

from analytics.metric_model import Metric

STRINGS: dict[str, dict[str, str]] = {
    # page
    "digest.header": {"ko": "오늘 꼭 알아야 할 것", "en": "What to know today"},
    "digest.computing": {"ko": "오늘 꼭 알아야 할 것을 찾는 중…", "en": "Finding what to know today…"},
    "digest.caption": {"ko": "모든 분석에서 찾은 일을 걸린 금액이 큰 순서로 보여 줍니다. 금액 계산법은 아래 '금액은 어떻게 "
                              "계산하나요?'를 보세요.",
                       "en": "Found across every report, largest money at stake first. How each amount is estimated: "
                             "see 'How is the money at stake estimated?' below."},
    "digest.quiet": {"ko": "오늘은 조용합니다: 눈에 띄는 문제나 기회가 없습니다.",
                     "en": "A quiet day: nothing stands out that needs your attention."},
    "digest.evidence": {"ko": "근거 보기", "en": "See the evidence"},
    "digest.money_label": {"ko": "걸린 금액", "en": "At stake"},
    "digest.rules_header": {"ko": "금액은 어떻게 계산하나요?", "en": "How is the money at stake estimated?"},
    "digest.skipped": {"ko": "일부 분석을 건너뛰었습니다 (데이터 부족 또는 오류): {areas}",
                       "en": "Some reports were skipped (too little data or an error): {areas}"},
    "digest.more_header": {"ko": "그 밖의 발견 {count}건", "en": "{count} more findings"},
    "digest.more_email": {"ko": "그 밖의 발견 {count}건은 홈 화면에 있습니다.",
                          "en": "{count} more findings are on the home page."},
    "digest.more": {"ko": "(같은 종류 {count}건 더: {others})", "en": "(+ {count} more of this kind: {others})"},
    "digest.kind.sales_drop": {"ko": "매출 하락", "en": "Sales drop"},
    "digest.kind.stock_out": {"ko": "품절", "en": "Stock-out"},
    "digest.kind.returns_spike": {"ko": "반품 급증", "en": "Returns spike"},
    "digest.kind.ad_waste": {"ko": "광고 낭비", "en": "Ad waste"},
    "digest.kind.ad_losing": {"ko": "손해 보는 캠페인", "en": "Campaign losing money"},
    "digest.kind.roas_fall": {"ko": "ROAS 하락", "en": "ROAS fall"},
    "digest.kind.unmet_keyword": {"ko": "못 채운 검색 수요", "en": "Unmet search demand"},
    "digest.kind.likely_regulars": {"ko": "단골 후보", "en": "Likely regulars"},
    "digest.kind.regulars_at_risk": {"ko": "이탈 위험 단골", "en": "Regulars at risk"},
    # sentences, one per kind
    "digest.sales_drop.channel": {
        "ko": "매출이 {when} 평소보다 {share} 적습니다 (약 {money}). 감소는 주로 {channel} 유입에서 나왔습니다 "
              "(지난주 같은 시간 대비 감소분의 {channel_share}).",
        "en": "Sales are {share} below a usual day {when} (about {money}), mostly from {channel} "
              "({channel_share} of the fall vs the same hours a week earlier)."},
    "digest.sales_drop.plain": {
        "ko": "매출이 {when} 평소보다 {share} 적습니다 (약 {money}).",
        "en": "Sales are {share} below a usual day {when} (about {money})."},
    "digest.stock_out": {
        "ko": "'{name}' 품절 ({since}부터): 하루 약 {lost}개, 지금까지 약 {money}의 판매를 놓쳤습니다. "
              "추천 발주량 {qty}개.",
        "en": "'{name}' has been out of stock since {since}: about {lost} sales a day, some {money} missed so far. "
              "Suggested order: {qty}."},
    "digest.returns_spike": {
        "ko": "'{name}' 반품·클레임이 최근 {days}일 {units}개 중 {claimed}개({rate})로 평소({baseline})보다 "
              "크게 늘었습니다: 초과분 약 {money}. 상품 상태를 확인하세요.",
        "en": "Returns of '{name}' jumped to {claimed} of {units} units ({rate}) in the last {days} days against "
              "{baseline} usually: about {money} of excess returns. Check the product."},
    "digest.ad_waste": {
        "ko": "광고 키워드 '{keyword}'({campaign}): 최근 {days}일 광고비 {money}, 클릭 {clicks}회에도 주문이 "
              "없습니다.",
        "en": "Ad keyword '{keyword}' ({campaign}) spent {money} in the last {days} days ({clicks} clicks) with "
              "no orders."},
    "digest.ad_losing": {
        "ko": "캠페인 '{campaign}'의 ROAS {roas}는 손익분기 {break_even}보다 낮아 최근 {days}일 {money} 손해입니다.",
        "en": "Campaign '{campaign}' runs at ROAS {roas}, below the break-even {break_even}: it lost {money} in "
              "the last {days} days."},
    "digest.roas_fall": {
        "ko": "캠페인 '{campaign}'의 ROAS가 최근 {days}일 {old}에서 {new}로 떨어졌습니다: 같은 광고비({spend})로 "
              "약 {money} 적게 벌었습니다.",
        "en": "Campaign '{campaign}': ROAS fell from {old} to {new} in the last {days} days, about {money} less "
              "revenue for the same {spend} of spend."},
    "digest.unmet_keyword.variant": {
        "ko": "최근 {days}일 {visitors}명이 '{term}'을(를) 검색해 들어왔지만 구매는 {orders}건입니다: "
              "'{product}' 같은 인기 상품의 {option} 옵션을 검토하세요 (놓친 매출 약 {money}).",
        "en": "{visitors} visitors searched for '{term}' in the last {days} days and {orders} bought: "
              "consider a {option} option of top sellers like '{product}' (about {money} missed)."},
    "digest.unmet_keyword.variant.unlanded": {
        "ko": "최근 {days}일 {visitors}명이 '{term}'을(를) 검색해 들어왔지만 구매는 {orders}건입니다: "
              "인기 상품의 {option} 옵션을 검토하세요 (놓친 매출 약 {money}).",
        "en": "{visitors} visitors searched for '{term}' in the last {days} days and {orders} bought: "
              "consider a {option} option of your top sellers (about {money} missed)."},
    "digest.unmet_keyword.missing": {
        "ko": "최근 {days}일 {visitors}명이 '{term}'을(를) 찾았지만 스토어에 없는 것 같습니다 (구매 {orders}건): "
              "상품 추가를 검토하세요 (놓친 매출 약 {money}).",
        "en": "{visitors} visitors looked for '{term}' in the last {days} days and {orders} bought; the store does "
              "not seem to carry it: consider adding it (about {money} missed)."},
    "digest.unmet_keyword.carried": {
        "ko": "최근 {days}일 {visitors}명이 '{term}'을(를) 검색해 들어왔지만 구매는 {orders}건입니다: 상품 "
              "페이지와 가격을 점검하세요 (놓친 매출 약 {money}).",
        "en": "{visitors} visitors searched for '{term}' in the last {days} days and {orders} bought: check that "
              "product's page and price (about {money} missed)."},
    "digest.likely_regulars": {
        "ko": "한 번 구매한 고객 {count}명이 다시 구매할 가능성이 높습니다 (향후 {days}일 예상 {money}): "
              "쿠폰이나 감사 메시지를 보내 보세요.",
        "en": "{count} one-time buyers are likely to buy again (about {money} expected in the next {days} days): "
              "consider a coupon or a thank-you note."},
    "digest.regulars_at_risk.many": {
        "ko": "단골 {count}명이 떠나고 있는 것 같습니다. 구매액이 가장 큰 {listed}명(지금까지 {revenue} 구매)에게 연락해 "
              "보세요: 다시 오면 향후 {days}일 약 {money}.",
        "en": "{count} regulars seem to be drifting away. Reach out to the {listed} who spent most ({revenue} so far): "
              "winning them back is worth about {money} in the next {days} days."},
    "digest.regulars_at_risk": {
        "ko": "단골 {count}명(지금까지 {revenue} 구매)이 떠나고 있는 것 같습니다: 다시 오면 향후 {days}일 약 "
              "{money}. 연락해 보세요.",
        "en": "{count} regulars (who spent {revenue} so far) seem to be drifting away: winning them back is worth "
              "about {money} in the next {days} days. Reach out to them."},
    # how each kind's money at stake is estimated
    "digest.rule.sales_drop": {
        "ko": "평소 매출(같은 요일 이전 4~8주 중앙값) − 실제 매출, 평소보다 낮았던 연속된 최근 완료일(유의한 하락: "
              "1% 단측, 20% 이상) 합계 + 오늘 평소 − 마감 예측. 채널: 같은 시간 지난주 대비 매출 감소가 가장 큰 유입 채널.",
        "en": "Usual revenue (median of the 4-8 previous same weekdays) − actual, summed over the recent run of "
              "complete days below usual (significant: one-sided 1%, at least 20%), plus today's usual − the "
              "pace forecast. Channel: the largest revenue fall by channel vs the same hours a week earlier."},
    "digest.rule.stock_out": {
        "ko": "예측 일수요(개) × 판매가 × 품절 일수(품절 첫날부터 지금까지).",
        "en": "Forecast daily demand (units) × list price × days out of stock (first day out to now)."},
    "digest.rule.returns_spike": {
        "ko": "(최근 14일 클레임 수량 − 판매 수량 × 기준 반품률[자체 이력과 스토어 중 큰 값]) × 최근 평균 판매가.",
        "en": "(Claimed units in the last 14 days − units sold × baseline rate [the larger of own history and "
              "store]) × average selling price in those days."},
    "digest.rule.ad_waste": {
        "ko": "최근 30일 전환이 없는 키워드의 광고비.",
        "en": "Spend of keywords with no conversion in the last 30 days."},
    "digest.rule.ad_losing": {
        "ko": "손익분기 ROAS 미만 캠페인의 손실: 광고비 − 전환 매출 × 마진율 (최근 30일).",
        "en": "Loss of campaigns below break-even ROAS: spend − conversion revenue × margin rate (last 30 days)."},
    "digest.rule.roas_fall": {
        "ko": "ROAS가 유의하게 떨어진 캠페인: 최근 7일 광고비 × (이전 28일 ROAS − 최근 7일 ROAS).",
        "en": "Campaigns with a significant ROAS fall: last-7-day spend × (ROAS of the 28 days before − ROAS of "
              "the last 7 days)."},
    "digest.rule.unmet_keyword": {
        "ko": "(검색 방문 수 × 스토어 전환율 − 실제 주문) × 스토어 객단가 (최근 30일).",
        "en": "(Search visitors × store conversion − their orders) × store AOV (last 30 days)."},
    "digest.rule.likely_regulars": {
        "ko": "향후 30일 예상 구매가 0.5회 이상인 모든 1회 구매 고객의 예측 CLV(30일) 합계 (고객 화면 목록은 그중 "
              "상위 50명).",
        "en": "Σ predicted 30-day CLV of every one-time buyer with ≥ 0.5 expected purchases in 30 days (the "
              "customers page lists the 50 most likely)."},
    "digest.rule.regulars_at_risk": {
        "ko": "이탈 위험 단골 목록(고객 화면: 구매액 상위 50명)이 아직 활동 중이라면 향후 30일 가져올 가치 중 예측에 "
              "빠진 부분: Σ CLV × (1 − 활동 확률) ÷ 활동 확률. 문장의 인원은 이탈 위험 단골 전체입니다.",
        "en": "What the at-risk list (customers page: the 50 who spent most) would bring in 30 days if still active "
              "and is not expected now: Σ CLV × (1 − P(alive)) ÷ P(alive). The sentence counts every at-risk "
              "regular."},
}

METRICS: tuple[Metric, ...] = (
    Metric("digest_money_at_stake", "money", {"ko": "걸린 금액", "en": "Money at stake"},
           {"ko": "항목 종류별 추정치 (매출 하락: 평소 − 실제/예측; 품절: 일 손실 판매 × 가격 × 일수; 반품 급증: 초과 반품 × "
                  "가격; 광고 낭비: 전환 없는 광고비; 손실 캠페인: 광고비 − 전환 매출 × 마진율; ROAS 하락: 광고비 × ROAS 감소; "
                  "미충족 검색: 방문 × 스토어 전환율 × 객단가; 단골 후보: 예측 CLV 합계; 이탈 위험: 활동 시 가치 중 빠진 부분).",
            "en": "An estimate per kind (sales drop: usual − actual/forecast; stock-out: lost sales a day × price × "
                  "days; returns spike: excess returns × price; ad waste: spend without conversions; losing "
                  "campaign: spend − conversion revenue × margin; ROAS fall: spend × ROAS fall; unmet search: "
                  "visitors × store conversion × AOV; likely regulars: Σ predicted CLV; at-risk regulars: the value "
                  "they would bring if still active that is no longer expected)."},
           {"ko": "매출·품절·반품은 최근 며칠~14일, 광고·검색은 최근 30일, 고객은 향후 30일.",
            "en": "Sales, stock-outs and returns: the last days up to 14; ads and searches: the last 30 days; "
                  "customers: the next 30 days."},
           {"ko": "각 분석 화면의 귀속 규칙을 따릅니다 (근거 보기 링크).",
            "en": "Each report's own attribution (follow the evidence link)."}),
)
