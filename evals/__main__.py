"""CLI: `python -m evals run` (gold + two holdouts, ours vs baseline, gate), `python -m evals score GOLD ANSWERS`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.settings import force_offline

force_offline()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["score"]:
        from evals.score import main_score

        return main_score(argv[1:])
    if argv[:1] == ["calibrate"]:
        from evals.calibrate import main_calibrate

        return main_calibrate(argv[1:])
    if argv[:1] == ["ablation"]:
        from evals.ablation import main_ablation

        return main_ablation(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m evals", description="Run the eval harness.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="score the gold (and holdout) set, ours vs baseline; exit 1 below thresholds")
    run.add_argument("--gold", action="append", type=Path,
                     help="gold file(s) (default: gold.yaml and the holdouts a, b, c, d)")
    run.add_argument("--out", type=Path, default=Path("reports"))
    run.add_argument("--no-baseline", action="store_true")
    sub.add_parser("score", help="score an answers file: score GOLD.yaml ANSWERS.jsonl [--out DIR]")
    sub.add_parser("ablation", help="measure each retrieval lever on the gold set")
    sub.add_parser("calibrate", help="grid-search the not-addressed thresholds on gold, holdout and holdout_b")
    args = parser.parse_args(argv)

    from assistant.service import build_assistant
    from evals.runner import EVAL_PATHS, gate, headline, write_reports
    from evals.runner import run as run_evals

    assistant = build_assistant()
    paths = args.gold or [p for p in EVAL_PATHS if p.exists()]
    results = run_evals(assistant, paths, baseline=not args.no_baseline)
    failures = gate(results)
    report = write_reports(results, args.out, failures)
    print(headline(results))
    print(f"\nreport: {report}")
    if failures:
        print("GATE FAILED:\n" + "\n".join(f"- {f}" for f in failures))
        return 1
    print("gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
