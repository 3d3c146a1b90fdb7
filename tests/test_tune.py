"""The policy-tuned embedder: its training data, its batches, and a real (tiny) training run."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from evals.gold import check_gold_against_clauses, load_gold
from evals.runner import EVAL_PATHS
from tune.data import SilentPair, TrainingPair, load_pairs, load_training, training_files
from tune.train import Triple, batches, spread

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


@pytest.fixture(scope="module")
def corpus():
    from ingest.corpus import load_corpus_clauses, load_trusts

    return load_corpus_clauses(), load_trusts()


@pytest.mark.parametrize("path", training_files(), ids=lambda p: p.name)
def test_training_files_name_only_real_trusts_and_clauses(path, corpus):
    clauses, _ = corpus
    cases = load_gold(path, known_trusts=set(clauses))
    assert cases
    assert check_gold_against_clauses(cases, {t: {c.id: c.text for c in cs} for t, cs in clauses.items()}) == []


def test_no_evaluation_question_is_in_the_training_data():
    """The eval sets measure the tuned model only while none of their questions is trained on. Independent
    writers do ask about the same common situations (word overlap up to ~0.65 Jaccard); a copy is higher."""
    trained = [_words(c.question) for path in training_files() for c in load_gold(path)]
    for path in EVAL_PATHS:
        for case in load_gold(path):
            asked = _words(case.question)
            for words in trained:
                overlap = len(asked & words) / max(1, len(asked | words))
                assert overlap < 0.75, f"{path.name}:{case.id} is too close to a training question"


def test_every_training_pair_is_read_as_retrieval_reads_it(corpus):
    clauses, trusts = corpus
    pairs = load_pairs(training_files(), clauses, trusts)
    assert len(pairs) > 500
    mum = next(p for p in pairs if re.search(r"\bmum\b", p.query))
    assert "parents carers" in mum.query  # the vocabulary's policy terms are appended, as at query time
    assert all(p.positive for p in pairs)


def test_only_clear_silences_become_not_addressed_pairs(tmp_path, corpus):
    clauses, trusts = corpus
    path = tmp_path / "q.yaml"
    path.write_text('- id: s-1\n  question: "can I stream on twitch?"\n  trusts:\n'
                    '    wcat: {stance: not_addressed}\n'
                    '    dsat: {stance: [caution, not_addressed]}\n'
                    '    sjeat: {stance: caution, clauses: ["6.11"]}\n')
    pairs, silent = load_training([path], clauses, trusts)
    assert [p.trust for p in pairs] == ["sjeat"]
    # "caution or not addressed" is no clear silence: it is neither trained as an answer nor as a silence.
    assert silent == [SilentPair("q:s-1", "wcat", pairs[0].query)]


def test_spread_deals_every_item_once_deterministically():
    parts = spread(list(range(23)), 5, random.Random(3))
    assert len(parts) == 5 and sorted(x for part in parts for x in part) == list(range(23))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert spread(list(range(23)), 5, random.Random(3)) == parts


def test_batches_cover_every_triple_once_and_never_repeat_a_question():
    triples = [Triple(f"q{i % 7}", f"query {i}", f"pos {i}", f"neg {i}") for i in range(50)]
    out = batches(triples, 4, random.Random(1))
    flat = [t for batch in out for t in batch]
    assert sorted(flat, key=lambda t: t.query) == sorted(triples, key=lambda t: t.query)
    assert all(len({t.group for t in batch}) == len(batch) <= 4 for batch in out)
    assert batches(triples, 4, random.Random(1)) == out  # the same seed, the same order


def test_a_bad_training_file_names_the_case(tmp_path, corpus):
    clauses, trusts = corpus
    bad = tmp_path / "bad.yaml"
    bad.write_text('- id: x-1\n  question: "can I friend a pupil?"\n  trusts: {wcat: {stance: prohibited, '
                   'clauses: ["99.z"]}}\n')
    with pytest.raises(ValueError, match="x-1.*99.z"):
        load_pairs([bad], clauses, trusts)


@pytest.mark.slow
def test_tiny_training_run_saves_a_loadable_model_and_is_reused(tmp_path):
    """Two questions, one epoch: the model is written whole, named by its inputs, and not retrained."""
    from sentence_transformers import SentenceTransformer

    from tune.model import ensure_model
    from tune.train import TrainingConfig

    data = tmp_path / "training"
    data.mkdir()
    (data / "q.yaml").write_text(
        '- id: t-1\n  question: "a mum sent me a friend request, can I accept?"\n'
        '  trusts: {wcat: {stance: caution, clauses: ["6.xi"]}, sjeat: {stance: caution, clauses: ["6.11"]}}\n'
        '- id: t-2\n  question: "can I give a kid my mobile number?"\n'
        '  trusts: {wcat: {stance: prohibited, clauses: ["6.i"]}, stoc: {stance: not_addressed}}\n')
    config = TrainingConfig(epochs=1, batch_size=2, max_seq_length=64)
    tuned = ensure_model(tmp_path / "models", training_dir=data, config=config)
    meta = json.loads((tuned.path / "tune.json").read_text())
    assert meta["fingerprint"] == tuned.fingerprint and meta["pairs"] == 3 and meta["silent_pairs"] == 1
    assert tuned.name.endswith(tuned.fingerprint)
    vector = SentenceTransformer(str(tuned.path), device="cpu").encode("friend request")
    assert vector.shape == (384,)
    again = ensure_model(tmp_path / "models", training_dir=data, config=config)
    assert again == tuned and json.loads((tuned.path / "tune.json").read_text()) == meta  # not retrained
    (data / "q.yaml").write_text((data / "q.yaml").read_text().replace("mobile number", "personal email"))
    changed = ensure_model(tmp_path / "models", training_dir=data, config=config)
    assert changed.fingerprint != tuned.fingerprint  # new inputs, new name: old indexes get re-embedded


def test_training_pair_records_every_acceptable_clause():
    from tune.data import is_gold

    pair = TrainingPair("g", "wcat", "q", "p", ("6.x", "6.xi"))
    assert is_gold("6.xi", pair) and is_gold("6.x", pair) and not is_gold("6.xii", pair)
