"""The gold file: typed gold cases, loaded from YAML and validated with errors that name the case.

A gold case grades (question, trust) pairs. A trust absent from a case's `trusts` mapping is not
graded for that case; a trust present may grade its stance, its clauses, both, or neither (then only
"was there an answer" is checked).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.records import is_same_or_subclause

STANCE_LABELS: tuple[str, ...] = (
    "prohibited",
    "conditional",
    "caution",
    "permitted",
    "required",
    "informational",
    "not_addressed",
)
NOT_ADDRESSED = "not_addressed"

# Keys a trust entry may carry; anything else is almost certainly a typo ("clause") that would
# silently stop grading, so it is rejected.
_TRUST_ENTRY_KEYS = frozenset({"stance", "clauses", "notes"})


class GoldError(ValueError):
    """The gold file is malformed; the message names the case and what is wrong."""


@dataclass(frozen=True)
class TrustGold:
    """What one trust's answer to one case should be. Empty tuples mean "not graded"."""

    stances: tuple[str, ...] = ()  # acceptable stance labels, the first is the preferred one
    clauses: tuple[str, ...] = ()  # acceptable gold clause ids; a cited sub-clause also matches


@dataclass(frozen=True)
class GoldCase:
    """One question (with optional earlier user turns) and the expected answer per graded trust."""

    id: str
    question: str
    trusts: Mapping[str, TrustGold]
    history: tuple[str, ...] = field(default=())


def load_gold(path: str | Path, known_trusts: Collection[str] | None = None) -> list[GoldCase]:
    """Read and validate a gold YAML file (a list of cases)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GoldError(f"{path}: not valid YAML: {exc}") from exc
    return parse_gold(raw, known_trusts=known_trusts)


def parse_gold(raw: Any, known_trusts: Collection[str] | None = None) -> list[GoldCase]:
    """Validate already-parsed gold data; `known_trusts`, when given, rejects unknown trust ids."""
    if not isinstance(raw, list):
        raise GoldError(f"gold must be a YAML list of cases, got {type(raw).__name__}")
    cases: list[GoldCase] = []
    seen_ids: set[str] = set()
    for index, raw_case in enumerate(raw):
        case = _parse_case(raw_case, index, known_trusts)
        if case.id in seen_ids:
            raise GoldError(f"case {case.id!r}: duplicate case id")
        seen_ids.add(case.id)
        cases.append(case)
    return cases


def check_gold_against_clauses(
    cases: Sequence[GoldCase], clauses_by_trust: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Problems where the gold names a trust or clause the corpus does not have (empty when sound).

    A gold clause id is sound when it is a real clause or the parent of one ("9" when "9.i" exists),
    since a gold id may name a whole section.
    """
    problems: list[str] = []
    for case in cases:
        for trust, gold in case.trusts.items():
            if trust not in clauses_by_trust:
                problems.append(f"case {case.id!r}: trust {trust!r} is not in the corpus")
                continue
            clause_ids = clauses_by_trust[trust]
            for gold_id in gold.clauses:
                if not any(is_same_or_subclause(cid, gold_id) for cid in clause_ids):
                    problems.append(f"case {case.id!r}: trust {trust!r} has no clause {gold_id!r}")
    return problems


def _parse_case(raw_case: Any, index: int, known_trusts: Collection[str] | None) -> GoldCase:
    if not isinstance(raw_case, Mapping):
        raise GoldError(f"case #{index + 1}: expected a mapping, got {type(raw_case).__name__}")
    case_id = raw_case.get("id")
    if not isinstance(case_id, (str, int)) or isinstance(case_id, bool) or str(case_id).strip() == "":
        raise GoldError(f"case #{index + 1}: missing or empty 'id'")
    case_id = str(case_id)
    where = f"case {case_id!r}"

    question = raw_case.get("question")
    if not isinstance(question, str) or not question.strip():
        raise GoldError(f"{where}: missing or empty 'question'")

    history = raw_case.get("history") or []
    if not isinstance(history, list) or not all(isinstance(turn, str) for turn in history):
        raise GoldError(f"{where}: 'history' must be a list of strings (earlier user turns)")

    raw_trusts = raw_case.get("trusts")
    if not isinstance(raw_trusts, Mapping) or not raw_trusts:
        raise GoldError(f"{where}: 'trusts' must be a non-empty mapping of trust id -> expectations")
    trusts: dict[str, TrustGold] = {}
    for trust, entry in raw_trusts.items():
        trust = str(trust)
        if known_trusts is not None and trust not in known_trusts:
            raise GoldError(f"{where}: unknown trust {trust!r}; expected one of {sorted(known_trusts)}")
        trusts[trust] = _parse_trust_entry(entry, f"{where}, trust {trust!r}")
    return GoldCase(id=case_id, question=question.strip(), trusts=trusts, history=tuple(history))


def _parse_trust_entry(entry: Any, where: str) -> TrustGold:
    if entry is None:
        return TrustGold()
    if not isinstance(entry, Mapping):
        raise GoldError(f"{where}: expected a mapping with 'stance' and/or 'clauses'")
    unknown_keys = set(entry) - _TRUST_ENTRY_KEYS
    if unknown_keys:
        raise GoldError(f"{where}: unknown key(s) {sorted(map(str, unknown_keys))}; expected stance, clauses")
    return TrustGold(stances=_parse_stances(entry.get("stance"), where), clauses=_parse_clauses(entry, where))


def _parse_stances(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    labels = raw if isinstance(raw, list) else [raw]
    if not labels:
        raise GoldError(f"{where}: empty stance list; omit 'stance' to leave it ungraded")
    for label in labels:
        if label not in STANCE_LABELS:
            raise GoldError(f"{where}: unknown stance {label!r}; expected one of {', '.join(STANCE_LABELS)}")
    return tuple(dict.fromkeys(labels))  # de-duplicated, order kept: the first label is preferred


def _parse_clauses(entry: Mapping, where: str) -> tuple[str, ...]:
    raw = entry.get("clauses")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise GoldError(f"{where}: 'clauses' must be a list of clause ids")
    clause_ids: list[str] = []
    for clause in raw:
        # YAML reads an unquoted 6.10 as the float 6.1, silently changing the clause: insist on quotes.
        if isinstance(clause, float):
            raise GoldError(f"{where}: clause {clause!r} must be quoted (YAML reads 6.10 as the number 6.1)")
        if isinstance(clause, bool) or not isinstance(clause, (str, int)) or not str(clause).strip():
            raise GoldError(f"{where}: clause ids must be non-empty strings, got {clause!r}")
        clause_ids.append(str(clause).strip())
    return tuple(dict.fromkeys(clause_ids))
