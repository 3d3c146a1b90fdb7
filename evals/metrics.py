"""Scoring arithmetic: typed answer records and pure functions from graded pairs to figures. No I/O.

A graded pair is one (gold case, trust) with that trust's answer, or none when it is missing.
Citation figures cover pairs whose gold has clauses; stance figures cover pairs whose gold has a
stance; integrity counts cover every answer, graded or not.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.gold import NOT_ADDRESSED, STANCE_LABELS, TrustGold
from ingest.records import is_same_or_subclause

TOP_K = 3  # a gold clause outside the first TOP_K citations is listed as a failure


# --- answer records (the batch JSONL format) -------------------------------------------------


class AnswerFormatError(ValueError):
    """An answers record does not have the batch format's shape."""


@dataclass(frozen=True)
class Citation:
    trust: str
    clause: str
    quote: str


@dataclass(frozen=True)
class TrustAnswer:
    trust: str
    stance: str | None  # None: the system gives no stance (e.g. a retrieval-only baseline)
    citations: tuple[Citation, ...]  # most relevant first


@dataclass(frozen=True)
class CaseAnswers:
    case_id: str
    answers: tuple[TrustAnswer, ...]
    latency_ms: float | None = None

    def for_trust(self, trust: str) -> TrustAnswer | None:
        return next((answer for answer in self.answers if answer.trust == trust), None)


def parse_case_answers(raw: Mapping[str, Any]) -> CaseAnswers:
    """One batch line (already JSON-decoded) -> CaseAnswers; raises AnswerFormatError on bad shape."""
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(f"expected a JSON object, got {type(raw).__name__}")
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise AnswerFormatError("missing or non-string 'id'")
    raw_answers = raw.get("answers")
    if not isinstance(raw_answers, list):
        raise AnswerFormatError(f"case {case_id!r}: 'answers' must be a list")
    latency = raw.get("latency_ms")
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))):
        raise AnswerFormatError(f"case {case_id!r}: 'latency_ms' must be a number")
    answers = tuple(_parse_trust_answer(item, case_id) for item in raw_answers)
    trusts = [answer.trust for answer in answers]
    if len(set(trusts)) != len(trusts):
        raise AnswerFormatError(f"case {case_id!r}: more than one answer for the same trust")
    return CaseAnswers(case_id, answers, None if latency is None else float(latency))


def _parse_trust_answer(raw: Any, case_id: str) -> TrustAnswer:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("trust"), str):
        raise AnswerFormatError(f"case {case_id!r}: each answer needs a string 'trust'")
    stance = raw.get("stance")
    if stance is not None and not isinstance(stance, str):
        raise AnswerFormatError(f"case {case_id!r}: 'stance' must be a string or null")
    citations = []
    for item in raw.get("citations") or []:
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(k), str) for k in ("trust", "clause")
        ):
            raise AnswerFormatError(f"case {case_id!r}: each citation needs string 'trust' and 'clause'")
        quote = item.get("quote") or ""  # an absent quote is kept as "" so it counts as non-verbatim
        citations.append(Citation(item["trust"], item["clause"], str(quote)))
    return TrustAnswer(raw["trust"], stance, tuple(citations))


# --- integrity ---------------------------------------------------------------------------------


_WHITESPACE = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def is_verbatim_quote(quote: str, clause_text: str) -> bool:
    """True when the quote, whitespace-collapsed, is a non-empty substring of the clause text."""
    needle = collapse_whitespace(quote)
    return bool(needle) and needle in collapse_whitespace(clause_text)


@dataclass(frozen=True)
class IntegrityIssue:
    case_id: str
    answer_trust: str
    kind: str  # "cross_trust" | "unknown_clause" | "non_verbatim"
    citation: Citation


def integrity_issues(
    case: CaseAnswers, clauses_by_trust: Mapping[str, Mapping[str, str]]
) -> list[IntegrityIssue]:
    """Every citation problem in one case's answers: leaks, invented clause ids, non-verbatim quotes.

    A quote on an unknown clause is not also counted non-verbatim: there is no text to check it
    against, and the unknown clause is already counted.
    """
    issues: list[IntegrityIssue] = []
    for answer in case.answers:
        for citation in answer.citations:
            if citation.trust != answer.trust:
                issues.append(IntegrityIssue(case.case_id, answer.trust, "cross_trust", citation))
            clause_text = clauses_by_trust.get(citation.trust, {}).get(citation.clause)
            if clause_text is None:
                issues.append(IntegrityIssue(case.case_id, answer.trust, "unknown_clause", citation))
            elif not is_verbatim_quote(citation.quote, clause_text):
                issues.append(IntegrityIssue(case.case_id, answer.trust, "non_verbatim", citation))
    return issues


# --- graded pairs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairGrade:
    """One (case, trust) pair's gold beside what the system answered."""

    case_id: str
    trust: str
    question: str
    gold: TrustGold
    answered: bool
    stance: str | None
    cited_clauses: tuple[str, ...]  # this trust's citations only, in rank order
    citation_count: int  # every citation in the answer, leaks included
    matching_citations: int  # citations (of this trust) matching a gold clause
    first_hit_rank: int | None  # 1-based rank of the first matching citation

    @property
    def citation_graded(self) -> bool:
        return bool(self.gold.clauses)

    @property
    def stance_graded(self) -> bool:
        # A missing answer is a wrong stance; an answer without a stance (baseline) is skipped.
        return bool(self.gold.stances) and (not self.answered or self.stance is not None)

    @property
    def stance_correct(self) -> bool:
        return self.answered and self.stance in self.gold.stances

    @property
    def true_label(self) -> str:
        """The gold label this answer is judged against: its own label when acceptable."""
        return self.stance if self.stance_correct and self.stance else self.gold.stances[0]

    @property
    def critical_flip(self) -> bool:
        gold = set(self.gold.stances)
        return (gold == {"prohibited"} and self.stance == "permitted") or (
            gold == {"permitted"} and self.stance == "prohibited"
        )


def grade_pair(
    case_id: str, trust: str, question: str, gold: TrustGold, answer: TrustAnswer | None
) -> PairGrade:
    if answer is None:
        return PairGrade(case_id, trust, question, gold, False, None, (), 0, 0, None)
    cited = tuple(c.clause for c in answer.citations if c.trust == trust)
    hits = [any(is_same_or_subclause(clause, g) for g in gold.clauses) for clause in cited]
    first_hit = next((rank for rank, hit in enumerate(hits, start=1) if hit), None)
    return PairGrade(
        case_id,
        trust,
        question,
        gold,
        True,
        answer.stance,
        cited,
        len(answer.citations),
        sum(hits),
        first_hit,
    )


def pair_problems(pair: PairGrade) -> list[str]:
    """What went wrong for one pair, in words a person fixing it can act on (integrity aside)."""
    if not pair.answered:
        return ["missing answer"]
    problems: list[str] = []
    if pair.stance_graded and not pair.stance_correct:
        flip = " (critical flip)" if pair.critical_flip else ""
        expected = " or ".join(pair.gold.stances)
        problems.append(f"wrong stance{flip}: answered {pair.stance}, expected {expected}")
    if pair.citation_graded and (pair.first_hit_rank is None or pair.first_hit_rank > TOP_K):
        problems.append(
            f"gold clause not in top-{TOP_K}: cited [{', '.join(pair.cited_clauses)}] "
            f"expected [{', '.join(pair.gold.clauses)}]"
        )
    return problems


def describe_issue(issue: IntegrityIssue) -> str:
    cited = f"{issue.citation.trust} {issue.citation.clause}"
    if issue.kind == "cross_trust":
        return f"cross-trust citation: {cited} in the {issue.answer_trust} answer"
    if issue.kind == "unknown_clause":
        return f"unknown clause: {cited}"
    return f"non-verbatim quote for {cited}: {truncate(issue.citation.quote, 60)!r}"


def truncate(text: str, limit: int) -> str:
    """Whitespace-collapsed text cut to `limit` characters, with an ellipsis when cut."""
    text = collapse_whitespace(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- statistics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (q in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def bootstrap_interval(
    values: Sequence[float], *, resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> Interval | None:
    """Percentile bootstrap interval for the mean; a fixed seed keeps reports reproducible."""
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = [sum(rng.choices(values, k=n)) / n for _ in range(resamples)]
    tail = (1 - level) / 2 * 100
    return Interval(percentile(means, tail) or 0.0, percentile(means, 100 - tail) or 0.0)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def macro_f1(pairs: Sequence[PairGrade]) -> float | None:
    """Mean per-label F1 over labels that occur as truth or prediction (a missing answer predicts none)."""
    if not pairs:
        return None
    labels = {p.true_label for p in pairs} | {p.stance for p in pairs if p.stance is not None}
    scores = []
    for label in labels:
        tp = sum(p.true_label == label and p.stance == label for p in pairs)
        fp = sum(p.stance == label and p.true_label != label for p in pairs)
        fn = sum(p.true_label == label and p.stance != label for p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


NO_ANSWER = "(no answer)"


@dataclass(frozen=True)
class Confusion:
    """Stance confusion matrix: counts[i][j] = pairs with true label i answered predicted label j."""

    true_labels: tuple[str, ...]
    predicted_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


def confusion_matrix(pairs: Sequence[PairGrade]) -> Confusion:
    def ordered(labels: set[str]) -> tuple[str, ...]:
        # Known labels in their canonical order, then anything odd the system produced, then no-answer.
        known = [label for label in STANCE_LABELS if label in labels]
        odd = sorted(labels - set(STANCE_LABELS) - {NO_ANSWER})
        return tuple(known + odd + ([NO_ANSWER] if NO_ANSWER in labels else []))

    predicted = [p.stance if p.answered and p.stance is not None else NO_ANSWER for p in pairs]
    rows = ordered({p.true_label for p in pairs})
    columns = ordered(set(predicted))
    counts = tuple(
        tuple(
            sum(p.true_label == row and pred == col for p, pred in zip(pairs, predicted)) for col in columns
        )
        for row in rows
    )
    return Confusion(rows, columns, counts)


# --- figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Headline figures for a set of pairs (all of them, or one trust's). None means n/a."""

    pairs: int
    missing_answers: int
    citation_pairs: int
    hit_at_1: float | None
    hit_at_1_interval: Interval | None
    hit_at_3: float | None
    mrr: float | None
    citation_precision: float | None
    citations_per_answer: float | None
    stance_pairs: int
    stance_accuracy: float | None
    stance_accuracy_interval: Interval | None
    stance_macro_f1: float | None
    critical_flips: int | None  # None when the system reports no stances
    not_addressed_precision: float | None
    not_addressed_recall: float | None  # over pairs where not_addressed is one of the acceptable stances
    # Over pairs where it is the only one: the labellers agree the policy is silent. Where another stance is also
    # acceptable ("caution or not addressed"), answering that stance is correct yet counts as a miss above.
    not_addressed_recall_unambiguous: float | None
    cross_trust_citations: int
    unknown_clauses: int
    non_verbatim_quotes: int


def compute_figures(
    pairs: Sequence[PairGrade],
    issues: Sequence[IntegrityIssue],
    *,
    stances_reported: bool,
    resamples: int = 1000,
    seed: int = 0,
) -> Figures:
    """Aggregate pairs and integrity issues; `stances_reported` False makes every stance figure n/a."""
    cited_pairs = [p for p in pairs if p.citation_graded]
    answered_cited = [p for p in cited_pairs if p.answered]
    hit1 = [1.0 if p.first_hit_rank == 1 else 0.0 for p in cited_pairs]
    hit3 = [1.0 if p.first_hit_rank is not None and p.first_hit_rank <= 3 else 0.0 for p in cited_pairs]
    reciprocal = [1 / p.first_hit_rank if p.first_hit_rank else 0.0 for p in cited_pairs]
    citation_total = sum(p.citation_count for p in answered_cited)

    stance_pairs = [p for p in pairs if p.stance_graded] if stances_reported else []
    correct = [1.0 if p.stance_correct else 0.0 for p in stance_pairs]
    said_na = [p for p in stance_pairs if p.stance == NOT_ADDRESSED]
    gold_na = [p for p in stance_pairs if NOT_ADDRESSED in p.gold.stances]
    both_na = [p for p in said_na if NOT_ADDRESSED in p.gold.stances]
    only_na = [p for p in gold_na if set(p.gold.stances) == {NOT_ADDRESSED}]

    return Figures(
        pairs=len(pairs),
        missing_answers=sum(not p.answered for p in pairs),
        citation_pairs=len(cited_pairs),
        hit_at_1=_mean(hit1),
        hit_at_1_interval=bootstrap_interval(hit1, resamples=resamples, seed=seed),
        hit_at_3=_mean(hit3),
        mrr=_mean(reciprocal),
        citation_precision=_ratio(sum(p.matching_citations for p in answered_cited), citation_total),
        citations_per_answer=_ratio(citation_total, len(answered_cited)),
        stance_pairs=len(stance_pairs),
        stance_accuracy=_mean(correct),
        stance_accuracy_interval=bootstrap_interval(correct, resamples=resamples, seed=seed),
        stance_macro_f1=macro_f1(stance_pairs),
        critical_flips=sum(p.critical_flip for p in stance_pairs) if stances_reported else None,
        not_addressed_precision=_ratio(len(both_na), len(said_na)),
        not_addressed_recall=_ratio(len(both_na), len(gold_na)),
        not_addressed_recall_unambiguous=_ratio(sum(p.stance == NOT_ADDRESSED for p in only_na), len(only_na)),
        cross_trust_citations=sum(i.kind == "cross_trust" for i in issues),
        unknown_clauses=sum(i.kind == "unknown_clause" for i in issues),
        non_verbatim_quotes=sum(i.kind == "non_verbatim" for i in issues),
    )
