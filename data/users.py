"""People who may sign in: roles, the stores each may see, bcrypt-hashed passwords, API tokens (a TOML file).

Roles: `seller` sees exactly one store (their own); `analyst` sees the stores granted to them, or all (`"*"`);
`admin` sees every store and manages users and grants. The file is SI_USERS_FILE; when it does not exist the
documented demo accounts are written there (README, "Signing in") so the demo opens with something to sign in
with. Passwords are stored only as bcrypt hashes; API tokens only as SHA-256 digests (they are long random
strings, so a fast digest is enough).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import bcrypt

from data import settings

ROLES = ("seller", "analyst", "admin")
ALL_SELLERS = "*"
UI_LANGUAGES = ("ko", "en")         # analytics.i18n.LANGUAGES (data/ does not import analytics/)
BCRYPT_ROUNDS = 12
_lock = threading.Lock()
_write_lock = threading.Lock()      # every change: read, change and write the file as one step
# a real hash to compare against when the user name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(4)).decode()

# The demo accounts (README "Signing in"): change or delete them before real data goes in.
DEMO_USERS = (
    ("petshop", "멍냥마켓 사장님", "seller", ("petshop_kr",), "petshop-demo"),
    ("coffee", "오늘의원두 사장님", "seller", ("coffee_kr",), "coffee-demo"),
    ("outdoor", "Trailhead Gear owner", "seller", ("outdoor_us",), "outdoor-demo"),
    ("analyst", "Data analyst (멍냥마켓, 오늘의원두)", "analyst", ("petshop_kr", "coffee_kr"), "analyst-demo"),
    ("admin", "Administrator", "admin", (ALL_SELLERS,), "admin-demo"),
)


class UsersFileError(ValueError):
    """The users file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    sellers: tuple[str, ...]               # granted seller ids, or ("*",) for all
    password_hash: str = field(repr=False, default="")
    api_token_sha256: str = field(repr=False, default="")
    language: str = ""                     # the UI language they chose last ('ko' | 'en'); '' = not chosen yet

    @property
    def sees_all(self) -> bool:
        return self.role == "admin" or ALL_SELLERS in self.sellers

    def allowed(self, seller_ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """Of `seller_ids` (every seller in the warehouse), the ones this user may see, in the same order."""
        if self.sees_all:
            return tuple(seller_ids)
        granted = set(self.sellers)
        return tuple(s for s in seller_ids if s in granted)

    def may_see(self, seller_id: str) -> bool:
        return self.sees_all or seller_id in self.sellers


def users_path() -> Path:
    return settings.get_path("SI_USERS_FILE")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> str:
    return "si_" + secrets.token_urlsafe(32)


# ---------------------------------------------------------------- the file

def _parse(path: Path, text: str) -> dict[str, User]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsersFileError(f"{path}: not valid TOML: {exc}") from None
    users: dict[str, User] = {}
    for username, entry in (data.get("users") or {}).items():
        where = f"{path}: [users.{username}]"
        if not isinstance(entry, dict):
            raise UsersFileError(f"{where} must be a table")
        role = entry.get("role")
        if role not in ROLES:
            raise UsersFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
        sellers = entry.get("sellers", [ALL_SELLERS] if role == "admin" else [])
        if not isinstance(sellers, list) or not all(isinstance(s, str) and s for s in sellers):
            raise UsersFileError(f"{where}: sellers must be a list of seller ids")
        if role == "seller" and (len(sellers) != 1 or sellers[0] == ALL_SELLERS):
            raise UsersFileError(f"{where}: a seller account sees exactly one store (sellers = [\"id\"])")
        password_hash = entry.get("password_hash", "")
        if not isinstance(password_hash, str) or not password_hash.startswith("$2"):
            raise UsersFileError(f"{where}: password_hash must be a bcrypt hash (python -m data users passwd)")
        language = entry.get("language", "")
        users[username] = User(username, str(entry.get("name") or username), role, tuple(sellers), password_hash,
                               str(entry.get("api_token_sha256") or ""),
                               language if language in UI_LANGUAGES else "")   # anything else: not chosen
    return users


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(users: dict[str, User]) -> str:
    lines = ["# Seller Insights users: roles seller | analyst | admin; sellers = granted store ids (\"*\" = all).",
             "# Passwords are bcrypt hashes, API tokens SHA-256 digests. Edit with the admin page or",
             "# python -m data users.", ""]
    for u in users.values():
        lines += [f"[users.{_toml_string(u.username)}]", f"name = {_toml_string(u.name)}",
                  f"role = {_toml_string(u.role)}",
                  "sellers = [" + ", ".join(_toml_string(s) for s in u.sellers) + "]",
                  f"password_hash = {_toml_string(u.password_hash)}"]
        if u.api_token_sha256:
            lines.append(f"api_token_sha256 = {_toml_string(u.api_token_sha256)}")
        if u.language:
            lines.append(f"language = {_toml_string(u.language)}")
        lines.append("")
    return "\n".join(lines)


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Write the file atomically (temp file + rename), readable by the owner only."""
    target = path or users_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render(users))
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def demo_users() -> dict[str, User]:
    return {username: User(username, name, role, sellers, hash_password(password))
            for username, name, role, sellers, password in DEMO_USERS}


def load_users(path: Path | None = None) -> dict[str, User]:
    """Every user in the file; the demo accounts are written first when the file does not exist."""
    target = path or users_path()
    with _lock:
        if not target.exists():
            save_users(demo_users(), target)
        return _parse(target, target.read_text(encoding="utf-8"))


def uses_demo_accounts(users: dict[str, User]) -> bool:
    """True while a demo account still has its documented password (the login page warns)."""
    for username, _, _, _, password in DEMO_USERS:
        user = users.get(username)
        if user is not None and bcrypt.checkpw(password.encode(), user.password_hash.encode()):
            return True
    return False


# ---------------------------------------------------------------- checking

def authenticate(username: str, password: str, path: Path | None = None) -> User | None:
    """The user when the password is right, else None (unknown names take as long as wrong passwords)."""
    user = load_users(path).get(username.strip())
    hashed = user.password_hash if user else _DUMMY_HASH
    ok = bcrypt.checkpw(password.encode("utf-8"), hashed.encode())
    return user if ok and user is not None else None


def user_for_token(token: str, path: Path | None = None) -> User | None:
    """The user whose API token this is, or None."""
    digest = token_digest(token)
    for user in load_users(path).values():
        if user.api_token_sha256 and hmac.compare_digest(user.api_token_sha256, digest):
            return user
    return None


def cli_user(username: str, password: str | None = None) -> User:
    """The user a command line acts as (`--user NAME`): the password from SI_PASSWORD, else asked for on the
    terminal. PermissionError with a plain message when it is wrong. Without --user a command runs as the
    machine's operator, who can read the warehouse file anyway."""
    import getpass

    if password is None:
        password = os.environ.get("SI_PASSWORD")
    if password is None:
        password = getpass.getpass(f"Password for {username}: ")
    user = authenticate(username, password)
    if user is None:
        raise PermissionError(f"Wrong user name or password for {username!r}.")
    return user


# ---------------------------------------------------------------- administration (the admin page, the CLI)

def upsert_user(username: str, *, name: str, role: str, sellers: list[str] | tuple[str, ...],
                password: str | None = None, path: Path | None = None) -> User:
    """Add a user or change one (a new user needs a password; an existing one keeps theirs unless given)."""
    username = username.strip()
    if not username or not all(c.isalnum() or c in "-_." for c in username):
        raise ValueError("a user name is letters, digits, '-', '_' or '.'")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    sellers = tuple(s.strip() for s in sellers if s.strip()) or ((ALL_SELLERS,) if role == "admin" else ())
    if role == "seller" and (len(sellers) != 1 or sellers[0] == ALL_SELLERS):
        raise ValueError("a seller account sees exactly one store")
    new_hash = hash_password(password) if password else None    # (slow on purpose: outside the lock)
    with _write_lock:
        known = load_users(path)
        old = known.get(username)
        if old is None and not password:
            raise ValueError("a new user needs a password")
        user = User(username, name.strip() or username, role, sellers,
                    new_hash or old.password_hash,  # type: ignore[union-attr]
                    old.api_token_sha256 if old else "", old.language if old else "")
        known[username] = user
        save_users(known, path)
    return user


def remove_user(username: str, path: Path | None = None) -> None:
    with _write_lock:
        known = load_users(path)
        if username not in known:
            raise ValueError(f"no user {username!r}")
        if known[username].role == "admin" and sum(u.role == "admin" for u in known.values()) == 1:
            raise ValueError("the last admin cannot be removed")
        del known[username]
        save_users(known, path)


def issue_api_token(username: str, path: Path | None = None) -> str:
    """A new personal API token for the user (shown once; only its digest is kept; the old one stops working)."""
    with _write_lock:
        known = load_users(path)
        if username not in known:
            raise ValueError(f"no user {username!r}")
        token = new_api_token()
        known[username] = replace(known[username], api_token_sha256=token_digest(token))
        save_users(known, path)
    return token


def set_language(username: str, language: str, path: Path | None = None) -> None:
    """Remember the UI language the user chose (the sidebar's switch), so their next session opens in it.
    An unknown user or language is ignored (the choice still holds for the current session)."""
    if language not in UI_LANGUAGES:
        return
    with _write_lock:
        known = load_users(path)
        user = known.get(username)
        if user is None or user.language == language:
            return
        known[username] = replace(user, language=language)
        save_users(known, path)
