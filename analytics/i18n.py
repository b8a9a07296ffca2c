"""Every UI string in Korean and English; `t(key, lang, **values)` returns one, formatted."""

from __future__ import annotations

from analytics import ads_text, alerts_text, customers_text, digest_text, products_text, realtime_text, traffic_text

LANGUAGES = ("ko", "en")

STRINGS: dict[str, dict[str, str]] = {
    # app frame and navigation
    "app.title": {"ko": "Seller Insights", "en": "Seller Insights"},
    "app.error.warehouse": {"ko": "데이터 저장소를 열 수 없습니다: {error}",
                            "en": "Cannot open the warehouse: {error}"},
    "nav.overview": {"ko": "개요", "en": "Overview"},
    "nav.insights": {"ko": "인사이트", "en": "Insights"},
    "nav.operations": {"ko": "운영", "en": "Operations"},
    "page.home": {"ko": "홈", "en": "Home"},
    "page.realtime": {"ko": "실시간", "en": "Real-time"},
    "page.products": {"ko": "상품", "en": "Products"},
    "page.traffic": {"ko": "방문·키워드", "en": "Traffic & keywords"},
    "page.ads": {"ko": "광고", "en": "Ads"},
    "page.customers": {"ko": "고객", "en": "Customers"},
    "page.alerts": {"ko": "알림", "en": "Alerts"},
    "page.explore": {"ko": "탐색 (SQL)", "en": "Explore (SQL)"},
    "page.data": {"ko": "데이터", "en": "Data"},
    # sidebar
    "sidebar.language": {"ko": "언어", "en": "Language"},
    "sidebar.seller": {"ko": "스토어", "en": "Store"},
    "sidebar.date_range": {"ko": "기간", "en": "Date range"},
    "sidebar.date_range.help": {"ko": "판매자 시간대의 날짜입니다. 시작일과 종료일 모두 포함합니다.",
                                "en": "Dates in the store's time zone; both ends included."},
    "sidebar.seller_facts": {"ko": "시간대 {tz} · 통화 {currency}", "en": "Time zone {tz} · currency {currency}"},
    "sidebar.no_sellers": {"ko": "아직 스토어가 없습니다. 데이터 페이지에서 파일을 올리면 만들어집니다.",
                           "en": "No stores yet. Upload a file on the Data page to create one."},
    "lang.ko": {"ko": "한국어", "en": "한국어"},
    "lang.en": {"ko": "English", "en": "English"},
    # coming-soon pages
    "common.coming_soon": {"ko": "준비 중입니다", "en": "Coming soon"},
    "common.needs_seller": {"ko": "왼쪽에서 스토어를 먼저 고르세요.", "en": "Choose a store in the sidebar first."},
    "soon.realtime": {
        "ko": "오늘의 주문·매출·방문을 시간대별로 평소와 비교하고, 방금 들어온 주문과 API로 전송된 데이터를 바로 보여줍니다.",
        "en": "Today's orders, revenue and visits hour by hour against a usual day, and the latest orders "
              "and API pushes as they arrive."},
    "soon.products": {
        "ko": "잘 팔리는 상품과 부진한 상품, 마진, 반품률, 재고 소진 예상일과 품절 위험을 보여줍니다.",
        "en": "Best and worst sellers, margins, return rates, days of stock left and stock-out risk."},
    "soon.traffic": {
        "ko": "채널·유입처별 방문, 유입 검색 키워드, 랜딩 상품, 방문은 많지만 구매로 이어지지 않는 키워드를 보여줍니다.",
        "en": "Visits by channel and source, inbound search keywords, landing products, and keywords that "
              "bring visits but no sales."},
    "soon.ads": {
        "ko": "플랫폼·캠페인·키워드별 광고비, ROAS, 클릭률, 클릭당 비용과 낭비되는 광고비를 보여줍니다.",
        "en": "Spend, ROAS, click-through rate and cost per click by platform, campaign and keyword, "
              "and the spend that brings nothing back."},
    "soon.customers": {
        "ko": "신규·재구매 고객, 재구매율, 코호트 유지율, RFM 등급과 고객 생애 가치를 보여줍니다.",
        "en": "New and returning customers, repeat rate, cohort retention, RFM grades and lifetime value."},
    "soon.alerts": {
        "ko": "매출 급감, 광고 성과 붕괴, 반품 급증, 품절을 자동으로 찾아 원인을 설명하고 이메일로 알려드립니다.",
        "en": "Automatic detection of sales drops, ad collapses, return spikes and stock-outs, with an "
              "explanation of the likely cause and email notifications."},
    "soon.explore": {
        "ko": "내 스토어 데이터에 읽기 전용 SQL을 실행하고 결과를 CSV로 내려받습니다.",
        "en": "Run read-only SQL over your own store's data and download the result as CSV."},
    # home page
    "home.as_of": {"ko": "{name} · {tz} · 기준 시각 {now}", "en": "{name} · {tz} · as of {now}"},
    "home.no_orders_in_range": {"ko": "선택한 기간에 주문이 없습니다. 기간을 바꾸거나 데이터 페이지에서 파일을 올리세요.",
                                "en": "No orders in the selected range. Pick other dates or upload a file on the Data page."},
    "period.today": {"ko": "오늘", "en": "Today"},
    "period.last_7_days": {"ko": "최근 7일", "en": "Last 7 days"},
    "period.last_30_days": {"ko": "최근 30일", "en": "Last 30 days"},
    "delta.today": {"ko": "어제 같은 시각 대비", "en": "vs yesterday, same time"},
    "delta.last_7_days": {"ko": "이전 7일 대비", "en": "vs previous 7 days"},
    "delta.last_30_days": {"ko": "이전 30일 대비", "en": "vs previous 30 days"},
    "home.chart.header": {"ko": "선택한 기간의 일별 매출", "en": "Daily revenue in the selected range"},
    "home.chart.total": {"ko": "{start} ~ {end} 합계: 매출 {revenue} · 주문 {orders}건",
                         "en": "{start} to {end}: revenue {revenue} · {orders} orders"},
    "chart.revenue_by_day": {"ko": "일별 매출", "en": "Daily revenue"},
    "chart.revenue": {"ko": "매출", "en": "Revenue"},
    "chart.orders": {"ko": "주문 수", "en": "Orders"},
    "chart.date": {"ko": "날짜", "en": "Date"},
    # data page: upload
    "data.upload.header": {"ko": "파일 올리기", "en": "Upload a file"},
    "data.upload.file": {"ko": "파일 (CSV, Excel, Parquet)", "en": "File (CSV, Excel, Parquet)"},
    "data.upload.kind": {"ko": "데이터 종류", "en": "Kind of data"},
    "data.upload.format": {"ko": "파일 형식", "en": "File format"},
    "data.upload.new_seller": {"ko": "새 스토어 ID", "en": "New store id"},
    "data.upload.skip_invalid": {"ko": "잘못된 행은 건너뛰고 나머지를 적재", "en": "Skip invalid rows and load the rest"},
    "data.upload.skip_invalid.help": {
        "ko": "끄면 문제가 하나라도 있을 때 파일 전체를 적재하지 않습니다.",
        "en": "Off: one problem rejects the whole file and nothing is loaded."},
    "data.upload.load": {"ko": "적재", "en": "Load"},
    "data.upload.progress": {"ko": "{done:,}행 처리 중…", "en": "Processing row {done:,}…"},
    "data.upload.progress_total": {"ko": "{done:,} / {total:,}행 처리 중…", "en": "Processing row {done:,} of {total:,}…"},
    "data.upload.done": {"ko": "완료", "en": "Done"},
    "kind.orders": {"ko": "주문", "en": "Orders"},
    "kind.returns": {"ko": "반품·교환·취소", "en": "Returns & claims"},
    "kind.sessions": {"ko": "방문(세션)", "en": "Sessions (visits)"},
    "kind.ad_stats": {"ko": "광고 통계", "en": "Ad statistics"},
    "kind.inventory": {"ko": "재고", "en": "Inventory"},
    "kind.products": {"ko": "상품", "en": "Products"},
    "format.auto": {"ko": "자동 감지", "en": "Detect automatically"},
    "format.canonical": {"ko": "표준 템플릿", "en": "Canonical template"},
    "format.shopify": {"ko": "Shopify 내보내기", "en": "Shopify export"},
    "format.online_retail": {"ko": "Online Retail (UCI)", "en": "Online Retail (UCI)"},
    "format.mapped": {"ko": "직접 매핑", "en": "Custom mapping"},
    "data.mapper.header": {"ko": "열 매핑", "en": "Column mapping"},
    "data.mapper.detected": {"ko": "감지된 형식: {fmt}", "en": "Detected format: {fmt}"},
    "data.mapper.help": {"ko": "각 대상 열을 파일의 어느 열로 채울지 고르세요. 제안값이 미리 선택되어 있습니다.",
                         "en": "Pick the column of your file that fills each target column; suggestions are pre-selected."},
    "data.mapper.none": {"ko": "(없음)", "en": "(none)"},
    "data.mapper.required": {"ko": "필수", "en": "required"},
    "data.preview.header": {"ko": "미리보기 (처음 {n}행, 매핑 적용)", "en": "Preview (first {n} rows, mapped)"},
    "data.preview.problems": {"ko": "미리보기에서 발견된 문제", "en": "Problems found in the preview"},
    "data.preview.failed": {"ko": "파일을 읽을 수 없습니다: {error}", "en": "Cannot read the file: {error}"},
    "data.result.loaded": {
        "ko": "적재 완료: {loaded:,}행 추가, 중복 {duplicate:,}행 건너뜀, 거부 {rejected:,}행 (읽은 행 {read:,}).",
        "en": "Loaded {loaded:,} rows; {duplicate:,} duplicates skipped, {rejected:,} rejected ({read:,} rows read)."},
    "data.result.nothing_new": {"ko": "새로 추가된 행이 없습니다: {duplicate:,}행 모두 이미 적재되어 있습니다.",
                                "en": "Nothing new: all {duplicate:,} rows were already loaded."},
    "data.result.totals": {"ko": "적재된 합계", "en": "Totals loaded"},
    "data.result.rejects_file": {"ko": "거부된 행은 {path} 에 저장했습니다.", "en": "Rejected rows were written to {path}."},
    "data.result.rejected": {
        "ko": "파일을 적재하지 않았습니다: 문제 {count:,}건. 데이터는 바뀌지 않았습니다.",
        "en": "The file was not loaded: {count:,} problems. The warehouse is unchanged."},
    "data.result.first_problems": {"ko": "처음 발견된 문제", "en": "First problems"},
    "data.result.failed": {"ko": "적재 중 오류가 발생했습니다: {error}", "en": "The load failed: {error}"},
    # data page: status
    "data.tables.header": {"ko": "테이블별 행 수", "en": "Rows per table"},
    "data.freshness.header": {"ko": "데이터 최신성", "en": "Data freshness"},
    "data.freshness.help": {"ko": "테이블마다 가장 최근 기록의 시각(스토어 시간대)입니다.",
                            "en": "The latest record of each table, in the store's time zone."},
    "data.loads.header": {"ko": "적재 기록 (최근 50건)", "en": "Load log (latest 50)"},
    "data.loads.empty": {"ko": "아직 적재 기록이 없습니다.", "en": "No loads yet."},
    "data.templates.header": {"ko": "예시 템플릿", "en": "Example templates"},
    "data.templates.help": {"ko": "표준 형식의 예시 파일입니다. 내려받아 형식을 확인하세요.",
                            "en": "Example files in the canonical formats; download one to see the layout."},
    "data.templates.none": {"ko": "아직 예시 파일이 없습니다.", "en": "No example files yet."},
    "col.table_name": {"ko": "테이블", "en": "Table"},
    "col.row_count": {"ko": "행 수", "en": "Rows"},
    "col.latest_local": {"ko": "최근 기록 (현지 시각)", "en": "Latest record (local time)"},
    "col.age_hours": {"ko": "경과 (시간)", "en": "Age (hours)"},
    "col.load_id": {"ko": "적재 ID", "en": "Load id"},
    "col.finished_local": {"ko": "시각", "en": "When"},
    "col.source": {"ko": "출처", "en": "Source"},
    "col.kind": {"ko": "종류", "en": "Kind"},
    "col.format": {"ko": "형식", "en": "Format"},
    "col.rows_read": {"ko": "읽은 행", "en": "Rows read"},
    "col.rows_loaded": {"ko": "적재", "en": "Loaded"},
    "col.rows_duplicate": {"ko": "중복", "en": "Duplicates"},
    "col.rows_rejected": {"ko": "거부", "en": "Rejected"},
    "col.status": {"ko": "상태", "en": "Status"},
    "col.message": {"ko": "메시지", "en": "Message"},
    "col.row": {"ko": "행", "en": "Row"},
    "col.column": {"ko": "열", "en": "Column"},
    "col.reason": {"ko": "이유", "en": "Reason"},
    "col.value": {"ko": "값", "en": "Value"},
    "col.total_name": {"ko": "항목", "en": "Item"},
    "col.total_value": {"ko": "합계", "en": "Total"},
}


# Each insight area keeps its strings in analytics/<area>_text.py; keys are prefixed with the area name.
for _area in (realtime_text, products_text, traffic_text, ads_text, customers_text, digest_text, alerts_text):
    for _key in _area.STRINGS:
        if _key in STRINGS:
            raise ValueError(f"UI string {_key!r} is defined twice")
    STRINGS.update(_area.STRINGS)


def t(key: str, lang: str, **values: object) -> str:
    """The string `key` in `lang` (ko or en; anything else falls back to en), formatted with `values`."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def normalise_language(lang: str | None) -> str:
    """'ko' or 'en' from a setting or user value (e.g. 'KO', 'ko-KR'); unknown values become 'ko'."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else "ko"
