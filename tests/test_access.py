"""Who sees what: the sign-in routes and cookie, every page as a seller / analyst / admin, reports through a
scoped warehouse, API pushes with personal tokens. Isolation is the data layer's (data/scope.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data import sessions, users
from data.server import api_routes
from data.warehouse import open_warehouse

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = "2026-11-20T05:00:00"
PAGES = ("home", "realtime", "products", "traffic", "ads", "customers", "alerts", "data")
STORES = {"petshop_kr": "멍냥마켓", "coffee_kr": "오늘의원두", "outdoor_us": "Trailhead Gear"}


def _app(user: str | None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    if user:
        app.session_state["auth_user"] = user
    app.session_state["as_of_utc"] = AS_OF
    return app.run()


# ---------------------------------------------------------------- signed out

def test_signed_out_sees_only_the_sign_in_page(demo_db):
    app = _app(None)
    assert not app.exception
    assert [x.value for x in app.title] == ["로그인"]
    assert not [s for s in app.sidebar.selectbox if s.key == "seller_id"]           # no store, no data
    assert any("admin-demo" in i.value for i in app.info)                           # the demo accounts are listed
    with pytest.raises(ValueError, match="Known pages: \\['로그인'\\]"):            # the only page there is
        app.switch_page("pages/home.py")


def test_a_page_run_alone_without_a_user_shows_the_sign_in_page(demo_db):
    app = AppTest.from_file(str(ROOT / "pages" / "products.py"), default_timeout=60)
    app.run()
    assert [x.value for x in app.title] == ["로그인"]
    assert not app.dataframe


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize(("user", "stores"), [
    ("petshop", ["petshop_kr"]),
    ("analyst", ["coffee_kr", "petshop_kr"]),
    ("admin", ["coffee_kr", "outdoor_us", "petshop_kr"]),
])
def test_each_role_sees_only_its_stores_on_every_page(demo_db, user, stores):
    app = _app(user)
    assert not app.exception
    selector = app.sidebar.selectbox(key="seller_id")
    assert sorted(selector.options) == sorted(STORES[s] for s in stores)
    for page in PAGES:
        app.switch_page(f"pages/{page}.py").run()
        assert not app.exception, (user, page, app.exception)
        shown = " ".join(str(getattr(e, "value", "")) for e in (*app.caption, *app.markdown, *app.title))
        for other, name in STORES.items():
            if other not in stores:
                assert name not in shown, (user, page, other)


def test_a_seller_cannot_pick_another_store_by_session_state(demo_db):
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["auth_user"] = "petshop"
    app.session_state["as_of_utc"] = AS_OF
    app.session_state["seller_id"] = "coffee_kr"           # as if a crafted widget value arrived
    app.run()
    assert not app.exception
    assert app.session_state["seller_id"] == "petshop_kr"
    app.switch_page("pages/data.py").run()
    frames = " ".join(str(df.value) for df in app.dataframe)
    assert "coffee_kr" not in frames


def test_a_removed_user_is_signed_out_at_once(demo_db):
    app = _app("coffee")
    assert [x.value for x in app.title] != ["로그인"]
    known = users.load_users()
    del known["coffee"]
    users.save_users(known)
    app.run()
    assert [x.value for x in app.title] == ["로그인"]


# ---------------------------------------------------------------- the sign-in routes

def test_sign_in_sets_a_signed_cookie_and_wrong_passwords_are_refused():
    with TestClient(Starlette(routes=api_routes())) as client:
        form = client.get("/auth/login?lang=ko")
        assert form.status_code == 200 and "로그인" in form.text and 'type="password"' in form.text
        wrong = client.post("/auth/login", data={"username": "petshop", "password": "nope", "next": "/"},
                            follow_redirects=False)
        assert wrong.status_code == 401 and "맞지 않습니다" in wrong.text
        assert sessions.COOKIE not in wrong.cookies
        ok = client.post("/auth/login", data={"username": "petshop", "password": "petshop-demo",
                                              "next": "/products"}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/products"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert sessions.verify(ok.cookies[sessions.COOKIE]) == "petshop"
        away = client.post("/auth/login", data={"username": "petshop", "password": "petshop-demo",
                                                "next": "//evil.example/x"}, follow_redirects=False)
        assert away.headers["location"] == "/"                                     # no open redirect
        out = client.get("/auth/logout", follow_redirects=False)
        assert out.status_code == 303 and sessions.COOKIE in out.headers["set-cookie"]


def test_session_tokens_are_signed_and_expire():
    token = sessions.issue("analyst", now=1_000_000)
    assert sessions.verify(token, now=1_000_001) == "analyst"
    assert sessions.verify(token, now=1_000_000 + sessions.LIFETIME_SECONDS + 1) is None
    name, expires, signature = token.split(".")
    forged = f"{sessions.issue('admin', now=1_000_000).split('.')[0]}.{expires}.{signature}"
    assert sessions.verify(forged, now=1_000_001) is None
    for junk in (None, "", "a.b", "x.y.z", "..", "a|b|c"):
        assert sessions.verify(junk) is None


# ---------------------------------------------------------------- API tokens follow the same grants

def test_personal_api_tokens_write_only_to_granted_stores(demo_db):
    token = users.new_api_token()
    known = users.load_users()
    petshop = known["petshop"]
    known["petshop"] = users.User(petshop.username, petshop.name, petshop.role, petshop.sellers,
                                  petshop.password_hash, users.token_digest(token))
    users.save_users(known)
    line = [{"order_id": "TOKEN-1", "ordered_at": "2026-11-20T03:15:00Z", "sku": "T-1", "product_name": "토큰 테스트",
             "quantity": 1, "unit_price": 1000}]
    with TestClient(Starlette(routes=api_routes())) as client:
        auth = {"Authorization": f"Bearer {token}"}
        mine = client.post("/api/ingest/orders?seller=petshop_kr", json=line, headers=auth)
        assert mine.status_code == 200, mine.text
        theirs = client.post("/api/ingest/orders?seller=coffee_kr", json=line, headers=auth)
        assert theirs.status_code == 403 and "may not write" in theirs.json()["message"]
        wrong = client.post("/api/ingest/orders?seller=petshop_kr", json=line,
                            headers={"Authorization": "Bearer si_not-a-token"})
        assert wrong.status_code == 401


# ---------------------------------------------------------------- command lines with --user

def _cli(*args: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SI_PASSWORD": password})


def test_command_lines_respect_the_users_grants(demo_db):
    report = ("-m", "analytics", "kpis", "--as-of", "2026-11-20", "--json", "--db", str(demo_db))
    own = _cli(*report, "--seller", "petshop_kr", "--user", "petshop", password="petshop-demo")
    assert own.returncode == 0, own.stderr
    other = _cli(*report, "--seller", "coffee_kr", "--user", "petshop", password="petshop-demo")
    assert other.returncode == 2 and "may not see store 'coffee_kr'" in other.stderr
    wrong = _cli(*report, "--seller", "petshop_kr", "--user", "petshop", password="guess")
    assert wrong.returncode == 2 and "Wrong user name or password" in wrong.stderr and "Traceback" not in wrong.stderr
    query = ("-m", "data", "query", "--db", str(demo_db), "--format", "csv", "--user", "analyst",
             "SELECT DISTINCT seller_id FROM orders ORDER BY 1")
    granted = _cli(*query, "--seller", "petshop_kr,coffee_kr", password="analyst-demo")
    assert granted.returncode == 0, granted.stderr
    assert granted.stdout.split() == ["seller_id", "coffee_kr", "petshop_kr"]
    refused = _cli(*query, "--seller", "outdoor_us", password="analyst-demo")
    assert refused.returncode == 2 and "may not see store 'outdoor_us'" in refused.stderr


# ---------------------------------------------------------------- the admin page

def test_only_admins_get_the_admin_page_and_it_manages_users(demo_db):
    seller = _app("petshop")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        seller.switch_page("pages/admin.py")
    app = _app("admin")
    app.switch_page("pages/admin.py").run()
    assert not app.exception
    assert [x.value for x in app.title] == ["관리"]
    assert any("데모 계정" in w.value for w in app.warning)
    app.text_input(key="admin_username").set_value("kim")
    app.text_input(key="admin_name").set_value("김 매니저")
    app.selectbox(key="admin_role").set_value("seller")
    app.multiselect(key="admin_stores").set_value(["coffee_kr"])
    app.text_input(key="admin_password").set_value("kim-secret-1")
    next(b for b in app.button if b.label == "저장").click().run()
    assert not app.error, [e.value for e in app.error]
    kim = users.authenticate("kim", "kim-secret-1")
    assert kim is not None and kim.role == "seller" and kim.sellers == ("coffee_kr",)
    app.selectbox(key="admin_target").set_value("kim").run()
    app.button(key="admin_new_token").click().run()
    token = app.code[0].value
    assert users.user_for_token(token).username == "kim"
    app.selectbox(key="admin_target").set_value("admin").run()
    app.button(key="admin_remove").click().run()
    assert any("last admin" in e.value for e in app.error)            # the last admin stays
    secrets_shown = " ".join(str(df.value) for df in app.dataframe)
    assert "admin-demo" not in secrets_shown and "$2b$" not in secrets_shown


# ---------------------------------------------------------------- streamed exports follow the same grants

def test_a_streamed_export_has_every_row_of_the_users_stores_only(demo_db):
    import io

    import polars as pl
    import pyarrow.parquet as pq

    from data import exports

    sql = "SELECT seller_id, order_id, ordered_at FROM orders WHERE ordered_at >= $from ORDER BY order_id"
    params = {"from": "2026-01-01"}
    with TestClient(Starlette(routes=api_routes())) as client:
        client.post("/auth/login", data={"username": "analyst", "password": "analyst-demo", "next": "/"},
                    follow_redirects=False)
        csv_token = exports.register_export("analyst", sql, params, "csv")
        got = client.get(f"/api/export/{csv_token}")
        assert got.status_code == 200 and got.content.startswith("\ufeff".encode())
        frame = pl.read_csv(io.BytesIO(got.content[3:]))
        assert set(frame["seller_id"]) == {"petshop_kr", "coffee_kr"}          # analyst: never outdoor_us
        expected = open_warehouse().scalar("SELECT count(*) FROM orders WHERE seller_id IN ('petshop_kr', "
                                           "'coffee_kr') AND ordered_at >= '2026-01-01'")   # the route's handle
        assert frame.height == expected > 50_000 // 50                       # every row, no cap
        parquet = client.get(f"/api/export/{exports.register_export('analyst', sql, params, 'parquet')}")
        assert pq.read_table(io.BytesIO(parquet.content)).num_rows == expected
        # someone else's link, an unknown link, a refused query
        assert client.get(f"/api/export/{exports.register_export('admin', sql, params, 'csv')}").status_code == 403
        assert client.get("/api/export/nope").status_code == 404
        bad = exports.register_export("analyst", "SELECT * FROM read_csv('/etc/passwd')", {}, "csv")
        assert client.get(f"/api/export/{bad}").status_code == 400


def test_repeated_wrong_passwords_lock_the_name_for_a_while():
    from data import server

    server._login_failures.clear()
    with TestClient(Starlette(routes=api_routes())) as client:
        for _ in range(server.LOGIN_MAX_FAILURES):
            assert client.post("/auth/login", data={"username": "coffee", "password": "guess"},
                               follow_redirects=False).status_code == 401
        locked = client.post("/auth/login", data={"username": "coffee", "password": "coffee-demo"},
                             follow_redirects=False)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0   # even the right password
        other = client.post("/auth/login", data={"username": "petshop", "password": "petshop-demo"},
                            follow_redirects=False)
        assert other.status_code == 303                                          # other names are not locked
    server._login_failures.clear()
