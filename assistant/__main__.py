"""CLI: `python -m assistant ask "QUESTION" [--trust ID] [--json]` and `python -m assistant batch FILE.yaml`."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time

from ingest.settings import force_offline

force_offline()

from assistant.records import STANCE_BADGES, Answer


def render_text(answer: Answer) -> str:
    if not answer.ok:
        return answer.notice
    lines = []
    if answer.notice:
        lines.append(f"Note: {answer.notice}\n")
    for a in answer.answers:
        lines.append(f"[{STANCE_BADGES[a.stance].upper()}] {a.trust_name}")
        lines.append(textwrap.fill(a.text, width=100, initial_indent="  ", subsequent_indent="  "))
        for c in a.citations:
            label = "nearest principle" if c.nearest else "clause"
            lines.append(textwrap.fill(f"{label} {c.clause} ({c.section_title}): “{c.quote}”", width=100,
                                       initial_indent="    - ", subsequent_indent="      "))
        lines.append("")
    if answer.comparison and len(answer.answers) > 1:
        lines.append("Summary: " + answer.comparison.summary)
    return "\n".join(lines)


def batch_lines(assistant, cases: list[dict], trust: str | None = None):
    """One batch-format record per case, in order (the eval harness uses this same function)."""
    for case in cases:
        started = time.perf_counter()
        answer = assistant.ask(str(case.get("question", "")), trust=trust, history=tuple(case.get("history") or ()))
        record = {"id": case.get("id"), "answers": [a.to_batch() for a in answer.answers]}
        if answer.notice and not answer.ok:
            record["error"] = answer.notice
        record["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        yield record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Ask the trusts' social-media policies.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--trust", help="trust id (default: the trust named in the question, else all)")
    ask.add_argument("--json", action="store_true")
    batch = sub.add_parser("batch", help="answer a YAML list of cases, one JSON line each")
    batch.add_argument("file")
    batch.add_argument("--trust")
    args = parser.parse_args(argv)

    from assistant.conversation import InputProblem, clean_question
    from assistant.service import build_assistant

    if args.command == "ask":
        try:  # say what is wrong with the question before spending seconds loading the model
            clean_question(args.question)
        except InputProblem as problem:
            print(problem, file=sys.stderr)
            return 2
    assistant = build_assistant()
    if args.command == "ask":
        answer = assistant.ask(args.question, trust=args.trust)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1) if args.json else render_text(answer))
        return 0 if answer.ok else 2
    import yaml

    try:
        with open(args.file, encoding="utf-8") as handle:
            cases = yaml.safe_load(handle) or []
    except (OSError, yaml.YAMLError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(cases, list):
        print(f"error: {args.file} must hold a YAML list of cases with id and question", file=sys.stderr)
        return 2
    for record in batch_lines(assistant, cases, args.trust):
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
