"""Precedents: labelled training questions vote on the clause and the stance of a new question."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.compose import _weigh_precedents
from assistant.precedents import NO_VOTE, Precedent, Precedents, Vote, build_precedents, read_training_questions


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _label(trust: str, stances: tuple[str, ...], clauses: tuple[str, ...] = ()) -> Precedent:
    return Precedent(trust, stances, clauses)


@pytest.fixture
def precedents() -> Precedents:
    vectors = np.stack([_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0, 1, 0), _unit(0, 0, 1)])
    labels = [
        (_label("wcat", ("prohibited",), ("6.xi",)), _label("stoc", ("not_addressed",))),
        (_label("wcat", ("prohibited", "caution"), ("6.xi", "6.x")),),
        (_label("wcat", ("required",), ("7.i",)),),
        (_label("stoc", ("permitted",), ("3.8",)),),
    ]
    return Precedents(np.stack(vectors), labels)


def test_the_nearest_labelled_questions_of_that_trust_vote(precedents):
    vote = precedents.vote(_unit(1, 0.05, 0), "wcat", k=2)
    assert set(vote.stance_share) == {"prohibited", "caution"}
    assert vote.stance_share["prohibited"] > 0.7
    assert sum(vote.stance_share.values()) == pytest.approx(1.0)
    # The governing clause counts fully, an accepted alternative half.
    assert vote.clause_share["6.xi"] == pytest.approx(1.0)
    assert 0 < vote.clause_share["6.x"] < 0.5


def test_only_questions_labelled_for_the_trust_vote(precedents):
    vote = precedents.vote(_unit(1, 0, 0), "stoc", k=1)
    assert vote.stance_share == {"not_addressed": pytest.approx(1.0)}
    assert vote.clause_share == {}
    assert precedents.vote(_unit(1, 0, 0), "abc", k=3) is NO_VOTE
    assert precedents.vote(_unit(1, 0, 0), "wcat", k=0) is NO_VOTE


def test_a_vote_for_a_clause_supports_its_sub_clauses_and_its_parent():
    vote = Vote({"prohibited": 1.0}, {"9.i": 0.6, "6.xi": 0.4})
    assert vote.clause_support("9.i.b") == pytest.approx(0.6)
    assert vote.clause_support("9") == pytest.approx(0.0)
    assert vote.clause_support("9.i") == pytest.approx(0.6)
    assert vote.clause_support("6.x") == pytest.approx(0.0)  # a prefix of the text, not a parent clause


def test_the_reading_stands_unless_the_precedents_clearly_agree_on_another_stance():
    split = {"prohibited": 0.55, "caution": 0.45}
    assert _weigh_precedents("caution", split, reading_weight=0.5) == "caution"
    agreed = {"prohibited": 0.8, "caution": 0.2}
    assert _weigh_precedents("caution", agreed, reading_weight=0.5) == "prohibited"
    silent = {"not_addressed": 0.9, "caution": 0.1}
    assert _weigh_precedents("caution", silent, reading_weight=0.5) == "not_addressed"
    # A tie keeps the reading.
    assert _weigh_precedents("caution", {"prohibited": 0.5}, reading_weight=0.5) == "caution"


def test_training_files_are_read_with_their_labels(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "- id: q1\n"
        "  question: can I text a parent?\n"
        "  history: [earlier]\n"
        "  trusts:\n"
        "    wcat: {stance: [prohibited, caution], clauses: ['6.v']}\n"
        "    stoc: {stance: not_addressed}\n", encoding="utf-8")
    [question] = read_training_questions([tmp_path / "a.yaml"])
    assert question.history == ("earlier",)
    by_trust = {label.trust: label for label in question.labels}
    assert by_trust["wcat"].stances == ("prohibited", "caution")
    assert by_trust["wcat"].clauses == ("6.v",)
    assert by_trust["stoc"].clauses == ()


def test_precedent_vectors_are_cached_by_model_and_texts(tmp_path):
    calls: list[int] = []

    def embed(texts):
        calls.append(len(texts))
        return [[1.0, 0.0] for _ in texts]

    questions = read_training_questions([])
    (tmp_path / "t.yaml").write_text("- id: q\n  question: hi there\n  trusts: {wcat: {stance: permitted}}\n")
    questions = read_training_questions([tmp_path / "t.yaml"])
    first = build_precedents(questions, lambda q: q.question, embed, tmp_path / "cache", "model-a")
    again = build_precedents(questions, lambda q: q.question, embed, tmp_path / "cache", "model-a")
    other = build_precedents(questions, lambda q: q.question, embed, tmp_path / "cache", "model-b")
    assert calls == [1, 1]  # the second build read the cache; another model embeds again
    assert len(first) == len(again) == len(other) == 1
    assert len(list((tmp_path / "cache").glob("precedents-*.npy"))) == 1


def test_a_replaced_policy_gets_no_votes_from_labels_written_for_the_old_one(corpus_store, embedder, tmp_path):
    from assistant.generate import make_generator
    from assistant.service import Assistant, load_precedents
    from ingest.corpus import load_trusts
    from ingest.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    assistant = Assistant(corpus_store, embedder, load_trusts(), make_generator(settings))
    load_precedents(assistant, settings)
    assert assistant.precedents is not None and len(assistant.precedents) > 100
    assert assistant.precedent_trusts == set(assistant.trusts)
    assistant.commit_upload(b"1. Staff must not use social media at work.\n2. Report concerns to the Head.\n",
                            "new.txt", "stoc")
    assert "stoc" not in assistant.precedent_trusts
    assert assistant.precedent_trusts == set(assistant.trusts) - {"stoc"}


def test_an_index_re_embedded_for_a_retrained_model_keeps_its_precedents(built_settings, embedder, tmp_path):
    # The index's version stamps name the model they were embedded with; the labels hold for the same clauses
    # whatever model embeds them, so a re-embedded index must not silently lose every precedent.
    import shutil

    from assistant.generate import make_generator
    from assistant.service import Assistant, load_precedents
    from helpers import RenamedEmbedder
    from ingest.corpus import load_trusts
    from ingest.settings import Settings
    from ingest.store import open_store

    settings = Settings(data_dir=tmp_path / "data")
    shutil.copytree(built_settings.data_dir, settings.data_dir)
    retrained = RenamedEmbedder(embedder, "retrained-model")
    store = open_store(settings, retrained.name, retrained)
    assistant = Assistant(store, retrained, load_trusts(), make_generator(settings))
    load_precedents(assistant, settings)
    assert assistant.precedent_trusts == set(assistant.trusts) == set(load_trusts())
