"""Reading a question in its conversation: which trusts it names, whether it compares, what a follow-up means."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.vocabulary import expansion_terms, people_terms, topic_terms, without_people
from ingest.corpus import TrustInfo

MAX_QUESTION_CHARS = 4000

_COMPARISON = re.compile(
    r"\b(compare|comparison|comparing|differ|differs|difference|differences|versus|vs\.?|"
    # "different" compares only when it is about the rules: not "different question", "a different email".
    r"different (polic|trust|rule|approach|stance|position|answer)\w*|how different|"
    r"any different\b(?! (question|thing|topic|issue|email|account|phone|device|one))|"
    r"(would|will) (that|it|this|things|the answer|the rules?) be (any |very |much |really )?different|"
    r"across (the |all (the |five |5 )?|all of the |each of the |every )?(trusts?|policies|policy|schools)|"
    r"all (the |five |5 |of the )?(trusts|policies)|each trust|every trust|"
    r"each (of the )?polic(y|ies)|every policy|"
    r"which trusts|which policies|between (the )?trusts|side by side|other trusts|how do the trusts|"
    # ...but not "I'm at St Paul's, not sure which trust we're under": that asker is in one trust.
    r"(?<!sure )(?<!know )(?<!idea )(?<!remember )which trust(?! (i|we|i'm|we're|am|is|my|our|it|this|that|runs)\b)|"
    r"(the )?trusts (say|handle|treat|approach)|consistent|inconsistent)\b",
    re.IGNORECASE,
)
# Words that make a comparison one between trusts rather than between circumstances ("any different for supply
# staff?").
_ACROSS_TRUSTS = re.compile(r"\b(trusts?|polic(y|ies)|schools|academies|all (five|5|of them)|each|every|everyone|"
                            r"side by side|(in)?consistent|which|others?|rest|elsewhere|everywhere)\b", re.IGNORECASE)
# Words people put before a follow-up: "ok so...", "thanks. and what about...".
_FILLER = r"^\s*((ok|okay|right|thanks|thank you|cheers|great|cool|hmm|ah|oh|sorry|yes|no)\b[\s,.!-]*)*"
_FOLLOW_UP_START = re.compile(
    _FILLER + r"(and|but|also|what about|how about|what if|same|so|then|what of|is that|does that|and if|or|plus|"
    r"even if|even though|in that case|would that|would the answer)\b|\b(same question|the same|that rule|ones who|"
    r"ones that|that one|this one|the answer be)\b",
    re.IGNORECASE,
)
# A turn that says it starts something new is read on its own, whatever else it shares with the last one.
_NEW_TOPIC = re.compile(r"\b(different|separate|unrelated|new|another|other) (question|thing|topic|issue|one)\b|"
                        r"\bchanging the subject\b|\bon another note\b", re.IGNORECASE)
# Pronouns point back only in a short question that has little subject of its own.
_PRONOUN = re.compile(r"\b(they|them|those|these|it|this|that)\b", re.IGNORECASE)
_ENGLISH_WORDS = frozenset(
    "the a an and or i my me can to of in on for is it be are do at with about if not from what how who "
    "should may am we you they this that their our there was have has when where which would could "
    "so does did done its it's just then than like but any some all very really get got im i'm i've don't "
    "can't isn't your he she his her him them us were been will also only even still as by up out off "
    "just ok okay".split()
)
# Function words of the languages staff might write in instead (French, Spanish, German, Italian,
# Portuguese, Polish, Welsh), leaving out any that English chat also uses ("a", "do", "per", "yr", "ma").
_FOREIGN_WORDS = frozenset(
    "je tu il elle nous vous est que qui une les des du sur avec pas ce cette peux puis dans au aux et ou "
    "el la los las es de del un una por para puedo mi mis en al se su "
    "der das und ist ich nicht mit ein eine kann auf für von zu dem mein "
    "di che è posso gli della um uma não com da em "
    "czy się nie jest od mogę mae ydw gallaf".split()
)


# Forum pleasantries say nothing about the policy question, but their words ("first post", "advice",
# "teaching for ten years") pull retrieval towards the wrong clauses.
_PLEASANTRIES = re.compile(
    r"^\s*(hi|hello|hey|hiya|good morning|morning|good afternoon|good evening)( all| everyone| everybody| folks| "
    r"guys| there)?\b[!,.]*|"
    r"\b(long[- ]time lurker|first[- ]time poster|first (ever )?post( here)?|lurker)\b|"
    r"\bsorry if (this|it)( has| 's|'s)? been (asked|covered|discussed)( before| already)?\b|"
    r"\bi did (a )?search( first)?\b|\bhope (you'?re|you are|everyone'?s|everyone is) (all )?(well|ok|okay)\b|"
    r"\b(thanks|thank you|cheers)( so much| very much| all| everyone)?( in advance)?\b[!.]*|"
    r"\b(any|all) (advice|help|thoughts|input|replies)( would be| is| are)?( much| greatly| really| gratefully)? "
    r"(appreciated|welcome|received)\b|"
    r"\bi'?d (really |be )?(appreciate|love|welcome|grateful for) (some|any|your) (advice|help|thoughts|input)\b|"
    r"\b(i'?m|i am) going round in circles( with this( one)?)?\b|"
    r"\bbit of an? (weird|odd|awkward|strange|silly|random|tricky|daft) (one|question)\b|"
    r"\b(i'?ve|i have) been (teaching|a teacher|a ta|in (teaching|education)|qualified)( for)? [\w ]{1,20}? "
    r"(years?|months?)\b|\b(never|not) had this (happen|before)( before)?\b",
    re.IGNORECASE,
)


# Words that make a sentence part of the question even without a vocabulary match.
_TOPICAL = re.compile(r"\b(school|class|trust|academy|policy|post|posted|online|account|profile|friends?|"
                      r"message|messaged|added|sent|shared|contact|social|media|work|job|staff|head|teach\w*|"
                      r"years? old|\d+ now|left|leaver|relative|related|church|club|team|start\w*|join\w*|new|"
                      r"private|public|group|september|trip|time|own|home|office|personal|leav\w*|ban|bans|banned|"
                      r"allow\w*|rules?|permit\w*|breach\w*|report\w*|forbid\w*|against|must|should)\b",
                      re.IGNORECASE)
_FILLER_WORDS = frozenset("here there just really also some this that with have been from your what when".split())


def strip_pleasantries(text: str) -> str:
    """The message without greetings, thanks and forum small talk (or the message itself if nothing is left)."""
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        stripped = _PLEASANTRIES.sub(" ", sentence)
        if stripped == sentence:
            kept.append(sentence)
            continue
        # What is left of a sentence of small talk ("here, and as and.") is dropped unless it still asks something.
        words = [w for w in re.findall(r"[a-z']{4,}", stripped.lower()) if w not in _FILLER_WORDS]
        if "?" in stripped or len(words) >= 3:
            kept.append(re.sub(r"^[\s,.!;:-]+", "", re.sub(r"\s+", " ", stripped)).strip())
    # An opening or closing sentence that neither asks nor touches the domain ("Hope you're having a lovely half
    # term.") is small talk too; sentences in the middle are the asker's context and stay.
    def small_talk(sentence: str) -> bool:
        return not ("?" in sentence or expansion_terms(sentence) or _TOPICAL.search(sentence))
    while len(kept) > 1 and small_talk(kept[0]):
        kept.pop(0)
    while len(kept) > 1 and small_talk(kept[-1]):
        kept.pop()
    core = " ".join(k for k in kept if k)
    return core if len(re.findall(r"[A-Za-z]{3,}", core)) >= 2 else text


class InputProblem(ValueError):
    """A question the assistant cannot answer as given; the message is shown to the user."""


@dataclass(frozen=True)
class ReadQuestion:
    text: str  # cleaned question
    core: str  # the question without forum pleasantries: what retrieval and the stance reader read
    retrieval_text: str  # the question read with the conversation
    trusts: tuple[str, ...]  # trusts named in the question (or inherited from the conversation)
    comparison: bool
    follow_up: bool
    # The turn whose form says what kind of answer is wanted: "what would the answer be at SJEAT?" asks what
    # the earlier "am I allowed to email parents from Gmail?" asked.
    asking_text: str = ""
    topic_turn: str = ""  # the earlier turn a follow-up is read with
    unplaced_school: str = ""  # a school the question names that no trust's policy lists ("St Mary's Primary")
    # What the lexical index is searched with when it differs from retrieval_text: a follow-up that names other
    # people than the turn it follows ("and ex-pupils?" after parents) searches for them, not the earlier ones.
    lexical_text: str = ""


def clean_question(question: str) -> str:
    """Strip control characters; reject empty, oversized or non-English input with a clear message."""
    if question is None:
        raise InputProblem("Please type a question.")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in str(question))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InputProblem("Please type a question — the message was empty.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputProblem(
            f"That message is {len(text):,} characters; please keep questions under {MAX_QUESTION_CHARS:,} "
            "characters (paste just the part you want answered)."
        )
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        raise InputProblem("I couldn't find a question in that message; please ask in words.")
    latin = [w for w in words if re.fullmatch(r"[a-z'’-]+", w)]
    english = sum(w in _ENGLISH_WORDS for w in words)
    foreign = sum(w in _FOREIGN_WORDS for w in words)
    # Another language is recognised by its own function words, not by a lack of English ones: terse
    # English ("staff fb group says jeans fridays now??") has hardly any "the" or "can".
    if (len(latin) < 0.5 * len(words) or (foreign >= 2 and foreign > english)
            or (foreign and not english and len(words) >= 4) or (len(words) >= 8 and not english)):
        raise InputProblem("I can only answer questions in English at the moment; please ask in English.")
    return text


def _alias_patterns(trusts: dict[str, TrustInfo]) -> list[tuple[re.Pattern, str]]:
    patterns = []
    for info in trusts.values():
        names = {info.trust, info.short_name, info.name, *info.aliases}
        for name in names:
            if not name:
                continue
            escaped = re.escape(name.lower()).replace("'", "['’]?").replace(r"\ ", r"\s+")
            patterns.append((re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE), info.trust))
    # Longer names first so "St James and Emmanuel" is matched before "St James".
    return sorted(patterns, key=lambda p: -len(p[0].pattern))


def trusts_named(text: str, trusts: dict[str, TrustInfo]) -> tuple[str, ...]:
    found: list[str] = []
    # "St. Paul's", "Saint Paul's" and "St Paul's" name the same school.
    lowered = re.sub(r"\bsaint\b|\bst\.", "st", text.lower())
    for pattern, trust in _alias_patterns(trusts):
        if pattern.search(lowered) and trust not in found:
            found.append(trust)
    order = list(trusts)
    return tuple(sorted(found, key=order.index))


# A school named the way staff name theirs: "St Mary's" (any case), "Saint Bede's", "Oakfield Primary",
# "Hilltop C of E Academy" (capitalised: "a primary school" names none).
_SAINT_SCHOOL = re.compile(r"\b(?:st\.?|saint)\s+[a-z]+['’]?s\b(?:\s+(?:c\.? ?of ?e|ce|rc|catholic|church of england|"
                           r"primary|junior|infant|high|secondary|academy|school|college)\b)*", re.IGNORECASE)
_NOT_A_NAME = ("The|A|An|At|In|My|Our|This|That|Their|His|Her|Your|Local|Every|Another|Other|Which|Each|Trust|Sixth|"
               "Form|Further|Free|Special|State|Private|Independent|Catholic|Church|Secondary|Primary|Junior|Infant|"
               "High|Grammar|Academy|School|College|Multi|Any|Some|Both|All|Is|Are|Can|Does|Do")
_NAMED_SCHOOL = re.compile(rf"(?<![\w'’])(?!(?:{_NOT_A_NAME})\b)[A-Z][a-z]+(?:\s+(?!(?:{_NOT_A_NAME})\b)[A-Z][a-z]+)?"
                           r"\s+(?:C ?of ?E\s+|CE\s+|Catholic\s+)?(?:Primary|Junior|Infant|High|Secondary|Grammar|"
                           r"Academy|College)\b(?:\s+(?:School|Academy)\b)?")


def unplaced_school(text: str, trusts: dict[str, TrustInfo]) -> str:
    """A school the text names that is not one the trusts' metadata lists, or "" (none, or a known one)."""
    for pattern in (_SAINT_SCHOOL, _NAMED_SCHOOL):
        for match in pattern.finditer(text):
            if not trusts_named(match.group(0), trusts):
                return match.group(0).strip()
    return ""


# "What do the other four say?", "and the rest?": the conversation's question, asked of every trust but its own.
_OTHER_TRUSTS = re.compile(r"\b(the )?(other|remaining) (trusts?|polic(y|ies))\b", re.IGNORECASE)
# "the others", "the other four" ask about the other trusts only in a turn with no subject of its own: not in
# "photos of me and the others" or "the other two TAs and I".
_THE_OTHERS = re.compile(r"\b(the )?(other|remaining) (four|4|three|3|two|2|ones)\b|\bthe (others|rest)\b|"
                         r"\beveryone else\b", re.IGNORECASE)


def asks_the_other_trusts(text: str) -> bool:
    return bool(_OTHER_TRUSTS.search(text)) or (bool(_THE_OTHERS.search(text)) and _no_topic(text))


def _no_topic(text: str) -> bool:
    """A turn that asks about no subject of its own ("what do the other four say?")."""
    return not _topic_words(_THE_OTHERS.sub(" ", _OTHER_TRUSTS.sub(" ", text.lower())))


def is_follow_up(text: str) -> bool:
    if _NEW_TOPIC.search(text):
        return False
    if _FOLLOW_UP_START.search(text) or asks_the_other_trusts(text):
        return True  # an explicit "and what about..." points back however long it runs
    words = text.split()
    content = [w for w in re.findall(r"[a-z']+", text.lower()) if w not in _ENGLISH_WORDS and len(w) > 3]
    return bool(_PRONOUN.search(text)) and len(words) <= 10 and len(content) <= 3


# Words that point back at the earlier turn's people or things ("what if she DMs me anyway?").
_BACK_REFERENCE = re.compile(r"\b(she|he|they|them|her|him|his|it|its|that|this|those|these|ones?|same|still|"
                             r"anyway|instead|too|either|though)\b", re.IGNORECASE)


# How much a follow-up's own words count beside the conversation they are read with, when they name a new subject
# (0, 0.3, 0.5 and 1.0 measured on the eval and training sets: 0.3 best), and when they leave the old one behind.
FOLLOW_UP_WEIGHT = 0.3
SWITCH_WEIGHT = 2.0
PEOPLE_SWITCH_WEIGHT = 1.0  # "now the same for parents" after a question on former pupils: the people change


# A follow-up that names an act of its own ("and what about posting photos of the kids?"), not only a new object or
# place for the earlier act ("what about on the school account?").
_OWN_ACT = re.compile(r"\b(about|on|with|regarding|re)\s+(?!(?:some|any|no|every)thing\b|morning|evening|spring\b|"
                      r"building|sibling|wedding)(\w{3,}ing)\b|\b(can|could|may|should) (i|we|staff) \w+",
                      re.IGNORECASE)


def follow_up_weight(core: str, topic_turn: str) -> float:
    """The weight of a follow-up's own words in its query: 0 when it names no new subject ("what if they've
    left?"); FOLLOW_UP_WEIGHT when it does ("and personal email addresses?"); SWITCH_WEIGHT when it names two
    new subjects, or an act of its own, and nothing of the old one, and points back at nothing ("and on using
    personal phones in lessons?" after a question on former pupils, "and what about posting photos of the kids?"
    after one on friend requests): the earlier turn's frame (compare, may I) stays, its subject gives way. A turn
    that names only other people than the earlier one ("and ex-pupils?" after parents) weighs
    PEOPLE_SWITCH_WEIGHT: the rule on them is another clause."""
    new, old = topic_terms(core), topic_terms(topic_turn)
    if not new - old:
        # "and ex-pupils?" after a question on parents names no new topic, but new people: their rule differs.
        asked, earlier = people_terms(core), people_terms(topic_turn)
        if not asked - earlier:
            return 0.0
        return PEOPLE_SWITCH_WEIGHT if not asked & earlier else FOLLOW_UP_WEIGHT
    if (len(new - old) >= 2 or _OWN_ACT.search(core)) and not (new & old) and not _BACK_REFERENCE.search(core):
        return SWITCH_WEIGHT
    return FOLLOW_UP_WEIGHT


# A follow-up that carries no question of its own: it asks the earlier question again of something else.
_ELLIPTICAL = re.compile(
    _FILLER + r"((and|but|so|then)\s+)?(what about|how about|what if|what would the answer be|would the answer be|"
    r"(would|will|is|does) (that|it|this|the answer|the rule) (be )?(the same|different|any different|change|apply|"
    r"still apply|go|hold|count)|(is it|is that|it'?s|same) (the same|same|true) |same (for|at|in|with|under|question)|"
    r"(and|but) (at|for|in|under|with|on|if)\b)",
    re.IGNORECASE,
)


# Words that ask about a policy without saying what about: "what does STOC say?", "and the rule at DSAT?"
_GENERIC_WORDS = frozenset("say says said rule rules policy policies answer handle handles think trust trusts "
                           "school schools stance position view line guidance what's whats here there "
                           # "how does STOC compare?" asks the conversation's question of STOC beside the last trust
                           "compare compares compared differ differs different differently same "
                           # "how does that compare across all five?" names no subject either
                           "across between each every both two three four five".split())


def _only_names_a_trust(text: str, trusts: dict[str, TrustInfo]) -> bool:
    """A turn with no topic of its own beyond a trust's name asks the conversation's question of that trust."""
    if not trusts_named(text, trusts):
        return False
    rest = re.sub(r"\bsaint\b|\bst\.", "st", text.lower())
    for pattern, _ in _alias_patterns(trusts):
        rest = pattern.sub(" ", rest)
    return len(re.findall(r"[a-z']+", rest)) <= 8 and not _topic_words(rest)


def _topic_words(text: str) -> list[str]:
    """The words of a turn that name a subject: not function words, nor words that only ask about a policy."""
    return [w for w in re.findall(r"[a-z']+", text.lower()) if w not in _ENGLISH_WORDS and w not in _GENERIC_WORDS]


def read_question(question: str, history: tuple[str, ...] | list[str], trusts: dict[str, TrustInfo]) -> ReadQuestion:
    """Interpret a question with the earlier user turns of its conversation."""
    text = clean_question(question)
    earlier = [clean_question(turn) for turn in history if turn and str(turn).strip()][-4:]
    named = own = trusts_named(text, trusts)
    core = strip_pleasantries(text)
    names_only_a_trust = _only_names_a_trust(core, trusts)
    no_subject = names_only_a_trust or _no_topic(core)  # "and at DSAT?", "how does that compare across all five?"
    follow_up = bool(earlier) and (is_follow_up(core) or names_only_a_trust)
    retrieval_text = core
    # The turn a follow-up follows: the last one with a topic of its own. "how does STOC compare?" only moved
    # the question to another trust, so "and what about parents?" after it is read with the turn before.
    topic_turn = next((stripped for turn in reversed(earlier)
                       if not _only_names_a_trust(stripped := strip_pleasantries(turn), trusts)),
                      strip_pleasantries(earlier[-1]) if earlier else "")
    lexical_text = ""
    if follow_up and no_subject:
        # "how does that compare across all five?", "and at DSAT?" ask the earlier question again, word for word:
        # their own words ("compare", "five") would only pull the search away from it.
        retrieval_text = topic_turn
    elif follow_up:
        # Read a follow-up with the question it follows ("and ex-pupils?" after "can I friend pupils?").
        retrieval_text = f"{topic_turn} {core}"
        asked, earlier_people = people_terms(core), people_terms(topic_turn)
        if asked and earlier_people and not asked & earlier_people:
            lexical_text = f"{without_people(topic_turn, earlier_people)} {core}"
    others = False
    if not named and earlier:
        # Keep the trust the conversation was about, unless this turn names another.
        for turn in reversed(earlier):
            inherited = trusts_named(turn, trusts)
            if inherited:
                named = inherited
                break
        if named and follow_up and asks_the_other_trusts(core):
            named = tuple(t for t in trusts if t not in named)
            others = True
    compares = bool(_COMPARISON.search(text))
    if compares and follow_up and not own and named and not _ACROSS_TRUSTS.search(text):
        # "is it any different for supply teachers?" after a question at STOC changes the circumstances, not the
        # trust: it is answered for the conversation's trust.
        compares = False
    # A follow-up of a comparison compares too ("and what about ex-pupils?"), unless it names its own trust
    # ("what does DSAT say about it?").
    comparison = (compares or (follow_up and not own and bool(_COMPARISON.search(earlier[-1])))
                  or (others and len(named) > 1))
    if comparison and len(own) == 1 and follow_up and named == own:
        # "I'm at St Paul's, can I...?" then "and if I moved to a STOC school, would that be any different?"
        # compares the trust the conversation was about with the one this turn names.
        earlier_trust = next((found for turn in reversed(earlier) if (found := trusts_named(turn, trusts))), ())
        named = tuple(t for t in trusts if t in {*own, *earlier_trust})
    if comparison and len(named) < 2:
        named = ()  # a comparison with no explicit list covers every trust
    elliptical = _ELLIPTICAL.match(core) or no_subject
    asking_text = topic_turn if follow_up and elliptical else core
    unplaced = unplaced_school(text, trusts) if not own else ""
    return ReadQuestion(text, core, retrieval_text, named, comparison, follow_up, asking_text,
                        topic_turn if follow_up else "", unplaced, lexical_text)
