"""The analysts' SQL workspace, minus the page: query templates, parameter widgets, column help, exports, charts.

Everything here is pure (no warehouse access): the page runs queries through data.sandbox.Sandbox on a
data.scope.ScopedWarehouse and hands the results to these helpers.

- TEMPLATES: starting points for common questions, one SELECT each (analytics/sql/workspace_<key>.sql), with
  named parameters `$from` / `$to` (local dates, both included) and no seller filter: the sandbox's scoped views
  already hold only the signed-in user's stores, and every template keeps `seller_id` in its grain so an analyst
  with several stores sees them apart.
- parameter_kinds / default_parameter_values: which widget a `$name` gets, and its starting value.
- COLUMN_HELP: Korean and English descriptions of every column the schema browser lists.
- to_csv_bytes / to_parquet_bytes / to_excel_bytes: downloads of an Arrow result.
- plot_result / suggest_chart: the chart builder; alert_metric_problem: can a result become an alert metric.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.queries import load_sql
from data import formats

# ---------------------------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    """A starting query for a common question: its key, titles and descriptions in both languages, and its SQL."""

    key: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    sql: str

    def title(self, lang: str) -> str:
        return self.title_ko if lang == "ko" else self.title_en

    def description(self, lang: str) -> str:
        return self.description_ko if lang == "ko" else self.description_en


def _template(key: str, title_ko: str, title_en: str, description_ko: str, description_en: str) -> Template:
    return Template(key, title_ko, title_en, description_ko, description_en, load_sql(f"workspace_{key}").strip())


TEMPLATES: tuple[Template, ...] = (
    _template(
        "daily_revenue", "일별 매출", "Daily revenue",
        "스토어별·일자별 매출과 주문 수입니다. 매출 = 상품 금액 − 상품 할인 − 주문 할인, 취소 주문 제외 "
        "(배송비 제외). 날짜는 스토어 시간대 기준이며 주문이 없는 날은 0으로 나옵니다.",
        "Revenue and orders per store and day. Revenue = product lines net of line discounts, minus order "
        "discounts, cancelled orders excluded (shipping excluded). Days are in the store's time zone; days "
        "without orders show 0."),
    _template(
        "top_products", "상품별 매출 순위", "Top products",
        "스토어별 매출 상위 $n개 상품(판매 수량, 주문 수, 매출). 주문 할인은 주문 안 상품들에 금액 비율로 "
        "나누어 뺍니다.",
        "The $n best-selling products per store (units, orders, revenue). Order discounts are shared out to "
        "the order's products in proportion to their amount."),
    _template(
        "roas_by_keyword", "키워드별 광고 효율(ROAS)", "ROAS by keyword",
        "매체·캠페인·키워드별 광고비, 노출, 클릭, 전환, 전환 매출과 ROAS(전환 매출 ÷ 광고비), CPC, CTR. "
        "광고비가 큰 순서입니다.",
        "Spend, impressions, clicks, conversions, conversion revenue and ROAS (conversion revenue / spend), "
        "CPC and CTR per platform, campaign and keyword; most spend first."),
    _template(
        "unmet_keywords", "충족되지 않은 검색 수요", "Unmet-demand keywords",
        "방문이 $min_sessions회 이상인데 구매 전환율이 스토어 전체보다 낮은 유입 검색어입니다. 방문이 많은 "
        "순서이며, missed_orders는 스토어 평균만큼 전환했다면 더 생겼을 주문 수입니다.",
        "Inbound search keywords with at least $min_sessions visits that convert below the store as a whole, "
        "most visits first; missed_orders = extra orders had they converted at the store's rate."),
    _template(
        "cohort_retention", "월별 코호트 재구매율", "Monthly cohort retention",
        "첫 구매 월(코호트)별 고객 수와 k개월 뒤에 다시 구매한 고객 비율입니다. 기간 안에 시작한 코호트를 "
        "보여 줍니다(비회원 주문 제외).",
        "Customers by month of first purchase (cohort) and the share buying again k months later, for "
        "cohorts starting in the period (guest orders excluded)."),
    _template(
        "rfm_segments", "RFM 고객 세그먼트", "RFM segments",
        "기간 안에 구매한 고객별 최근성(R)·구매 빈도(F)·구매 금액(M) 점수(1–5)와 세그먼트입니다. 고객 "
        "페이지와 같은 규칙입니다.",
        "Recency, frequency and monetary scores (1-5) and the segment of every customer who bought in the "
        "period, with the rules of the customers page."),
)

TEMPLATES_BY_KEY: dict[str, Template] = {tpl.key: tpl for tpl in TEMPLATES}


# ---------------------------------------------------------------------------------------------- parameters

_DATE_NAMES = frozenset({"from", "to", "start", "end", "day", "date", "since", "until", "as_of"})
_NUMBER_NAMES = frozenset({"n", "limit", "top", "days", "weeks", "months", "k"})
_NUMBER_PREFIXES = ("min_", "max_", "top_", "n_")
# number parameters with a better start than 0
_NUMBER_DEFAULTS: dict[str, int] = {"n": 20, "limit": 100, "top": 20, "days": 30, "weeks": 12, "months": 12,
                                    "k": 5, "min_sessions": 20}
DEFAULT_PERIOD_DAYS = 30


def parameter_kind(name: str) -> str:
    """'date', 'number' or 'text': the widget for one `$name` (from/to/start/end/day/*_date -> date;
    n/limit/min_*/max_* -> number; anything else -> text)."""
    low = name.lower()
    if low in _DATE_NAMES or low.endswith(("_date", "_day", "_from", "_to")) or low.startswith(("date_", "day_")):
        return "date"
    if low in _NUMBER_NAMES or low.startswith(_NUMBER_PREFIXES) or low.endswith(("_count", "_days")):
        return "number"
    return "text"


def parameter_kinds(names: Iterable[str]) -> dict[str, str]:
    """{name: "date" | "number" | "text"} for the `$parameters` of a query (in the order given)."""
    return {name: parameter_kind(name) for name in names}


def default_parameter_values(names: Iterable[str], today: date) -> dict[str, Any]:
    """Starting widget values: the last DEFAULT_PERIOD_DAYS complete days (`from`/`start` = today - 30,
    `to`/`end`/`day` and other dates = yesterday); numbers from a small table (n 20, limit 100, min_sessions 20,
    other min_*/max_* 0); text ''."""
    yesterday = today - timedelta(days=1)
    first = today - timedelta(days=DEFAULT_PERIOD_DAYS)
    values: dict[str, Any] = {}
    for name, kind in parameter_kinds(names).items():
        low = name.lower()
        if kind == "date":
            starts = low in ("from", "start", "since") or low.endswith(("_from", "_start")) or low.startswith(
                ("from_", "start_"))
            values[name] = first if starts else yesterday
        elif kind == "number":
            values[name] = _NUMBER_DEFAULTS.get(low, 0)
        else:
            values[name] = ""
    return values


# ---------------------------------------------------------------------------------------------- column help

# table -> the import kind (data/formats.py) whose canonical column descriptions apply to it
_FORMAT_KIND_OF_TABLE = {"orders": "orders", "order_items": "orders", "returns": "returns", "sessions": "sessions",
                         "traffic_stats": "traffic_stats", "ad_stats": "ad_stats", "inventory": "inventory",
                         "products": "products"}

_SELLER_ID = ("스토어(판매자) ID", "Store (seller) id; every row belongs to one store.")
_HOUR = ("UTC 기준 시각(정시). 그 한 시간의 행을 합친 값입니다", "UTC hour (date_trunc('hour', ...)); the row sums that hour.")
# visit columns the session rollups copy from `sessions`
_VISIT_SOURCE = {
    "channel": ("유입 채널 (sessions.channel)", "Channel (sessions.channel)."),
    "source": ("유입 출처 (sessions.source)", "Source (sessions.source)."),
    "medium": ("유입 매체 (sessions.medium)", "Medium (sessions.medium)."),
    "device": ("기기 (sessions.device)", "Device (sessions.device)."),
}
_VISIT_KEYWORD = {
    "search_keyword": ("유입 검색어 (원문 그대로)", "Inbound search keyword, as the visit brought it."),
    "landing_sku": ("도착한 상품 코드", "Product of the landing page."),
}
_LOAD_ID = ("이 행을 적재한 업로드 번호 (loads.load_id)", "The load that wrote this row (loads.load_id).")

# Hand-written descriptions: every column in Korean; English where data/formats.py has none, or where its
# wording is about the import file rather than the stored table (times are stored in UTC, for instance).
_HAND_WRITTEN: dict[str, dict[str, tuple[str, str | None]]] = {
    "sellers": {
        "seller_id": _SELLER_ID,
        "name": ("스토어 이름", "Store name."),
        "currency": ("통화 (예: KRW, USD). 모든 금액은 이 통화입니다", "Currency of every amount of the store, e.g. KRW."),
        "timezone": ("스토어 시간대 (예: Asia/Seoul). 일자 계산에 씁니다",
                     "Store time zone, e.g. Asia/Seoul; local days are counted in it."),
        "language": ("보고서·알림 언어 (ko | en)", "Language of reports and alerts (ko | en)."),
        "created_at": ("스토어가 만들어진 시각 (UTC)", "When the store was created (UTC)."),
    },
    "products": {
        "seller_id": _SELLER_ID,
        "sku": ("상품 코드 (SKU)", None),
        "name": ("상품명", None),
        "category": ("카테고리", None),
        "price": ("정가 (0 이상)", None),
        "unit_cost": ("개당 원가 (0 이상, 모르면 비어 있음)", None),
        "pack_size": ("묶음 단위 수량", None),
        "attributes": ("자유 형식 속성 (예: 'size=S; flavour=chicken')", None),
        "line_type": ("product(상품) | shipping(배송비) | fee(수수료) | adjustment(조정)", None),
        "updated_at": ("상품 정보가 마지막으로 바뀐 시각 (UTC)", "When the product row last changed (UTC)."),
    },
    "customers": {
        "seller_id": _SELLER_ID,
        "customer_id": ("고객 ID (회원 번호 또는 이메일)", "Customer id (member number or email)."),
        "first_seen_at": ("고객을 처음 본 시각 (UTC)", "When the customer was first seen (UTC)."),
        "grade": ("회원 등급 (스토어가 정한 등급)", "Membership grade as the store names it."),
        "country": ("고객 국가", "Customer country."),
    },
    "orders": {
        "seller_id": _SELLER_ID,
        "order_id": ("주문 번호. 한 주문에 여러 상품 줄(order_items)이 있습니다",
                     "Order number; its lines are in order_items."),
        "ordered_at": ("주문 시각 (UTC로 저장; 현지 일자는 sellers.timezone으로 변환)",
                       "Order time, stored in UTC (convert with sellers.timezone for local days)."),
        "customer_id": ("고객 ID. 비어 있으면 비회원 주문", None),
        "channel": ("판매 채널 (예: smartstore, online_store, app)", None),
        "status": ("주문 상태: paid | pending | cancelled | refunded | partially_refunded. 매출은 cancelled 제외",
                   None),
        "currency": ("통화 코드 (예: KRW)", None),
        "shipping_fee": ("주문에 청구한 배송비 (매출에 포함하지 않음)",
                         "Shipping charged for the order (not part of revenue)."),
        "discount": ("주문 단위 할인 금액 (매출에서 뺌)", "Order-level discount (subtracted from revenue)."),
        "refunded_amount": ("주문에서 환불한 금액", "Money refunded on the order."),
        "country": ("고객 국가", None),
        "load_id": _LOAD_ID,
    },
    "order_items": {
        "seller_id": _SELLER_ID,
        "order_id": ("주문 번호 (orders.order_id)", "Order number (orders.order_id)."),
        "line_no": ("주문 안의 줄 번호", "Line number within the order."),
        "ordered_at": ("주문 시각 (UTC, orders.ordered_at 복사본; 기간 필터용)",
                       "Order time in UTC, copied from orders.ordered_at for fast time filters."),
        "sku": ("상품 코드 (SKU)", None),
        "product_name": ("판매 당시 상품명", None),
        "quantity": ("이 줄의 수량", None),
        "unit_price": ("할인 전 개당 가격 (0 이상)", None),
        "discount": ("이 줄의 상품 할인 금액", "Discount on this line (money, >= 0)."),
        "line_type": ("product(상품) | shipping(배송비) | fee(수수료) | adjustment(조정). 매출은 product만",
                      "product | shipping | fee | adjustment; only product lines are revenue."),
        "load_id": _LOAD_ID,
    },
    "returns": {
        "seller_id": _SELLER_ID,
        "return_id": ("클레임(반품·교환·취소) 번호", None),
        "line_no": ("클레임 안의 줄 번호", "Line within the claim."),
        "order_id": ("원 주문 번호 (알 때)", None),
        "customer_id": ("고객 ID", None),
        "sku": ("상품 코드", None),
        "returned_at": ("클레임 시각 (UTC)", "When the claim was made (UTC)."),
        "quantity": ("반품 수량 (양수)", None),
        "amount": ("돌려준 금액 (양수)", None),
        "claim_type": ("클레임 유형: return(반품) | exchange(교환) | cancel(취소)", "return | exchange | cancel."),
        "reason": ("사유 (자유 입력)", None),
        "line_type": ("product(상품) | shipping(배송비) | fee(수수료) | adjustment(조정)", None),
        "load_id": _LOAD_ID,
    },
    "sessions": {
        "seller_id": _SELLER_ID,
        "session_id": ("방문 ID", None),
        "started_at": ("방문 시작 시각 (UTC)", "Visit start (UTC)."),
        "channel": ("유입 채널: search | ads | social | direct | referral | email", None),
        "source": ("유입 출처 (naver, google, instagram 등)", None),
        "medium": ("유입 매체 (organic, cpc, social 등)", None),
        "search_keyword": ("유입 검색어 (방문 직전에 검색한 말)", None),
        "landing_sku": ("처음 도착한 상품 페이지의 상품 코드", None),
        "pageviews": ("본 페이지 수", None),
        "device": ("기기: mobile | desktop | tablet", None),
        "customer_id": ("로그인한 고객 ID", None),
        "order_id": ("이 방문에서 한 주문 번호 (있으면 구매 전환)", "Order placed in this visit (set = converted)."),
        "load_id": _LOAD_ID,
    },
    "traffic_stats": {
        "seller_id": _SELLER_ID,
        "stat_date": ("유입 일자 (스토어 현지 날짜)", None),
        "channel": ("유입 채널 (search, ads, social, direct, referral 등)", None),
        "source": ("유입 출처 (스마트스토어: 채널명)", None),
        "medium": ("유입 매체 (스마트스토어: 채널상세)", None),
        "device": ("기기: mobile | desktop | tablet (비어 있으면 모든 기기)", None),
        "search_keyword": ("유입 검색어", None),
        "landing_sku": ("도착한 상품 페이지의 상품 코드", None),
        "sessions": ("그날 이 값들로 들어온 방문 수 (스마트스토어: 유입수)", None),
        "engaged_sessions": ("그중 두 페이지 이상 본 방문 (보고서에 없으면 비어 있음)", None),
        "pageviews": ("본 페이지 수", None),
        "orders": ("보고서가 이 방문에 귀속한 주문 수 (스마트스토어: 결제수, 마지막 클릭)", None),
        "revenue": ("그 주문의 매출 (스마트스토어: 결제금액, 마지막 클릭)", None),
        "load_id": _LOAD_ID,
    },
    "ad_stats": {
        "seller_id": _SELLER_ID,
        "stat_date": ("통계 일자 (스토어 현지 날짜)", None),
        "stat_hour": ("시간대 0–23 (시간별 행), 일별 행은 비어 있음", None),
        "platform": ("광고 매체 (naver_searchad, google_ads, meta, kakao 등)", None),
        "campaign": ("캠페인 이름", None),
        "ad_group": ("광고 그룹 이름", None),
        "keyword": ("키워드 (없으면 빈 문자열)", "Keyword ('' when the line has none)."),
        "impressions": ("노출 수", None),
        "clicks": ("클릭 수", None),
        "cost": ("광고비 (0 이상)", None),
        "conversions": ("전환 수", None),
        "conversion_revenue": ("매체가 광고에 귀속한 전환 매출", None),
        "attribution_window_days": ("전환 귀속 기간 (일)", None),
        "load_id": _LOAD_ID,
    },
    "inventory": {
        "seller_id": _SELLER_ID,
        "snapshot_date": ("재고를 센 날짜", None),
        "sku": ("상품 코드", None),
        "on_hand": ("재고 수량", None),
        "inbound": ("입고 예정 수량", None),
        "lead_time_days": ("발주부터 입고까지 걸리는 일수", None),
        "load_id": _LOAD_ID,
    },
    "loads": {
        "load_id": ("업로드 번호", "Load number."),
        "seller_id": _SELLER_ID,
        "kind": ("데이터 종류 (orders, returns, sessions, traffic_stats, ad_stats, inventory, products)",
                 "Kind of data (orders, returns, sessions, traffic_stats, ad_stats, inventory, products)."),
        "source": ("파일 이름, 'api' 또는 'demo'", "File name, 'api' or 'demo'."),
        "format": ("파일 형식 (canonical, shopify, online_retail, smartstore, coupang, naver_searchad, google_ads, "
                   "meta_ads, coupang_ads, smartstore_marketing, mapped)",
                   "Layout (canonical, shopify, online_retail, smartstore, coupang, naver_searchad, google_ads, "
                   "meta_ads, coupang_ads, smartstore_marketing, mapped)."),
        "checksum": ("읽은 바이트의 sha256", "sha256 of the bytes read."),
        "rows_read": ("읽은 행 수", "Rows read."),
        "rows_loaded": ("새로 저장한 행 수", "Rows written."),
        "rows_duplicate": ("이미 있어 건너뛴 행 수", "Rows already in the warehouse (skipped)."),
        "rows_rejected": ("오류로 제외한 행 수 (--skip-invalid)", "Rows set aside as invalid (--skip-invalid)."),
        "rejects_path": ("제외한 행을 저장한 파일 경로", "File holding the rejected rows."),
        "status": ("결과: loaded | partial | nothing_new", "Outcome: loaded | partial | nothing_new."),
        "started_at": ("업로드 시작 시각 (UTC)", "When the load started (UTC)."),
        "finished_at": ("업로드 끝난 시각 (UTC)", "When the load finished (UTC)."),
        "message": ("메시지", "Message."),
    },
    "load_rejects": {
        "load_id": ("업로드 번호 (loads.load_id)", "The load (loads.load_id)."),
        "row_number": ("파일의 데이터 행 번호 (1부터, 머리글 제외)", "1-based data row in the file (header not counted)."),
        "column_name": ("문제가 된 열", "Column with the problem."),
        "reason": ("제외한 이유", "Why the row was set aside."),
        "value": ("문제가 된 값", "The offending value."),
    },
    "demo_incidents": {
        "seller_id": _SELLER_ID,
        "incident": ("데모에 넣은 사건: sales_drop | ad_collapse | returns_spike | stock_out | unmet_keyword",
                     "Incident the demo injected: sales_drop | ad_collapse | returns_spike | stock_out | "
                     "unmet_keyword."),
        "subject": ("대상 (상품 코드, 캠페인 또는 키워드)", "What it concerns (sku, campaign or keyword)."),
        "starts_at": ("시작 시각 (UTC)", "Start (UTC)."),
        "ends_at": ("끝 시각 (UTC, 비어 있으면 진행 중)", "End (UTC); empty while it goes on."),
        "magnitude": ("크기 (예: 0.6 = 60% 감소, 4.0 = 평소의 4배)", "Size, e.g. 0.6 = 60 % drop, 4.0 = four times usual."),
        "description": ("설명", "Description."),
    },
    "alert_settings": {
        "seller_id": _SELLER_ID,
        "recipients": ("알림 받을 이메일 주소 (쉼표로 구분)", "Alert email addresses, comma-separated."),
        "language": ("알림 언어 (ko | en, 비어 있으면 스토어 언어)", "Alert language (ko | en; empty: the store's)."),
        "digest_time": ("일일 요약 발송 시각 (현지 HH:MM)", "Daily digest time (local HH:MM)."),
        "intraday_enabled": ("하루 중 실시간 점검 사용 여부", "Whether intraday checks run."),
        "updated_at": ("마지막 변경 시각 (UTC)", "Last change (UTC)."),
    },
    "alert_rules": {
        "seller_id": _SELLER_ID,
        "rule_id": ("알림 규칙 ID (예: revenue_daily, roas_campaign)", "Alert rule id, e.g. revenue_daily."),
        "enabled": ("규칙 사용 여부", "Whether the rule is on."),
        "sensitivity": ("민감도: low | normal | high", "Sensitivity: low | normal | high."),
        "muted_until": ("이 시각까지 알림 끔 (UTC)", "Snoozed until (UTC)."),
        "updated_at": ("마지막 변경 시각 (UTC)", "Last change (UTC)."),
    },
    "alerts": {
        "alert_key": ("알림 키 (스토어|규칙|대상|기간, 중복 방지)", "Alert key (seller|rule|subject|window), unique."),
        "seller_id": _SELLER_ID,
        "rule_id": ("알림 규칙 ID", "Alert rule id."),
        "metric": ("지표 이름", "Metric name."),
        "subject": ("대상 ('store', 캠페인, 상품 코드)", "Subject ('store', a campaign, a sku)."),
        "check_kind": ("점검 종류: daily | intraday", "Check kind: daily | intraday."),
        "window_start": ("알림이 다루는 구간 시작 (UTC)", "Start of the window the alert is about (UTC)."),
        "window_end": ("알림이 다루는 구간 끝 (UTC)", "End of the window (UTC)."),
        "detected_at": ("감지 시각 (UTC)", "When it was detected (UTC)."),
        "severity": ("심각도: info | warning | critical", "Severity: info | warning | critical."),
        "direction": ("방향: drop(하락) | spike(급증)", "Direction: drop | spike."),
        "observed": ("관측값", "Observed value."),
        "expected": ("예상값", "Expected value."),
        "lower_bound": ("정상 범위 하한", "Lower bound of the normal range."),
        "upper_bound": ("정상 범위 상한", "Upper bound of the normal range."),
        "change_share": ("변화율 (관측 ÷ 예상 − 1)", "Change: observed / expected - 1."),
        "score": ("이상 점수 (0–1)", "Anomaly score in [0, 1]."),
        "headline_ko": ("한국어 제목", "Headline in Korean."),
        "headline_en": ("영어 제목", "Headline in English."),
        "details": ("설명과 차트 데이터 (JSON)", "Explanation and chart series (JSON)."),
        "status": ("상태: pending | retrying | sent | outbox | failed | acknowledged | not_anomaly | suppressed",
                   "Status: pending | retrying | sent | outbox | failed | acknowledged | not_anomaly | suppressed."),
        "attempts": ("발송 시도 횟수", "Delivery attempts."),
        "next_attempt_at": ("다음 재시도 시각 (UTC)", "Next retry (UTC), when retrying."),
        "status_at": ("상태가 바뀐 시각 (UTC)", "When the status last changed (UTC)."),
    },
    "alert_deliveries": {
        "alert_key": ("알림 키 (alerts.alert_key)", "The alert (alerts.alert_key)."),
        "attempt": ("시도 번호", "Attempt number."),
        "attempted_at": ("시도 시각 (UTC)", "When it was attempted (UTC)."),
        "channel": ("발송 경로: smtp | outbox", "Channel: smtp | outbox."),
        "recipients": ("받는 사람", "Recipients."),
        "outcome": ("결과: delivered | transient_error | permanent_error",
                    "Outcome: delivered | transient_error | permanent_error."),
        "detail": ("상세 내용", "Detail."),
    },
    "rollup_traffic_hourly": {
        "seller_id": _SELLER_ID,
        "hour": _HOUR,
        **_VISIT_SOURCE,
        "sessions": ("이 시간·출처의 방문 수", "Visits in that hour with these values."),
        "engaged_sessions": ("그중 2페이지 이상 본 방문", "Of those, visits with at least two pageviews."),
        "converted_sessions": ("그중 주문 번호가 있는 방문", "Of those, visits carrying an order id."),
    },
    "rollup_keywords_hourly": {
        "seller_id": _SELLER_ID,
        "hour": _HOUR,
        **_VISIT_KEYWORD,
        "sessions": ("이 시간·검색어·상품의 방문 수", "Visits in that hour with this keyword and landing product."),
        "converted_sessions": ("그중 주문 번호가 있는 방문", "Of those, visits carrying an order id."),
    },
    "rollup_sales_hourly": {
        "seller_id": _SELLER_ID,
        "hour": _HOUR,
        "sku": ("상품 코드 (없으면 상품명)", "Product code (the product name when the line has none)."),
        "line_type": ("줄 종류: product(상품) | shipping(배송비) | fee(수수료) | adjustment(조정)",
                      "Line type: product | shipping | fee | adjustment."),
        "kept": ("취소되지 않은 주문의 줄이면 true", "True for lines of orders that exist and are not cancelled."),
        "product_name": ("그 시간 어느 한 줄의 상품명", "One line's product name."),
        "line_count": ("주문 줄 수", "Order lines."),
        "order_count": ("주문 수 (서로 다른 주문)", "Distinct orders."),
        "units": ("판매 수량", "Units."),
        "gross_sales": ("수량 × 단가 합계", "Sum of quantity x unit price."),
        "line_discount": ("줄 할인 합계", "Sum of line discounts."),
        "line_net": ("줄 할인 뒤 금액 합계", "Sum of quantity x unit price minus line discount."),
        "order_discount": ("주문 할인 중 이 줄들의 몫 (순금액 비례)",
                           "These lines' share of their orders' discounts (in proportion to net amount)."),
    },
    "rollup_order_totals": {
        "seller_id": _SELLER_ID,
        "hour": _HOUR,
        "order_id": ("주문 번호", "Order number."),
        "ordered_at": ("주문 시각 (UTC)", "When the order was placed (UTC)."),
        "customer_id": ("고객 ID (비회원 주문은 비어 있음)", "Customer id; empty for guest checkouts."),
        "status": ("주문 상태", "Order status."),
        "discount": ("주문 할인", "Order-level discount."),
        "line_count": ("주문 줄 수 (배송비 등 포함)", "Lines of the order, shipping and fees included."),
        "units": ("상품 수량", "Product units."),
        "product_revenue": ("상품 줄 금액 합계 (줄 할인 뒤). 매출 = 이 값 - 주문 할인",
                            "Product lines net of line discounts; revenue = this minus the order discount."),
    },
    "rollup_session_orders": {
        "seller_id": _SELLER_ID,
        "hour": _HOUR,
        "session_id": ("방문 ID", "Visit id."),
        "started_at": ("방문 시작 시각 (UTC)", "Visit start (UTC)."),
        "order_id": ("이 방문에서 한 주문 번호", "Order placed in this visit."),
        **_VISIT_SOURCE,
        **_VISIT_KEYWORD,
        "shared": ("같은 주문 번호를 가진 다른 방문이 있으면 true (주문은 마지막 방문에 귀속)",
                   "True when another visit carries the same order id (the order goes to the last one)."),
        "order_ordered_at": ("그 주문의 주문 시각 (UTC; 주문이 아직 없으면 비어 있음)",
                             "When that order was placed (UTC); empty when the order is not loaded."),
        "order_status": ("그 주문의 상태", "That order's status."),
        "order_net": ("그 주문의 매출 (상품 줄 금액 합계 - 주문 할인)",
                      "That order's revenue (product lines net of line discounts, minus the order discount)."),
    },
    "rollup_pending": {
        "seller_id": _SELLER_ID,
        "kind": ("데이터 종류: orders | sessions", "Load kind: orders | sessions."),
        "load_id": ("롤업에 아직 반영되지 않은 적재 (loads.load_id)", "The load not rolled up yet (loads.load_id)."),
        "first_hour": ("적재가 쓴 첫 시간 (UTC, 정시)", "First whole hour the load wrote rows into (UTC)."),
        "end_hour": ("적재가 쓴 마지막 시간의 다음 시간 (UTC)", "The hour after the last one it wrote into (UTC)."),
    },
}


def _format_help(table: str, column: str) -> str | None:
    kind = _FORMAT_KIND_OF_TABLE.get(table)
    if kind is None:
        return None
    return next((help_ for name, _, _, help_ in formats.TARGETS[kind] if name == column), None)


def _column_help() -> dict[str, dict[str, tuple[str, str]]]:
    helps: dict[str, dict[str, tuple[str, str]]] = {}
    for table, columns in _HAND_WRITTEN.items():
        helps[table] = {}
        for column, (ko, en) in columns.items():
            english = en or _format_help(table, column)
            if english is None:
                raise RuntimeError(f"no English description for {table}.{column}")
            helps[table][column] = (ko, english)
    return helps


# {table: {column: (Korean, English)}} for every table the sandbox shows (data/scope.py SCOPED_TABLES)
COLUMN_HELP: dict[str, dict[str, tuple[str, str]]] = _column_help()


def column_help(table: str, column: str, lang: str) -> str:
    """The description of table.column in `lang` ('' when unknown)."""
    pair = COLUMN_HELP.get(table, {}).get(column)
    return "" if pair is None else pair[0 if lang == "ko" else 1]


# ---------------------------------------------------------------------------------------------- exports

CSV_BOM = b"\xef\xbb\xbf"
EXCEL_MAX_ROWS = 1_048_575     # one sheet: 1,048,576 rows, one of them the header


def _as_frame(table: pa.Table | pl.DataFrame) -> pl.DataFrame:
    return table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)  # type: ignore[return-value]


def _nested_to_json(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists, arrays and structs as JSON text (CSV and Excel cells hold one value); binary as hex."""
    replaced = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
            values = [None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                      for v in frame.get_column(name).to_list()]
            replaced.append(pl.Series(name, values, dtype=pl.String))
        elif dtype == pl.Binary:
            replaced.append(frame.get_column(name).bin.encode("hex"))
    return frame.with_columns(replaced) if replaced else frame


def to_csv_bytes(table: pa.Table | pl.DataFrame) -> bytes:
    """The result as UTF-8 CSV with a byte-order mark (Excel in Korea then reads Korean text correctly).
    Nested values (lists, structs) are written as JSON text."""
    frame = _nested_to_json(_as_frame(table))
    return CSV_BOM + frame.write_csv().encode("utf-8")


def to_parquet_bytes(table: pa.Table | pl.DataFrame) -> bytes:
    """The result as a Parquet file (zstd), every type kept as it is (DECIMAL stays exact)."""
    arrow = table.to_arrow() if isinstance(table, pl.DataFrame) else table
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer, compression="zstd")
    return buffer.getvalue()


def to_excel_bytes(table: pa.Table | pl.DataFrame, sheet_name: str = "result") -> bytes:
    """The result as an .xlsx workbook (one sheet, via polars + xlsxwriter).

    Excel has no time zones: zoned timestamps are written as their local wall-clock time. Decimals become
    numbers, nested values JSON text. ValueError when the result has more rows than one sheet holds."""
    frame = _nested_to_json(_as_frame(table))
    if frame.height > EXCEL_MAX_ROWS:
        raise ValueError(f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows; this result has "
                         f"{frame.height:,}. Export it as CSV or Parquet instead.")
    fixes = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            fixes.append(pl.col(name).dt.replace_time_zone(None))
        elif isinstance(dtype, pl.Decimal):
            fixes.append(pl.col(name).cast(pl.Float64))
        elif isinstance(dtype, pl.Duration):
            fixes.append(pl.col(name).cast(pl.String))
    if fixes:
        frame = frame.with_columns(fixes)
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet=sheet_name[:31] or "result", autofit=frame.height <= 10_000)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- charts

CHART_KINDS = ("line", "bar", "scatter", "area")
MAX_COLOUR_GROUPS = 12    # suggest_chart colours by a text column only when it has 2..12 values

# Korean axis labels for column names the templates produce (other columns keep their own name).
_LABELS_KO: dict[str, str] = {
    "seller_id": "스토어", "day": "일자", "order_date": "주문일", "revenue": "매출", "order_count": "주문 수",
    "sku": "상품 코드", "product_name": "상품명", "category": "카테고리", "units": "판매 수량",
    "platform": "매체", "campaign": "캠페인", "keyword": "키워드", "spend": "광고비", "impressions": "노출 수",
    "clicks": "클릭 수", "conversions": "전환 수", "conversion_revenue": "전환 매출", "roas": "ROAS",
    "cpc": "CPC", "ctr": "CTR", "sessions": "방문 수", "converted_sessions": "구매 전환 방문 수",
    "conversion": "구매 전환율", "store_conversion": "스토어 전환율", "conversion_gap": "전환율 차이",
    "missed_orders": "놓친 주문 수", "cohort_month": "코호트(첫 구매 월)", "months_since_first": "첫 구매 후 개월",
    "active_customers": "구매 고객 수", "cohort_size": "코호트 고객 수", "retention": "재구매율",
    "customer_id": "고객", "segment": "세그먼트", "r_score": "R 점수", "f_score": "F 점수", "m_score": "M 점수",
    "days_since_last": "마지막 구매 후 일수", "purchase_days": "구매 일수", "last_order_date": "마지막 구매일",
}

_MESSAGES = {
    "empty": {"ko": "결과에 행이 없어 차트를 그릴 수 없습니다.", "en": "The result has no rows to chart."},
    "column": {"ko": "결과에 '{name}' 열이 없습니다. 열: {columns}.",
               "en": "The result has no column '{name}'. Columns: {columns}."},
    "kind": {"ko": "차트 종류는 {kinds} 중 하나입니다 ('{kind}'는 없습니다).",
             "en": "The chart type is one of {kinds} (not '{kind}')."},
    "alert_empty": {"ko": "결과에 행이 없습니다. 알림 지표는 (일자, 값) 행이 있어야 합니다.",
                    "en": "The result has no rows; an alert metric needs (day, value) rows."},
    "alert_day": {"ko": "알림 지표에는 날짜 열(예: day)이 필요합니다.",
                  "en": "An alert metric needs a date column (e.g. day)."},
    "alert_value": {"ko": "알림 지표에는 숫자 열(예: revenue)이 필요합니다.",
                    "en": "An alert metric needs a numeric column (e.g. revenue)."},
    "alert_duplicate": {"ko": "같은 날짜({day})가 여러 번 나옵니다. 알림 지표는 날짜(와 스토어)마다 한 행이어야 합니다.",
                        "en": "The day {day} appears more than once; an alert metric has one row per day "
                              "(and store)."},
}


def _message(key: str, lang: str, **values: Any) -> str:
    return _MESSAGES[key]["ko" if lang == "ko" else "en"].format(**values)


def _is_temporal(dtype: pl.DataType) -> bool:
    return isinstance(dtype, (pl.Date, pl.Datetime))


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def chart_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame ready for Plotly: Decimal columns as Float64 (Plotly cannot scale Decimal objects)."""
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    return frame.with_columns(pl.col(decimals).cast(pl.Float64)) if decimals else frame


def plot_result(frame: pl.DataFrame, x: str, y: str | Sequence[str], color: str | None = None,
                kind: str = "line", lang: str = "ko") -> go.Figure:
    """A Plotly chart of a query result: `kind` line | bar | scatter | area of y over x, one trace per value of
    `color` (a number `color` is treated as categories for line, bar and area charts).

    Decimal columns are cast to float; a date or time x is sorted. Axis labels are Korean for the templates'
    column names when lang == "ko". ValueError (message in `lang`) for an empty result, an unknown column or
    chart type."""
    if kind not in CHART_KINDS:
        raise ValueError(_message("kind", lang, kinds=", ".join(CHART_KINDS), kind=kind))
    ys = [y] if isinstance(y, str) else list(y)
    for name in [x, *ys, *([color] if color else [])]:
        if name not in frame.columns:
            raise ValueError(_message("column", lang, name=name, columns=", ".join(frame.columns)))
    if frame.height == 0:
        raise ValueError(_message("empty", lang))
    data = chart_frame(frame.select(list(dict.fromkeys([x, *ys, *([color] if color else [])]))))
    if color and kind != "scatter" and not _is_text(data.schema[color]):
        data = data.with_columns(pl.col(color).cast(pl.String))
    if _is_temporal(data.schema[x]) or (_is_numeric(data.schema[x]) and kind in ("line", "area")):
        data = data.sort([x, color] if color else [x], nulls_last=True)
    labels = {c: _LABELS_KO.get(c, c) for c in data.columns} if lang == "ko" else {}
    y_arg: str | list[str] = ys[0] if len(ys) == 1 else ys
    common: dict[str, Any] = {"x": x, "y": y_arg, "color": color, "labels": labels}
    if kind == "line":
        fig = px.line(data, markers=data.height <= 60, **common)
    elif kind == "area":
        fig = px.area(data, **common)
    elif kind == "bar":
        fig = px.bar(data, barmode="group", **common)
    else:
        fig = px.scatter(data, **common)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend_title_text=labels.get(color, color)
                      if color else None, hovermode="x unified" if kind in ("line", "area") else "closest")
    return fig


def _measure_column(frame: pl.DataFrame, exclude: set[str]) -> str | None:
    """The column most likely to be the measure: the first float (or decimal) column, else the first integer."""
    numeric = [c for c, d in frame.schema.items() if c not in exclude and _is_numeric(d)]
    floats = [c for c in numeric if frame.schema[c].is_float() or isinstance(frame.schema[c], pl.Decimal)]
    return (floats or numeric or [None])[0]


def _colour_column(frame: pl.DataFrame, exclude: set[str]) -> str | None:
    """A grouping text column: 2..MAX_COLOUR_GROUPS values that repeat (a name unique per row is a label)."""
    for name, dtype in frame.schema.items():
        if name in exclude or not _is_text(dtype):
            continue
        distinct = frame.get_column(name).n_unique()
        if 2 <= distinct <= MAX_COLOUR_GROUPS and distinct < frame.height:
            return name
    return None


def suggest_chart(frame: pl.DataFrame) -> tuple[str | None, str | None, str | None, str]:
    """A sensible default chart (x, y, color, kind) for a result.

    A date/time column -> a line over it; else the first text column (seller_id only when there is no other)
    -> bars; else two numbers -> a scatter. y is the first float/decimal column (measures such as revenue, ROAS,
    retention), else the first integer one; None when the result has no number. color: a text column with 2 to
    MAX_COLOUR_GROUPS values that repeat (e.g. seller_id for an analyst with several stores), else None."""
    schema = frame.schema
    temporal = [c for c, d in schema.items() if _is_temporal(d)]
    texts = [c for c, d in schema.items() if _is_text(d)]
    if temporal:
        x = temporal[0]
        y = _measure_column(frame, {x})
        return x, y, _colour_column(frame, {x}), "line"
    if texts:
        x = next((c for c in texts if c != "seller_id"), texts[0])
        y = _measure_column(frame, {x})
        return x, y, _colour_column(frame, {x}), "bar"
    numeric = [c for c, d in schema.items() if _is_numeric(d)]
    if len(numeric) >= 2:
        return numeric[0], numeric[1], None, "scatter"
    return None, numeric[0] if numeric else None, None, "bar"


# ---------------------------------------------------------------------------------------------- alert metric


def alert_metric_problem(frame: pl.DataFrame, lang: str = "ko") -> str | None:
    """Why a result cannot become an alert metric (a message in `lang`), or None when it can: it needs rows, a
    date column (the day), a numeric column (the value), and one row per day (per day and seller_id when the
    result has a seller_id column)."""
    if frame.height == 0:
        return _message("alert_empty", lang)
    day = next((c for c, d in frame.schema.items() if _is_temporal(d)), None)
    if day is None:
        return _message("alert_day", lang)
    if _measure_column(frame, {day}) is None:
        return _message("alert_value", lang)
    keys = [day, "seller_id"] if "seller_id" in frame.columns else [day]
    duplicated = frame.select(keys).filter(pl.struct(keys).is_duplicated())
    if duplicated.height:
        return _message("alert_duplicate", lang, day=duplicated.get_column(day)[0])
    return None


def template_parameters(template: Template) -> tuple[str, ...]:
    """The `$names` a template uses, in order of first use (the sandbox's check finds the same ones)."""
    return tuple(dict.fromkeys(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", _strip_comments(template.sql))))


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
