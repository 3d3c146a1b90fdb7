"""Start `python app.py --port FREE` as a subprocess and wait until it serves HTTP 200 (for the slow app tests).

`shared_app(pytestconfig)` is one server per test session, shared by test_app_api.py and test_app_browser.py:
its data directory is a fresh temp dir, so the first start builds the index from the bundled corpus (up to
120 s); the server is then stopped and started a second time on the built index, and that second start-up
time is printed. `admin_app(pytestconfig, user, password)` starts another server on a copy of the built
index with admin credentials set, so upload tests never change the shared server's trusts.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_START_TIMEOUT_S = 120.0  # builds the index from the corpus
START_TIMEOUT_S = 60.0
_SERVERS: dict[str, AppServer] = {}
_DIRS: dict[str, Path] = {}


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    data_dir: Path
    log_path: Path
    startup_s: float

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(data_dir: Path, extra_env: dict[str, str] | None = None,
              timeout: float = START_TIMEOUT_S) -> AppServer:
    """Run app.py on a free port with POLICY_DATA_DIR=data_dir; return once GET / answers 200."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("POLICY_ADMIN_USER", "POLICY_ADMIN_PASSWORD")}
    env.update({"POLICY_DATA_DIR": str(data_dir), "POLICY_FEEDBACK_DB": str(data_dir / "feedback.sqlite3"),
                "PYTHONUNBUFFERED": "1", **(extra_env or {})})
    env.pop("APP_PORT", None)
    log_path = data_dir.parent / f"{data_dir.name}-app-{port}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - the child writes to it until it stops
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = AppServer(f"http://127.0.0.1:{port}/", process, data_dir, log_path, 0.0)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200:
                    server.startup_s = time.perf_counter() - started
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"app.py did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def _report(pytestconfig, line: str) -> None:
    """Print past pytest's output capture (session fixtures cannot use capsys)."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}", flush=True)


def _base_dir() -> Path:
    if "base" not in _DIRS:
        _DIRS["base"] = Path(tempfile.mkdtemp(prefix="policy-app-test-"))
    return _DIRS["base"]


def stop_all() -> None:
    """Terminate every server started here (idempotent; also runs at exit)."""
    for server in _SERVERS.values():
        server.stop()


def _cleanup() -> None:
    stop_all()
    if "base" in _DIRS:
        shutil.rmtree(_DIRS["base"], ignore_errors=True)


atexit.register(_cleanup)


def shared_app(pytestconfig) -> AppServer:
    """The session's app server (index built on the first start, measured on the second)."""
    if "shared" in _SERVERS and _SERVERS["shared"].process.poll() is None:
        return _SERVERS["shared"]
    data_dir = _base_dir() / "data"
    first = start_app(data_dir, timeout=FIRST_START_TIMEOUT_S)
    first.stop()
    shutil.copytree(data_dir, _base_dir() / "built-index")  # a pristine copy for admin_app
    server = start_app(data_dir)
    _SERVERS["shared"] = server
    _report(pytestconfig, f"[app_server] first start (builds the index): {first.startup_s:.1f} s; "
                          f"start-up with the index built: {server.startup_s:.1f} s")
    return server


def admin_app(pytestconfig, user: str, password: str) -> AppServer:
    """A second server with admin credentials, on its own copy of the built index."""
    if "admin" in _SERVERS:
        return _SERVERS["admin"]
    shared_app(pytestconfig)
    data_dir = _base_dir() / "admin-data"
    shutil.copytree(_base_dir() / "built-index", data_dir)
    server = start_app(data_dir, {"POLICY_ADMIN_USER": user, "POLICY_ADMIN_PASSWORD": password})
    _SERVERS["admin"] = server
    _report(pytestconfig, f"[app_server] admin server start-up: {server.startup_s:.1f} s")
    return server
