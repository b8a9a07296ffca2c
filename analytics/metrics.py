"""The metric dictionary: one definition (formula, window, attribution) per metric, shown beside every number."""

from __future__ import annotations

from analytics import ads_text, customers_text, digest_text, products_text, realtime_text, traffic_text
from analytics.metric_model import Metric

_ORDER_TIME = {
    "ko": "주문 시각(판매자 시간대) 기준으로 기간에 포함합니다.",
    "en": "By order time in the seller's time zone.",
}

METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric(
        "revenue", "money",
        {"ko": "매출", "en": "Revenue"},
        {"ko": "취소되지 않은 주문의 상품 라인 합계(수량 × 단가 − 라인 할인) − 주문 할인. 배송비 제외.",
         "en": "Σ quantity × unit price − line discount over product lines of orders not cancelled, "
               "minus order-level discounts. Shipping excluded."},
        _ORDER_TIME,
        {"ko": "반품·환불은 별도로 집계하며 매출에서 빼지 않습니다.",
         "en": "Returns and refunds are reported separately, not subtracted."},
    ),
    Metric(
        "orders", "count",
        {"ko": "주문 수", "en": "Orders"},
        {"ko": "취소되지 않은 주문의 수.", "en": "Count of orders not cancelled."},
        _ORDER_TIME,
        {"ko": "결제·대기·환불 주문 포함, 취소 주문 제외.",
         "en": "Paid, pending and refunded orders count; cancelled orders do not."},
    ),
    Metric(
        "aov", "money",
        {"ko": "객단가", "en": "AOV"},
        {"ko": "매출 ÷ 주문 수.", "en": "Revenue ÷ orders (average order value)."},
        _ORDER_TIME,
        {"ko": "매출·주문 수와 같은 주문 기준.", "en": "Same orders as revenue and orders."},
    ),
    Metric(
        "visitors", "count",
        {"ko": "방문자 수", "en": "Visitors"},
        {"ko": "방문(세션) 수.", "en": "Count of sessions (visits)."},
        {"ko": "방문 시작 시각(판매자 시간대) 기준. 방문 단위 데이터가 없는 날은 일별 유입 통계(스마트스토어 마케팅분석의 "
               "유입수)를, 기간 안에 온전히 든 현지 날짜만 셉니다.",
         "en": "By session start in the seller's time zone. On days without visit-level sessions, the visits counted "
               "by day (a Smart Store 마케팅분석 download's 유입수), for the local days wholly in the window."},
        {"ko": "같은 고객의 여러 방문은 각각 셉니다.", "en": "Repeat visits by one person count separately."},
    ),
    Metric(
        "conversion", "ratio",
        {"ko": "구매 전환율", "en": "Conversion"},
        {"ko": "주문으로 이어진 방문(주문 번호가 있는 세션) ÷ 방문 수.",
         "en": "Sessions that converted (session has an order id) ÷ sessions."},
        {"ko": "방문 시작 시각(판매자 시간대) 기준.", "en": "By session start in the seller's time zone."},
        {"ko": "주문은 그 주문 번호를 가진 방문에 귀속됩니다(라스트 세션). 일별 유입 통계의 날에는 보고서의 결제수"
               "(스마트스토어: 마지막 클릭)를 주문한 방문으로 셉니다.",
         "en": "An order is attributed to the session that carries its order id (last session). On days counted by "
               "day, the report's payments (Smart Store: last click) count as converted visits."},
    ),
)}

# Each insight area keeps its own metric definitions beside its strings (analytics/<area>_text.py).
for _area in (realtime_text, products_text, traffic_text, ads_text, customers_text, digest_text):
    for _metric in _area.METRICS:
        if _metric.name in METRICS:
            raise ValueError(f"metric {_metric.name!r} is defined twice")
        METRICS[_metric.name] = _metric

# The KPI periods of the home page and what each is compared with (shown as help text).
PERIOD_DEFINITIONS: dict[str, dict[str, str]] = {
    "today": {
        "ko": "오늘 0시(판매자 시간대)부터 지금까지. 비교: 어제 0시부터 어제 같은 시각까지.",
        "en": "From local midnight until now. Compared with yesterday from midnight up to the same clock time.",
    },
    "last_7_days": {
        "ko": "6일 전 0시부터 지금까지(오늘 포함 7일). 비교: 바로 앞 7일의 같은 구간.",
        "en": "From local midnight 6 days ago until now (7 days incl. today). "
              "Compared with the same span 7 days earlier.",
    },
    "last_30_days": {
        "ko": "29일 전 0시부터 지금까지(오늘 포함 30일). 비교: 바로 앞 30일의 같은 구간.",
        "en": "From local midnight 29 days ago until now (30 days incl. today). "
              "Compared with the same span 30 days earlier.",
    },
}

KPI_METRICS = ("revenue", "orders", "aov", "visitors", "conversion")

_CURRENCY_SYMBOLS = {"KRW": "₩", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_ZERO_DECIMAL = {"KRW", "JPY"}


def metric_label(name: str, lang: str) -> str:
    return METRICS[name].label.get(lang, METRICS[name].label["en"])


def metric_help(name: str, lang: str) -> str:
    return METRICS[name].help(lang)


def format_money(value: float | None, currency: str) -> str:
    """₩1,234,000 for KRW (no minor unit), $1,234.00 for USD; '–' for no value."""
    if value is None:
        return "–"
    currency = (currency or "").upper()
    digits = 0 if currency in _ZERO_DECIMAL else 2
    sign = "-" if value < 0 else ""
    amount = f"{abs(value):,.{digits}f}"
    symbol = _CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def money_column_format(currency: str) -> str:
    """The table format (st.column_config.NumberColumn) for money in `currency`: thousands separators and the
    currency's minor unit, as format_money writes it (1,234 for KRW, 1,234.57 for USD)."""
    return "%,.0f" if (currency or "").upper() in _ZERO_DECIMAL else "%,.2f"


def format_money_compact(value: float | None, currency: str, lang: str) -> str:
    """Money short enough for a tile: ₩1,573만 / ₩1.04억 in Korean, ₩15.7M / $104.3K in English.

    Amounts that fit a tile of a five-tile row on a laptop screen (9 characters or fewer: ₩999,999, $9,999.99) are
    shown in full; ₩1,605,500 would be cut to "₩1,605,…" there, so it reads ₩161만 / ₩1.6M.
    """
    if value is None:
        return "–"
    full = format_money(value, currency)
    size = abs(value)
    if len(full) <= 9:
        return full
    symbol = _CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    suffix = "" if symbol else f" {currency}"
    sign = "-" if value < 0 else ""
    if lang == "ko":
        if size >= 100_000_000:
            return f"{sign}{symbol}{size / 100_000_000:,.2f}억{suffix}"
        return f"{sign}{symbol}{size / 10_000:,.0f}만{suffix}"
    for limit, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= limit:
            return f"{sign}{symbol}{size / limit:,.1f}{unit}{suffix}"
    return full


def format_metric_value(name: str, value: float | None, currency: str, lang: str | None = None) -> str:
    """A metric value as shown on a tile: money with currency (compact when `lang` is given),
    counts with separators, ratios in %."""
    if value is None:
        return "–"
    unit = METRICS[name].unit
    if unit == "money":
        return format_money_compact(value, currency, lang) if lang else format_money(value, currency)
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}"


def format_delta(name: str, value: float | None, previous_value: float | None, delta_pct: float | None) -> str | None:
    """The change vs the previous period: relative % for money and counts, percentage points for ratios."""
    if METRICS[name].unit == "ratio":
        if value is None or previous_value is None:
            return None
        return f"{(value - previous_value) * 100:+.2f}%p"
    if delta_pct is None:
        return None
    return f"{delta_pct:+.1f}%"
