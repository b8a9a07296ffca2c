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
