"""Fine-tune the packaged MiniLM on the training questions, deterministically, on CPU.

Contrastive training (multiple-negatives ranking loss): each question's query text is pulled towards its
governing clause and pushed from the other clauses in the batch and from one hard negative, the clause of
the same trust that the base model wrongly ranks highest. Pairs of one question never meet in a batch, and
a batch never holds a clause as a negative for a question it answers.

Questions a trust's policy does not address teach the model where relevance ends: the trust's clause that
the model ranks highest for such a question is pushed below every answered pair of the batch by a margin
(a pairwise ranking term), so a single score threshold can tell "silent" from "answered".
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.pipeline import embedding_text
from ingest.records import Clause
from tune.data import SilentPair, TrainingPair, is_gold

log = logging.getLogger(__name__)

# Bump when the training procedure changes in a way the config does not show: it renames the model,
# so every index built with the old one is re-embedded.
PROCEDURE_VERSION = 1


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 2
    learning_rate: float = 2e-5
    batch_size: int = 16
    scale: float = 20.0  # inverse temperature of the cosine logits
    max_seq_length: int = 128  # training only (queries and clauses are embedded whole); halves the time
    seed: int = 13
    silence_weight: float = 1.0  # weight of the not-addressed ranking term (0: answered pairs only)
    silence_margin: float = 0.1  # cosine by which a silent pair must stay below every answered pair


@dataclass(frozen=True)
class Triple:
    group: str
    query: str
    positive: str
    negative: str


def fingerprint(config: TrainingConfig, inputs: list[bytes], base_model: str) -> str:
    """A short digest of everything the tuned weights depend on."""
    digest = hashlib.sha256(json.dumps([asdict(config), base_model, PROCEDURE_VERSION]).encode())
    for blob in inputs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()[:12]


def _encode(model, texts: list[str]):
    return model.encode(texts, normalize_embeddings=True, batch_size=32, show_progress_bar=False)


def _clause_vectors(model, clauses: dict[str, list[Clause]]):
    """Each trust's clause embedding texts and their normalised vectors under `model`."""
    texts = {trust: [embedding_text(c) for c in trust_clauses] for trust, trust_clauses in clauses.items()}
    return texts, {trust: _encode(model, t) for trust, t in texts.items()}


def mine_triples(model, pairs: list[TrainingPair], clauses: dict[str, list[Clause]]) -> list[Triple]:
    """Attach to each pair the non-gold clause of its trust that the model ranks highest."""
    import numpy as np

    texts, vectors = _clause_vectors(model, clauses)
    queries = _encode(model, [p.query for p in pairs])
    triples = []
    for pair, query in zip(pairs, queries):
        order = np.argsort(-(vectors[pair.trust] @ query), kind="stable")
        negative = next(i for i in order if not is_gold(clauses[pair.trust][i].id, pair))
        triples.append(Triple(pair.group, pair.query, pair.positive, texts[pair.trust][negative]))
    return triples


def mine_silences(model, silent: list[SilentPair], clauses: dict[str, list[Clause]]) -> list[tuple[str, str]]:
    """(query, clause text) for each silent pair: the trust's clause the model now ranks highest."""
    import numpy as np

    if not silent:
        return []
    texts, vectors = _clause_vectors(model, clauses)
    queries = _encode(model, [s.query for s in silent])
    return [(s.query, texts[s.trust][int(np.argmax(vectors[s.trust] @ q))]) for s, q in zip(silent, queries)]


def spread(items: list, parts: int, rng: random.Random) -> list[list]:
    """`items` shuffled and dealt round-robin into `parts` lists."""
    items = items[:]
    rng.shuffle(items)
    return [items[i::parts] for i in range(parts)]


def batches(triples: list[Triple], size: int, rng: random.Random) -> list[list[Triple]]:
    """Shuffled batches in which no question appears twice (its other trusts' clauses are not negatives)."""
    pending = triples[:]
    rng.shuffle(pending)
    out: list[list[Triple]] = []
    while pending:
        batch, groups, rest = [], set(), []
        for triple in pending:
            if len(batch) < size and triple.group not in groups:
                batch.append(triple)
                groups.add(triple.group)
            else:
                rest.append(triple)
        out.append(batch)
        pending = rest
    return out


def train(base_path: Path, pairs: list[TrainingPair], clauses: dict[str, list[Clause]],
          config: TrainingConfig, silent: list[SilentPair] = ()):
    """The tuned SentenceTransformer (not saved)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = SentenceTransformer(str(base_path), device="cpu", local_files_only=True)
    model.max_seq_length = config.max_seq_length
    triples = mine_triples(model, pairs, clauses)
    silent = list(silent) if config.silence_weight > 0 else []
    tokenize = getattr(model, "preprocess", None) or model.tokenize

    def encode(texts: list[str]):
        features = tokenize(texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    for epoch in range(config.epochs):
        started, losses = time.perf_counter(), []
        model.eval()
        # Re-mined every epoch: the clause that looks most like an answer moves as the model learns.
        silences = mine_silences(model, silent, clauses)
        model.train()
        epoch_batches = batches(triples, config.batch_size, rng)
        for batch, batch_silences in zip(epoch_batches, spread(silences, len(epoch_batches), rng)):
            queries = encode([t.query for t in batch])
            docs_text = [t.positive for t in batch] + [t.negative for t in batch]
            docs = encode(docs_text)
            logits = queries @ docs.T * config.scale
            # Another row's clause that is this question's own clause is no negative.
            same = torch.tensor([[j != i and doc == batch[i].positive for j, doc in enumerate(docs_text)]
                                 for i in range(len(batch))])
            logits = logits.masked_fill(same, float("-inf"))
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            if batch_silences:
                answered = (queries * docs[:len(batch)]).sum(-1)
                silent_queries = encode([q for q, _ in batch_silences])
                silent_clauses = encode([c for _, c in batch_silences])
                unanswered = (silent_queries * silent_clauses).sum(-1)
                gaps = unanswered[:, None] - answered[None, :] + config.silence_margin
                loss = loss + config.silence_weight * torch.relu(gaps).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        log.info("epoch %d: mean loss %.3f over %d batches, %.0f s", epoch + 1, sum(losses) / len(losses),
                 len(losses), time.perf_counter() - started)
    model.eval()
    return model


def save(model, target: Path, meta: dict) -> None:
    """Write the model beside its target and move it into place, so a half-written model is never used."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save(str(staging))
    (staging / "tune.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
