"""Settings: one declarative table (name, default, help), read from the environment and .streamlit/secrets.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable name; the secrets.toml key is the same name in lower case
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("SI_DB_PATH", "warehouse/seller_insights.duckdb",
            "Path of the DuckDB warehouse file (relative paths are relative to the project folder)."),
    Setting("SI_INGEST_TOKEN", "",
            "Bearer token for POST /api/ingest/<kind>. Empty: the ingest API is switched off.", secret=True),
    Setting("SI_SERVER_URL", "http://127.0.0.1:8501",
            "Where the running server answers: the links in alert emails, and the API address the command line "
            "names when the server holds the warehouse. Unset, the server links to its own port."),
    Setting("SI_TIMEZONE", "Asia/Seoul", "Default time zone for new sellers (IANA name)."),
    Setting("SI_LANGUAGE", "ko", "Default UI language: ko or en."),
    Setting("SI_REJECTS_DIR", "warehouse/rejects",
            "Folder where rows set aside by --skip-invalid are written as CSV, one file per load."),
    Setting("SI_DEMO_SEED", "42", "Seed of the demo store built on first start."),
    Setting("SI_SMTP_HOST", "", "SMTP server for alert emails. Empty: emails are written to the outbox folder."),
    Setting("SI_SMTP_PORT", "587", "SMTP port."),
    Setting("SI_SMTP_USER", "", "SMTP login user."),
    Setting("SI_SMTP_PASSWORD", "", "SMTP login password.", secret=True),
    Setting("SI_SMTP_TLS", "starttls", "SMTP transport security: starttls, ssl or none."),
    Setting("SI_SMTP_SENDER", "seller-insights@localhost", "From address of alert emails."),
    Setting("SI_OUTBOX_DIR", "warehouse/outbox", "Folder for .eml files when no SMTP server is configured."),
    Setting("SI_DB_MEMORY_LIMIT", "", "Memory the warehouse (and the SQL workspace) may use, e.g. 8GiB. "
            "Empty: 60 % of this machine's memory."),
    Setting("SI_DB_THREADS", "", "Threads the warehouse may use. Empty: one per core."),
    Setting("SI_SESSION_SECRET", "",
            "Key that signs sign-in cookies. Empty: a random key is kept beside the users file.", secret=True),
    Setting("SI_USERS_FILE", "warehouse/users.toml",
            "Who may sign in: roles, granted stores, bcrypt password hashes. Missing: the demo accounts are written."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _secrets_file() -> dict[str, object]:
    path = Path(os.environ.get("SI_SECRETS_FILE", PROJECT_ROOT / ".streamlit" / "secrets.toml"))
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def get(name: str) -> str:
    """The value of setting `name`: environment first, then secrets.toml, then the default."""
    setting = _BY_NAME[name]
    if name in os.environ:
        return os.environ[name]
    secrets = _secrets_file()
    key = name.lower()
    if key in secrets:
        return str(secrets[key])
    return setting.default


def is_set(name: str) -> bool:
    """Whether setting `name` is given (environment or secrets.toml), not left to its default."""
    return name in os.environ or name.lower() in _secrets_file()


def server_url() -> str:
    """Where the running server answers, without a trailing slash: SI_SERVER_URL when set; unset, inside the
    Streamlit server, that server's own port and base path (`streamlit run app.py --server.port 8600` links its
    emails to port 8600, not to the default's 8501); else the default."""
    if not is_set("SI_SERVER_URL"):
        try:
            from streamlit import config, runtime
        except ImportError:                                     # the command line without Streamlit installed
            runtime = None
        if runtime is not None and runtime.exists():
            base = str(config.get_option("server.baseUrlPath") or "").strip("/")
            return f"http://127.0.0.1:{config.get_option('server.port')}" + (f"/{base}" if base else "")
    return get("SI_SERVER_URL").rstrip("/")


def get_path(name: str) -> Path:
    """A path setting resolved against the project folder."""
    path = Path(get(name)).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def describe() -> list[dict[str, str]]:
    """Every setting with its current value; secrets are masked, never shown."""
    rows = []
    for s in SETTINGS:
        value = get(s.name)
        rows.append({"name": s.name, "value": ("•••" if value else "") if s.secret else value,
                     "default": s.default, "help": s.help})
    return rows
