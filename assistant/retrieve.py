"""Per-trust retrieval: dense (stored Chroma vectors) + BM25 fused, with vocabulary and audience levers.

Every clause of a trust is scored (a policy has well under 100 clauses), so fusion sees full score
lists rather than two truncated top-k lists. Each lever can be switched off for the ablation study.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np
import snowballstemmer
from bm25s.stopwords import STOPWORDS_EN

from assistant.precedents import NO_VOTE, Vote
from assistant.vocabulary import correct_typos, expand_query, normalise_spelling
from ingest.records import Clause

_STEMMER = snowballstemmer.stemmer("english")
_STOPWORDS = frozenset(STOPWORDS_EN)


@dataclass(frozen=True)
class RetrievalLevers:
    """Switches for each retrieval lever; the defaults are the measured best."""

    bm25: bool = True
    vocabulary: bool = True
    titles: bool = True  # section titles in the lexical index
    audience: bool = True  # down-weight clauses that govern pupils or the organisation, not staff
    # Match who the question is about (parents, former pupils, colleagues, family). Off by default since the
    # tuned embedder learnt it: on, it cost 1.3-6.6 points of hit@1 (gold, holdout, holdout_b).
    parties: bool = False
    dense_weight: float = 0.7  # per embedder: see assistant.service.CALIBRATED_LEVERS
    lexical_full_score: float = 18.0  # a BM25 score (shared statistics) at which the lexical signal counts fully
    # Labelled training questions near this one vote for the clause that answered them (assistant.precedents):
    # a clause's share of the votes of the `precedent_k` nearest is added to its score, times this weight.
    precedent_k: int = 5
    precedent_weight: float = 0.0


@dataclass(frozen=True)
class RetrievedClause:
    """A scored hit for one trust."""

    clause: Clause
    score: float  # fused score used for ranking
    dense: float  # cosine similarity of clause and query
    lexical: float  # BM25 score normalised by the best possible self-match, 0..1
    audience: str  # who the clause governs: staff, pupils, organisation, background


ORGANISATION_SUBJECT = re.compile(
    r"^(the |all |each |any )?(headteacher|head of school|principal|governing body|governors|trust|slt|"
    r"school|schools|academy|<academy>|senior management|local governing body)(?!\w)(?! staff)",
    re.IGNORECASE,
)
PUPIL_SUBJECT = re.compile(r"^(pupils|students|children)\b", re.IGNORECASE)
_BACKGROUND = re.compile(
    r"\b(can be defined as|is defined as|means any|is the term|for the purpose of this|this policy (applies|covers|"
    r"sets out|is designed|takes into account|should be read)|the purpose of (the|this) policy)\b",
    re.IGNORECASE,
)
_BACKGROUND_TITLES = re.compile(r"glossary|definition|introduction|scope|purpose|legislation|examples|statement",
                                re.IGNORECASE)
_PUPIL_TITLES = re.compile(r"pupil use|student use", re.IGNORECASE)
# A sentence or bullet that lays a rule on staff ("Staff should set up...", "Employees must always..."):
# the clause governs staff even when it opens with the school or sits in an introduction.
_STAFF_RULE = re.compile(r"(^|[.•;:]\s*)(all |members of )?(staff|employees|adults working in school)\b[^.]{0,40}?"
                         r"\b(should|must|shall|need to|are expected to)\b", re.IGNORECASE)


def clause_audience(clause: Clause) -> str:
    """Who a clause governs, read from its grammatical subject and its section title."""
    text = clause.text.lstrip("•* ")
    if _PUPIL_TITLES.search(clause.section_title) or PUPIL_SUBJECT.match(text):
        return "pupils"
    if _STAFF_RULE.search(text):
        return "staff"
    if _BACKGROUND.search(text[:200]) or _BACKGROUND_TITLES.search(clause.section_title.split(" › ")[0]):
        return "background"
    if ORGANISATION_SUBJECT.match(text):
        return "organisation"
    return "staff"


# The people a question or a clause is about. A clause about parents is not the answer to a question
# about colleagues, and the reverse. "Parents of pupils" is about parents, not pupils.
_PARTIES = {
    "pupil": (r"\b(pupils?|students?|kids?|child|children|learners?|year \d+s?|sixth.?formers?|teens?|"
              r"teenagers?|boy|girl|grade \d+|\d+(st|nd|rd|th) graders?|graders?|middle schoolers?|high schoolers?|"
              r"homeroom)\b", r"\b(pupils?|students?|child|children)\b"),
    "parent": (r"\b(mum|mums|mom|mother|dad|dads|father|parents?|carers?|guardians?)\b",
               r"\b(parents?|carers?)\b"),
    # "ex student", "an old pupil of mine", "a past student"; not "a 15 year old student".
    "former": (r"\b(ex[- ]?pupils?|ex[- ]?students?|(former|past) (pupils?|students?)|alumni|leavers?|"
               r"(?<!year )(?<!years )(?<!yr )(?<!\d )old (pupils?|students?)|graduated|(has|have|had) left|"
               r"who left|left (the )?school|no longer (at|a pupil|a student)|used to teach|"
               # "keep in touch with pupils after they leave", "once they've left"
               r"(after|once|when) (they|he|she)('ve|'s| have| has)? (leave|leaves|left)|(they|he|she)'ve left)\b",
               r"\b(former (pupils?|students?)|ex-(pupils?|students?))\b"),
    # A head or line manager is a colleague too ("a friend request from my headteacher"), as are "us from work".
    "colleague": (r"\b(colleagues?|co-?workers?|workmates?|other teachers|fellow staff|headteacher|head teacher|"
                  r"(my|our|the) (head|boss|line manager|manager|deputy( head)?|principal)|line manager|"
                  r"(of us|people|friends|mates|folks?) (from|at) work|work (friends|mates)|people i work with)\b",
                  r"\b(colleagues?|co-?workers?)\b"),
    "family": (r"\b(niece|nephew|cousin|relatives?|related|siblings?|brother|sister|family member|"
               r"my (own )?(son|daughter|child|kid|grandchild))\b",
               r"(family member|adult['’]s family|family relationship)"),
}
_QUESTION_PARTY = {name: re.compile(q, re.IGNORECASE) for name, (q, _) in _PARTIES.items()}
CLAUSE_PARTY = {name: re.compile(c, re.IGNORECASE) for name, (_, c) in _PARTIES.items()}


_OF_PUPILS = re.compile(r"\b(his|her|their) (own )?(little )?(son|daughter|kids?|child|children|boy|girl|lad)\b|"
                        r"\b(parents?|carers?|families|family members?|mums?|dads?|mothers?|fathers?|relatives|"
                        r"siblings)(\s*/\s*carers?)?\s+(of|from)\s+(a |the |my |our )?(pupils?|students?|kids?|"
                        r"child|children)\b|\b(former|past) (pupils?|students?)|\bex[- ]?(pupils?|students?)|"
                        r"(?<!year )(?<!years )(?<!yr )(?<!\d )\bold (pupils?|students?)|"
                        # "those working with pupils" are staff
                        r"\b(working|work|who work) with (pupils|students|children|young people)\b", re.IGNORECASE)


# A relative's parent is family ("my nephew ... his mum runs his account"): not a parent of the school asked about.
_RELATIVES_PARENT = re.compile(r"\b(his|her|their) (mum|mom|mother|dad|father|parents?)\b", re.IGNORECASE)


def question_parties(text: str) -> frozenset[str]:
    found = _parties(text, _QUESTION_PARTY)
    if {"family", "parent"} <= found and not _QUESTION_PARTY["parent"].search(_RELATIVES_PARENT.sub(" ", text)):
        found -= {"parent"}
    return found


def clause_parties(clause: Clause) -> frozenset[str]:
    return _parties(clause.text, CLAUSE_PARTY)


def _parties(text: str, patterns: dict[str, re.Pattern]) -> frozenset[str]:
    found = {name for name, pattern in patterns.items() if name != "pupil" and pattern.search(text)}
    # Pupils count only when named for themselves, not as in "parents of pupils" or "former pupils".
    if patterns["pupil"].search(_OF_PUPILS.sub(" ", text)):
        found.add("pupil")
    return frozenset(found)


def party_weight(asked: frozenset[str], covered: frozenset[str], switched: bool = False) -> float:
    """`switched`: a follow-up named new people ("and ones who have left?"), so missing them counts more."""
    weight = 1.0
    for _ in asked - covered:
        weight *= 0.8 if switched else 0.88  # the clause does not mention someone the question is about
    if asked and (covered - asked) and not (covered & asked):
        # The clause is about someone else entirely; after a follow-up named new people, likely the old ones.
        weight *= 0.8 if switched else 0.92
    return weight


# Multipliers for a staff member's "can I / should I" question.
_AUDIENCE_WEIGHT = {"staff": 1.0, "background": 0.8, "organisation": 0.8, "pupils": 0.6}
_STAFF_ASKING = re.compile(r"\b(i|i'm|im|me|my|we|our|us|staff|teachers?|employees?|adults?|tas?)\b", re.IGNORECASE)


_DEFINITION_QUESTION = re.compile(r"\b(what (is|are|counts as|does .{1,30} mean)|define|definition|defined|"
                                  r"difference between|meaning of|what is meant by)\b", re.IGNORECASE)


def tokenize(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)
    return [list(t) for t in tokens]


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower())


def word_stems(text: str) -> set[str]:
    """Stems of a text's words (cached per word: the stance reader calls this for every sentence)."""
    return {stem(w) for w in re.findall(r"\w\w+", text.lower()) if w not in _STOPWORDS}


def known_words(clauses) -> frozenset[str]:
    """Every word the policies use: typo correction leaves these alone."""
    return frozenset(w.lower() for c in clauses for w in re.findall(r"[A-Za-z]+", f"{c.section_title} {c.text}"))


def normalise_question(text: str, words: frozenset[str], vocabulary: bool = True) -> str:
    """British spellings and, with the vocabulary, typing slips in domain words fixed (`words`: those the policies
    use, left alone)."""
    text = normalise_spelling(text)
    return correct_typos(text, words) if vocabulary else text


def expand_question(normalised: str, vocabulary: bool = True) -> str:
    """The policy terms staff phrasing implies, appended (with the vocabulary)."""
    return expand_query(normalised) if vocabulary else normalised


def query_text(text: str, words: frozenset[str], vocabulary: bool = True) -> str:
    """What retrieval embeds and searches for a question's text. The tuned embedder is trained on exactly this
    text (tune.data), so the two cannot drift apart."""
    return expand_question(normalise_question(text, words, vocabulary), vocabulary)


class Lexicon:
    """One BM25 index over every trust's clauses. Shared statistics (IDF, average length) keep lexical
    scores comparable across trusts: a short policy's best match is not penalised for its size."""

    def __init__(self, texts: list[str]) -> None:
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False),
                         show_progress=False)
        self._vocab = self._bm25.vocab_dict
        self._size = len(texts)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._vocab]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return self._bm25.get_scores(known)


class TrustIndex:
    """One trust's clauses with their vectors; its lexical scores are its slice of the shared lexicon's."""

    def __init__(self, trust: str, clauses: list[Clause], vectors: dict[str, list[float]]) -> None:
        self.trust = trust
        self.clauses = clauses
        self.by_id = {c.id: c for c in clauses}
        self.matrix = np.array([vectors[c.id] for c in clauses], dtype=np.float32)
        self.audiences = [clause_audience(c) for c in clauses]
        self.parties = [clause_parties(c) for c in clauses]
        # Every word the policy uses: a term it never uses, it does not define.
        self.stems = frozenset().union(*(word_stems(f"{c.section_title} {c.text}") for c in clauses))
        self.span = slice(0, len(clauses))  # where its clauses sit in the shared lexicon
        self.lexicon: Lexicon | None = None


class Retriever:
    """Ranks each trust's clauses for a question."""

    def __init__(self, embedder, levers: RetrievalLevers | None = None) -> None:
        self.embedder = embedder
        self.levers = levers or RetrievalLevers()
        self.indexes: dict[str, TrustIndex] = {}
        self.known_words: frozenset[str] = frozenset()

    def load(self, store) -> None:
        """(Re)load every live trust from the store; call after the index changes."""
        indexes = {}
        for trust in sorted(store.trusts()):
            indexes[trust] = TrustIndex(trust, store.clauses(trust), store.vectors(trust))
        texts = []
        for index in indexes.values():
            index.span = slice(len(texts), len(texts) + len(index.clauses))
            texts += [f"{c.section_title} {c.text}" if self.levers.titles else c.text for c in index.clauses]
        lexicon = Lexicon(texts or [""])
        for index in indexes.values():
            index.lexicon = lexicon  # each index carries the lexicon it was built with
        self.indexes = indexes  # swapped whole, so concurrent readers see old or new, never half
        self.known_words = known_words(c for index in indexes.values() for c in index.clauses)

    def normalise(self, text: str) -> str:
        return normalise_question(text, self.known_words, self.levers.vocabulary)

    def query_text(self, question: str) -> str:
        return query_text(question, self.known_words, self.levers.vocabulary)

    def expand(self, normalised: str) -> str:
        return expand_question(normalised, self.levers.vocabulary)

    def retrieve(self, question: str, trusts: list[str], k: int = 5, query_vector: np.ndarray | None = None,
                 latest_turn: str = "", query_text: str | None = None,
                 votes: dict[str, Vote] | None = None,
                 lexical_text: str | None = None) -> dict[str, list[RetrievedClause]]:
        """Rank each trust's clauses. `latest_turn` is the newest message of a follow-up: the people it
        names replace those of the question it follows ("and ones who have left?"). `query_text` is
        `self.query_text(question)` when the caller has it already. `votes`: each trust's precedents.
        `lexical_text`: what BM25 searches for, when not the query text (a follow-up that replaced the people)."""
        text = query_text or self.query_text(question)
        if query_vector is None:
            query_vector = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
        query_tokens = tokenize([lexical_text or text])[0]
        # A definition question is answered by the definitions a staff "can I" question is steered away from.
        staff_question = (bool(_STAFF_ASKING.search(question))
                          and not _DEFINITION_QUESTION.search(latest_turn or question))
        switched = bool(question_parties(latest_turn))
        asked = question_parties(latest_turn) or question_parties(question) if self.levers.parties else frozenset()
        indexes = self.indexes  # one snapshot: a reload swaps indexes and their lexicon together
        if not trusts:
            return {}
        lexical_scores = indexes[trusts[0]].lexicon.scores(query_tokens)  # every trust's clauses at once
        votes = votes or {}
        return {trust: self._rank(indexes[trust], query_vector, lexical_scores[indexes[trust].span],
                                  staff_question, asked, k, switched, votes.get(trust, NO_VOTE))
                for trust in trusts}

    def _rank(self, index: TrustIndex, query_vector: np.ndarray, raw: np.ndarray,
              staff_question: bool, asked: frozenset[str], k: int, switched: bool = False,
              vote: Vote = NO_VOTE) -> list[RetrievedClause]:
        dense = index.matrix @ query_vector
        if self.levers.bm25:
            top = float(raw.max())
            lexical = raw / top if top > 0 else raw
            # Confidence in the lexical signal grows with how much of the query it explains.
            lexical_strength = min(1.0, top / self.levers.lexical_full_score)
            fused = self.levers.dense_weight * dense + (1 - self.levers.dense_weight) * lexical * lexical_strength
        else:
            lexical = np.zeros_like(dense)
            fused = dense.copy()
        if self.levers.audience and staff_question:
            fused = fused * np.array([_AUDIENCE_WEIGHT[a] for a in index.audiences], dtype=np.float32)
        if asked:
            fused = fused * np.array([party_weight(asked, p, switched) for p in index.parties], dtype=np.float32)
        ranking = fused
        if vote.clause_share and self.levers.precedent_weight:
            # Precedents order the clauses but leave `score` alone: it measures how well the text matches, which is
            # what tells an answered question from one the policy is silent on.
            ranking = fused + self.levers.precedent_weight * np.array(
                [vote.clause_support(c.id) for c in index.clauses], dtype=np.float32)
        order = np.argsort(-ranking, kind="stable")[:k]
        return [
            RetrievedClause(index.clauses[i], float(fused[i]), float(dense[i]), float(lexical[i]),
                            index.audiences[i])
            for i in order
        ]
