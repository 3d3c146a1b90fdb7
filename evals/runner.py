"""The eval run: answer the gold set through the batch code path, score ours and the baseline side by side."""

from __future__ import annotations

import json
import time
from pathlib import Path

from evals.gold import GoldCase, load_gold
from evals.score import ScoreReport, check_thresholds, load_thresholds, render_markdown, score_answers

EVALS_DIR = Path(__file__).resolve().parent
GOLD_PATH = EVALS_DIR / "gold.yaml"
HOLDOUT_PATH = EVALS_DIR / "holdout.yaml"
HOLDOUT_B_PATH = EVALS_DIR / "holdout_b.yaml"  # written independently from the policies alone
HOLDOUT_C_PATH = EVALS_DIR / "holdout_c.yaml"  # written blind to the code and the other sets; never tuned on
HOLDOUT_D_PATH = EVALS_DIR / "holdout_d.yaml"  # written blind to the code, the training data and the other sets
HOLDOUT_E_PATH = EVALS_DIR / "holdout_e.yaml"  # the same, later (session 19), in the style of staff-forum posts
EVAL_PATHS = (GOLD_PATH, HOLDOUT_PATH, HOLDOUT_B_PATH, HOLDOUT_C_PATH, HOLDOUT_D_PATH, HOLDOUT_E_PATH)
TARGETS_PATH = EVALS_DIR / "targets.yaml"


def answer_cases(assistant, cases: list[GoldCase]) -> dict[str, dict]:
    """Ours, through exactly the function `python -m assistant batch` uses."""
    from assistant.__main__ import batch_lines

    raw = [{"id": c.id, "question": c.question, "history": list(c.history)} for c in cases]
    return {record["id"]: record for record in batch_lines(assistant, raw)}


def clause_texts(assistant) -> dict[str, dict[str, str]]:
    return {t: {c.id: c.text for c in assistant.store.clauses(t)} for t in assistant.trusts}


def run(assistant, gold_paths: list[Path], baseline: bool = True) -> dict[str, dict[str, ScoreReport]]:
    """Reports per gold file: {"gold": {"ours": ..., "baseline": ...}, "holdout": {...}}."""
    texts = clause_texts(assistant)
    tutorial = None
    if baseline:
        from evals.baseline import TutorialBaseline

        clauses_by_trust = {t: assistant.store.clauses(t) for t in assistant.trusts}
        # The tutorial pipeline as a tutorial would build it: the stock packaged model, not our tuned one.
        from ingest.embed import get_embedder

        tutorial = TutorialBaseline(get_embedder("minilm").langchain, clauses_by_trust)
    results = {}
    for path in gold_paths:
        cases = load_gold(path, known_trusts=set(assistant.trusts))
        answer_cases(assistant, cases[:3])  # warm-up, so latency figures are steady-state
        reports = {"ours": score_answers(cases, answer_cases(assistant, cases), texts)}
        if tutorial is not None:
            answers = {}
            for case in cases:
                t0 = time.perf_counter()
                record = tutorial.answer_case(case)
                record["latency_ms"] = (time.perf_counter() - t0) * 1000
                answers[case.id] = record
            reports["baseline"] = score_answers(cases, answers, texts)
        results[path.stem] = reports
    return results


def write_reports(results: dict[str, dict[str, ScoreReport]], out_dir: Path, failures: list[str]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = ["# Evaluation report", ""]
    if failures:
        parts += ["**Gate: FAILED**", "", *[f"- {f}" for f in failures], ""]
    else:
        parts += ["**Gate: passed** (thresholds in evals/thresholds.yaml)", ""]
    if "gold" in results and TARGETS_PATH.exists():
        unmet = check_thresholds(results["gold"]["ours"], load_thresholds(TARGETS_PATH))
        parts += ["## Product targets (evals/targets.yaml) on the gold set", ""]
        parts += [f"- not met: {m}" for m in unmet] or ["- all met"]
        parts += [""]
    for name, reports in results.items():
        body = render_markdown(reports).replace("\n## ", "\n### ").replace("# Eval score", f"## {name}", 1)
        parts += [body, ""]
    markdown = "\n".join(parts)
    (out_dir / "eval.md").write_text(markdown, encoding="utf-8")
    payload = {name: {system: report.to_dict() for system, report in reports.items()}
               for name, reports in results.items()}
    payload["threshold_failures"] = failures
    (out_dir / "eval.json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return out_dir / "eval.md"


def headline(results: dict[str, dict[str, ScoreReport]]) -> str:
    lines = []
    for name, reports in results.items():
        for system, report in reports.items():
            f = report.overall
            lines.append(
                f"{name:8} {system:8} hit@1={_p(f.hit_at_1)} hit@3={_p(f.hit_at_3)} mrr={_p(f.mrr)} "
                f"stance={_p(f.stance_accuracy)} na_p={_p(f.not_addressed_precision)} "
                f"na_r={_p(f.not_addressed_recall)} na_r_only={_p(f.not_addressed_recall_unambiguous)} "
                f"flips={f.critical_flips} leaks={f.cross_trust_citations} "
                f"nonverbatim={f.non_verbatim_quotes} p50={_ms(report.latency_p50_ms)}"
            )
    return "\n".join(lines)


def _p(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:.0f}ms"


def gate(results: dict[str, dict[str, ScoreReport]], thresholds_path: Path | None = None) -> list[str]:
    thresholds = load_thresholds(thresholds_path) if thresholds_path else load_thresholds()
    return check_thresholds(results["gold"]["ours"], thresholds) if "gold" in results else []

