"""HTML for the app: answer cards, clause panels, the policy browser and comparison exports.

Every piece of text that comes from a policy, a trust record or a user is escaped here with html.escape;
the HTML is written on one line per element so the chat's Markdown renderer never mistakes it for code.
"""

from __future__ import annotations

import csv
import io
import re
from html import escape

from assistant.records import STANCE_BADGES

CITATION_SEPARATOR = "|"


def with_bullets(escaped: str) -> str:
    """Clause text keeps its bullets inline ("… apply:- • social media - …"); start each bullet on a new line."""
    return re.sub(r"\s*•\s*", "<br>• ", escaped).removeprefix("<br>")


def badge(stance: str) -> str:
    label = STANCE_BADGES.get(stance, stance.replace("_", " ").capitalize())
    return f'<span class="badge badge-{escape(stance)}">{escape(label)}</span>'


def stance_label(stance: str) -> str:
    return STANCE_BADGES.get(stance, stance)


def notice_html(message: str, kind: str = "info") -> str:
    return f'<div class="notice notice-{escape(kind)}">{escape(message)}</div>'


def strip_prefix(text: str, short_name: str) -> str:
    """The generator starts each answer with "SJEAT: "; the card already names the trust."""
    text = text.removeprefix(f"{short_name}: ")
    return text[:1].upper() + text[1:]


def _citation(citation, clause_text: str | None) -> str:
    label = "Nearest principle" if citation.nearest else "Clause"
    title = f'<span class="clause-section">{escape(citation.section_title)}</span>' if citation.section_title else ""
    body = with_bullets(escape(clause_text or citation.quote))
    section = escape(citation.section_title)
    return (
        f'<details class="citation" data-clause="{escape(citation.clause)}">'
        f'<summary><span class="cite-label">{label}</span> <span class="clause-id">{escape(citation.clause)}</span>'
        f"{title}</summary>"
        f'<blockquote class="clause-text"><span class="clause-section in-body">{section}</span>{body}</blockquote>'
        "</details>"
    )


def trust_card(trust_answer, full_name: str, clause_text) -> str:
    """One trust's verdict: badge, trust name, the short answer and its citations (click to expand)."""
    short = trust_answer.trust_name
    cites = "".join(_citation(c, clause_text(c.trust, c.clause)) for c in trust_answer.citations)
    cites_block = f'<div class="citations">{cites}</div>' if cites else ""
    return (
        f'<article class="trust-card card-{escape(trust_answer.stance)}" data-trust="{escape(trust_answer.trust)}">'
        f'<header class="card-head">{badge(trust_answer.stance)}'
        f'<span class="trust-name" title="{escape(full_name)}">{escape(short)}</span></header>'
        f'<div class="trust-fullname">{escape(full_name)}</div>'
        f'<p class="answer-text">{escape(strip_prefix(trust_answer.text, short))}</p>'
        f"{cites_block}</article>"
    )


def answer_html(answer, trust_names: dict[str, str], clause_text) -> str:
    """The assistant's chat reply: a notice, or one card per trust (a grid for several) and a summary."""
    if not answer.ok:
        return notice_html(answer.notice or "I couldn't answer that. Please rephrase your question.", "warn")
    parts = [notice_html(answer.notice)] if answer.notice else []
    cards = "".join(trust_card(a, trust_names.get(a.trust, a.trust_name), clause_text) for a in answer.answers)
    layout = "card-grid multi" if len(answer.answers) > 1 else "card-grid single"
    parts.append(f'<div class="{layout}">{cards}</div>')
    if answer.comparison and len(answer.answers) > 1:
        parts.append(f'<p class="summary"><strong>In short:</strong> {escape(answer.comparison.summary)}</p>')
    return f'<div class="answer">{"".join(parts)}</div>'


def citation_choices(answer) -> list[tuple[str, str]]:
    """(label, value) pairs for the citation picker under the chat: "SJEAT 6.11 — Section title"."""
    seen, choices = set(), []
    for a in answer.answers:
        for c in a.citations:
            value = f"{c.trust}{CITATION_SEPARATOR}{c.clause}"
            if value in seen:
                continue
            seen.add(value)
            label = f"{a.trust_name} {c.clause}" + (f" — {c.section_title}" if c.section_title else "")
            choices.append((label, value))
    return choices


def clause_panel(clause, trust_name: str) -> str:
    if clause is None:
        return notice_html("That clause is no longer in the index.", "warn")
    page = f" · page {clause.page}" if getattr(clause, "page", None) else ""
    return (
        f'<div class="clause-panel" data-clause="{escape(clause.id)}">'
        f'<div class="clause-panel-head"><span class="clause-id big">{escape(clause.id)}</span>'
        f'<span class="clause-panel-trust">{escape(trust_name)}</span></div>'
        f'<div class="clause-section">{escape(clause.section_title or "")}</div>'
        f'<p class="clause-full">{with_bullets(escape(clause.text))}</p>'
        f'<div class="clause-source">Source: {escape(clause.source)}{escape(page)}</div></div>'
    )


def empty_panel(message: str) -> str:
    return f'<div class="clause-panel empty">{escape(message)}</div>'


# --- policy browser ---


def trust_meta(info, clause_count: int) -> str:
    rows = [("Policy", info.title), ("Version", info.version), ("Approved", info.approved), ("Review", info.review),
            ("Source file", info.source), ("Clauses", str(clause_count))]
    cells = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" if v else
                    f'<dt>{escape(k)}</dt><dd class="not-stated">not stated</dd>' for k, v in rows)
    return f'<div class="trust-meta"><h3>{escape(info.name)}</h3><dl>{cells}</dl></div>'


def _highlight(text: str, query: str) -> str:
    if not query:
        return escape(text)
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    return "".join(f"<mark>{escape(p)}</mark>" if i % 2 else escape(p) for i, p in enumerate(parts))


def clause_matches(clause, query: str) -> bool:
    q = query.strip().lower()
    if not q:
        return True
    cid = clause.id.lower()
    return (cid == q or cid.startswith(q + ".") or q in clause.text.lower()
            or q in (clause.section_title or "").lower())


def clause_list(clauses, query: str = "") -> str:
    query = (query or "").strip()
    shown = [c for c in clauses if clause_matches(c, query)]
    if not shown:
        return notice_html(f"No clause matches “{query}”.", "info")
    parts, current = [], None
    for c in shown:
        if c.section_title != current:
            current = c.section_title
            parts.append(f'<h4 class="section-title">{escape(c.section)} · {escape(current or "")}</h4>')
        parts.append(
            f'<div class="clause-row" id="clause-{escape(c.trust)}-{escape(c.id)}">'
            f'<span class="clause-id">{escape(c.id)}</span>'
            f'<p class="clause-body">{with_bullets(_highlight(c.text, query))}</p></div>'
        )
    count = f"{len(shown)} of {len(clauses)} clauses" + (f" matching “{escape(query)}”" if query else "")
    return f'<div class="clause-list"><div class="clause-count">{count}</div>{"".join(parts)}</div>'


# --- HR comparison ---

COMPARISON_HEADERS = ["Trust", "Verdict", "Clause", "Key sentence"]
# (background, text) per stance: the same colours as the badges in style.css
STANCE_COLOURS = {
    "prohibited": ("#fee2e2", "#991b1b"), "conditional": ("#ffedd5", "#9a3412"), "caution": ("#fef9c3", "#854d0e"),
    "permitted": ("#dcfce7", "#166534"), "required": ("#dbeafe", "#1e40af"),
    "informational": ("#ede9fe", "#5b21b6"), "not_addressed": ("#f1f5f9", "#334155"),
}


def comparison_rows(answer, trust_names: dict[str, str]) -> list[list[str]]:
    """Rows of trust × verdict × clause × key sentence (from the comparison, else one row per answer)."""
    if answer.comparison:
        return [[trust_names.get(r.trust, r.trust_name), stance_label(r.stance), r.clause or "—",
                 r.key_sentence or "—"] for r in answer.comparison.rows]
    rows = []
    for a in answer.answers:
        first = a.citations[0] if a.citations else None
        rows.append([trust_names.get(a.trust, a.trust_name), stance_label(a.stance),
                     first.clause if first else "—", first.quote if first else "—"])
    return rows


def comparison_frame(rows: list[list[str]]):
    """The comparison table for gr.Dataframe, its Verdict cells coloured like the badges."""
    import pandas as pd

    by_label = {stance_label(stance): colours for stance, colours in STANCE_COLOURS.items()}

    def paint(value: str) -> str:
        background, text = by_label.get(value, ("", ""))
        return f"background-color: {background}; color: {text}; font-weight: 600" if background else ""

    return pd.DataFrame(rows, columns=COMPARISON_HEADERS).style.map(paint, subset=["Verdict"])


def comparison_summary(answer) -> str:
    if answer.comparison:
        return answer.comparison.summary
    if len(answer.answers) == 1:
        return strip_prefix(answer.answers[0].text, answer.answers[0].trust_name)
    return ""


def rows_to_csv(rows: list[list[str]], headers: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers or COMPARISON_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue()


def rows_to_markdown(question: str, rows: list[list[str]], summary: str) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = [f"# Policy comparison: {cell(question)}", "", "| " + " | ".join(COMPARISON_HEADERS) + " |",
             "|" + "---|" * len(COMPARISON_HEADERS)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    if summary:
        lines += ["", f"**Summary:** {summary}"]
    return "\n".join(lines) + "\n"
