"""Calibration: grid-search the not-addressed thresholds (compose.Thresholds) on chosen eval sets.

Retrieval does not depend on the thresholds, so each question is embedded and retrieved once and every
grid point re-reads the cached hits: a grid of ~200 points costs minutes, not hours. Calibrate on the
gold set and the first two holdouts only; holdout_c and holdout_d stay blind so they can still tell whether
the chosen thresholds generalise.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass, replace
from pathlib import Path

from evals.gold import load_gold
from evals.runner import GOLD_PATH, HOLDOUT_B_PATH, HOLDOUT_PATH, answer_cases, clause_texts
from evals.score import score_answers

CALIBRATION_PATHS = (GOLD_PATH, HOLDOUT_PATH, HOLDOUT_B_PATH)
GRID = {
    "min_score": (0.33, 0.35, 0.37, 0.39, 0.41, 0.43),
    "max_gap": (0.04, 0.06, 0.08, 0.10, 0.12),
    "confident_score": (0.41, 0.43, 0.45, 0.47, 0.50, 0.55),
}


@dataclass(frozen=True)
class GridPoint:
    min_score: float
    max_gap: float
    confident_score: float
    stance: float  # mean stance accuracy over the sets
    na_recall: float
    na_precision: float
    hit_at_1: float

    @property
    def objective(self) -> float:
        # Stance accuracy counts every pair, silences included, so it leads; the not-addressed F1 breaks
        # near-ties towards thresholds that neither hide real answers nor answer silences.
        total = self.na_precision + self.na_recall
        return self.stance + 0.25 * (2 * self.na_precision * self.na_recall / total if total else 0.0)


class _CachingEmbedder:
    """The assistant's embedder with query vectors memoised (documents are embedded at build time only)."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, list[float]] = {}

    def embed_query(self, text: str) -> list[float]:
        if text not in self._vectors:
            self._vectors[text] = self._embedder.embed_query(text)
        return self._vectors[text]

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


def _cached_copy(assistant):
    """A private copy of the assistant whose retrieval is memoised (the thresholds do not touch it)."""
    copy = assistant.copy(embedder=_CachingEmbedder(assistant.embedder))
    hits: dict = {}
    retrieve = copy.retriever.retrieve

    def cached_retrieve(question, trusts, k=5, query_vector=None, latest_turn="", query_text=None, votes=None,
                        lexical_text=None):
        # The votes follow from the query vector, which follows from the texts in the key.
        key = (question, tuple(trusts), k, latest_turn, query_text, lexical_text)
        if key not in hits:
            hits[key] = retrieve(question, trusts, k, query_vector, latest_turn, query_text, votes, lexical_text)
        return hits[key]

    copy.retriever.retrieve = cached_retrieve
    return copy


def calibrate(assistant, paths=CALIBRATION_PATHS, grid=GRID) -> tuple[GridPoint, list[GridPoint]]:
    """The current thresholds' point, and every grid point best first. `assistant` itself is not changed."""
    base = assistant.thresholds
    assistant = _cached_copy(assistant)
    texts = clause_texts(assistant)
    sets = [load_gold(path, known_trusts=set(assistant.trusts)) for path in paths]

    def evaluate(thresholds) -> GridPoint:
        assistant.thresholds = thresholds
        figures = [score_answers(cases, answer_cases(assistant, cases), texts, resamples=0).overall
                   for cases in sets]

        def mean(attribute: str) -> float:
            values = [getattr(f, attribute) for f in figures if getattr(f, attribute) is not None]
            return sum(values) / len(values) if values else 0.0

        return GridPoint(thresholds.min_score, thresholds.max_gap, thresholds.confident_score,
                         mean("stance_accuracy"), mean("not_addressed_recall"), mean("not_addressed_precision"),
                         mean("hit_at_1"))

    current = evaluate(base)
    points = [evaluate(replace(base, min_score=m, max_gap=g, confident_score=c))
              for m, g, c in itertools.product(grid["min_score"], grid["max_gap"], grid["confident_score"])
              if c >= m]
    return current, sorted(points, key=lambda p: p.objective, reverse=True)


def render(current: GridPoint, points: list[GridPoint], top: int = 15) -> str:
    lines = ["| min_score | max_gap | confident | stance | NA recall | NA precision | hit@1 | objective |",
             "|---|---|---|---|---|---|---|---|"]
    for p in [current, *points[:top]]:
        lines.append(f"| {p.min_score} | {p.max_gap} | {p.confident_score} | {p.stance:.3f} | {p.na_recall:.3f} | "
                     f"{p.na_precision:.3f} | {p.hit_at_1:.3f} | {p.objective:.3f} |")
    return "\n".join(lines)


def main_calibrate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals calibrate",
                                     description="grid-search the not-addressed thresholds")
    parser.add_argument("--gold", action="append", type=Path,
                        help="eval file(s) to calibrate on (default: gold, holdout, holdout_b)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    from assistant.service import build_assistant

    assistant = build_assistant()
    current, points = calibrate(assistant, args.gold or CALIBRATION_PATHS)
    print("first row: the current thresholds; then the grid, best first (mean over the sets)\n")
    print(render(current, points, args.top))
    return 0
