"""The browser app driven through its API (gradio_client) plus fast checks of the webapp helpers.

Slow tests start app.py as a subprocess (tests/app_server.py): the first start builds the index in a temp dir.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from app_server import admin_app, shared_app, stop_all

from assistant.records import STANCES

QUESTION = "A parent sent me a friend request on Facebook, can I accept it?"
ADMIN_USER, ADMIN_PASSWORD = "hr-admin", "correct horse battery staple"
OAKFIELD_POLICY = """Oakfield Academy Trust
Social Media Policy

1. Introduction
1.1 This policy sets out how staff at Oakfield Academy Trust use social media.
1.2 It applies to all staff, volunteers and governors.

2. Contact with pupils and parents
2.1 Staff must not accept friend requests from pupils on personal social media accounts.
2.2 Staff should not accept friend requests from parents of current pupils.
2.3 Staff must use school email accounts to communicate with parents.

3. Photographs
3.1 Staff must not post photographs of pupils on personal social media accounts.
"""


@pytest.fixture(scope="session")
def app(pytestconfig):
    yield shared_app(pytestconfig)
    stop_all()


@pytest.fixture
def client(app):
    from gradio_client import Client

    return Client(app.url, verbose=False)  # one client = one session (its own gr.State)


def message_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def download_path(value) -> str:
    """A DownloadButton output: the client hands back the update ({"value": path, "visible": True})."""
    if isinstance(value, dict):
        assert value.get("visible", True)
        value = value.get("value")
        value = value.get("path") if isinstance(value, dict) else value
    assert value and Path(value).is_file(), value
    return str(value)


def ask(client, question: str, trust: str = "sjeat", chat=None):
    chat, _message, citations, panel, _feedback = client.predict(question, trust, chat or [], api_name="/ask")
    return chat, citations, panel


# --- the running app (slow) ---


@pytest.mark.slow
def test_answer_for_one_trust_has_verdict_badge_and_clause(client):
    chat, citations, panel = ask(client, QUESTION)
    assert [m["role"] for m in chat] == ["user", "assistant"]
    reply = message_text(chat[-1])
    assert reply.count('class="trust-card') == 1
    assert 'class="badge badge-' in reply
    assert 'class="clause-id">6.11<' in reply
    assert "Traceback" not in reply
    assert ["SJEAT 6.11 — Responsibilities when using social media", "sjeat|6.11"] in citations["choices"]
    assert "Pick a citation" in panel


@pytest.mark.slow
def test_citation_opens_the_full_clause(client):
    ask(client, QUESTION)  # the citation picker offers the clauses of this session's latest answer
    panel = client.predict("sjeat|6.11", api_name="/show_clause")
    assert 'class="clause-id big">6.11<' in panel
    assert "Responsibilities when using social media" in panel
    assert "Adults must be mindful at all times of the boundaries" in panel  # the clause beyond the quote


@pytest.mark.slow
def test_follow_up_keeps_the_conversation(client):
    chat, _, _ = ask(client, QUESTION)
    chat, _, _ = ask(client, "and for WCAT?", chat=chat)
    assert [m["role"] for m in chat] == ["user", "assistant"] * 2
    reply = message_text(chat[-1])
    assert "WCAT" in reply and 'class="clause-id">6.xi<' in reply  # the Facebook question, read for WCAT


@pytest.mark.slow
def test_all_trusts_gives_five_cards_and_a_summary(client):
    chat, citations, _ = ask(client, QUESTION, trust="all")
    reply = message_text(chat[-1])
    assert reply.count('class="trust-card') == 5
    assert 'class="card-grid multi"' in reply and 'class="summary"' in reply
    assert len(citations["choices"]) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("question, expected", [("", "empty"), ("   ", "empty"), ("x" * 20_000, "")])
def test_bad_input_gets_a_friendly_message(client, question, expected):
    chat, citations, _ = ask(client, question)
    assert chat[-1]["role"] == "assistant"
    reply = message_text(chat[-1])
    assert 'class="notice notice-warn"' in reply and "trust-card" not in reply
    assert expected in reply.lower()
    assert "Traceback" not in reply and "Error" not in reply
    assert citations["choices"] == []
    assert all(len(message_text(m)) < 2000 for m in chat)  # a huge paste is not echoed back in full


@pytest.mark.slow
def test_comparison_table_summary_and_downloads(client):
    table, summary, csv_file, md_file = client.predict("Can staff accept friend requests from parents?",
                                                       api_name="/compare")
    assert table["headers"] == ["Trust", "Verdict", "Clause", "Key sentence"]
    assert len(table["data"]) == 5
    assert {row[0] for row in table["data"]} >= {"St James and Emmanuel Academy Trust"}
    assert "Summary" in summary
    csv_file, md_file = download_path(csv_file), download_path(md_file)
    with open(csv_file, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Trust", "Verdict", "Clause", "Key sentence"] and len(rows) == 6
    markdown = Path(md_file).read_text(encoding="utf-8")
    assert markdown.startswith("# Policy comparison") and markdown.count("\n| ") == 6


@pytest.mark.slow
def test_comparison_of_an_empty_question_is_a_notice(client):
    table, summary, _, _ = client.predict("", api_name="/compare")
    assert table["data"] in ([], [["", "", "", ""]]) and "empty" in summary


@pytest.mark.slow
def test_feedback_is_stored_in_sqlite(app, client):
    ask(client, QUESTION)
    state_note = client.predict("Clause 6.11 is right but I wanted a clearer yes/no.", api_name="/feedback_down")
    assert "saved" in state_note[0]
    client.predict("", api_name="/feedback_up")  # changing one's mind updates the same row
    with sqlite3.connect(app.feedback_db) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]
    row = rows[-1]
    assert row["rating"] == "up" and row["question"] == QUESTION and row["trust"] == "sjeat"
    assert row["created_at"]
    assert json.loads(row["answers_json"])[0]["stance"] in STANCES
    assert any(c["clause"] == "6.11" for c in json.loads(row["citations_json"]))
    exported, note = client.predict(api_name="/export_feedback")
    assert "exported" in note
    with open(download_path(exported), encoding="utf-8", newline="") as handle:
        assert any(r["question"] == QUESTION for r in csv.DictReader(handle))


@pytest.mark.slow
def test_feedback_before_any_answer_asks_for_a_question(client):
    note, _comment = client.predict("", api_name="/feedback_up")
    assert "Ask a question first" in note


@pytest.mark.slow
def test_policy_browser_lists_and_filters_clauses(client):
    meta, clauses = client.predict("sjeat", "", api_name="/browse")
    assert "St James and Emmanuel Academy Trust" in meta and "Social Media Policy and Guidance" in meta
    assert clauses.count('class="clause-row"') > 20
    _, found = client.predict("sjeat", "FACEBOOK", api_name="/browse")
    assert 0 < found.count('class="clause-row"') < clauses.count('class="clause-row"')
    assert "<mark>Facebook</mark>" in found
    _, by_id = client.predict("sjeat", "6.11", api_name="/browse")
    assert 'id="clause-sjeat-6.11"' in by_id


@pytest.mark.slow
def test_admin_upload_is_open_without_credentials(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError
    from helpers import corpus_path

    bad = tmp_path / "policy.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(AppError, match="Invalid file type"):
        client.predict(handle_file(str(bad)), "newtrust", "New", api_name="/admin_parse")
    junk = tmp_path / "policy.txt"
    junk.write_text("no numbered clauses here at all\njust prose\n", encoding="utf-8")
    message, preview = client.predict(handle_file(str(junk)), "newtrust", "New", api_name="/admin_parse")
    assert "Could not use this file" in message and preview["data"] in ([], [["", "", ""]])
    message, _ = client.predict(handle_file(str(junk)), "newtrust", "New", api_name="/admin_commit")[:2]
    assert "Not committed" in message  # nothing parsed successfully: nothing to commit
    source = corpus_path("sjeat")
    message, preview = client.predict(handle_file(str(source)), "sjeat", "", api_name="/admin_parse")
    assert "Found" in message and len(preview["data"]) > 20
    message = client.predict(handle_file(str(source)), "sjeat", "", api_name="/admin_commit")[0]
    assert "already up to date" in message  # same file as the bundled policy: the index is unchanged


@pytest.mark.slow
def test_admin_sign_in_then_commit_a_new_trust(pytestconfig, tmp_path):
    from gradio_client import Client, handle_file

    server = admin_app(pytestconfig, ADMIN_USER, ADMIN_PASSWORD)
    client = Client(server.url, verbose=False)
    policy = tmp_path / "oakfield.txt"
    policy.write_text(OAKFIELD_POLICY, encoding="utf-8")
    message = client.predict(handle_file(str(policy)), "oakfield", "Oakfield Academy Trust",
                             api_name="/admin_parse")[0]
    assert "Sign in first" in message
    _login_msg = client.predict(ADMIN_USER, "wrong", api_name="/admin_sign_in")
    assert "Wrong user name or password" in str(_login_msg)
    client.predict(ADMIN_USER, ADMIN_PASSWORD, api_name="/admin_sign_in")
    message, preview = client.predict(handle_file(str(policy)), "oakfield", "Oakfield Academy Trust",
                                      api_name="/admin_parse")
    assert "Found <strong>6</strong> clauses" in message and preview["data"][0][0] == "1.1"
    message, index, *_pickers = client.predict(handle_file(str(policy)), "oakfield", "Oakfield Academy Trust",
                                               api_name="/admin_commit")
    assert "Indexed 6 clauses for oakfield" in message
    assert index["data"][-1][:2] == ["oakfield", "Oakfield Academy Trust"]
    chat, _, _ = ask(client, "Can I accept a friend request from a parent?", trust="oakfield")
    assert 'class="clause-id">2.2<' in message_text(chat[-1])


# --- the webapp helpers (fast) ---


def test_render_escapes_policy_and_user_text():
    from webapp import render

    citation = SimpleNamespace(trust="t", clause="1.1", quote="<script>x</script>", section_title="A & B",
                               nearest=False)
    answer = SimpleNamespace(trust="t", trust_name="T", stance="prohibited", text="T: <b>no</b>",
                             citations=(citation,))
    card = render.trust_card(answer, "Trust <One>", lambda trust, clause: None)
    assert "<script>" not in card and "&lt;script&gt;" in card and "&lt;b&gt;no&lt;/b&gt;" in card
    assert 'class="badge badge-prohibited">Not allowed<' in card and "Trust &lt;One&gt;" in card
    clause = SimpleNamespace(trust="t", id="2", section="2", section_title="S", text="Use <i>care</i> here",
                             order=0, source="p.txt", page=None)
    assert "<mark>&lt;i&gt;</mark>" in render.clause_list([clause], "<i>")


def test_feedback_store_records_updates_and_exports(tmp_path):
    from webapp.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    record = {"question": "q?", "trust": "sjeat", "answers": [{"trust": "sjeat", "stance": "caution", "text": "t"}],
              "citations": [{"trust": "sjeat", "clause": "6.11", "quote": "…"}]}
    first = store.record("down", record, "unclear")
    assert store.record("up", record, "", feedback_id=first) == first
    second = store.record("up", record)
    rows = store.rows()
    assert [r["id"] for r in rows] == [first, second] and rows[0]["rating"] == "up"
    exported = store.export_csv(tmp_path / "out.csv")
    assert "6.11" in exported.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        store.record("meh", record)


def test_admin_config_and_upload_checks(tmp_path):
    from webapp.admin import AdminConfig, UploadProblem, check_pending, pending_record, read_upload

    assert not AdminConfig().required and AdminConfig().check("", "")
    config = AdminConfig("admin", "pw")
    assert config.required and config.check("admin", "pw") and not config.check("admin", "PW")
    for name, data, problem in [("a.exe", b"x", "not a supported"), ("a.txt", b"", "empty"),
                                ("big.txt", b"x" * (5 * 1024 * 1024 + 1), "limit is 5 MB")]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UploadProblem, match=problem):
            read_upload(path)
    good = tmp_path / "p.txt"
    good.write_text("1. A\n1.1 b\n", encoding="utf-8")
    upload = read_upload(good)
    with pytest.raises(UploadProblem, match="Parse"):
        check_pending(None, upload, "x")
    good.write_text("1. A\n1.1 changed\n", encoding="utf-8")
    with pytest.raises(UploadProblem, match="changed"):
        check_pending(pending_record(upload, "x", "", 1), read_upload(good), "x")
