"""`python -m tune build [--rebuild]` trains the policy-tuned embedder; `python -m tune status` checks it."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ingest.settings import Settings, force_offline


def main(argv: list[str] | None = None) -> int:
    force_offline()
    parser = argparse.ArgumentParser(prog="python -m tune", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="train the tuned embedder if it is missing or stale")
    build.add_argument("--rebuild", action="store_true", help="train even if the stored model is current")
    sub.add_parser("status", help="print the stored model's metadata and whether it is current")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from tune.model import ensure_model, pairs_fingerprint, stored, training_inputs
    from tune.train import TrainingConfig

    model_root = Settings.from_env().model_dir
    if args.command == "build":
        tuned = ensure_model(model_root, rebuild=args.rebuild)
        print(f"{tuned.name} at {tuned.path} ({tuned.pairs} training pairs)")
        return 0
    meta = stored(model_root)
    pairs, silent, _ = training_inputs()
    current = pairs_fingerprint(pairs, TrainingConfig(), silent)
    print(json.dumps({"stored": meta, "current_fingerprint": current,
                      "up_to_date": bool(meta and meta.get("fingerprint") == current)}, indent=2))
    return 0 if meta and meta.get("fingerprint") == current else 1


if __name__ == "__main__":
    sys.exit(main())
