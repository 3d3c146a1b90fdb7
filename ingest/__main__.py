"""CLI: `python -m ingest [PATHS...]`, `clauses TRUST --json`, `show TRUST ID`, `remove TRUST`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ingest.settings import Settings, force_offline

force_offline()

from ingest.errors import IngestError


def _open(settings: Settings):
    from ingest.embed import get_embedder
    from ingest.store import open_store

    embedder = get_embedder(settings.embedder, settings.model_dir)
    return open_store(settings, embedder.name, embedder), embedder


def _ensure_index(settings: Settings):
    """Open the store, building it from the bundled corpus first if it holds no trust yet."""
    from ingest.pipeline import ingest_corpus

    store, embedder = _open(settings)
    if not store.trusts():
        ingest_corpus(store, embedder, settings.corpus_dir, progress=lambda m: print(f"indexing {m}", file=sys.stderr))
    return store


def cmd_ingest(args, settings: Settings) -> int:
    from ingest.pipeline import ingest_corpus, ingest_document, trust_for_path

    started = time.perf_counter()
    store, embedder = _open(settings)
    if not args.paths:
        results = ingest_corpus(store, embedder, settings.corpus_dir, progress=lambda m: print(f"ingesting {m}"))
    else:
        results = []
        for path in map(Path, args.paths):
            trust = args.trust or trust_for_path(path, settings.corpus_dir)
            print(f"ingesting {trust}: {path}")
            results.append(ingest_document(store, embedder, path.read_bytes(), path.name, trust, args.name or ""))
    print(f"\n{'trust':<12} {'clauses':>7}  status     source")
    for r in results:
        print(f"{r.trust:<12} {r.clause_count:>7}  {'unchanged' if r.skipped else 'indexed':<9}  {r.source}")
    total = sum(r.clause_count for r in results)
    print(f"{len(results)} document(s), {total} clauses in {time.perf_counter() - started:.1f}s")
    return 0


def cmd_clauses(args, settings: Settings) -> int:
    clauses = _ensure_index(settings).clauses(args.trust)
    if args.json:
        rows = [
            {"id": c.id, "section": c.section, "section_title": c.section_title, "text": c.text,
             "order": c.order, "page": c.page, "source": c.source}
            for c in clauses
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for c in clauses:
            print(f"{c.id:<9} {c.text[:100]}")
    return 0


def cmd_show(args, settings: Settings) -> int:
    clauses = {c.id: c for c in _ensure_index(settings).clauses(args.trust)}
    if args.id not in clauses:
        print(f"error: {args.trust} has no clause '{args.id}'; it has {', '.join(clauses)}", file=sys.stderr)
        return 2
    clause = clauses[args.id]
    print(f"{clause.trust} {clause.id} — {clause.section_title}\n\n{clause.text}")
    return 0


def cmd_remove(args, settings: Settings) -> int:
    store, _ = _open(settings)
    store.remove_trust(args.trust)
    print(f"removed {args.trust}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"clauses": cmd_clauses, "show": cmd_show, "remove": cmd_remove}
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Build and inspect the clause index.")
    if argv and argv[0] in commands:
        sub = parser.add_subparsers(dest="command", required=True)
        p = sub.add_parser("clauses", help="print a trust's clauses in document order")
        p.add_argument("trust")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("show", help="print one clause")
        p.add_argument("trust")
        p.add_argument("id")
        p = sub.add_parser("remove", help="remove a trust from the index")
        p.add_argument("trust")
        handler = None
    else:
        parser.add_argument("paths", nargs="*", help="documents to ingest (default: the bundled corpus)")
        parser.add_argument("--trust", help="trust id for documents that are not in the corpus")
        parser.add_argument("--name", help="organisation name for a new trust")
        handler = cmd_ingest
    args = parser.parse_args(argv)
    handler = handler or commands[args.command]
    try:
        return handler(args, Settings.from_env())
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
