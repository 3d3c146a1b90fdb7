"""Precedents: the labelled staff questions in training/ as a nearest-neighbour memory.

Each training question was labelled by a reader of the policies with, per trust, a stance and the
clause(s) that answer it. A new question is compared with them (same embedder, same query text as
retrieval); the labels of its nearest neighbours vote on which clause governs it and on the stance.
Votes come only from questions labelled for the trust being answered; the assistant asks for them only
while that trust's live document is the one the labels were written for (an uploaded or replaced policy
gets none).
No evaluation question is in training/ (tests/test_tune.py checks for near-copies).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ingest.records import Clause, is_same_or_subclause

log = logging.getLogger(__name__)


def clause_fingerprint(clauses: Iterable[Clause]) -> str:
    """What a trust's labels are valid for: its clauses' ids and texts (not the file, the parser's or the
    embedding model's version)."""
    digest = hashlib.sha256()
    for clause in clauses:
        digest.update(f"{clause.id}\x1f{clause.text}\x1e".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Precedent:
    """One training question's label for one trust."""

    trust: str
    stances: tuple[str, ...]  # acceptable stances, preferred first
    clauses: tuple[str, ...]  # governing clause ids, most relevant first (none when not addressed)


@dataclass(frozen=True)
class Vote:
    """What a question's nearest precedents for one trust say, as shares of their similarity weight."""

    stance_share: dict[str, float] = field(default_factory=dict)
    clause_share: dict[str, float] = field(default_factory=dict)

    def clause_support(self, clause_id: str) -> float:
        """The share of votes for this clause, counting votes for the clause it sits under (a cited sub-clause
        answers as its parent does, as the graders count it); a vote for a sub-clause does not lift its parent."""
        return sum(share for voted, share in self.clause_share.items() if is_same_or_subclause(clause_id, voted))


NO_VOTE = Vote()


@dataclass(frozen=True)
class TrainingQuestion:
    id: str
    question: str
    history: tuple[str, ...]
    labels: tuple[Precedent, ...]


def read_training_questions(files: Iterable[Path]) -> list[TrainingQuestion]:
    """The labelled questions of training/*.yaml (the format of the eval gold files; validated by the tune tests)."""
    questions = []
    for path in files:
        for case in yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []:
            labels = []
            for trust, entry in (case.get("trusts") or {}).items():
                entry = entry or {}
                stance = entry.get("stance") or []
                stances = tuple([stance] if isinstance(stance, str) else stance)
                if stances:
                    labels.append(Precedent(trust, stances, tuple(str(c) for c in entry.get("clauses") or ())))
            questions.append(TrainingQuestion(f"{path.stem}:{case['id']}", str(case["question"]),
                                              tuple(case.get("history") or ()), tuple(labels)))
    return questions


class Precedents:
    """Labelled questions with their query vectors; `vote` finds a question's nearest ones for one trust."""

    def __init__(self, vectors: np.ndarray, labels: list[tuple[Precedent, ...]]) -> None:
        self.vectors = vectors  # one row per training question, normalised
        self._rows_by_trust: dict[str, tuple[np.ndarray, list[Precedent]]] = {}
        for trust in sorted({label.trust for question_labels in labels for label in question_labels}):
            rows = [(i, label) for i, question_labels in enumerate(labels) for label in question_labels
                    if label.trust == trust]
            self._rows_by_trust[trust] = (np.array([i for i, _ in rows]), [label for _, label in rows])

    def __len__(self) -> int:
        return len(self.vectors)

    def vote(self, query_vector: np.ndarray, trust: str, k: int) -> Vote:
        found = self._rows_by_trust.get(trust)
        if found is None or k <= 0:
            return NO_VOTE
        rows, labels = found
        similarity = np.clip(self.vectors[rows] @ query_vector, 0.0, None)
        nearest = np.argsort(-similarity, kind="stable")[:k]
        total = float(similarity[nearest].sum())
        if total <= 0:
            return NO_VOTE
        stances: Counter[str] = Counter()
        clauses: Counter[str] = Counter()
        for i in nearest:
            weight, label = float(similarity[i]) / total, labels[i]
            for stance in label.stances:
                stances[stance] += weight / len(label.stances)
            # The first clause governs; the others are accepted alternatives and count half.
            for rank, clause_id in enumerate(label.clauses):
                clauses[clause_id] += weight * (1.0 if rank == 0 else 0.5)
        return Vote(dict(stances), dict(clauses))


def build_precedents(questions: list[TrainingQuestion], query_text: Callable[[TrainingQuestion], str | None],
                     embed: Callable[[list[str]], list[list[float]]], cache_dir: Path | None = None,
                     model_name: str = "") -> Precedents:
    """Embed each question's query text (cached on disk by model and texts: startup stays fast)."""
    kept, texts = [], []
    for question in questions:
        text = query_text(question)
        if text:
            kept.append(question)
            texts.append(text)
    if not texts:
        return Precedents(np.zeros((0, 1), dtype=np.float32), [])
    digest = hashlib.sha256("\x1e".join([model_name, *texts]).encode()).hexdigest()[:16]
    cache = cache_dir / f"precedents-{digest}.npy" if cache_dir else None
    vectors = None
    if cache is not None and cache.exists():
        try:
            vectors = np.load(cache)
        except (OSError, ValueError):
            vectors = None
    if vectors is None or vectors.shape[0] != len(texts):
        vectors = np.asarray(embed(texts), dtype=np.float32)
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                for stale in cache.parent.glob("precedents-*.npy"):
                    stale.unlink()
                np.save(cache, vectors)
            except OSError as problem:  # a read-only data directory only costs the cache
                log.warning("precedent vectors not cached: %s", problem)
    return Precedents(vectors, [q.labels for q in kept])
