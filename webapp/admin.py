"""Admin upload: sign-in check, file validation, parse-for-review then commit (only the file that was parsed)."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ALLOWED_SUFFIXES = (".pdf", ".docx", ".txt")
PREVIEW_HEADERS = ["Clause", "Section", "Start of text"]


class UploadProblem(ValueError):
    """Something about the upload the admin can fix; the message is shown as is."""


@dataclass(frozen=True)
class AdminConfig:
    user: str = ""
    password: str = ""

    @classmethod
    def from_env(cls) -> AdminConfig:
        return cls(os.environ.get("POLICY_ADMIN_USER", ""), os.environ.get("POLICY_ADMIN_PASSWORD", ""))

    @property
    def required(self) -> bool:
        """Sign-in is required only when both a user name and a password are configured."""
        return bool(self.user and self.password)

    def check(self, user: str, password: str) -> bool:
        if not self.required:
            return True
        user_ok = hmac.compare_digest((user or "").encode(), self.user.encode())
        password_ok = hmac.compare_digest((password or "").encode(), self.password.encode())
        return user_ok and password_ok


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_name: str
    sha256: str


def read_upload(path: str | os.PathLike | None) -> Upload:
    """The uploaded file's bytes, after checking it exists, has an allowed type and is at most 5 MB."""
    if not path:
        raise UploadProblem("Choose a PDF, Word (.docx) or plain-text (.txt) file to upload first.")
    file = Path(path)
    name = file.name
    if file.suffix.lower() not in ALLOWED_SUFFIXES:
        raise UploadProblem(f"“{name}” is not a supported file type. Upload a PDF, Word (.docx) or plain-text "
                            "(.txt) policy.")
    try:
        size = file.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise UploadProblem(f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is 5 MB.")
        data = file.read_bytes()
    except OSError as exc:
        raise UploadProblem(f"The uploaded file could not be read ({exc.strerror or exc}). Please upload it "
                            "again.") from exc
    if not data:
        raise UploadProblem(f"“{name}” is empty.")
    return Upload(data, name, hashlib.sha256(data).hexdigest())


def clean_trust_id(trust: str) -> str:
    return (trust or "").strip().lower()


def preview_rows(clauses, width: int = 110) -> list[list[str]]:
    rows = []
    for c in clauses:
        text = " ".join(c.text.split())
        rows.append([c.id, c.section_title or c.section, text if len(text) <= width else text[: width - 1] + "…"])
    return rows


def pending_record(upload: Upload, trust: str, name: str, count: int) -> dict:
    """What the session remembers between Parse and Commit."""
    return {"sha256": upload.sha256, "file_name": upload.file_name, "trust": trust, "name": name.strip(),
            "count": count}


def check_pending(pending: dict | None, upload: Upload, trust: str) -> None:
    """Commit only the very file (and trust id) that was parsed and reviewed."""
    if not pending:
        raise UploadProblem("Press “Parse” and review the clauses before committing.")
    if pending.get("sha256") != upload.sha256 or pending.get("trust") != trust:
        raise UploadProblem("The file or trust id changed since you parsed it. Press “Parse” again and review "
                            "the clauses before committing.")


def index_rows(assistant) -> list[list[str]]:
    """The trusts currently served: id, name, policy title."""
    return [[t, info.name, info.title or info.source] for t, info in assistant.trusts.items()]
