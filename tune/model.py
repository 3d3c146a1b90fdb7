"""The policy-tuned embedder on disk: built once (by setup, or on first use) and rebuilt when its inputs change.

Its fingerprint covers every training pair as retrieval would embed it (so a change to the training
questions, the corpus, the vocabulary or the question reader renames the model), the training config and
the base model. The embedder's name carries the fingerprint, and the index records the embedder's name, so
an index built with an older model is re-embedded rather than mixed with new query vectors.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.embed import BASE_NAME, base_model_path
from ingest.settings import Settings, force_offline
from tune.data import SilentPair, TrainingPair, load_training, training_files
from tune.train import TrainingConfig, fingerprint, save, train

log = logging.getLogger(__name__)

MODEL_DIR_NAME = "minilm-policy"


@dataclass(frozen=True)
class TunedModel:
    path: Path
    fingerprint: str
    pairs: int

    @property
    def name(self) -> str:
        return f"all-MiniLM-L6-v2-policy@{self.fingerprint}"


def default_model_root() -> Path:
    return Settings.from_env().model_dir


def training_inputs(training_dir: Path | None = None, corpus_dir: Path | None = None):
    from ingest.corpus import load_corpus_clauses, load_trusts

    clauses = load_corpus_clauses(corpus_dir)
    pairs, silent = load_training(training_files(training_dir), clauses, load_trusts(corpus_dir))
    return pairs, silent, clauses


def pairs_fingerprint(pairs: list[TrainingPair], config: TrainingConfig, silent: list[SilentPair] = ()) -> str:
    blob = json.dumps([asdict(p) for p in pairs], sort_keys=True).encode()
    silent_blob = json.dumps([asdict(s) for s in silent], sort_keys=True).encode()
    return fingerprint(config, [blob, silent_blob], BASE_NAME)


def stored(model_root: Path | None = None) -> dict | None:
    meta_path = Path(model_root or default_model_root()) / MODEL_DIR_NAME / "tune.json"
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_model(model_root: Path | None = None, training_dir: Path | None = None, corpus_dir: Path | None = None,
                 config: TrainingConfig | None = None, rebuild: bool = False) -> TunedModel:
    """The tuned model for the current inputs, training it first if it is missing or stale."""
    force_offline()
    config = config or TrainingConfig()
    target = Path(model_root or default_model_root()) / MODEL_DIR_NAME
    pairs, silent, clauses = training_inputs(training_dir, corpus_dir)
    if not pairs:
        raise ValueError(f"no training pairs found in {training_dir or 'training/'}")
    digest = pairs_fingerprint(pairs, config, silent)
    meta = stored(target.parent)
    if not rebuild and meta and meta.get("fingerprint") == digest:
        return TunedModel(target, digest, len(pairs))
    log.warning("training the policy-tuned embedder (%d pairs, %d not addressed); this takes a few minutes on CPU",
                len(pairs), len(silent))
    started = time.perf_counter()
    model = train(base_model_path(), pairs, clauses, config, silent)
    seconds = round(time.perf_counter() - started, 1)
    save(model, target, {"fingerprint": digest, "base": BASE_NAME, "pairs": len(pairs),
                         "silent_pairs": len(silent), "config": asdict(config), "train_seconds": seconds})
    log.info("tuned embedder saved to %s in %.0f s", target, seconds)
    return TunedModel(target, digest, len(pairs))
