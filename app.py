"""Browser app: `python app.py [--host H] [--port P]` serves the policy assistant on 127.0.0.1:7860.

Tabs: staff chat (per-trust verdict cards with clause citations), HR comparison (table + CSV/Markdown),
policy browser (a trust's clauses, searchable) and admin (upload → parse → review → commit; feedback export).
Everything runs locally: analytics are off and the embedding model is loaded from disk. The event handlers
live in webapp/handlers.py, the HTML in webapp/render.py; this file lays out the page and wires the events.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from pathlib import Path

from ingest.settings import force_offline

force_offline()  # before Gradio, the hub client and Chroma are imported: nothing may phone home

log = logging.getLogger("app")


class AssistantLoader:
    """Builds the assistant (index, torch, embedding model) on a background thread.

    Started before `import gradio` so the two big imports overlap (about 5 s saved on two cores).
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._assistant = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="assistant-loader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            from assistant.service import build_assistant

            assistant = build_assistant()  # builds the index from the bundled corpus on the first start
            built = time.perf_counter()
            assistant.embedder.embed_query("warm up")  # load the model now, not on the first staff question
            log.info("index loaded in %.1f s, embedding model in %.1f s", built - self.started,
                     time.perf_counter() - built)
            self._assistant = assistant
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread by result()
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._assistant


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)  # bm25s sets its own logger to DEBUG
    logging.getLogger("httpx").setLevel(logging.WARNING)


if __name__ == "__main__":
    configure_logging()
    LOADER = AssistantLoader()

import gradio as gr

from webapp import render
from webapp.admin import PREVIEW_HEADERS, AdminConfig, index_rows
from webapp.feedback import FeedbackStore
from webapp.handlers import ALL, PolicyApp, new_admin_state, new_chat_state

STYLE = Path(__file__).resolve().parent / "webapp" / "style.css"
ICONS = STYLE.parent / "icons"
EXAMPLES = [
    "A parent sent me a friend request on Facebook, can I accept it?",
    "Can I post photos of pupils on my personal Instagram?",
    "Can I message pupils on WhatsApp about homework?",
    "Someone is criticising our school on Facebook. Should I reply?",
    "Can I say where I work on my LinkedIn profile?",
]
COMPARE_EXAMPLES = [
    "Can staff accept friend requests from parents?",
    "Can staff use personal phones to contact pupils?",
    "Must staff report inappropriate contact from pupils?",
]
HEADER = """<div class="app-header"><div class="app-title">Staff social media policy assistant</div>
<div class="app-subtitle">Answers from your academy trust's own social media policy, with the exact clauses
quoted. If in doubt, speak to your Designated Safeguarding Lead or HR.</div></div>"""
CHAT_PLACEHOLDER = ("**Ask about social media at work.** Choose your trust above, then ask a question in your own "
                    "words. Each answer gives a verdict, a short explanation and the policy clauses it relies on.")
# After an answer arrives, scroll the chat so the question and the top of its answer (the verdicts) show.
SHOW_LATEST_JS = """() => { setTimeout(() => {
  const replies = document.querySelectorAll('#chat .answer, #chat .notice');
  const last = replies[replies.length - 1];
  const wrap = last && last.closest('.panel-wrap, .bubble-wrap');
  if (!wrap) return;
  const row = last.closest('.message-row');
  const question = row && row.previousElementSibling;
  const target = question && question.classList.contains('user-row') ? question : (row || last);
  wrap.scrollTop += target.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 4;
}, 120); }"""
OPEN_ADMIN_NOTE = ("Upload is open because no admin credentials are configured. Set POLICY_ADMIN_USER and "
                   "POLICY_ADMIN_PASSWORD before starting the app to require signing in.")


def build_ui(app: PolicyApp) -> gr.Blocks:
    first_trust = next(iter(app.assistant.trusts), None)
    with gr.Blocks(title="Staff social media policy assistant", analytics_enabled=False) as demo:
        gr.HTML(HEADER)
        with gr.Tabs():
            # --- staff chat ---
            with gr.Tab("Ask a question", id="chat", elem_id="tab-chat"):
                chat_state = gr.State(new_chat_state())
                with gr.Row(elem_id="chat-top"):
                    trust = gr.Dropdown(app.trust_choices(True), value=ALL, label="Your trust", scale=4,
                                        elem_id="trust-picker", interactive=True)
                    new_chat = gr.Button("New conversation", scale=1, min_width=180, elem_id="new-chat")
                chatbot = gr.Chatbot(label="Conversation", show_label=False, height=640, layout="panel",
                                     elem_id="chat", placeholder=CHAT_PLACEHOLDER, feedback_options=None,
                                     buttons=[], autoscroll=False, resizable=True)
                with gr.Row(equal_height=True):
                    message = gr.Textbox(show_label=False, placeholder="Type your question and press Enter…",
                                         scale=6, lines=1, max_lines=6, elem_id="question", autofocus=True)
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
                gr.Examples([[q] for q in EXAMPLES], inputs=[message], label="Example questions")
                with gr.Row():
                    with gr.Column(scale=3):
                        citations = gr.Radio([], label="Clauses cited in the latest answer — pick one to read it",
                                             visible=False, elem_id="citations")
                        clause_panel = gr.HTML(render.empty_panel("Ask a question to see the clauses it cites."),
                                               elem_id="clause-panel")
                    with gr.Column(scale=2, elem_id="feedback-box"):
                        gr.Markdown("**Was the latest answer helpful?**")
                        comment = gr.Textbox(show_label=False, lines=2, max_lines=4, elem_id="feedback-comment",
                                             placeholder="Optional comment for HR (what was wrong or missing?)")
                        with gr.Row():
                            thumbs_up = gr.Button("Helpful", icon=ICONS / "thumbs-up.svg", size="sm",
                                                  elem_id="thumbs-up")
                            thumbs_down = gr.Button("Not helpful", icon=ICONS / "thumbs-down.svg", size="sm",
                                                    elem_id="thumbs-down")
                        feedback_msg = gr.Markdown(elem_id="feedback-status")
            # --- HR comparison ---
            with gr.Tab("Compare trusts (HR)", id="compare", elem_id="tab-compare"):
                gr.Markdown("Ask one question of every trust's policy and compare the verdicts side by side.")
                with gr.Row(equal_height=True):
                    compare_q = gr.Textbox(show_label=False, placeholder="e.g. Can staff accept friend requests "
                                           "from parents?", scale=6, elem_id="compare-question")
                    compare_btn = gr.Button("Compare", variant="primary", scale=1, elem_id="compare-btn")
                gr.Examples([[q] for q in COMPARE_EXAMPLES], inputs=[compare_q], label="Examples")
                table = gr.Dataframe(headers=render.COMPARISON_HEADERS, interactive=False, wrap=True,
                                     column_widths=["20%", "12%", "9%", "59%"], elem_id="compare-table",
                                     label="Verdict by trust")
                compare_summary = gr.HTML(elem_id="compare-summary")
                with gr.Row(elem_classes="download-row"):
                    csv_btn = gr.DownloadButton("Download table (CSV)", visible=False, size="md", scale=0,
                                                min_width=220, elem_id="download-csv")
                    md_btn = gr.DownloadButton("Download table (Markdown)", visible=False, size="md", scale=0,
                                               min_width=290, elem_id="download-md")
            # --- policy browser ---
            with gr.Tab("Browse policies", id="browse", elem_id="tab-browse"):
                with gr.Row(equal_height=True):
                    browse_trust = gr.Dropdown(app.trust_choices(False), value=first_trust, label="Trust",
                                               scale=2, elem_id="browse-trust")
                    search = gr.Textbox(label="Search clauses", placeholder="Words or a clause number, e.g. "
                                        "“parents” or “6.11”", scale=3, elem_id="clause-search")
                with gr.Row():
                    with gr.Column(scale=1, min_width=300):
                        trust_meta = gr.HTML(elem_id="trust-meta")
                    with gr.Column(scale=3):
                        clause_list = gr.HTML(elem_id="clause-list")
            # --- admin ---
            with gr.Tab("Admin", id="admin", elem_id="tab-admin"):
                admin_state = gr.State(new_admin_state())
                with gr.Column(visible=app.admin.required, elem_id="login-box") as login_box:
                    gr.Markdown("### Sign in\nPolicy upload and feedback export are for trust administrators.")
                    with gr.Row():
                        user = gr.Textbox(label="User name", elem_id="admin-user")
                        password = gr.Textbox(label="Password", type="password", elem_id="admin-password")
                    sign_in = gr.Button("Sign in", variant="primary", elem_id="sign-in", scale=0, min_width=160)
                    login_msg = gr.HTML()
                if not app.admin.required:
                    gr.HTML(render.notice_html(OPEN_ADMIN_NOTE, "info"), elem_id="admin-open-note")
                with gr.Column(visible=not app.admin.required, elem_id="admin-panel") as admin_panel:
                    gr.Markdown("### Policies in the index")
                    index_table = gr.Dataframe(index_rows(app.assistant), headers=["Trust id", "Name", "Policy"],
                                               interactive=False, wrap=True, elem_id="index-table")
                    gr.Markdown("### Upload a policy\nPDF, Word (.docx) or plain text (.txt), up to 5 MB. "
                                "Parse it first, check the clauses, then commit.")
                    with gr.Row():
                        upload = gr.File(label="Policy document", file_types=[".pdf", ".docx", ".txt"],
                                         type="filepath", scale=2, elem_id="upload")
                        with gr.Column(scale=2):
                            new_trust = gr.Textbox(label="Trust id", placeholder="e.g. oakfield",
                                                   elem_id="upload-trust")
                            new_name = gr.Textbox(label="Trust name", placeholder="e.g. Oakfield Academy Trust",
                                                  elem_id="upload-name")
                            with gr.Row():
                                parse = gr.Button("Parse", variant="primary", elem_id="parse-btn")
                                commit = gr.Button("Commit to index", interactive=False, elem_id="commit-btn")
                    parse_msg = gr.HTML(elem_id="parse-status")
                    preview = gr.Dataframe(headers=PREVIEW_HEADERS, interactive=False, wrap=True,
                                           column_widths=["10%", "30%", "60%"], label="Clauses found",
                                           elem_id="preview-table", max_height=420)
                    gr.Markdown("### Staff feedback\nThumbs up/down and comments on answers, for HR review.")
                    with gr.Row():
                        export = gr.Button("Export feedback (CSV)", elem_id="export-feedback", scale=0,
                                           min_width=240)
                        export_file = gr.File(label="Feedback export", visible=False, scale=1)
                    export_msg = gr.HTML()
                    with gr.Row():
                        sign_out = gr.Button("Sign out", size="sm", scale=0, min_width=120,
                                             visible=app.admin.required, elem_id="sign-out")

        # --- events: chat ---
        chat_outputs = [chatbot, chat_state, message, citations, clause_panel, feedback_msg]
        ask.click(app.ask, [message, trust, chatbot, chat_state], chat_outputs, api_name="ask").then(
            None, js=SHOW_LATEST_JS)
        message.submit(app.ask, [message, trust, chatbot, chat_state], chat_outputs, api_visibility="private").then(
            None, js=SHOW_LATEST_JS)
        citations.change(app.show_clause, [citations], [clause_panel], api_name="show_clause")
        new_chat.click(app.new_chat, None, [chatbot, chat_state, citations, clause_panel, feedback_msg, comment],
                       api_name="new_chat")
        thumbs_up.click(lambda c, s: app.send_feedback("up", c, s), [comment, chat_state],
                        [chat_state, feedback_msg, comment], api_name="feedback_up")
        thumbs_down.click(lambda c, s: app.send_feedback("down", c, s), [comment, chat_state],
                          [chat_state, feedback_msg, comment], api_name="feedback_down")
        # --- comparison and browser ---
        compare_outputs = [table, compare_summary, csv_btn, md_btn]
        compare_btn.click(app.compare, [compare_q], compare_outputs, api_name="compare")
        compare_q.submit(app.compare, [compare_q], compare_outputs, api_visibility="private")
        browse_outputs = [trust_meta, clause_list]
        browse_trust.change(app.browse, [browse_trust, search], browse_outputs, api_name="browse")
        search.change(app.browse, [browse_trust, search], browse_outputs, api_visibility="private",
                      trigger_mode="always_last", show_progress="hidden")
        # --- admin ---
        sign_in.click(app.sign_in, [user, password, admin_state],
                      [admin_state, login_box, admin_panel, login_msg, password], api_name="admin_sign_in")
        password.submit(app.sign_in, [user, password, admin_state],
                        [admin_state, login_box, admin_panel, login_msg, password], api_visibility="private")
        sign_out.click(app.sign_out, [admin_state], [admin_state, login_box, admin_panel, login_msg, password],
                       api_visibility="private")
        parse.click(app.parse_upload, [upload, new_trust, new_name, admin_state],
                    [parse_msg, preview, commit, admin_state], api_name="admin_parse")
        upload.change(lambda s: ({**s, "pending": None}, gr.update(interactive=False)), [admin_state],
                      [admin_state, commit], api_visibility="private")
        commit.click(app.commit_upload, [upload, new_trust, new_name, admin_state],
                     [parse_msg, commit, admin_state, index_table, trust, browse_trust],
                     api_name="admin_commit")
        export.click(app.export_feedback, [admin_state], [export_file, export_msg], api_name="export_feedback")
        # Each page load picks up trusts an admin added since the server started.
        demo.load(lambda t: (gr.update(choices=app.trust_choices(True)), gr.update(choices=app.trust_choices(False)),
                             *app.browse(t, "")), [browse_trust], [trust, browse_trust, trust_meta, clause_list],
                  api_visibility="private")
    return demo


def theme() -> gr.themes.Base:
    # System fonts only: the default Google font would make every browser fetch it from the internet.
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=system,
                          font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]).set(
        button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
        button_primary_text_color="white", button_primary_text_color_hover="white")


def main(argv: list[str] | None = None, loader: AssistantLoader | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the staff social-media policy assistant.")
    parser.add_argument("--host", default=os.environ.get("APP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("APP_PORT", "7860")))
    args = parser.parse_args(argv)
    loader = loader or AssistantLoader()
    app = PolicyApp(loader.result(), FeedbackStore(), AdminConfig.from_env())
    demo = build_ui(app)
    log.info("ready in %.1f s; serving on http://%s:%s", time.perf_counter() - loader.started, args.host,
             args.port)
    demo.queue().launch(server_name=args.host, server_port=args.port, theme=theme(), css_paths=[STYLE],
                        max_file_size="5mb", ssr_mode=False, show_error=False, footer_links=["api", "settings"])


if __name__ == "__main__":
    main(loader=LOADER)
