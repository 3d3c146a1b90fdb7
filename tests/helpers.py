"""Test helpers: corpus texts, golden ids, and documents rendered to PDF / .docx in memory."""

from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from ingest.corpus import CORPUS_DIR, load_trusts

GOLDEN_IDS_PATH = Path(__file__).parent / "golden" / "clause_ids.yaml"


@lru_cache(maxsize=1)
def golden_ids() -> dict[str, list[str]]:
    return yaml.safe_load(GOLDEN_IDS_PATH.read_text(encoding="utf-8"))


def corpus_path(trust: str) -> Path:
    return CORPUS_DIR / load_trusts()[trust].source


def corpus_bytes(trust: str) -> bytes:
    return corpus_path(trust).read_bytes()


def corpus_text(trust: str) -> str:
    return corpus_path(trust).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _pdf_style():
    import reportlab
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Vera covers curly quotes, en dashes and bullets (the built-in Type 1 fonts do not).
    font_path = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    pdfmetrics.registerFont(TTFont("Vera", font_path))
    return ParagraphStyle("body", fontName="Vera", fontSize=10, leading=13)


def render_pdf(text: str, footer: str | None = None, header: str | None = None) -> bytes:
    """A multi-page A4 PDF with one Paragraph per source line (blank lines become spacing).

    `footer` / `header` are drawn on every page; "{n}" in them becomes the page number.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    style = _pdf_style()
    flow = [Paragraph(escape(line), style) if line.strip() else Spacer(1, 6) for line in text.split("\n")]

    def decorate(canvas, doc):
        canvas.setFont("Vera", 9)
        if footer:
            canvas.drawCentredString(A4[0] / 2, 30, footer.format(n=doc.page))
        if header:
            canvas.drawString(72, A4[1] - 40, header.format(n=doc.page))

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(flow, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def encrypt_pdf(pdf: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password="owner")  # RC4: needs no extra package
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(text: str) -> bytes:
    """A .docx with one paragraph per source line."""
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class RenamedEmbedder:
    """The same model under another name: what a retrained embedder looks like to the store and the assistant."""

    def __init__(self, inner, name):
        self.inner, self.name = inner, name

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)
