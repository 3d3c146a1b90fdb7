"""Ingest: document -> clauses -> vectors -> store, skipping unchanged documents by content hash.

Everything that can fail (reading, parsing, embedding) happens before the store is touched, so a bad
document leaves the index exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.corpus import CORPUS_DIR, load_trusts
from ingest.errors import IngestError
from ingest.loaders import load_bytes
from ingest.parse import parse_lines
from ingest.records import Clause
from ingest.store import ChromaClauseStore, TrustVersion

PARSER_VERSION = "parse.v2"  # bump when parsing changes, so re-ingest re-parses unchanged files


@dataclass(frozen=True)
class IngestResult:
    trust: str
    source: str
    clause_count: int
    skipped: bool  # True when the live version already matches this document


def content_version(data: bytes, embedder_name: str) -> str:
    digest = hashlib.sha256()
    for part in (data, PARSER_VERSION.encode(), embedder_name.encode()):
        digest.update(part)
    return digest.hexdigest()[:16]


def prepare_document(data: bytes, file_name: str, trust: str) -> list[Clause]:
    """Parse a document into clauses without touching any store (the admin's review step uses this)."""
    return parse_lines(load_bytes(data, file_name), trust=trust, source=file_name)


def ingest_document(
    store: ChromaClauseStore, embedder, data: bytes, file_name: str, trust: str, name: str = ""
) -> IngestResult:
    version = content_version(data, embedder.name)
    live = store.trusts().get(trust)
    if live and live.version == version:
        return IngestResult(trust, file_name, live.clause_count, skipped=True)
    clauses = prepare_document(data, file_name, trust)
    return commit_clauses(store, embedder, clauses, version, file_name, trust, name)


def commit_clauses(
    store: ChromaClauseStore, embedder, clauses: list[Clause], version: str, file_name: str, trust: str, name: str
) -> IngestResult:
    # Section titles ride along in the embedded text: a clause's heading says what it is about.
    vectors = embedder.embed_documents([embedding_text(c) for c in clauses])
    store.replace_trust(TrustVersion(trust, version, file_name, len(clauses), name), clauses, vectors)
    return IngestResult(trust, file_name, len(clauses), skipped=False)


def embedding_text(clause: Clause) -> str:
    return f"{clause.section_title}: {clause.text}" if clause.section_title else clause.text


def ingest_corpus(
    store: ChromaClauseStore,
    embedder,
    corpus_dir: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> list[IngestResult]:
    """Ingest every policy listed in the corpus metadata."""
    root = Path(corpus_dir or CORPUS_DIR)
    results = []
    for info in load_trusts(root).values():
        path = root / info.source
        progress(f"{info.trust}: {info.source}")
        results.append(ingest_document(store, embedder, path.read_bytes(), info.source, info.trust, info.name))
    return results


def trust_for_path(path: Path, corpus_dir: Path | None = None) -> str:
    """The trust a corpus file belongs to, by its file name."""
    for info in load_trusts(corpus_dir).values():
        if info.source == Path(path).name:
            return info.trust
    raise IngestError(f"{path}: not a corpus file; pass --trust ID to ingest a new policy")
