"""Training pairs for the policy-tuned embedder, read from training/*.yaml.

The training questions are written from the policies alone and are disjoint from the evaluation sets
(tests/test_tune.py checks that no evaluation question is repeated here), so every eval set stays a
held-out measure of the tuned model. The query side of a pair is exactly the text retrieval embeds:
the question read with its conversation, spelling and typing slips fixed, vocabulary terms appended.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.conversation import InputProblem, read_question
from assistant.retrieve import known_words, query_text
from evals.gold import load_gold
from ingest.corpus import TrustInfo
from ingest.pipeline import embedding_text
from ingest.records import Clause, is_same_or_subclause
from ingest.settings import TRAINING_DIR



@dataclass(frozen=True)
class TrainingPair:
    """One (question, trust) with the clause that governs it."""

    group: str  # the question's id: pairs of one question are never used as each other's negatives
    trust: str
    query: str  # the text retrieval embeds for this question
    positive: str  # embedding text of the governing clause (the first gold clause)
    gold: tuple[str, ...]  # every acceptable clause id: none of them may serve as a negative


@dataclass(frozen=True)
class SilentPair:
    """A (question, trust) whose policy does not address the question: none of the trust's clauses should
    score like an answer, so that the not-addressed threshold can tell it apart."""

    group: str
    trust: str
    query: str


def training_files(training_dir: Path | None = None) -> list[Path]:
    root = training_dir or os.environ.get("POLICY_TRAINING_DIR") or TRAINING_DIR
    return sorted(Path(root).glob("*.yaml"))


def retrieval_query(question: str, history: Iterable[str], trusts: dict[str, TrustInfo],
                    words: frozenset[str]) -> str:
    """The query text the assistant embeds for a question (see Assistant.ask)."""
    return query_text(read_question(question, tuple(history), trusts).retrieval_text, words)


def load_pairs(files: Iterable[Path], clauses: dict[str, list[Clause]],
               trusts: dict[str, TrustInfo]) -> list[TrainingPair]:
    """Every graded (question, trust) pair with a gold clause, in file order."""
    return load_training(files, clauses, trusts)[0]


def load_training(files: Iterable[Path], clauses: dict[str, list[Clause]],
                  trusts: dict[str, TrustInfo]) -> tuple[list[TrainingPair], list[SilentPair]]:
    """The answered pairs and the not-addressed pairs of every training question, in file order."""
    by_id = {trust: {c.id: c for c in trust_clauses} for trust, trust_clauses in clauses.items()}
    words = known_words(c for trust_clauses in clauses.values() for c in trust_clauses)
    pairs: list[TrainingPair] = []
    silent: list[SilentPair] = []
    for path in files:
        for case in load_gold(path, known_trusts=set(clauses)):
            try:
                query = retrieval_query(case.question, case.history, trusts, words)
            except InputProblem as problem:
                raise ValueError(f"{path.name}: case {case.id!r}: {problem}") from problem
            group = f"{path.stem}:{case.id}"
            for trust, gold in case.trusts.items():
                if not gold.clauses:
                    if gold.stances == ("not_addressed",):  # "caution or not_addressed" is no clear silence
                        silent.append(SilentPair(group, trust, query))
                    continue
                clause = by_id[trust].get(gold.clauses[0])
                if clause is None:
                    raise ValueError(f"{path.name}: case {case.id!r}: {trust} has no clause {gold.clauses[0]!r}")
                pairs.append(TrainingPair(group, trust, query, embedding_text(clause), tuple(gold.clauses)))
    return pairs, silent


def is_gold(clause_id: str, pair: TrainingPair) -> bool:
    return any(is_same_or_subclause(clause_id, g) for g in pair.gold)
