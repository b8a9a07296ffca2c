"""UI strings (ko/en) and metric definitions of the traffic area; keys start with "traffic."."""

from __future__ import annotations

from analytics.metric_model import Metric

STRINGS: dict[str, dict[str, str]] = {
    "traffic.caption": {"ko": "{name} · {start} ~ {end} · 이전 기간({prev_start} ~ {prev_end}) 대비",
                        "en": "{name} · {start} to {end} · compared with {prev_start} to {prev_end}"},
    "traffic.tab.channels": {"ko": "채널", "en": "Channels"},
    "traffic.tab.keywords": {"ko": "검색 키워드", "en": "Search keywords"},
    "traffic.tab.unmet": {"ko": "놓친 수요", "en": "Unmet demand"},
    "traffic.breakdown": {"ko": "나눠 보기", "en": "Break down by"},
    "traffic.breakdown.channel": {"ko": "채널", "en": "Channel"},
    "traffic.breakdown.source_medium": {"ko": "소스/매체", "en": "Source / medium"},
    "traffic.breakdown.device": {"ko": "기기", "en": "Device"},
    "traffic.keyword_sort": {"ko": "정렬 기준", "en": "Sort by"},
    "traffic.keyword_filter": {"ko": "키워드 찾기 (띄어쓰기 무시)", "en": "Find keywords (spaces ignored)"},
    "traffic.keyword_filter_help": {"ko": "입력한 글자를 포함한 키워드만 보여 줍니다. '소포장'은 '사료소포장'과 '간식 소포장'을 "
                                          "모두 찾습니다.",
                                    "en": "Shows only the keywords containing the text; '소포장' finds both '사료소포장' "
                                          "and '간식 소포장'."},
    "traffic.keyword_filter_count": {"ko": "키워드 {shown:,}개 / 전체 {total:,}개",
                                     "en": "{shown:,} of {total:,} keywords"},
    "traffic.funnel.header": {"ko": "방문에서 결제까지", "en": "From visit to paid order"},
    "traffic.funnel.sessions": {"ko": "방문", "en": "Sessions"},
    "traffic.funnel.engaged_sessions": {"ko": "2페이지 이상 본 방문", "en": "Engaged sessions (2+ pages)"},
    "traffic.funnel.converted_sessions": {"ko": "주문한 방문", "en": "Converted sessions"},
    "traffic.funnel.paid_orders": {"ko": "결제 완료 주문", "en": "Paid orders"},
    "traffic.no_sessions": {"ko": "선택한 기간에 방문 기록이 없습니다. 기간을 바꾸거나 데이터 페이지에서 방문(세션) 파일을 올리세요.",
                            "en": "No visits in the selected range. Pick other dates or upload a sessions file "
                                  "on the Data page."},
    "traffic.no_keywords": {"ko": "선택한 기간에 검색 키워드로 들어온 방문이 없습니다.",
                            "en": "No visits arrived with a search keyword in the selected range."},
    "traffic.no_unmet": {"ko": "방문은 많은데 스토어보다 확실히 덜 사는 키워드가 없습니다 (키워드당 방문 {min_sessions}회 이상, 99% 구간 기준).",
                         "en": "No keyword with many visitors converts clearly below the store "
                               "(at least {min_sessions} visits per keyword, 99% interval)."},
    "traffic.unmet.rule": {
        "ko": "규칙: 방문 {min_sessions}회 이상이고 전환율 99% 윌슨 구간의 상한이 스토어 전환율({store})보다 낮은 키워드를 "
              "찾고, 같은 단어(동의어 포함: {synonyms})를 쓴 키워드 전체의 방문을 합쳐도 기준에 걸리면 하나로 묶었습니다. "
              "띄어쓰기 없는 검색어(사료소포장)는 스토어의 다른 검색어·상품명에 쓰인 단어로 나눠 봅니다.",
        "en": "Rule: keywords with at least {min_sessions} visits whose 99% Wilson interval for conversion lies "
              "entirely below the store conversion ({store}); the keywords sharing a term (synonyms: {synonyms}) form "
              "one group when all of them, pooled, pass the same rule. A search typed without spaces (사료소포장) is "
              "split into words the store's other searches and product names use."},
    "traffic.unmet.keywords": {"ko": "묶인 키워드: {keywords}", "en": "Keywords in this group: {keywords}"},
    "traffic.unmet.keywords_more": {"ko": "묶인 키워드 {count:,}개: {keywords} 외 {more:,}개 (방문 많은 순)",
                                    "en": "{count:,} keywords in this group: {keywords} and {more:,} more "
                                          "(most visits first)"},
    "traffic.advice.variant": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 이 방문자들이 본 인기 상품({products})의 {option} 옵션을 "
              "추가해 보세요.",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): consider a {option} option of your top sellers they "
              "landed on ({products})."},
    "traffic.advice.missing": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 스토어에 해당 상품이 없는 것으로 보입니다: '{term}'을(를) "
              "상품 구성에 추가하는 것을 검토해 보세요 (대신 본 상품: {products}).",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): you don't seem to carry it; consider adding {term} to "
              "your lineup (they landed on {products} instead)."},
    "traffic.advice.carried": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 상품은 있지만 팔리지 않습니다: {products}의 가격·사진·옵션·리뷰를 "
              "점검해 보세요.",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): you carry it but these visitors don't buy; check the "
              "price, photos, options and reviews of {products}."},
    # the same advice when the visits do not say which products they landed on (visits counted by day, e.g. a
    # Smart Store 마케팅분석 download)
    "traffic.advice.variant.unlanded": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 잘 팔리는 상품에 {option} 옵션을 추가해 보세요.",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): consider a {option} option of your top sellers."},
    "traffic.advice.missing.unlanded": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 스토어에 해당 상품이 없는 것으로 보입니다: '{term}'을(를) "
              "상품 구성에 추가하는 것을 검토해 보세요.",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): you don't seem to carry it; consider adding {term} to "
              "your lineup."},
    "traffic.advice.carried.unlanded": {
        "ko": "{start} ~ {end}에 {sessions:,}명이 '{label}'을(를) 검색해 들어왔지만 구매는 {orders:,}건이었습니다"
              "(전환율 {conversion}, 스토어 {store}). 상품은 있지만 팔리지 않습니다: 해당 상품의 가격·사진·옵션·리뷰를 "
              "점검해 보세요.",
        "en": "{sessions:,} visitors searched for {label} from {start} to {end} and {orders:,} bought "
              "(conversion {conversion} vs store {store}): you carry it but these visitors don't buy; check the "
              "price, photos, options and reviews of those products."},
    "traffic.chart.channels": {"ko": "채널별 방문 (이번 기간 vs 이전 기간)", "en": "Sessions by channel (this vs previous period)"},
    "traffic.chart.current": {"ko": "이번 기간", "en": "This period"},
    "traffic.chart.previous": {"ko": "이전 기간", "en": "Previous period"},
    "traffic.chart.funnel": {"ko": "방문 → 결제 퍼널", "en": "Visit-to-order funnel"},
    "traffic.chart.keywords": {"ko": "키워드별 방문과 전환율 (99% 구간)", "en": "Sessions and conversion per keyword (99% interval)"},
    "traffic.chart.keyword": {"ko": "키워드", "en": "Keyword"},
    "traffic.chart.flagged": {"ko": "놓친 수요", "en": "Unmet demand"},
    "traffic.chart.store_conversion": {"ko": "스토어 전환율 {value}", "en": "Store conversion {value}"},
    "traffic.col.channel": {"ko": "채널", "en": "Channel"},
    "traffic.col.source": {"ko": "소스", "en": "Source"},
    "traffic.col.medium": {"ko": "매체", "en": "Medium"},
    "traffic.col.device": {"ko": "기기", "en": "Device"},
    "traffic.col.keyword": {"ko": "키워드", "en": "Keyword"},
    "traffic.col.sessions": {"ko": "방문", "en": "Sessions"},
    "traffic.col.engaged_sessions": {"ko": "2페이지 이상 방문", "en": "Engaged sessions"},
    "traffic.col.converted_sessions": {"ko": "주문한 방문", "en": "Converted sessions"},
    "traffic.col.order_count": {"ko": "주문", "en": "Orders"},
    "traffic.col.paid_order_count": {"ko": "결제 완료 주문", "en": "Paid orders"},
    "traffic.col.revenue": {"ko": "매출", "en": "Revenue"},
    "traffic.col.conversion": {"ko": "전환율", "en": "Conversion"},
    "traffic.col.conversion_low": {"ko": "전환율 하한(99%)", "en": "Conversion low (99%)"},
    "traffic.col.conversion_high": {"ko": "전환율 상한(99%)", "en": "Conversion high (99%)"},
    "traffic.col.revenue_per_session": {"ko": "방문당 매출", "en": "Revenue per session"},
    "traffic.col.previous_sessions": {"ko": "이전 방문", "en": "Previous sessions"},
    "traffic.col.previous_order_count": {"ko": "이전 주문", "en": "Previous orders"},
    "traffic.col.previous_conversion": {"ko": "이전 전환율", "en": "Previous conversion"},
    "traffic.col.previous_revenue": {"ko": "이전 매출", "en": "Previous revenue"},
    "traffic.col.sessions_change_pct": {"ko": "방문 변화(%)", "en": "Sessions change (%)"},
    "traffic.col.revenue_change_pct": {"ko": "매출 변화(%)", "en": "Revenue change (%)"},
    "traffic.col.conversion_change_pp": {"ko": "전환율 변화(%p)", "en": "Conversion change (pp)"},
    "traffic.col.flagged": {"ko": "놓친 수요", "en": "Unmet demand"},
    "traffic.col.stage": {"ko": "단계", "en": "Stage"},
    "traffic.col.count": {"ko": "수", "en": "Count"},
    "traffic.col.share_of_sessions": {"ko": "방문 대비", "en": "Share of sessions"},
    "traffic.col.step_rate": {"ko": "이전 단계 대비", "en": "Of previous stage"},
    "traffic.channel.search": {"ko": "검색", "en": "Search"},
    "traffic.channel.ads": {"ko": "광고", "en": "Ads"},
    "traffic.channel.social": {"ko": "소셜", "en": "Social"},
    "traffic.channel.direct": {"ko": "직접 방문", "en": "Direct"},
    "traffic.channel.referral": {"ko": "추천(링크)", "en": "Referral"},
    "traffic.channel.email": {"ko": "이메일", "en": "Email"},
    "traffic.device.mobile": {"ko": "모바일", "en": "Mobile"},
    "traffic.device.desktop": {"ko": "PC", "en": "Desktop"},
    "traffic.device.tablet": {"ko": "태블릿", "en": "Tablet"},
}

_DAILY_WINDOW = {"ko": " 방문 단위 데이터가 없는 날은 일별 유입 통계(스마트스토어 마케팅분석 등)의 방문을, 기간 안에 온전히 든 "
                       "현지 날짜만 셉니다.",
                 "en": " On days without visit-level sessions, the visits counted by day (a Smart Store 마케팅분석 "
                       "download and the like), for the local days wholly in the period."}
_DAILY_ATTRIBUTION = {"ko": " 일별 유입 통계의 날에는 보고서 자체의 귀속을 씁니다(스마트스토어: 마지막 클릭 결제수·결제금액, "
                            "결제 하나가 주문한 방문 하나).",
                      "en": " On days counted by day, the report's own attribution (Smart Store: last-click "
                            "payments and their amount, each payment one converted visit)."}
_SESSION_WINDOW = {"ko": "방문 시작 시각(판매자 시간대)이 기간 안에 있는 방문." + _DAILY_WINDOW["ko"],
                   "en": "Sessions that started in the period (seller's time zone)." + _DAILY_WINDOW["en"]}
_LAST_SESSION = {"ko": "주문은 그 주문 번호를 가진 방문에 귀속됩니다. 여러 방문이 같은 주문 번호를 가지면 가장 늦은 방문에 귀속(라스트 세션)."
                       + _DAILY_ATTRIBUTION["ko"],
                 "en": "An order belongs to the session carrying its order id; when several do, to the latest one "
                       "(last session)." + _DAILY_ATTRIBUTION["en"]}

METRICS: tuple[Metric, ...] = (
    Metric("traffic_engaged_sessions", "count",
           {"ko": "2페이지 이상 방문", "en": "Engaged sessions"},
           {"ko": "페이지뷰가 2 이상인 방문 수.", "en": "Sessions with at least 2 pageviews."},
           _SESSION_WINDOW,
           {"ko": "방문의 채널·소스·기기 그대로.", "en": "By the session's own channel, source and device."}),
    Metric("traffic_converted_sessions", "count",
           {"ko": "주문한 방문", "en": "Converted sessions"},
           {"ko": "주문 번호가 있는 방문 수(주문 상태 무관).", "en": "Sessions carrying an order id (any order status)."},
           _SESSION_WINDOW, _LAST_SESSION),
    Metric("traffic_orders", "count",
           {"ko": "방문 귀속 주문", "en": "Attributed orders"},
           {"ko": "기간 내 방문에 귀속된 취소되지 않은 주문 수.",
            "en": "Orders not cancelled that are attributed to the period's sessions."},
           {"ko": "방문 시작 시각 기준(주문이 다음 날이어도 그 방문의 기간에 셉니다).",
            "en": "By session start (an order placed the next day counts in its session's period)."},
           _LAST_SESSION),
    Metric("traffic_paid_orders", "count",
           {"ko": "결제 완료 주문", "en": "Paid orders"},
           {"ko": "방문 귀속 주문 중 결제 대기(pending)가 아닌 주문(이후 환불된 주문 포함).",
            "en": "Attributed orders whose payment completed (not pending; later refunds still count)."},
           {"ko": "방문 시작 시각 기준.", "en": "By session start."},
           _LAST_SESSION),
    Metric("traffic_revenue", "money",
           {"ko": "방문 귀속 매출", "en": "Attributed revenue"},
           {"ko": "방문에 귀속된 취소되지 않은 주문의 매출(수량 × 단가 − 라인 할인 − 주문 할인, 배송비 제외).",
            "en": "Revenue of the non-cancelled orders attributed to the sessions (quantity × unit price − line "
                  "discount − order discount; shipping excluded)."},
           {"ko": "방문 시작 시각 기준. 방문 없이 들어온 주문은 포함되지 않아 전체 매출보다 작을 수 있습니다.",
            "en": "By session start. Orders without a session are not included, so it can be below total revenue."},
           _LAST_SESSION),
    Metric("traffic_revenue_per_session", "money",
           {"ko": "방문당 매출", "en": "Revenue per session"},
           {"ko": "방문 귀속 매출 ÷ 방문 수.", "en": "Attributed revenue ÷ sessions."},
           _SESSION_WINDOW, _LAST_SESSION),
    Metric("keyword_conversion_interval", "ratio",
           {"ko": "전환율 99% 구간", "en": "Conversion 99% interval"},
           {"ko": "키워드 전환율(주문한 방문 ÷ 방문)의 99% 윌슨 점수 구간. 방문이 적을수록 넓어집니다.",
            "en": "99% Wilson score interval of the keyword's conversion (converted sessions ÷ sessions); "
                  "wider when there are few visits."},
           {"ko": "검색 키워드가 있는 방문, 방문 시작 시각 기준. 키워드는 공백 정리·소문자로 통일.",
            "en": "Sessions with a search keyword, by session start; keywords trimmed, lower-cased, inner spaces "
                  "collapsed."},
           {"ko": "방문에 기록된 유입 검색어(자연 검색·광고 모두).",
            "en": "The inbound search keyword recorded on the session (organic and paid)."}),
    Metric("keyword_unmet_sessions", "count",
           {"ko": "놓친 수요 방문", "en": "Unmet-demand visits"},
           {"ko": "방문 100회 이상이고 전환율 99% 구간 상한이 스토어 전환율보다 낮은 키워드 묶음의 방문 수. "
                  "같은 단어(동의어 포함, 예: small pack = 소포장)를 쓴 키워드 중 하나가 이 기준에 걸리고, 그 단어를 쓴 키워드 "
                  "전체의 방문을 합쳐도 기준에 걸리면 하나로 묶습니다(방문이 적어 혼자서는 판단할 수 없는 키워드도 포함). "
                  "띄어쓰기 없이 입력한 검색어(사료소포장)는 스토어의 다른 검색어·상품명에 쓰인 두 글자 이상의 단어로 나눠 "
                  "봅니다.",
            "en": "Visits of keyword groups with at least 100 visits whose 99% interval upper bound is below the "
                  "store conversion. The keywords sharing a term (synonyms included, e.g. small pack = 소포장) form "
                  "one group when one of them is flagged and all of them, pooled, pass the same rule (keywords too "
                  "small to judge alone included). A search typed without spaces (사료소포장) is split into words of "
                  "two syllables or more that the store's other searches and product names use."},
           {"ko": "선택한 기간, 방문 시작 시각 기준. 스토어 전환율도 같은 기간의 전체 방문 기준.",
            "en": "The selected period by session start; the store conversion is over all sessions of the same "
                  "period."},
           {"ko": "방문에 기록된 유입 검색어.", "en": "The inbound search keyword recorded on the session."}),
)
