"""Item 14: start-up. How much CPU `rnnlab train` spends before its first optimizer step on a
small preset (adding-lstm, CPU, one thread), beside the floor every PyTorch program pays
(`python -c "import torch"`); how long a config error takes to print; and what `--nproc 2`
adds to a one-step run (torchrun and a second process). CPU is user+system seconds of the
whole process (interpreter start-up included), medians of interleaved repetitions: on a
shared box it is steadier than wall time.

RNNLAB_BENCH_STARTUP_BEFORE=DIR adds `rnnlab train` from the source tree DIR (e.g. a
`git archive` of the code before a change) to the same rotation. RNNLAB_BENCH_STARTUP_REPS
(default 5; `--quick` 3).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check, median

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "benchmarks" / "first_step.py"
SMALL = ["adding-lstm", "--set", "train.device=cpu", "--set", "train.threads=1"]


def _env(src: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RNNLAB_SLOTS")}
    env["PYTHONPATH"] = str(src)
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall s, CPU s of the process and its children, the result)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), proc


def _first_step(src: Path, runs: Path) -> float:
    # the driver from this tree, the code under test from `src`
    env = _env(src)
    env["PYTHONPATH"] = os.pathsep.join([str(src), str(ROOT)])
    _, _, proc = _run([PY, str(FIRST), "train", *SMALL, "--runs-dir", str(runs)], env, runs.parent)
    m = re.search(r"first-step-cpu ([0-9.]+)", proc.stderr)
    if not m:
        raise RuntimeError(f"no first step: {proc.stderr[-2000:]}")
    return float(m.group(1))


def run(quick: bool) -> list[Figure]:
    reps = int(os.environ.get("RNNLAB_BENCH_STARTUP_REPS", "3" if quick else "5"))
    before = os.environ.get("RNNLAB_BENCH_STARTUP_BEFORE")
    figs: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-startup-") as d:
        tmp = Path(d)
        contenders = {
            "lab": lambda: _first_step(ROOT, tmp / "runs"),
            "torch": lambda: _run([PY, "-c", "import torch"], _env(ROOT), tmp)[1],
            "config_error": lambda: _run([PY, "-m", "rnnlab", "train", *SMALL, "--set", "train.lr=abc"], _env(ROOT), tmp)[1],
        }
        if before:
            contenders["before"] = lambda: _first_step(Path(before), tmp / "runs-before")
            contenders["before_config_error"] = lambda: _run(
                [PY, "-m", "rnnlab", "train", *SMALL, "--set", "train.lr=abc"], _env(Path(before)), tmp)[1]
        out: dict[str, list[float]] = {k: [] for k in contenders}
        names = list(contenders)
        for r in range(reps):
            for name in names[r % len(names):] + names[: r % len(names)]:
                out[name].append(contenders[name]())
                print(f"    {name}: {out[name][-1]:.2f} s CPU (load {os.getloadavg()[0]:.2f})", flush=True)
        lab, floor = median(out["lab"]), median(out["torch"])
        note = f"median of {reps}; rnnlab {sorted(round(x, 2) for x in out['lab'])} s, import torch {sorted(round(x, 2) for x in out['torch'])} s"
        if before:
            note += (f"; rnnlab before this change {sorted(round(x, 2) for x in out['before'])} s "
                     f"(median {median(out['before']):.2f})")
        figs.append(Figure("16", "adding-lstm: CPU seconds before the first step (`rnnlab train`, whole process)",
                           lab, "s CPU", baseline=floor, baseline_name="`python -c \"import torch\"`", ratio=lab / floor,
                           target="<= 1.5 s", met=check("<=", lab, 1.5), note=note,
                           extra={**out}))
        err = median(out["config_error"])
        enote = f"median of {reps}: {sorted(round(x, 2) for x in out['config_error'])} s; torch is not imported"
        if before:
            enote += f"; before this change {sorted(round(x, 2) for x in out['before_config_error'])} s"
        figs.append(Figure("16", "config error (`--set train.lr=abc`): CPU seconds to the one-line error", err, "s CPU",
                           target="<= 1.0 s", met=check("<=", err, 1.0), note=enote))

        # --nproc 2's own start-up: a one-step run, whole process, wall and CPU
        one = ["train", *SMALL, "--set", "train.steps=2", "--set", "train.batch_size=8", "--runs-dir", str(tmp / "runs-n")]
        walls: dict[str, list[float]] = {"1": [], "2": []}
        cpus: dict[str, list[float]] = {"1": [], "2": []}
        for r in range(max(2, reps // 2)):
            for n in (("1", "2") if r % 2 == 0 else ("2", "1")):
                wall, cpu, proc = _run([PY, "-m", "rnnlab", *one, *(["--nproc", "2"] if n == "2" else [])], _env(ROOT), tmp)
                if proc.returncode != 0:
                    raise RuntimeError(proc.stderr[-2000:])
                walls[n].append(wall)
                cpus[n].append(cpu)
                print(f"    --nproc {n}: {wall:.1f} s wall, {cpu:.1f} s CPU (load {os.getloadavg()[0]:.2f})", flush=True)
        w1, w2 = median(walls["1"]), median(walls["2"])
        figs.append(Figure("16", "`--nproc 2` vs one process: wall seconds of a 2-step adding-lstm run (start-up)", w2, "s",
                           baseline=w1, baseline_name="the same run in one process", ratio=w2 / w1,
                           note=(f"wall {sorted(round(x, 1) for x in walls['2'])} vs {sorted(round(x, 1) for x in walls['1'])} s; "
                                 f"CPU {sorted(round(x, 1) for x in cpus['2'])} vs {sorted(round(x, 1) for x in cpus['1'])} s "
                                 "(torchrun, its agent and a second rank each import torch)")))
    return figs
