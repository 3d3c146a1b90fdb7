"""Ingest into a real Chroma directory with the real embedder: counts, skip-unchanged, replace, remove, errors, CLI."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NetworkBlocked
from helpers import RenamedEmbedder, corpus_bytes, encrypt_pdf, golden_ids, render_pdf

from ingest.corpus import load_trusts
from ingest.errors import IndexMismatch, IngestError, NoClausesFound, UnknownTrust, UnreadableDocument
from ingest.pipeline import ingest_corpus, ingest_document
from ingest.settings import Settings
from ingest.store import open_store

ROOT = Path(__file__).resolve().parent.parent
TRUSTS = sorted(golden_ids())


def test_corpus_ingest_indexes_five_trusts(built_index):
    _, store, results = built_index
    assert sorted(store.trusts()) == TRUSTS
    assert {r.trust: (r.clause_count, r.skipped) for r in results} == {
        t: (len(golden_ids()[t]), False) for t in TRUSTS
    }
    assert store.count() == sum(len(ids) for ids in golden_ids().values())


@pytest.mark.parametrize("trust", TRUSTS)
def test_stored_clauses_match_golden(built_store, trust):
    info = load_trusts()[trust]
    live = built_store.trusts()[trust]
    assert (live.clause_count, live.source, live.name) == (len(golden_ids()[trust]), info.source, info.name)
    assert [c.id for c in built_store.clauses(trust)] == golden_ids()[trust]


def test_reingest_unchanged_skips_everything(built_store, embedder):
    before = (built_store.count(), built_store.trusts())
    results = ingest_corpus(built_store, embedder)
    assert [r.skipped for r in results] == [True] * len(TRUSTS)
    assert (built_store.count(), built_store.trusts()) == before


def test_changed_document_replaces_only_that_trust(corpus_store, embedder):
    others = {t: corpus_store.clauses(t) for t in TRUSTS if t != "littletown"}
    old_versions = corpus_store.trusts()
    count = corpus_store.count()
    changed = corpus_bytes("littletown") + b"\n14. Review\n14.1 Staff must re-read this policy every year.\n"

    result = ingest_document(corpus_store, embedder, changed, "littletown_v2.txt", "littletown")

    assert not result.skipped and result.clause_count == len(golden_ids()["littletown"]) + 1
    clauses = corpus_store.clauses("littletown")
    assert [c.id for c in clauses] == golden_ids()["littletown"] + ["14.1"]
    assert clauses[-1].text == "Staff must re-read this policy every year."
    assert {c.source for c in clauses} == {"littletown_v2.txt"}
    assert corpus_store.count() == count + 1  # the old version's 36 rows are gone, 37 new ones in
    versions = corpus_store.trusts()
    assert versions["littletown"].version != old_versions["littletown"].version
    assert {t: versions[t] for t in others} == {t: old_versions[t] for t in others}
    assert {t: corpus_store.clauses(t) for t in others} == others


def test_remove_trust(corpus_store):
    count = corpus_store.count()
    corpus_store.remove_trust("wcat")
    assert "wcat" not in corpus_store.trusts()
    assert corpus_store.count() == count - len(golden_ids()["wcat"])
    with pytest.raises(UnknownTrust) as info:
        corpus_store.clauses("wcat")
    assert all(t in str(info.value) for t in TRUSTS if t != "wcat")


def test_unknown_trust_error_names_the_known_trusts(built_store, embedder):
    for call in (lambda: built_store.clauses("nope"), lambda: built_store.query("nope", embedder.embed_query("x"), 3)):
        with pytest.raises(UnknownTrust) as info:
            call()
        assert "nope" in str(info.value)
        assert all(t in str(info.value) for t in TRUSTS)


BAD_INPUTS = [
    pytest.param("empty.txt", lambda: b"", UnreadableDocument, id="empty"),
    pytest.param("random.pdf", lambda: os.urandom(4096), UnreadableDocument, id="binary-pdf"),
    pytest.param("locked.pdf", lambda: encrypt_pdf(render_pdf("1. Scope\n1.1 Text.")), UnreadableDocument,
                 id="encrypted-pdf"),
    pytest.param("prose.txt", lambda: b"Social media policy\n\nStaff should be careful online.\n", NoClausesFound,
                 id="no-numbering"),
]


@pytest.mark.parametrize("trust", ["wcat", "newtrust"])
@pytest.mark.parametrize(("name", "make", "error"), BAD_INPUTS)
def test_bad_input_leaves_the_index_unchanged(corpus_store, embedder, trust, name, make, error):
    before = (corpus_store.count(), corpus_store.trusts())
    with pytest.raises(error) as info:
        ingest_document(corpus_store, embedder, make(), name, trust)
    assert isinstance(info.value, IngestError)
    assert (corpus_store.count(), corpus_store.trusts()) == before


def test_index_built_with_another_embedder_is_refused(built_settings, tmp_path):
    copy = Settings(data_dir=tmp_path / "copy")
    shutil.copytree(built_settings.data_dir, copy.data_dir)
    with pytest.raises(IndexMismatch, match="other-model"):
        open_store(copy, "other-model")


def test_index_built_with_another_embedder_is_reembedded_when_given_the_new_model(built_settings, embedder,
                                                                                 tmp_path):
    copy = Settings(data_dir=tmp_path / "copy")
    shutil.copytree(built_settings.data_dir, copy.data_dir)
    before = open_store(copy, embedder.name)
    trusts, clauses = before.trusts(), {t: before.clauses(t) for t in before.trusts()}
    renamed = RenamedEmbedder(embedder, "retrained-model")
    after = open_store(copy, renamed.name, renamed)
    assert after.trusts() == trusts
    assert {t: after.clauses(t) for t in trusts} == clauses
    assert all(len(after.vectors(t)) == len(clauses[t]) for t in trusts)
    with pytest.raises(IndexMismatch, match="retrained-model"):  # the index now belongs to the new model
        open_store(copy, embedder.name)


def test_query_returns_only_the_requested_trust(built_store, embedder):
    vector = embedder.embed_query("Can I accept a pupil as a friend on Facebook?")
    for trust in TRUSTS:
        hits = built_store.query(trust, vector, 5)
        assert len(hits) == 5
        assert {h.clause.trust for h in hits} == {trust}
        assert all(h.clause.id in golden_ids()[trust] for h in hits)
        similarities = [h.similarity for h in hits]
        assert similarities == sorted(similarities, reverse=True)


def test_query_for_more_than_a_trust_holds(built_store, embedder):
    hits = built_store.query("stoc", embedder.embed_query("social media"), 500)
    assert sorted(h.clause.id for h in hits) == sorted(golden_ids()["stoc"])


def test_query_finds_the_obvious_clause(built_store, embedder):
    hits = built_store.query("dsat", embedder.embed_query("Should staff friend a pupil on social networking sites?"), 5)
    assert "4.3.2" in [h.clause.id for h in hits]


# --- the CLI against a built index -----------------------------------------------------------------


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "POLICY_DATA_DIR": str(settings.data_dir)}
    env.pop("CHROMA_HOST", None)
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_cli_clauses_json(built_settings, built_store):
    done = run_cli(built_settings, "clauses", "dsat", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == golden_ids()["dsat"]
    assert all({"id", "section", "text"} <= set(r) for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["4.3.2"]["section"] == "4"
    assert by_id["4.3.2"]["text"] == next(c.text for c in built_store.clauses("dsat") if c.id == "4.3.2")


def test_cli_show_prints_the_clause(built_settings, built_store):
    done = run_cli(built_settings, "show", "wcat", "6.xi")
    assert done.returncode == 0, done.stderr
    clause = next(c for c in built_store.clauses("wcat") if c.id == "6.xi")
    assert "6.xi" in done.stdout
    assert clause.text in done.stdout


def test_cli_show_unknown_clause_fails_clearly(built_settings):
    done = run_cli(built_settings, "show", "wcat", "99.x")
    assert done.returncode != 0
    assert "99.x" in done.stderr and "wcat" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_unknown_trust_fails_clearly(built_settings):
    done = run_cli(built_settings, "clauses", "nope", "--json")
    assert done.returncode != 0
    assert "unknown trust 'nope'" in done.stderr and "Traceback" not in done.stderr


# --- the conftest network guard that every test above runs under ------------------------------------


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("example.com", 443), ("2001:db8::1", 80)])
def test_network_guard_refuses_outbound_connections(address):
    with pytest.raises(NetworkBlocked):
        socket.create_connection(address, timeout=0.5)
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family) as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(address)


def test_network_guard_allows_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=2):
            pass
