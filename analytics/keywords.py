"""What visitors wanted: inbound search keywords with conversion and trend, and unmet demand (keywords with many
visitors and significantly lower conversion than the store) grouped by shared terms into lineup advice.

Statistical rule (documented in the metric dictionary, keyword_unmet_sessions):
- each keyword's conversion gets a Wilson score interval at 99 % (z = 2.576); a keyword is flagged when it has
  at least MIN_SESSIONS sessions and the interval's upper bound is below the store conversion of the same period
  (all sessions). 99 % rather than 95 % because a store has dozens of keywords each period: at 95 % about one
  ordinary keyword in twenty would be flagged by chance.
- grouping: keywords are split into terms on spaces after phrase synonyms are mapped to one term (SYNONYMS: e.g.
  "small pack" -> 소포장). Korean shoppers often type a search without spaces (사료소포장, 강아지간식소용량), so a
  word is also split where Hangul meets Latin letters or digits (사료2kg -> 사료, 2kg), and a Hangul run is split
  into words the store's own searches and product names use (term_vocabulary) when such words cover all of it,
  each of two syllables or more, the finest such split winning (split_compound); a synonym is never split, and
  one inside a run nothing covers is split out of it (미니소포장 -> 미니, 소포장).
  An English plural is read as its singular when the store's words or a synonym use it (small packs, boots).
  A term forms a group when a flagged keyword and at least one more keyword contain it and every keyword
  containing it, pooled, passes the same interval rule: 강아지, in dozens of keywords that sell, does not; 소포장
  does even when most of its long tail has too few visits to be flagged alone. (The rule before needed two flagged
  keywords and fewer unflagged keywords of 100+ visits with the term than flagged ones: a long tail of 0-order
  keywords of 100-250 visits, too few for the 99 % interval, kept 소포장 from ever forming a group;
  bench/keyword_groups.py.) Terms with more flagged visits win; on a tie, the term that is the head noun (last
  term) of more flagged visits (유모차 of 강아지 유모차), then the lower pooled conversion. A group holds every
  keyword with its term not in an earlier group, and its pooled figures are those tested. A flagged keyword
  sharing no such term is a group of its own.
- advice: a variant term (VARIANT_TERMS: pack sizes and the like) -> offer that variant of the products the
  visitors landed on; otherwise, when no product name contains the keyword's last term (its head noun) -> the
  store does not seem to carry it; else -> it is carried but does not sell to these visitors.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
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


# first word -> [(phrase as words, term)], longest phrase first
_PHRASES: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _term in sorted(((tuple(phrase.split(" ")), term) for term, phrases in SYNONYMS.items()
                             for phrase in phrases), key=lambda p: -len(" ".join(p[0]))):
    _PHRASES.setdefault(_words[0], []).append((_words, _term))


# one-word synonyms (소용량 -> 소포장) and the canonical terms themselves: mapped inside a compound too, never split
_WORD_SYNONYMS = {phrase: term for term, phrases in SYNONYMS.items() for phrase in phrases if " " not in phrase}
_ATOMIC = frozenset(SYNONYMS) | frozenset(_WORD_SYNONYMS)
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_ATOMIC_HANGUL = sorted((w for w in _ATOMIC if _HANGUL_RUN.fullmatch(w)), key=lambda w: (-len(w), w))  # longest first
_SCRIPT_RUN = re.compile(r"[\uac00-\ud7a3]+|[^\uac00-\ud7a3]+")
MIN_PIECE = 2                 # syllables: a split never leaves a one-syllable piece (소+포장 is not 소포장)


_LATIN_WORD = re.compile(r"[a-z]{3,}")
_PHRASE_WORDS = frozenset(w for phrases in SYNONYMS.values() for phrase in phrases for w in phrase.split(" "))
_NOT_PLURAL = frozenset({"news", "series", "species"})


def term_vocabulary(texts: Iterable[str | None]) -> frozenset[str]:
    """The Hangul words (two syllables or more) of `texts` (the store's searches, its product names) and of the
    synonyms: what split_compound may split a compound into; and their Latin words, the singulars a plural may be
    read as (singular)."""
    words = set(_ATOMIC_HANGUL) | _PHRASE_WORDS
    for text in texts:
        norm = normalise_keyword(text) or ""
        words.update(w for w in _HANGUL_RUN.findall(norm) if len(w) >= MIN_PIECE)
        words.update(_LATIN_WORD.findall(norm))
    return frozenset(words)


def singular(word: str, vocabulary: frozenset[str]) -> str:
    """An English plural read as its singular when the store's own words or a synonym phrase use the singular
    (small packs -> small pack, strollers -> stroller, boxes -> box); otherwise the word as it is (glasses stays
    glasses unless the store sells a glass)."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")) or word in _NOT_PLURAL:
        return word
    for stem in (word[:-1], word[:-2] if word.endswith("es") else None):
        if stem and (stem in vocabulary or stem in _PHRASE_WORDS):
            return stem
    return word


def split_compound(run: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """A Hangul run typed without spaces split into words of `vocabulary` (other than itself), when such words of
    MIN_PIECE syllables or more cover all of it; the split with the most pieces wins, then the one whose first
    differing piece is longer. A synonym or canonical term stays whole; in a run no split covers, a Korean synonym
    or canonical term (longest first) is split out and the rest split on its own (미니소포장 -> 미니, 소포장); any
    other run stays whole.

    With 강아지, 간식 and 소포장 known: 강아지간식소포장 -> (강아지, 간식, 소포장); 두부모래 stays whole unless 두부
    and 모래 are both known."""
    n = len(run)
    if run in _ATOMIC:
        return (run,)
    covered = _covering_split(run, vocabulary) if n >= 2 * MIN_PIECE else None
    if covered is not None:
        return covered
    # no cover, but a synonym inside (미니소포장, 초대용량): every keyword containing 소포장 has the term 소포장
    for word in _ATOMIC_HANGUL:
        k = run.find(word)
        if k >= 0:
            left, right = run[:k], run[k + len(word):]
            return (*(split_compound(left, vocabulary) if left else ()), word,
                    *(split_compound(right, vocabulary) if right else ()))
    return (run,)


def _covering_split(run: str, vocabulary: frozenset[str]) -> tuple[str, ...] | None:
    """split_compound's cover of `run` by two or more vocabulary words, or None."""
    n = len(run)
    # best[i]: (pieces, split) covering run[i:], or None
    best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[n] = (0, ())
    for i in range(n - MIN_PIECE, -1, -1):
        for j in range(n, i + MIN_PIECE - 1, -1):            # longer first piece first: kept on equal counts
            piece = run[i:j]
            rest = best[j]
            if rest is None or piece not in vocabulary or (i == 0 and j == n):
                continue
            if best[i] is None or rest[0] + 1 > best[i][0]:
                best[i] = (rest[0] + 1, (piece, *rest[1]))
    found = best[0]
    return found[1] if found is not None and found[0] >= 2 else None


def keyword_terms(keyword: str, vocabulary: frozenset[str] = frozenset(),
                  splits: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The terms of a normalised keyword: synonym phrases replaced by their canonical term, split on spaces, then
    each word split where Hangul meets other letters or digits and each Hangul run by split_compound over
    `vocabulary` (term_vocabulary); one-word synonyms inside a compound are mapped too.

    "small pack" and "small packs" -> ("소포장",); "간식 소포장" -> ("간식", "소포장"); with 사료 known, "사료소용량" ->
    ("사료", "소포장"); with boot known, "hiking boots" -> ("hiking", "boot"); order kept, duplicates removed.
    `splits`: split_compound's results by run for this vocabulary, kept by a caller that splits many keywords
    (the same words recur in thousands of them)."""
    splits = {} if splits is None else splits
    words = [singular(w, vocabulary) for w in keyword.split(" ")]
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, term in _PHRASES.get(words[i], ()):
            if tuple(words[i:i + len(phrase)]) == phrase:
                out.append(term)
                i += len(phrase)
                break
        else:
            out.extend(_word_terms(words[i], vocabulary, splits))
            i += 1
    return tuple(dict.fromkeys(out))


def _word_terms(word: str, vocabulary: frozenset[str], splits: dict[str, tuple[str, ...]]) -> list[str]:
    """One space-free word's terms: its script runs (사료2kg -> 사료, 2kg), Hangul runs split by split_compound,
    one-word synonyms mapped to their term."""
    out = []
    for run in _SCRIPT_RUN.findall(word):
        if not _HANGUL_RUN.fullmatch(run):
            pieces: tuple[str, ...] = (run,)
        elif (pieces := splits.get(run)) is None:
            pieces = splits[run] = split_compound(run, vocabulary)
        out.extend(_WORD_SYNONYMS.get(p, p) for p in pieces)
    return out


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


def filter_keywords(frame: pl.DataFrame, text: str | None) -> pl.DataFrame:
    """The keyword table's rows whose keyword contains `text`, normalised as keywords are and compared without
    spaces, so 소포장 finds 사료소포장 and 간식 소포장, and "small pack" finds "small packs"; every row for an empty
    text."""
    needle = (normalise_keyword(text) or "").replace(" ", "")
    if not needle:
        return frame
    return frame.filter(pl.col("keyword").str.replace_all(" ", "", literal=True).str.contains(needle, literal=True))


def sort_keywords(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """The keyword table sorted by `by` (largest first, nulls last), then by keyword."""
    return frame.sort([by, "keyword"], descending=[True, False], nulls_last=True)


# ---------------------------------------------------------------- unmet demand groups


@dataclass(frozen=True)
class KeywordGroup:
    term: str                     # the shared term, or the keyword itself for a single-keyword group
    keywords: tuple[str, ...]
    head: str                     # the head noun the carried check looks for: the term, or the keyword's last term


def group_flagged_keywords(keywords: pl.DataFrame, store_conversion: float | None,
                           min_sessions: int = MIN_SESSIONS, product_names: Iterable[str] = (),
                           z: float = Z_99) -> list[KeywordGroup]:
    """Flagged keywords grouped by distinctive shared terms (rules in the module docstring); compounds are split
    over the words of every keyword of the table and of `product_names`.

    `keywords`: keyword_performance's table (keyword, sessions, converted_sessions, flagged)."""
    rows = keywords.select("keyword", "sessions", "converted_sessions", "flagged").to_dicts()
    vocabulary = term_vocabulary([*(r["keyword"] for r in rows), *product_names])
    splits: dict[str, tuple[str, ...]] = {}
    terms_of = {r["keyword"]: keyword_terms(r["keyword"], vocabulary, splits) for r in rows}
    with_term: dict[str, list[dict]] = {}
    for r in rows:                                   # in table order (most visits first)
        for term in terms_of[r["keyword"]]:
            with_term.setdefault(term, []).append(r)

    def distinctive(members: list[dict]) -> bool:
        # a flagged keyword and one more keyword with the term, and all of them, pooled, clearly below the store
        return (len(members) >= 2 and any(r["flagged"] for r in members)
                and is_unmet(sum(r["sessions"] for r in members), sum(r["converted_sessions"] for r in members),
                             store_conversion, min_sessions, z))

    def rank(term: str) -> tuple[int, int, float, str]:
        # most flagged visits first; on a tie the term that is the head noun (last term) of more flagged visits
        # (유모차, not 강아지, of 강아지 유모차), then the lower pooled conversion
        members = with_term[term]
        flagged = [r for r in members if r["flagged"]]
        head = sum(r["sessions"] for r in flagged if terms_of[r["keyword"]][-1] == term)
        pooled = sum(r["converted_sessions"] for r in members) / max(1, sum(r["sessions"] for r in members))
        return -sum(r["sessions"] for r in flagged), -head, pooled, term

    groups: list[KeywordGroup] = []
    taken: set[str] = set()
    for term in sorted((term for term, members in with_term.items() if distinctive(members)), key=rank):
        members = [r for r in with_term[term] if r["keyword"] not in taken]
        if not distinctive(members):                 # an earlier group took some of them
            continue
        names = [r["keyword"] for r in members if r["flagged"]] + [r["keyword"] for r in members if not r["flagged"]]
        taken.update(names)
        groups.append(KeywordGroup(term, tuple(names), term))
    for r in rows:
        if r["flagged"] and r["keyword"] not in taken:
            groups.append(KeywordGroup(r["keyword"], (r["keyword"],), terms_of[r["keyword"]][-1]))
    return groups


def _carried(head: str, product_names: list[str]) -> bool:
    """Whether some product name contains the head noun (KeywordGroup.head: 유모차 of 강아지 유모차 and, split with
    the grouping's own vocabulary, of 강아지유모차) or one of its synonyms, case-insensitively."""
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
    for group in group_flagged_keywords(keywords, store_conversion, min_sessions, product_names, z):
        members = [by_keyword[k] for k in group.keywords]
        sessions = sum(m["sessions"] for m in members)
        converted = sum(m["converted_sessions"] for m in members)
        orders = sum(m["order_count"] for m in members)
        top = (landing.filter(pl.col("keyword").is_in(list(group.keywords)))
               .group_by("product_name").agg(pl.col("sessions").sum())
               .sort(["sessions", "product_name"], descending=[True, False])
               .head(TOP_PRODUCTS)["product_name"].to_list())
        if group.term in VARIANT_TERMS:
            kind = "variant"
        elif _carried(group.head, product_names):
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


SHOWN_GROUP_KEYWORDS = 12     # keywords of a group named on the page; the --json report keeps them all


def group_keywords_text(group_keywords: list[str], keyword_sessions: dict[str, int], lang: str) -> str:
    """The caption under a group's advice: its keywords, most visits first, the first SHOWN_GROUP_KEYWORDS of them
    and how many more (a long tail can put thousands of searches in one group)."""
    ordered = sorted(group_keywords, key=lambda k: (-keyword_sessions.get(k, 0), k))
    if len(ordered) <= SHOWN_GROUP_KEYWORDS:
        return t("traffic.unmet.keywords", lang, keywords=", ".join(ordered))
    return t("traffic.unmet.keywords_more", lang, count=len(ordered),
             keywords=", ".join(ordered[:SHOWN_GROUP_KEYWORDS]), more=len(ordered) - SHOWN_GROUP_KEYWORDS)


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
