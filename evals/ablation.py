"""Ablation: each retrieval lever switched off in turn (and dense-only / lexical-only), scored on a gold file.
Precedents switched off entirely also take their stance votes away (the stance is part of what they give)."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from evals.gold import load_gold
from evals.runner import GOLD_PATH, answer_cases, clause_texts
from evals.score import score_answers

VARIANTS: dict[str, dict] = {
    "all levers (default)": {},
    "- BM25 fusion (dense only)": {"bm25": False},
    "- domain vocabulary": {"vocabulary": False},
    "- section titles in lexical index": {"titles": False},
    "- audience weighting": {"audience": False},
    "- precedents' clause votes (stance votes kept)": {"precedent_weight": 0.0},
    "- precedents (no votes at all)": {"precedent_k": 0},
    "+ party matching (parents / former pupils / colleagues / family; off by default)": {"parties": True},
    "lexical-heavy fusion (dense 0.3)": {"dense_weight": 0.3},
    "dense 0.7 (the stock model's weight)": {"dense_weight": 0.7},
    "plain dense (no levers)": {"bm25": False, "vocabulary": False, "titles": False, "audience": False,
                                "parties": False, "precedent_k": 0},
}


def run_ablation(assistant, gold_path: Path) -> list[dict]:
    cases = load_gold(gold_path, known_trusts=set(assistant.trusts))
    texts = clause_texts(assistant)
    rows = []
    for name, changes in VARIANTS.items():
        variant = assistant.copy(levers=replace(assistant.retriever.levers, **changes))
        figures = score_answers(cases, answer_cases(variant, cases), texts, resamples=200).overall
        rows.append({"variant": name, "hit_at_1": figures.hit_at_1, "hit_at_3": figures.hit_at_3, "mrr": figures.mrr,
                     "stance_accuracy": figures.stance_accuracy,
                     "not_addressed_recall": figures.not_addressed_recall})
    return rows


def render(rows: list[dict]) -> str:
    lines = ["| variant | hit@1 | hit@3 | MRR | stance acc | n/a recall |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['variant']} | {r['hit_at_1']:.3f} | {r['hit_at_3']:.3f} | {r['mrr']:.3f} | "
                     f"{r['stance_accuracy']:.3f} | {r['not_addressed_recall']:.3f} |")
    return "\n".join(lines)


def main_ablation(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals ablation")
    parser.add_argument("--gold", type=Path, default=GOLD_PATH)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    from assistant.service import build_assistant

    rows = run_ablation(build_assistant(), args.gold)
    table = render(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.md").write_text(f"# Retrieval ablation on {args.gold.name}\n\n{table}\n", encoding="utf-8")
    (args.out / "ablation.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table)
    return 0
