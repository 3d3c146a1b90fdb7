"""The clause store: Chroma, as an embedded directory or a server, holding one active version per trust.

Each trust's clauses are stored under a version (the document's content hash). A manifest collection
names the active version; queries read only that version. Replacing a document adds the new version,
switches the manifest, then deletes the old one, so no query sees a mix of versions or an empty trust.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from ingest.errors import IndexMismatch, UnknownTrust
from ingest.records import Clause
from ingest.settings import Settings, force_offline


@dataclass(frozen=True)
class TrustVersion:
    """The manifest row for one trust: which document version is live and what it came from."""

    trust: str
    version: str  # content hash of the source document (+ parser and embedder versions)
    source: str
    clause_count: int
    name: str = ""


@dataclass(frozen=True)
class ScoredClause:
    clause: Clause
    similarity: float  # cosine similarity, higher is closer


class ClauseStore(Protocol):
    def trusts(self) -> dict[str, TrustVersion]: ...

    def clauses(self, trust: str) -> list[Clause]: ...

    def replace_trust(self, version: TrustVersion, clauses: list[Clause], vectors: list[list[float]]) -> None: ...

    def remove_trust(self, trust: str) -> None: ...

    def query(self, trust: str, vector: list[float], k: int) -> list[ScoredClause]: ...


class ChromaClauseStore:
    """Clauses in a Chroma collection (cosine space) plus a manifest collection of live versions."""

    def __init__(self, client, collection: str, embedder_name: str) -> None:
        self._client = client
        self._embedder_name = embedder_name
        # Chroma must never embed for us (it would fetch its default ONNX model): we always pass vectors.
        self._clauses = client.get_or_create_collection(
            collection,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedder": embedder_name},
        )
        stored_embedder = (self._clauses.metadata or {}).get("embedder")
        if stored_embedder != embedder_name:
            raise IndexMismatch(
                f"index '{collection}' was built with embedder '{stored_embedder}', not '{embedder_name}'; "
                "rebuild it (delete the data directory or use another collection)"
            )
        self._manifest = client.get_or_create_collection(f"{collection}_manifest", embedding_function=None)

    def trusts(self) -> dict[str, TrustVersion]:
        rows = self._manifest.get(include=["metadatas"])
        return {
            meta["trust"]: TrustVersion(**json.loads(meta["record"]))
            for meta in rows["metadatas"] or []
        }

    def _active(self, trust: str) -> TrustVersion:
        versions = self.trusts()
        if trust not in versions:
            known = ", ".join(sorted(versions)) or "none"
            raise UnknownTrust(f"unknown trust '{trust}'; known: {known}")
        return versions[trust]

    def clauses(self, trust: str) -> list[Clause]:
        active = self._active(trust)
        rows = self._clauses.get(
            where={"$and": [{"trust": trust}, {"version": active.version}]}, include=["metadatas", "documents"]
        )
        found = [Clause.from_metadata(m, d) for m, d in zip(rows["metadatas"], rows["documents"])]
        return sorted(found, key=lambda c: c.order)

    def vectors(self, trust: str) -> dict[str, list[float]]:
        """Clause id -> stored vector for the live version (lets callers score every clause at once)."""
        active = self._active(trust)
        rows = self._clauses.get(
            where={"$and": [{"trust": trust}, {"version": active.version}]}, include=["metadatas", "embeddings"]
        )
        return {m["id"]: list(v) for m, v in zip(rows["metadatas"], rows["embeddings"])}

    def replace_trust(self, version: TrustVersion, clauses: list[Clause], vectors: list[list[float]]) -> None:
        if not clauses or len(clauses) != len(vectors):
            raise ValueError("replace_trust needs one vector per clause and at least one clause")
        previous = self.trusts().get(version.trust)
        ids = [f"{version.trust}:{version.version}:{c.id}" for c in clauses]
        metadatas = [{**c.to_metadata(), "version": version.version} for c in clauses]
        self._clauses.upsert(ids=ids, embeddings=vectors, documents=[c.text for c in clauses], metadatas=metadatas)
        # The switch: one manifest row names the live version.
        self._manifest.upsert(
            ids=[version.trust],
            embeddings=[[0.0]],
            metadatas=[{"trust": version.trust, "record": json.dumps(version.__dict__)}],
        )
        if previous and previous.version != version.version:
            self._delete_version(version.trust, previous.version)

    def _delete_version(self, trust: str, version: str) -> None:
        self._clauses.delete(where={"$and": [{"trust": trust}, {"version": version}]})

    def remove_trust(self, trust: str) -> None:
        active = self._active(trust)
        self._manifest.delete(ids=[trust])
        self._delete_version(trust, active.version)

    def query(self, trust: str, vector: list[float], k: int) -> list[ScoredClause]:
        active = self._active(trust)
        result = self._clauses.query(
            query_embeddings=[vector],
            n_results=max(1, min(k, active.clause_count)),
            where={"$and": [{"trust": trust}, {"version": active.version}]},
            include=["metadatas", "documents", "distances"],
        )
        return [
            ScoredClause(Clause.from_metadata(m, d), 1.0 - float(dist))
            for m, d, dist in zip(result["metadatas"][0], result["documents"][0], result["distances"][0])
        ]

    def count(self) -> int:
        return self._clauses.count()


def open_store(settings: Settings, embedder_name: str, embedder=None) -> ChromaClauseStore:
    """The embedded Chroma directory by default; a Chroma server when CHROMA_HOST is set.

    An index built with another model is refused, or, given the new `embedder`, re-embedded in place."""
    force_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    else:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    try:
        return ChromaClauseStore(client, settings.collection, embedder_name)
    except IndexMismatch:
        if embedder is None or embedder.name != embedder_name:
            raise
        return reembed(client, settings.collection, embedder)


def reembed(client, collection: str, embedder) -> ChromaClauseStore:
    """Move every live trust (uploads included) to the new model: all vectors are computed before anything
    is deleted, so a failure leaves the old index as it was."""
    stored_name = (client.get_collection(collection).metadata or {}).get("embedder")
    old = ChromaClauseStore(client, collection, stored_name)
    live = [(version, old.clauses(version.trust)) for version in old.trusts().values()]
    from ingest.pipeline import embedding_text

    vectors = [embedder.embed_documents([embedding_text(c) for c in clauses]) for _, clauses in live]
    client.delete_collection(collection)
    client.delete_collection(f"{collection}_manifest")
    store = ChromaClauseStore(client, collection, embedder.name)
    for (version, clauses), trust_vectors in zip(live, vectors):
        store.replace_trust(version, clauses, trust_vectors)
    return store
