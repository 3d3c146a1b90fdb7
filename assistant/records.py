"""Answer records: a cited quote, one trust's answer, the whole answer (with an HR comparison)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STANCES = ("prohibited", "conditional", "caution", "permitted", "required", "informational", "not_addressed")

# How the app shows each stance to staff.
STANCE_BADGES = {
    "prohibited": "Not allowed",
    "conditional": "Only if…",
    "caution": "Be careful",
    "permitted": "Allowed",
    "required": "You must",
    "informational": "For information",
    "not_addressed": "Not covered",
}


@dataclass(frozen=True)
class Citation:
    trust: str
    clause: str  # the policy's own clause number
    quote: str  # verbatim sentence(s) of the clause that carry the rule
    section_title: str = ""
    nearest: bool = False  # offered as the nearest general principle, not as the answer


@dataclass(frozen=True)
class TrustAnswer:
    trust: str
    trust_name: str
    stance: str
    text: str
    citations: tuple[Citation, ...] = ()
    relevance: float = 0.0  # retrieval confidence of the top clause, for ranking and diagnostics

    def to_batch(self) -> dict:
        return {
            "trust": self.trust,
            "stance": self.stance,
            "text": self.text,
            "citations": [
                {"trust": c.trust, "clause": c.clause, "quote": c.quote, **({"nearest": True} if c.nearest else {})}
                for c in self.citations
            ],
        }


@dataclass(frozen=True)
class ComparisonRow:
    trust: str
    trust_name: str
    stance: str
    clause: str
    key_sentence: str


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparisonRow, ...]
    summary: str


@dataclass(frozen=True)
class Answer:
    question: str
    answers: tuple[TrustAnswer, ...] = ()
    comparison: Comparison | None = None
    notice: str = ""  # a message to the user: bad input, assumptions made (e.g. which trust)
    resolved_question: str = ""  # the question as read with the conversation
    trusts_named: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return bool(self.answers)

    def to_dict(self) -> dict:
        return asdict(self)
