"""Answer latency after warm-up with the default generator: p50/p95 for one trust and for all five.

Usage: .venv/bin/python benchmarks/bench_latency.py [--out reports] [--rounds 3]
Questions are the gold set's questions (only their text is used). Target: p50 <= 150 ms for all five.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.settings import force_offline

force_offline()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import yaml

    from assistant.service import build_assistant

    started = time.perf_counter()
    assistant = build_assistant()
    build_s = time.perf_counter() - started
    gold = yaml.safe_load(Path("evals/gold.yaml").read_text(encoding="utf-8"))
    questions = [case["question"] for case in gold if not case.get("history")]
    for question in questions[:5]:  # warm-up
        assistant.ask(question)
    results = {}
    for label, trust in (("one trust (wcat)", "wcat"), ("all five trusts", None)):
        timings = []
        for _ in range(args.rounds):
            for question in questions:
                t0 = time.perf_counter()
                assistant.ask(question, trust=trust)
                timings.append((time.perf_counter() - t0) * 1000)
        results[label] = {"n": len(timings), "p50_ms": round(percentile(timings, 50), 1),
                          "p95_ms": round(percentile(timings, 95), 1),
                          "mean_ms": round(statistics.mean(timings), 1)}
    table = ["| scope | n | p50 (ms) | p95 (ms) | mean (ms) |", "|---|---|---|---|---|"]
    table += [f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['mean_ms']} |" for k, v in results.items()]
    text = "\n".join(table) + (f"\n\nAssistant build (model load, index open): {build_s:.1f} s. "
                                "Target: p50 <= 150 ms for all five.\n")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_latency.md").write_text("# Answer latency\n\n" + text, encoding="utf-8")
    payload = json.dumps({"build_s": build_s, **results}, indent=1)
    (args.out / "bench_latency.json").write_text(payload, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
