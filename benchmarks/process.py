"""Item 8: what a user measures. `rnnlab train CONFIG` (the preset's defaults: probes on, the
store on, periodic eval and checkpoints, `train.threads` at its default) against
`benchmarks/bare_train.py`, a bare PyTorch script of the same model, data generation, optimizer,
clipping, steps, periodic validation and final checkpoint, as two whole processes timed from the
outside (start to exit), alternated A B B A ..., medians. Both read the same corpus file (the
lstm-char preset's 5M chars of the standard library, written once), so neither pays for
gathering the builtin corpus and the other not.

Lengths: "short" (~20 s of bare training on a free 2-core box) and "long" (~2 minutes).
`--quick`: the short runs only, 3 alternations each. Full: both lengths, 3 alternations.
`--process-reps N` / `--process-lengths short,long` (environment: RNNLAB_BENCH_PROCESS_REPS,
RNNLAB_BENCH_PROCESS_LENGTHS) narrow it on a busy day. The environment passed to both sides
drops OMP_NUM_THREADS/MKL_NUM_THREADS: a user's shell does not set them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check, median

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]
BARE = ROOT / "benchmarks" / "bare_train.py"

# steps for ~20 s and ~2 min of the bare script on a free 2-core box (adding ~27 ms/step, char ~50)
STEPS = {"adding": {"short": 600, "long": 4000}, "char": {"short": 300, "long": 2000}}
PRESET = {"adding": "adding-lstm", "char": "lstm-char"}
TARGET = {"short": 1.15, "long": 1.05}


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RNNLAB_SLOTS")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _write_config(tmp: Path, task: str, steps: int, corpus: Path) -> Path:
    from rnnlab import config as config_mod

    sets = [f"train.steps={steps}", "train.device=cpu"]
    if task == "char":
        sets.append(f"task.source={corpus}")
    cfg = config_mod.load(PRESET[task], sets)
    path = tmp / f"{task}-{steps}.toml"
    path.write_text(cfg.to_toml(), encoding="utf-8")
    return path


def _time(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall


def measure(task: str, length: str, reps: int, tmp: Path, corpus: Path) -> tuple[list[float], list[float]]:
    steps = STEPS[task][length]
    cfg = _write_config(tmp, task, steps, corpus)
    lab_cmd = [PY, "-m", "rnnlab", "train", str(cfg), "--runs-dir", str(tmp / "runs")]
    bare_cmd = [PY, str(BARE), task, str(steps), str(corpus) if task == "char" else "-", str(tmp / "bare.pt")]
    lab, bare = [], []
    for r in range(reps):
        order = [("lab", lab_cmd), ("bare", bare_cmd)]
        if r % 2:
            order.reverse()
        for name, cmd in order:
            t = _time(cmd, tmp)
            (lab if name == "lab" else bare).append(t)
            print(f"    {task} {length} {name}: {t:.1f} s  (load {os.getloadavg()[0]:.2f})", flush=True)
    return lab, bare


def run(quick: bool) -> list[Figure]:
    from rnnlab.tasks.corpus import load_corpus

    reps = int(os.environ.get("RNNLAB_BENCH_PROCESS_REPS", "3"))
    lengths = os.environ.get("RNNLAB_BENCH_PROCESS_LENGTHS", "short" if quick else "short,long").split(",")
    tasks = os.environ.get("RNNLAB_BENCH_PROCESS_TASKS", "adding,char").split(",")
    figs = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-process-") as d:
        tmp = Path(d)
        corpus = tmp / "corpus.txt"
        corpus.write_text(load_corpus("builtin:python-stdlib", 5_000_000).text, encoding="utf-8")
        for length in lengths:
            for task in tasks:
                load0 = os.getloadavg()
                lab, bare = measure(task, length, reps, tmp, corpus)
                load1 = os.getloadavg()
                ratio = median(lab) / median(bare)
                figs.append(Figure(
                    "8", f"{PRESET[task]}, {length} ({STEPS[task][length]} steps): `rnnlab train` wall time / bare script",
                    median(lab), "s", baseline=median(bare), baseline_name="bare PyTorch script", ratio=ratio,
                    target=f"<= {TARGET[length]}", met=check("<=", ratio, TARGET[length]),
                    note=f"median of {reps} alternated whole processes; rnnlab {sorted(round(x, 1) for x in lab)} s, "
                         f"bare {sorted(round(x, 1) for x in bare)} s; load average {load0[0]:.2f} before, {load1[0]:.2f} after",
                    extra={"lab": lab, "bare": bare, "load_before": load0, "load_after": load1},
                ))
    return figs
