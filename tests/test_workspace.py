"""The workspace helpers: templates run through the real sandbox on the demo store and agree with the analytics
functions, parameter widgets, column help, exports (Korean round trips) and the chart builder."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pytest

from analytics import workspace
from analytics.ads import ads_line_totals, with_ratios
from analytics.customers import cohort_retention, daily_transactions, purchase_days, rfm_summary_exact, score_customers
from analytics.keywords import keywords_period_counts
from analytics.kpis import kpi_totals, revenue_by_day
from analytics.products import products_sales_by_sku
from analytics.sellers import local_midnight_utc, seller_timezone
from data import formats
from data.sandbox import Sandbox, list_schema
from data.scope import SCOPED_TABLES, Scope, ScopedWarehouse
from data.warehouse import Warehouse

FROM, TO = date(2026, 9, 20), date(2026, 11, 19)     # the demo's "now" is 2026-11-20 05:00 UTC
SELLER = "petshop_kr"
ANALYST_SELLERS = ("petshop_kr", "outdoor_us")       # two time zones: Asia/Seoul and America/Los_Angeles
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def wh(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("workspace") / "seller_insights.duckdb"
    shutil.copy(demo_db_template, path)
    warehouse = Warehouse(path)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def seller_box(wh):
    scoped = ScopedWarehouse(wh, Scope.sellers(SELLER))
    yield Sandbox(scoped, timeout_s=20)
    scoped.close()


@pytest.fixture(scope="module")
def analyst_box(wh):
    scoped = ScopedWarehouse(wh, Scope.sellers(ANALYST_SELLERS))
    yield Sandbox(scoped, timeout_s=20)
    scoped.close()


def run_template(box: Sandbox, key: str, **extra) -> pl.DataFrame:
    values = {"from": FROM, "to": TO, "n": 10, "min_sessions": 20, **extra}
    tpl = workspace.TEMPLATES_BY_KEY[key]
    names = box.check(tpl.sql).parameters
    result = box.run(tpl.sql, {name: values[name] for name in names}, max_rows=50_000)
    assert not result.truncated
    return result.frame


def utc_window(wh: Warehouse, seller: str) -> tuple[str, datetime, datetime]:
    tz = seller_timezone(wh, seller)
    return tz, local_midnight_utc(tz, FROM), local_midnight_utc(tz, TO + timedelta(days=1))


@pytest.fixture(scope="module")
def analyst_results(analyst_box) -> dict[str, pl.DataFrame]:
    """Every template run once through the analyst's sandbox (two stores)."""
    return {tpl.key: run_template(analyst_box, tpl.key) for tpl in workspace.TEMPLATES}


# ---------------------------------------------------------------------------------------------- templates


def test_templates_are_complete_bilingual_and_parameterised(seller_box):
    keys = [tpl.key for tpl in workspace.TEMPLATES]
    assert len(keys) == len(set(keys))
    assert {"cohort_retention", "rfm_segments", "roas_by_keyword", "unmet_keywords", "daily_revenue",
            "top_products"} <= set(keys)
    for tpl in workspace.TEMPLATES:
        assert HANGUL.search(tpl.title_ko) and HANGUL.search(tpl.description_ko), tpl.key
        assert tpl.title_en and tpl.description_en and not HANGUL.search(tpl.title_en + tpl.description_en)
        checked = seller_box.check(tpl.sql)                      # the sandbox's parser check
        assert {"from", "to"} <= set(checked.parameters), tpl.key
        assert set(workspace.template_parameters(tpl)) == set(checked.parameters), tpl.key
        assert set(workspace.parameter_kinds(checked.parameters).values()) <= {"date", "number"}, tpl.key
        # no seller filter: the scoped views do that, and every template keeps seller_id in its grain
        code = re.sub(r"--[^\n]*", "", tpl.sql)
        assert not re.search(r"seller_id\s*(=|IN\b)\s*[$'(]", code, re.IGNORECASE), tpl.key
        assert "seller_id" in code
        assert tpl.sql.startswith("--") and tpl.title("ko") == tpl.title_ko and tpl.description("en")


def test_every_template_keeps_stores_apart_and_sees_only_the_scope(analyst_results, seller_box):
    for key, frame in analyst_results.items():
        assert frame.columns[0] == "seller_id", key
        assert frame.height > 0, key
        assert set(frame["seller_id"]) <= set(ANALYST_SELLERS), key
    for key in ("daily_revenue", "top_products", "roas_by_keyword", "rfm_segments", "cohort_retention"):
        assert set(analyst_results[key]["seller_id"]) == set(ANALYST_SELLERS), key
    # a seller signed in: only their own rows, whatever the template
    for tpl in workspace.TEMPLATES:
        assert set(run_template(seller_box, tpl.key)["seller_id"]) == {SELLER}, tpl.key


def test_daily_revenue_equals_revenue_by_day_in_each_store_time_zone(wh, analyst_results):
    frame = analyst_results["daily_revenue"]
    assert frame.columns == ["seller_id", "day", "revenue", "order_count"]
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller).drop("seller_id")
        expected = revenue_by_day(wh, seller, FROM, TO)
        assert mine.height == (TO - FROM).days + 1
        assert mine["day"].to_list() == expected["order_date"].to_list()
        assert mine["revenue"].to_list() == expected["revenue"].to_list()          # same DECIMAL sums, exactly
        assert mine["order_count"].to_list() == expected["order_count"].to_list()
        assert mine["revenue"].sum() > 0
        _, start, end = utc_window(wh, seller)
        totals = kpi_totals(wh, seller, start, end)
        assert mine["revenue"].sum() == pytest.approx(totals["revenue"], rel=1e-12)
        assert mine["order_count"].sum() == totals["order_count"]


def test_top_products_equal_products_sales_by_sku(wh, analyst_results):
    frame = analyst_results["top_products"]
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller)
        _, start, end = utc_window(wh, seller)
        expected = products_sales_by_sku(wh, seller, start, end).head(10)
        assert mine.height == 10
        assert mine["sku"].to_list() == expected["sku"].to_list()
        assert mine["product_name"].to_list() == expected["product_name"].to_list()
        assert mine["units"].to_list() == expected["units"].to_list()
        assert mine["order_count"].to_list() == expected["order_count"].to_list()
        assert mine["revenue"].to_list() == pytest.approx(expected["revenue"].to_list(), rel=1e-9)
    assert any(HANGUL.search(name) for name in frame["product_name"])


def test_top_products_n_limits_each_store(analyst_box):
    frame = run_template(analyst_box, "top_products", n=3)
    assert frame.group_by("seller_id").len()["len"].to_list() == [3, 3]
    revenue = frame.filter(pl.col("seller_id") == SELLER)["revenue"].to_list()
    assert revenue == sorted(revenue, reverse=True)


def _expected_roas(wh: Warehouse, seller: str) -> pl.DataFrame:
    lines = ads_line_totals(wh, seller, FROM, TO)
    keys = ["platform", "campaign", "keyword"]
    grouped = lines.group_by(keys).agg(pl.col("spend", "impressions", "clicks", "conversions",
                                              "conversion_revenue").sum())
    return with_ratios(grouped).sort(keys)


def test_roas_by_keyword_equals_ads_line_totals(wh, analyst_results):
    frame = analyst_results["roas_by_keyword"]
    assert {"spend", "conversion_revenue", "roas", "cpc", "ctr", "platform", "campaign", "keyword"} <= set(
        frame.columns)
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller)
        assert mine["spend"].to_list() == sorted(mine["spend"].to_list(), reverse=True)   # most spend first
        mine = mine.sort("platform", "campaign", "keyword")
        expected = _expected_roas(wh, seller)
        assert mine.height == expected.height > 0
        for col in ("platform", "campaign", "keyword", "impressions", "clicks", "conversions"):
            assert mine[col].to_list() == expected[col].to_list(), col
        for col in ("spend", "conversion_revenue", "roas", "cpc", "ctr"):
            assert mine[col].to_list() == pytest.approx(expected[col].to_list(), rel=1e-9, nan_ok=True), col
    assert any(HANGUL.search(k) for k in frame["keyword"])


def test_roas_counts_hourly_rows_instead_of_the_daily_row_of_the_same_line_day(demo_db):
    """Hourly rows for a line-day that also has a daily row: the template counts the hourly rows only, as
    ads_line_totals does (a plain SUM would count the day twice)."""
    wh = Warehouse(demo_db)
    try:
        line = wh.sql("SELECT * FROM ad_stats WHERE seller_id = $s AND stat_date = $d AND keyword <> '' "
                      "ORDER BY cost DESC LIMIT 1", {"s": SELLER, "d": TO})
        assert line.height == 1
        with wh.transaction() as cur:
            for hour in (9, 10):
                cur.execute("INSERT INTO ad_stats SELECT * REPLACE (? AS stat_hour, 100 AS impressions, "
                            "7 AS clicks, 1234.00 AS cost, 1 AS conversions, 9999.00 AS conversion_revenue) "
                            "FROM ad_stats WHERE seller_id = ? AND stat_date = ? AND platform = ? AND campaign = ? "
                            "AND ad_group = ? AND keyword = ? AND stat_hour IS NULL",
                            [hour, SELLER, TO, line["platform"][0], line["campaign"][0], line["ad_group"][0],
                             line["keyword"][0]]).fetchall()
        scoped = ScopedWarehouse(wh, Scope.sellers(SELLER))
        frame = run_template(Sandbox(scoped), "roas_by_keyword").sort("platform", "campaign", "keyword")
        scoped.close()
        expected = _expected_roas(wh, SELLER)
        assert frame["spend"].to_list() == pytest.approx(expected["spend"].to_list(), rel=1e-9)
        assert frame["clicks"].to_list() == expected["clicks"].to_list()
        row = frame.filter((pl.col("campaign") == line["campaign"][0]) & (pl.col("keyword") == line["keyword"][0]))
        daily_sum = wh.scalar("SELECT sum(clicks) FROM ad_stats WHERE seller_id = $s AND stat_hour IS NULL AND "
                              "stat_date BETWEEN $f AND $t AND campaign = $c AND keyword = $k",
                              {"s": SELLER, "f": FROM, "t": TO, "c": line["campaign"][0], "k": line["keyword"][0]})
        assert row["clicks"][0] == daily_sum - line["clicks"][0] + 14
    finally:
        wh.close()


def test_unmet_keywords_agree_with_the_keyword_counts(wh, analyst_results):
    frame = analyst_results["unmet_keywords"]
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller)
        _, start, end = utc_window(wh, seller)
        counts = keywords_period_counts(wh, seller, start, end, start, start, end)
        store_conversion = counts.store_converted_sessions / counts.store_sessions
        expected = (counts.current
                    .with_columns((pl.col("converted_sessions") / pl.col("sessions")).alias("conversion"))
                    .filter((pl.col("sessions") >= 20) & (pl.col("conversion") < store_conversion))
                    .sort(["sessions", "keyword"], descending=[True, False]))
        assert mine["keyword"].to_list() == expected["keyword"].to_list()
        assert mine["sessions"].to_list() == expected["sessions"].to_list()
        assert mine["converted_sessions"].to_list() == expected["converted_sessions"].to_list()
        assert mine["conversion"].to_list() == pytest.approx(expected["conversion"].to_list(), rel=1e-12)
        if mine.height:
            assert mine["store_conversion"].to_list() == pytest.approx([store_conversion] * mine.height, rel=1e-12)
            assert (mine["conversion_gap"] < 0).all() and (mine["missed_orders"] > 0).all()
    assert frame.filter(pl.col("seller_id") == SELLER).height > 0
    assert any(HANGUL.search(k) for k in frame["keyword"])


def test_unmet_keywords_min_sessions_filters(analyst_box):
    few = run_template(analyst_box, "unmet_keywords", min_sessions=1)
    many = run_template(analyst_box, "unmet_keywords", min_sessions=200)
    assert (many["sessions"] >= 200).all()
    assert few.height > many.height


def test_cohort_retention_equals_the_customers_page(wh, analyst_results):
    frame = analyst_results["cohort_retention"]
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller).drop("seller_id")
        tz, _, end = utc_window(wh, seller)
        expected = (cohort_retention(daily_transactions(wh, seller, tz, end), months=10_000)
                    .filter(pl.col("cohort_month") >= FROM.replace(day=1)))
        assert mine.height == expected.height > 0
        assert mine.columns == expected.columns
        for col in ("cohort_month", "months_since_first", "active_customers", "cohort_size"):
            assert mine[col].to_list() == expected[col].to_list(), col
        assert mine["retention"].to_list() == pytest.approx(expected["retention"].to_list(), rel=1e-12)
        assert mine.filter(pl.col("months_since_first") == 0)["retention"].to_list() == [1.0] * mine[
            "cohort_month"].n_unique()


def test_rfm_segments_equal_score_customers(wh, analyst_results):
    frame = analyst_results["rfm_segments"]
    for seller in ANALYST_SELLERS:
        mine = frame.filter(pl.col("seller_id") == seller).sort("customer_id")
        tz, _, end = utc_window(wh, seller)
        days = purchase_days(wh, seller, tz, end).filter(pl.col("order_date") >= FROM)
        expected = score_customers(rfm_summary_exact(days, TO), TO).sort("customer_id")
        assert mine.height == expected.height > 50
        for col in ("customer_id", "last_order_date", "days_since_last", "purchase_days", "order_count",
                    "r_score", "f_score", "m_score", "segment"):
            assert mine[col].to_list() == expected[col].to_list(), col
        assert mine["revenue"].to_list() == pytest.approx(expected["revenue"].to_list(), rel=1e-12)
        assert set(mine["r_score"]) == set(mine["m_score"]) == {1, 2, 3, 4, 5}
        assert mine["rfm"].to_list() == mine.select(pl.concat_str("r_score", "f_score", "m_score"))[:, 0].to_list()


# ---------------------------------------------------------------------------------------------- parameters


def test_parameter_kinds_and_defaults():
    names = ["from", "to", "start", "end", "day", "n", "limit", "min_sessions", "max_price", "campaign", "ship_date"]
    kinds = workspace.parameter_kinds(names)
    assert kinds == {"from": "date", "to": "date", "start": "date", "end": "date", "day": "date", "n": "number",
                     "limit": "number", "min_sessions": "number", "max_price": "number", "campaign": "text",
                     "ship_date": "date"}
    today = date(2026, 11, 20)
    values = workspace.default_parameter_values(names, today)
    assert values["from"] == values["start"] == date(2026, 10, 21)
    assert values["to"] == values["end"] == values["day"] == values["ship_date"] == date(2026, 11, 19)
    assert values["n"] == 20 and values["limit"] == 100 and values["min_sessions"] == 20
    assert values["max_price"] == 0 and values["campaign"] == ""
    assert list(values) == names


def test_default_values_run_every_template(seller_box):
    for tpl in workspace.TEMPLATES:
        names = seller_box.check(tpl.sql).parameters
        result = seller_box.run(tpl.sql, workspace.default_parameter_values(names, date(2026, 11, 20)))
        assert result.row_count > 0, tpl.key


# ---------------------------------------------------------------------------------------------- column help


def test_column_help_covers_every_column_the_schema_browser_lists(wh):
    scoped = ScopedWarehouse(wh, Scope.all_sellers())
    try:
        schema = {t.name: [c for c, _ in t.columns] for t in list_schema(scoped, sample_rows=0)}
    finally:
        scoped.close()
    assert set(schema) == set(SCOPED_TABLES) == set(workspace.COLUMN_HELP)
    for table, columns in schema.items():
        assert list(workspace.COLUMN_HELP[table]) == columns, table          # same columns, same order
        for column, (ko, en) in workspace.COLUMN_HELP[table].items():
            assert HANGUL.search(ko), f"{table}.{column}"
            assert en.strip() and not HANGUL.search(en), f"{table}.{column}"


def test_column_help_takes_the_import_descriptions_where_they_fit():
    help_of = {kind: {name: text for name, _, _, text in cols} for kind, cols in formats.TARGETS.items()}
    assert workspace.COLUMN_HELP["sessions"]["search_keyword"][1] == help_of["sessions"]["search_keyword"]
    assert workspace.COLUMN_HELP["orders"]["status"][1] == help_of["orders"]["status"]
    assert workspace.COLUMN_HELP["order_items"]["unit_price"][1] == help_of["orders"]["unit_price"]
    assert workspace.COLUMN_HELP["ad_stats"]["conversion_revenue"][1] == help_of["ad_stats"]["conversion_revenue"]
    assert workspace.COLUMN_HELP["products"]["unit_cost"][1] == help_of["products"]["unit_cost"]
    assert workspace.COLUMN_HELP["inventory"]["on_hand"][1] == help_of["inventory"]["on_hand"]
    # stored times are UTC, whatever the import file said
    assert "UTC" in workspace.COLUMN_HELP["orders"]["ordered_at"][1]
    assert "UTC" in workspace.COLUMN_HELP["sessions"]["started_at"][0]
    assert workspace.column_help("orders", "discount", "ko").startswith("주문 단위 할인")
    assert workspace.column_help("orders", "nope", "en") == ""


# ---------------------------------------------------------------------------------------------- exports


def test_exports_round_trip_a_real_result_with_korean_text(seller_box):
    result = seller_box.run(workspace.TEMPLATES_BY_KEY["top_products"].sql, {"from": FROM, "to": TO, "n": 10})
    frame = result.frame
    assert any(HANGUL.search(n) for n in frame["product_name"])

    csv = workspace.to_csv_bytes(result.table)
    assert csv.startswith(b"\xef\xbb\xbf") and not csv[3:].startswith(b"\xef\xbb\xbf")
    assert csv.decode("utf-8-sig").splitlines()[0] == ",".join(frame.columns)
    back = pl.read_csv(io.BytesIO(csv[3:]))
    assert back["product_name"].to_list() == frame["product_name"].to_list()
    assert back["revenue"].to_list() == pytest.approx(frame["revenue"].to_list())

    back = pl.read_parquet(io.BytesIO(workspace.to_parquet_bytes(result.table)))
    assert back.equals(frame) and back.schema == frame.schema

    back = pl.read_excel(io.BytesIO(workspace.to_excel_bytes(result.table)))
    assert back.columns == frame.columns
    assert back["product_name"].to_list() == frame["product_name"].to_list()
    assert back["units"].to_list() == frame["units"].to_list()
    assert back["revenue"].to_list() == pytest.approx(frame["revenue"].to_list())


def test_exports_handle_decimals_zones_nested_values_and_nulls():
    table = pa.table({
        "상품명": ["멍냥 간식 '특가', \"한정\"", None],
        "amount": pa.array([Decimal("1234.50"), None], pa.decimal128(18, 2)),
        "day": [date(2026, 11, 1), date(2026, 11, 2)],
        "at": pa.array([datetime(2026, 11, 1, 3, 0), datetime(2026, 11, 2, 15, 30)], pa.timestamp("us", tz="UTC")),
        "tags": [["강아지", "간식"], []],
        "ok": [True, None],
    })
    csv = workspace.to_csv_bytes(table)
    back = pl.read_csv(io.BytesIO(csv[3:]))
    assert back["상품명"].to_list() == ["멍냥 간식 '특가', \"한정\"", None]
    assert back["tags"].to_list() == ['["강아지", "간식"]', "[]"]
    assert back["amount"].to_list() == [1234.5, None]

    parquet = pl.read_parquet(io.BytesIO(workspace.to_parquet_bytes(table)))
    assert parquet["amount"].dtype == pl.Decimal(18, 2) and parquet["amount"][0] == Decimal("1234.50")
    assert parquet["tags"].to_list() == [["강아지", "간식"], []]

    excel = pl.read_excel(io.BytesIO(workspace.to_excel_bytes(table)))
    assert excel["상품명"][0] == "멍냥 간식 '특가', \"한정\""
    assert excel["amount"].to_list() == [1234.5, None]
    assert excel["tags"][0] == '["강아지", "간식"]'
    assert str(excel["at"][1]).startswith("2026-11-02 15:30")      # wall-clock time of the zone (UTC here)


def test_excel_refuses_more_rows_than_a_sheet_holds():
    big = pa.table({"n": pa.array(range(workspace.EXCEL_MAX_ROWS + 1), pa.int32())})
    with pytest.raises(ValueError, match="CSV or Parquet"):
        workspace.to_excel_bytes(big)


# ---------------------------------------------------------------------------------------------- charts


def test_suggest_and_plot_daily_revenue(analyst_results, seller_box):
    two_stores = analyst_results["daily_revenue"]
    assert workspace.suggest_chart(two_stores) == ("day", "revenue", "seller_id", "line")
    one_store = run_template(seller_box, "daily_revenue")
    assert workspace.suggest_chart(one_store) == ("day", "revenue", None, "line")

    shuffled = two_stores.sample(fraction=1.0, shuffle=True, seed=3)
    fig = workspace.plot_result(shuffled, "day", "revenue", "seller_id", "line", lang="ko")
    assert {trace.name for trace in fig.data} == set(ANALYST_SELLERS)
    for trace in fig.data:
        xs = list(trace.x)
        assert xs == sorted(xs) and len(xs) == (TO - FROM).days + 1
        expected = two_stores.filter(pl.col("seller_id") == trace.name).sort("day")["revenue"].to_list()
        assert list(trace.y) == expected
    assert fig.layout.yaxis.title.text == "매출" and fig.layout.xaxis.title.text == "일자"
    fig_en = workspace.plot_result(one_store, "day", "revenue", lang="en")
    assert fig_en.layout.yaxis.title.text == "revenue" and len(fig_en.data) == 1


def test_plot_casts_decimals_and_draws_every_kind(seller_box):
    result = seller_box.run(
        "SELECT CAST(timezone('Asia/Seoul', ordered_at AT TIME ZONE 'UTC') AS DATE) AS day, channel, "
        "sum(discount + shipping_fee) AS extra FROM orders WHERE ordered_at >= $from "
        "GROUP BY ALL ORDER BY extra", {"from": datetime(2026, 11, 1)})
    frame = result.frame
    assert isinstance(frame.schema["extra"], pl.Decimal)
    x, y, color, kind = workspace.suggest_chart(frame)
    assert (x, y, kind) == ("day", "extra", "line") and color in (None, "channel")
    for kind in workspace.CHART_KINDS:
        fig = workspace.plot_result(frame, "day", "extra", "channel", kind)
        assert fig.data, kind
        assert all(isinstance(v, float) for trace in fig.data for v in trace.y), kind
        total = sum(sum(trace.y) for trace in fig.data)
        assert total == pytest.approx(float(sum(frame["extra"])), rel=1e-9)
    assert workspace.plot_result(frame, "day", "extra", kind="bar").data[0].type == "bar"
    assert workspace.plot_result(frame, "day", "extra", kind="area").data[0].stackgroup
    assert workspace.plot_result(frame, "day", "extra", kind="scatter").data[0].mode == "markers"


def test_suggest_chart_without_dates(analyst_results):
    x, y, color, kind = workspace.suggest_chart(analyst_results["top_products"])
    assert (x, y, kind) == ("sku", "revenue", "bar")
    assert color in ("seller_id", "category")           # grouping columns repeat; product_name is one per row
    roas = analyst_results["roas_by_keyword"]
    assert workspace.suggest_chart(roas)[1:] == ("spend", "seller_id", "bar")
    assert workspace.suggest_chart(roas)[0] == "platform"
    numbers = pl.DataFrame({"clicks": [1, 2, 3], "spend": [10, 20, 30]})
    assert workspace.suggest_chart(numbers) == ("clicks", "spend", None, "scatter")
    assert workspace.suggest_chart(pl.DataFrame({"keyword": ["a", "b"]})) == ("keyword", None, None, "bar")


def test_plot_result_errors_are_clear_in_both_languages(analyst_results):
    frame = analyst_results["daily_revenue"]
    with pytest.raises(ValueError, match="'revenu'.*seller_id, day, revenue"):
        workspace.plot_result(frame, "day", "revenu", lang="en")
    with pytest.raises(ValueError, match="열이 없습니다"):
        workspace.plot_result(frame, "day", "revenue", "shop")
    with pytest.raises(ValueError, match="pie"):
        workspace.plot_result(frame, "day", "revenue", kind="pie", lang="en")
    with pytest.raises(ValueError, match="행이 없어"):
        workspace.plot_result(frame.head(0), "day", "revenue")


# ---------------------------------------------------------------------------------------------- alert metric


def test_alert_metric_problem(analyst_results, seller_box):
    assert workspace.alert_metric_problem(analyst_results["daily_revenue"]) is None
    assert workspace.alert_metric_problem(run_template(seller_box, "daily_revenue")) is None
    assert "date column" in workspace.alert_metric_problem(analyst_results["top_products"], lang="en")
    no_store = analyst_results["daily_revenue"].drop("seller_id")
    assert "more than once" in workspace.alert_metric_problem(no_store, lang="en")
    assert "숫자 열" in workspace.alert_metric_problem(pl.DataFrame({"day": [date(2026, 1, 1)], "note": ["x"]}))
    assert "행이 없습니다" in workspace.alert_metric_problem(analyst_results["daily_revenue"].head(0))
