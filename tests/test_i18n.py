"""Every UI string exists in Korean and English, and every key the app uses is defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.i18n import LANGUAGES, STRINGS, korean_particles, normalise_language, t

ROOT = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_key_has_both_languages():
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(value.strip() for value in entry.values()), key


def test_placeholders_match_between_languages():
    for key, entry in STRINGS.items():
        names = {lang: set(re.findall(r"{(\w+)", text)) for lang, text in entry.items()}
        assert names["ko"] == names["en"], key


def test_korean_strings_are_korean():
    # everything but proper names and the language switch itself is written in Hangul
    untranslated = {k for k, e in STRINGS.items() if e["ko"] == e["en"]}
    assert untranslated == {"app.title", "lang.ko", "lang.en", "format.online_retail", "ads.platform.google_ads"}
    assert HANGUL.search(t("page.home", "ko")) and not HANGUL.search(t("page.home", "en"))


def test_t_formats_and_falls_back():
    assert t("data.result.rejected", "en", count=1234) == ("The file was not loaded: 1,234 problems. "
                                                           "The warehouse is unchanged.")
    assert t("page.traffic", "ko") == "방문·키워드"
    assert t("page.traffic", "fr") == "Traffic & keywords"
    with pytest.raises(KeyError):
        t("no.such.key", "ko")


@pytest.mark.parametrize("text, expected", [
    ("'소포장'을(를)", "'소포장'을"), ("'사료'을(를)", "'사료'를"),        # batchim ㅇ / none
    ("'확인됨'(으)로", "'확인됨'으로"), ("'발송'(으)로", "'발송'으로"),   # ㅁ, ㅇ: 으로
    ("'보류'(으)로", "'보류'로"), ("'일일'(으)로", "'일일'로"),           # none, ㄹ: 로
    ("3개은(는)", "3개는"), ("사과이(가)", "사과가"), ("'여름'과(와)", "'여름'과"),
    ("1(으)로", "1로"), ("3(으)로", "3으로"), ("2을(를)", "2를"),           # digits read 일, 삼, 이
    ("10%(으)로", "10%로"),                                                  # 퍼센트
    ("'small pack'을(를)", "'small pack'을(를)"),                         # reading unknown: both kept
    ("'소포장 (small pack)'을(를)", "'소포장 (small pack)'을"),           # a gloss: the word before it counts
    ("'사료 (pet food)'을(를)", "'사료 (pet food)'를"), ("사료(2kg)(으)로", "사료(2kg)로"),
    ("'small pack (소포장)'을(를)", "'small pack (소포장)'을"),           # Hangul inside the brackets: read
])
def test_korean_particles_follow_the_word_before_them(text, expected):
    assert korean_particles(text) == expected


def test_formatted_korean_strings_pick_their_particle():
    def ko(term: str) -> str:
        return t("digest.unmet_keyword.missing", "ko", days=30, visitors="412", term=term, orders=2, money="₩1")
    assert "'소포장'을 찾았지만" in ko("소포장") and "'사료'를 찾았지만" in ko("사료")
    assert "'small pack'을(를)" in ko("small pack")
    assert "visitors looked for '소포장'" in t("digest.unmet_keyword.missing", "en", days=30, visitors="412",
                                            term="소포장", orders=2, money="₩1")


@pytest.mark.parametrize("value, expected", [("ko", "ko"), ("EN", "en"), ("ko-KR", "ko"), ("", "ko"), (None, "ko"),
                                             ("de", "ko")])
def test_normalise_language(value, expected):
    assert normalise_language(value) == expected


def test_every_literal_key_used_by_the_app_is_defined():
    used: set[str] = set()
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "analytics").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        used |= set(re.findall(r"""\(\s*["'](nav\.\w+|page\.\w+)["']""", text))
    assert used, "the scan found no keys: the pattern is broken"
    assert sorted(used - set(STRINGS)) == []


def test_dynamic_keys_exist_for_every_kind_format_period_and_page():
    from analytics.kpis import KPI_PERIODS
    from data.ingest import FORMATS, KINDS

    for kind in KINDS:
        assert f"kind.{kind}" in STRINGS
    for fmt in FORMATS:
        assert f"format.{fmt}" in STRINGS
    for period in KPI_PERIODS:
        assert f"period.{period}" in STRINGS and f"delta.{period}" in STRINGS
    for page in ("home", "realtime", "products", "traffic", "ads", "customers", "alerts", "explore", "data"):
        assert f"page.{page}" in STRINGS
    for role in ("seller", "analyst", "admin"):
        assert f"role.{role}" in STRINGS
    # every total a load reports (data/ingest.py: totals["name"] or {"name": ...}) has a label on the data page
    source = (ROOT / "data" / "ingest.py").read_text(encoding="utf-8")
    totals = set(re.findall(r'totals\["(\w+)"\]', source)) | set(re.findall(r'\{"rows": n, "(\w+)"', source))
    start = source.index("totals = {")
    totals |= set(re.findall(r'"(\w+)":', source[start:source.index("}\n", start)]))     # the orders totals
    totals |= {"rows"}
    assert {"orders", "net_sales", "rows_updated", "rows_combined", "orders_updated"} <= totals
    assert sorted(n for n in totals if f"total.{n}" not in STRINGS) == []


def test_won_axes_read_in_man_and_eok_in_korean_only():
    import plotly.graph_objects as go

    from analytics.i18n import korean_money_axes, won_ticks

    assert won_ticks(0, 11_622_723) == ([0, 2_500_000, 5_000_000, 7_500_000, 10_000_000, 12_500_000],
                                        ["0", "250만", "500만", "750만", "1,000만", "1,250만"])
    assert won_ticks(0, 150_000_000)[1] == ["0", "5,000만", "1억", "1.5억"]
    # 20만 steps would leave only 0 / 20만 / 40만 inside the data (Plotly hides -20만 and 60만): finer steps
    assert won_ticks(-120_000, 530_000)[1] == ["-20만", "-10만", "0", "10만", "20만", "30만", "40만", "50만", "60만"]
    assert won_ticks(0, 8_000)[1] == ["0", "2,000", "4,000", "6,000", "8,000"]
    assert won_ticks(0, 1) == ([0, 1], ["0", "1"])                      # whole won, never 0.2

    def figure():
        fig = go.Figure(go.Bar(x=["a", "b"], y=[3_000_000, 9_000_000]))
        fig.add_scatter(x=["a", "b"], y=[100_000_000, 160_000_000], yaxis="y2")
        return fig
    ko = korean_money_axes(figure(), "ko", "KRW", ("y", "y2")).to_dict()["layout"]
    assert ko["yaxis"]["ticktext"][-1] == "1,000만" and ko["yaxis2"]["ticktext"] == ["0", "5,000만", "1억", "1.5억", "2억"]
    assert ko["yaxis"]["tickvals"][-1] >= 9_000_000                    # every bar is under the top tick
    for lang, currency in (("en", "KRW"), ("ko", "USD")):               # Plotly's own ticks elsewhere
        assert "tickvals" not in korean_money_axes(figure(), lang, currency).to_dict()["layout"].get("yaxis", {})


def test_count_axes_read_in_man_in_korean_whatever_the_currency():
    """Visits and units are counted in 만 in Korean (5만, not Plotly's 50k), in any store's currency."""
    import plotly.graph_objects as go
    import polars as pl

    from analytics.i18n import korean_count_axes
    from analytics.traffic import plot_channel_bars

    def figure():
        return go.Figure(go.Bar(x=["검색", "광고"], y=[53_000, 15_000]))
    # bars up to 5.3만: 1만 steps, so 5만 shows (with 2만 steps the top one shown was 4만; 6만 lies above the bars)
    ticks = korean_count_axes(figure(), "ko").to_dict()["layout"]["yaxis"]
    assert ticks["ticktext"] == ["0", "1만", "2만", "3만", "4만", "5만", "6만"]
    assert sum(v <= 53_000 for v in ticks["tickvals"]) == 6
    assert "tickvals" not in korean_count_axes(figure(), "en").to_dict()["layout"].get("yaxis", {})
    channels = pl.DataFrame({"channel": ["search", "ads"], "sessions": [53_000, 15_000],
                             "previous_sessions": [48_000, 16_000], "conversion": [0.02, 0.03],
                             "revenue": [1_000.0, 500.0]})
    for currency in ("KRW", "USD"):
        axis = plot_channel_bars(channels, "ko", currency).to_dict()["layout"]["yaxis"]
        assert axis["ticktext"] == ["0", "1만", "2만", "3만", "4만", "5만", "6만"], currency
    assert "tickvals" not in plot_channel_bars(channels, "en", "USD").to_dict()["layout"]["yaxis"]
