"""Speed and memory benchmarks against a plain llama-index pipeline."""
