"""Deterministic composition: per-trust answers and the HR comparison, built from the clauses' own words.

Every sentence of an answer's text either names the verdict or quotes a cited clause, so nothing is
said that a clause does not support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.precedents import NO_VOTE, Vote
from assistant.records import Citation, Comparison, ComparisonRow, TrustAnswer
from assistant.retrieve import RetrievedClause, clause_parties, question_parties, word_stems
from assistant.stance import (EMPLOYMENT_TIME, StanceReading, asks_after_employment, asks_coverage, best_sentence,
                              defined_terms, question_kind, read_stance, sets_duty)


@dataclass(frozen=True)
class Thresholds:
    """Relevance below which a policy is judged not to address the question (calibrated on the gold and
    holdout sets; lexical scores share corpus-wide statistics, so scores of different trusts compare)."""

    min_score: float = 0.38  # fused score of the best clause
    max_gap: float = 0.15  # a trust far below the other trusts (the second best) lacks the topic...
    confident_score: float = 0.5  # ...unless its own best clause is a strong match regardless
    related_margin: float = 0.2  # further clauses cited ("see also") when within this of the top score
    duty_margin: float = 0.2  # for "what must I do?" a clause setting a duty leads when within this of the top
    rule_margin: float = 0.1  # for "can I?" a clause that forbids or conditions the act leads over a duty this close
    # The stance the clauses are read as counts this much beside the precedents' stance shares (which sum to 1):
    # precedents overrule the reading only when most of the nearest labelled questions agree on another stance.
    reading_weight: float = 0.0
    max_citations: int = 3


# Scores depend on the model: each embedder has its own calibration (on gold, holdout and holdout_b;
# holdout_c is never calibrated on).
CALIBRATED = {
    "minilm": Thresholds(reading_weight=0.6),
    "minilm-policy": Thresholds(min_score=0.37, max_gap=0.08, confident_score=0.45, reading_weight=0.6),
}


_VERDICT = {
    "prohibited": "not allowed",
    "conditional": "allowed only under conditions",
    "caution": "allowed, but the policy tells you to be careful",
    "permitted": "allowed",
    "required": "something you must do",
    "informational": "",
}


# For a yes/no question, a leading clause that sets a duty or only describes gives way to a close rule.
_NOT_A_VERDICT = {
    "required": ("prohibited", "conditional"),
    "informational": ("prohibited", "conditional", "caution", "permitted"),
}


@dataclass(frozen=True)
class Judgement:
    """The composer's reading of one trust: stance, the clauses to cite, and whether it is on topic."""

    stance: str
    readings: tuple[tuple[RetrievedClause, StanceReading], ...]
    addressed: bool


def judge(question: str, query_text: str, hits: list[RetrievedClause], thresholds: Thresholds,
          best_other: float = 0.0, latest_turn: str = "", asking: str = "", vote: Vote = NO_VOTE,
          policy_stems: frozenset[str] = frozenset()) -> Judgement:
    """Read one trust's hits. `best_other` is the reference top score across trusts (the second best);
    `asking` is `question_kind` of the asking turn, when the caller has it for every trust already;
    `vote` is what the nearest labelled questions say of this trust; `policy_stems` every word stem its policy
    uses."""
    query_tokens = word_stems(query_text)
    if not hits:
        return Judgement("not_addressed", (), False)
    top = hits[0]
    parties = question_parties(latest_turn) or question_parties(question)
    best = max(hit.score for hit in hits)  # precedents may put a weaker text match first
    addressed = best >= thresholds.min_score and (
        best >= best_other - thresholds.max_gap or best >= thresholds.confident_score)
    asked = latest_turn or question  # the turn being asked: a follow-up's own, else the question
    kind = asking or question_kind(asked)
    if kind == "obligation":
        # "Who do I tell?": the clause that says whom to tell answers it, not the rule that was broken.
        duty = next((h for h in hits[:6] if sets_duty(h.clause.text) and top.score - h.score <= thresholds.duty_margin),
                    None)
        if duty is not None and duty is not top:
            hits = [duty] + [h for h in hits if h is not duty]
            top = duty
    chosen = [top] + [h for h in hits[1:thresholds.max_citations]
                      if top.score - h.score <= thresholds.related_margin]
    pupil_conduct = bool(_PUPIL_CONDUCT.search(asked))
    if pupil_conduct:
        # "Can the student get in trouble?": the clause that binds pupils answers it, not a close rule on staff.
        chosen.sort(key=lambda hit: not _binds_pupils(hit))
    readings = tuple((hit, read_stance(question, hit.clause.text, query_tokens, sorted(parties), kind,
                                            latest_turn))
                     for hit in chosen)
    if kind == "permission" and not pupil_conduct and readings[0][1].stance in _NOT_A_VERDICT:
        # "Can I post about the restructure?" is answered by "do not disclose confidential information", not by
        # the neighbouring duty "confidentiality issues must be considered": a yes/no question wants the rule.
        rule = next((r for r in readings[1:] if r[1].stance in _NOT_A_VERDICT[readings[0][1].stance]
                     and top.score - r[0].score <= thresholds.rule_margin
                     and not _about_someone_else(r[0], parties)), None)
        if rule is not None:
            readings = (rule, *(r for r in readings if r is not rule))
    if addressed and kind == "permission" and parties == {"former"} and _rules_only_current_pupils(chosen):
        # "Can I accept an ex-pupil's request?" against "never 'friend' a pupil at the academy": a rule on
        # pupils says nothing of those who have left, so the policy does not address them.
        addressed = False
    if addressed and kind == "permission" and all(_about_someone_else(hit, parties) for hit in chosen):
        # "Do I have to accept my headteacher's friend request?" against rules on pupils and parents only: the
        # clauses name people, none of them the ones asked about, so the policy does not address them.
        addressed = False
    if addressed and pupil_conduct and not any(_binds_pupils(hit) for hit in chosen):
        # "What are the rules on pupils using social media?" is not answered by a rule for staff: a staff
        # policy without a section on pupils' own use does not address it.
        addressed = False
    if addressed and best < thresholds.confident_score and asks_coverage(asked):
        # "Does the policy say anything about X?" asks whether it covers X: a loose match is the nearest principle,
        # not a yes (the precedents may still overrule, as for any not-addressed reading).
        addressed = False
    stance = readings[0][1].stance
    if vote.stance_share and thresholds.reading_weight and not (addressed and readings[0][1].outside_scope):
        # (A rule whose own limit excludes the question is read as written: labelled questions within the limit
        # do not outvote it.)
        shares = vote.stance_share
        if kind == "obligation" and addressed and stance == "required":
            # "What do I have to do?" read as a duty: neighbours that only describe the clause ("what does each
            # policy say about cyberbullying?") do not turn the duty back into a description.
            shares = {other: share for other, share in shares.items() if other != "informational"}
        stance = _weigh_precedents(stance if addressed else "not_addressed", shares, thresholds.reading_weight)
        addressed = stance != "not_addressed"
        # Lead with a clause read as the stance the precedents give, when one of the cited clauses is, unless the
        # precedents' clause votes favour the present lead (they name the governing clause, the stance is theirs too)
        # and it is about the people asked about.
        supporting = next((r for r in readings if r[1].stance == stance), None)
        lead = readings[0][0]
        if supporting is not None and (
                vote.clause_support(supporting[0].clause.id) >= vote.clause_support(lead.clause.id)
                or (_about_someone_else(lead, parties) and not _about_someone_else(supporting[0], parties))):
            readings = (supporting, *(r for r in readings if r is not supporting))
    terms = defined_terms(asked) if policy_stems else []
    if addressed and terms and not any(term & policy_stems for term in terms):
        # "Which policies define trolling?": a policy that never uses the word does not define it, however close
        # its definition of cyberbullying (final: no precedent outvotes the policy's own words).
        addressed = False
    if addressed and asks_after_employment(asked) and not any(EMPLOYMENT_TIME.search(hit.clause.text)
                                                              for hit, _ in readings):
        # "Once I've left teaching, can I accept parents' requests?": rules for staff say nothing of former staff
        # unless one is limited to the time of employment ("whilst in employment"), which the reader answers.
        addressed = False
    if (addressed and stance == "informational" and readings[0][0].audience == "background" and asks_coverage(asked)
            and not _ASKS_ABOUT_SCOPE.search(asked)):
        # "Does the policy say anything about the trust paying my phone bill?" answered only by "this policy covers
        # personal use of social media": the policy describing itself is not the policy covering the question.
        addressed = False
    if not addressed:
        nearest = tuple((hit, StanceReading("not_addressed", best_sentence(hit.clause.text, query_tokens), ""))
                        for hit in hits[:thresholds.max_citations])
        return Judgement("not_addressed", nearest, False)
    return Judgement(stance, readings, True)


# A question about the policy itself (whom it applies to, what a word means): its introduction answers it.
_ASKS_ABOUT_SCOPE = re.compile(r"\b(apply|applies|applied|scope|who|whom|define[sd]?|definition|"
                               r"mean|means|meant|purpose|why)\b", re.IGNORECASE)


def _weigh_precedents(reading: str, stance_share: dict[str, float], reading_weight: float) -> str:
    """The stance with the most weight: the precedents' shares, plus `reading_weight` for the clauses' reading."""
    weights = dict(stance_share)
    weights[reading] = weights.get(reading, 0.0) + reading_weight
    return max(weights, key=lambda stance: (weights[stance], stance == reading))


# A question about what pupils themselves may do, or what happens to them.
_PUPIL_CONDUCT = re.compile(
    r"\b(can|could|may|should|will|would|do|does|are|is|must)( the| a| my| our| any)? (pupils?|students?|kids?|"
    r"children|child)( actually| really| even| ever)? ((be|get) (in trouble|punished|disciplined|sanctioned|"
    r"excluded|suspended)|use|bring|post|film|record)\b|"
    r"\b(rules?|policy|polic(y|ies) say) (on|about|for) (pupils?|students?|kids|children) (using|use|bringing|"
    r"posting|having|filming)\b",
    re.IGNORECASE,
)


# A sentence that binds pupils even inside a staff section ("... that pupil will be disciplined").
_PUPIL_RULE = re.compile(r"\b(pupils?|students?)\s+(will|must|should|shall|may|are|is|can|cannot)\s+(not\s+)?"
                         r"(be\s+)?(disciplined|sanctioned|excluded|suspended|permitted|allowed|expected|instructed)\b",
                         re.IGNORECASE)


def _binds_pupils(hit: RetrievedClause) -> bool:
    return hit.audience == "pupils" or bool(_PUPIL_RULE.search(hit.clause.text))


def _about_someone_else(hit: RetrievedClause, parties: frozenset[str]) -> bool:
    """A rule on pupils does not answer a question about parents: the clause names people, none of them asked."""
    covered = clause_parties(hit.clause)
    return bool(parties and covered and not (parties & covered))


def _rules_only_current_pupils(chosen: list[RetrievedClause]) -> bool:
    return ("pupil" in clause_parties(chosen[0].clause)
            and not any("former" in clause_parties(hit.clause) for hit in chosen))


def compose_answer(trust: str, trust_name: str, judgement: Judgement) -> TrustAnswer:
    if not judgement.addressed:
        citations = tuple(
            Citation(trust, hit.clause.id, reading.quote, hit.clause.section_title, nearest=True)
            for hit, reading in judgement.readings
        )
        text = f"{trust_name}'s policy does not address this question."
        if citations:
            c = citations[0]
            text += f" The nearest general principle (not a direct answer) is clause {c.clause}: “{c.quote}”"
            if len(citations) > 1:
                text += " Related: clause" + ("s " if len(citations) > 2 else " ") + ", ".join(
                    x.clause for x in citations[1:]) + "."
        relevance = judgement.readings[0][0].score if judgement.readings else 0.0
        return TrustAnswer(trust, trust_name, "not_addressed", text, citations, relevance)
    citations = tuple(
        Citation(trust, hit.clause.id, reading.quote, hit.clause.section_title) for hit, reading in judgement.readings
    )
    first = citations[0]
    verdict = _VERDICT.get(judgement.stance, "")
    if verdict:
        text = f"{trust_name}: this is {verdict}. Clause {first.clause} says: “{first.quote}”"
    else:
        text = f"{trust_name}, clause {first.clause}: “{first.quote}”"
    if len(citations) > 1:
        others = [c.clause for c in citations[1:]]
        text += f" See also clause{'s' if len(others) > 1 else ''} {', '.join(others)}."
    return TrustAnswer(trust, trust_name, judgement.stance, text, citations, judgement.readings[0][0].score)


# What a group of trusts does, as a verb phrase for one trust and for several ("DSAT does not address it").
_STANCE_PHRASES = {
    "prohibited": ("forbids it", "forbid it"),
    "conditional": ("allows it only under conditions", "allow it only under conditions"),
    "caution": ("allows it but urges caution", "allow it but urge caution"),
    "permitted": ("allows it", "allow it"),
    "required": ("requires it", "require it"),
    "informational": ("describes it", "describe it"),
    "not_addressed": ("does not address it", "do not address it"),
}


_COUNTS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def compose_comparison(answers: list[TrustAnswer], short_names: dict[str, str]) -> Comparison:
    rows = tuple(
        ComparisonRow(
            a.trust, a.trust_name, a.stance,
            a.citations[0].clause if a.citations and not a.citations[0].nearest else "—",
            a.citations[0].quote if a.citations and not a.citations[0].nearest else "",
        )
        for a in answers
    )
    groups: dict[str, list[str]] = {}
    for a in answers:
        groups.setdefault(a.stance, []).append(short_names.get(a.trust, a.trust))
    if len(groups) == 1:
        stance, names = next(iter(groups.items()))
        count = _COUNTS.get(len(names), str(len(names)))
        summary = (f"None of the {count} policies addresses it." if stance == "not_addressed"
                   else f"All {count} policies {_STANCE_PHRASES[stance][1]}.")
    else:
        parts = [f"{_names(names)} {_STANCE_PHRASES[stance][len(names) > 1]}" for stance, names in groups.items()]
        summary = "The policies differ: " + "; ".join(parts) + "."
    cited = [f"{short_names.get(r.trust, r.trust)} {r.clause}" for r in rows if r.clause != "—"]
    if cited:
        summary += " Governing clauses: " + ", ".join(cited) + "."
    return Comparison(rows, summary)
