"""The loader's problems on the data page in Korean: every text a bad upload produces is translated, and every
translation rule matches a text the loader really writes (so a reworded English text fails here, not silently)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest

from analytics import ingest_text
from analytics.ingest_text import is_translated, problem_text
from data.ingest import ingest_bytes, preview_file
from data.warehouse import Warehouse, ensure_seller

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
HANGUL = re.compile(r"[가-힣]")
CLI_OPTIONS = ("--map", "--kind", "--skip-invalid", "--format")

ORDERS_HEADER = "order_id,line_no,ordered_at,sku,product_name,quantity,unit_price,status,line_type\n"
BAD_ORDERS = (ORDERS_HEADER +
              "A-1,1,2026-11-01 09:00,S1,사료,1,1000,paid,product\n"        # row 1: good
              "A-2,1,2026-11-01 09:00,S1,,1,1000,paid,product\n"            # 2: required value missing
              "A-3,1,2026-11-01 09:00,S1,사료,1.5,1000,paid,product\n"      # 3: not a whole number
              "A-4,1,2026-11-01 09:00,S1,사료,1,abc,paid,product\n"         # 4: not a number
              "A-5,1,2026-11-01 09:00,S1,사료,1,1e20,paid,product\n"        # 5: number too large (money)
              "A-6,1,언젠가,S1,사료,1,1000,paid,product\n"                   # 6: not a date/time
              "A-7,1,2026-11-01 09:00,S1,사료,1,-5,paid,product\n"          # 7: negative unit price
              "A-8,1,2026-11-01 09:00,S1,사료,-1,1000,paid,product\n"       # 8: negative quantity
              "A-9,1,2026-11-01 09:00,S1,사료,1,1000,weird,product\n"       # 9: unknown status
              "A-10,1,2026-11-01 09:00,S1,사료,1,1000,paid,gift\n"          # 10: unknown line type
              "A-1,1,2026-11-01 09:00,S1,사료,1,1000,paid,product\n"        # 11: exact duplicate of row 1
              "A-11,1,2026-11-01 09:00,S1,사료,1,1000,paid,product\n"       # 12
              "A-11,1,2026-11-01 09:00,S2,간식,1,2000,paid,product\n"       # 13: same key as row 12
              "A-12,1,2026-11-01 09:00,S1,사료,99999999999,1000,paid,product\n"   # 14: number too large (count)
              "A-13,1,2026-11-01 09:00,S1,사료,1,1000,paid,product\n"       # 15
              "A-13,2,2026-11-01 09:00,S1,사료,x,1000,paid,product\n"       # 16: its order is set aside
              "A-14,1,2026-11-01 09:00,S1,사료,1,1000,paid,product,extra\n")  # 17: ragged line


def _google_without_days() -> bytes:
    frame = pl.read_csv(FIXTURES / "google_ads" / "search_keyword_report.csv", infer_schema=False, skip_rows=2)
    day = next(c for c in frame.columns if c.lower() == "day")
    out = io.BytesIO()
    frame.drop(day).write_csv(out)
    return out.getvalue()


def _marketing_without_days() -> bytes:
    frame = pl.read_csv(FIXTURES / "smartstore_marketing" / "search_channel_by_day.csv", infer_schema=False)
    out = io.BytesIO()
    frame.drop("날짜").write_csv(out)
    return out.getvalue()


def _meta(change) -> bytes:
    frame = pl.read_csv(FIXTURES / "meta_ads" / "ads_manager_export.csv", infer_schema=False)
    out = io.BytesIO()
    change(frame).write_csv(out)
    return out.getvalue()


def _google_currencies(*codes: str) -> bytes:
    frame = pl.read_csv(FIXTURES / "google_ads" / "search_keyword_report.csv", infer_schema=False, skip_rows=2)
    out = io.BytesIO()
    frame.with_columns(pl.Series("Currency code", [codes[i % len(codes)] for i in range(frame.height)])
                       ).write_csv(out)
    return out.getvalue()


def _empty_workbook() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    book.add_worksheet("비어 있음")
    book.close()
    return out.getvalue()


# (what the upload is, bytes, file name, kind, format, mapping, skip_invalid)
CASES = [
    ("good orders", (EXAMPLES / "orders.csv").read_bytes(), "o.csv", "orders", "auto", None, False),
    ("good orders again", (EXAMPLES / "orders.csv").read_bytes(), "o.csv", "orders", "auto", None, False),
    ("bad orders", BAD_ORDERS.encode(), "bad.csv", "orders", "auto", None, False),
    ("bad orders, valid rows only", BAD_ORDERS.encode(), "bad.csv", "orders", "auto", None, True),
    ("only bad rows", (ORDERS_HEADER + "A-1,1,2026-11-01,S1,x,x,1,paid,product\n").encode(), "bad.csv",
     "orders", "auto", None, True),
    ("bad claim type", b"return_id,returned_at,quantity,amount,claim_type\nR-1,2026-11-01,1,100,lost\n", "r.csv",
     "returns", "auto", None, False),
    ("bad hour", b"stat_date,stat_hour,platform,campaign,cost\n2026-11-01,25,naver,C,100\n", "a.csv",
     "ad_stats", "auto", None, False),
    ("two currencies", _google_currencies("KRW", "USD"), "g.csv", "ad_stats", "google_ads", None, False),
    ("another currency", _meta(lambda f: f.rename({"Amount spent (KRW)": "Amount spent (USD)"})), "meta.csv",
     "ad_stats", "meta_ads", None, False),
    ("meta period rows", _meta(lambda f: f.drop("Day")), "meta.csv", "ad_stats", "meta_ads", None, False),
    ("unknown layout", b"a,b,c\n1,2,3\n", "x.csv", "orders", "auto", None, False),
    ("shopify as returns", (EXAMPLES / "shopify_orders_export.csv").read_bytes(), "s.csv", "returns", "shopify",
     None, False),
    ("marketing as orders", (EXAMPLES / "smartstore_marketing_by_day.csv").read_bytes(), "m.csv", "orders",
     "smartstore_marketing", None, False),
    ("marketing without days", _marketing_without_days(), "m.csv", "traffic_stats", "auto", None, False),
    ("google as orders", (EXAMPLES / "google_ads_search_keyword_report.csv").read_bytes(), "g.csv", "orders",
     "google_ads", None, False),
    ("google without days", _google_without_days(), "g.csv", "ad_stats", "google_ads", None, False),
    ("canonical missing columns", b"order_id,sku\n1,2\n", "x.csv", "orders", "canonical", None, False),
    ("mapping missing a column", b"order_id,sku\n1,2\n", "x.csv", "orders", "mapped", {"order_id": "order_id"},
     False),
    ("mapping a column not in the file", b"order_id,sku\n1,2\n", "x.csv", "orders", "mapped", {"order_id": "nope"},
     False),
    ("mapping an unknown target", b"order_id,sku\n1,2\n", "x.csv", "orders", "mapped", {"bogus": "sku"}, False),
    ("not shopify", (EXAMPLES / "orders.csv").read_bytes(), "o.csv", "orders", "shopify", None, False),
    ("header only", ORDERS_HEADER.encode(), "x.csv", "orders", "auto", None, False),
    ("empty", b"", "x.csv", "orders", "auto", None, False),
    ("binary", b"\x00\x01\x02PK\x00\x00" * 50, "x.csv", "orders", "auto", None, False),
    ("neither encoding", b"a,b\n\x80\xff\xfe,1\n", "x.csv", "orders", "auto", None, False),
    ("broken utf-16", b"\xff\xfea\x00,\x00b\x00\n\x00\x00\xd8", "x.csv", "orders", "auto", None, False),
    ("broken quotes", b'a,b\n"1,2\n3,4\n', "x.csv", "orders", "auto", None, False),
    ("garbage parquet", b"not parquet at all", "x.parquet", "orders", "auto", None, False),
    ("garbage xlsx", b"not a workbook", "x.xlsx", "orders", "auto", None, False),
    ("empty workbook", _empty_workbook(), "x.xlsx", "orders", "auto", None, False),
    ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "x.xls", "orders", "auto", None, False),
]


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    """Every case through the page's two entry points: ingest_bytes (the load) and preview_file (the preview)."""
    folder = tmp_path_factory.mktemp("ingest_text")
    wh = Warehouse(folder / "t.duckdb")
    with wh.transaction() as cur:
        ensure_seller(cur, "shop", timezone_name="Asia/Seoul", currency="KRW")
    texts: dict[str, list[str]] = {}
    for name, body, filename, kind, fmt, mapping, skip in CASES:
        result = ingest_bytes(wh, body, filename=filename, seller_id="shop", kind=kind, fmt=fmt, mapping=mapping,
                              skip_invalid=skip, rejects_dir=folder)
        preview = preview_file(body, filename=filename, kind=kind, fmt=fmt, mapping=mapping)
        found = [p.reason for p in [*result.problems, *preview.problems]]
        found += [result.message] if result.message else []       # (a success's message is in the load log)
        texts[name] = [text for text in found if text]
    texts["bad seller id"] = [ingest_bytes(wh, BAD_ORDERS.encode(), filename="x.csv", seller_id="no spaces!",
                                           kind="orders").message]
    from test_ingest_smartstore import encrypted_export
    body = encrypted_export(folder, "pw-1").read_bytes()
    texts["password needed"] = [ingest_bytes(wh, body, filename="x.xlsx", seller_id="shop", kind="orders").message]
    texts["wrong password"] = [ingest_bytes(wh, body, filename="x.xlsx", seller_id="shop", kind="orders",
                                            password="nope").message]
    yield texts
    wh.close()


def test_every_problem_a_bad_upload_produces_has_a_korean_text(loads):
    untranslated = sorted({text for found in loads.values() for text in found if not is_translated(text)})
    assert untranslated == []
    for found in loads.values():
        for text in found:
            korean = problem_text(text, "ko")
            assert HANGUL.search(korean), text
            assert not any(option in korean for option in CLI_OPTIONS), korean   # the page's controls instead
            assert problem_text(text, "en") == text                            # English is the loader's text


def test_every_rule_matches_a_text_the_loader_writes(loads):
    """A rule no case reaches is either dead or no longer matches the loader's English (reworded there)."""
    texts = [text for found in loads.values() for text in found]
    unused = [pattern.pattern for pattern, _ in ingest_text._RULES
              if not any(pattern.fullmatch(text) for text in texts)]
    assert unused == [], unused


def test_korean_texts_keep_row_numbers_columns_and_values(loads):
    by_reason = {text: problem_text(text, "ko") for text in loads["bad orders"]}
    assert by_reason["exact duplicate of row 1"] == "1행과 완전히 같은 줄"
    assert by_reason["same order_id, line_no as row 12"] == "12행과 같은 order_id, line_no"
    rejected = next(text for text in loads["bad orders"] if text.startswith("Rejected:"))
    counts = re.match(r"Rejected: (\d+) problem\(s\) in (\d+) of (\d+) rows", rejected).groups()
    korean = problem_text(rejected, "ko")
    assert f"{counts[2]}행 중 {counts[1]}행에서 문제 {counts[0]}건" in korean
    assert "잘못된 행은 건너뛰고 나머지를 적재" in korean                    # the checkbox's own label
    unknown = problem_text(next(t for t in loads["unknown layout"] if t.startswith("Unrecognised")), "ko")
    assert unknown.startswith("주문 파일의 형식을 알아보지 못했습니다. 없는 필수 열: order_id, ordered_at, sku")
    assert "파일의 열: a, b, c." in unknown and "(이)" not in unknown
    assert problem_text(loads["shopify as returns"][0], "ko") == (
        "Shopify 내보내기 파일은 주문입니다: 데이터 종류를 '주문'으로 골라 주세요.")


def test_the_load_log_message_in_korean(loads):
    assert loads["good orders"][-1] == "loaded 5, skipped 0 already loaded, rejected 0"
    assert problem_text(loads["good orders again"][-1], "ko") == "0행 적재, 이미 있던 5행 건너뜀, 0행 거부"


def test_a_text_without_a_rule_is_shown_as_written():
    assert problem_text("Something new went wrong.", "ko") == "Something new went wrong."
    assert problem_text(None, "ko") is None
