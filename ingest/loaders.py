"""Document loaders: one per format behind one interface, each returning lines with page numbers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from ingest.errors import UnreadableDocument, UnsupportedFormat
from ingest.parse import Line

Loader = Callable[[bytes, str], list[Line]]


def _load_text(data: bytes, name: str) -> list[Line]:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableDocument(f"{name}: looks like a binary file, expected plain text")
    # UTF-16 only with its byte-order mark: without one, any even-length cp1252 file would "decode".
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise UnreadableDocument(f"{name}: could not decode the text")
    return [Line(t) for t in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _load_pdf(data: bytes, name: str) -> list[Line]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableDocument(f"{name}: not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        # Permission-only encryption (an empty user password) is common and opens without a password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(f"{name}: the PDF is encrypted with a password; upload an unencrypted copy")
        lines: list[Line] = []
        for page_no, page in enumerate(reader.pages, start=1):
            for text in (page.extract_text() or "").split("\n"):
                lines.append(Line(text, page_no))
    except UnreadableDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, NotImplementedError, IndexError,
            AttributeError, RecursionError) as exc:
        raise UnreadableDocument(f"{name}: the PDF could not be read ({exc})") from exc
    return lines


def _load_docx(data: bytes, name: str) -> list[Line]:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: not a readable .docx file ({exc})") from exc
    lines: list[Line] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Line(_run_text(block)))
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    cells = [_run_text(cell) for cell in row if cell.tag.endswith("}tc")]
                    lines.append(Line(" ".join(c for c in cells if c)))
    # Word's automatic list numbering is not in the text; documents that rely on it are reported
    # by the parser as having no recognisable numbering.
    return lines


def _run_text(element) -> str:
    """Text of a Word element, with its tabs (often after a clause number) kept as spaces."""
    parts = []
    for node in element.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(node.text or "")
        elif tag in ("tab", "br"):
            parts.append("\t")
    return "".join(parts)


LOADERS: dict[str, Loader] = {".txt": _load_text, ".md": _load_text, ".pdf": _load_pdf, ".docx": _load_docx}


def load_bytes(data: bytes, name: str) -> list[Line]:
    """Lines of a document given its bytes and file name (the suffix picks the loader)."""
    suffix = Path(name).suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise UnsupportedFormat(f"{name}: unsupported file type '{suffix}'; expected one of {', '.join(LOADERS)}")
    if not data.strip():
        raise UnreadableDocument(f"{name}: the file is empty")
    lines = loader(data, name)
    if not any(line.text.strip() for line in lines):
        raise UnreadableDocument(f"{name}: no text could be extracted (a scanned PDF needs OCR first)")
    return lines


def load_path(path: Path) -> list[Line]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot read the file ({exc.strerror})") from exc
    return load_bytes(data, Path(path).name)
