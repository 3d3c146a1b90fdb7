"""Scoring a system's answers against the gold: the ScoreReport, its Markdown, threshold checks and the CLI.

`score_answers` is the one entry point a runner needs; it scores any system the same way (a
retrieval-only baseline with stance None gets n/a stance figures). `main_score` is
`python -m evals score GOLD.yaml ANSWERS.jsonl [--out DIR]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from evals.gold import GoldCase, GoldError, check_gold_against_clauses, load_gold
from evals.metrics import (
    AnswerFormatError,
    CaseAnswers,
    Confusion,
    Figures,
    IntegrityIssue,
    Interval,
    PairGrade,
    compute_figures,
    confusion_matrix,
    describe_issue,
    grade_pair,
    integrity_issues,
    pair_problems,
    parse_case_answers,
    percentile,
    truncate,
)

DEFAULT_THRESHOLDS_PATH = Path(__file__).with_name("thresholds.yaml")
QUESTION_LIMIT = 80  # characters of the question shown in a failure row

ClausesByTrust = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Failure:
    """Everything that went wrong for one (case, trust) answer."""

    case_id: str
    trust: str
    question: str  # truncated to QUESTION_LIMIT
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ScoreReport:
    overall: Figures
    per_trust: Mapping[str, Figures]
    confusion: Confusion | None  # None when the system reports no stances
    failures: tuple[Failure, ...]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    unknown_case_ids: tuple[str, ...]  # answer lines whose id is not in the gold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_answers(
    gold_cases: Sequence[GoldCase],
    answers_by_id: Mapping[str, CaseAnswers | Mapping[str, Any]],
    clauses_by_trust: ClausesByTrust,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> ScoreReport:
    """Grade every (gold case, trust) pair; answers may be CaseAnswers or raw batch-format dicts."""
    answers = {
        case_id: value if isinstance(value, CaseAnswers) else parse_case_answers(value)
        for case_id, value in answers_by_id.items()
    }
    pairs: list[PairGrade] = []
    for case in gold_cases:
        case_answers = answers.get(case.id)
        for trust, gold in case.trusts.items():
            answer = case_answers.for_trust(trust) if case_answers else None
            pairs.append(grade_pair(case.id, trust, case.question, gold, answer))
    issues = [
        issue
        for case_answers in answers.values()
        for issue in integrity_issues(case_answers, clauses_by_trust)
    ]
    # A system that never gives a stance (a baseline) gets n/a stance figures, not zeros.
    stances_reported = any(
        a.stance is not None for case_answers in answers.values() for a in case_answers.answers
    )

    def figures(selected_pairs: Sequence[PairGrade], selected_issues: Sequence[IntegrityIssue]) -> Figures:
        return compute_figures(
            selected_pairs, selected_issues, stances_reported=stances_reported, resamples=resamples, seed=seed
        )

    trusts = sorted({p.trust for p in pairs} | {i.answer_trust for i in issues})
    per_trust = {
        trust: figures([p for p in pairs if p.trust == trust], [i for i in issues if i.answer_trust == trust])
        for trust in trusts
    }
    stance_pairs = [p for p in pairs if p.stance_graded] if stances_reported else []
    latencies = [a.latency_ms for a in answers.values() if a.latency_ms is not None]
    gold_ids = {case.id for case in gold_cases}
    return ScoreReport(
        overall=figures(pairs, issues),
        per_trust=per_trust,
        confusion=confusion_matrix(stance_pairs) if stance_pairs else None,
        failures=_failures(gold_cases, pairs, issues),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        unknown_case_ids=tuple(case_id for case_id in answers if case_id not in gold_ids),
    )


def _failures(
    gold_cases: Sequence[GoldCase], pairs: Sequence[PairGrade], issues: Sequence[IntegrityIssue]
) -> tuple[Failure, ...]:
    """Group problems per (case, trust), gold order first, then answers the gold does not grade."""
    problems: dict[tuple[str, str], list[str]] = {}
    for pair in pairs:
        if found := pair_problems(pair):
            problems.setdefault((pair.case_id, pair.trust), []).extend(found)
    for issue in issues:
        problems.setdefault((issue.case_id, issue.answer_trust), []).append(describe_issue(issue))
    questions = {case.id: case.question for case in gold_cases}
    order = {key: index for index, key in enumerate((p.case_id, p.trust) for p in pairs)}
    keys = sorted(problems, key=lambda key: (order.get(key, len(order)), key))
    return tuple(
        Failure(
            case_id,
            trust,
            truncate(questions.get(case_id, ""), QUESTION_LIMIT),
            tuple(problems[(case_id, trust)]),
        )
        for case_id, trust in keys
    )


# --- thresholds --------------------------------------------------------------------------------

# Thresholds named like a figure are minimums; these are maximums, keyed by the figure they cap.
_MINIMUM_FIGURES = frozenset(
    {"hit_at_1", "hit_at_3", "mrr", "citation_precision", "stance_accuracy", "stance_macro_f1"}
    | {"not_addressed_recall", "not_addressed_recall_unambiguous", "not_addressed_precision"}
)
_MAXIMUM_FIGURES = {
    "max_cross_trust_citations": "cross_trust_citations",
    "max_unknown_clauses": "unknown_clauses",
    "max_non_verbatim_quotes": "non_verbatim_quotes",
    "max_missing_answers": "missing_answers",
    "critical_flips": "critical_flips",
}


def load_thresholds(path: str | Path = DEFAULT_THRESHOLDS_PATH) -> dict[str, float]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, (int, float)) for v in raw.values()):
        raise ValueError(f"{path}: thresholds must be a mapping of name -> number")
    return {str(key): float(value) for key, value in raw.items()}


def check_thresholds(report: ScoreReport, thresholds: Mapping[str, float]) -> list[str]:
    """One message per overall figure below its minimum (or count above its maximum).

    An n/a figure (nothing to measure, e.g. no not_addressed answers at all) is not a failure.
    """
    known = _MINIMUM_FIGURES | set(_MAXIMUM_FIGURES)
    unknown = sorted(set(thresholds) - known)
    if unknown:
        raise ValueError(f"unknown threshold(s) {unknown}; expected some of {sorted(known)}")
    messages = []
    for key, limit in thresholds.items():
        is_minimum = key in _MINIMUM_FIGURES
        attribute = key if is_minimum else _MAXIMUM_FIGURES[key]
        value = getattr(report.overall, attribute)
        if value is None:
            continue
        if is_minimum and value < limit - 1e-9:
            messages.append(f"{attribute} {value:.3f} is below the threshold {limit:.3f}")
        elif not is_minimum and value > limit:
            messages.append(f"{attribute} {value:g} is above the maximum {limit:g}")
    return messages


# --- Markdown ----------------------------------------------------------------------------------

_HEADLINE_ROWS: tuple[tuple[str, str], ...] = (
    ("graded pairs", "pairs"),
    ("missing answers", "missing_answers"),
    ("pairs graded on citations", "citation_pairs"),
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("MRR", "mrr"),
    ("citation precision", "citation_precision"),
    ("citations per answer", "citations_per_answer"),
    ("pairs graded on stance", "stance_pairs"),
    ("stance accuracy", "stance_accuracy"),
    ("stance macro-F1", "stance_macro_f1"),
    ("not_addressed precision", "not_addressed_precision"),
    ("not_addressed recall", "not_addressed_recall"),
    ("not_addressed recall, gold only not_addressed", "not_addressed_recall_unambiguous"),
    ("critical flips", "critical_flips"),
    ("cross-trust citations", "cross_trust_citations"),
    ("unknown clauses", "unknown_clauses"),
    ("non-verbatim quotes", "non_verbatim_quotes"),
)
_TRUST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pairs", "pairs"),
    ("missing", "missing_answers"),
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("MRR", "mrr"),
    ("precision", "citation_precision"),
    ("stance acc.", "stance_accuracy"),
    ("NA prec.", "not_addressed_precision"),
    ("NA rec.", "not_addressed_recall"),
    ("flips", "critical_flips"),
    ("leaks", "cross_trust_citations"),
    ("unknown", "unknown_clauses"),
    ("non-verbatim", "non_verbatim_quotes"),
)
_INTERVALS = {"hit_at_1": "hit_at_1_interval", "stance_accuracy": "stance_accuracy_interval"}


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _figure_cell(figures: Figures, attribute: str, with_interval: bool) -> str:
    cell = _fmt(getattr(figures, attribute))
    interval: Interval | None = getattr(figures, _INTERVALS[attribute]) if attribute in _INTERVALS else None
    if with_interval and interval is not None:
        cell += f" [{interval.low:.3f}, {interval.high:.3f}]"
    return cell


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(row) for row in rows)]


def render_markdown(reports: Mapping[str, ScoreReport]) -> str:
    """Side-by-side headline table for every system, then per-trust tables, confusion matrices and
    the failures of the first system (the one being improved)."""
    names = list(reports)
    out = ["# Eval score", "", "## Headline", "", "Intervals are 95% bootstrap intervals.", ""]
    rows = [
        [label, *(_figure_cell(reports[name].overall, attribute, True) for name in names)]
        for label, attribute in _HEADLINE_ROWS
    ]
    for label, attribute in (("latency p50 (ms)", "latency_p50_ms"), ("latency p95 (ms)", "latency_p95_ms")):
        latencies = (getattr(reports[name], attribute) for name in names)
        rows.append([label, *("n/a" if ms is None else f"{ms:.0f}" for ms in latencies)])
    out += _table(["figure", *names], rows)

    out += ["", "## Per trust"]
    for name, report in reports.items():
        trust_rows = [
            [trust, *(_figure_cell(figures, attribute, False) for _, attribute in _TRUST_COLUMNS)]
            for trust, figures in report.per_trust.items()
        ]
        out += [
            "",
            f"### {name}",
            "",
            *_table(["trust", *(label for label, _ in _TRUST_COLUMNS)], trust_rows),
        ]

    for name, report in reports.items():
        if report.confusion is None:
            continue
        matrix = report.confusion
        matrix_rows = [[label, *map(str, counts)] for label, counts in zip(matrix.true_labels, matrix.counts)]
        out += [
            "",
            f"## Stance confusion matrix: {name}",
            "",
            "Rows: gold label; columns: answered label.",
            "",
        ]
        out += _table(["gold \\ answered", *matrix.predicted_labels], matrix_rows)

    if names:
        first = reports[names[0]]
        out += ["", f"## Failures: {names[0]} ({len(first.failures)})", ""]
        if first.unknown_case_ids:
            out += [f"Answer lines for ids not in the gold: {', '.join(first.unknown_case_ids)}", ""]
        failure_rows = [[f.case_id, f.trust, f.question, "; ".join(f.problems)] for f in first.failures]
        out += (
            _table(["case", "trust", "question", "what went wrong"], failure_rows)
            if failure_rows
            else ["None."]
        )
    return "\n".join(out) + "\n"


# --- CLI ---------------------------------------------------------------------------------------


class AnswersFileError(ValueError):
    """The answers JSONL cannot be read; the message names the file and line."""


def load_answers(path: str | Path) -> dict[str, CaseAnswers]:
    """Read a batch answers JSONL file into CaseAnswers by case id (blank lines are skipped)."""
    answers: dict[str, CaseAnswers] = {}
    with Path(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                case_answers = parse_case_answers(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AnswersFileError(f"{path}: line {line_number}: not valid JSON: {exc.msg}") from exc
            except AnswerFormatError as exc:
                raise AnswersFileError(f"{path}: line {line_number}: {exc}") from exc
            if case_answers.case_id in answers:
                raise AnswersFileError(f"{path}: line {line_number}: duplicate id {case_answers.case_id!r}")
            answers[case_answers.case_id] = case_answers
    return answers


def load_corpus_clause_texts() -> dict[str, dict[str, str]]:
    """The real clauses as trust -> clause id -> text, from the ingested corpus."""
    from ingest.corpus import load_corpus_clauses  # lazy: scoring itself must not need the corpus

    return {
        trust: {clause.id: clause.text for clause in clauses}
        for trust, clauses in load_corpus_clauses().items()
    }


def main_score(
    argv: Sequence[str] | None = None,
    load_clauses: Callable[[], ClausesByTrust] = load_corpus_clause_texts,
) -> int:
    """`python -m evals score`: 0 when every threshold holds, 1 when one fails, 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m evals score", description="Score a batch answers file.")
    parser.add_argument("gold", type=Path, help="gold YAML file")
    parser.add_argument("answers", type=Path, help="answers JSONL file (batch format)")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="directory for score.md/score.json")
    parser.add_argument("--thresholds", type=Path, default=DEFAULT_THRESHOLDS_PATH, help="thresholds YAML")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on bad usage; report it as bad input instead
        return 0 if exc.code == 0 else 2

    try:
        clauses_by_trust = load_clauses()
        gold_cases = load_gold(args.gold, known_trusts=set(clauses_by_trust))
        gold_problems = check_gold_against_clauses(gold_cases, clauses_by_trust)
        if gold_problems:
            raise GoldError(f"{args.gold}: " + "; ".join(gold_problems))
        answers = load_answers(args.answers)
        thresholds = load_thresholds(args.thresholds)
    except (OSError, ValueError, yaml.YAMLError) as exc:  # GoldError/AnswersFileError are ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return 2

    report = score_answers(gold_cases, answers, clauses_by_trust)
    try:
        threshold_failures = check_thresholds(report, thresholds)
    except ValueError as exc:
        print(f"error: {args.thresholds}: {exc}", file=sys.stderr)
        return 2
    markdown = render_markdown({args.answers.stem: report}) + _threshold_section(threshold_failures)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "score.md").write_text(markdown, encoding="utf-8")
    summary = {
        "system": args.answers.stem,
        "report": report.to_dict(),
        "threshold_failures": threshold_failures,
    }
    (args.out / "score.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(markdown)
    return 1 if threshold_failures else 0


def _threshold_section(failures: Sequence[str]) -> str:
    lines = ["", "## Thresholds", ""]
    lines += [f"- FAIL: {message}" for message in failures] if failures else ["All thresholds hold."]
    return "\n".join(lines) + "\n"
