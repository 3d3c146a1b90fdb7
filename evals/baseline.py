"""The baseline: LangChain's tutorial RAG retrieval, scored with the same metrics as ours.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over each policy's text, a Chroma
vector store with the same embedding model, a per-trust filter and k=4. Each retrieved chunk is
credited with every clause it overlaps, in rank order; it reports no stance.
"""

from __future__ import annotations

from pathlib import Path

from ingest.corpus import CORPUS_DIR, load_trusts
from ingest.loaders import load_path
from ingest.parse import clean_text, normalise_ws
from ingest.records import Clause


def clause_spans(document_text: str, clauses: list[Clause]) -> list[tuple[int, int, Clause]]:
    """Where each clause's text sits in the whitespace-normalised document text."""
    spans, cursor = [], 0
    for clause in clauses:
        start = document_text.find(clause.text, cursor)
        if start < 0:  # clause text joined across a heading or cleaned differently: anchor on its opening
            start = document_text.find(clause.text[:60], cursor)
        if start < 0:
            continue
        end = start + len(clause.text)
        spans.append((start, end, clause))
        cursor = start + 1
    return spans


class TutorialBaseline:
    def __init__(self, embeddings, clauses_by_trust: dict[str, list[Clause]], corpus_dir: Path | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        root = Path(corpus_dir or CORPUS_DIR)
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(client=client, collection_name="baseline", embedding_function=embeddings)
        self.clause_texts = {t: {c.id: c.text for c in cs} for t, cs in clauses_by_trust.items()}
        self.spans: dict[str, list[tuple[int, int, Clause]]] = {}
        for info in load_trusts(root).values():
            text = normalise_ws(clean_text("\n".join(line.text for line in load_path(root / info.source))))
            self.spans[info.trust] = clause_spans(text, clauses_by_trust[info.trust])
            documents = splitter.create_documents([text], metadatas=[{"trust": info.trust}])
            self.store.add_documents(documents)

    def cited_clauses(self, question: str, trust: str, k: int = 4) -> list[str]:
        chunks = self.store.similarity_search(question, k=k, filter={"trust": trust})
        cited: list[str] = []
        for chunk in chunks:
            start = chunk.metadata["start_index"]
            end = start + len(chunk.page_content)
            for clause_start, clause_end, clause in self.spans[trust]:
                if clause_start < end and start < clause_end and clause.id not in cited:
                    cited.append(clause.id)
        return cited

    def answer_case(self, case) -> dict:
        """A batch-format record: for each graded trust, the clauses its chunks overlap."""
        question = " ".join([*case.history, case.question])
        answers = []
        for trust in case.trusts:
            citations = [{"trust": trust, "clause": cid, "quote": self.clause_texts[trust][cid]}
                         for cid in self.cited_clauses(question, trust)]
            answers.append({"trust": trust, "stance": None, "text": "", "citations": citations})
        return {"id": case.id, "answers": answers}
