"""Event handlers of the browser app: one PolicyApp shared by every session; session data arrives as gr.State."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from html import escape
from pathlib import Path

import gradio as gr

from webapp import render
from webapp.admin import (
    AdminConfig,
    UploadProblem,
    check_pending,
    clean_trust_id,
    index_rows,
    pending_record,
    preview_rows,
    read_upload,
)
from webapp.feedback import FeedbackStore, answer_record

log = logging.getLogger("app")

ALL = "all"
MAX_HISTORY = 6  # earlier user turns passed to the assistant as conversation context
SORRY = "Sorry, something went wrong while answering. Please try again, or rephrase your question."


def new_chat_state() -> dict:
    return {"turns": [], "last": None, "feedback_id": None}


def new_admin_state() -> dict:
    return {"signed_in": False, "pending": None}


class PolicyApp:
    """The assistant plus per-trust clause look-ups, shared by all sessions (session data lives in gr.State)."""

    def __init__(self, assistant, feedback: FeedbackStore, admin: AdminConfig) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.admin = admin
        self._clauses: dict[str, dict[str, object]] = {}
        self._lock = threading.Lock()
        self.downloads = Path(tempfile.mkdtemp(prefix="policy-app-"))

    # --- look-ups ---
    def names(self) -> dict[str, str]:
        return {t: info.name for t, info in self.assistant.trusts.items()}

    def trust_choices(self, with_all: bool) -> list[tuple[str, str]]:
        choices = [(f"{i.name} ({i.short_name})", t) for t, i in self.assistant.trusts.items()]
        return ([("All trusts", ALL)] if with_all else []) + choices

    def clause_map(self, trust: str) -> dict:
        with self._lock:
            if trust not in self._clauses:
                self._clauses[trust] = {c.id: c for c in self.assistant.clauses(trust)}
            return self._clauses[trust]

    def clause(self, trust: str, clause_id: str):
        if trust not in self.assistant.trusts:  # removed from the index since the answer was given
            return None
        return self.clause_map(trust).get(clause_id)

    def clause_text(self, trust: str, clause_id: str) -> str | None:
        found = self.clause(trust, clause_id)
        return found.text if found else None

    def refresh(self) -> None:
        with self._lock:
            self._clauses.clear()

    def download_path(self, stem: str, suffix: str) -> Path:
        folder = Path(tempfile.mkdtemp(dir=self.downloads))
        slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:50] or "export"
        return folder / f"{slug}{suffix}"

    # --- staff chat ---
    def ask(self, message: str, trust: str, chat: list, state: dict):
        message = message if isinstance(message, str) else ""
        state = dict(state or new_chat_state())
        chat = list(chat or [])
        trust = trust or ALL
        try:
            answer = self.assistant.ask(message, trust=None if trust == ALL else trust,
                                        history=tuple(state["turns"][-MAX_HISTORY:]))
            reply = render.answer_html(answer, self.names(), self.clause_text)
        except Exception:
            log.exception("answering failed")
            answer, reply = None, render.notice_html(SORRY, "warn")
        if message.strip():
            shown = message.strip()
            shown = shown if len(shown) <= 400 else shown[:400] + f"… ({len(shown):,} characters)"
            chat.append({"role": "user", "content": escape(shown)})
        chat.append({"role": "assistant", "content": reply})
        choices = []
        if answer is not None and answer.ok:
            state["turns"] = [*state["turns"], message.strip()][-MAX_HISTORY:]
            state["last"] = answer_record(message.strip(), trust, answer)
            state["feedback_id"] = None
            choices = render.citation_choices(answer)
        hint = "Pick a citation above to read the whole clause." if choices else "No clause to show for this reply."
        return (chat, state, "", gr.update(choices=choices, value=None, visible=bool(choices)),
                render.empty_panel(hint), "")

    def show_clause(self, value: str | None) -> str:
        if not value or render.CITATION_SEPARATOR not in value:
            return render.empty_panel("Pick a citation above to read the whole clause.")
        trust, clause_id = value.split(render.CITATION_SEPARATOR, 1)
        info = self.assistant.trusts.get(trust)
        return render.clause_panel(self.clause(trust, clause_id), info.name if info else trust)

    def new_chat(self):
        return ([], new_chat_state(), gr.update(choices=[], value=None, visible=False),
                render.empty_panel("Ask a question to see the clauses it cites."), "", "")

    def send_feedback(self, rating: str, comment: str, state: dict):
        state = dict(state or new_chat_state())
        if not state.get("last"):
            return state, "Ask a question first, then rate the answer.", comment
        try:
            state["feedback_id"] = self.feedback.record(rating, state["last"], comment, state.get("feedback_id"))
        except Exception:
            log.exception("storing feedback failed")
            return state, "Sorry, your feedback could not be saved. Please try again.", comment
        thanks = "Thanks, glad it helped." if rating == "up" else "Thanks, HR will review this answer."
        return state, f"✓ Feedback saved. {thanks}", ""

    # --- HR comparison ---
    def compare(self, question: str):
        try:
            answer = self.assistant.ask(question if isinstance(question, str) else "", trust=None)
        except Exception:
            log.exception("comparison failed")
            return [], render.notice_html(SORRY, "warn"), gr.update(visible=False), gr.update(visible=False)
        if not answer.ok:
            return ([], render.notice_html(answer.notice, "warn"), gr.update(visible=False),
                    gr.update(visible=False))
        rows = render.comparison_rows(answer, self.names())
        summary = render.comparison_summary(answer)
        notice = render.notice_html(answer.notice) if answer.notice else ""
        csv_path = self.download_path(f"comparison {answer.question}", ".csv")
        csv_path.write_text(render.rows_to_csv(rows), encoding="utf-8")
        md_path = csv_path.with_suffix(".md")
        md_path.write_text(render.rows_to_markdown(answer.question, rows, summary), encoding="utf-8")
        summary_html = notice + f'<p class="summary"><strong>Summary:</strong> {escape(summary)}</p>'
        return (render.comparison_frame(rows), summary_html, gr.update(value=str(csv_path), visible=True),
                gr.update(value=str(md_path), visible=True))

    # --- policy browser ---
    def browse(self, trust: str, query: str):
        info = self.assistant.trusts.get(trust or "")
        if info is None:
            return render.notice_html("Choose a trust to see its policy."), ""
        clauses = list(self.clause_map(trust).values())
        return render.trust_meta(info, len(clauses)), render.clause_list(clauses, query or "")

    # --- admin ---
    def signed_in(self, admin_state: dict) -> bool:
        return not self.admin.required or bool((admin_state or {}).get("signed_in"))

    def sign_in(self, user: str, password: str, admin_state: dict):
        ok = self.admin.check(user, password)
        state = {**(admin_state or new_admin_state()), "signed_in": ok}
        message = "" if ok else render.notice_html("Wrong user name or password.", "warn")
        return state, gr.update(visible=not ok), gr.update(visible=ok), message, ""

    def sign_out(self, admin_state: dict):
        return new_admin_state(), gr.update(visible=True), gr.update(visible=False), "", ""

    def parse_upload(self, path: str | None, trust: str, name: str, admin_state: dict):
        state = {**(admin_state or new_admin_state()), "pending": None}
        blocked = gr.update(interactive=False)
        if not self.signed_in(state):
            return render.notice_html("Sign in first.", "warn"), [], blocked, state
        trust = clean_trust_id(trust)
        try:
            if not trust:
                raise UploadProblem("Enter the trust id (e.g. “newtrust”) the policy belongs to.")
            upload = read_upload(path)
            clauses = self.assistant.preview_upload(upload.data, upload.file_name, trust)
        except Exception as exc:  # noqa: BLE001 - UploadProblem or an ingest error; its message is the reply
            return render.notice_html(f"Could not use this file: {exc}", "warn"), [], blocked, state
        if not clauses:
            return render.notice_html("No numbered clauses were found in this file.", "warn"), [], blocked, state
        state["pending"] = pending_record(upload, trust, name or "", len(clauses))
        existing = "replaces the current policy of" if trust in self.assistant.trusts else "adds a new trust,"
        message = (f"Found <strong>{len(clauses)}</strong> clauses in {escape(upload.file_name)}. Committing "
                   f"{existing} <strong>{escape(trust)}</strong>. Review them below, then press “Commit to index”.")
        return f'<div class="notice notice-ok">{message}</div>', preview_rows(clauses), gr.update(
            interactive=True), state

    def commit_upload(self, path: str | None, trust: str, name: str, admin_state: dict):
        state = dict(admin_state or new_admin_state())
        unchanged = (gr.update(), gr.update())
        if not self.signed_in(state):
            return (render.notice_html("Sign in first.", "warn"), gr.update(interactive=False), state,
                    index_rows(self.assistant), *unchanged)
        trust = clean_trust_id(trust)
        try:
            upload = read_upload(path)
            check_pending(state.get("pending"), upload, trust)
            result = self.assistant.commit_upload(upload.data, upload.file_name, trust, (name or "").strip())
        except Exception as exc:  # noqa: BLE001 - any failure leaves the index as it was; say why
            log.warning("commit failed: %s", exc)
            return (render.notice_html(f"Not committed: {exc}", "warn"), gr.update(interactive=False), state,
                    index_rows(self.assistant), *unchanged)
        self.refresh()
        state["pending"] = None
        done = (f"{result.trust} is already up to date ({result.clause_count} clauses); nothing changed."
                if getattr(result, "skipped", False) else
                f"Indexed {result.clause_count} clauses for {result.trust}. Staff can ask about it now.")
        return (f'<div class="notice notice-ok">{escape(done)}</div>', gr.update(interactive=False), state,
                index_rows(self.assistant), gr.update(choices=self.trust_choices(True)),
                gr.update(choices=self.trust_choices(False)))

    def export_feedback(self, admin_state: dict):
        if not self.signed_in(admin_state):
            return gr.update(value=None, visible=False), render.notice_html("Sign in first.", "warn")
        path = self.feedback.export_csv(self.download_path("feedback", ".csv"))
        count = len(self.feedback.rows())
        return gr.update(value=str(path), visible=True), render.notice_html(f"{count} feedback entries exported.")
