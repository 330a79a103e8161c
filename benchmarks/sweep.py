"""Item 11: sweep controller overhead. A sweep of equal-length trials (only the learning rate
varies, which does not change a step's cost) through `rnnlab sweep SPEC` as a whole process,
timed from the outside, against the trials' own time: each trial's worker from its start to its
end as its run records them, summed and divided by `parallel`, which is the sweep's wall time if
the controller cost nothing (no start-up, no gap between one trial's end and the next's start).

Ratio: sweep wall / (sum of trial times / parallel); the issue's target is <= 1.05.
`--quick`: 4 trials of 400 steps (~3 s each on a free 2-core box: the fixed costs dominate);
full: 6 trials of 6000 steps (~30 s each, a short real trial), 2 in parallel either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check

ROOT = Path(__file__).resolve().parents[1]

SPEC = """
[sweep]
trials = {trials}
parallel = 2
sampler = "random"
pruner = "none"
[sweep.space]
"train.lr" = {{ low = 1e-3, high = 1e-2, log = true }}

[model]
cell = "lstm"
hidden_size = 32
[task]
kind = "adding"
seq_len = 20
[train]
steps = {steps}
batch_size = 16
optimizer = "rmsprop"
eval_every = 50
eval_batches = 4
checkpoint_every = 100000
device = "cpu"
threads = 1
"""


def run(quick: bool) -> list[Figure]:
    trials, steps = (4, 400) if quick else (6, 6000)
    env = {k: v for k, v in os.environ.items() if k not in ("RNNLAB_SLOTS",)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-sweep-") as tmp:
        spec = Path(tmp) / "spec.toml"
        spec.write_text(SPEC.format(trials=trials, steps=steps), encoding="utf-8")
        root = Path(tmp) / "runs"
        t, t_wall = time.perf_counter(), time.time()
        proc = subprocess.run([sys.executable, "-m", "rnnlab", "sweep", str(spec), "--runs-dir", str(root), "--json"],
                              env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise RuntimeError(f"rnnlab sweep exited {proc.returncode}: {proc.stderr[-2000:]}")
        out = json.loads(proc.stdout)
        from rnnlab.runs.reader import list_runs

        runs = [i for i in list_runs(root) if i.sweep == out["sweep_id"]]
        own = [i.ended - i.started for i in runs if i.ended and i.started]
        first = min((i.started for i in runs if i.started), default=t_wall) - t_wall
        last = t_wall + wall - max((i.ended for i in runs if i.ended), default=t_wall + wall)
    if len(own) != trials:
        raise RuntimeError(f"expected {trials} finished trials, found {len(own)}")
    ideal = sum(own) / 2
    ratio = wall / ideal
    return [Figure(
        item="11", name=f"sweep of {trials} equal trials, 2 in parallel: wall / (trials' own time / parallel)",
        value=wall, unit="s", baseline=ideal, baseline_name="trials' own time / parallel", ratio=ratio,
        target="<= 1.05", met=check("<=", ratio, 1.05),
        note=f"trial times {sorted(round(x, 2) for x in own)} s; of the {wall - ideal:.1f} s difference, "
             f"{first:.1f} s pass before the first trial's worker records itself (the command's start-up: "
             f"Python, Optuna, the spec's validation, the study; then the worker's own start) and {last:.1f} s "
             f"after the last trial ends (the summary with importances); the rest is the gap between one "
             f"trial's end and the next one's start (the poll interval, a worker's start)",
        extra={"startup_s": first, "shutdown_s": last, "trial_s": own},
    )]
