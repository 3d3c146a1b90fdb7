"""The assistant: `Assistant.ask(question, trust=None, history=()) -> Answer`, built by `build_assistant`."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from assistant.compose import CALIBRATED, Thresholds, compose_comparison, judge
from assistant.conversation import InputProblem, follow_up_weight, read_question
from assistant.generate import Generator, make_generator
from assistant.precedents import (NO_VOTE, Precedents, TrainingQuestion, build_precedents, clause_fingerprint,
                                  read_training_questions)
from assistant.records import Answer
from assistant.retrieve import RetrievalLevers, Retriever
from assistant.stance import question_kind
from ingest.corpus import CORPUS_DIR, TrustInfo, load_trusts
from ingest.errors import UnknownTrust
from ingest.settings import Settings, force_offline

log = logging.getLogger(__name__)


class Assistant:
    def __init__(self, store, embedder, trusts: dict[str, TrustInfo], generator: Generator,
                 levers: RetrievalLevers | None = None, thresholds: Thresholds | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.generator = generator
        self.thresholds = thresholds or Thresholds()
        self.retriever = Retriever(embedder, levers)
        self.precedents: Precedents | None = None
        # The clauses each trust's precedents were labelled on (a fingerprint of ids and texts, per trust).
        self.labelled_clauses: dict[str, str] = {}
        self.precedent_trusts: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._base_trusts = trusts
        self.trusts: dict[str, TrustInfo] = {}
        self.reload()

    def reload(self) -> None:
        """Re-read the index (after an upload or removal)."""
        with self._lock:
            self.retriever.load(self.store)
            live = self.store.trusts()
            self._match_precedents()
            trusts = {}
            for trust_id, version in live.items():
                info = self._base_trusts.get(trust_id) or TrustInfo(
                    trust_id, version.name or trust_id, trust_id.upper(), version.source, version.source)
                trusts[trust_id] = info
            order = list(self._base_trusts)
            self.trusts = dict(sorted(trusts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99,
                                                                      kv[0])))

    def copy(self, embedder=None, levers: RetrievalLevers | None = None) -> Assistant:
        """A new assistant on the same store, generator, thresholds and precedents; another embedder (a caching
        wrapper) or other retrieval levers when given."""
        copy = Assistant(self.store, embedder or self.embedder, self._base_trusts, self.generator,
                         levers or self.retriever.levers, self.thresholds)
        if self.precedents is not None:
            copy.use_precedents(self.precedents, self.labelled_clauses)
        return copy

    def use_precedents(self, precedents: Precedents, labelled_clauses: dict[str, str]) -> None:
        """Let labelled questions vote, for each trust whose live clauses are the ones they were labelled on."""
        with self._lock:
            self.precedents = precedents
            self.labelled_clauses = dict(labelled_clauses)
            self._match_precedents()

    def _match_precedents(self) -> None:
        # A replaced or new policy has other clauses than its precedents were labelled with: no votes for it.
        # Compared on the clauses themselves, not the index's version stamp, which also names the embedding model:
        # an index re-embedded for a retrained model holds the same document and keeps its precedents.
        self.precedent_trusts = frozenset(trust for trust, index in self.retriever.indexes.items()
                                          if self.labelled_clauses.get(trust) == clause_fingerprint(index.clauses))

    def precedent_query(self, question: TrainingQuestion) -> str | None:
        """The text retrieval would embed for a labelled question (None when it is not a usable question)."""
        try:
            read = read_question(question.question, question.history, self.trusts)
        except InputProblem:
            return None
        return self.retriever.query_text(read.retrieval_text)

    # --- policy library: browsing and admin upload (the app reaches ingest only through these) ---

    def clauses(self, trust: str) -> list:
        key = self.check_trust(trust)
        if key is None:
            raise UnknownTrust(f"choose a trust; known: {', '.join(self.trusts)}")
        return self.retriever.indexes[key].clauses

    def preview_upload(self, data: bytes, file_name: str, trust: str) -> list:
        """Parse an uploaded policy for review; the index is not touched. Raises IngestError subclasses."""
        from ingest.pipeline import prepare_document

        return prepare_document(data, file_name, validate_trust_id(trust))

    def commit_upload(self, data: bytes, file_name: str, trust: str, name: str = ""):
        """Index a reviewed upload for a new or existing trust, then serve it."""
        from ingest.pipeline import ingest_document

        result = ingest_document(self.store, self.embedder, data, file_name, validate_trust_id(trust), name)
        if name and trust not in self._base_trusts:
            self._base_trusts = {**self._base_trusts, trust: TrustInfo(trust, name, trust.upper(), name, file_name)}
        self.reload()
        return result

    def remove_trust(self, trust: str) -> None:
        key = self.check_trust(trust)
        if key is None:
            raise UnknownTrust("choose a trust to remove")
        self.store.remove_trust(key)
        self.reload()

    def check_trust(self, trust: str | None) -> str | None:
        if trust in (None, "", "all"):
            return None
        key = str(trust).strip().lower()
        if key not in self.trusts:
            raise UnknownTrust(f"unknown trust '{trust}'; known: {', '.join(self.trusts)}")
        return key

    def ask(self, question: str, trust: str | None = None, history: tuple[str, ...] | list[str] = ()) -> Answer:
        try:
            chosen = self.check_trust(trust)
            read = read_question(question, tuple(history or ()), self.trusts)
        except (InputProblem, UnknownTrust) as problem:
            return Answer(question=str(question or "")[:200], notice=str(problem))
        named = read.trusts
        if chosen and not read.comparison:
            # An explicit choice (the app's trust picker, --trust) wins unless the question names another trust.
            targets = list(named) if named and chosen not in named else [chosen]
        else:
            targets = list(named) or list(self.trusts)
        notice = ""
        if chosen and named and chosen not in named and not read.comparison:
            asked = ", ".join(self.trusts[t].short_name for t in named)
            notice = f"You asked about {asked}, so this answer is for that."
        elif read.unplaced_school and not named and not chosen:
            short_names = ", ".join(info.short_name for info in self.trusts.values())
            notice = (f"I can't tell which trust {read.unplaced_school} belongs to (none of the policies lists it), so "
                      f"this answers for every trust. Name your trust ({short_names}) for a single answer.")
        # Typing slips and American spellings are fixed once, so retrieval and the stance reader see the same words.
        question = self.retriever.normalise(read.retrieval_text)
        latest_turn = self.retriever.normalise(read.core) if read.follow_up else ""
        query_text = self.retriever.expand(question)
        asking = question_kind(self.retriever.normalise(read.asking_text or read.core))
        vector = np.asarray(self.embedder.embed_query(query_text), dtype=np.float32)
        weight = follow_up_weight(latest_turn, read.topic_turn) if read.follow_up else 0.0
        if weight:
            # A follow-up naming a new subject ("and personal email addresses?", "and on phones in lessons?") is
            # read with the earlier turn, but the earlier turn's longer text must not outweigh what is new.
            latest = np.asarray(self.embedder.embed_query(self.retriever.expand(latest_turn)), dtype=np.float32)
            vector = vector + weight * latest
            vector = vector / np.linalg.norm(vector)
        votes = {}
        if self.precedents is not None:
            k = self.retriever.levers.precedent_k
            votes = {t: self.precedents.vote(vector, t, k) for t in self.trusts if t in self.precedent_trusts}
        # Every trust is scored, even when one is asked about: how well the others match tells whether
        # this policy is silent on a topic the others cover.
        lexical_text = self.retriever.query_text(read.lexical_text) if read.lexical_text else None
        hits_by_trust = self.retriever.retrieve(question, list(self.trusts), k=6, query_vector=vector,
                                                latest_turn=latest_turn, query_text=query_text, votes=votes,
                                                lexical_text=lexical_text)
        # The reference for "far below the others" is the second-best trust: one policy that happens to use the
        # question's own words ("friend requests") must not make the others look silent.
        tops = sorted((max(hit.score for hit in hits) for hits in hits_by_trust.values() if hits), reverse=True)
        best_score = tops[1] if len(tops) > 1 else (tops[0] if tops else 0.0)
        answers = []
        for trust_id in targets:
            info = self.trusts[trust_id]
            judgement = judge(question, query_text, hits_by_trust[trust_id], self.thresholds, best_score,
                              latest_turn=latest_turn, asking=asking, vote=votes.get(trust_id, NO_VOTE),
                              policy_stems=self.retriever.indexes[trust_id].stems)
            answers.append(self.generator.generate(read.retrieval_text, trust_id, info.short_name, judgement))
        comparison = None
        if read.comparison or len(answers) > 1:
            comparison = compose_comparison(answers, {t: i.short_name for t, i in self.trusts.items()})
        return Answer(question=read.text, answers=tuple(answers), comparison=comparison, notice=notice,
                      resolved_question=read.retrieval_text, trusts_named=tuple(named))


def validate_trust_id(trust: str) -> str:
    import re

    key = (trust or "").strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{1,31}", key):
        raise UnknownTrust(f"invalid trust id '{trust}': use 2-32 lower-case letters, digits, '-' or '_'")
    return key


# The tuned embedder's dense scores are the surer signal, so it leans on them more (dense 0.85 against 0.7:
# hit@1 +1.7 / +7.7 / +2.8 points on gold / holdout / holdout_b, chosen with the thresholds in compose.CALIBRATED).
# Precedents (the 5 nearest labelled questions, weight 0.2) chosen by a grid on gold, holdout and holdout_b.
CALIBRATED_LEVERS = {
    "minilm": RetrievalLevers(precedent_weight=0.2),
    "minilm-policy": RetrievalLevers(dense_weight=0.85, precedent_weight=0.2),
}


def build_assistant(settings: Settings | None = None, levers: RetrievalLevers | None = None,
                    thresholds: Thresholds | None = None, build_index: bool = True) -> Assistant:
    """The one factory the CLI, the app and the evals call."""
    force_offline()
    from ingest.embed import get_embedder
    from ingest.pipeline import ingest_corpus
    from ingest.store import open_store

    settings = settings or Settings.from_env()
    embedder = get_embedder(settings.embedder, settings.model_dir)
    store = open_store(settings, embedder.name, embedder)
    if build_index and not store.trusts():
        log.info("index is empty: building it from the bundled corpus")
        ingest_corpus(store, embedder, settings.corpus_dir)
    trusts = load_trusts(settings.corpus_dir)
    thresholds = thresholds or CALIBRATED.get(settings.embedder)
    levers = levers or CALIBRATED_LEVERS.get(settings.embedder)
    assistant = Assistant(store, embedder, trusts, make_generator(settings), levers, thresholds)
    if levers.precedent_k:
        load_precedents(assistant, settings)
    return assistant


def load_precedents(assistant: Assistant, settings: Settings) -> None:
    """Give the assistant the labelled training questions as precedents, valid for the bundled documents."""
    from ingest.pipeline import prepare_document

    files = sorted(Path(settings.training_dir).glob("*.yaml"))
    if not files:
        return
    corpus_dir = Path(settings.corpus_dir or CORPUS_DIR)
    labelled_clauses = {trust: clause_fingerprint(prepare_document((corpus_dir / info.source).read_bytes(),
                                                                   info.source, trust))
                        for trust, info in assistant._base_trusts.items() if (corpus_dir / info.source).exists()}
    precedents = build_precedents(read_training_questions(files), assistant.precedent_query,
                                  assistant.embedder.embed_documents, settings.data_dir, assistant.embedder.name)
    assistant.use_precedents(precedents, labelled_clauses)
