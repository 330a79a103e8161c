"""rnnlab's benchmark suite: every figure beside its baseline measured in the same run.

Run everything with `.venv/bin/python -m benchmarks` (see `--help` for subsets and `--quick`);
results go to BENCHMARKS.md. Nothing here is imported by the package or the tests.
"""
