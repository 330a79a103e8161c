"""Item 9: the measured reason behind `train.threads = 0` (rnnlab/train/device.py
`default_threads`). Training steps/s of the adding-lstm and lstm-char presets (the lab's own
model, batches, optimizer and clipping: `benchmarks.overhead.bare_window`), each measurement a
fresh process with OMP_NUM_THREADS unset and `torch.set_num_threads(n)`:

- alone: 1 thread against all the cores (the old default, half the cores, against the new);
- two runs at once: each with all the cores (oversubscribed) against each with half (the share
  the new default gives when RNNLAB_SLOTS=2 or when a second run starts without a free slot).

Alternated, medians of the per-process steps/s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Figure, check, median

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]

_STEPS = r"""
import json, sys, torch
torch.set_num_threads(int(sys.argv[2]))
from benchmarks.overhead import bare_window
preset, window = sys.argv[1], int(sys.argv[3])
secs = bare_window(preset, 2, window)
print("RESULT " + json.dumps({"steps_per_s": window / secs}))
"""


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _rates(preset: str, threads: int, window: int, at_once: int) -> list[float]:
    procs = [subprocess.Popen([PY, "-c", _STEPS, preset, str(threads), str(window)], cwd=ROOT, env=_env(),
                              stdout=subprocess.PIPE, text=True) for _ in range(at_once)]
    out = []
    for p in procs:
        stdout, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"threads benchmark process exited {p.returncode}")
        out += [json.loads(line[7:])["steps_per_s"] for line in stdout.splitlines() if line.startswith("RESULT ")]
    return out


def run(quick: bool) -> list[Figure]:
    cores = len(os.sched_getaffinity(0))
    half = max(1, cores // 2)
    reps = 2 if quick else 3
    figs = []
    for preset, window in (("adding-lstm", 150 if quick else 300), ("lstm-char", 60 if quick else 120)):
        alone = {1: [], cores: []}
        pair = {cores: [], half: []}
        for r in range(reps):
            for n in ((1, cores) if r % 2 == 0 else (cores, 1)):
                alone[n] += _rates(preset, n, window, 1)
            for n in ((cores, half) if r % 2 == 0 else (half, cores)):
                pair[n] += _rates(preset, n, window, 2)
        a1, an = median(alone[1]), median(alone[cores])
        figs.append(Figure(
            "9", f"{preset} alone: steps/s with {cores} threads (all cores) / 1 thread", an, "steps/s",
            baseline=a1, baseline_name="1 thread", ratio=an / a1, target=">= 1", met=check(">=", an / a1, 1.0),
            note=f"{reps} alternated processes each; {cores} threads {sorted(round(x, 1) for x in alone[cores])}, "
                 f"1 thread {sorted(round(x, 1) for x in alone[1])}",
        ))
        po, ps = median(pair[cores]), median(pair[half])
        figs.append(Figure(
            "9", f"{preset}, two runs at once: steps/s of each with {half} thread(s) (a share) / with {cores} (all cores)",
            ps, "steps/s", baseline=po, baseline_name=f"each with {cores} threads", ratio=ps / po, target=">= 1",
            met=check(">=", ps / po, 1.0),
            note=f"{reps} alternated pairs; share {sorted(round(x, 1) for x in pair[half])}, "
                 f"oversubscribed {sorted(round(x, 1) for x in pair[cores])}",
        ))
    return figs
