"""UI strings (ko/en) and metric definitions of the realtime area; keys start with "realtime."."""

from __future__ import annotations

from analytics.metric_model import Metric

_WEEKDAYS_KO = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

STRINGS: dict[str, dict[str, str]] = {
    "realtime.as_of": {"ko": "{name} · {tz} · 오늘 {now} 기준 (자동 새로고침 {seconds}초)",
                       "en": "{name} · {tz} · today as of {now} (refreshes every {seconds} s)"},
    "realtime.refresh": {"ko": "새로고침 간격", "en": "Refresh every"},
    "realtime.refresh.help": {"ko": "이 페이지의 숫자를 다시 읽는 간격입니다. API로 들어온 주문도 이 간격 안에 보입니다.",
                              "en": "How often this page re-reads the numbers; orders pushed through the API "
                                    "show within this interval."},
    "realtime.refresh.option": {"ko": "{seconds}초", "en": "{seconds} s"},
    "realtime.delta.yesterday": {"ko": "어제 같은 시각 대비", "en": "vs yesterday, same time"},
    "realtime.compare.header": {"ko": "같은 시각 비교", "en": "Same time of day, compared"},
    "realtime.compare.help": {
        "ko": "오늘 0시부터 지금까지를 어제, 지난주 같은 요일의 0시부터 같은 시각까지와 비교합니다(판매자 시간대).",
        "en": "Today from local midnight until now, against yesterday and the same weekday last week from "
              "midnight up to the same clock time (seller's time zone)."},
    "realtime.forecast.header": {"ko": "오늘 마감 예상", "en": "Where today will close"},
    "realtime.forecast.sentence": {
        "ko": "오늘 예상 마감 매출은 {close}입니다({level}% 구간 {lower}–{upper}). "
              "평소 {weekday}({usual})보다 {delta}%입니다.",
        "en": "Today will close at {close} ({level}% interval {lower}–{upper}), "
              "{delta}% vs a usual {weekday} ({usual})."},
    "realtime.forecast.not_enough": {
        "ko": "마감 예상을 하기에는 아직 기록이 부족합니다(최근 {weekday} 4번 이상과 10일 이상의 기록이 필요합니다).",
        "en": "Not enough history for a forecast yet (needs at least 4 earlier {weekday}s and 10 days)."},
    "realtime.forecast.how": {
        "ko": "같은 시각까지의 매출이 평소 {weekday}의 이 시각 누적 비율(지금까지 하루 매출의 {share}%)보다 "
              "앞서는지 뒤처지는지로 마감 매출을 예측합니다. 최근 {days}일에 맞춘 로그 선형 회귀(statsmodels OLS)이며, "
              "구간은 그 날들을 하나씩 빼고 맞췄을 때의 오차(잭나이프)로 정합니다.",
        "en": "Predicts the close from how far today is ahead of or behind the usual pace of a {weekday} "
              "(by now a usual day has made {share}% of its revenue): a log-linear regression (statsmodels OLS) "
              "fitted on the last {days} days; the interval comes from its errors on those days, each left out of the fit "
              "in turn (jackknife)."},
    "realtime.chart.header": {"ko": "시간대별 매출", "en": "Revenue by hour"},
    "realtime.chart.title": {"ko": "오늘 시간대별 매출과 누적", "en": "Today's revenue by hour, and cumulative"},
    "realtime.chart.revenue": {"ko": "매출", "en": "Revenue"},
    "realtime.chart.hour": {"ko": "시각 (판매자 시간대)", "en": "Hour (seller's time zone)"},
    "realtime.chart.cumulative": {"ko": "누적 매출", "en": "Cumulative revenue"},
    "realtime.chart.today": {"ko": "오늘", "en": "Today"},
    "realtime.chart.yesterday": {"ko": "어제", "en": "Yesterday"},
    "realtime.chart.last_week": {"ko": "지난주 같은 요일", "en": "Same weekday last week"},
    "realtime.chart.usual": {"ko": "평소 같은 요일", "en": "Usual day of this weekday"},
    "realtime.chart.today_cumulative": {"ko": "오늘 누적", "en": "Today, cumulative"},
    "realtime.chart.usual_cumulative": {"ko": "평소 누적", "en": "Usual day, cumulative"},
    "realtime.chart.help": {
        "ko": "평소 같은 요일 = 최근 4~8번의 같은 요일, 시간대별 중앙값.",
        "en": "Usual day = the median of each hour over the last 4-8 same weekdays."},
    "realtime.orders.header": {"ko": "최근 주문 (최근 {n}건)", "en": "Latest orders (newest {n})"},
    "realtime.orders.help": {"ko": "취소되지 않은 주문, 최신순. 금액은 매출과 같은 규칙(상품 합계 − 할인, 배송비 제외).",
                             "en": "Orders not cancelled, newest first. Amount follows the revenue rule "
                                   "(products − discounts, shipping excluded)."},
    "realtime.orders.empty": {"ko": "최근 30일 동안 주문이 없습니다.", "en": "No orders in the last 30 days."},
    "realtime.col.metric": {"ko": "지표", "en": "Metric"},
    "realtime.col.today": {"ko": "오늘", "en": "Today"},
    "realtime.col.yesterday": {"ko": "어제 같은 시각", "en": "Yesterday, same time"},
    "realtime.col.last_week": {"ko": "지난주 같은 요일·시각", "en": "Last week, same weekday and time"},
    "realtime.col.ordered_local": {"ko": "시각", "en": "Time"},
    "realtime.col.order_id": {"ko": "주문 번호", "en": "Order id"},
    "realtime.col.items": {"ko": "상품", "en": "Items"},
    "realtime.col.unit_count": {"ko": "수량", "en": "Units"},
    "realtime.col.amount": {"ko": "금액", "en": "Amount"},
    "realtime.col.channel": {"ko": "채널", "en": "Channel"},
    "realtime.col.status": {"ko": "상태", "en": "Status"},
    # order statuses as stored (data/formats.STATUS_ALIASES) and the order channels the import layouts and the
    # demo store write; a channel a file names otherwise is shown as loaded
    "realtime.status.paid": {"ko": "결제 완료", "en": "Paid"},
    "realtime.status.pending": {"ko": "결제 대기", "en": "Pending"},
    "realtime.status.refunded": {"ko": "환불", "en": "Refunded"},
    "realtime.status.partially_refunded": {"ko": "부분 환불", "en": "Partly refunded"},
    "realtime.status.cancelled": {"ko": "취소", "en": "Cancelled"},
    "realtime.channel.smartstore": {"ko": "스마트스토어", "en": "Smart Store"},
    "realtime.channel.coupang": {"ko": "쿠팡", "en": "Coupang"},
    "realtime.channel.own_mall": {"ko": "자사몰", "en": "Own store"},
    "realtime.channel.online_store": {"ko": "온라인 스토어", "en": "Online store"},
    "realtime.channel.web": {"ko": "웹", "en": "Web"},
    **{f"realtime.weekday.{i}": {"ko": ko, "en": en}
       for i, (ko, en) in enumerate(zip(_WEEKDAYS_KO, _WEEKDAYS_EN, strict=True))},
}

METRICS: tuple[Metric, ...] = (
    Metric(
        "realtime_forecast_close", "money",
        {"ko": "오늘 마감 예상 매출", "en": "Today's forecast close"},
        {"ko": "log(마감 ÷ 평소) = a + b × log(지금까지 ÷ 평소 이 시각까지)의 OLS 예측. 80% 구간: 학습한 날을 하나씩 "
               "빼고 맞춘 오차의 10%·90% 분위(잭나이프). "
               "평소 이 시각까지 = 최근 12번 같은 요일의 이 시각 누적 비율 × 평소 하루 매출.",
         "en": "OLS prediction of log(close ÷ usual) = a + b × log(so far ÷ usual so far). 80% interval: the "
               "10% and 90% quantiles of its errors on the training days, each left out of the fit in turn "
               "(jackknife). Usual so far = share of the day reached by this time over the last 12 same "
               "weekdays × the usual day's revenue."},
        {"ko": "오늘 0시(판매자 시간대)부터 24시까지. 최근 56일로 적합합니다.",
         "en": "Today from local midnight to midnight; fitted on the last 56 days."},
        {"ko": "매출과 같은 주문 기준(주문 시각, 취소 제외).", "en": "Same orders as revenue (order time, not cancelled)."},
    ),
    Metric(
        "realtime_usual_day", "money",
        {"ko": "평소 같은 요일 매출", "en": "Usual day of this weekday"},
        {"ko": "최근 4~8번의 같은 요일 하루 매출의 중앙값.",
         "en": "Median daily revenue over the last 4-8 same weekdays."},
        {"ko": "오늘 이전의 같은 요일들(판매자 시간대).", "en": "Same weekdays before today (seller's time zone)."},
        {"ko": "매출과 같은 주문 기준.", "en": "Same orders as revenue."},
    ),
)
