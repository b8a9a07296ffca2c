"""What visitors wanted: inbound search keywords with conversion and trend, and unmet demand (keywords with many
visitors and significantly lower conversion than the store) grouped by shared terms into lineup advice.

Statistical rule (documented in the metric dictionary, keyword_unmet_sessions):
- each keyword's conversion gets a Wilson score interval at 99 % (z = 2.576); a keyword is flagged when it has
  at least MIN_SESSIONS sessions and the interval's upper bound is below the store conversion of the same period
  (all sessions). 99 % rather than 95 % because a store has dozens of keywords each period: at 95 % about one
  ordinary keyword in twenty would be flagged by chance.
- grouping: keywords are split into terms on spaces after phrase synonyms are mapped to one term (SYNONYMS: e.g.
  "small pack" -> 소포장). A term shared by two or more flagged keywords, and by more flagged keywords than
  unflagged ones (so 강아지, in dozens of healthy keywords, never forms a group), forms a group; terms with more
  flagged sessions win. Keywords under MIN_SESSIONS containing the group's term join it (they could not be
  tested alone). A flagged keyword sharing no such term is a group of its own. The group's pooled sessions must
  still pass the interval rule.
- advice: a variant term (VARIANT_TERMS: pack sizes and the like) -> offer that variant of the products the
  visitors landed on; otherwise, when no product name contains the keyword's last word (its head noun) -> the
  store does not seem to carry it; else -> it is carried but does not sell to these visitors.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from analytics import result_cache
from analytics.i18n import t
from analytics.metrics import format_money
from analytics.period import ReportPeriod
from analytics.queries import run_sql
from data.warehouse import Warehouse

Z_99 = 2.5758293035489004     # two-sided 99 % normal quantile
MIN_SESSIONS = 100            # a keyword needs this many sessions in the period before it can be flagged
TOP_PRODUCTS = 3              # products named in the advice

# canonical term -> phrases (normalised) that mean the same; the first English phrase glosses the term.
# Keep it small and checked by hand: a wrong synonym merges unrelated searches.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "소포장": ("small pack", "small size", "mini pack", "소용량", "소량"),
    "대용량": ("large pack", "bulk", "big pack", "대포장"),
    "샘플": ("sample", "trial size", "체험용"),
    "리필": ("refill",),
    "유모차": ("stroller", "pet stroller"),
    "무향": ("unscented", "fragrance free"),
}
# terms that ask for a variant (size, pack) of products the store sells rather than a new product
VARIANT_TERMS = frozenset({"소포장", "대용량", "샘플", "리필", "무향"})

KEYWORD_METRICS = ("visitors", "traffic_converted_sessions", "conversion", "traffic_orders", "traffic_revenue",
                   "traffic_revenue_per_session", "keyword_conversion_interval", "keyword_unmet_sessions")


def normalise_keyword(text: str | None) -> str | None:
    """NFC, whitespace runs collapsed to one space, trimmed, lower-cased; None for empty (as keywords_by_keyword.sql)."""
    if text is None:
        return None
    cleaned = " ".join(unicodedata.normalize("NFC", text).split()).lower()
    return cleaned or None


def _phrase_map() -> list[tuple[str, str]]:
    pairs = [(phrase, term) for term, phrases in SYNONYMS.items() for phrase in phrases]
    return sorted(pairs, key=lambda p: -len(p[0]))   # longest phrase first


def keyword_terms(keyword: str) -> tuple[str, ...]:
    """The terms of a normalised keyword: synonym phrases replaced by their canonical term, then split on spaces.

    "small pack" -> ("소포장",); "간식 소포장" -> ("간식", "소포장"); order kept, duplicates removed.
    """
    words = keyword.split(" ")
    out: list[str] = []
    i = 0
    phrases = _phrase_map()
    while i < len(words):
        for phrase, term in phrases:
            size = phrase.count(" ") + 1
            if " ".join(words[i:i + size]) == phrase:
                out.append(term)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(dict.fromkeys(out))


def term_gloss(term: str) -> str | None:
    """The English gloss of a canonical Korean term (first ASCII synonym), e.g. 소포장 -> 'small pack'."""
    for phrase in SYNONYMS.get(term, ()):
        if phrase.isascii():
            return phrase
    return None


def wilson_interval(successes: int, trials: int, z: float = Z_99) -> tuple[float | None, float | None]:
    """Wilson score interval of successes / trials; (None, None) without trials."""
    if trials <= 0:
        return None, None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def is_unmet(sessions: int, converted_sessions: int, store_conversion: float | None,
             min_sessions: int = MIN_SESSIONS, z: float = Z_99) -> bool:
    """True when there are enough sessions and the upper Wilson bound is below the store conversion."""
    if store_conversion is None or sessions < min_sessions:
        return False
    upper = wilson_interval(converted_sessions, sessions, z)[1]
    return upper is not None and upper < store_conversion


def _wilson_columns(frame: pl.DataFrame, z: float) -> pl.DataFrame:
    n = pl.col("sessions").cast(pl.Float64)
    p = pl.col("converted_sessions") / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / denom
    has = pl.col("sessions") > 0
    return frame.with_columns(conversion_low=pl.when(has).then((centre - half).clip(0.0, 1.0)),
                              conversion_high=pl.when(has).then((centre + half).clip(0.0, 1.0)))


# ---------------------------------------------------------------- SQL


_KEYWORD_COLUMNS = ("keyword", "sessions", "converted_sessions", "order_count", "revenue")
_LANDING_COLUMNS = ("keyword", "landing_sku", "product_name", "sessions", "converted_sessions")


@dataclass(frozen=True)
class KeywordPeriodCounts:
    """What keywords_period_counts reads in one query over the sessions of two periods."""
    current: pl.DataFrame            # keywords_by_keyword of the current period
    previous: pl.DataFrame           # keywords_by_keyword of the previous period
    landing: pl.DataFrame            # keywords_landing_products of the current period
    store_sessions: int              # every session of the current period, with or without a keyword
    store_converted_sessions: int    # of those, sessions carrying an order id


def keywords_period_counts(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime,
                           previous_start_utc: datetime, previous_end_utc: datetime,
                           as_of_utc: datetime) -> KeywordPeriodCounts:
    """Keyword counts of [start_utc, end_utc) and [previous_start_utc, previous_end_utc), the landing products of
    the current period and its store session totals, from one query (orders of both periods read up to as_of_utc).
    """
    frame = run_sql(wh, "keywords_period_counts", seller_id=seller_id, start_utc=start_utc, end_utc=end_utc,
                    previous_start_utc=previous_start_utc, previous_end_utc=previous_end_utc,
                    scan_start_utc=min(start_utc, previous_start_utc), scan_end_utc=as_of_utc)
    frame = frame.cast({"sessions": pl.Int64, "converted_sessions": pl.Int64, "order_count": pl.Int64,
                        "revenue": pl.Float64})
    by_keyword = frame.filter(~pl.col("by_landing_sku"))

    def keyword_rows(period: str) -> pl.DataFrame:
        return (by_keyword.filter((pl.col("period") == period) & pl.col("keyword").is_not_null())
                .select(_KEYWORD_COLUMNS).sort(["sessions", "keyword"], descending=[True, False]))

    landing = (frame.filter(pl.col("by_landing_sku") & (pl.col("period") == "current")
                            & pl.col("keyword").is_not_null() & pl.col("landing_sku").is_not_null())
               .select(_LANDING_COLUMNS)
               .sort(["keyword", "sessions", "landing_sku"], descending=[False, True, False]))
    store = by_keyword.filter(pl.col("period") == "current")
    return KeywordPeriodCounts(current=keyword_rows("current"), previous=keyword_rows("previous"), landing=landing,
                               store_sessions=int(store["sessions"].sum()),
                               store_converted_sessions=int(store["converted_sessions"].sum()))


def keywords_by_keyword(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime,
                        as_of_utc: datetime) -> pl.DataFrame:
    """Columns: keyword (normalised), sessions, converted_sessions, order_count, revenue (Float64)."""
    # an empty previous window: the same query, one period
    return keywords_period_counts(wh, seller_id, start_utc, end_utc, start_utc, start_utc, as_of_utc).current


def keywords_landing_products(wh: Warehouse, seller_id: str, start_utc: datetime, end_utc: datetime) -> pl.DataFrame:
    """Columns: keyword, landing_sku, product_name, sessions, converted_sessions."""
    # orders are not needed here: reading them up to the window start reads none
    return keywords_period_counts(wh, seller_id, start_utc, end_utc, start_utc, start_utc, start_utc).landing


# ---------------------------------------------------------------- keyword table


def keyword_performance(current: pl.DataFrame, previous: pl.DataFrame, store_conversion: float | None,
                        min_sessions: int = MIN_SESSIONS, z: float = Z_99) -> pl.DataFrame:
    """One row per keyword of the current period with its trend and the unmet-demand flag.

    Columns: keyword, sessions, converted_sessions, order_count, revenue, conversion, conversion_low,
    conversion_high (Wilson, level from z), revenue_per_session, previous_sessions, previous_order_count,
    previous_conversion, sessions_change_pct (null when new), conversion_change_pp, flagged (Boolean).
    """
    prev = previous.select("keyword", previous_sessions="sessions", previous_order_count="order_count",
                           previous_converted_sessions="converted_sessions")
    frame = current.join(prev, on="keyword", how="left").with_columns(
        pl.col("previous_sessions").fill_null(0), pl.col("previous_order_count").fill_null(0),
        pl.col("previous_converted_sessions").fill_null(0))
    frame = _wilson_columns(frame, z).with_columns(
        conversion=pl.when(pl.col("sessions") > 0).then(pl.col("converted_sessions") / pl.col("sessions")),
        revenue_per_session=pl.when(pl.col("sessions") > 0).then(pl.col("revenue") / pl.col("sessions")),
        previous_conversion=pl.when(pl.col("previous_sessions") > 0)
        .then(pl.col("previous_converted_sessions") / pl.col("previous_sessions")),
        sessions_change_pct=pl.when(pl.col("previous_sessions") > 0)
        .then((pl.col("sessions") - pl.col("previous_sessions")) / pl.col("previous_sessions") * 100.0),
    ).with_columns(
        conversion_change_pp=(pl.col("conversion") - pl.col("previous_conversion")) * 100.0,
        flagged=(pl.col("sessions") >= min_sessions) & (pl.col("conversion_high") < store_conversion)
        if store_conversion is not None else pl.lit(False),
    )
    columns = ["keyword", "sessions", "converted_sessions", "order_count", "revenue", "conversion",
               "conversion_low", "conversion_high", "revenue_per_session", "previous_sessions",
               "previous_order_count", "previous_conversion", "sessions_change_pct", "conversion_change_pp",
               "flagged"]
    return frame.select(columns).sort(["sessions", "keyword"], descending=[True, False])


def sort_keywords(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """The keyword table sorted by `by` (largest first, nulls last), then by keyword."""
    return frame.sort([by, "keyword"], descending=[True, False], nulls_last=True)


# ---------------------------------------------------------------- unmet demand groups


@dataclass(frozen=True)
class KeywordGroup:
    term: str                     # the shared term, or the keyword itself for a single-keyword group
    keywords: tuple[str, ...]


def group_flagged_keywords(keywords: pl.DataFrame, min_sessions: int = MIN_SESSIONS) -> list[KeywordGroup]:
    """Flagged keywords grouped by distinctive shared terms (rules in the module docstring)."""
    rows = keywords.select("keyword", "sessions", "flagged").to_dicts()
    terms_of = {r["keyword"]: keyword_terms(r["keyword"]) for r in rows}
    flagged = [r for r in rows if r["flagged"]]
    healthy = [r for r in rows if not r["flagged"] and r["sessions"] >= min_sessions]
    small = [r for r in rows if not r["flagged"] and r["sessions"] < min_sessions]
    candidates = []
    for term in {x for r in flagged for x in terms_of[r["keyword"]]}:
        members = [r for r in flagged if term in terms_of[r["keyword"]]]
        others = sum(term in terms_of[r["keyword"]] for r in healthy)
        if len(members) >= 2 and len(members) > others:
            candidates.append((sum(r["sessions"] for r in members), term))
    groups: list[KeywordGroup] = []
    taken: set[str] = set()
    for _, term in sorted(candidates, key=lambda c: (-c[0], c[1])):
        members = [r["keyword"] for r in flagged if term in terms_of[r["keyword"]] and r["keyword"] not in taken]
        if len(members) < 2:
            continue
        members += [r["keyword"] for r in small if term in terms_of[r["keyword"]] and r["keyword"] not in taken]
        taken.update(members)
        groups.append(KeywordGroup(term, tuple(members)))
    for r in flagged:
        if r["keyword"] not in taken:
            groups.append(KeywordGroup(r["keyword"], (r["keyword"],)))
    return groups


def _carried(keyword_or_term: str, product_names: list[str]) -> bool:
    """Whether some product name contains the keyword's last word (its head noun), case-insensitively."""
    head = keyword_or_term.split(" ")[-1]
    names = [normalise_keyword(n) or "" for n in product_names]
    words = {head, *SYNONYMS.get(head, ())}
    return any(w in n for w in words for n in names)


def term_label(term: str, lang: str) -> str:
    """소포장 (small pack) in either language; terms without a gloss as they are."""
    gloss = term_gloss(term)
    return f"{term} ({gloss})" if gloss and gloss != term else term


def unmet_keyword_groups(keywords: pl.DataFrame, landing: pl.DataFrame, product_names: list[str],
                         store_conversion: float | None, period: ReportPeriod, currency: str,
                         min_sessions: int = MIN_SESSIONS, z: float = Z_99) -> pl.DataFrame:
    """One row per unmet-demand group, most sessions first.

    Columns: term, label (term with its English gloss), keywords (List[String]), keyword_count, sessions,
    converted_sessions, order_count, conversion, conversion_high (pooled Wilson upper bound), store_conversion,
    advice_kind (variant | missing | carried), top_products (List[String], most-landed first), advice_ko, advice_en.
    """
    schema = {"term": pl.String, "label": pl.String, "keywords": pl.List(pl.String), "keyword_count": pl.Int64,
              "sessions": pl.Int64, "converted_sessions": pl.Int64, "order_count": pl.Int64,
              "conversion": pl.Float64, "conversion_high": pl.Float64, "store_conversion": pl.Float64,
              "advice_kind": pl.String, "top_products": pl.List(pl.String), "advice_ko": pl.String,
              "advice_en": pl.String}
    rows = []
    by_keyword = {r["keyword"]: r for r in keywords.to_dicts()}
    for group in group_flagged_keywords(keywords, min_sessions):
        members = [by_keyword[k] for k in group.keywords]
        sessions = sum(m["sessions"] for m in members)
        converted = sum(m["converted_sessions"] for m in members)
        orders = sum(m["order_count"] for m in members)
        if not is_unmet(sessions, converted, store_conversion, min_sessions, z):
            continue
        top = (landing.filter(pl.col("keyword").is_in(list(group.keywords)))
               .group_by("product_name").agg(pl.col("sessions").sum())
               .sort(["sessions", "product_name"], descending=[True, False])
               .head(TOP_PRODUCTS)["product_name"].to_list())
        if group.term in VARIANT_TERMS:
            kind = "variant"
        elif _carried(group.term, product_names):
            kind = "carried"
        else:
            kind = "missing"
        conversion = converted / sessions if sessions else None
        values = {"sessions": sessions, "orders": orders, "start": period.start_date.isoformat(),
                  "end": period.end_date.isoformat(), "conversion": _pct(conversion),
                  "store": _pct(store_conversion), "products": ", ".join(top) or "–"}
        key = f"traffic.advice.{kind}" + ("" if top else ".unlanded")     # daily counts name no landing product
        advice = {lang: t(key, lang, term=group.term, label=term_label(group.term, lang),
                          option=group.term if lang == "ko" else term_gloss(group.term) or group.term, **values)
                  for lang in ("ko", "en")}
        rows.append({"term": group.term, "label": term_label(group.term, "en"), "keywords": list(group.keywords),
                     "keyword_count": len(group.keywords), "sessions": sessions, "converted_sessions": converted,
                     "order_count": orders, "conversion": conversion,
                     "conversion_high": wilson_interval(converted, sessions, z)[1],
                     "store_conversion": store_conversion, "advice_kind": kind, "top_products": top,
                     "advice_ko": advice["ko"], "advice_en": advice["en"]})
    frame = pl.DataFrame(rows, schema=schema)
    return frame.sort(["sessions", "term"], descending=[True, False])


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f}%"


# ---------------------------------------------------------------- the whole analysis


@dataclass(frozen=True)
class KeywordAnalysis:
    totals: dict[str, float | int | None]   # the period's keyword sessions and store totals
    keywords: pl.DataFrame                   # keyword_performance
    groups: pl.DataFrame                     # unmet_keyword_groups


def keyword_analysis(wh: Warehouse, period: ReportPeriod, min_sessions: int = MIN_SESSIONS) -> KeywordAnalysis:
    """Keywords of the period with trend and flags, and the unmet-demand groups with advice; computed once per
    period and data version (analytics.result_cache: the traffic page, the report and the digest share it)."""
    return result_cache.remember(wh, "keyword_analysis", (period, int(min_sessions)),
                                 lambda: _keyword_analysis(wh, period, min_sessions), seller_id=period.seller_id)


def _keyword_analysis(wh: Warehouse, period: ReportPeriod, min_sessions: int) -> KeywordAnalysis:
    prev = period.previous()
    # orders of the previous period's sessions are read up to the report's as_of, as in traffic_overview
    counts = keywords_period_counts(wh, period.seller_id, period.start_utc, period.end_utc, prev.start_utc,
                                    prev.end_utc, period.as_of_utc)
    sessions, converted = counts.store_sessions, counts.store_converted_sessions
    store = {"sessions": sessions, "converted_sessions": converted,
             "conversion": converted / sessions if sessions else None}   # traffic_totals' rule
    table = keyword_performance(counts.current, counts.previous, store["conversion"], min_sessions)
    landing = counts.landing
    names = run_sql(wh, "keywords_product_names", seller_id=period.seller_id)["name"].to_list()
    groups = unmet_keyword_groups(table, landing, names, store["conversion"], period, period.currency, min_sessions)
    totals = {
        "store_sessions": store["sessions"], "store_converted_sessions": store["converted_sessions"],
        "store_conversion": store["conversion"],
        "keyword_sessions": int(table["sessions"].sum()),
        "keyword_converted_sessions": int(table["converted_sessions"].sum()),
        "keyword_orders": int(table["order_count"].sum()),
        "keyword_revenue": float(table["revenue"].sum()),
        "keyword_count": table.height,
        "flagged_keywords": int(table["flagged"].sum()),
        "unmet_groups": groups.height,
        "unmet_sessions": int(groups["sessions"].sum()),
        "min_sessions": min_sessions,
        "interval": "wilson 99%",
    }
    return KeywordAnalysis(totals=totals, keywords=table, groups=groups)


# ---------------------------------------------------------------- chart


def plot_keyword_scatter(keywords: pl.DataFrame, store_conversion: float | None, lang: str,
                         currency: str) -> go.Figure:
    """Sessions (x, log) against conversion (y, %) per keyword with its 99 % interval; flagged keywords in red,
    the store conversion as a dashed line."""
    fig = go.Figure()
    for flagged, color in ((False, "#1f77b4"), (True, "#d62728")):
        part = keywords.filter(pl.col("flagged") == flagged)
        conv = [(c or 0) * 100 for c in part["conversion"].to_list()]
        hover = [f"{k}<br>{t('traffic.col.sessions', lang)}: {s:,}<br>{t('traffic.col.conversion', lang)}: "
                 f"{c:.2f}% ({(lo or 0) * 100:.2f}–{(hi or 0) * 100:.2f}%)<br>"
                 f"{t('traffic.col.revenue', lang)}: {format_money(r, currency)}"
                 for k, s, c, lo, hi, r in zip(part["keyword"], part["sessions"], conv, part["conversion_low"],
                                               part["conversion_high"], part["revenue"], strict=True)]
        fig.add_trace(go.Scatter(
            x=part["sessions"].to_list(), y=conv, mode="markers+text" if flagged else "markers",
            text=part["keyword"].to_list() if flagged else None, textposition="top center",
            name=t("traffic.chart.flagged" if flagged else "traffic.chart.keyword", lang),
            marker={"color": color, "size": 9},
            error_y={"type": "data", "symmetric": False,
                     "array": [((hi or 0) * 100) - c for hi, c in zip(part["conversion_high"], conv, strict=True)],
                     "arrayminus": [c - ((lo or 0) * 100) for lo, c in zip(part["conversion_low"], conv,
                                                                           strict=True)],
                     "thickness": 1},
            hovertext=hover, hoverinfo="text"))
    if store_conversion is not None:
        fig.add_hline(y=store_conversion * 100, line_dash="dash", line_color="gray",
                      annotation_text=t("traffic.chart.store_conversion", lang, value=_pct(store_conversion)))
    fig.update_layout(title=t("traffic.chart.keywords", lang), xaxis_type="log",
                      xaxis_title=t("traffic.col.sessions", lang), yaxis_title=f"{t('traffic.col.conversion', lang)} (%)",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def report(wh: Warehouse, period: ReportPeriod, **_options: object) -> dict[str, object]:
    """Keyword rows with trend and flags, and the unmet-demand groups with advice in ko and en."""
    from analytics.reports import definitions, rows_of

    analysis = keyword_analysis(wh, period)
    return {
        "report": "keywords",
        "period": period.to_json(),
        "definitions": definitions(*KEYWORD_METRICS),
        "totals": analysis.totals,
        "rows": rows_of(analysis.keywords),
        "unmet_groups": rows_of(analysis.groups),
        "synonyms": {k: list(v) for k, v in SYNONYMS.items()},
    }
