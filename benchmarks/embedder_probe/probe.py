"""Compare local sentence-embedding models: load time, encode time, hit@1/hit@3 on gold/holdout.

Run with a venv that has sentence-transformers (not the project venv), e.g.
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 /tmp/mpnet-venv/bin/python probe.py CLAUSES.json NAME=DIR ...
CLAUSES.json: {trust: [{id, section_title, text}]}, dumped with ingest.corpus.load_corpus_clauses.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from sentence_transformers import SentenceTransformer

torch.set_num_threads(2)
EVALS = Path(__file__).resolve().parents[2] / "evals"


def matches(cid, gold):
    return any(cid == g or cid.startswith(g + ".") for g in gold)


def score(model, clauses, vecs, path):
    cases = yaml.safe_load(open(path))
    h1 = h3 = n = 0
    for case in cases:
        q = " ".join([*(case.get("history") or []), case["question"]])
        qv = model.encode([q], normalize_embeddings=True)[0]
        for trust, spec in (case.get("trusts") or {}).items():
            gold = (spec or {}).get("clauses") or []
            if not gold or trust not in clauses:
                continue
            order = np.argsort(-(vecs[trust] @ qv))
            ids = [clauses[trust][i]["id"] for i in order[:3]]
            n += 1
            h1 += matches(ids[0], gold)
            h3 += any(matches(i, gold) for i in ids)
    return n, h1 / n, h3 / n


def main():
    clauses = json.load(open(sys.argv[1]))
    texts = [f"{c['section_title']}: {c['text']}" for cs in clauses.values() for c in cs]
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        t0 = time.perf_counter()
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
        load = time.perf_counter() - t0
        model.encode(["warm up"])
        t0 = time.perf_counter()
        flat = model.encode(texts, batch_size=32, normalize_embeddings=True)
        batch = [time.perf_counter() - t0]
        vecs, i = {}, 0
        for t, cs in clauses.items():
            vecs[t], i = flat[i:i + len(cs)], i + len(cs)
        single = []
        for _ in range(20):
            t0 = time.perf_counter()
            model.encode(["Can I accept a friend request from a parent on Facebook?"])
            single.append(time.perf_counter() - t0)
        res = {"model": name, "dim": model.get_embedding_dimension(), "load_s": round(load, 2),
               "batch_234_s": round(statistics.median(batch), 2),
               "query_ms_median_of_20": round(1000 * statistics.median(single), 1)}
        for split in ("gold", "holdout"):
            n, h1, h3 = score(model, clauses, vecs, EVALS / f"{split}.yaml")
            res[split] = {"pairs": n, "hit@1": round(h1, 3), "hit@3": round(h3, 3)}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
