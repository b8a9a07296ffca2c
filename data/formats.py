"""File layouts: target columns, detection, mapping to targets. Orders: canonical, Shopify, UCI Online Retail,
Naver Smart Store, Coupang WING; ad statistics: Naver search ads, Google Ads, Meta Ads Manager, Coupang ads; visits
by day: Naver Smart Store 마케팅분석; and a mapping the user gives."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import polars as pl

from data import validate
from data.readers import ROW

# (name, dtype, required, help) per kind; dtype: text | integer | decimal | timestamp | date
TARGETS: dict[str, tuple[tuple[str, str, bool, str], ...]] = {
    "orders": (
        ("order_id", "text", True, "Order number; one order has one or more lines (rows)."),
        ("ordered_at", "timestamp", True, "Order time; without an offset it is the seller's local time."),
        ("sku", "text", True, "Product code (stock keeping unit)."),
        ("product_name", "text", True, "Product name as sold."),
        ("quantity", "integer", True, "Units on this line."),
        ("unit_price", "decimal", True, "Price of one unit before discounts (>= 0)."),
        ("customer_id", "text", False, "Customer id or email; empty = guest checkout."),
        ("channel", "text", False, "Sales channel, e.g. smartstore, online_store, app."),
        ("status", "text", False, "paid (default) | pending | cancelled | refunded | partially_refunded."),
        ("line_discount", "decimal", False, "Discount on this line (money, >= 0)."),
        ("order_discount", "decimal", False, "Order-level discount; give it on the order's first line."),
        ("shipping_fee", "decimal", False, "Shipping charged for the order; first line of the order."),
        ("refunded_amount", "decimal", False, "Money refunded on the order; first line of the order."),
        ("currency", "text", False, "ISO currency code, e.g. KRW."),
        ("country", "text", False, "Customer country."),
        ("line_no", "integer", False, "Line number within the order (default: position in the file)."),
        ("line_type", "text", False, "product | shipping | fee | adjustment (default: guessed from sku/name)."),
    ),
    "returns": (
        ("return_id", "text", True, "Claim number; one claim has one or more lines."),
        ("returned_at", "timestamp", True, "When the claim was made (seller's local time unless offset)."),
        ("quantity", "integer", True, "Units returned (positive)."),
        ("amount", "decimal", True, "Money given back (positive)."),
        ("order_id", "text", False, "Original order number when known."),
        ("customer_id", "text", False, "Customer id."),
        ("sku", "text", False, "Product code."),
        ("claim_type", "text", False, "return (default) | exchange | cancel."),
        ("reason", "text", False, "Free-text reason."),
        ("line_no", "integer", False, "Line within the claim (default: position in the file)."),
        ("line_type", "text", False, "product | shipping | fee | adjustment."),
    ),
    "sessions": (
        ("session_id", "text", True, "Visit id."),
        ("started_at", "timestamp", True, "Visit start (seller's local time unless offset)."),
        ("channel", "text", False, "search | ads | social | direct | referral | email."),
        ("source", "text", False, "naver, google, instagram, ..."),
        ("medium", "text", False, "organic, cpc, social, ..."),
        ("search_keyword", "text", False, "Inbound search keyword."),
        ("landing_sku", "text", False, "Product of the landing page."),
        ("pageviews", "integer", False, "Pages viewed."),
        ("device", "text", False, "mobile | desktop | tablet."),
        ("customer_id", "text", False, "Customer id when logged in."),
        ("order_id", "text", False, "Order placed in this visit."),
    ),
    "traffic_stats": (
        ("stat_date", "date", True, "Day of the visits (seller's local date)."),
        ("sessions", "integer", True, "Visits that day with these values."),
        ("channel", "text", False, "search | ads | social | direct | referral | email."),
        ("source", "text", False, "naver, google, instagram, ..."),
        ("medium", "text", False, "organic, cpc, social, ..."),
        ("device", "text", False, "mobile | desktop | tablet."),
        ("search_keyword", "text", False, "Inbound search keyword."),
        ("landing_sku", "text", False, "Product of the landing page."),
        ("engaged_sessions", "integer", False, "Of the visits, those that saw at least two pages."),
        ("pageviews", "integer", False, "Pages viewed in those visits."),
        ("orders", "integer", False, "Orders the report attributes to those visits."),
        ("revenue", "decimal", False, "Revenue of those orders (>= 0)."),
    ),
    "ad_stats": (
        ("stat_date", "date", True, "Day of the statistics (seller's local date)."),
        ("platform", "text", True, "naver_searchad, google_ads, meta_ads, coupang_ads, kakao, ..."),
        ("campaign", "text", True, "Campaign name."),
        ("stat_hour", "integer", False, "Hour 0-23 for hourly rows; empty for daily rows."),
        ("ad_group", "text", False, "Ad group name."),
        ("keyword", "text", False, "Keyword."),
        ("impressions", "integer", False, "Impressions."),
        ("clicks", "integer", False, "Clicks."),
        ("cost", "decimal", False, "Spend (>= 0)."),
        ("conversions", "integer", False, "Conversions."),
        ("conversion_revenue", "decimal", False, "Revenue attributed by the platform."),
        ("attribution_window_days", "integer", False, "Attribution window in days."),
    ),
    "inventory": (
        ("snapshot_date", "date", True, "Day of the stock count."),
        ("sku", "text", True, "Product code."),
        ("on_hand", "integer", True, "Units in stock."),
        ("inbound", "integer", False, "Units on the way."),
        ("lead_time_days", "integer", False, "Days from reorder to arrival."),
    ),
    "products": (
        ("sku", "text", True, "Product code."),
        ("name", "text", False, "Product name."),
        ("category", "text", False, "Category."),
        ("price", "decimal", False, "List price (>= 0)."),
        ("unit_cost", "decimal", False, "Unit cost (>= 0)."),
        ("pack_size", "integer", False, "Units per pack."),
        ("attributes", "text", False, "Free text, e.g. 'size=S; flavour=chicken'."),
        ("line_type", "text", False, "product (default) | shipping | fee | adjustment."),
    ),
}

# Korean (and a few common English) header spellings of canonical columns.
ALIASES: dict[str, str] = {
    "주문번호": "order_id", "주문id": "order_id", "주문일시": "ordered_at", "주문일자": "ordered_at",
    "결제일시": "ordered_at", "주문일": "ordered_at", "상품코드": "sku", "상품번호": "sku", "품번": "sku",
    "상품명": "product_name", "수량": "quantity", "주문수량": "quantity", "판매가": "unit_price",
    "단가": "unit_price", "상품가격": "unit_price", "고객id": "customer_id", "고객번호": "customer_id",
    "회원id": "customer_id", "구매자id": "customer_id", "판매채널": "channel", "채널": "channel",
    "주문상태": "status", "상태": "status", "상품할인": "line_discount", "할인금액": "line_discount",
    "주문할인": "order_discount", "배송비": "shipping_fee", "환불금액": "refunded_amount", "통화": "currency",
    "국가": "country", "라인번호": "line_no", "반품번호": "return_id", "클레임번호": "return_id",
    "반품일시": "returned_at", "금액": "amount", "반품금액": "amount", "사유": "reason", "클레임유형": "claim_type",
    "세션id": "session_id", "방문일시": "started_at", "유입키워드": "search_keyword", "검색어": "search_keyword",
    "페이지뷰": "pageviews", "기기": "device", "날짜": "stat_date", "일자": "stat_date", "시간": "stat_hour",
    "매체": "platform", "캠페인": "campaign", "광고그룹": "ad_group", "키워드": "keyword", "노출수": "impressions",
    "클릭수": "clicks", "광고비": "cost", "비용": "cost", "전환수": "conversions", "전환매출": "conversion_revenue",
    "기준일": "snapshot_date", "재고": "on_hand", "재고수량": "on_hand", "입고예정": "inbound",
    "리드타임": "lead_time_days", "카테고리": "category", "원가": "unit_cost", "가격": "price", "정가": "price",
    "묶음수량": "pack_size", "속성": "attributes", "order_number": "order_id", "order_date": "ordered_at",
    "qty": "quantity", "price": "unit_price", "product": "product_name",
}
KIND_ALIAS_OVERRIDES = {"products": {"price": "price", "상품명": "name", "product_name": "name"},
                        "inventory": {"날짜": "snapshot_date", "일자": "snapshot_date"},
                        "traffic_stats": {"키워드": "search_keyword", "유입수": "sessions", "방문수": "sessions",
                                          "세션": "sessions", "visits": "sessions", "페이지수": "pageviews",
                                          "결제수": "orders", "주문수": "orders", "결제금액": "revenue",
                                          "매출": "revenue", "채널": "channel", "매체": "medium",
                                          "디바이스": "device", "date": "stat_date", "day": "stat_date"}}

SHOPIFY_STATUS = {"paid": "paid", "pending": "pending", "authorized": "pending", "partially_paid": "pending",
                  "refunded": "refunded", "partially_refunded": "partially_refunded", "voided": "cancelled",
                  "expired": "cancelled"}
STATUS_ALIASES = {"paid": "paid", "pending": "pending", "cancelled": "cancelled", "canceled": "cancelled",
                  "refunded": "refunded", "partially_refunded": "partially_refunded", "결제완료": "paid",
                  "입금대기": "pending", "결제대기": "pending", "취소": "cancelled", "주문취소": "cancelled", "환불": "refunded",
                  "환불완료": "refunded", "부분환불": "partially_refunded", "구매확정": "paid", "배송완료": "paid",
                  "배송중": "paid", "배송준비": "paid", "신규주문": "paid", "발주확인": "paid", "발송대기": "paid",
                  "취소완료": "cancelled", "미결제취소": "cancelled", "반품": "refunded", "반품완료": "refunded",
                  "교환": "paid", "교환완료": "paid", **SHOPIFY_STATUS}


def norm_header(name: str) -> str:
    """Case/space-insensitive header key: 'Order ID' -> 'order_id'."""
    return re.sub(r"[\s\-./]+", "_", name.strip().lower()).strip("_")


def target_names(kind: str) -> list[str]:
    return [t[0] for t in TARGETS[kind]]


def required_names(kind: str) -> list[str]:
    return [t[0] for t in TARGETS[kind] if t[2]]


def canonical_mapping(columns: list[str], kind: str) -> dict[str, str]:
    """target -> source column for headers that spell a target (or a known alias)."""
    targets = set(target_names(kind))
    aliases = {**ALIASES, **KIND_ALIAS_OVERRIDES.get(kind, {})}
    found: dict[str, str] = {}
    for col in columns:
        key = norm_header(col)
        target = key if key in targets else aliases.get(key.replace("_", "")) or aliases.get(key)
        if target in targets and target not in found:
            found[target] = col
    return found


def _header_set(columns: list[str]) -> dict[str, str]:
    return {norm_header(c): c for c in columns}


SHOPIFY_KEYS = ("name", "created_at", "lineitem_name", "lineitem_quantity", "lineitem_price")
RETAIL_KEYS = ("stockcode", "invoicedate", "quantity")
# Naver Smart Store order export (주문통합검색 / 발주발송관리, Excel or CSV): one row per product order (상품주문번호),
# several per order (주문번호); status per row. Keys are norm_header spellings ("배송비 합계" -> "배송비_합계").
SMARTSTORE_KEYS = ("상품주문번호", "주문번호", "상품명", "수량")
SMARTSTORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("주문번호",), "ordered_at": ("주문일시", "결제일", "결제일시"), "sku": ("상품번호",),
    "product_name": ("상품명",), "quantity": ("수량",), "unit_price": ("상품가격", "판매가"),
    "customer_id": ("구매자id",), "status": ("주문상태",),
    "line_discount": ("최종_상품별_할인액", "상품별_할인액"), "shipping_fee": ("배송비_합계", "배송비"),
    "_line_id": ("상품주문번호",), "_detail": ("주문세부상태",), "_option_price": ("옵션가격",),
    "_seller_sku": ("판매자_상품코드",), "_bundle": ("배송비_묶음번호",), "_paid_at": ("결제일", "결제일시"),
    "_line_total": ("최종_상품별_총_주문금액", "상품별_총_주문금액")}
# Coupang WING order list (배송관리 > 주문 목록 / 배송리스트 download, .xlsx): one row per option of an order
# (주문번호), options shipped together share a 묶음배송번호. Keys are norm_header spellings.
COUPANG_KEYS = ("묶음배송번호", "주문번호", "구매수(수량)", "옵션판매가(판매단가)")
COUPANG_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("주문번호",), "ordered_at": ("결제일시", "주문일"), "sku": ("옵션id",),
    "product_name": ("노출상품명(옵션명)", "등록상품명"), "quantity": ("구매수(수량)",),
    "unit_price": ("옵션판매가(판매단가)",), "shipping_fee": ("배송비",),
    "_bundle": ("묶음배송번호",), "_seller_sku": ("업체상품코드",), "_remote_fee": ("도서산간_추가배송비",),
    "_cancelled": ("취소여부",), "_cancel_qty": ("취소수량",), "_email": ("구매자이메일",), "_ordered_day": ("주문일",)}
# Naver search ads (searchad.naver.com) report download, CSV: 보고서 > 다차원 보고서 with 일별 rows; a title line
# above the header is skipped by the reader. Cost is 총비용 (VAT included: what the seller pays).
NAVER_SEARCHAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "stat_date": ("일별", "날짜", "일자"), "campaign": ("캠페인", "캠페인명"), "ad_group": ("광고그룹", "광고그룹명"),
    "keyword": ("키워드",), "impressions": ("노출수",), "clicks": ("클릭수",),
    "cost": ("총비용(vat포함,원)", "총비용"), "conversions": ("전환수", "총_전환수"),
    "conversion_revenue": ("전환매출액(원)", "총_전환매출액(원)", "전환매출액")}
# Google Ads report download (Reports or a table's download button; CSV, or "CSV for Excel", which is UTF-16 with
# tabs), segmented by day: two title lines (report name, date range) above the header, '--' for no value, "Total:"
# lines at the end; English or Korean UI headers.
GOOGLE_ADS_COLUMNS: dict[str, tuple[str, ...]] = {
    "stat_date": ("day", "date", "일", "날짜", "일자"), "campaign": ("campaign", "캠페인"),
    "ad_group": ("ad_group", "광고그룹", "광고_그룹"), "keyword": ("search_keyword", "keyword", "키워드", "검색_키워드"),
    "impressions": ("impr", "impressions", "노출수"), "clicks": ("clicks", "클릭수"), "cost": ("cost", "비용"),
    "conversions": ("conversions", "전환수", "전환"), "conversion_revenue": ("conv_value", "conversion_value", "전환_가치"),
    "_currency": ("currency_code", "통화_코드", "통화")}
# Meta (Facebook / Instagram) Ads Manager export (Reports > Export table data, CSV or .xlsx) broken down by day;
# "Amount spent (KRW)" carries the account currency in its header (a trailing * matches a header's start).
META_ADS_COLUMNS: dict[str, tuple[str, ...]] = {
    "stat_date": ("day", "일", "reporting_starts", "보고_시작"), "_ends": ("reporting_ends", "보고_종료"),
    "campaign": ("campaign_name", "캠페인_이름"), "ad_group": ("ad_set_name", "광고_세트_이름"),
    "impressions": ("impressions", "노출"), "clicks": ("link_clicks", "링크_클릭", "clicks_(all)", "클릭(전체)"),
    "cost": ("amount_spent*", "지출_금액*"),
    "conversions": ("purchases", "website_purchases", "구매", "웹사이트_구매"),
    "conversion_revenue": ("purchases_conversion_value", "website_purchases_conversion_value", "구매_전환값",
                           "웹사이트_구매_전환값")}
# Coupang ads (광고센터 > 보고서, 맞춤 보고서 download, .xlsx or CSV) by day: a row per day x campaign x ad group x
# option (광고집행 옵션ID) x placement (광고 노출 지면) x keyword ('-' off search); orders and revenue attributed
# within 14 days (or 1 day, when the report has only those columns).
COUPANG_ADS_COLUMNS: dict[str, tuple[str, ...]] = {
    "stat_date": ("날짜", "일자"), "campaign": ("캠페인명", "캠페인_이름", "캠페인"),
    "ad_group": ("광고그룹명", "광고그룹", "광고_그룹"), "keyword": ("키워드",), "impressions": ("노출수",),
    "clicks": ("클릭수",), "cost": ("광고비",), "conversions": ("총_주문수(14일)", "총_주문수(1일)"),
    "conversion_revenue": ("총_전환매출액(14일)", "총_전환매출액(1일)")}
# ad report formats: columns, what the file is called, how to get days into it
AD_REPORTS: dict[str, tuple[dict[str, tuple[str, ...]], str, str]] = {
    "naver_searchad": (NAVER_SEARCHAD_COLUMNS, "Naver search ads report",
                       "make the report by day (add 일별 in 보고서 > 다차원 보고서)"),
    "google_ads": (GOOGLE_ADS_COLUMNS, "Google Ads report", "segment the report by day (Segment > Time > Day)"),
    "meta_ads": (META_ADS_COLUMNS, "Meta Ads Manager export", "break the report down by day "
                 "(Breakdown > By time > Day)"),
    "coupang_ads": (COUPANG_ADS_COLUMNS, "Coupang ads report", "make the report by day (기간 구분: 일별)"),
}
# Naver Smart Store 마케팅분석 download (통계 > 마케팅분석: 전체 채널, 검색 채널 with 키워드, 사용자 정의 채널 with
# nt_source / nt_medium / nt_detail / nt_keyword), by day: visits (유입수) and last-click payments per channel and
# device (채널속성: 모바일, PC, and 전체 rows that total them). Keys are norm_header spellings.
SMARTSTORE_MARKETING_COLUMNS: dict[str, tuple[str, ...]] = {
    "stat_date": ("날짜", "일자", "일별"), "device": ("채널속성", "디바이스"), "channel": ("채널그룹",),
    "source": ("nt_source", "채널명"), "medium": ("nt_medium", "채널상세"),
    "search_keyword": ("nt_keyword", "키워드", "검색어", "유입키워드"), "landing_sku": ("상품번호", "상품id"),
    "sessions": ("유입수",), "pageviews": ("페이지수",), "orders": ("결제수(마지막클릭)", "결제수"),
    "revenue": ("결제금액(마지막클릭)", "결제금액")}
# 채널그룹 -> our channel (as the demo store and the sessions kind use them); other groups are kept as written
SMARTSTORE_CHANNEL_GROUPS = {"검색": "search", "쇼핑": "search", "검색광고": "ads", "광고": "ads", "소셜": "social",
                             "메신저": "referral", "웹사이트": "referral", "일반유입": "direct", "기타": "referral"}
SMARTSTORE_DEVICES = {"모바일": "mobile", "pc": "desktop", "태블릿": "tablet"}
DEVICE_TOTAL = "__x_device_total"      # a 채널속성 전체 row, which totals the 모바일 and PC rows of its key
SUMMARY_ROW_LABELS = ("합계", "총계", "전체", "total", "sum")
# what a Smart Store row's status (주문상태, or a final 주문세부상태) means for that product order
SMARTSTORE_LINE_STATES = {
    "cancel": ("취소", "취소완료", "미결제취소"), "return": ("반품", "반품완료"), "exchange": ("교환", "교환완료"),
    "pending": ("결제대기", "입금대기"),
    "paid": ("결제완료", "신규주문", "발주확인", "발송대기", "배송준비", "배송중", "배송완료", "구매확정")}


def detect_format(columns: list[str], kind: str) -> str | None:
    headers = _header_set(columns)
    if all(k in headers for k in SHOPIFY_KEYS):
        return "shopify"
    if all(k in headers for k in RETAIL_KEYS) and ("invoiceno" in headers or "invoice" in headers):
        return "online_retail"
    if all(k in headers for k in SMARTSTORE_KEYS):
        return "smartstore"
    if all(k in headers for k in COUPANG_KEYS):
        return "coupang"
    if kind == "ad_stats" and "캠페인" in headers and "노출수" in headers and any(h.startswith("총비용")
                                                                              for h in headers):
        return "naver_searchad"
    if kind == "ad_stats" and ("campaign" in headers or "캠페인" in headers) and (
            "impr" in headers or "currency_code" in headers or "통화_코드" in headers):
        return "google_ads"
    if kind == "ad_stats" and ("campaign_name" in headers or "캠페인_이름" in headers) and any(
            h.startswith(("amount_spent", "지출_금액")) for h in headers):
        return "meta_ads"
    if kind == "ad_stats" and "광고비" in headers and any(h.startswith("총_전환매출액") for h in headers):
        return "coupang_ads"
    if "유입수" in headers and ("채널속성" in headers or "채널그룹" in headers or "nt_source" in headers):
        return "smartstore_marketing"
    mapping = canonical_mapping(columns, kind)
    if all(r in mapping for r in required_names(kind)):
        return "canonical"
    return None


@dataclass
class Layout:
    fmt: str
    mapping: dict[str, str]        # target -> source column
    problem: str | None = None     # whole-file problem (unknown layout, missing columns)


def resolve_layout(columns: list[str], kind: str, fmt: str, mapping: dict[str, str] | None) -> Layout:
    """Which layout the file has and how its columns map to targets; `problem` says why not."""
    cols = [c for c in columns if c != ROW]
    if mapping:
        fmt = "mapped" if fmt in ("auto", "canonical") else fmt
    if fmt == "auto":
        detected = detect_format(cols, kind)
        if detected is None:
            missing = [r for r in required_names(kind) if r not in canonical_mapping(cols, kind)]
            return Layout("auto", {}, f"Unrecognised {kind} layout: required columns {', '.join(missing)} not found. "
                          f"Columns found: {', '.join(cols[:40]) or '(none)'}. Map them with "
                          f"--map {missing[0] if missing else 'target'}=<your column>,... "
                          "(or --format shopify / online_retail / smartstore / coupang).")
        fmt = detected
    if fmt in ("shopify", "online_retail", "smartstore", "coupang") and kind != "orders":
        return Layout(fmt, {}, f"A {fmt} export holds orders: load it with --kind orders.")
    if fmt == "smartstore_marketing":
        if kind != "traffic_stats":
            return Layout(fmt, {}, "A Smart Store 마케팅분석 download holds visits by day: load it with --kind "
                          "traffic_stats.")
        layout = _named_layout(cols, fmt, SMARTSTORE_MARKETING_COLUMNS, required=("sessions",))
        if layout.problem is None and "stat_date" not in layout.mapping:
            layout.problem = ("This Smart Store 마케팅분석 download has no 날짜 column: choose 일별 for the period "
                              f"and download it again. Columns found: {', '.join(cols[:40])}.")
        return layout
    if fmt in AD_REPORTS:
        columns, name, by_day = AD_REPORTS[fmt]
        if kind != "ad_stats":
            return Layout(fmt, {}, f"A {name} holds ad statistics: load it with --kind ad_stats.")
        layout = _named_layout(cols, fmt, columns, required=("campaign", "cost"))
        if layout.problem is None and "stat_date" not in layout.mapping:
            layout.problem = (f"This {name} has no day column: {by_day} and download it again. Columns found: "
                              f"{', '.join(cols[:40])}.")
        return layout
    if fmt == "shopify":
        return _named_layout(cols, "shopify", {
            "order_id": ("name",), "ordered_at": ("created_at",), "product_name": ("lineitem_name",),
            "sku": ("lineitem_sku",), "quantity": ("lineitem_quantity",), "unit_price": ("lineitem_price",),
            "customer_id": ("email",), "status": ("financial_status",), "line_discount": ("lineitem_discount",),
            "order_discount": ("discount_amount",), "shipping_fee": ("shipping",),
            "refunded_amount": ("refunded_amount",), "currency": ("currency",), "channel": ("source",),
            "country": ("billing_country", "shipping_country"), "_country2": ("shipping_country",)},
            required=("order_id", "ordered_at", "product_name", "quantity", "unit_price"))
    if fmt == "online_retail":
        return _named_layout(cols, "online_retail", {
            "order_id": ("invoiceno", "invoice"), "sku": ("stockcode",), "product_name": ("description",),
            "quantity": ("quantity",), "ordered_at": ("invoicedate",), "unit_price": ("unitprice", "price"),
            "customer_id": ("customerid", "customer_id"), "country": ("country",)},
            required=("order_id", "sku", "quantity", "ordered_at", "unit_price"))
    if fmt == "smartstore":
        return _named_layout(cols, "smartstore", SMARTSTORE_COLUMNS,
                             required=("order_id", "_line_id", "ordered_at", "sku", "product_name", "quantity",
                                       "unit_price"))
    if fmt == "coupang":
        return _named_layout(cols, "coupang", COUPANG_COLUMNS,
                             required=("order_id", "ordered_at", "sku", "quantity", "unit_price"))
    if fmt == "canonical":
        found = canonical_mapping(cols, kind)
        missing = [r for r in required_names(kind) if r not in found]
        if missing:
            return Layout("canonical", found, f"Required columns missing: {', '.join(missing)}. "
                          f"Columns found: {', '.join(cols[:40]) or '(none)'}. Use --map TARGET=SOURCE to map them.")
        return Layout("canonical", found)
    if fmt == "mapped":
        mapping = dict(mapping or {})
        targets = set(target_names(kind))
        bad_targets = [t for t in mapping if t not in targets]
        if bad_targets:
            return Layout("mapped", mapping, f"Unknown target column(s) for {kind}: {', '.join(bad_targets)}. "
                          f"Targets: {', '.join(target_names(kind))}.")
        by_norm = _header_set(cols)
        resolved: dict[str, str] = {}
        for target, source in mapping.items():
            if source in cols:
                resolved[target] = source
            elif norm_header(source) in by_norm:
                resolved[target] = by_norm[norm_header(source)]
            else:
                return Layout("mapped", mapping, f"Mapped source column '{source}' (for {target}) is not in the file. "
                              f"Columns found: {', '.join(cols[:40])}.")
        for target, source in canonical_mapping(cols, kind).items():
            if target not in resolved and source not in resolved.values():
                resolved[target] = source
        missing = [r for r in required_names(kind) if r not in resolved]
        if missing:
            return Layout("mapped", resolved, f"Required columns not mapped: {', '.join(missing)}. "
                          f"Columns found: {', '.join(cols[:40])}.")
        return Layout("mapped", resolved)
    return Layout(fmt, {}, f"Unknown format '{fmt}'. Formats: auto, canonical, shopify, online_retail, smartstore, "
                  "coupang, naver_searchad, google_ads, meta_ads, coupang_ads, smartstore_marketing, mapped.")


def _named_layout(cols: list[str], fmt: str, wanted: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Layout:
    headers = _header_set(cols)
    mapping: dict[str, str] = {}
    for target, keys in wanted.items():
        for key in keys:
            if key.endswith("*"):         # a header starting so, e.g. "Amount spent (KRW)"
                key = next((h for h in headers if h.startswith(key[:-1])), key)
            if key in headers:
                mapping[target] = headers[key]
                break
    missing = [r for r in required if r not in mapping]
    if missing:
        return Layout(fmt, mapping, f"This does not look like a {fmt} export: missing {', '.join(missing)} "
                      f"columns. Columns found: {', '.join(cols[:40])}.")
    return Layout(fmt, mapping)


def to_target_frame(frame: pl.DataFrame, layout: Layout, kind: str) -> pl.DataFrame:
    """Source frame -> frame named by target columns (still raw values) + __row; absent targets are null."""
    exprs: list[pl.Expr] = [pl.col(ROW)]
    for target in target_names(kind):
        source = layout.mapping.get(target)
        if source is None:
            exprs.append(pl.lit(None, dtype=pl.String).alias(target))
        else:
            exprs.append(pl.col(source).alias(target))
    out = frame.select(exprs)
    if layout.fmt == "shopify":
        second = layout.mapping.get("_country2")
        if second and second != layout.mapping.get("country"):
            out = out.with_columns(pl.coalesce(pl.col("country"), frame.get_column(second)).alias("country"))
        out = out.with_columns(
            _text("customer_id").str.to_lowercase().alias("customer_id"),
            _text("status").str.to_lowercase().replace(SHOPIFY_STATUS).alias("status"),
            pl.coalesce(_text("sku"), _text("product_name")).alias("sku"))
    if layout.fmt == "online_retail":
        out = out.with_columns(pl.coalesce(_text("product_name"), _text("sku")).alias("product_name"))
    if layout.fmt == "smartstore":
        out = _smartstore_rows(frame, out, layout.mapping)
    if layout.fmt == "coupang":
        out = _coupang_rows(frame, out, layout.mapping)
    if layout.fmt in AD_REPORTS:
        out = _ad_report_rows(frame, out, layout)
    if layout.fmt == "smartstore_marketing":
        out = _smartstore_marketing_rows(frame, out, layout)
    return out


def _smartstore_marketing_rows(frame: pl.DataFrame, out: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """A Smart Store 마케팅분석 download in target terms: 채널속성 모바일 / PC -> device mobile / desktop; a 전체
    row totals its key's device rows, so it is marked for the loader, which leaves it out where the file has
    device rows for that key and keeps it (device empty) where it has not; 채널그룹 -> channel
    (SMARTSTORE_CHANNEL_GROUPS); '-' = no value; summary lines (합계) left out; other text columns (nt_detail,
    채널명 beside nt_source) are breakdowns whose rows the loader sums."""
    by = breakdown_columns(frame, layout)
    if by:
        out = out.with_columns(pl.concat_str([frame.get_column(c).cast(pl.String).fill_null("") for c in by],
                                             separator="\x1f").alias(BREAKDOWN))
    out = out.filter(~_text("stat_date").str.to_lowercase().is_in(list(SUMMARY_ROW_LABELS)).fill_null(False))
    targets = [c for c in out.columns if c != ROW and not c.startswith("__x_")]
    out = out.with_columns(*[pl.when(~_text(c).is_in(["-", "--"])).then(pl.col(c)).alias(c) for c in targets])
    device = _text("device").str.to_lowercase()
    group = _text("channel")
    return out.with_columns(
        (device == "전체").fill_null(False).alias(DEVICE_TOTAL),
        pl.when(device == "전체").then(pl.lit(None, dtype=pl.String))
        .otherwise(device.replace(SMARTSTORE_DEVICES)).alias("device"),
        group.replace(SMARTSTORE_CHANNEL_GROUPS).alias("channel"))


def _coupang_rows(frame: pl.DataFrame, out: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """A Coupang WING order list's rows in target terms. A row is one option of an order; its cancellation is
    취소여부 (Y: the whole line) or 취소수량 (units). Order status: every unit cancelled -> cancelled, some ->
    partially_refunded with the cancelled units' price as refunded_amount, else paid. SKU = the option's
    업체상품코드 where any of its rows gives one, else 옵션ID; shipping = per 묶음배송번호 the largest 배송비 + 도서산간
    추가배송비 of its rows (a box's fee is charged once), summed over the order's boxes. Order time = 결제일시, else
    주문일. The customer is a pseudonym of 구매자이메일 ("cp-" + 16 hex digits of its SHA-256): the list has no
    buyer id, and an e-mail address is not kept; rows without one have no customer."""
    out = _with_sources(frame, out, mapping, COUPANG_COLUMNS)
    src, num = _source, _number
    order = pl.col("order_id")
    qty, price = num(pl.col("quantity")), num(pl.col("unit_price"))
    cancelled = (pl.when(src("_cancelled").str.to_uppercase().is_in(["Y", "YES", "예"])).then(qty)
                 .otherwise(num(src("_cancel_qty")).fill_null(0.0)).clip(0.0, qty))
    box = src("_bundle") if "_bundle" in mapping else order
    box_fee = (num(pl.col("shipping_fee")).fill_null(0.0) + num(src("_remote_fee")).fill_null(0.0)).max().over(
        order, box)
    first_in_box = pl.struct(order, box).is_first_distinct()
    status = (pl.when((pl.col("__cancelled") >= qty).all().over(order)).then(pl.lit("cancelled"))
              .when((pl.col("__cancelled") > 0).any().over(order)).then(pl.lit("partially_refunded"))
              .otherwise(pl.lit("paid")))
    emails = out.get_column("__s_email").drop_nulls().str.to_lowercase().unique()
    pseudonyms = {e: "cp-" + hashlib.sha256(e.encode()).hexdigest()[:16] for e in emails.to_list()}
    out = out.with_columns(cancelled.alias("__cancelled"))
    return out.with_columns(
        pl.coalesce(src("_seller_sku").drop_nulls().first().over(pl.col("sku")), pl.col("sku")).alias("sku"),
        pl.when(_text("ordered_at").is_null()).then(src("_ordered_day")).otherwise(pl.col("ordered_at"))
        .alias("ordered_at"),
        pl.when(qty.is_null() | price.is_null()).then(pl.lit(None, dtype=pl.String)).otherwise(status)
        .alias("status"),
        (pl.col("__cancelled") * price).sum().over(order).cast(pl.String).alias("refunded_amount"),
        (box_fee * first_in_box).sum().over(order).cast(pl.String).alias("shipping_fee"),
        src("_email").str.to_lowercase().replace_strict(pseudonyms, default=None, return_dtype=pl.String)
        .alias("customer_id"),
        pl.lit("coupang").alias("channel"), pl.lit("KRW").alias("currency"), pl.lit("KR").alias("country"),
    ).drop("__cancelled", *[f"__s{k}" for k in COUPANG_COLUMNS if k.startswith("_")])


def _ad_report_rows(frame: pl.DataFrame, out: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """An ad platform's report in target terms: platform = the format; '-' or '--' = no value (Naver writes '-'
    for "no keyword" on shopping ads, Google '--' for an empty cell); summary lines (합계, "Total: Account") left
    out; breakdown columns carried for the loader, which sums the rows they split (breakdown_columns).
    Google's conversions can be fractional (data-driven attribution) and are stored whole: rounded so that each
    campaign / ad group / keyword's running total over the file stays within 0.5 of the report's. A Meta export
    without a Day column has a row per reporting period: its end is carried so the loader can reject a row that
    covers more than one day."""
    by = breakdown_columns(frame, layout)
    if by:
        out = out.with_columns(pl.concat_str([frame.get_column(c).cast(pl.String).fill_null("") for c in by],
                                             separator="\x1f").alias(BREAKDOWN))
    if "_currency" in layout.mapping:            # Google: a Currency code column
        out = out.with_columns(frame.get_column(layout.mapping["_currency"]).cast(pl.String).str.strip_chars()
                               .str.to_uppercase().alias(CURRENCY))
    elif (code := re.search(r"\(([A-Za-z]{3})\)\s*$", layout.mapping.get("cost", ""))) is not None:
        out = out.with_columns(pl.lit(code.group(1).upper()).alias(CURRENCY))     # Meta: "Amount spent (KRW)"
    ends, day = layout.mapping.get("_ends"), layout.mapping.get("stat_date")
    if ends is not None and day is not None and norm_header(day) in ("reporting_starts", "보고_시작"):
        out = out.with_columns(frame.get_column(ends).cast(pl.String).alias(PERIOD_END))
    first = frame.get_column(next(c for c in frame.columns if c != ROW)).cast(pl.String).str.strip_chars()
    labelled = first.str.contains(r"(?i)^(?:total|합계|총계)\s*:").fill_null(False)     # Google: "Total: Account"
    out = out.filter(~(_text("stat_date").str.to_lowercase().is_in(list(SUMMARY_ROW_LABELS)).fill_null(False)
                       | pl.lit(labelled)))
    empty = ("-", "--")
    targets = [c for c in out.columns if c != ROW and not c.startswith("__x_")]
    out = out.with_columns(pl.lit(layout.fmt).alias("platform"),
                           *[pl.when(~_text(c).is_in(empty)).then(pl.col(c)).alias(c)
                             for c in targets if c != "platform"])
    if layout.fmt == "coupang_ads" and "conversion_revenue" in layout.mapping:    # the report's window
        days = 1 if layout.mapping["conversion_revenue"].replace(" ", "").endswith("(1일)") else 14
        out = out.with_columns(pl.lit(str(days)).alias("attribution_window_days"))
    if layout.fmt == "google_ads" and "conversions" in layout.mapping:
        value = _text("conversions").str.replace_all(",", "").cast(pl.Float64, strict=False)
        if bool(out.select((value != value.floor()).any()).item()):
            # floor(x + 0.5) moves by exactly k when x moves by a whole k: whole rows keep their value
            running = value.fill_null(0).cum_sum().over("campaign", "ad_group", "keyword", order_by=ROW)
            whole = (running + 0.5).floor() - (running - value.fill_null(0) + 0.5).floor()
            out = out.with_columns(pl.when(value.is_not_null()).then(whole.cast(pl.Int64).cast(pl.String))
                                   .otherwise(pl.col("conversions")).alias("conversions"))
    return out


BREAKDOWN = "__x_breakdown"
PERIOD_END = "__x_period_end"
CURRENCY = "__x_currency"      # an ad report's money, when it says which
_NUMBER_LIKE = r"^\s*(?:[-+]?[\d,]*\.?\d+\s*%?|--?)?\s*$"
_ID_HEADER = re.compile(r"(?:^|_|[가-힣])id$|번호$|코드$")     # "Campaign ID", "광고집행 옵션ID": numbers that name


def breakdown_columns(frame: pl.DataFrame, layout: Layout) -> list[str]:
    """An ad report's extra dimensions: columns the layout does not map whose values are not all numbers, e.g.
    Naver's PC/모바일 매체 (PC, 모바일), 매체이름, 요일, 시간대 or 지역 when the seller added them to the report,
    Google's Device or Match type, Meta's Age, Gender, Placement or Ad name. Their rows are parts of one day's
    figures for a campaign / ad group / keyword, and the loader sums them. So are id columns ("Campaign ID",
    Coupang's 광고집행 옵션ID), numbers that name a thing. Other unmapped number columns (클릭률, Avg. CPC, CTR) are
    rates derived from the sums and are not read."""
    if layout.fmt not in AD_REPORTS and layout.fmt != "smartstore_marketing":
        return []
    mapped = set(layout.mapping.values())
    out = []
    for col in frame.columns:
        if col == ROW or col in mapped:
            continue
        values = frame.get_column(col).cast(pl.String)
        if _ID_HEADER.search(norm_header(col)) or not values.drop_nulls().str.contains(_NUMBER_LIKE).all():
            out.append(col)
    return out


def _smartstore_rows(frame: pl.DataFrame, out: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """A Smart Store export's rows in target terms. Its status is per product order (row); ours is per order:
    every row cancelled -> cancelled, every row cancelled or returned (some returned) -> refunded, some ->
    partially_refunded with those rows' money as refunded_amount, every row awaiting payment -> pending, else paid.
    Cancelled, returned and exchanged rows also become claims (carried as __x_claim_* columns for the loader):
    claim id = 상품주문번호, money = the row's final amount (최종 상품별 총 주문금액, else price x quantity -
    discount; 0 for an exchange), claim time = the order time. Unit price = 상품가격 + 옵션가격; SKU = the product's
    판매자 상품코드 where any of its rows (same 상품번호) gives one, else 상품번호;
    shipping = the sum of 배송비 합계 over the order's shipping bundles (repeated on each row of a bundle).
    Order time = 주문일시, else (an export without it, or an empty cell) 결제일. Values that do not parse are left
    as they were, so validation names them."""
    out = _with_sources(frame, out, mapping, SMARTSTORE_COLUMNS)
    src, num = _source, _number
    status = _text("status")
    detail = src("_detail")
    state = pl.lit(None, dtype=pl.String)
    for name, spellings in reversed(SMARTSTORE_LINE_STATES.items()):   # first listed wins
        hit = status.is_in(list(spellings))
        if name in ("cancel", "return", "exchange"):
            hit = hit | detail.is_in([s for s in spellings if s.endswith("완료")])
        state = pl.when(hit).then(pl.lit(name)).otherwise(state)
    order = pl.col("order_id")
    price, option = num(pl.col("unit_price")), num(src("_option_price")).fill_null(0.0)
    qty, discount = num(pl.col("quantity")), num(pl.col("line_discount")).fill_null(0.0)
    net = pl.coalesce(num(src("_line_total")), (price + option) * qty - discount)
    gone = pl.col("__state").is_in(["cancel", "return"])
    fee = num(pl.col("shipping_fee"))
    first_in_bundle = (pl.struct(order, src("_bundle")).is_first_distinct() if "_bundle" in mapping
                       else pl.int_range(pl.len()).over(order) == 0)
    order_status = (pl.when((pl.col("__state") == "cancel").all().over(order)).then(pl.lit("cancelled"))
                    .when(gone.all().over(order)).then(pl.lit("refunded"))
                    .when(gone.any().over(order)).then(pl.lit("partially_refunded"))
                    .when((pl.col("__state") == "pending").all().over(order)).then(pl.lit("pending"))
                    .otherwise(pl.lit("paid")))
    claim = pl.col("__state").is_in(["cancel", "return", "exchange"])
    out = out.with_columns(state.alias("__state"), net.alias("__net"), fee.alias("__fee"))
    return out.with_columns(
        pl.when(price.is_not_null()).then((price + option).cast(pl.String)).otherwise(pl.col("unit_price"))
        .alias("unit_price"),
        pl.coalesce(src("_seller_sku").drop_nulls().first().over(pl.col("sku")), pl.col("sku")).alias("sku"),
        pl.when(_text("ordered_at").is_null()).then(src("_paid_at")).otherwise(pl.col("ordered_at"))
        .alias("ordered_at"),
        pl.when(pl.col("__state").is_null()).then(pl.col("status")).otherwise(order_status).alias("status"),
        (pl.col("__net") * gone).sum().over(order).cast(pl.String).alias("refunded_amount"),
        pl.when(_text("shipping_fee").is_not_null() & pl.col("__fee").is_null()).then(pl.col("shipping_fee"))
        .otherwise((pl.col("__fee").fill_null(0.0) * first_in_bundle).sum().over(order).cast(pl.String))
        .alias("shipping_fee"),
        pl.lit("smartstore").alias("channel"), pl.lit("KRW").alias("currency"), pl.lit("KR").alias("country"),
        pl.when(claim).then(pl.col("__state")).alias("__x_claim_type"),
        pl.when(claim).then(src("_line_id")).alias("__x_claim_id"),
        pl.when(claim).then(pl.when(pl.col("__state") == "exchange").then(0.0).otherwise(pl.col("__net")))
        .alias("__x_claim_amount"),
        pl.lit(None, dtype=pl.String).alias("__x_claim_reason"),   # the export has the state, not a reason
    ).drop("__state", "__net", "__fee", *[f"__s{k}" for k in SMARTSTORE_COLUMNS if k.startswith("_")])


def _with_sources(frame: pl.DataFrame, out: pl.DataFrame, mapping: dict[str, str],
                  columns: dict[str, tuple[str, ...]]) -> pl.DataFrame:
    """`out` with a format's helper columns (its `_`-keys: __s_bundle, ...) as trimmed text, null when the file
    lacks them (or when they are the order time's own column)."""
    keys = [k for k in columns if k.startswith("_") and k in mapping and mapping[k] != mapping.get("ordered_at")]
    sources = frame.select(pl.col(mapping[k]).alias(f"__s{k}") for k in keys)
    out = out.hstack(sources.select(validate.text_expr(sources, c) for c in sources.columns))
    return out.with_columns(pl.lit(None, dtype=pl.String).alias(f"__s{k}") for k in columns
                            if k.startswith("_") and k not in keys)


def _source(key: str) -> pl.Expr:
    return pl.col(f"__s{key}")


def _number(expr: pl.Expr) -> pl.Expr:
    return validate._number_text(expr.cast(pl.String, strict=False)).cast(pl.Float64, strict=False)


def _text(name: str) -> pl.Expr:
    s = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(s.str.len_bytes() > 0).then(s)
