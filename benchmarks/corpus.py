"""Item 10: corpus scale. The text task's set-up (corpus read, hashed, tokenized or found in the
token cache, split, counted for the baselines) on corpora of 10, 100 and 300 MB of plain text
(the standard-library corpus repeated with a counter per copy, so no two copies are identical
text), each in a fresh process:

- first start: nothing cached (tokenizes and writes `<cache>/<sha1>-....uint8.bin`);
- second start: the same corpus again, three times, the median (finds the file; what a resume
  or an ensemble member pays).

Reported: set-up seconds and the process's peak RSS (torch imported, as in a worker), beside the
RSS of the same process before the task is built. Corpora and cache live in a temporary folder
under /tmp, deleted afterwards. `--quick`: 10 and 100 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Figure, check

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]

_SETUP = r"""
import json, resource, sys, time
import torch
from rnnlab.config import TaskConfig
from rnnlab.tasks import make_task
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
task = make_task(TaskConfig(kind="text", source=sys.argv[1], max_chars=10**12, seq_len=64), seed=0, batch_size=32,
                 state=None, cache_dir=sys.argv[2])
task.baselines()
task.batch(1, 32)
secs = time.perf_counter() - t
print("RESULT " + json.dumps({"setup_s": secs, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                              "rss_before_mb": before, "tokens": len(task.train_data) + len(task.val_data)}))
"""


def _make_corpus(path: Path, megabytes: int) -> None:
    from rnnlab.tasks.corpus import load_corpus

    base = load_corpus("builtin:python-stdlib", 2_000_000).text.encode("utf-8")
    target, k = megabytes * 10**6, 0
    with open(path, "wb") as fh:
        written = 0
        while written < target:
            chunk = f"# copy {k}\n".encode() + base
            chunk = chunk[: target - written]
            fh.write(chunk)
            written += len(chunk)
            k += 1


def _setup(corpus: Path, cache: Path) -> dict:
    r = subprocess.run([PY, "-c", _SETUP, str(corpus), str(cache)], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return next(json.loads(line[7:]) for line in r.stdout.splitlines() if line.startswith("RESULT "))


def run(quick: bool) -> list[Figure]:
    figs = []
    for mb in (10, 100) if quick else (10, 100, 300):
        with tempfile.TemporaryDirectory(prefix="rnnlab-bench-corpus-", dir="/tmp") as d:
            corpus, cache = Path(d) / "corpus.txt", Path(d) / "cache"
            _make_corpus(corpus, mb)
            first = _setup(corpus, cache)
            # the median of three second starts: one process's seconds swing with the machine's load
            hits = sorted((_setup(corpus, cache) for _ in range(3)), key=lambda r: r["setup_s"])
            second = {**hits[1], "rss_mb": max(h["rss_mb"] for h in hits), "all_s": [round(h["setup_s"], 2) for h in hits]}
            for name, r in (("first start (tokenize, write the cache)", first), ("second start (cache hit)", second)):
                figs.append(Figure(
                    "10", f"{mb} MB corpus, {name}: set-up time", r["setup_s"], "s",
                    target="<= 1" if "second" in name else "", met=check("<=", r["setup_s"], 1.0) if "second" in name else None,
                    note=f"{r['tokens']:,} tokens" + (f"; median of 3 starts {r['all_s']} s" if "all_s" in r else ""),
                ))
                figs.append(Figure(
                    "10", f"{mb} MB corpus, {name}: peak RSS of the process", r["rss_mb"], "MB",
                    baseline=r["rss_before_mb"], baseline_name="same process before the task (torch imported)",
                    ratio=r["rss_mb"] / r["rss_before_mb"], target="<= 600" if mb <= 100 else "flat",
                    met=check("<=", r["rss_mb"], 600) if mb <= 100 else None,
                ))
    return figs
