"""One frozen Settings, read from the environment once, shared by the CLI, the app and the evals."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Nothing may reach the internet at start: Gradio, the hub client and Chroma all phone home otherwise.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


# The tuned model is built beside the code (like the corpus it is trained for), whatever the working directory.
MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
TRAINING_DIR = Path(__file__).resolve().parent.parent / "training"


def force_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    collection: str = "policy_clauses"
    embedder: str = "minilm-policy"  # key into ingest.embed.EMBEDDERS
    chroma_host: str | None = None  # set to use a Chroma server instead of the embedded directory
    chroma_port: int = 8000
    generator: str = "extractive"  # key into assistant.generate.GENERATORS
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 60.0
    corpus_dir: Path | None = None
    model_dir: Path = MODEL_DIR  # where the policy-tuned embedder is built
    training_dir: Path = TRAINING_DIR  # labelled staff questions: the tuned embedder's data and the precedents

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        values = {
            "data_dir": Path(env.get("POLICY_DATA_DIR", "data")),
            "collection": env.get("POLICY_COLLECTION", "policy_clauses"),
            "embedder": env.get("POLICY_EMBEDDER", "minilm-policy"),
            "chroma_host": env.get("CHROMA_HOST") or None,
            "chroma_port": int(env.get("CHROMA_PORT", "8000")),
            "generator": env.get("POLICY_GENERATOR", "extractive"),
            "llm_base_url": env.get("POLICY_LLM_BASE_URL") or None,
            "llm_model": env.get("POLICY_LLM_MODEL", "local"),
            "llm_api_key": env.get("POLICY_LLM_API_KEY", "not-needed"),
            "llm_timeout_s": float(env.get("POLICY_LLM_TIMEOUT", "60")),
            "model_dir": Path(env.get("POLICY_MODEL_DIR", MODEL_DIR)),
            "training_dir": Path(env.get("POLICY_TRAINING_DIR", TRAINING_DIR)),
        }
        values.update(overrides)
        return cls(**values)
