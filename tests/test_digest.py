"""The digest: the demo store's injected incidents ranked by money at stake, the control seller stays calm, each
money estimate recomputed from its facts, a failing area does not break the digest, and the home page equals the
JSON report."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import digest
from analytics.digest import (
    DigestContext,
    Insight,
    build_digest,
    fold_by_kind,
    sales_drop_run,
)
from analytics.i18n import t
from analytics.metrics import format_money
from analytics.period import ReportPeriod, report_period

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 20, 5, 0)        # the demo store's "now" (UTC) = 14:00 in Seoul, 21:00 (Nov 19) in LA
HANGUL = re.compile(r"[가-힣]")


@pytest.fixture(scope="module")
def demo_reports(demo_db_template):
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db_template, read_only=True)
    try:
        incidents = wh.sql("SELECT seller_id, incident, subject, starts_at FROM demo_incidents")
        names = dict(wh.sql("SELECT sku, name FROM products").iter_rows())
        out = {sid: digest.report(wh, report_period(wh, sid, as_of=AS_OF)) for sid in ("petshop_kr", "outdoor_us")}
    finally:
        wh.close()
    return out, incidents, names


def _by_kind(report):
    return {row["kind"]: row for row in report["rows"]}


def _candidate(report, kind, subject=None):
    found = [c for c in report["candidates"] if c["kind"] == kind and (subject is None or c["subject"] == subject)]
    assert found, (kind, subject, [(c["kind"], c["subject"]) for c in report["candidates"]])
    return found[0]


def test_petshop_digest_shows_every_injected_incident(demo_reports):
    reports, incidents, names = demo_reports
    report = reports["petshop_kr"]
    truth = {r["incident"]: r for r in incidents.filter(pl.col("seller_id") == "petshop_kr").iter_rows(named=True)}
    rows = _by_kind(report)
    assert len(report["rows"]) == 5 and report["quiet"] is False
    assert {"sales_drop", "stock_out", "returns_spike", "unmet_keyword"} <= rows.keys()
    assert "roas_fall" in rows or "ad_waste" in rows
    # each item is about the injected subject and links to its evidence page
    sales = _candidate(report, "sales_drop")
    drop_start = date.fromisoformat(sales["facts"]["start"])
    assert truth["sales_drop"]["starts_at"].date() - timedelta(days=1) <= drop_start <= date(2026, 11, 17)
    assert sales["facts"]["channel"] == "search"          # organic search is the largest channel that lost visits
    assert rows["stock_out"]["text_ko"].count(names[truth["stock_out"]["subject"]]) == 1
    since = date.fromisoformat(_candidate(report, "stock_out")["facts"]["since"])
    assert date(2026, 11, 13) <= since <= date(2026, 11, 14)     # injected from 11-14 00:00 in Seoul
    assert names[truth["returns_spike"]["subject"]] in rows["returns_spike"]["text_en"]
    assert _candidate(report, "roas_fall", truth["ad_collapse"]["subject"])["page"] == "pages/ads.py"
    assert "'소포장'" in rows["unmet_keyword"]["text_ko"] and "small pack" in rows["unmet_keyword"]["text_en"]
    pages = {"sales_drop": "pages/realtime.py", "stock_out": "pages/products.py", "returns_spike": "pages/products.py",
             "roas_fall": "pages/ads.py", "ad_waste": "pages/ads.py", "unmet_keyword": "pages/traffic.py"}
    for kind, row in rows.items():
        assert row["page"] == pages[kind]
        assert (ROOT / row["page"]).is_file()
    # ranked by money at stake, both languages, Korean really Korean
    money = [r["money_at_stake"] for r in report["rows"]]
    assert money == sorted(money, reverse=True) and all(m > 0 for m in money)
    assert [r["rank"] for r in report["rows"]] == [1, 2, 3, 4, 5]
    for row in report["rows"]:
        assert HANGUL.search(row["text_ko"]) and row["text_en"] and row["text_en"] != row["text_ko"]
        assert "₩" in row["text_ko"] and "₩" in row["text_en"]
    # totals: every candidate counted, the shown money is part of it
    assert report["totals"]["candidates"] == len(report["candidates"]) >= 8
    assert report["totals"]["money_at_stake"] == pytest.approx(sum(c["money_at_stake"] for c in report["candidates"]),
                                                               abs=0.05)
    assert report["totals"]["money_at_stake_shown"] == pytest.approx(sum(money), abs=0.05)
    assert report["skipped"] == []
    # the further findings: every other kind with material money, one row each, ranked on after the items
    material_kinds = {c["kind"] for c in report["candidates"] if c["material"]}
    more = report["more"]
    assert report["totals"]["more"] == len(more) >= 1
    assert {r["kind"] for r in more} == material_kinds - rows.keys() and len({r["kind"] for r in more}) == len(more)
    assert [r["rank"] for r in more] == list(range(6, 6 + len(more)))
    assert [r["money_at_stake"] for r in more] == sorted((r["money_at_stake"] for r in more), reverse=True)
    for row in more:
        assert (ROOT / row["page"]).is_file() and HANGUL.search(row["text_ko"]) and row["text_en"]
        assert row["money_at_stake"] == pytest.approx(sum(c["money_at_stake"] for c in report["candidates"]
                                                          if c["kind"] == row["kind"] and c["material"]), abs=0.05)


def test_the_money_at_stake_follows_the_documented_rules(demo_reports):
    report = demo_reports[0]["petshop_kr"]
    stock = _candidate(report, "stock_out")["facts"]
    since = date.fromisoformat(stock["since"])
    assert stock["days_out"] == pytest.approx((date(2026, 11, 20) - since).days + 14 / 24)   # now 14:00 on 11-20
    assert _candidate(report, "stock_out")["money_at_stake"] == pytest.approx(
        stock["lost_units_per_day"] * stock["price"] * stock["days_out"], abs=0.01)
    unmet = _candidate(report, "unmet_keyword", "소포장")
    f = unmet["facts"]
    assert unmet["money_at_stake"] == pytest.approx(
        max(0, f["sessions"] * f["store_conversion"] - f["order_count"]) * f["aov"], abs=0.01)
    assert f["aov"] == pytest.approx(report["totals"]["revenue"] / report["totals"]["orders"])
    returns = _candidate(report, "returns_spike")
    f = returns["facts"]
    assert f["excess_units"] == pytest.approx(f["claimed_units"] - f["units"] * f["baseline_rate"])
    assert returns["money_at_stake"] == pytest.approx(f["excess_units"] * f["price"], abs=0.01)
    fall = _candidate(report, "roas_fall", "파워링크_간식")
    f = fall["facts"]
    assert fall["money_at_stake"] == pytest.approx(f["recent_spend"] * (f["baseline_roas"] - f["recent_roas"]), abs=0.01)
    waste = _candidate(report, "ad_waste")
    assert waste["money_at_stake"] == waste["facts"]["spend"] > 0 and "강아지 유모차" in waste["subject"]
    sales = _candidate(report, "sales_drop")
    f = sales["facts"]
    assert sales["money_at_stake"] == pytest.approx(f["lost_complete_days"] + f["today_gap"], abs=0.01)
    assert f["complete_days"] >= 3 and f["z"] <= -digest.SALES_DROP_Z
    # the folded keyword item carries both unmet groups' money
    row = _by_kind(report)["unmet_keyword"]
    groups = [c["money_at_stake"] for c in report["candidates"] if c["kind"] == "unmet_keyword" and c["material"]]
    assert len(groups) == 2 and row["money_at_stake"] == pytest.approx(sum(groups), abs=0.05)
    assert "강아지 유모차" in row["text_en"]


def test_the_customer_items_count_every_customer_they_stand_for_not_the_page_s_first_50(demo_db_template):
    from analytics import customers
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db_template, read_only=True)
    try:
        for seller in ("petshop_kr", "coffee_kr"):
            period = report_period(wh, seller, as_of=AS_OF)
            report = digest.report(wh, period)
            predicted = customers.customer_predictions(wh, period, digest.HORIZON_DAYS)
            everyone = customers.at_risk_customers(predicted).filter(pl.col("p_alive") > 0)
            risk = customers.regulars_at_risk(predicted).filter(pl.col("p_alive") > 0)     # the page's list
            likely = customers.likely_buyers(predicted)
            found = {c["kind"]: c for c in report["candidates"] if c["area"] == "customers"}
            facts = found["regulars_at_risk"]["facts"]
            assert facts["customers"] == everyone.height > 0 and facts["listed"] == risk.height
            assert found["regulars_at_risk"]["money_at_stake"] == pytest.approx(float(risk.select(
                pl.col("clv") * (1 - pl.col("p_alive")) / pl.col("p_alive")).sum().item()), abs=0.01)
            assert found["regulars_at_risk"]["text_en"].startswith(f"{everyone.height:,} regulars")
            if likely.height:
                assert found["likely_regulars"]["facts"]["customers"] == likely.height
                assert found["likely_regulars"]["money_at_stake"] == pytest.approx(float(likely["clv"].sum()), abs=0.01)
            else:
                assert "likely_regulars" not in found
    finally:
        wh.close()


def test_at_risk_sentence_counts_everyone_and_names_the_listed_when_there_are_more():
    ko, en = digest._texts("digest.regulars_at_risk.many", count="152,142", listed=50, revenue="₩1,000", days=30,
                           money="₩500")
    assert en.startswith("152,142 regulars seem to be drifting away. Reach out to the 50 who spent most (₩1,000")
    assert ko.startswith("단골 152,142명이 떠나고 있는 것 같습니다. 구매액이 가장 큰 50명(지금까지 ₩1,000 구매)")


def test_control_seller_has_no_incident_items(demo_reports):
    """outdoor_us has no injected incident: no sales drop, stock-out, returns spike, ROAS fall or ad waste, not even
    as an unshown candidate. (It may show an unmet keyword, campaigns below break-even and customers at risk: those
    come from the generator's ordinary data and are real findings of their areas, not incidents.)"""
    report = demo_reports[0]["outdoor_us"]
    kinds = {c["kind"] for c in report["candidates"]}
    assert not kinds & {"sales_drop", "stock_out", "returns_spike", "roas_fall", "ad_waste"}
    assert 1 <= len(report["rows"]) <= 5
    assert all("$" in r["text_en"] for r in report["rows"])
    assert report["skipped"] == []


# ---------------------------------------------------------------- the rules on hand-built values

def _ctx(usual_day=1000.0) -> DigestContext:
    period = ReportPeriod("s", "Asia/Seoul", "KRW", date(2026, 10, 22), date(2026, 11, 20), AS_OF)
    return DigestContext(period, date(2026, 11, 20), 14.0, usual_day * 30, 100, usual_day)


def _ins(kind, subject, money):
    return Insight(kind, "x", subject, money, f"{subject} 한국어", f"{subject} en", digest.PAGES[kind])


def test_ranking_folds_kinds_puts_problems_first_and_drops_small_items():
    ctx = _ctx(1000.0)
    items = [_ins("unmet_keyword", "a", 900.0), _ins("unmet_keyword", "b", 300.0), _ins("regulars_at_risk", "r", 5000.0),
             _ins("stock_out", "s", 400.0), _ins("returns_spike", "p", 200.0), _ins("ad_waste", "w", 150.0),
             _ins("roas_fall", "f", 120.0), _ins("ad_losing", "tiny", 99.0)]     # < 10 % of a usual day: noise
    folded = {c.kind: c for c in fold_by_kind(items, ctx)}
    assert folded["unmet_keyword"].money_at_stake == 1200.0 and "b" in folded["unmet_keyword"].text_en
    assert "ad_losing" not in folded
    shown, more = digest.split_insights(items, ctx)
    # five problem kinds fill the digest before the (larger) opportunity; shown in money order
    assert [c.kind for c in shown] == ["unmet_keyword", "stock_out", "returns_spike", "ad_waste", "roas_fall"]
    assert [c.kind for c in more] == ["regulars_at_risk"]                             # not shown, not lost either
    fewer = digest.split_insights(items[:4], ctx)[0]
    assert [c.kind for c in fewer] == ["regulars_at_risk", "unmet_keyword", "stock_out"]
    assert digest.split_insights(items[:4], ctx)[1] == []
    _, two_more = digest.split_insights(items, ctx, max_items=3)
    assert [c.kind for c in two_more] == ["regulars_at_risk", "ad_waste", "roas_fall"]   # money order, as shown
    assert digest.split_insights([_ins("ad_losing", "tiny", 99.0)], ctx) == ([], [])
    assert digest.severity_of(1000.0, ctx) == "high" and digest.severity_of(250.0, ctx) == "medium"
    assert digest.severity_of(249.0, ctx) == "low"


def _days(ratios):
    start = date(2026, 9, 1)
    return pl.DataFrame({"local_date": [start + timedelta(days=i) for i in range(len(ratios))],
                         "day_total": [1000.0 * (2.718281828 ** r) for r in ratios],
                         "usual_total": [1000.0] * len(ratios), "close_log_ratio": ratios})


@pytest.mark.parametrize("money", [9_121_963.4999, 2.495, 10.5, 11.5, 1_234.004999])
def test_a_sentence_names_the_amount_its_money_at_stake_shows(money):
    """The sentence's amount and the page's "At stake" line (format_money of the row's money_at_stake, rounded to
    the hundredth in digest_rows and the --json) are the same text, in a currency without and with a minor unit."""
    for currency in ("KRW", "USD"):
        period = ReportPeriod("s", "Asia/Seoul", currency, date(2026, 10, 22), date(2026, 11, 20), AS_OF)
        ctx = DigestContext(period, date(2026, 11, 20), 14.0, 30_000.0, 100, 1_000.0)
        found = digest.Digest(ctx, [_ins("stock_out", ctx.money(money), money)], [], [], {})
        row = digest.digest_rows(found).row(0, named=True)
        assert row["text_en"] == f"{format_money(row['money_at_stake'], currency)} en"


def test_sales_drop_run_needs_a_significant_run_of_low_days():
    noise = [-0.1, 0.1] * 10                     # sd ≈ 0.103; the last noise day is above usual
    run = sales_drop_run(_days(noise + [-0.5, -0.4, -0.6]))
    assert run is not None and run["days"] == 3 and run["start"] == date(2026, 9, 21)
    assert run["usual"] == 3000.0 and run["actual"] == pytest.approx(1000 * sum(2.718281828 ** r for r in (-.5, -.4, -.6)))
    assert sales_drop_run(_days(noise + [-0.05, -0.06])) is None      # below usual but within the noise
    assert sales_drop_run(_days(noise + [-0.5, 0.2])) is None         # the latest day is fine: no run
    assert sales_drop_run(_days([-0.5, -0.5])) is None                # too little history to judge


# ---------------------------------------------------------------- robustness

def test_a_failing_area_or_a_tiny_seller_does_not_break_the_digest(demo_db, warehouse):
    from data.warehouse import Warehouse

    def broken(_wh, _ctx):
        raise RuntimeError("area exploded")

    wh = Warehouse(demo_db)
    try:
        period = report_period(wh, "coffee_kr", as_of=AS_OF)
        result = build_digest(wh, period, collectors=(("broken", broken), *digest.COLLECTORS[1:2]))
    finally:
        wh.close()
    assert result.skipped == [{"area": "broken", "reason": "RuntimeError: area exploded"}]
    assert [c.kind for c in result.items] == ["stock_out"]          # coffee_kr's injected 예가체프 stock-out

    with warehouse.transaction() as cur:
        cur.execute("INSERT INTO sellers (seller_id, name, currency, timezone, language) VALUES "
                    "('tiny', '작은 가게', 'KRW', 'Asia/Seoul', 'ko')")
        cur.execute("INSERT INTO orders (seller_id, order_id, ordered_at, status, customer_id) VALUES "
                    "('tiny', 'o1', TIMESTAMP '2026-11-19 01:00:00', 'paid', 'c1')")
        cur.execute("INSERT INTO order_items (seller_id, order_id, line_no, ordered_at, sku, quantity, unit_price, "
                    "line_type) VALUES ('tiny', 'o1', 1, TIMESTAMP '2026-11-19 01:00:00', 'A', 1, 10000, 'product')")
    report = digest.report(warehouse, report_period(warehouse, "tiny", as_of=AS_OF))
    assert report["rows"] == [] and report["quiet"] is True
    assert "조용" in report["quiet_text"]["ko"] and "quiet" in report["quiet_text"]["en"]
    assert "customers" in {s["area"] for s in report["skipped"]}    # one repeat buyer: no model, area skipped
    assert report["totals"]["revenue"] == 10000.0


# ---------------------------------------------------------------- the page

def test_areas_run_side_by_side_and_keep_their_order(demo_db_template):
    """The areas run at once (two that each wait for the other finish; one after another they could not), and
    candidates, skipped areas and timings keep the order of the collectors (the slow area is started first); the
    demo digest equals the areas collected one after another."""
    import threading

    from data.warehouse import Warehouse

    both_running = threading.Barrier(2, timeout=10)

    def waiting(area, amount):
        def collect(_wh, ctx):
            both_running.wait()             # raises BrokenBarrierError (area skipped) if the other is not running
            return [Insight("ad_waste", "ads", area, amount, area, area, digest.PAGES["ad_waste"])]
        return collect

    def broken(_wh, _ctx):
        raise RuntimeError("area exploded")

    wh = Warehouse(demo_db_template, read_only=True)
    try:
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        result = build_digest(wh, period, collectors=(("first", waiting("first", 1.0)), ("broken", broken),
                                                      ("customers", waiting("customers", 2.0))))
        assert result.skipped == [{"area": "broken", "reason": "RuntimeError: area exploded"}]
        assert [c.subject for c in result.candidates] == ["first", "customers"]
        assert list(result.timings) == ["first", "broken", "customers"]

        ctx = digest.digest_context(wh, period)
        one_by_one = [c for _area, collect in digest.COLLECTORS for c in collect(wh, ctx)]
        together = build_digest(wh, period)
    finally:
        wh.close()
    assert together.skipped == []
    assert together.candidates == one_by_one
    assert (together.items, together.more) == digest.split_insights(one_by_one, ctx)


def test_the_digest_fits_the_customer_models_once_and_leaves_the_backtest_and_cohorts_to_the_page(demo_db):
    """The digest needs the customer models and predictions only: the customers page's backtest (a second fit on
    the calibration period) and cohort heatmap are computed when that page asks, sharing the digest's models."""
    from analytics import customers, result_cache
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db, read_only=True)
    try:
        result_cache.clear()
        customers._FIT_CACHE.clear()
        period = report_period(wh, "petshop_kr", as_of=AS_OF)
        digest.build_digest(wh, period)
        names = {slot[2] for slot in result_cache._entries}
        assert {"customer_models", "customer_predictions"} <= names
        assert not names & {"customer_backtest", "customer_cohorts"}
        assert len(customers._FIT_CACHE) == 1                       # the models' fit; no calibration fit yet
        models = customers.customer_models(wh, period)
        misses = result_cache.stats["misses"]
        insights = customers.customer_insights(wh, period)           # the customers page
        assert result_cache.stats["misses"] == misses + 3            # its period totals, cohorts and backtest
        assert insights.scored is models.scored and insights.models is models.models
        assert insights.backtest["status"] == "ok" and insights.cohorts.height > 0
        assert len(customers._FIT_CACHE) == 2                        # + the backtest's calibration fit
        # the same frames as everything computed at once (what the page showed before the split)
        whole = customers._customer_base(wh, "petshop_kr", period.timezone, period.as_of_utc,
                                         customers.MIN_REPEAT_CUSTOMERS)
        assert whole.cohorts.equals(insights.cohorts) and whole.scored.equals(insights.scored)
        assert whole.backtest["groups"].equals(insights.backtest["groups"])
        assert {k: v for k, v in whole.backtest.items() if k != "groups"} == {
            k: v for k, v in insights.backtest.items() if k != "groups"}
    finally:
        wh.close()


def test_home_page_shows_the_digest_equal_to_the_report(demo_db):
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db, read_only=True)
    try:
        expected = json.loads(json.dumps(digest.report(wh, report_period(wh, "petshop_kr", as_of=AS_OF))))
    finally:
        wh.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth_user"] = "admin"          # signed in (the login form is tested in test_access.py)
    at.session_state["as_of_utc"] = AS_OF.isoformat()
    at.run()
    assert not at.exception
    for lang in ("ko", "en"):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert not at.exception
        items = [m.value for m in at.markdown if re.match(r"^\S+ \*\*\d\.\*\* ", m.value)]
        assert items == [f"{digest.SEVERITY_MARKS[r['severity']]} **{r['rank']}.** "
                         f"{r['text_' + lang]}" for r in expected["rows"]]
        shown = expected["rows"] + expected["more"]     # the items, then the further findings in their expander
        links = at.get("page_link")
        assert [link.proto.page for link in links] == [Path(r["page"]).stem for r in shown]
        assert {link.proto.label for link in links} == {"근거 보기" if lang == "ko" else "See the evidence"}
        money = [c.value for c in at.caption if c.value.startswith(("걸린 금액", "At stake"))]
        assert len(money) == len(shown) and money[0].endswith(f"₩{expected['rows'][0]['money_at_stake']:,.0f}")
        assert money[-1].endswith(f"₩{expected['more'][-1]['money_at_stake']:,.0f}")
        more = next(e for e in at.expander if e.label == t("digest.more_header", lang, count=len(expected["more"])))
        assert [m.value for m in more.markdown] == [
            f"{digest.SEVERITY_MARKS[r['severity']]} {digest.kind_label(r['kind'], lang)}: {r['text_' + lang]}"
            for r in expected["more"]]
    assert len(at.metric) == 15                                  # the KPI tiles are still there
    # the digest is drawn after the tiles (they show while it is computed) into a slot above them
    main = list(at.main)
    assert main.index(next(e for e in main if e.type == "markdown" and t("digest.header", "en") in e.value)) < \
        main.index(next(e for e in main if e.type == "divider"))
    at.switch_page("pages/ads.py").run()                         # the evidence page opens
    assert not at.exception
