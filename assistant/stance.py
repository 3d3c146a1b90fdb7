"""Stance: what a clause's own wording says about the question (must not / only if / be cautious / ...).

The quote is the clause's sentence that best matches the question; the stance comes from the modal
phrase in that sentence nearest to the words the question is about, so a sentence such as "should not
accept friend requests from pupils ..., and be cautious if friends with parents" answers a question
about pupils with "prohibited" and one about parents with "caution".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieve import CLAUSE_PARTY, ORGANISATION_SUBJECT, PUPIL_SUBJECT, stem, word_stems

_MODALS: list[tuple[str, str]] = [
    # order matters: longer, more specific phrases first
    # A sanction for doing it ("could result in disciplinary action") forbids it; other risks only warn.
    ("prohibited", r"(could|may|can|will) (lead to|result in) (formal |a |an )?(disciplinary|criminal|dismissal|"
                   r"police)"),
    ("caution", r"must be (cautious|careful|mindful|conscious|aware)|should be (cautious|careful|mindful|aware|"
                r"circumspect)|be cautious|be careful|(strongly )?advised to|are advised|is advised|"
                r"encouraged to consider|should (carefully )?consider|to carefully consider|be mindful|be circumspect|"
                r"be conscious|need to be aware|be aware|can be misconstrued|could be misconstrued|"
                r"could result in|may lead to|may result in|potential to"),
    ("prohibited", r"must not|must never|mustn't|should not|shouldn't|should never|will not|shall not|may not|"
                   r"cannot|can not|are not permitted|is not permitted|not permitted|not allowed|are not to|"
                   r"no circumstances|never|do not|does not|not be|prohibited|forbidden|will be treated as|"
                   r"will raise serious concerns|will be viewed as|will be regarded as|neither should|nor should|"
                   r"breach of this policy"),
    # "who is allowed to view" describes the audience, it permits nothing.
    ("permitted", r"are encouraged|is encouraged|encouraged to|(?<!who )(?<!which )(?<!what )(?:are permitted|"
                  r"is permitted|are allowed|is allowed)|"
                  r"is acceptable|are free to|may wish to|"
                  # "there are steps you can take" permits nothing
                  r"(?<!steps )(?<!things )(?<!ways )(?<!measures )(?<!actions )"
                  r"(staff|adults|employees|you|teachers|members of staff) (may|can)(?! not| be)"),
    ("required", r"must|should|are required|is required|needs? to|has to|have to|are expected|is expected|"
                 r"is the expectation|(staff|adults|employees|you|teachers) will(?! not| never)"),
]
_MODAL_RE = re.compile("|".join(f"(?P<{kind}{i}>\\b(?:{pattern})\\b)" for i, (kind, pattern) in enumerate(_MODALS)),
                       re.IGNORECASE)
_EXCEPTION = re.compile(
    r"\bunless\b|only exception|\bexcept\b|without (the )?(express |prior )?(permission|consent|agreement)|"
    r"with the (express |prior )?(permission|consent|agreement)|\bonly (if|where|when)\b|\bprovided (that )?|"
    r"agreed with|outside (the )?agreed protocols?|other than|before access is permitted|"
    r"identified to and acknowledged|acknowledged and discussed",
    re.IGNORECASE,
)
_AWARE_THAT = re.compile(r"(must |should |need to )?be aware that\b", re.IGNORECASE)
_RISK = re.compile(r"(can|could) be misconstrued|could result in|may (lead to|result in)|potential to", re.IGNORECASE)
# A negation inside a directive: "should keep their numbers private and not use their own phones".
_TRAILING_NEGATION = re.compile(r"\b(and|or|nor) (not|never)\b|\bnot to\b", re.IGNORECASE)
# Generic words that say nothing about what a question is about.
_GENERIC = word_stems("staff adults employees school social media networking sites policy academy trust "
                      "personal use pupils students")
_INFO_QUESTION = re.compile(
    r"^\s*(what(?! if| about)|what's|whats|who|whom|how(?! about)|when|where|which|why|define|explain|describe|"
    r"tell me|list|is there|does the policy (say|define|cover|mention)|what does)\b",
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
    # The rule's own limit puts the question outside it ("under the age of 18", "during lesson time").
    outside_scope: bool = False


# "staff who want to...": how an organisation handles them is its rule for them (HR's "how do the trusts handle
# staff who want to keep in touch with leavers?"), not how it handles an account.
_STAFF_WHO = r"(staff|teachers|employees|adults|colleagues|people) (who|that|wanting|trying)"
_ASKS_FOR_RULE = re.compile(
    r"\b(can|could|may|should|must|shall)\s+(i|we|staff|teachers?|you|they|he|she|adults?|employees?)\b|"
    r"\b(allow|allows|allowed|permit|permits|permitted|ok|okay|alright|acceptable|against the rules|in trouble|"
    r"get away with|breach|rules? (against|about|on)|any rule|a rule|stopping (me|us|staff)|preventing (me|us|staff)|"
    # HR's "how strict is each trust about...?", "is reporting compulsory or optional?", "what does each trust say
    # about staff texting parents?" ask for each policy's rule.
    r"how (strict|strictly|strongly|harsh|harshly)|compulsory|mandatory|optional|which rule|"
    r"say about (staff|teachers|employees|adults|us|me|you|people) (\w+ing)|"
    r"anything in (the|our|my|this|their|each|any) (\w+ )?polic(y|ies) (about|on|against|covering)|"
    r"(say|says|said) anything (about|on|against)|"
    r"ban|bans|banned|forbid|prohibit\w*|lets? (you|staff|me|us|teachers|employees|adults|people)|"
    r"require|required|have to|need to|"
    r"supposed to|meant to|obliged|expected to|do i do|what happens if|differ|difference|stance|rules? on|"
    # HR's "how do the policies compare on X?" asks each policy's rule on X.
    r"(compare|compares|comparison|vary|varies) (on|over|when it comes to|regarding)|(stand|position|line) on|"
    # "how do the trusts handle / deal with staff who want to keep in touch with leavers?"
    r"(handle|deal with|treat) " + _STAFF_WHO + r")\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(r"\b(define|definition|defined|what counts as|what is meant by|mean by|what does .* mean|"
                         # "the difference between a friend and a follower", not "between the trusts" (HR's compare)
                         r"difference between(?! (the |all |these |our |each of the )?(five |\d )?"
                         r"(trusts?|polic(y|ies)|schools|academies|them)\b)|distinguish|"
                         r"who (is|are) responsible|who does (the|this) policy (apply|cover)|how often|when will)\b",
                         re.IGNORECASE)


# "Which policies define trolling?", "what counts as 'confidential'?", "the difference between cyberbullying and
# trolling": the term(s) the question wants defined.
_DEFINED_TERM = re.compile(
    r"\b(?:define[sd]?|definitions? (?:of|for)|what counts as|counts? as|what is meant by|mean by|difference between)"
    r"\s+(?:an? |the )?['‘\"“]?([a-z][\w'’ -]{1,40}?)['’\"”]?"
    r"(?:\s+(?:and|or|vs|versus)\s+(?:an? |the )?['‘\"“]?([a-z][\w'’ -]{1,40}?)['’\"”]?)?"
    r"(?=[?,.;]|$|\s+(?:in|under|for|and what|mean|means|is|are|according|actually|exactly)\b)",
    re.IGNORECASE,
)


_VAGUE = word_stems("thing things stuff it that this them these those")


def defined_terms(question: str) -> list[set[str]]:
    """The word stems of each term a definition question asks about (none for other questions)."""
    found = _DEFINED_TERM.search(ask_part(question))
    if not found:
        return []
    terms = [word_stems(term) - _GENERIC - _VAGUE for term in found.groups() if term]
    return [term for term in terms if term]


def ask_part(question: str) -> str:
    """The sentences that ask: a long post's context ("we chat at the gate...") says nothing about what kind
    of answer is wanted. The sentences with a question mark, else the last sentence."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", question) if s.strip()]
    asking = [s for s in sentences if "?" in s]
    return " ".join(asking) if asking else (sentences[-1] if sentences else question)


# A question about what the school or trust does, not about what the asker may do.
_ORGANISATION_ACTS = re.compile(
    r"\b(can|could|will|would|does|do|may|is|are)\s+(the |my |our |a )?([a-z]+ )?(school|schools|trust|trusts|"
    r"academy|head|headteacher|principal|employer|hr|management|they)\s+(\w+ly\s+)?(monitor|check|watch|look|read|see|give|offer|"
    r"provide|support|discipline|sack|dismiss|fire|punish|sanction|handle|deal|track|access|keep|log|record|make|"
    r"force|require|demand)\b|"
    r"\bwho (am i|are we|do i|should i|can i) (meant |supposed )?(to )?ask\b|"
    r"\bwhat (support|sanctions?|disciplinary|consequences|action will|happens to|format|does (it|the policy) say)\b|"
    r"\b(consequences|sanctions?|penalt(y|ies)) (for|of|if|when)\b|"
    r"\b(on|about) who (staff|employees|adults|teachers|we|they) (should|must|are told to|have to|need to)\b|"
    r"\bwho (are|should) (staff|employees|adults|teachers) (told|supposed|expected|required)?\b|"
    # "the format of the school's handle", not HR's "how do the trusts handle staff who want to...?" (a rule)
    r"\b(handle(?! " + _STAFF_WHO + r")|format|"
    r"frequency|how often)\b",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(r"^\s*([\w &'’-]{1,30}(:| -| –))\s*", re.IGNORECASE)


# "Does the policy say anything about X?", "any rules on that?": whether the policy covers X at all.
_COVERAGE_QUESTION = re.compile(
    r"\b((say|says|said|mention|mentions|cover|covers) anything|anything (in|about)|"
    r"any (rules?|guidance|policy) (on|about|against|for)|"
    r"does (the|our|my|each|any) (\w+ )?polic(y|ies) (say|mention|cover)|is there (a|any) (rule|policy)|"
    r"rules? (about|on) (that|this))\b",
    re.IGNORECASE,
)


def asks_coverage(question: str) -> bool:
    return bool(_COVERAGE_QUESTION.search(question))


def question_kind(question: str) -> str:
    """'informational' for what/who/how questions that ask for no rule, 'obligation' for "what must I do /
    who do I tell" questions, otherwise 'permission'. Read from the asking sentences only."""
    asking = _LEADING_LABEL.sub("", ask_part(question))
    if _OBLIGATION_QUESTION.search(asking):
        return "obligation"
    if _DEFINITION.search(asking) or _ORGANISATION_ACTS.search(asking):
        return "informational"
    # "..., where do I actually find those?": the asking clause may follow the context in the same sentence.
    last_clause = re.split(r"[,;:]\s+|\s[-–]\s", asking)[-1]
    if any(_INFO_QUESTION.search(part) and not _ASKS_FOR_RULE.search(part) for part in {asking, last_clause}):
        return "informational"
    return "permission"


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


_OBLIGATION_QUESTION = re.compile(
    r"\b(help\s*[?!.]*$|^help\b|any advice|what are my options|what now\b|"  # "...pretending to be me. Help?"
    # "what should I do?", HR's "what do staff have to do if...?"
    r"what (should|do|does|must|shall) (i|we|staff|teachers|employees|adults|they)( \w+){0,2} do\b|"
    r"(say|says|tell|tells) (i|we|staff|teachers|employees|adults|them|us) (should|must|have to|need to|are to) do\b|"
    r"what am i (meant|supposed|expected) to (do|keep|record|save|"
    r"report|say)|what (should|do) (i|we) (keep|record|save|report)|"
    r"what are we (meant|supposed|expected) to do|what('?s| is) the (position|procedure|process)|"
    # "what's the right way to deal with this?", "is there an actual procedure for this?"
    r"what('?s| is) the (right|correct|proper|best) (way|thing|procedure|process)|"
    r"is there (an? )?(actual |set |proper |formal |official )?(procedure|process)|"
    r"who does (each|the|this|that|every|their|our) (policy|trust) (tell|want|expect|require|ask) (them|staff|us|me|"
    r"you|teachers|employees|adults) to (report|tell|inform|contact|go|speak)|"
    r"who (do|should|must|would|can|does) (i|we|they|staff|teachers|employees|adults|he|she) (tell|report|inform|"
    r"contact|speak|talk|go)|"
    r"who (am i|are we) (supposed|meant|expected|required|obliged) to (tell|report|inform|contact|speak|talk|go)|"
    r"(do|should|must) (i|we) (have|need) to do anything|"
    r"(do|should|must) (i|we) (\w+ly )?(have|need) to (go and |go to )?(report|tell|inform|raise|record|declare|"
    r"disclose|let|sort|review|do)|"
    r"(have|need) (i|we) to (report|tell|inform)|anything (else )?(i'?m|i am|we'?re|we are|i|we) (supposed|meant|"
    r"expected|required|need|have|ought) to do|anything (else )?(i|we) (should|must) (now )?do|"
    r"should (i|we) (report|tell|inform|record|raise|declare|disclose|let)|"
    r"am i (required|obliged|expected)|who do i tell|(need|have) to (report|tell|inform) (it|this|them|anyone)|"
    # "what can I do?" after something happened to the asker; "anything we're obliged to attend?"
    r"what (else )?(can|could) (i|we) (actually |even )?do|"
    r"(i'?m|i am|we'?re|we are|are we|am i) (actually |really |even )?(obliged|required|expected) to)\b",
    re.IGNORECASE,
)
# A sentence that sets the asker a duty to tell someone or to put something right.
_DUTY = re.compile(r"\b(must|should|will need to|need to|needs to|are required to|is required to|are expected to)\s+"
                   r"(be )?(immediately |always |also |promptly )?(report|raise|inform|notify|tell|refer|review|"
                   r"record|discuss|disclose|declare|keep records|be reported|be raised)\w*\b|"
                   r"\b(must|should) (immediately |always |also )?be (reported|raised|referred|recorded|discussed|"
                   r"disclosed|declared)\b|"
                   # "must immediately contact the Headteacher" (not "if you need to contact parents, use...").
                   r"\b(must|should) (immediately |always |also |promptly )?contact\b",
                   re.IGNORECASE)


def sets_duty(clause_text: str) -> bool:
    return bool(_DUTY.search(clause_text))


def best_sentence(clause_text: str, query_tokens: set[str], obligation: bool = False) -> str:
    """The clause sentence sharing most query words; ties go to sentences that carry a rule, then the earliest.
    For "what should I do?" questions the sentences that set a duty ("must be reported") come first."""
    sentences = split_sentences(clause_text) or [clause_text]
    if obligation:
        sentences = [s for s in sentences if _DUTY.search(s)] or sentences

    # A list item is read with its lead-in, so it wins over the lead-in only when it adds a word of the question.
    headers = [_list_header(sentences, i) for i in range(len(sentences))]
    overlaps = [len(query_tokens & (word_stems(s) | word_stems(h))) for s, h in zip(sentences, headers)]
    rules = [i for i, s in enumerate(sentences) if _MODAL_RE.search(s) or _MODAL_RE.search(headers[i])]
    # A sentence that carries a rule is the better quote unless another says clearly more about the question
    # ("If you are unsure ... advice can be sought" shares words with "can I post...?" but decides nothing).
    if rules and max(overlaps[i] for i in rules) >= max(1, max(overlaps) / 2):
        candidates = rules
    else:
        candidates = list(range(len(sentences)))
    # Ties go to the sentence sharing the question's distinctive words ("defamatory" rather than "school").
    distinctive = [len((query_tokens - _GENERIC) & word_stems(s)) for s in sentences]
    best = max(candidates, key=lambda i: (overlaps[i], distinctive[i], -i))
    return sentences[best]


def _list_header(sentences: list[str], index: int) -> str:
    """The lead-in a bulleted item completes ("Employees should not upload any content ... that: • brings the
    school into disrepute"), or "" when the sentence is no list item."""
    if not sentences[index].startswith("•"):
        return ""
    lead = next((s for s in reversed(sentences[:index]) if not s.startswith("•")), "")
    return lead if lead.rstrip(" -–").endswith(":") else ""


def _span(clause_text: str, first: str, last: str, limit: int = 600) -> str:
    """The clause's own text from `first` through `last` (verbatim), or `last` alone when that is too long."""
    start = clause_text.find(first)
    end = clause_text.find(last, start + len(first)) if start >= 0 else -1
    return clause_text[start:end + len(last)] if start >= 0 and end >= 0 and end + len(last) - start <= limit else last


def _modal_matches(sentence: str) -> list[tuple[int, str, str]]:
    found = []
    for match in _MODAL_RE.finditer(sentence):
        kind = re.sub(r"\d+$", "", match.lastgroup or "")
        found.append((match.start(), kind, match.group(0)))
    return found


def read_stance(question: str, clause_text: str, query_tokens: set[str], parties=(), asking: str = "",
                latest_turn: str = "") -> StanceReading:
    """Stance of one clause towards the question, with the sentence it was read from. `asking` is
    `question_kind` of the asking turn (computed by the caller once per question); `latest_turn` is a
    follow-up's own words, when the question was read with earlier turns."""
    asking = asking or question_kind(question)
    sentence = best_sentence(clause_text, query_tokens, asking == "obligation")
    sentences = split_sentences(clause_text)
    header = _list_header(sentences, sentences.index(sentence)) if sentence in sentences else ""
    if header and not _MODAL_RE.search(sentence) and _MODAL_RE.search(header):
        # A list item carries the rule of its lead-in ("should not upload any content that: • is defamatory").
        reading = _read_sentence(question, clause_text, f"{header} {sentence}", query_tokens, parties, asking,
                                 latest_turn)
        return StanceReading(reading.stance, _span(clause_text, header, sentence), reading.modal)
    return _read_sentence(question, clause_text, sentence, query_tokens, parties, asking, latest_turn)


def _read_sentence(question: str, clause_text: str, sentence: str, query_tokens: set[str], parties,
                   asking: str, latest_turn: str = "") -> StanceReading:
    duty = _DUTY.search(sentence)
    if asking == "obligation" and duty:
        # "Who do I tell?" answered by "must be reported to the DSL": the duty is the answer.
        return StanceReading("required", sentence, duty.group(0))
    if asking == "informational" or _governs_others(sentence):
        # A what/who/how question, or a rule that binds pupils or the school rather than the member of
        # staff asking: the clause informs, it does not decide what the asker may do.
        return StanceReading("informational", sentence, "")
    modals = _modal_matches(sentence)
    if not modals and _EXCEPTION.search(sentence):
        # The quote is the exception itself ("The only exception ... family member"): the rule it
        # qualifies sits in the sentence before it.
        sentences = split_sentences(clause_text)
        index = sentences.index(sentence) if sentence in sentences else 0
        if index > 0 and any(kind == "prohibited" for _, kind, _ in _modal_matches(sentences[index - 1])):
            return StanceReading("conditional", f"{sentences[index - 1]} {sentence}", "exception")
    negation = _TRAILING_NEGATION.search(sentence)
    if negation:
        modals.append((negation.start(), "prohibited", negation.group(0)))
        modals.sort()
    if not modals:
        return StanceReading("informational", sentence, "")
    kinds = {kind for _, kind, _ in modals}
    # Strongest directive wins; when a sentence both forbids and urges caution, the phrase nearest
    # before the question's own subject words decides.
    strongest = next(kind for kind in ("prohibited", "caution", "permitted", "required") if kind in kinds)
    chosen = next(m for m in modals if m[1] == strongest)
    if {"prohibited", "caution"} <= kinds:
        # A risk the sentence describes ("have the potential to ...") is no advice: beside a directive
        # ("need to ensure that they do not ...") the directive decides.
        candidates = [m for m in modals if m[1] == "prohibited" or (m[1] == "caution" and not _RISK.fullmatch(m[2]))]
        # "must be aware that if ... contact will be a breach of this policy": what to be aware of is the rule.
        candidates = [m for m in candidates if not (m[1] == "caution" and _AWARE_THAT.match(sentence, m[0])
                                                    and any(p[1] == "prohibited" and p[0] > m[0] for p in modals))]
        chosen = _nearest_modal(sentence, candidates, query_tokens, parties) or chosen
    _, stance, phrase = chosen
    if stance == "prohibited" and _outside_age_scope(_age_turn(question, latest_turn), sentence, parties):
        # "... ex-pupils under the age of 18" does not forbid contact with one who is an adult now.
        return StanceReading("permitted", sentence, "under the age of 18", outside_scope=True)
    if stance == "prohibited" and (scope := _outside_time_scope(question, sentence, latest_turn)):
        # "not permitted during lesson time" does not forbid it at lunch.
        return StanceReading("permitted", sentence, scope, outside_scope=True)
    # The exception's condition is matched against the asker's own words: the vocabulary's expansions
    # ("work at" -> "identify the school role") would otherwise meet "identified to ... the Headteacher".
    if stance == "prohibited" and _exception_applies(clause_text, sentence, word_stems(question), parties):
        stance = "conditional"
    elif stance == "required" and _requirement_rules_out(question, sentence):
        stance = "prohibited"
    elif stance == "required" and asking == "permission" and (
            _ONLY_RESTRICTION.search(sentence) or _PRIOR_APPROVAL.search(clause_text)):
        # "must only use the official school website", "must have been authorised ... in advance": allowed,
        # but only that way or only once approved.
        stance = "conditional"
    return StanceReading(stance, sentence, phrase)


_OFFICIAL_CHANNEL = re.compile(r"school['’]s (e-?mail|telephone|email)|official|trust email|school social media "
                               r"accounts?|school office|<academy> e-?mail|work mobile|keep .{0,160}(private|secure|"
                               r"confidential)", re.IGNORECASE)
_PERSONAL_MEANS = re.compile(r"\b(my own|personal|private|my (mobile|phone|cell|number|email|e-mail|gmail|"
                             r"whatsapp|login|password|account)|whatsapp|share|lend|borrow|give (out )?my)\b",
                             re.IGNORECASE)


_ADULT = re.compile(
    r"\b(adults? now|now an adult|grown[- ]up|over 18|over eighteen|18\+|aged (1[89]|[2-9]\d)|"
    r"(1[89]|[2-9]\d)[- ]?(years?[- ]old|yrs?[- ]old|y/?o)|(is|was|were|turned|turns|turn|reach|reaches|reached|"
    r"he's|she's|they're|he is|she is|they are) (1[89]|[2-9]\d)( now)?|over the age of (1[89]|eighteen)|"
    r"(1[89]|eighteen) or (over|older|above)|adult (former |ex[- ]?)(pupils?|students?)|"
    r"now (1[89]|[2-9]\d)|(1[89]|[2-9]\d) now|at uni|at university|graduated|"
    r"in (his|her|their) (twenties|thirties|forties))\b",
    re.IGNORECASE,
)
_UNDER_18 = re.compile(r"\bunder (the age of )?(18|eighteen)\b", re.IGNORECASE)


# An age a follow-up gives ("what if she was 18?", "a 16 year old"), not any number ("at 11pm", "year 9").
_AGE = re.compile(r"\b((is|was|were|turned|turns|turn|reach|reaches|aged|age|he's|she's|they're|now) \d{1,2}|"
                  r"\d{1,2}[- ]?(years?[- ]old|yrs?[- ]old|y/?o)|\d{1,2} now|adults?|grown[- ]ups?|under ?age|minors?|"
                  r"under (the age of )?18)\b", re.IGNORECASE)


def _age_turn(question: str, latest_turn: str) -> str:
    """A follow-up that gives an age ("what if she was 18?") replaces the age the conversation gave before."""
    return latest_turn if latest_turn and _AGE.search(latest_turn) else question


def _outside_age_scope(question: str, sentence: str, parties=()) -> bool:
    """The rule is limited to under-18s and the question is about an adult (a former pupil, or anyone
    when the rule does not also cover current pupils "of any age")."""
    if not (_UNDER_18.search(sentence) and _ADULT.search(question)):
        return False
    return "former" in parties or "of any age" not in sentence.lower()


# The asker's time after their own job ends: "once I've left", "after my last day", "when I retire".
_AFTER_EMPLOYMENT = re.compile(
    r"\b(once|after|when) (i|i've|i have|i'm|i am) (left|leave|finished|finish|gone|retired|retire|resigned|"
    r"resign|stopped working|stop working|no longer)\b|\bafter my last day\b|\bwhen my contract (ends|is up)\b|"
    r"\b(i|i'm|i am) no longer (work|working|employed)\b",
    re.IGNORECASE,
)
# A rule limited to the time someone is employed ("whilst in employment at the Trust").
EMPLOYMENT_TIME = re.compile(r"\b(whilst|while|during) (in |their |your |the )?employ(ed|ment)\b", re.IGNORECASE)


def asks_after_employment(question: str) -> bool:
    return bool(_AFTER_EMPLOYMENT.search(question))


# A rule limited to a time (of employment, of day), and the times a question can name that lie outside it.
_TIME_SCOPES = [
    (EMPLOYMENT_TIME, _AFTER_EMPLOYMENT, re.compile(r"\b(still|currently) (work|working|employed)\b", re.IGNORECASE)),
    (re.compile(r"\b(during )?(lesson|teaching|class) time\b|\bduring lessons\b", re.IGNORECASE),
     re.compile(r"\b(lunch\w*|break\w*|free periods?|ppa|non-contact|frees|after school|before school|evenings?|"
                r"weekends?|holidays?|half[- ]term|at home|staff ?room)\b", re.IGNORECASE),
     re.compile(r"\b(lessons?|teaching|in class|the kids are|pupils are|students are)\b", re.IGNORECASE)),
    (re.compile(r"\b(during )?working hours\b", re.IGNORECASE),
     re.compile(r"\b(evenings?|weekends?|holidays?|half[- ]term|after work|at night|days? off|annual leave)\b",
                re.IGNORECASE),
     re.compile(r"\b(lessons?|lunch\w*|break\w*|free periods?|ppa|at work|in school|working hours|school day)\b",
                re.IGNORECASE)),
]


_NEGATED_TIME = re.compile(r"\b(not|no|\w+n['’]t|without|outside( of)?)\s+(\w+\s+)?(teaching|lessons?|in (a )?class|"
                           r"in (a )?lessons?|working hours|at work)\b", re.IGNORECASE)


def _outside_time_scope(question: str, sentence: str, latest_turn: str = "") -> str:
    """The rule's time limit when the question asks only about a time outside it ("at lunch" against
    "during lesson time"), else "". A follow-up that names a time of its own ("what about at lunch?")
    replaces the earlier turns' time; one that names none keeps it."""
    for rule_time, outside, inside in _TIME_SCOPES:
        limit = rule_time.search(sentence)
        if not limit:
            continue
        asked = latest_turn if latest_turn and (outside.search(latest_turn) or inside.search(latest_turn)) else question
        # "if I'm not teaching, like in a free period" names lesson time only to rule it out.
        if outside.search(asked) and not inside.search(_NEGATED_TIME.sub(" ", ask_part(asked))):
            return limit.group(0)
    return ""


_ONLY_RESTRICTION = re.compile(r"\b(must|should|may|can|will) only\b|\bonly (be )?(use|used|permitted|allowed)\b",
                               re.IGNORECASE)


# A rule that makes something depend on someone's approval first.
_PRIOR_APPROVAL = re.compile(r"\b(authori[sz]ed|approved|agreed)\b[^.]{0,60}\bin advance\b|"
                             r"\b(further|subject) to (the )?(approval|authori[sz]ation)\b|"
                             r"\b(prior|advance) (approval|permission|authori[sz]ation|agreement)\b|"
                             r"\bapproval (by|from|of) (the )?(slt|senior|head|principal|line manager)", re.IGNORECASE)


def _requirement_rules_out(question: str, sentence: str) -> bool:
    """"Use the school's email" or "keep your passwords private" answers "can I use my own phone / lend my
    login?" with a no: the required alternative excludes what was asked."""
    return bool(_OFFICIAL_CHANNEL.search(sentence) and _PERSONAL_MEANS.search(question)
                and _PERMISSION_QUESTION.search(question))


def _governs_others(sentence: str) -> bool:
    subject = sentence.lstrip("•* ")
    return bool(PUPIL_SUBJECT.match(subject) or ORGANISATION_SUBJECT.match(subject))


def _nearest_modal(sentence: str, modals: list[tuple[int, str, str]], query_tokens: set[str], parties=()):
    # The people the question is about are the surest anchor ("... from pupils, and be cautious if friends
    # with parents"); failing that, the first of the question's own distinctive words.
    for party in parties:
        match = CLAUSE_PARTY[party].search(sentence)
        before = [m for m in modals if match and m[0] <= match.start()]
        if before:
            return before[-1]
    distinctive = query_tokens - _GENERIC
    for match in re.finditer(r"[\w'-]+", sentence):
        if stem(match.group(0)) in distinctive:
            before = [m for m in modals if m[0] <= match.start()]
            if before:
                return before[-1]
    return None


_PERMISSION_ROUTE = re.compile(r"\b(permission|consent|agreed|agreement|approv\w*|authoris\w*|authoriz\w*|"
                               r"sanction\w*|senior (management|leadership)|line manager|headteacher|head of school|"
                               r"principal|protocols?)\b", re.IGNORECASE)


# Words every exception is phrased with; sharing them with a question says nothing about its condition.
_EXCEPTION_WORDS = word_stems("has have had is are was rule rules exception exceptions only where when case cases "
                              "this that such any been being")


_FAMILY_WORDS = word_stems("family member")


def _exception_applies(clause_text: str, sentence: str, asked_words: set[str], parties=()) -> bool:
    """An exception in the rule's own sentence ("unless ... permission") always qualifies it; one in the
    next sentence ("The only exception ... family member") only when the question is about its condition:
    shares its words, or names a relative when the condition is family."""
    if "family" in parties:
        asked_words = asked_words | _FAMILY_WORDS
    own = _EXCEPTION.search(sentence)
    if own:
        # "unless ... permission of the Head" is a route anyone may take; "unless the pupil is a member of the
        # adult's family" is a fact that holds only when the question is about it.
        condition = sentence[own.start():]
        if _PERMISSION_ROUTE.search(condition) and not CLAUSE_PARTY["family"].search(condition) \
                and not re.search(r"\bfamily\b", condition, re.IGNORECASE):
            return True
        rule_words = word_stems(sentence[:own.start()]) | _GENERIC | _EXCEPTION_WORDS
        return bool((word_stems(condition) - rule_words) & asked_words)
    sentences = split_sentences(clause_text)
    if sentence not in sentences:
        return False
    following = sentences[sentences.index(sentence) + 1:sentences.index(sentence) + 2]
    # Only the exception's own condition counts, not the words it repeats from the rule.
    rule_words = word_stems(sentence) | _GENERIC | _EXCEPTION_WORDS
    return any(_EXCEPTION.search(s) and (word_stems(s) - rule_words) & asked_words for s in following)
