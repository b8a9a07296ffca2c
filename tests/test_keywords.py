"""Keywords report: known answers of the keyword SQL on hand-made rows (normalisation, Korean text), the Wilson
interval rule, grouping and advice, the demo store's unmet demand, the --json report and the page (AppTest)."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from test_traffic import AS_OF, END, START, insert_shop

from analytics.keywords import (
    MIN_SESSIONS,
    filter_keywords,
    group_flagged_keywords,
    group_keywords_text,
    is_unmet,
    keyword_analysis,
    keyword_performance,
    keyword_terms,
    keywords_by_keyword,
    keywords_landing_products,
    keywords_period_counts,
    normalise_keyword,
    split_compound,
    term_vocabulary,
    unmet_keyword_groups,
    wilson_interval,
)
from analytics.period import ReportPeriod, report_period
from analytics.queries import run_sql
from data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
UNMET_FAMILY = {"소포장", "간식 소포장", "사료소포장", "small pack", "강아지 유모차"}

KEYWORDS = {
    "S1": "  강아지  간식 ",                                        # extra spaces
    "S2": "강아지 간식",
    "S3": "Small  Pack",                                            # case and inner spaces
    "S4": "small pack",
    "S5": unicodedata.normalize("NFD", "간식\u3000소포장"),          # decomposed Hangul, ideographic space
    "S7": "   ",                                                    # blank: no keyword
    "S8": "강아지 간식",                                            # previous period
}
LANDING = {"S1": "P1", "S2": "P1", "S3": "P2", "S4": "P2", "S5": "P3"}


@pytest.fixture
def shop(warehouse):
    insert_shop(warehouse, keywords=KEYWORDS, landing=LANDING)
    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO products (seller_id, sku, name, line_type) VALUES "
                    "('shop_kr', 'P1', '강아지 간식 A', 'product'), ('shop_kr', 'P3', '소형 간식', 'product'), "
                    "('shop_kr', 'SHIP', '배송비', 'shipping'), ('other', 'P2', 'Not ours', 'product')")
    return warehouse


def _rows(frame, key="keyword"):
    return {r[key]: r for r in frame.iter_rows(named=True)}


def test_keywords_by_keyword_normalises_and_attributes(shop):
    frame = keywords_by_keyword(shop, "shop_kr", START, END, AS_OF)
    rows = _rows(frame)
    assert set(rows) == {"강아지 간식", "small pack", "간식 소포장"}         # blank S7 and S6 (no keyword) left out
    cols = ("sessions", "converted_sessions", "order_count", "revenue")
    assert tuple(rows["강아지 간식"][c] for c in cols) == (2, 1, 1, 19000.0)   # the other seller's O1 not mixed in
    assert tuple(rows["small pack"][c] for c in cols) == (2, 2, 1, 5000.0)    # O3 cancelled
    assert tuple(rows["간식 소포장"][c] for c in cols) == (1, 1, 0, 0.0)      # O4 goes to the later session S6
    assert frame["keyword"].to_list()[-1] == "간식 소포장"                     # most sessions first


def test_python_and_sql_normalise_keywords_the_same_way(warehouse):
    texts = ["  Small\u3000PACK ", "간식\t\t소포장", unicodedata.normalize("NFD", "강아지 유모차"), "A\u00a0B",
             "DOG  Treats", "   ", "소포장"]
    sessions = [(f"T{i}", datetime(2026, 11, 19, 1, i), "search", "naver", "organic", "mobile", 1, None)
                for i in range(len(texts))]
    insert_shop(warehouse, sessions=sessions, orders=[], keywords={f"T{i}": x for i, x in enumerate(texts)})
    sql = set(keywords_by_keyword(warehouse, "shop_kr", START, END, AS_OF)["keyword"].to_list())
    python = {normalise_keyword(x) for x in texts} - {None}
    assert sql == python == {"small pack", "간식 소포장", "강아지 유모차", "a b", "dog treats", "소포장"}


def test_keywords_landing_products_names_from_the_catalogue(shop):
    frame = keywords_landing_products(shop, "shop_kr", START, END)
    rows = {(r["keyword"], r["landing_sku"]): r for r in frame.iter_rows(named=True)}
    assert rows[("강아지 간식", "P1")]["product_name"] == "강아지 간식 A"
    assert (rows[("강아지 간식", "P1")]["sessions"], rows[("강아지 간식", "P1")]["converted_sessions"]) == (2, 1)
    assert rows[("small pack", "P2")]["product_name"] == "P2"       # unknown to this seller's catalogue: the SKU
    assert rows[("간식 소포장", "P3")]["product_name"] == "소형 간식"
    assert frame.height == 3


def test_keywords_period_counts_known_answers_for_both_periods(shop):
    counts = keywords_period_counts(shop, "shop_kr", START, END, datetime(2026, 11, 16, 15, 0), START, AS_OF)
    assert counts.current.equals(keywords_by_keyword(shop, "shop_kr", START, END, AS_OF))
    assert counts.landing.equals(keywords_landing_products(shop, "shop_kr", START, END))
    # S8 searched "강아지 간식" in the previous period and carried O5 (4000)
    assert counts.previous.rows() == [("강아지 간식", 1, 1, 1, 4000.0)]
    # every current session counts for the store, with or without a keyword (S1-S7; S5 and S6 share O4)
    assert (counts.store_sessions, counts.store_converted_sessions) == (7, 5)


def test_keyword_analysis_store_totals_equal_the_traffic_totals(demo_db):
    from analytics.traffic import traffic_overview

    wh = Warehouse(demo_db, read_only=True)
    period = report_period(wh, "petshop_kr", start="2026-11-01", end="2026-11-19", as_of=AS_OF)
    totals = keyword_analysis(wh, period).totals
    traffic = traffic_overview(wh, period).totals
    wh.close()
    assert totals["store_sessions"] == traffic["sessions"] > 0
    assert totals["store_converted_sessions"] == traffic["converted_sessions"]
    assert totals["store_conversion"] == traffic["conversion"]


def test_keywords_product_names_only_product_lines_of_the_seller(shop):
    frame = run_sql(shop, "keywords_product_names", seller_id="shop_kr")
    assert frame["name"].to_list() == ["강아지 간식 A", "소형 간식"]


# ---------------------------------------------------------------- the interval rule


def test_wilson_interval_known_values():
    from statsmodels.stats.proportion import proportion_confint

    low, high = wilson_interval(0, 10, 1.96)
    assert low == 0.0 and high == pytest.approx(1.96 ** 2 / (10 + 1.96 ** 2))
    for k, n in ((2, 400), (5, 407), (30, 1000)):
        expected = proportion_confint(k, n, alpha=0.01, method="wilson")
        assert wilson_interval(k, n) == pytest.approx(expected, rel=1e-6)
    assert wilson_interval(0, 0) == (None, None)


def test_three_visits_never_make_a_headline_but_400_visits_with_2_orders_do():
    assert not is_unmet(3, 0, 0.03)                         # too few visits, whatever the interval says
    assert not is_unmet(3, 0, 0.03, min_sessions=1)         # and the interval alone is far too wide
    assert is_unmet(400, 2, 0.03)                            # 0.5 %: 99 % upper bound 2.5 % < 3 %
    assert not is_unmet(400, 8, 0.03)                        # 2 %: could be the store's 3 %
    assert not is_unmet(MIN_SESSIONS - 1, 0, 0.5)
    assert not is_unmet(400, 2, None)


def _frame(rows):
    return pl.DataFrame(rows, schema={"keyword": pl.String, "sessions": pl.Int64, "converted_sessions": pl.Int64,
                                      "order_count": pl.Int64, "revenue": pl.Float64}, orient="row")


CURRENT = _frame([
    ("소포장", 412, 2, 2, 20000.0), ("간식 소포장", 300, 0, 0, 0.0), ("small pack", 40, 0, 0, 0.0),
    ("강아지 유모차", 250, 0, 0, 0.0), ("강아지 간식", 2000, 70, 70, 700000.0), ("강아지 사료", 1500, 45, 45, 900000.0),
    ("강아지 하네스", 300, 8, 8, 240000.0), ("고양이 모래", 3, 0, 0, 0.0),
])
PREVIOUS = _frame([("소포장", 200, 1, 1, 10000.0), ("강아지 간식", 2500, 80, 80, 800000.0)])
STORE = 0.03


def test_keyword_performance_trend_and_flags():
    table = _rows(keyword_performance(CURRENT, PREVIOUS, STORE))
    assert table["소포장"]["flagged"] and table["간식 소포장"]["flagged"] and table["강아지 유모차"]["flagged"]
    assert not table["small pack"]["flagged"]                       # 40 visits: too few to judge alone
    assert not table["고양이 모래"]["flagged"]                       # 3 visits, 0 orders: never a headline
    assert not table["강아지 하네스"]["flagged"]                      # 2.7 %: not clearly below 3 %
    assert not table["강아지 간식"]["flagged"]
    assert table["소포장"]["sessions_change_pct"] == pytest.approx(106.0)
    assert table["소포장"]["previous_conversion"] == pytest.approx(0.005)
    assert table["강아지 간식"]["conversion_change_pp"] == pytest.approx((70 / 2000 - 80 / 2500) * 100)
    assert table["강아지 유모차"]["sessions_change_pct"] is None     # new this period
    assert table["강아지 사료"]["revenue_per_session"] == pytest.approx(600.0)
    low, high = wilson_interval(2, 412)
    assert (table["소포장"]["conversion_low"], table["소포장"]["conversion_high"]) == pytest.approx((low, high))


def test_keyword_terms_map_synonyms():
    assert keyword_terms("small pack") == ("소포장",)
    assert keyword_terms("간식 small pack") == ("간식", "소포장")
    assert keyword_terms("강아지 유모차") == ("강아지", "유모차")
    assert keyword_terms("dog stroller") == ("dog", "유모차")


def test_groups_by_distinctive_shared_terms():
    table = keyword_performance(CURRENT, PREVIOUS, STORE)
    groups = {g.term: g.keywords for g in group_flagged_keywords(table, STORE)}
    # 소포장 is shared by two flagged keywords and by no healthy one; the small 'small pack' joins via the synonym.
    # 강아지 is in flagged 강아지 유모차 but also in healthy keywords: no group, the keyword stands alone.
    assert groups == {"소포장": ("소포장", "간식 소포장", "small pack"), "강아지 유모차": ("강아지 유모차",)}


def test_a_long_tail_too_small_to_flag_alone_does_not_keep_a_term_from_forming_its_group():
    table = keyword_performance(_frame([
        ("소포장", 412, 2, 2, 0.0), ("간식 소포장", 300, 0, 0, 0.0),            # flagged
        ("사료 소포장", 150, 0, 0, 0.0), ("소포장 간식", 120, 0, 0, 0.0),       # 0 orders, but 99 % upper bound
        ("져키 소포장", 110, 0, 0, 0.0), ("소포장 트릿", 30, 0, 0, 0.0),        # > 3 %: not flagged alone
        ("강아지 유모차", 250, 0, 0, 0.0), ("강아지 방석", 260, 0, 0, 0.0),      # flagged, sharing 강아지
        ("강아지 간식", 2000, 70, 70, 0.0), ("강아지 사료", 1500, 45, 45, 0.0),
    ]), PREVIOUS, STORE)
    assert set(table.filter(pl.col("flagged"))["keyword"]) == {"소포장", "간식 소포장", "강아지 유모차", "강아지 방석"}
    groups = {g.term: g.keywords for g in group_flagged_keywords(table, STORE)}
    # every keyword with 소포장, pooled (1,122 visits, 2 orders), is clearly below the store: one group. (The rule
    # before counted the three unflagged 100+ visit keywords against the two flagged ones and made no group.)
    # 강아지 pooled over the keywords that sell converts like the store: no group, two keywords on their own.
    assert groups == {"소포장": ("소포장", "간식 소포장", "사료 소포장", "소포장 간식", "져키 소포장", "소포장 트릿"),
                      "강아지 방석": ("강아지 방석",), "강아지 유모차": ("강아지 유모차",)}
    # without a store conversion there is nothing to pool against: flagged keywords stand alone
    assert all(len(g.keywords) == 1 for g in group_flagged_keywords(table, None))


def test_one_flagged_keyword_forms_a_group_with_its_small_tail_under_its_head_noun():
    table = keyword_performance(_frame([
        ("강아지 유모차", 300, 0, 0, 0.0), ("강아지 방석", 40, 0, 0, 0.0), ("유모차 커버", 30, 0, 0, 0.0),
        ("강아지 간식", 80, 3, 3, 0.0), ("고양이 사료", 3000, 95, 95, 0.0),
    ]), PREVIOUS, STORE)
    assert table.filter(pl.col("flagged"))["keyword"].to_list() == ["강아지 유모차"]
    # 강아지 (유모차, 방석, 간식: 420 visits, 3 orders) and 유모차 (330 visits, 0 orders) both test below the store
    # with the same flagged visits; 유모차 is the flagged keyword's head noun and wins, 강아지 is left with none
    groups = {g.term: g.keywords for g in group_flagged_keywords(table, STORE)}
    assert groups == {"유모차": ("강아지 유모차", "유모차 커버")}
    # without 유모차 커버 only 강아지 has a second keyword: this cat shop's dog searches, pooled, convert below the
    # store (0.7 %, 99 % upper bound 2.8 % < 3 %), and the group says so
    no_tail = table.filter(pl.col("keyword") != "유모차 커버")
    assert {g.term: g.keywords for g in group_flagged_keywords(no_tail, STORE)} == {
        "강아지": ("강아지 유모차", "강아지 간식", "강아지 방석")}


def test_the_keyword_filter_ignores_spaces_and_case():
    table = keyword_performance(UNSPACED, PREVIOUS, STORE)
    assert set(filter_keywords(table, "소포장")["keyword"]) == {"소포장", "사료소포장", "소포장사료"}
    assert set(filter_keywords(table, "강아지 간식")["keyword"]) == {"강아지 간식", "강아지간식", "강아지간식소용량"}
    assert set(filter_keywords(table, "  고양이\u3000모래 ")["keyword"]) == {"고양이모래"}
    assert filter_keywords(table, "").height == filter_keywords(table, None).height == table.height
    assert filter_keywords(table, "없는말").height == 0
    english = _frame([("small packs", 10, 0, 0, 0.0), ("dog treats", 10, 1, 1, 0.0)])   # stored normalised
    assert filter_keywords(english, "SMALL pack")["keyword"].to_list() == ["small packs"]


def test_a_long_group_names_its_busiest_keywords_and_counts_the_rest():
    tail = [f"소포장 {i:02d}" for i in range(14)]
    sessions = {k: 100 + i for i, k in enumerate(tail)}          # 소포장 13 has the most visits
    ko = group_keywords_text(tail, sessions, "ko")
    assert ko.startswith("묶인 키워드 14개: 소포장 13, 소포장 12,") and ko.count("소포장") == 12
    assert "소포장 02" in ko and "소포장 01" not in ko and "외 2개" in ko
    en = group_keywords_text(tail, sessions, "en")
    assert en.startswith("14 keywords in this group: 소포장 13") and "and 2 more" in en
    assert group_keywords_text(["b", "a"], {"a": 5, "b": 5}, "en") == "Keywords in this group: a, b"


def test_unmet_groups_turn_into_advice_in_both_languages():
    period = ReportPeriod("shop_kr", "Asia/Seoul", "KRW", date(2026, 10, 22), date(2026, 11, 20), AS_OF)
    table = keyword_performance(CURRENT, PREVIOUS, STORE)
    landing = pl.DataFrame({"keyword": ["소포장", "간식 소포장", "소포장", "강아지 유모차", "강아지 간식"],
                            "landing_sku": ["A", "A", "B", "C", "D"],
                            "product_name": ["닭가슴살 져키", "닭가슴살 져키", "연어 트릿", "강아지 하네스 S", "X"],
                            "sessions": [100, 50, 80, 200, 999], "converted_sessions": [0, 0, 0, 0, 30]})
    groups = _rows(unmet_keyword_groups(table, landing, ["닭가슴살 져키", "강아지 하네스 S"], STORE, period, "KRW"),
                   "term")
    small = groups["소포장"]
    assert (small["sessions"], small["order_count"], small["keyword_count"]) == (752, 2, 3)
    assert small["advice_kind"] == "variant"
    assert small["top_products"] == ["닭가슴살 져키", "연어 트릿"]
    assert "752" in small["advice_en"] and "소포장 (small pack)" in small["advice_en"]
    assert "small pack option" in small["advice_en"] and "닭가슴살 져키" in small["advice_en"]
    assert "소포장" in small["advice_ko"] and "752명" in small["advice_ko"]
    assert "'소포장 (small pack)'을 검색해" in small["advice_ko"]     # the particle follows 소포장, not the gloss
    stroller = groups["강아지 유모차"]
    assert stroller["advice_kind"] == "missing"                       # no product name contains 유모차
    assert "consider adding 강아지 유모차" in stroller["advice_en"] and "강아지 하네스 S" in stroller["advice_en"]
    assert list(groups) == ["소포장", "강아지 유모차"]                # most visits first


def test_compounds_typed_without_spaces_split_into_the_stores_own_words():
    known = term_vocabulary(["강아지 간식", "간식 소포장", "고양이 모래", "사료", "국내산 닭가슴살 져키 300g", "강아지간식"])
    assert {"강아지", "간식", "소포장", "모래", "닭가슴살", "져키", "강아지간식", "소용량"} <= known
    assert "300g" not in known and "g" not in known                  # no digits, no one-letter unit
    assert keyword_terms("강아지간식소포장", known) == ("강아지", "간식", "소포장")   # the finest cover wins
    assert keyword_terms("사료소용량", known) == ("사료", "소포장")    # a one-word synonym inside a compound
    assert keyword_terms("고양이모래대용량", known) == ("고양이", "모래", "대용량")
    assert keyword_terms("사료2kg", known) == ("사료", "2kg")          # where Hangul meets digits or Latin
    assert keyword_terms("닭가슴살져키 small pack", known) == ("닭가슴살", "져키", "소포장")
    assert keyword_terms("두부모래", known) == ("두부모래",)           # 두부 unknown: no cover, kept whole
    assert keyword_terms("두부모래", known | {"두부"}) == ("두부", "모래")
    assert keyword_terms("강아지간식", known) == ("강아지", "간식")    # a known compound is itself split
    assert keyword_terms("강아지간식소포장") == ("강아지간식", "소포장")  # no vocabulary: the synonym only
    assert keyword_terms("강아지간식") == ("강아지간식",)
    # guards: no one-syllable piece, synonyms never split, a run is not its own cover
    assert split_compound("소포장", frozenset({"소", "포장", "소포"})) == ("소포장",)
    assert split_compound("대용량", frozenset({"대용", "용량"})) == ("대용량",)
    assert split_compound("배변패드", frozenset({"배변패드"})) == ("배변패드",)
    assert split_compound("강아지껌", frozenset({"강아지", "껌"})) == ("강아지껌",)
    # a synonym inside a run nothing covers is split out: every keyword containing 소포장 has the term
    assert keyword_terms("미니소포장", known) == ("미니", "소포장")          # 미니 unknown
    assert keyword_terms("초대용량사료", known) == ("초", "대용량", "사료")
    assert keyword_terms("왕소용량", known) == ("왕", "소포장")               # a synonym inside, mapped
    assert keyword_terms("국산개껌소포장", known) == ("국산개껌", "소포장")    # the rest kept whole
    # equal piece counts: the longer first piece wins (deterministic)
    assert split_compound("가나다라마", frozenset({"가나", "다라마", "가나다", "라마"})) == ("가나다", "라마")


def test_english_plurals_read_as_the_singular_the_store_or_a_synonym_uses():
    known = term_vocabulary(["hiking boot", "trail running shoes", "trail running shoe", "glasses", "gift box"])
    assert keyword_terms("small packs", known) == ("소포장",)          # the synonym phrase's singular
    assert keyword_terms("dog strollers", known) == ("dog", "유모차")
    assert keyword_terms("refills", known) == ("리필",)
    assert keyword_terms("hiking boots", known) == ("hiking", "boot")
    assert keyword_terms("trail running shoes", known) == keyword_terms("trail running shoe", known)
    assert keyword_terms("gift boxes", known) == ("gift", "box")
    assert keyword_terms("glasses", known) == ("glasses",)            # no "glass" or "glasse" in the store's words
    assert keyword_terms("bags", known) == ("bags",)                  # no "bag": kept as typed
    assert keyword_terms("news", known | {"new"}) == ("news",) and keyword_terms("moss", known) == ("moss",)
    table = keyword_performance(_frame([("small pack", 250, 0, 0, 0.0), ("small packs", 240, 0, 0, 0.0),
                                        ("dog treats", 3000, 95, 95, 0.0)]), PREVIOUS, STORE)
    assert {g.term: g.keywords for g in group_flagged_keywords(table, STORE)} == {
        "소포장": ("small pack", "small packs")}


UNSPACED = _frame([
    ("소포장", 412, 2, 2, 20000.0), ("사료소포장", 300, 0, 0, 0.0), ("강아지간식소용량", 250, 0, 0, 0.0),
    ("소포장사료", 40, 0, 0, 0.0),
    ("강아지 간식", 2000, 70, 70, 700000.0), ("강아지 사료", 1500, 45, 45, 900000.0), ("강아지간식", 900, 30, 30, 1.0),
    ("고양이모래", 400, 1, 1, 9000.0), ("고양이 간식", 800, 26, 26, 260000.0),
])


def test_searches_typed_without_spaces_join_their_group_and_find_the_carried_product():
    period = ReportPeriod("shop_kr", "Asia/Seoul", "KRW", date(2026, 10, 22), date(2026, 11, 20), AS_OF)
    table = keyword_performance(UNSPACED, PREVIOUS, STORE)
    flagged = set(table.filter(pl.col("flagged"))["keyword"].to_list())
    assert flagged == {"소포장", "사료소포장", "강아지간식소용량", "고양이모래"}
    groups = {g.term: g.keywords for g in group_flagged_keywords(table, STORE)}
    # spaces or not, one 소포장 group (the small 소포장사료 joins it); 강아지 and 간식 are in healthy searches: no group
    assert groups == {"소포장": ("소포장", "사료소포장", "강아지간식소용량", "소포장사료"), "고양이모래": ("고양이모래",)}
    landing = pl.DataFrame({"keyword": ["고양이모래"], "landing_sku": ["L"], "product_name": ["고양이 두부 모래 7L"],
                            "sessions": [300], "converted_sessions": [1]})
    rows = _rows(unmet_keyword_groups(table, landing, ["고양이 두부 모래 7L", "국내산 닭가슴살 져키"], STORE, period,
                                      "KRW"), "term")
    assert rows["소포장"]["sessions"] == 1002 and rows["소포장"]["advice_kind"] == "variant"
    # 고양이모래's head noun is 모래, which a product name carries (with spaces): sold but not to these visitors
    assert rows["고양이모래"]["advice_kind"] == "carried"
    rows = _rows(unmet_keyword_groups(table, landing, ["국내산 닭가슴살 져키"], STORE, period, "KRW"), "term")
    assert rows["고양이모래"]["advice_kind"] == "missing"
    # a product name typed without spaces carries a spaced search's head noun (as before)
    spaced = table.with_columns(pl.col("keyword").replace("고양이모래", "고양이 모래"))
    rows = _rows(unmet_keyword_groups(spaced, landing, ["두부모래7L"], STORE, period, "KRW"), "term")
    assert rows["고양이 모래"]["advice_kind"] == "carried"


# ---------------------------------------------------------------- the demo store


def test_demo_unmet_demand_per_seller(demo_db):
    wh = Warehouse(demo_db, read_only=True)
    found = {}
    for seller in ("petshop_kr", "coffee_kr", "outdoor_us"):
        analysis = keyword_analysis(wh, report_period(wh, seller, as_of=AS_OF))
        found[seller] = analysis
    wh.close()
    print({s: a.groups.height for s, a in found.items()})       # flagged groups per seller (see the report)
    pet = found["petshop_kr"]
    groups = _rows(pet.groups, "term")
    assert "소포장" in groups
    assert {"소포장", "간식 소포장", "사료소포장"} <= set(groups["소포장"]["keywords"])   # typed without a space too
    assert "소포장" in groups["소포장"]["advice_ko"] and "소포장" in groups["소포장"]["advice_en"]
    assert groups["소포장"]["advice_kind"] == "variant" and groups["소포장"]["top_products"]
    assert any("강아지 유모차" in g["keywords"] for g in groups.values())
    flagged = set(pet.keywords.filter(pl.col("flagged"))["keyword"].to_list())
    assert flagged <= UNMET_FAMILY and "강아지 유모차" in flagged     # no ordinary keyword flagged
    assert found["outdoor_us"].groups.height == 0                      # the control store
    assert found["outdoor_us"].keywords["flagged"].sum() == 0
    assert found["coffee_kr"].groups.height <= 1


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "analytics", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_keywords_json_matches_an_independent_count(demo_db):
    result = _run("keywords", "--seller", "petshop_kr", "--as-of", "2026-11-20 14:00", "--json", "--db", str(demo_db))
    wh = Warehouse(demo_db, read_only=True)
    raw = wh.sql("SELECT search_keyword AS keyword, count(*) AS sessions, count(order_id) AS converted "
                 "FROM sessions WHERE seller_id = 'petshop_kr' AND search_keyword IS NOT NULL "
                 "AND started_at >= TIMESTAMP '2026-10-21 15:00:00' AND started_at < TIMESTAMP '2026-11-20 05:00:00' "
                 "GROUP BY 1")
    wh.close()
    expected: dict[str, list[int]] = {}
    for r in raw.iter_rows(named=True):
        entry = expected.setdefault(normalise_keyword(r["keyword"]), [0, 0])
        entry[0] += r["sessions"]
        entry[1] += r["converted"]
    assert {r["keyword"]: [r["sessions"], r["converted_sessions"]] for r in result["rows"]} == expected
    assert result["totals"]["keyword_sessions"] == sum(v[0] for v in expected.values())
    assert result["totals"]["unmet_groups"] == len(result["unmet_groups"]) >= 2
    assert any("소포장" in g["advice_ko"] for g in result["unmet_groups"])
    assert "keyword_unmet_sessions" in result["definitions"] and "소포장" in result["synonyms"]


def test_page_keywords_and_advice_equal_the_json_report(demo_db):
    from streamlit.testing.v1 import AppTest

    result = _run("keywords", "--seller", "petshop_kr", "--as-of", "2026-11-20 14:00", "--json", "--db", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = "2026-11-20T05:00:00"
    at.run()
    at.switch_page("pages/traffic.py").run()
    assert not at.exception
    table = at.dataframe[2].value                                      # channels, funnel, keywords
    assert table["keyword"].tolist() == [r["keyword"] for r in result["rows"]]
    assert table["sessions"].tolist() == [r["sessions"] for r in result["rows"]]
    assert table["conversion"].tolist() == pytest.approx([r["conversion"] for r in result["rows"]])
    assert [i.value for i in at.info] == [g["advice_ko"] for g in result["unmet_groups"]]
    small_pack = next(g for g in result["unmet_groups"] if g["term"] == "소포장")
    listed = [c.value for c in at.caption if c.value.startswith("묶인 키워드")]
    assert any(set(small_pack["keywords"]) == set(c.removeprefix("묶인 키워드: ").split(", ")) for c in listed)
    assert "사료소포장" in small_pack["keywords"]                       # typed without a space, in the group
    scatter = json.loads(at.get("plotly_chart")[2].proto.spec)
    flagged_trace = scatter["data"][1]
    assert sorted(flagged_trace["text"]) == sorted(r["keyword"] for r in result["rows"] if r["flagged"])

    at.selectbox(key="traffic_keyword_sort").set_value("conversion").run()
    assert not at.exception
    conversions = at.dataframe[2].value["conversion"].tolist()
    assert conversions[0] == pytest.approx(max(r["conversion"] for r in result["rows"]))

    at.text_input(key="traffic_keyword_filter").set_value(" 소 포장").run()     # spaces ignored
    assert not at.exception
    found = at.dataframe[2].value["keyword"].tolist()
    assert sorted(found) == sorted(r["keyword"] for r in result["rows"] if "소포장" in r["keyword"].replace(" ", ""))
    assert {"소포장", "간식 소포장", "사료소포장"} <= set(found) and "small pack" not in found
    assert any(c.value == f"키워드 {len(found)}개 / 전체 {len(result['rows'])}개" for c in at.caption)
    at.text_input(key="traffic_keyword_filter").set_value("").run()
    assert len(at.dataframe[2].value) == len(result["rows"])

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [i.value for i in at.info] == [g["advice_en"] for g in result["unmet_groups"]]
