"""Loaders: policies rendered to PDF and .docx parse to the same clauses as the .txt; bad files fail clearly."""

from __future__ import annotations

import io
import os

import pytest
from helpers import corpus_text, encrypt_pdf, golden_ids, make_docx, render_pdf

from ingest.errors import UnreadableDocument, UnsupportedFormat
from ingest.loaders import load_bytes, load_path
from ingest.parse import parse_lines, parse_text

PDF_TRUSTS = ["dsat", "sjeat", "wcat"]


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {trust: render_pdf(corpus_text(trust)) for trust in PDF_TRUSTS}


def parse_pdf(data: bytes, trust: str):
    return parse_lines(load_bytes(data, f"{trust}.pdf"), trust, f"{trust}.pdf")


@pytest.mark.parametrize("trust", PDF_TRUSTS)
def test_pdf_gives_the_same_clause_ids_as_the_text(pdfs, trust):
    from_txt = [c.id for c in parse_text(corpus_text(trust), trust, "x.txt")]
    assert from_txt == golden_ids()[trust]
    assert [c.id for c in parse_pdf(pdfs[trust], trust)] == from_txt


@pytest.mark.parametrize("trust", PDF_TRUSTS)
def test_pdf_pages_are_set_and_in_order(pdfs, trust):
    pages = [c.page for c in parse_pdf(pdfs[trust], trust)]
    assert all(isinstance(p, int) and p >= 1 for p in pages)
    assert pages == sorted(pages)
    assert pages[-1] > pages[0]  # the documents span several pages


@pytest.mark.parametrize(
    "trust",
    [
        "dsat",
        "sjeat",
        pytest.param("wcat"),
    ],
)
def test_pdf_gives_the_same_clause_texts_as_the_text(pdfs, trust):
    from_txt = {c.id: c.text for c in parse_text(corpus_text(trust), trust, "x.txt")}
    mismatched = [c.id for c in parse_pdf(pdfs[trust], trust) if c.text != from_txt[c.id]]
    assert mismatched == []


@pytest.mark.parametrize(
    ("footer", "header"),
    [
        pytest.param("Page {n} of 7", None, id="page-n-of-m-footer"),
        pytest.param("Page {n}", None, id="page-n-footer"),
        pytest.param("{n}", None, id="bare-number-footer"),
        pytest.param(None, "DSAT Social Media Policy", id="running-header"),
    ],
)
def test_pdf_page_furniture_stays_out_of_clause_text(footer, header):
    from_txt = {c.id: c.text for c in parse_text(corpus_text("dsat"), "dsat", "x.txt")}
    clauses = parse_pdf(render_pdf(corpus_text("dsat"), footer=footer, header=header), "dsat")
    assert [c.id for c in clauses] == golden_ids()["dsat"]
    assert [c.id for c in clauses if c.text != from_txt[c.id]] == []


def test_pdf_keeps_curly_quotes_and_placeholders(pdfs):
    by_id = {c.id: c for c in parse_pdf(pdfs["dsat"], "dsat")}
    assert "<Academy>" in by_id["4.3.2"].text
    assert "‘the use of modern communication technologies" in by_id["4.8"].text
    assert "\uf0b7" not in " ".join(c.text for c in parse_pdf(pdfs["sjeat"], "sjeat"))


@pytest.mark.parametrize("trust", ["wcat", "dsat"])
def test_docx_gives_the_same_clause_ids_as_the_text(trust):
    lines = load_bytes(make_docx(corpus_text(trust)), f"{trust}.docx")
    assert all(line.page is None for line in lines)
    assert [c.id for c in parse_lines(lines, trust, f"{trust}.docx")] == golden_ids()[trust]


def test_docx_gives_the_same_clause_texts_as_the_text():
    from_txt = {c.id: c.text for c in parse_text(corpus_text("wcat"), "wcat", "x.txt")}
    clauses = parse_lines(load_bytes(make_docx(corpus_text("wcat")), "wcat.docx"), "wcat", "wcat.docx")
    assert {c.id: c.text for c in clauses} == from_txt


def test_docx_tab_after_the_number_is_a_separator():
    data = make_docx("1.\tIntroduction\n1.1\tStaff must not befriend pupils.\n1.2\tStaff must report abuse.")
    assert [c.id for c in parse_lines(load_bytes(data, "tabs.docx"), "n", "tabs.docx")] == ["1.1", "1.2"]


TEXT = "1. Scope\n1.1 Staff’s conduct matters.\n"  # 38 bytes in cp1252: an even length


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(TEXT.replace("\n", "\r\n").encode("utf-8-sig"), id="utf-8-bom-crlf"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16-bom"),
        pytest.param(TEXT.encode("cp1252"), id="cp1252"),
    ],
)
def test_text_loader_decodes_common_encodings(data):
    assert [c.text for c in parse_lines(load_bytes(data, "p.txt"), "n", "p.txt")] == ["Staff’s conduct matters."]


# --- bad files: the right error, naming the file ---------------------------------------------------


def truncated_pdf() -> bytes:
    data = render_pdf(corpus_text("dsat"))
    return data[: len(data) // 2]


BAD_FILES = [
    pytest.param("empty.pdf", lambda: b"", UnreadableDocument, id="empty-pdf"),
    pytest.param("empty.txt", lambda: b"  \n\n", UnreadableDocument, id="blank-txt"),
    pytest.param("random.pdf", lambda: os.urandom(4096), UnreadableDocument, id="binary-pdf"),
    pytest.param("binary.txt", lambda: bytes(range(256)) * 8, UnreadableDocument, id="binary-txt"),
    pytest.param("corrupt.pdf", truncated_pdf, UnreadableDocument, id="truncated-pdf"),
    pytest.param("locked.pdf", lambda: encrypt_pdf(render_pdf("1. Scope\n1.1 Text.")), UnreadableDocument,
                 id="encrypted-pdf"),
    pytest.param("random.docx", lambda: os.urandom(512), UnreadableDocument, id="binary-docx"),
    pytest.param("policy.xyz", lambda: b"1. Scope\n1.1 Text.", UnsupportedFormat, id="unsupported"),
]


@pytest.mark.parametrize(("name", "make", "error"), BAD_FILES)
def test_bad_file_raises_the_right_error_naming_the_file(name, make, error):
    with pytest.raises(error) as info:
        load_bytes(make(), name)
    assert name in str(info.value)


def test_pdf_with_an_unknown_stream_filter_is_unreadable():
    damaged = render_pdf("1. Scope\n1.1 Text.").replace(b"/FlateDecode", b"/FlateDecodx")
    with pytest.raises(UnreadableDocument, match="damaged.pdf"):
        load_bytes(damaged, "damaged.pdf")


def test_encrypted_pdf_message_says_encrypted():
    with pytest.raises(UnreadableDocument, match="encrypted"):
        load_bytes(encrypt_pdf(render_pdf("1. Scope\n1.1 Text.")), "locked.pdf")


def test_pdf_without_text_layer_is_unreadable():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.rect(100, 100, 200, 200)  # a drawing and no text: what a scanned page looks like to pypdf
    page.save()
    with pytest.raises(UnreadableDocument, match="scan.pdf: no text"):
        load_bytes(buffer.getvalue(), "scan.pdf")


def test_load_path_names_a_missing_file(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(UnreadableDocument, match="missing.txt"):
        load_path(missing)
