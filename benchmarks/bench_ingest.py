"""Benchmark `python -m ingest`: from scratch (model load included) and re-run with nothing changed.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--repeats N]
Each run is a fresh subprocess against a fresh temporary data directory, so the figures include
interpreter start-up and imports, as a user sees them. Prints a Markdown table and writes
reports/bench_ingest.json. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "bench_ingest.json"
TARGETS_S = {"from_scratch": 30.0, "unchanged": 3.0}
sys.path.insert(0, str(ROOT))
from ingest.settings import OFFLINE_ENV  # noqa: E402  (the project root is not installed for scripts)


def child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ingest(data_dir: Path) -> tuple[float, float, str, str]:
    """Wall-clock and CPU seconds of one `python -m ingest` run, its summary line and its whole output."""
    env = {**os.environ, **OFFLINE_ENV, "POLICY_DATA_DIR": str(data_dir)}
    env.pop("CHROMA_HOST", None)
    cpu_before, started = child_cpu_s(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ingest"], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    elapsed, cpu = time.perf_counter() - started, child_cpu_s() - cpu_before
    if done.returncode != 0:
        sys.exit(f"python -m ingest failed ({done.returncode}):\n{done.stderr}")
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return elapsed, cpu, summary, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="unchanged re-runs to time (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        data_dir = Path(tmp) / "data"
        load_before = os.getloadavg()
        scratch_s, scratch_cpu, scratch_summary, _ = run_ingest(data_dir)
        print(f"from scratch: {scratch_s:.2f}s  ({scratch_summary})", file=sys.stderr)
        unchanged, unchanged_cpu = [], []
        for i in range(args.repeats):
            seconds, cpu, summary, output = run_ingest(data_dir)
            unchanged.append(seconds)
            unchanged_cpu.append(cpu)
            print(f"unchanged #{i + 1}: {seconds:.2f}s  ({summary})", file=sys.stderr)
            if " indexed " in output:
                sys.exit(f"the re-run re-indexed a document that had not changed:\n{output}")

    results = {
        "from_scratch": {
            "runs_s": [round(scratch_s, 3)],
            "median_s": round(scratch_s, 3),
            "cpu_s": [round(scratch_cpu, 3)],
        },
        "unchanged": {
            "runs_s": [round(s, 3) for s in unchanged],
            "median_s": round(statistics.median(unchanged), 3),
            "cpu_s": [round(s, 3) for s in unchanged_cpu],
        },
    }
    for name, target in TARGETS_S.items():
        results[name]["target_s"] = target
        results[name]["ok"] = results[name]["median_s"] < target

    print("| run | wall runs (s) | median (s) | CPU (s) | target (s) | ok |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        runs = ", ".join(f"{s:.2f}" for s in row["runs_s"])
        cpu = ", ".join(f"{s:.1f}" for s in row["cpu_s"])
        print(f"| {name.replace('_', ' ')} | {runs} | {row['median_s']:.2f} | {cpu} | < {row['target_s']:.0f} | "
              f"{'yes' if row['ok'] else 'NO'} |")
    print(f"\nload average before the runs: {load_before[0]:.2f} on {os.cpu_count()} CPUs")

    report = {
        "benchmark": "python -m ingest (bundled corpus, fresh data dir)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": [round(x, 2) for x in load_before],
        "summary_line": scratch_summary,
        "results": results,
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    return 0 if all(row["ok"] for row in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
