"""Shared fixtures: offline environment, a network guard, the real embedder and a built clause index.

Fixtures for other test files:
  embedder        the real MiniLM embedder, loaded once per session
  built_settings  Settings of a session-scoped index holding the whole corpus (treat as read-only)
  built_store     the store opened on built_settings (read-only: never mutate it)
  corpus_store    a writable store holding the whole corpus, a private copy per test
  fresh_settings  Settings of an empty data directory, per test
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket

import pytest

from ingest.settings import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)


class NetworkBlocked(RuntimeError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).split("%", 1)[0].strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # any other host name would need DNS: not local
    mapped = getattr(address, "ipv4_mapped", None)
    # 0.0.0.0 / :: as a destination means this host on Linux: it never leaves the machine either.
    return address.is_loopback or address.is_unspecified or bool(mapped and mapped.is_loopback)


def _check(family, address) -> None:
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, (str, bytes)):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback(host):
        raise NetworkBlocked(f"tests must not reach the network (tried to connect to {address!r})")


@pytest.fixture(scope="session", autouse=True)
def block_network():
    """Refuse every outbound connection except loopback and Unix sockets, for the whole session."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self, address):
        _check(self.family, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check(self.family, address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        _check(None, address)
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "create_connection", create_connection)
        yield


@pytest.fixture(scope="session")
def embedder():
    from ingest.embed import get_embedder
    from ingest.settings import Settings

    defaults = Settings()  # the shipping embedder: the policy-tuned MiniLM (built by scripts/setup.sh)
    model = get_embedder(defaults.embedder, defaults.model_dir)
    model.embed_query("warm up")  # load the model now, not inside the first timed test
    return model


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, embedder):
    """(settings, store, ingest results) of one index built from the whole corpus."""
    from ingest.pipeline import ingest_corpus
    from ingest.settings import Settings
    from ingest.store import open_store

    settings = Settings(data_dir=tmp_path_factory.mktemp("built_index"))
    store = open_store(settings, embedder.name)
    results = ingest_corpus(store, embedder)
    return settings, store, results


@pytest.fixture(scope="session")
def built_settings(built_index):
    return built_index[0]


@pytest.fixture(scope="session")
def built_store(built_index):
    return built_index[1]


@pytest.fixture
def fresh_settings(tmp_path):
    from ingest.settings import Settings

    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def corpus_store(built_settings, embedder, tmp_path):
    """A writable store with the whole corpus: a copy of the built index (cheaper than re-embedding)."""
    from ingest.settings import Settings
    from ingest.store import open_store

    settings = Settings(data_dir=tmp_path / "corpus_copy")
    shutil.copytree(built_settings.data_dir, settings.data_dir)
    return open_store(settings, embedder.name)
