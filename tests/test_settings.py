"""Settings: every setting is documented in the README, read from env and secrets.toml, secrets masked."""

from __future__ import annotations

from pathlib import Path

from data import settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from README: {missing}"


def test_environment_beats_secrets_file_beats_default(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('si_timezone = "Europe/Berlin"\nsi_language = "en"\n', encoding="utf-8")
    monkeypatch.setenv("SI_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("SI_TIMEZONE", raising=False)
    monkeypatch.delenv("SI_LANGUAGE", raising=False)
    monkeypatch.delenv("SI_SMTP_PORT", raising=False)
    assert settings.get("SI_TIMEZONE") == "Europe/Berlin"
    monkeypatch.setenv("SI_LANGUAGE", "ko")
    assert settings.get("SI_LANGUAGE") == "ko"
    assert settings.get("SI_SMTP_PORT") == "587"


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("SI_INGEST_TOKEN", "s3cret-token")
    monkeypatch.setenv("SI_SMTP_PASSWORD", "pw")
    shown = {row["name"]: row["value"] for row in settings.describe()}
    assert "s3cret-token" not in str(settings.describe())
    assert shown["SI_INGEST_TOKEN"] == "•••"
    assert shown["SI_SMTP_PASSWORD"] == "•••"


def test_server_url_outside_the_server_is_the_setting_or_its_default(tmp_path, monkeypatch):
    """The command line (no Streamlit server in this process) names SI_SERVER_URL, from the environment or the
    secrets file, without a trailing slash; unset, the default. Inside the server, unset, it is the server's own
    port: tests/test_api.py checks the links of the emails a server on a free port sends."""
    monkeypatch.delenv("SI_SERVER_URL", raising=False)
    assert not settings.is_set("SI_SERVER_URL")
    assert settings.server_url() == "http://127.0.0.1:8501"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('si_server_url = "https://shop.example.com/insights/"\n', encoding="utf-8")
    monkeypatch.setenv("SI_SECRETS_FILE", str(secrets))
    assert settings.is_set("SI_SERVER_URL")
    assert settings.server_url() == "https://shop.example.com/insights"
    monkeypatch.setenv("SI_SERVER_URL", "http://10.0.0.5:8600/")
    assert settings.server_url() == "http://10.0.0.5:8600"
