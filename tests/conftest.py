"""Shared test fixtures: real warehouse files in temp folders, no mocks of our own code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests explore a fixed sequence of examples: CI runs are repeatable, a failure reproduces locally.
hypothesis_settings.register_profile("seller-insights", derandomize=True, deadline=None)
hypothesis_settings.load_profile("seller-insights")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def users_file_template(tmp_path_factory) -> Path:
    """The demo accounts' users file, hashed once per session (bcrypt is slow on purpose)."""
    from data.users import demo_users, save_users

    path = tmp_path_factory.mktemp("users") / "users.toml"
    save_users(demo_users(), path)
    return path


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch, users_file_template):
    """Every test gets its own settings: no secrets file, warehouse, rejects, outbox and users in tmp_path."""
    import shutil

    users_file = tmp_path / "users.toml"
    shutil.copy(users_file_template, users_file)
    monkeypatch.setenv("SI_USERS_FILE", str(users_file))
    monkeypatch.setenv("SI_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("SI_DB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SI_REJECTS_DIR", str(tmp_path / "rejects"))
    monkeypatch.setenv("SI_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SI_INGEST_TOKEN", raising=False)
    yield


@pytest.fixture
def warehouse(tmp_path):
    """A fresh, empty, migrated warehouse file."""
    from data.warehouse import Warehouse

    wh = Warehouse(tmp_path / "fresh.duckdb")
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A small demo warehouse built once per test session; copy it with `demo_db`."""
    from data.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, seed=7, scale=0.3, days=120, now="2026-11-20T05:00:00")
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path) -> Path:
    """A private copy of the session's demo warehouse."""
    import shutil

    target = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_template, target)
    os.environ["SI_DB_PATH"] = str(target)
    return target


# AppTest and the pages/ folder: shared by every AppTest in the suite.
@pytest.fixture
def legacy_pages_mode():
    """Ask for AppTest's unpatched behaviour (see _navigation_pages_only)."""


@pytest.fixture(autouse=True)
def _navigation_pages_only(request, monkeypatch):
    """Make AppTest run app.py on every rerun, as the server does.

    AppTest resets `PagesManager.uses_pages_directory` before each run; with a `pages/` folder beside
    app.py it then runs the requested page file alone (Streamlit's legacy pages/ mode), skipping app.py.
    A server flips the flag once, when app.py first calls st.navigation, and keeps it. This patch
    (of Streamlit's test harness, not of our code) keeps AppTest on the server's behaviour.
    """
    if "legacy_pages_mode" in request.fixturenames:
        return
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
