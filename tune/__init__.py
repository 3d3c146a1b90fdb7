"""Fine-tuning the packaged embedder on staff-phrased training questions (the `minilm-policy` embedder)."""
