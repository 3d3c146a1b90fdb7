"""The bundled corpus: trust metadata and the policies' clauses, parsed straight from corpus/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.loaders import load_path
from ingest.parse import parse_lines
from ingest.records import Clause

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"


@dataclass(frozen=True)
class TrustInfo:
    """What the corpus metadata says about one trust's policy."""

    trust: str
    name: str
    short_name: str
    title: str
    source: str
    version: str | None = None
    approved: str | None = None
    review: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


def load_trusts(corpus_dir: Path | None = None) -> dict[str, TrustInfo]:
    entries = yaml.safe_load((Path(corpus_dir or CORPUS_DIR) / "policies.yaml").read_text(encoding="utf-8"))
    return {e["trust"]: TrustInfo(**{**e, "aliases": tuple(e.get("aliases") or ())}) for e in entries}


def parse_document(path: Path, trust: str) -> list[Clause]:
    return parse_lines(load_path(path), trust=trust, source=Path(path).name)


def load_corpus_clauses(corpus_dir: Path | None = None) -> dict[str, list[Clause]]:
    """Every bundled trust's clauses in document order, parsed without touching the index."""
    root = Path(corpus_dir or CORPUS_DIR)
    return {t.trust: parse_document(root / t.source, t.trust) for t in load_trusts(root).values()}
