"""Clause parsing: recover a policy's own numbering from its text (pure functions, no I/O).

Handles the numbering styles seen in trust policies: `6.` sections with roman clauses (`6.xi`) and
lettered sub-clauses (`9.i.b`); dotted decimals (`4.3.2`, `4.4.`); `1.0`-style headings (id `1`);
bullets inside clauses; hard-wrapped text with blank lines inside clauses. Front matter, document
control tables and tables of contents are skipped by choosing the start from which the numbering
runs longest. Nothing here is specific to one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import NoClausesFound
from ingest.records import Clause

BULLET = "•"
# Private-use glyphs (Symbol-font bullets from Word), middle dots and NUL (how some PDF text layers
# render the Symbol bullet) all mean "bullet".
_BULLET_GLYPHS = re.compile(r"[\uf0a7\uf0b7\uf0d8\uf076\uf0fc\u00b7\u2022\u25aa\u25cf\u2023\u2043\x00]")
_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]")
_PAGE_FOOTER = re.compile(r"^\s*(page\s+\d+(\s+of\s+\d+)?|\d+\s*/\s*\d+|\d{1,3})\s*$", re.IGNORECASE)
_LEADING_BULLETS = re.compile(r"^\s*(?:[-–•]\s+|•)+(?:[-–•]\s*)*")
_LIST_LEAD = re.compile(r"^(?:[-–]\s+|\*\*)+")  # markdown-ish list dashes and bold before a number

_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?(?=\s|$)\s*(.*)$")
_MARKER = re.compile(r"^([ivxl]{1,6}|[a-z])[.)](?=\s)\s*(.*)$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}


@dataclass(frozen=True)
class Line:
    """One line of a document with the page it sits on (None for unpaged formats)."""

    text: str
    page: int | None = None


def clean_text(raw: str) -> str:
    """Remove extraction artefacts from a whole text; keep the words exactly."""
    texts = [_clean_line(t) for t in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    _join_hyphenated(texts)
    return "\n".join(texts)


def normalise_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _roman_value(token: str) -> int | None:
    values = [_ROMAN_VALUES.get(ch) for ch in token]
    if any(v is None for v in values):
        return None
    total = 0
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def _to_roman(value: int) -> str:
    out = ""
    for num, sym in ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= num:
            out += sym
            value -= num
    return out


# A path component is (kind, value): kind "dec", "roman" or "alpha".
Component = tuple[str, int]


def _label(component: Component) -> str:
    kind, value = component
    if kind == "dec":
        return str(value)
    if kind == "roman":
        return _to_roman(value)
    return chr(ord("a") + value - 1)


def path_id(path: list[Component]) -> str:
    return ".".join(_label(c) for c in path)


@dataclass
class _Candidate:
    """A numbered line read in one way: either a full decimal path or one roman/letter marker."""

    line_no: int
    full: list[Component] | None
    markers: list[Component]
    rest: str


def _strip_lead(text: str) -> str:
    stripped = text.strip()
    stripped = stripped.lstrip(BULLET + " ")
    return _LIST_LEAD.sub("", stripped).strip()


def _read_number(line_no: int, text: str) -> _Candidate | None:
    body = _strip_lead(text)
    match = _DECIMAL.match(body)
    if match:
        parts = [int(p) for p in match.group(1).split(".")]
        # "1.0" headings are cited as "1"
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
        if any(p == 0 for p in parts) or not match.group(2).strip():
            return None
        return _Candidate(line_no, [("dec", p) for p in parts], [], match.group(2))
    match = _MARKER.match(body)
    if match and match.group(2).strip():
        token = match.group(1)
        markers: list[Component] = []
        roman = _roman_value(token)
        if roman:
            markers.append(("roman", roman))
        if len(token) == 1:
            markers.append(("alpha", ord(token) - ord("a") + 1))
        return _Candidate(line_no, None, markers, match.group(2))
    return None


def _next_path(current: list[Component], cand: _Candidate) -> list[Component] | None:
    """The path this candidate takes after `current`, or None if it does not continue the numbering."""
    if cand.full is not None:
        full = cand.full
        dec_prefix = [c for c in current if c[0] == "dec"]
        if not dec_prefix and all(v == 1 for _, v in full):
            return full
        for level in range(min(len(full), len(dec_prefix)) - 1, -1, -1):
            if full[:level] != dec_prefix[:level]:
                continue
            step = full[level][1] - dec_prefix[level][1]
            if step in (1, 2) and all(v == 1 for _, v in full[level + 1:]):
                return full
        if full[: len(dec_prefix)] == dec_prefix and len(full) == len(dec_prefix) + 1 and full[-1][1] == 1:
            return full
        return None
    siblings: list[list[Component]] = []
    children: list[list[Component]] = []
    for marker in cand.markers:
        kind, value = marker
        for level in range(len(current) - 1, -1, -1):
            if current[level][0] == kind and value - current[level][1] in (1, 2):
                siblings.append(current[:level] + [marker])
                break
        if value == 1 and current:
            children.append(current + [marker])
    # Continuing a list ("h." -> "i.") beats starting a nested one (roman "i." under "h.").
    if siblings:
        return max(siblings, key=len)
    return max(children, key=len) if children else None


_CONTINUATION_WORDS = {
    "a", "an", "and", "any", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
    "that", "the", "their", "to", "which", "who", "with", "be", "are", "they", "this", "its",
}


def _title_like(rest: str, next_text: str = "") -> bool:
    """A heading, not the first line of a clause that was hard-wrapped mid-sentence."""
    plain = rest.replace("**", "").strip().strip("*").strip()
    words = plain.split()
    if not 0 < len(words) <= 12 or re.search(r"[.:;,]-?$", plain):
        return False
    if words[-1].lower() in _CONTINUATION_WORDS:
        return False
    first = next_text.strip()[:1]
    return not (first.islower() or (first != "" and first in "(,;"))


@dataclass
class _Node:
    path: list[Component]
    line_no: int
    rest: str
    body: list[int]  # line numbers of unnumbered lines that follow


def _walk(lines: list[str], start: int) -> list[_Node]:
    nodes: list[_Node] = []
    current: list[Component] = []
    for line_no in range(start, len(lines)):
        text = lines[line_no]
        cand = _read_number(line_no, text)
        path = _next_path(current, cand) if cand else None
        if cand and path is not None:
            nodes.append(_Node(path, line_no, cand.rest, []))
            current = path
        elif nodes and text.strip():
            nodes[-1].body.append(line_no)
    return nodes


def _best_start(lines: list[str]) -> int:
    """The start line from which the numbering runs furthest (skips contents lists and front matter)."""
    starts = []
    for line_no, text in enumerate(lines):
        cand = _read_number(line_no, text)
        if cand and _next_path([], cand) is not None:
            starts.append(line_no)
    if not starts:
        raise NoClausesFound("no numbered clauses found: expected lines such as '1.', '1.1', '1.0' or 'i.'")

    def score(start: int) -> tuple[int, int]:
        nodes = _walk(lines, start)
        # Prefer the run with the most numbered items that carry text: a contents list or a document-
        # control table starts a run that stalls when the body restarts the numbering, leaving the
        # body's numbered lines unparsed.
        with_text = sum(1 for n in nodes if n.body or not _title_like(n.rest))
        stalled = sum(1 for n in nodes for b in n.body if _read_number(b, lines[b]))
        return with_text - stalled, -start

    return max(starts, key=score)


def _is_descendant(child: list[Component], parent: list[Component]) -> bool:
    return len(child) > len(parent) and child[: len(parent)] == parent


def _join(parts: list[str]) -> str:
    return normalise_ws(" ".join(parts))


def _plain_title(rest: str) -> str:
    return normalise_ws(rest.replace("**", "").strip("* "))


def parse_lines(lines: list[Line], trust: str, source: str) -> list[Clause]:
    """Parse document lines into clauses numbered the way the document numbers them."""
    texts = ["" if _PAGE_FOOTER.match(line.text) else _clean_line(line.text) for line in lines]
    pages = [line.page for line in lines]
    _drop_running_headers(texts, pages)
    _join_hyphenated(texts)
    nodes = _walk(texts, _best_start(texts))

    # Letter/roman lists under a clause whose text introduces them ("statements which:") stay in it.
    merged: list[_Node] = []
    for node in nodes:
        parent = merged[-1] if merged else None
        if (
            parent is not None
            and node.path[-1][0] in ("alpha", "roman")
            and _is_descendant(node.path, parent.path)
            and not _title_like(parent.rest, _first_body_text(parent, texts))
        ):
            parent.body.extend([node.line_no, *node.body])
            continue
        merged.append(node)

    titles: dict[str, str] = {}
    clauses: list[Clause] = []
    for index, node in enumerate(merged):
        node_id = path_id(node.path)
        following = merged[index + 1] if index + 1 < len(merged) else None
        has_children = following is not None and _is_descendant(following.path, node.path)
        # Below the top level, a heading has sub-clauses or is a few title words over its own text;
        # otherwise a short first line is a clause hard-wrapped mid-sentence.
        short_title = len(node.rest.split()) <= 6 and "," not in node.rest
        is_heading = _title_like(node.rest, _first_body_text(node, texts)) and (
            has_children or len(node.path) == 1 or (bool(node.body) and short_title))
        if is_heading:
            titles[node_id] = _plain_title(node.rest)
            body_lines = [texts[n] for n in node.body]
            first_page = pages[node.body[0]] if node.body else None
        else:
            body_lines = [node.rest] + [texts[n] for n in sorted(node.body)]
            first_page = pages[node.line_no]
        text = _join([t.replace("**", "") for t in body_lines])
        text = re.sub(r"^\*(.+?)\*", r"\1", text)  # an italic editorial note opening a clause
        if not text:
            continue
        ancestors = [path_id(node.path[:k]) for k in range(1, len(node.path) + 1)]
        section_title = " › ".join(titles[a] for a in ancestors if a in titles)
        clauses.append(
            Clause(
                trust=trust,
                id=node_id,
                section=path_id(node.path[:1]),
                section_title=section_title,
                text=text,
                order=len(clauses),
                source=source,
                page=first_page,
            )
        )
    if not clauses:
        raise NoClausesFound("numbered headings were found but no clause text under them")
    return clauses


def _drop_running_headers(texts: list[str], pages: list[int | None]) -> None:
    """Blank lines repeated on three or more pages (running headers and footers), in place."""
    pages_by_text: dict[str, set[int]] = {}
    for text, page in zip(texts, pages):
        if page is not None and text.strip():
            pages_by_text.setdefault(normalise_ws(text), set()).add(page)
    repeated = {text for text, on_pages in pages_by_text.items() if len(on_pages) >= 3}
    for i, text in enumerate(texts):
        if normalise_ws(text) in repeated:
            texts[i] = ""


def _first_body_text(node: _Node, texts: list[str]) -> str:
    return texts[node.body[0]] if node.body else ""


def _clean_line(text: str) -> str:
    text = _ARTEFACTS.sub("", text)
    text = _BULLET_GLYPHS.sub(BULLET, text)
    text = text.replace("\u00a0", " ").replace("\t", " ").replace("\u200b", "")
    # One bullet mark per list item, whatever mix of dashes and glyphs the source used.
    return _LEADING_BULLETS.sub(BULLET + " ", text)


def _join_hyphenated(texts: list[str]) -> None:
    """Join words split across lines ("profes-" / "sional") in place, keeping one entry per line."""
    for i in range(len(texts) - 1):
        head = texts[i].rstrip()
        nxt = next((j for j in range(i + 1, min(i + 3, len(texts))) if texts[j].strip()), None)
        if nxt is None or not re.search(r"\w-$", head) or not texts[nxt].lstrip()[:1].islower():
            continue
        word, _, tail = texts[nxt].lstrip().partition(" ")
        texts[i] = head[:-1] + word
        texts[nxt] = tail


def parse_text(text: str, trust: str, source: str) -> list[Clause]:
    return parse_lines([Line(t) for t in text.split("\n")], trust, source)
