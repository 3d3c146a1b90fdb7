"""Staff feedback on answers (thumbs up/down + comment), kept in a local SQLite file and exported as CSV for HR."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    trust TEXT NOT NULL,
    answers_json TEXT NOT NULL,
    citations_json TEXT NOT NULL
)
"""

EXPORT_COLUMNS = ("id", "created_at", "rating", "comment", "question", "trust", "answers_json", "citations_json")
MAX_COMMENT = 2000


def default_path() -> Path:
    return Path(os.environ.get("POLICY_FEEDBACK_DB") or Path(os.environ.get("POLICY_DATA_DIR", "data"))
                / "feedback.sqlite3")


def answer_record(question: str, trust: str, answer) -> dict:
    """What feedback stores about one answer: plain JSON-able data, kept in the session state."""
    return {
        "question": question,
        "trust": trust or "all",
        "answers": [{"trust": a.trust, "stance": a.stance, "text": a.text} for a in answer.answers],
        "citations": [{"trust": c.trust, "clause": c.clause, "quote": c.quote, "nearest": c.nearest}
                      for a in answer.answers for c in a.citations],
    }


class FeedbackStore:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, rating: str, record: dict, comment: str = "", feedback_id: int | None = None) -> int:
        """Store a rating for an answer; with feedback_id, change that earlier rating instead. Returns the id."""
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        comment = (comment or "").strip()[:MAX_COMMENT]
        with self._lock, self._connect() as db:
            if feedback_id is not None:
                cursor = db.execute("UPDATE feedback SET rating = ?, comment = ?, created_at = ? WHERE id = ?",
                                    (rating, comment, now, feedback_id))
                if cursor.rowcount:
                    return feedback_id
            cursor = db.execute(
                "INSERT INTO feedback (created_at, rating, comment, question, trust, answers_json, citations_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, rating, comment, record.get("question", ""), record.get("trust", "all"),
                 json.dumps(record.get("answers", []), ensure_ascii=False),
                 json.dumps(record.get("citations", []), ensure_ascii=False)),
            )
            return int(cursor.lastrowid)

    def rows(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM feedback ORDER BY id")]

    def export_csv(self, target: str | Path) -> Path:
        target = Path(target)
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows())
        return target
