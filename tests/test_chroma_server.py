"""End to end against a real `chroma run` server on loopback (slow: starts a server, embeds the corpus)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import golden_ids

from ingest.pipeline import ingest_corpus
from ingest.settings import Settings
from ingest.store import open_store

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_heartbeat(port: int, server: subprocess.Popen, timeout_s: float = 60.0) -> None:
    url = f"http://{HOST}:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"chroma exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no heartbeat from {url} within {timeout_s:.0f}s")


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen(
        [str(chroma), "run", "--host", HOST, "--port", str(port), "--path", str(tmp_path / "server")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_heartbeat(port, server)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


def test_ingest_and_query_through_a_chroma_server(chroma_server, embedder, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", chroma_host=HOST, chroma_port=chroma_server)
    store = open_store(settings, embedder.name)
    results = ingest_corpus(store, embedder)

    assert sorted(store.trusts()) == sorted(golden_ids())
    assert {r.trust: r.clause_count for r in results} == {t: len(ids) for t, ids in golden_ids().items()}
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to the embedded directory

    hits = store.query("dsat", embedder.embed_query("Should staff friend a pupil on social networking sites?"), 5)
    assert {h.clause.trust for h in hits} == {"dsat"}
    assert "4.3.2" in [h.clause.id for h in hits]

    reopened = open_store(settings, embedder.name)  # a second client sees the same index
    assert [r.skipped for r in ingest_corpus(reopened, embedder)] == [True] * len(golden_ids())
    assert [c.id for c in reopened.clauses("wcat")] == golden_ids()["wcat"]
