"""The HTTP API of the real server (`streamlit run app.py`): health, token-guarded ingest pushes, error answers."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import warnings

import httpx
import pytest
from e2e_server import ROOT, TEST_TOKEN, running_server
from starlette.applications import Starlette

from data.schema import LATEST_VERSION

with warnings.catch_warnings():  # starlette prefers the httpx2 fork; plain httpx (pinned) works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for the module, started on an empty folder so it builds the demo store itself, on a free port
    and without SI_SERVER_URL (as `streamlit run app.py --server.port N` on a fresh install)."""
    with running_server(tmp_path_factory.mktemp("api_server"), set_server_url=False) as running:
        yield running


def order_lines(order_id: str, *, price: int = 12900) -> list[dict]:
    """One order with two lines, Korean product names, in the canonical orders columns."""
    common = {"order_id": order_id, "ordered_at": "2026-11-20T03:15:00Z", "customer_id": "c-api-1",
              "channel": "smartstore", "status": "paid"}
    return [
        {**common, "line_no": 1, "sku": "API-SKU-1", "product_name": "강아지 간식 닭가슴살 300g", "quantity": 2,
         "unit_price": price},
        {**common, "line_no": 2, "sku": "API-SKU-2", "product_name": "고양이 모래 두부 7L", "quantity": 1,
         "unit_price": 8900},
    ]


def post(server, kind: str, *, seller: str | None = None, filename: str | None = None, headers: dict | None = None,
         **kwargs) -> httpx.Response:
    params = {key: value for key, value in (("seller", seller), ("filename", filename)) if value}
    return httpx.post(f"{server.base_url}/api/ingest/{kind}", params=params,
                      headers={**server.auth_headers(), **(headers or {})}, timeout=60.0, **kwargs)


def health(server) -> dict:
    response = httpx.get(f"{server.base_url}/api/health", timeout=10.0)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------------------------------------------------- health

def test_health_names_the_schema_version_and_the_demo_store(server):
    body = health(server)
    assert body["status"] == "ok"
    assert body["schema_version"] == LATEST_VERSION
    assert body["warehouse"] == server.db_path.name
    assert body["sellers"] >= 3  # the demo store was built on first start
    assert body["ingest_enabled"] is True
    assert server.db_path.exists()


def test_two_first_starts_at_once_build_the_demo_store_once(tmp_path):
    """Two processes starting on a missing warehouse: one builds, the other waits for it and reuses the file."""
    from data.warehouse import Warehouse

    target = tmp_path / "shared.duckdb"
    code = ("import logging, sys; from data.server import ensure_demo_warehouse; logging.basicConfig(level='INFO'); "
            "print(ensure_demo_warehouse(sys.argv[1], scale=0.05, days=30, now='2026-11-20T05:00:00'))")
    env = {**os.environ, "SI_DEMO_SEED": "11"}
    starts = [subprocess.Popen([sys.executable, "-c", code, str(target)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in starts]
    for proc, (out, err) in zip(starts, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == str(target.resolve())
    assert sum(err.count("building the demo store") for _, err in outputs) == 1  # one built, one waited
    built = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("shared"))
    assert built == ["shared.duckdb", "shared.duckdb.lock"]  # no half-built file
    wh = Warehouse(target, read_only=True)
    try:
        assert wh.scalar("SELECT count(*) FROM sellers") == 3
    finally:
        wh.close()


# ---------------------------------------------------------------------------------------------------------- tokens

def test_ingest_without_a_token_is_refused(server):
    response = httpx.post(f"{server.base_url}/api/ingest/orders", params={"seller": "petshop_kr"},
                          json=order_lines("NO-TOKEN-1"), timeout=10.0)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-the-token", f"Basic {TEST_TOKEN}", f"Bearer {TEST_TOKEN}x", "Bearer"])
def test_ingest_with_a_wrong_token_is_refused(server, header):
    response = httpx.post(f"{server.base_url}/api/ingest/orders", params={"seller": "petshop_kr"},
                          json=order_lines("BAD-TOKEN-1"), headers={"Authorization": header}, timeout=10.0)
    assert response.status_code == 401
    assert TEST_TOKEN not in response.text


def test_ingest_is_switched_off_when_no_token_is_configured(tmp_path):
    """The real routes in a bare Starlette app; the conftest removed SI_INGEST_TOKEN from the environment."""
    from data.server import api_routes
    from data.warehouse import close_warehouse

    assert "SI_INGEST_TOKEN" not in os.environ
    try:
        with TestClient(Starlette(routes=api_routes())) as client:
            for headers in ({}, {"Authorization": "Bearer anything"}):
                response = client.post("/api/ingest/orders?seller=petshop_kr", json=order_lines("OFF-1"),
                                       headers=headers)
                assert response.status_code == 403
                assert "switched off" in response.json()["message"]
                assert "SI_INGEST_TOKEN" in response.json()["message"]
            body = client.get("/api/health").json()
            assert body["ingest_enabled"] is False
            assert body["sellers"] == 0  # nothing was loaded by the refused pushes
    finally:
        close_warehouse()


def test_bodies_over_the_size_limit_are_refused_before_parsing(monkeypatch):
    from data import server as server_module
    from data.warehouse import close_warehouse

    monkeypatch.setenv("SI_INGEST_TOKEN", TEST_TOKEN)
    monkeypatch.setattr(server_module, "MAX_BODY_BYTES", 1000)
    try:
        with TestClient(Starlette(routes=server_module.api_routes())) as client:
            big = json.dumps(order_lines("BIG-1") * 20).encode()
            assert len(big) > 1000
            response = client.post("/api/ingest/orders?seller=petshop_kr", content=big,
                                   headers={"Authorization": f"Bearer {TEST_TOKEN}",
                                            "Content-Type": "application/json"})
            assert response.status_code == 413
            assert "limit" in response.json()["message"]

            def chunks():  # no Content-Length: the limit is enforced while reading
                yield big[:600]
                yield big[600:]

            response = client.post("/api/ingest/orders?seller=petshop_kr", content=chunks(),
                                   headers={"Authorization": f"Bearer {TEST_TOKEN}",
                                            "Content-Type": "application/json"})
            assert response.status_code == 413
    finally:
        close_warehouse()


# ---------------------------------------------------------------------------------------------------- good pushes

def test_a_pushed_order_is_in_the_warehouse_when_the_response_returns(server):
    seller = f"api_kr_{uuid.uuid4().hex[:6]}"
    sellers_before = health(server)["sellers"]

    first = post(server, "orders", json={"seller_id": seller, "records": order_lines("API-ORDER-1")})
    assert first.status_code == 200, first.text
    loaded = first.json()
    assert loaded["status"] == "loaded"
    assert loaded["rows_loaded"] == 2
    assert loaded["rows_duplicate"] == 0
    assert loaded["rows_rejected"] == 0
    assert isinstance(loaded["load_id"], int)
    assert loaded["problems"] == []

    # committed before the response: the new seller is counted and a repeat push finds both lines already there
    assert health(server)["sellers"] == sellers_before + 1
    again = post(server, "orders", seller=seller, json=order_lines("API-ORDER-1"))
    assert again.status_code == 200, again.text
    assert again.json()["rows_loaded"] == 0
    assert again.json()["rows_duplicate"] == 2
    assert again.json()["status"] == "nothing_new"


def test_a_csv_body_is_loaded(server):
    seller = f"api_csv_{uuid.uuid4().hex[:6]}"
    csv_text = ("order_id,line_no,ordered_at,sku,product_name,quantity,unit_price,status\n"
                "CSV-1,1,2026-11-20 04:00:00,CSV-SKU-1,유기농 원두 200g,1,15000,paid\n"
                "CSV-1,2,2026-11-20 04:00:00,CSV-SKU-2,드립백 10개입,3,9000,paid\n"
                "CSV-2,1,2026-11-20 05:30:00,CSV-SKU-1,유기농 원두 200g,2,15000,paid\n")
    response = post(server, "orders", seller=seller, content=csv_text.encode("utf-8"),
                    headers={"Content-Type": "text/csv; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "loaded"
    assert response.json()["rows_loaded"] == 3

    # the same rows as a CP949 file (how Korean spreadsheets save CSV), sent as bytes with a file name
    response = post(server, "orders", seller=seller, filename="주문-cp949.csv", content=csv_text.encode("cp949"),
                    headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    assert response.json()["rows_duplicate"] == 3  # same Korean names decoded: recognised as the same lines
    assert response.json()["rows_loaded"] == 0


def test_a_smart_store_marketing_download_is_loaded_as_daily_visits(server):
    seller = f"api_visits_{uuid.uuid4().hex[:6]}"
    body = (ROOT / "examples" / "smartstore_marketing_by_day.csv").read_text(encoding="utf-8").encode("cp949")
    response = post(server, "traffic_stats", seller=seller, filename="마케팅분석.csv", content=body,
                    headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["status"], result["format"], result["rows_loaded"]) == ("loaded", "smartstore_marketing", 12)
    assert result["totals"]["device_total_rows"] == 6


def test_password_protected_smart_store_workbook_with_its_password_header(server, tmp_path):
    from test_ingest_smartstore import encrypted_export

    body = encrypted_export(tmp_path, "header-pw").read_bytes()
    seller = f"ss_{uuid.uuid4().hex[:6]}"
    kwargs = {"seller": seller, "filename": "주문.xlsx", "content": body}
    response = post(server, "orders", headers={"Content-Type": "application/octet-stream"}, **kwargs)
    assert response.status_code == 422 and "password-protected" in response.text
    response = post(server, "orders", headers={"Content-Type": "application/octet-stream",
                                               "X-File-Password": "header-pw"}, **kwargs)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "loaded" and response.json()["format"] == "smartstore"


# ------------------------------------------------------------------------------------------------------ bad pushes

def test_invalid_json_is_a_400_naming_the_problem(server):
    response = post(server, "orders", seller="petshop_kr", content=b'{"records": [{"order_id": "X",}]}',
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]
    assert "line 1" in response.json()["message"]


def test_unknown_kind_is_a_400_listing_the_kinds(server):
    response = post(server, "refunds", seller="petshop_kr", json=order_lines("KIND-1"))
    assert response.status_code == 400
    message = response.json()["message"]
    assert "refunds" in message and "orders" in message and "ad_stats" in message


def test_a_push_without_a_seller_is_a_400(server):
    response = post(server, "orders", json=order_lines("NOSELLER-1"))
    assert response.status_code == 400
    assert "seller" in response.json()["message"]


def test_missing_required_fields_are_rejected_with_the_column_named(server):
    lines = order_lines("MISSING-1")
    for line in lines:
        del line["order_id"]
    response = post(server, "orders", seller="petshop_kr", json=lines)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == "rejected"
    assert body["rows_loaded"] == 0
    assert any(p["column"] == "order_id" or "order_id" in p["reason"] for p in body["problems"]), body["problems"]


def test_a_negative_price_is_rejected_with_the_row_and_column(server):
    response = post(server, "orders", seller="petshop_kr", json=order_lines("NEGATIVE-1", price=-500))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == "rejected"
    assert body["rows_loaded"] == 0
    problem = next(p for p in body["problems"] if p["column"] == "unit_price")
    assert problem["row"] == 1
    assert "-500" in str(problem["value"])
    # a rejected push leaves nothing behind: the valid second line of that order was not loaded either
    retry = post(server, "orders", seller="petshop_kr", json=order_lines("NEGATIVE-1"))
    assert retry.status_code == 200, retry.text
    assert retry.json()["rows_loaded"] == 2


@pytest.mark.parametrize("body, content_type, expected", [
    (b"", "application/json", "empty"),
    (b'"just a string"', "application/json", "must be an object"),
    (b'{"seller_id": "petshop_kr"}', "application/json", "records"),
    (b'{"seller_id": "petshop_kr", "records": []}', "application/json", "empty"),
    (b'{"seller_id": "petshop_kr", "records": [1, 2]}', "application/json", "not a JSON object"),
    (b"order_id,line_no\n1,1\n", "application/octet-stream", "filename"),
    (b"<xml/>", "application/xml", "Content-Type"),
])
def test_malformed_bodies_are_4xx_with_a_message(server, body, content_type, expected):
    response = post(server, "orders", seller="petshop_kr", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert expected in response.json()["message"]


# ------------------------------------------------------------------------------------------- the CLI meets the server

def test_emails_sent_by_a_server_on_another_port_link_to_that_port(server):
    """The demo store's missed morning checks run at the first start and write their emails to the outbox (no SMTP
    server configured). With SI_SERVER_URL unset, their links name the port the server runs on, not 8501."""
    outbox = server.db_path.parent / "outbox"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not list(outbox.glob("*.eml")):
        time.sleep(0.5)
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(outbox.glob("*.eml"))]
    assert messages, f"no email in {outbox} within 180 s"
    for message in messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = re.findall(r"https?://[^\s)>\]]+", text)
        assert links, text
        assert all(link.startswith(server.base_url + "/") for link in links), (server.base_url, links)


def test_the_cli_stops_with_a_message_while_the_server_holds_the_warehouse(server, tmp_path):
    csv_path = tmp_path / "orders.csv"
    csv_path.write_text("order_id,line_no,ordered_at,sku,product_name,quantity,unit_price,status\n"
                        "CLI-1,1,2026-11-20 04:00:00,SKU-1,강아지 사료 2kg,1,25000,paid\n", encoding="utf-8")
    env = {**os.environ, "SI_DB_PATH": str(server.db_path)}
    done = subprocess.run([sys.executable, "-m", "data", "ingest", str(csv_path), "--seller", "petshop_kr",
                           "--kind", "orders", "--db", str(server.db_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "in use by process" in done.stderr
    assert str(server.pid) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# ---------------------------------------------------------------------------------------------- last: stop and look

def test_pushed_rows_are_in_the_file_after_the_server_stops(server):
    """Runs last in this module: it stops the module's server to open the file itself."""
    from data.warehouse import Warehouse

    seller = f"api_stop_{uuid.uuid4().hex[:6]}"
    response = post(server, "orders", seller=seller, json=order_lines("STOP-ORDER-1"))
    assert response.status_code == 200, response.text
    load_id = response.json()["load_id"]

    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: exit code 0 or -SIGTERM
    assert server.stop() in (0, -signal.SIGTERM), server.log_text()[-3000:]
    assert f"{server.db_path.name} closed." in server.log_text()  # the lifespan's shutdown ran
    wh = Warehouse(server.db_path)
    try:
        lines = wh.sql("SELECT line_no, product_name, quantity, CAST(unit_price AS DOUBLE) AS unit_price "
                       "FROM order_items WHERE seller_id = ? AND order_id = ? ORDER BY line_no",
                       [seller, "STOP-ORDER-1"])
        assert lines.rows() == [(1, "강아지 간식 닭가슴살 300g", 2, 12900.0), (2, "고양이 모래 두부 7L", 1, 8900.0)]
        assert wh.scalar("SELECT count(*) FROM orders WHERE seller_id = ?", [seller]) == 1
        assert wh.scalar("SELECT rows_loaded FROM loads WHERE load_id = ?", [load_id]) == 2
    finally:
        wh.close()
