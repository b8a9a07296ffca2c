"""The words of alerts in Korean and English: headlines, explanation lines, email subjects and labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from analytics.metrics import format_money

METRIC_NAMES = {
    "revenue": ("매출", "revenue"), "order_count": ("주문 수", "orders"), "session_count": ("방문 수", "visits"),
    "conversion": ("구매 전환율", "conversion rate"), "aov": ("객단가", "average order value"),
    "roas": ("ROAS", "ROAS"), "cpc": ("클릭당 비용(CPC)", "cost per click (CPC)"),
    "claim_rate": ("반품·클레임 비율", "return/claim rate"), "on_hand": ("재고", "stock"),
    "digest": ("오늘의 요약", "today's digest"),
}
WEEKDAYS = (("월요일", "Monday"), ("화요일", "Tuesday"), ("수요일", "Wednesday"), ("목요일", "Thursday"),
            ("금요일", "Friday"), ("토요일", "Saturday"), ("일요일", "Sunday"))
SEVERITY = {"info": ("참고", "info"), "warning": ("주의", "warning"), "critical": ("긴급", "critical")}
STATUS = {"pending": ("보낼 예정", "to send"), "retrying": ("재시도 중", "retrying"), "sent": ("보냄", "sent"),
          "outbox": ("보관함에 저장", "saved to outbox"), "failed": ("실패", "failed"),
          "ongoing": ("진행 중(다시 보내지 않음)", "ongoing (not sent again)"),
          "suppressed": ("알림 끔/무시", "suppressed (muted or dismissed)"), "acknowledged": ("확인함", "acknowledged"),
          "not_anomaly": ("이상 아님으로 표시", "marked not an anomaly")}
CHANNELS = {"search": ("검색", "search"), "ads": ("광고", "ads"), "social": ("SNS", "social"),
            "direct": ("직접 방문", "direct"), "referral": ("추천 링크", "referral"), "email": ("이메일", "email")}


def subject_particle(word: str) -> str:
    """이 after a final consonant (매출이), 가 after a vowel (방문 수가): Korean subject particle of `word`."""
    last = word.rstrip()[-1:] if word.strip() else ""
    if "가" <= last <= "힣":
        return "이" if (ord(last) - ord("가")) % 28 else "가"
    return "이(가)"


def metric_name(metric: str, lang: str) -> str:
    ko, en = METRIC_NAMES.get(metric, (metric, metric))
    return ko if lang == "ko" else en


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ko" else pair[1]


def _pct(share: float) -> str:
    return f"{abs(share) * 100:.0f}%"


def format_value(metric: str, value: float | None, currency: str) -> str:
    """A metric's value for people: money with its currency, rates in %, counts with separators."""
    if value is None:
        return "–"
    if metric in ("revenue", "aov"):
        return format_money(value, currency)
    if metric in ("conversion", "claim_rate"):
        return f"{value * 100:.1f}%"
    if metric == "roas":
        return f"{value * 100:.0f}%"
    if metric == "cpc":
        return format_money(value, currency)
    return f"{value:,.0f}"


def store_daily_headline(metric: str, day: date, lead: dict[str, Any], currency: str,
                         also: list[str]) -> tuple[str, str]:
    word_ko = "적었습니다" if lead["change"] < 0 else "많았습니다"
    word_en = "below" if lead["change"] < 0 else "above"
    actual, expected = format_value(metric, lead["actual"], currency), format_value(metric, lead["expected"], currency)
    name_ko = metric_name(metric, "ko")
    ko = (f"{day:%m-%d}({WEEKDAYS[day.weekday()][0][0]}) {name_ko}{subject_particle(name_ko)} 평소보다 "
          f"{_pct(lead['change'])} {word_ko} ({actual}, 평소 약 {expected})")
    en = (f"{metric_name(metric, 'en').capitalize()} on {day:%a %m-%d} was {_pct(lead['change'])} {word_en} "
          f"usual ({actual} vs about {expected} expected)")
    if also:
        ko += " · 함께 떨어짐: " + ", ".join(metric_name(m, "ko") for m in also)
        en += "; also down: " + ", ".join(metric_name(m, "en") for m in also)
    return ko, en


def intraday_headline(check: Any, today: date, currency: str) -> tuple[str, str]:
    hour = check.hour + 1          # "by 14:00" = the end of hour 13
    wd = WEEKDAYS[today.weekday()]
    word_ko = "적습니다" if check.relative_gap < 0 else "많습니다"
    word_en = "below" if check.relative_gap < 0 else "above"
    ko = (f"오늘 {hour:02d}시까지 매출이 평소 {wd[0]}보다 {_pct(check.relative_gap)} {word_ko} "
          f"({format_money(check.actual, currency)}, 평소 약 {format_money(check.expected, currency)})")
    en = (f"By {hour:02d}:00 revenue is {_pct(check.relative_gap)} {word_en} what a normal {wd[1]} has by "
          f"{hour:02d}:00 ({format_money(check.actual, currency)} vs about {format_money(check.expected, currency)})")
    return ko, en


def campaign_headline(metric: str, campaign: str, day: date, lead: dict[str, Any], currency: str) -> tuple[str, str]:
    actual, expected = format_value(metric, lead["actual"], currency), format_value(metric, lead["expected"], currency)
    if metric == "roas":
        return (f"캠페인 '{campaign}'의 ROAS가 {day:%m-%d}에 평소보다 {_pct(lead['change'])} 떨어졌습니다 "
                f"({actual}, 평소 약 {expected})",
                f"ROAS of campaign '{campaign}' fell {_pct(lead['change'])} on {day:%m-%d} "
                f"({actual} vs about {expected} usually)")
    return (f"캠페인 '{campaign}'의 클릭당 비용이 {day:%m-%d}에 평소보다 {_pct(lead['change'])} 올랐습니다 "
            f"({actual}, 평소 약 {expected})",
            f"Cost per click of campaign '{campaign}' rose {_pct(lead['change'])} on {day:%m-%d} "
            f"({actual} vs about {expected} usually)")


def returns_headline(name: str, rate: float, baseline: float) -> tuple[str, str]:
    times = rate / baseline if baseline else 0.0
    return (f"'{name}'의 반품·클레임 비율이 최근 14일 {rate * 100:.1f}%로 평소({baseline * 100:.1f}%)의 "
            f"{times:.1f}배입니다",
            f"Returns/claims of '{name}' are at {rate * 100:.1f}% over the last 14 days, {times:.1f}x the usual "
            f"{baseline * 100:.1f}%")


def stock_out_headline(name: str, since: date, lost_per_day: float, reorder_qty: Any) -> tuple[str, str]:
    return (f"'{name}' 재고가 {since:%m-%d}부터 없습니다: 하루 약 {lost_per_day:.0f}개 판매를 놓치고 있습니다 "
            f"(권장 발주 {reorder_qty}개)",
            f"'{name}' has been out of stock since {since:%m-%d}: about {lost_per_day:.0f} sales a day are lost "
            f"(suggested reorder {reorder_qty})")


def explanation_lines(details: dict[str, Any], lang: str, currency: str) -> list[str]:
    """Plain sentences from an alert's stored explanation (alerts/explain.py), most telling first."""
    if details.get("lines_ko") is not None:                  # the morning digest: its lines, as they are
        return list(details["lines_ko"] if lang == "ko" else details["lines_en"])
    ex = details.get("explanation") or {}
    lines: list[str] = []
    ko = lang == "ko"
    dec = ex.get("decomposition")
    if dec:
        names = {"session_count": ("방문 수", "visits"), "conversion": ("전환율", "conversion"),
                 "aov": ("객단가", "order value")}
        parts = sorted(((k, v) for k, v in dec.items() if k in names), key=lambda p: -p[1])
        text = ", ".join(f"{pick(names[k], lang)} {v * 100:.0f}%" for k, v in parts)
        lines.append(f"변화의 원인 분해(지난주 같은 요일 대비): {text}" if ko else
                     f"What moved (vs the same weekday last week): {text}")
    for c in ex.get("channels", [])[:2]:
        label = pick(CHANNELS.get(c["key"], (c["key"], c["key"])), lang)
        lines.append(f"유입 채널 '{label}' 매출 {format_money(c['before'], currency)} → {format_money(c['now'], currency)}"
                     if ko else f"Channel '{label}': revenue {format_money(c['before'], currency)} → "
                                f"{format_money(c['now'], currency)}")
    for p in ex.get("products", [])[:2]:
        lines.append(f"상품 '{p['label']}' 매출 {format_money(p['before'], currency)} → {format_money(p['now'], currency)}"
                     if ko else f"Product '{p['label']}': revenue {format_money(p['before'], currency)} → "
                                f"{format_money(p['now'], currency)}")
    for k in ex.get("keywords", [])[:2]:
        lines.append(f"검색어 '{k['key']}' 방문 {k['before']:.0f} → {k['now']:.0f}" if ko else
                     f"Search keyword '{k['key']}': visits {k['before']:.0f} → {k['now']:.0f}")
    for c in ex.get("causes", []):
        if c["kind"] == "stock_out":
            lines.append(f"가능한 원인: '{c.get('name') or c['sku']}' 품절 ({c['since']}부터)" if ko else
                         f"Likely cause: '{c.get('name') or c['sku']}' out of stock since {c['since']}")
        elif c["kind"] == "campaign_stopped":
            name = c.get("campaign") or details.get("campaign", "")
            lines.append(f"가능한 원인: 캠페인 '{name}' 광고비 집행이 멈춤" if ko else
                         f"Likely cause: campaign '{name}' stopped spending")
        elif c["kind"] == "price_change":
            lines.append(f"가능한 원인: '{c['name']}' 판매가 변경 {format_money(c['usual_price'], currency)} → "
                         f"{format_money(c['price'], currency)}" if ko else
                         f"Likely cause: price of '{c['name']}' changed {format_money(c['usual_price'], currency)} → "
                         f"{format_money(c['price'], currency)}")
        elif c["kind"] == "clicks_without_orders":
            lines.append("가능한 원인: 클릭과 광고비는 그대로인데 구매가 줄었습니다 (랜딩 페이지·상품·입찰 키워드 확인)" if ko else
                         "Likely cause: clicks and spend held up but orders fell (check the landing page, product "
                         "and keywords)")
    if ex.get("reasons"):
        top = ", ".join(f"{r['reason'] or '-'} ({r['count']})" for r in ex["reasons"][:3])
        lines.append(f"반품 사유: {top}" if ko else f"Return reasons: {top}")
    camp = {k: v for k, v in ex.items() if k in ("spend", "clicks", "conversions")}
    if camp:
        lines.append(("광고비 {a} (평소 {b}), 클릭 {c:.0f} (평소 {d:.0f}), 전환 {e:.0f} (평소 {f:.0f})" if ko else
                      "Spend {a} (usually {b}), clicks {c:.0f} (usually {d:.0f}), conversions {e:.0f} (usually {f:.0f})")
                     .format(a=format_money(camp["spend"]["now"], currency),
                             b=format_money(camp["spend"]["usual"], currency), c=camp["clicks"]["now"],
                             d=camp["clicks"]["usual"], e=camp["conversions"]["now"], f=camp["conversions"]["usual"]))
    return lines
