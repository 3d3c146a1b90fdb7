"""The clause record: the one typed unit that flows from ingest to assistant, evals and app."""

from __future__ import annotations

from dataclasses import asdict, dataclass

TRUST_IDS = ("wcat", "dsat", "stoc", "littletown", "sjeat")


@dataclass(frozen=True)
class Clause:
    """One numbered clause of one trust's policy, in the policy's own numbering."""

    trust: str
    id: str  # the policy's own number as a reader cites it: "6.xi", "4.3.2", "9.i.b", "4"
    section: str  # top-level section number: "6"
    section_title: str  # heading path: "Cyberbullying and trolling › Cyberbullying"
    text: str  # verbatim clause text, whitespace normalised; bullets kept inside
    order: int  # position in the document, from 0
    source: str  # file name the clause came from
    page: int | None = None  # 1-based page where the clause starts, for paged formats

    def to_metadata(self) -> dict:
        """Flat metadata for a vector store (no None values)."""
        meta = asdict(self)
        meta.pop("text")
        meta["page"] = self.page if self.page is not None else -1
        return meta

    @classmethod
    def from_metadata(cls, meta: dict, text: str) -> Clause:
        page = meta.get("page", -1)
        return cls(
            trust=meta["trust"],
            id=meta["id"],
            section=meta["section"],
            section_title=meta.get("section_title", ""),
            text=text,
            order=int(meta["order"]),
            source=meta.get("source", ""),
            page=None if page in (-1, None) else int(page),
        )


def is_same_or_subclause(cited: str, gold: str) -> bool:
    """True when `cited` is `gold` or a clause nested under it ("9.i.b" under "9.i")."""
    return cited == gold or cited.startswith(gold + ".")
