"""Item 8: what a user measures. `rnnlab train CONFIG` (the preset's defaults: probes on, the
store on, periodic eval and checkpoints, `train.threads` at its default) against
`benchmarks/bare_train.py`, a bare PyTorch script of the same model, data generation, optimizer,
clipping, steps, periodic validation and final checkpoint, as two whole processes timed from the
outside (start to exit), alternated A B B A ..., medians. Both read the same corpus file (the
lstm-char preset's 5M chars of the standard library, written once), so neither pays for
gathering the builtin corpus and the other not.

Lengths: "short" (~20 s of bare training on a free 2-core box) and "long" (~2 minutes).
`--quick`: the short runs only, 3 rotations each. Full: both lengths. Narrow it on a busy day
with RNNLAB_BENCH_PROCESS_REPS / _LENGTHS (short,long) / _TASKS (adding,char), and shorten both
lengths with RNNLAB_BENCH_PROCESS_SCALE (e.g. 0.25: a quarter of the steps, said in the figure). The environment
passed to both sides drops OMP_NUM_THREADS/MKL_NUM_THREADS (a user's shell does not set them);
RNNLAB_BENCH_PROCESS_THREADS=1 pins both sides to one thread instead (the lab's own overhead,
apart from its thread choice), `default,1` measures both. RNNLAB_BENCH_PROCESS_BEFORE=DIR adds a
third contender in the same rotation: `rnnlab train` from the source tree DIR (e.g. a
`git archive` of the code before a change), so before and after meet the same load.
"""

from __future__ import annotations

import os
import resource
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
TARGET = {"short": 1.05, "long": 1.05}  # issue 20: <= 1.05 at both lengths


def _env(src: Path = ROOT, threads: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RNNLAB_SLOTS")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    if threads:
        env["OMP_NUM_THREADS"] = threads
    return env


def _time(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its children). On a shared
    box the CPU time is the steadier of the two: it counts the work, not the wait for a core."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _steps(task: str, length: str) -> int:
    scale = float(os.environ.get("RNNLAB_BENCH_PROCESS_SCALE", "1") or 1)
    return max(10, int(STEPS[task][length] * scale))


def measure(task: str, length: str, reps: int, tmp: Path, corpus: Path, threads: str = "",
            before: Path | None = None) -> dict[str, list[float]]:
    """Wall times of each contender, rotated A B C, B C A, ...: `lab` (this tree), `bare`, and
    `before` (`rnnlab train` from another source tree, e.g. a `git archive` of the old code)."""
    steps = _steps(task, length)
    # the preset and --set on the command line, as a user types it: the same words mean the same
    # config to the code before a change too (a config file written by this tree may carry keys
    # the older code does not know)
    train = [PRESET[task], "--set", f"train.steps={steps}", "--set", "train.device=cpu"]
    if task == "char":
        train += ["--set", f"task.source={corpus}"]
    contenders = {
        "lab": ([PY, "-m", "rnnlab", "train", *train, "--runs-dir", str(tmp / "runs")], _env(ROOT, threads)),
        "bare": ([PY, str(BARE), task, str(steps), str(corpus) if task == "char" else "-", str(tmp / "bare.pt")],
                 _env(ROOT, threads)),
    }
    if before is not None:
        contenders["before"] = ([PY, "-m", "rnnlab", "train", *train, "--runs-dir", str(tmp / "runs-before")],
                                _env(before, threads))
    out: dict[str, list[float]] = {k: [] for k in contenders}
    out.update({f"{k}_cpu": [] for k in contenders})
    names = list(contenders)
    for r in range(reps):
        for name in names[r % len(names):] + names[: r % len(names)]:
            cmd, env = contenders[name]
            t, cpu = _time(cmd, tmp, env)
            out[name].append(t)
            out[f"{name}_cpu"].append(cpu)
            print(f"    {task} {length} {name}{' threads=' + threads if threads else ''}: {t:.1f} s, CPU {cpu:.1f} s  "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    return out


def run(quick: bool) -> list[Figure]:
    from rnnlab.tasks.corpus import load_corpus

    reps = int(os.environ.get("RNNLAB_BENCH_PROCESS_REPS", "3"))
    lengths = os.environ.get("RNNLAB_BENCH_PROCESS_LENGTHS", "short" if quick else "short,long").split(",")
    tasks = os.environ.get("RNNLAB_BENCH_PROCESS_TASKS", "adding,char").split(",")
    # "default": both sides as a user runs them; "1": both pinned to one thread (OMP_NUM_THREADS=1),
    # which isolates the lab's own overhead from the thread choice on a loaded machine
    modes = os.environ.get("RNNLAB_BENCH_PROCESS_THREADS", "default").split(",")
    before = os.environ.get("RNNLAB_BENCH_PROCESS_BEFORE")
    figs = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-process-") as d:
        tmp = Path(d)
        corpus = tmp / "corpus.txt"
        corpus.write_text(load_corpus("builtin:python-stdlib", 5_000_000).text, encoding="utf-8")
        for mode in modes:
            threads = "" if mode == "default" else mode
            for length in lengths:
                for task in tasks:
                    load0 = os.getloadavg()
                    res = measure(task, length, reps, tmp, corpus, threads, Path(before) if before else None)
                    load1 = os.getloadavg()
                    lab, bare = res["lab"], res["bare"]
                    ratio = median(lab) / median(bare)
                    note = (f"median of {reps} rotated whole processes; rnnlab {sorted(round(x, 1) for x in lab)} s, "
                            f"bare {sorted(round(x, 1) for x in bare)} s")
                    if "before" in res:
                        note += (f", rnnlab before this change {sorted(round(x, 1) for x in res['before'])} s "
                                 f"(ratio {median(res['before']) / median(bare):.2f})")
                    figs.append(Figure(
                        "8", f"{PRESET[task]}, {length} ({_steps(task, length)} steps), threads {mode}: "
                             "`rnnlab train` wall time / bare script",
                        median(lab), "s", baseline=median(bare), baseline_name="bare PyTorch script", ratio=ratio,
                        target=f"<= {TARGET[length]}", met=check("<=", ratio, TARGET[length]),
                        note=note + f"; load average {load0[0]:.2f} before, {load1[0]:.2f} after",
                        extra={**res, "load_before": load0, "load_after": load1},
                    ))
                    cpu_lab, cpu_bare = median(res["lab_cpu"]), median(res["bare_cpu"])
                    cpu_note = (f"user+system CPU seconds of each whole process, median of {reps}; rnnlab "
                                f"{sorted(round(x, 1) for x in res['lab_cpu'])}, bare {sorted(round(x, 1) for x in res['bare_cpu'])}")
                    if "before_cpu" in res:
                        cpu_note += (f", rnnlab before this change {sorted(round(x, 1) for x in res['before_cpu'])} "
                                     f"(ratio {median(res['before_cpu']) / cpu_bare:.2f})")
                    figs.append(Figure(
                        "8", f"{PRESET[task]}, {length} ({_steps(task, length)} steps), threads {mode}: "
                             "`rnnlab train` CPU time / bare script",
                        cpu_lab, "s CPU", baseline=cpu_bare, baseline_name="bare PyTorch script",
                        ratio=cpu_lab / cpu_bare, target=f"<= {TARGET[length]}",
                        met=check("<=", cpu_lab / cpu_bare, TARGET[length]), note=cpu_note,
                    ))
    return figs
