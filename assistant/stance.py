"""Stance: what a clause's own wording says about the question (must not / only if / be cautious / ...).

The quote is the clause's sentence that best matches the question; the stance comes from the modal
phrase in that sentence nearest to the words the question is about, so a sentence such as "should not
accept friend requests from pupils ..., and be cautious if friends with parents" answers a question
about pupils with "prohibited" and one about parents with "caution".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieve import tokenize

_MODALS: list[tuple[str, str]] = [
    # order matters: longer, more specific phrases first
    ("caution", r"must be (cautious|careful|mindful|conscious|aware)|should be (cautious|careful|mindful|aware|"
                r"circumspect)|be cautious|be careful|(strongly )?advised to|are advised|is advised|"
                r"encouraged to consider|should (carefully )?consider|to carefully consider|be mindful|be circumspect|"
                r"be conscious|need to be aware|be aware|can be misconstrued|could be misconstrued|"
                r"could result in|may lead to|may result in|potential to"),
    ("prohibited", r"must not|must never|mustn't|should not|shouldn't|should never|will not|shall not|may not|"
                   r"cannot|can not|are not permitted|is not permitted|not permitted|not allowed|are not to|"
                   r"no circumstances|never|do not|does not|not be|prohibited|forbidden|will be treated as|"
                   r"breach of this policy"),
    ("permitted", r"are encouraged|is encouraged|encouraged to|are permitted|is permitted|are allowed|is allowed|"
                  r"is acceptable|are free to|\bmay\b(?! not| lead| result| be| also| have| take)|\bcan\b(?! be)"),
    ("required", r"must|should|are required|is required|needs? to|has to|have to|are expected|is expected|"
                 r"is the expectation|will"),
]
_MODAL_RE = re.compile("|".join(f"(?P<{kind}{i}>\\b(?:{pattern})\\b)" for i, (kind, pattern) in enumerate(_MODALS)),
                       re.IGNORECASE)
_EXCEPTION = re.compile(
    r"\bunless\b|only exception|\bexcept\b|without (the )?(express |prior )?(permission|consent|agreement)|"
    r"with the (express |prior )?(permission|consent|agreement)|\bonly (if|where|when)\b|\bprovided (that )?|"
    r"agreed (with|by)|outside (of )?(the )?agreed protocols|other than|before access is permitted|"
    r"identified to and acknowledged|acknowledged and discussed|under the age of 18|must only|should only",
    re.IGNORECASE,
)
_INFO_QUESTION = re.compile(
    r"^\s*(what|what's|whats|who|whom|how|when|where|which|why|define|explain|describe|tell me|list|is there|"
    r"does the policy (say|define|cover|mention)|what does)\b",
    re.IGNORECASE,
)
_PERMISSION_QUESTION = re.compile(
    r"\b(can|could|may|might|should|shall|must|allowed|ok|okay|alright|fine|acceptable|permitted|"
    r"do i have to|do i need to|am i|is it|are we|would it|against the rules|get in trouble|have to)\b",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z“‘\"'(<•])|\s+(?=• )")


@dataclass(frozen=True)
class StanceReading:
    stance: str
    quote: str  # verbatim part of the clause text
    modal: str  # the phrase the stance was read from ("" when none)


def question_kind(question: str) -> str:
    """'informational' for what/who/how questions without a may-I/must-I; otherwise 'permission'."""
    if _INFO_QUESTION.search(question) and not re.search(
        r"\b(can|could|may|should|must|allowed|am i|do i have to|do i need to)\b\s+(i|we|staff|teachers?)\b",
        question, re.IGNORECASE):
        return "informational"
    return "permission"


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def best_sentence(clause_text: str, query_tokens: set[str]) -> str:
    """The clause sentence sharing most query words; ties go to sentences that carry a rule, then the earliest."""
    sentences = split_sentences(clause_text) or [clause_text]
    def score(item: tuple[int, str]) -> tuple[int, int, int]:
        index, sentence = item
        overlap = len(query_tokens & set(tokenize([sentence])[0]))
        return overlap, int(bool(_MODAL_RE.search(sentence))), -index
    return max(enumerate(sentences), key=score)[1]


def _modal_matches(sentence: str) -> list[tuple[int, str, str]]:
    found = []
    for match in _MODAL_RE.finditer(sentence):
        kind = re.sub(r"\d+$", "", match.lastgroup or "")
        found.append((match.start(), kind, match.group(0)))
    return found


def read_stance(question: str, clause_text: str, query_tokens: set[str]) -> StanceReading:
    """Stance of one clause towards the question, with the sentence it was read from."""
    sentence = best_sentence(clause_text, query_tokens)
    if question_kind(question) == "informational":
        return StanceReading("informational", sentence, "")
    modals = _modal_matches(sentence)
    if not modals:
        return StanceReading("informational", sentence, "")
    # The modal governing the question's subject: the last one before the first query word it precedes.
    words = [(m.start(), m.group(0)) for m in re.finditer(r"[\w'-]+", sentence)]
    anchors = [pos for pos, word in words if tokenize([word])[0] and tokenize([word])[0][0] in query_tokens]
    chosen = modals[0]
    for anchor in anchors:
        before = [m for m in modals if m[0] <= anchor]
        if before:
            chosen = before[-1]
            break
    _, kind, phrase = chosen
    if kind == "prohibited" and _EXCEPTION.search(clause_text):
        kind = "conditional"
    elif kind == "required" and re.search(r"\b(must|should) only\b", sentence, re.IGNORECASE):
        kind = "conditional"
    return StanceReading(kind, sentence, phrase)
