"""Start the real `streamlit run app.py` server on a free port for end-to-end tests, and stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TEST_TOKEN = "e2e-test-token-0123456789abcdef"
STARTUP_TIMEOUT_S = 180.0  # the first start builds the demo store


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """A `streamlit run` subprocess: its base URL, warehouse file, token and log."""

    def __init__(self, proc: subprocess.Popen, base_url: str, db_path: Path, token: str | None, log_path: Path):
        self.proc = proc
        self.base_url = base_url
        self.db_path = db_path
        self.token = token
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def is_running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the server like Ctrl-C would (its lifespan closes the warehouse); return its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def server_env(tmp_dir: Path, db_path: Path, token: str | None, seed: int, base_url: str | None) -> dict[str, str]:
    """The server's environment: this machine's, minus any SI_* settings, plus the test's own (SI_SERVER_URL only
    when `base_url` is given: without it the server names its own port)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SI_")}
    env.update({
        "SI_DB_PATH": str(db_path),
        "SI_DEMO_SEED": str(seed),
        "SI_SECRETS_FILE": str(tmp_dir / "no-secrets.toml"),
        "SI_REJECTS_DIR": str(tmp_dir / "rejects"),
        "SI_OUTBOX_DIR": str(tmp_dir / "outbox"),
        "SI_USERS_FILE": str(tmp_dir / "users.toml"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
    })
    if base_url:
        env["SI_SERVER_URL"] = base_url
    if token:
        env["SI_INGEST_TOKEN"] = token
    return env


def _wait_for_health(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not server.is_running():
            raise RuntimeError(f"the server exited with code {server.proc.returncode} before answering")
        try:
            response = httpx.get(f"{server.base_url}/api/health", timeout=5.0)
            if response.status_code == 200 and response.json().get("status") == "ok":
                return
            last_error = f"HTTP {response.status_code}: {response.text[:300]}"
        except (httpx.HTTPError, ValueError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise RuntimeError(f"no healthy answer from {server.base_url}/api/health within {timeout:.0f} s ({last_error})")


@contextmanager
def running_server(tmp_dir: Path, *, token: str | None = TEST_TOKEN, seed: int = 42, db_path: Path | None = None,
                   app_path: str = "app.py", cwd: Path = ROOT, timeout: float = STARTUP_TIMEOUT_S,
                   set_server_url: bool = True) -> Iterator[RunningServer]:
    """Run `python -m streamlit run app.py` against a warehouse in `tmp_dir` until the block ends.

    With no warehouse file at `db_path` the server builds the demo store on its first start. `set_server_url`:
    SI_SERVER_URL set to the server's address (else left unset, as on a fresh install).
    Fails with the server's log when it does not answer /api/health in time.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    db_path = db_path or tmp_dir / "warehouse.duckdb"
    attempts = 3  # another process may grab the free port between our check and the server's bind
    for attempt in range(1, attempts + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = tmp_dir / f"server-{port}.log"
        cmd = [sys.executable, "-m", "streamlit", "run", app_path,
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
        with open(log_path, "wb") as log_fh:
            proc = subprocess.Popen(cmd, cwd=cwd, env=server_env(tmp_dir, db_path, token, seed,
                                                                   base_url if set_server_url else None),
                                    stdout=log_fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = RunningServer(proc, base_url, db_path, token, log_path)
        try:
            _wait_for_health(server, timeout)
            break
        except RuntimeError as exc:
            server.stop()
            log = server.log_text()
            port_taken = "already in use" in log.lower()
            if attempt < attempts and port_taken:
                continue
            print(f"----- server log ({log_path}) -----\n{log}\n----- end of server log -----", file=sys.stderr)
            raise RuntimeError(f"The Seller Insights server did not start: {exc}. Its log is printed above.") from None
    try:
        yield server
    finally:
        server.stop()


def sign_in(page, base_url: str, username: str = "admin", password: str = "admin-demo") -> None:
    """Through the real sign-in form (/auth/login) in a Playwright page: it sets the signed session cookie and
    sends the browser to the app (the demo accounts, data/users.py)."""
    page.goto(base_url + "/auth/login", wait_until="domcontentloaded")
    page.fill("#u", username)
    page.fill("#p", password)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/", wait_until="domcontentloaded")
