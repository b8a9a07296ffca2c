"""UI strings (ko/en) and metric definitions of the ads area; keys start with "ads."."""

from __future__ import annotations

from analytics.metric_model import Metric

_STAT_DATE = {
    "ko": "광고 플랫폼이 보고한 날짜(판매자 시간대) 기준, 선택한 기간의 양 끝 포함.",
    "en": "By the ad platform's report date (seller's time zone), both ends of the range included.",
}
_PLATFORM = {
    "ko": "광고 플랫폼이 자기 기여 기간(attribution window)으로 잡은 전환·전환매출을 그대로 씁니다. "
          "시간별 행이 있는 날은 시간별 행만 셉니다.",
    "en": "Conversions and conversion revenue as the ad platform attributes them (its own attribution window). "
          "A day with hourly rows is counted from its hourly rows only.",
}
_STORE = {
    "ko": "스토어 전체 매출은 주문 시각(판매자 시간대) 기준, 홈 화면 매출과 같은 규칙.",
    "en": "Store revenue by order time in the seller's time zone, the same rule as the home revenue.",
}
_MARGIN = {
    "ko": "원가(unit_cost)가 있는 상품 라인만 사용합니다. 취소 주문과 배송비 라인 제외.",
    "en": "Product lines whose product has a unit cost; cancelled orders and shipping lines excluded.",
}

METRICS: tuple[Metric, ...] = (
    Metric("ad_spend", "money", {"ko": "광고비", "en": "Ad spend"},
           {"ko": "광고 비용(cost)의 합.", "en": "Σ cost of the ad rows."}, _STAT_DATE, _PLATFORM),
    Metric("ad_impressions", "count", {"ko": "노출 수", "en": "Impressions"},
           {"ko": "광고 노출 수의 합.", "en": "Σ impressions."}, _STAT_DATE, _PLATFORM),
    Metric("ad_clicks", "count", {"ko": "클릭 수", "en": "Clicks"},
           {"ko": "광고 클릭 수의 합.", "en": "Σ clicks."}, _STAT_DATE, _PLATFORM),
    Metric("ad_ctr", "ratio", {"ko": "클릭률(CTR)", "en": "CTR"},
           {"ko": "클릭 수 ÷ 노출 수 (노출이 0이면 비움; 클릭 0이면 0%).",
            "en": "Clicks ÷ impressions (empty when there were no impressions; 0% when no clicks)."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_cpc", "money", {"ko": "클릭당 비용(CPC)", "en": "CPC"},
           {"ko": "광고비 ÷ 클릭 수 (클릭이 0이면 비움).", "en": "Spend ÷ clicks (empty when there were no clicks)."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_conversions", "count", {"ko": "전환 수", "en": "Conversions"},
           {"ko": "광고 플랫폼이 보고한 전환(구매) 수의 합.", "en": "Σ conversions (purchases) the platform reports."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_cvr", "ratio", {"ko": "전환율(CVR)", "en": "CVR"},
           {"ko": "전환 수 ÷ 클릭 수 (클릭이 0이면 비움).", "en": "Conversions ÷ clicks (empty without clicks)."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_cpa", "money", {"ko": "전환당 비용(CPA)", "en": "CPA"},
           {"ko": "광고비 ÷ 전환 수 (전환이 0이면 비움).", "en": "Spend ÷ conversions (empty without conversions)."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_conversion_revenue", "money", {"ko": "전환 매출", "en": "Conversion revenue"},
           {"ko": "광고 플랫폼이 광고에 기여한 것으로 보고한 매출의 합.",
            "en": "Σ revenue the platform attributes to the ads."}, _STAT_DATE, _PLATFORM),
    Metric("ad_roas", "ratio", {"ko": "ROAS", "en": "ROAS"},
           {"ko": "전환 매출 ÷ 광고비 (300% = 광고비 1원에 매출 3원).",
            "en": "Conversion revenue ÷ spend (300% = 3 of revenue per 1 of spend)."}, _STAT_DATE, _PLATFORM),
    Metric("ad_acos", "ratio", {"ko": "ACoS", "en": "ACoS"},
           {"ko": "광고비 ÷ 전환 매출 (= 1 ÷ ROAS).", "en": "Spend ÷ conversion revenue (= 1 ÷ ROAS)."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_tacos", "ratio", {"ko": "TACoS", "en": "TACoS"},
           {"ko": "광고비 ÷ 스토어 전체 매출(광고 외 매출 포함).",
            "en": "Ad spend ÷ ALL store revenue of the period (not only ad-attributed)."}, _STAT_DATE, _STORE),
    Metric("ad_waste_spend", "money", {"ko": "낭비 광고비", "en": "Wasted spend"},
           {"ko": "기간 동안 전환이 0인 키워드(광고 라인)의 광고비 합. 광고그룹 단위 목록도 함께 봅니다.",
            "en": "Σ spend of keywords (ad lines) with zero conversions in the period; "
                  "ad groups with zero conversions are listed too."}, _STAT_DATE, _PLATFORM),
    Metric("ad_waste_share", "ratio", {"ko": "낭비 비중", "en": "Waste share"},
           {"ko": "낭비 광고비 ÷ 전체 광고비.", "en": "Wasted spend ÷ all ad spend."}, _STAT_DATE, _PLATFORM),
    Metric("ad_margin_rate", "ratio", {"ko": "매출총이익률", "en": "Gross margin rate"},
           {"ko": "m = Σ(라인 매출 − 원가 × 수량) ÷ Σ 라인 매출 (라인 매출 = 수량 × 단가 − 라인 할인).",
            "en": "m = Σ(line revenue − unit cost × units) ÷ Σ line revenue "
                  "(line revenue = quantity × unit price − line discount)."},
           {"ko": "주문 시각(판매자 시간대) 기준.", "en": "By order time in the seller's time zone."}, _MARGIN),
    Metric("ad_break_even_roas", "ratio", {"ko": "손익분기 ROAS", "en": "Break-even ROAS"},
           {"ko": "1 ÷ 매출총이익률. 이보다 낮은 ROAS는 상품 원가와 광고비를 벌지 못해 손해입니다.",
            "en": "1 ÷ gross margin rate. A ROAS below it does not pay for the goods and the ads: it loses money."},
           {"ko": "주문 시각(판매자 시간대) 기준.", "en": "By order time in the seller's time zone."}, _MARGIN),
    Metric("ad_contribution", "money", {"ko": "광고 후 공헌이익", "en": "Contribution after ads"},
           {"ko": "전환 매출 × 매출총이익률 − 광고비. 0보다 작으면 손해.",
            "en": "Conversion revenue × gross margin rate − spend. Below 0 the ads lose money."},
           _STAT_DATE, _PLATFORM),
    Metric("ad_marginal_roas", "ratio", {"ko": "한계 ROAS", "en": "Marginal ROAS"},
           {"ko": "다음 1원의 광고비가 가져올 전환 매출: 일 매출 = a × 일 광고비^b (0≤b≤1) 곡선의 현재 광고비에서의 "
                  "기울기 a·b·광고비^(b−1).",
            "en": "Conversion revenue the next unit of spend brings: the slope a·b·spend^(b−1) of the fitted "
                  "daily revenue = a × daily spend^b (0≤b≤1) at the current daily spend."},
           {"ko": "최근 12주의 일별 광고비·전환 매출로 적합, 현재 광고비 = 최근 28일 평균 일 광고비.",
            "en": "Fitted on the last 12 weeks of daily spend and revenue; current spend = mean daily spend of "
                  "the last 28 complete days."}, _PLATFORM),
)

STRINGS: dict[str, dict[str, str]] = {
    "ads.as_of": {"ko": "{name} · {start} ~ {end} · 비교: {prev_start} ~ {prev_end}",
                  "en": "{name} · {start} to {end} · compared with {prev_start} to {prev_end}"},
    "ads.no_ads": {"ko": "이 기간에 광고 데이터가 없습니다. 데이터 페이지에서 광고 성과 파일(ad_stats)을 올려 주세요.",
                   "en": "No ad data in this range. Upload an ad report (ad_stats) on the Data page."},
    "ads.no_margin": {"ko": "상품 원가(unit_cost)가 없어 손익분기 ROAS를 계산할 수 없습니다.",
                      "en": "Products have no unit cost, so the break-even ROAS cannot be computed."},
    "ads.header.tiles": {"ko": "광고 요약", "en": "Ad summary"},
    "ads.header.table": {"ko": "단위별 성과", "en": "Performance by level"},
    "ads.header.waste": {"ko": "전환 없는 광고비 (낭비)", "en": "Spend with no conversions (waste)"},
    "ads.header.trend": {"ko": "캠페인별 ROAS 추이", "en": "ROAS trend per campaign"},
    "ads.header.response": {"ko": "광고비 대비 매출 반응 (수확체감)", "en": "Spend vs revenue response (diminishing returns)"},
    "ads.header.budget": {"ko": "예산 10% 추가 시 어디에?", "en": "Where should the next 10% of budget go?"},
    "ads.grain": {"ko": "단위", "en": "Level"},
    "ads.grain.platform": {"ko": "플랫폼", "en": "Platform"},
    # the platform codes the report layouts store (data/formats.py); other platform texts are shown as loaded
    "ads.platform.naver_searchad": {"ko": "네이버 검색광고", "en": "Naver search ads"},
    "ads.platform.google_ads": {"ko": "Google Ads", "en": "Google Ads"},
    "ads.platform.meta_ads": {"ko": "Meta 광고", "en": "Meta ads"},
    "ads.platform.coupang_ads": {"ko": "쿠팡 광고", "en": "Coupang ads"},
    "ads.grain.campaign": {"ko": "캠페인", "en": "Campaign"},
    "ads.grain.ad_group": {"ko": "광고그룹", "en": "Ad group"},
    "ads.grain.keyword": {"ko": "키워드", "en": "Keyword"},
    "ads.campaign_select": {"ko": "캠페인", "en": "Campaign"},
    "ads.waste.grain": {"ko": "낭비 단위", "en": "Waste level"},
    "ads.waste.summary": {"ko": "전환 0인 키워드에 {spend} 썼습니다 (전체 광고비의 {share}).",
                          "en": "{spend} went to keywords with zero conversions ({share} of all ad spend)."},
    "ads.waste.none": {"ko": "이 기간에 전환 없이 돈만 쓴 키워드는 없습니다.",
                       "en": "No keyword spent without converting in this range."},
    "ads.no_keyword": {"ko": "(키워드 없음)", "en": "(no keyword)"},
    "ads.verdict.profitable": {"ko": "ROAS {roas}, 손익분기 {break_even}: 이익 ({contribution})",
                               "en": "ROAS {roas}, break-even {break_even}: profitable ({contribution})"},
    "ads.verdict.losing": {"ko": "ROAS {roas}이지만 손익분기는 {break_even}: 손해 ({contribution})",
                           "en": "ROAS {roas} but break-even is {break_even}: losing money ({contribution})"},
    "ads.verdict.no_margin": {"ko": "ROAS {roas} (원가가 없어 손익 판단 불가)",
                              "en": "ROAS {roas} (no unit costs: profit unknown)"},
    "ads.verdict.no_spend": {"ko": "광고비 없음", "en": "No spend"},
    "ads.fall.text": {
        "ko": "'{campaign}'의 ROAS가 최근 7일 {recent}로 이전 28일 {baseline}보다 크게 떨어졌습니다: 클릭당 전환이 "
              "그대로였다면 {expected}건이었을 전환이 {conversions}건 (p={p}).",
        "en": "'{campaign}': ROAS fell to {recent} in the last 7 days from {baseline} in the 28 days before: "
              "{conversions} conversions where {expected} were expected at the earlier rate per click (p={p})."},
    "ads.fall.none": {"ko": "최근 7일에 ROAS가 유의하게 떨어진 캠페인은 없습니다 (이전 28일과 비교).",
                      "en": "No campaign's ROAS fell significantly in the last 7 days (vs the 28 days before)."},
    "ads.fall.method": {
        "ko": "판정: 최근 7일(완료된 날) 대 이전 28일, 클릭당 전환을 두 포아송 비율의 조건부 정확검정(단측 mid-p)으로 "
              "비교해 p < {alpha}이고 30% 이상 떨어졌을 때 표시합니다. 추세: 최근 12주 일별 전환의 포아송 회귀"
              "(클릭 수 offset, 과대산포 보정).",
        "en": "Flag: the last 7 complete days vs the 28 days before, conversions per click compared with the "
              "conditional exact test of two Poisson rates (one-sided mid-p), flagged when p < {alpha} and the rate "
              "fell at least 30%. Trend: Poisson regression of daily conversions over 12 weeks (clicks as offset, "
              "overdispersion-scaled)."},
    "ads.trend.caption": {
        "ko": "12주 추세: 클릭당 전환 {change} ({direction}, p={p}). 최근 7일 검정: {fall}",
        "en": "12-week trend: conversions per click {change} ({direction}, p={p}). Last-7-days test: {fall}"},
    "ads.trend.not_enough": {"ko": "추세를 판단할 데이터가 부족합니다.", "en": "Not enough data for a trend."},
    "ads.direction.falling": {"ko": "하락", "en": "falling"},
    "ads.direction.rising": {"ko": "상승", "en": "rising"},
    "ads.direction.flat": {"ko": "뚜렷한 변화 없음", "en": "no clear change"},
    "ads.direction.not_enough_data": {"ko": "데이터 부족", "en": "not enough data"},
    "ads.fall.flagged": {"ko": "유의한 하락", "en": "significant fall"},
    "ads.fall.not_flagged": {"ko": "유의한 하락 아님", "en": "no significant fall"},
    "ads.fall.untested": {"ko": "검정할 전환이 없음", "en": "no conversions to test"},
    "ads.response.caption": {
        "ko": "적합: 일 전환매출 = a × 일 광고비^{b} ({days}일). 현재 일 광고비 {spend}에서 평균 ROAS {roas}, "
              "한계 ROAS {marginal} (손익분기 {break_even}).",
        "en": "Fit: daily revenue = a × daily spend^{b} ({days} days). At the current {spend} a day: average ROAS "
              "{roas}, marginal ROAS {marginal} (break-even {break_even})."},
    "ads.response.none": {"ko": "이 캠페인은 반응 곡선을 그릴 만큼 데이터가 없습니다(광고비가 있는 날 21일, 매출이 있는 날 5일 필요).",
                          "en": "Not enough days to fit a response curve for this campaign "
                                "(needs 21 days with spend and 5 with revenue)."},
    "ads.budget.advice": {
        "ko": "다음 예산 10%(하루 {extra})는 {parts}에 쓰세요. 손익분기 ROAS {break_even}보다 한계 ROAS가 높아 "
              "추가 광고비가 원가와 자기 비용보다 더 벌어옵니다: 하루 전환 매출 약 {revenue} 증가 예상.",
        "en": "Put the next 10% of the budget ({extra} a day) into {parts}. There the marginal ROAS is above the "
              "break-even {break_even}, so each extra unit still pays for the goods and itself: about {revenue} "
              "more conversion revenue a day."},
    "ads.budget.part": {"ko": "{campaign} +{extra}/일 (한계 ROAS {marginal})",
                        "en": "{campaign} +{extra}/day (marginal ROAS {marginal})"},
    "ads.budget.rest": {"ko": "나머지(하루 {rest})는 손익분기를 넘는 곳이 없어 쓰지 않는 편이 낫습니다.",
                        "en": "The remaining {rest} a day has no campaign above break-even: better kept."},
    "ads.budget.none": {
        "ko": "추가 예산(하루 {extra})을 쓸 곳이 없습니다: 모든 캠페인의 한계 ROAS가 손익분기 {break_even}보다 낮습니다. "
              "예산을 늘리지 말고 손해 캠페인을 줄이세요: {losing}.",
        "en": "No campaign earns back an extra {extra} a day: every marginal ROAS is below the break-even "
              "{break_even}. Keep the budget and trim the campaigns losing money: {losing}."},
    "ads.budget.held": {
        "ko": "제외: {campaigns}. ROAS가 최근 유의하게 떨어져, 12주로 적합한 곡선이 지금의 효율을 과대평가합니다.",
        "en": "Left out: {campaigns}. Their ROAS fell significantly, so a curve fitted on 12 weeks overstates what "
              "they earn now."},
    "ads.budget.none_losing": {"ko": "(손해 캠페인 없음)", "en": "(none is losing money)"},
    "ads.budget.no_curves": {"ko": "반응 곡선을 적합할 만큼 기록된 날이 있는 캠페인이 없어 예산 조언을 드릴 수 없습니다.",
                             "en": "No campaign has enough days to fit a response curve, so there is no budget advice yet."},
    "ads.budget.method": {
        "ko": "방법: 캠페인별 일 광고비→일 전환매출 곡선(a × 광고비^b, 0≤b≤1, 준포아송 최대우도)을 최근 12주로 적합하고, "
              "추가 예산을 20번에 나눠 그때그때 한계 ROAS가 가장 높은 캠페인에 배분합니다(손익분기 초과, 캠페인당 현재의 +50%까지). "
              "최근 7일 ROAS가 유의하게 떨어졌거나 12주 추세가 유의하게 하락 중인 캠페인은 받지 않습니다.",
        "en": "Method: per campaign, daily spend → daily conversion revenue fitted as a × spend^b (0≤b≤1, "
              "quasi-Poisson maximum likelihood) on the last 12 weeks; the extra budget goes in 20 steps to the "
              "campaign with the highest marginal ROAS at that point (above break-even, at most +50% per campaign). "
              "Campaigns whose ROAS fell significantly in the last 7 days, or whose 12-week trend falls "
              "significantly, get none."},
    "ads.chart.weekly_roas": {"ko": "주별 ROAS", "en": "Weekly ROAS"},
    "ads.chart.daily_roas": {"ko": "일별 ROAS", "en": "Daily ROAS"},
    "ads.chart.trend": {"ko": "추세(적합)", "en": "Trend (fitted)"},
    "ads.chart.break_even": {"ko": "손익분기 {value}", "en": "Break-even {value}"},
    "ads.chart.break_even_line": {"ko": "손익분기 매출", "en": "Break-even revenue"},
    "ads.chart.roas_trend": {"ko": "{campaign}: ROAS 추이 (12주)", "en": "{campaign}: ROAS over 12 weeks"},
    "ads.chart.response": {"ko": "{campaign}: 일 광고비 대비 전환 매출", "en": "{campaign}: daily spend vs revenue"},
    "ads.chart.days": {"ko": "일별", "en": "Days"},
    "ads.chart.fitted": {"ko": "적합 곡선 (b={b})", "en": "Fitted curve (b={b})"},
    "ads.chart.current": {"ko": "현재 {spend}/일", "en": "Now {spend}/day"},
    "ads.chart.daily_spend": {"ko": "일 광고비 ({currency})", "en": "Daily spend ({currency})"},
    "ads.chart.daily_revenue": {"ko": "일 전환 매출 ({currency})", "en": "Daily conversion revenue ({currency})"},
    "ads.col.platform": {"ko": "플랫폼", "en": "Platform"},
    "ads.col.campaign": {"ko": "캠페인", "en": "Campaign"},
    "ads.col.ad_group": {"ko": "광고그룹", "en": "Ad group"},
    "ads.col.keyword": {"ko": "키워드", "en": "Keyword"},
    "ads.col.spend_change_pct": {"ko": "광고비 증감 %", "en": "Spend change %"},
    "ads.col.roas_change_pct": {"ko": "ROAS 증감 %", "en": "ROAS change %"},
    "ads.col.verdict": {"ko": "손익 판정", "en": "Verdict"},
    "ads.col.share_of_spend": {"ko": "광고비 비중", "en": "Share of spend"},
    "ads.col.extra_daily_spend": {"ko": "추가 일 광고비", "en": "Extra daily spend"},
    "ads.col.current_daily_spend": {"ko": "현재 일 광고비", "en": "Current daily spend"},
    "ads.col.extra_daily_revenue": {"ko": "추가 일 전환매출", "en": "Extra daily revenue"},
    "ads.col.extra_daily_contribution": {"ko": "추가 일 공헌이익", "en": "Extra daily contribution"},
}
