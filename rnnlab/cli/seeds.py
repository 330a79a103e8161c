"""`rnnlab train ... --seeds N`: one config trained with seeds s, s+1, ..., s+N-1 (s is the
config's `train.seed`) as a seed group: N ordinary runs named `<name>-s<seed>`, each with the
same `group` id in its meta, so compare draws them as one mean with a band and reports mean ±
sd (rnnlab/tui/seedgroups.py). In the background (`--detach`/`--queue`) all N start (or queue)
at once; in the foreground they train one after another and the group's summary ends the output.
The group itself is made in rnnlab/runs/seedgroup.py (the lab's New experiment form makes its
groups there too).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

from rnnlab.cli.common import error, print_json
from rnnlab.errors import UserError


def check(seeds: int, nproc: Optional[int]) -> None:
    from rnnlab.runs.seedgroup import check as check_seeds

    check_seeds(seeds)
    if nproc is not None and seeds > 1:
        raise UserError("--seeds with --nproc: a seed group trains its runs one process each; leave out one of them")


def train_group(cfg: Any, n: int, root: Path, name: Optional[str], *, detach: bool, queue: bool, json_out: bool) -> None:
    """Create the group's runs (rnnlab/runs/seedgroup.py) and train them (see the module docstring)."""
    from rnnlab.runs import launch
    from rnnlab.runs.seedgroup import create_group

    made = create_group(cfg, n, root, name)
    group, dirs, names, seeds = made.group, made.dirs, made.names, made.seeds
    if detach or queue:
        pids = [launch.spawn(d, queue=queue) for d in dirs]
        state = "queued" if queue else "running"
        if json_out:
            print_json({"group": group, "runs": [{"run_id": d.name, "run_dir": str(d), "name": nm, "seed": s, "status": state, "pid": p}
                                                 for d, nm, s, p in zip(dirs, names, seeds, pids)]})
        else:
            from rnnlab.tui.i18n import t, tf

            print(tf("seed group {group}: {n} runs queued in the background (seeds {a}..{b})" if queue else
                     "seed group {group}: {n} runs started in the background (seeds {a}..{b})", group=group, n=n, a=seeds[0],
                     b=seeds[-1]))
            for d, nm, p in zip(dirs, names, pids):
                print(f"  {nm}  {d.name}  (pid {p})")
            print(t("  compare them: mark them in the lab (rnnlab) and press c, or rnnlab compare ") + " ".join(names))
        return
    results = [_foreground(d, cfg, json_out) for d in dirs]
    _summary(group, dirs, names, seeds, results, json_out)
    if any(r["status"] in ("failed", "diverged", "crashed") for r in results):
        raise typer.Exit(1)


def _foreground(run_dir: Path, cfg: Any, json_out: bool) -> dict:
    import os
    import time

    from rnnlab.cli.console import ConsoleReporter
    from rnnlab.runs import worker
    from rnnlab.runs.paths import LOG_NAME
    from rnnlab.runs.store import read_info
    from rnnlab.train.events import MultiReporter

    from rnnlab.tui.i18n import tf

    out = sys.stderr if json_out else sys.stdout
    print(tf("run {run}: seed {seed} of a seed group", run=run_dir.name, seed=read_seed(run_dir)), file=out)
    console = ConsoleReporter(cfg.train.steps, stream=out, log_every=cfg.train.log_every)
    log = open(run_dir / LOG_NAME, "a", encoding="utf-8")
    log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} foreground run (seed group) in pid {os.getpid()}\n")
    try:
        status = worker.execute(run_dir, extra_reporter=MultiReporter(console, worker.LogReporter(log)),
                                say_error=error)
    finally:
        console.close()
        log.close()
    info = read_info(run_dir)
    metrics = {k: v for k, v in info.latest.items() if k.startswith("val_") or k == "loss"}
    return {"status": status, "steps": info.step, "metrics": metrics, "primary": info.primary_metric}


def read_seed(run_dir: Path) -> Any:
    from rnnlab.runs.hparams import read_flat

    return read_flat(run_dir).get("train.seed")


def _summary(group: str, dirs: list[Path], names: list[str], seeds: list[int], results: list[dict], json_out: bool) -> None:
    from rnnlab.tui.seedgroups import mean_sd

    keys = sorted({k for r in results for k in r["metrics"]})
    stats = {k: mean_sd([r["metrics"].get(k) for r in results]) for k in keys}
    if json_out:
        print_json({
            "group": group,
            "runs": [{"run_id": d.name, "run_dir": str(d), "name": nm, "seed": s, **r}
                     for d, nm, s, r in zip(dirs, names, seeds, results)],
            "mean": {k: m for k, (m, _, _) in stats.items()},
            "sd": {k: sd for k, (_, sd, _) in stats.items()},
        })
        return
    from rnnlab.tui.i18n import t, tf

    print(tf("seed group {group}: {n} runs, seeds {a}..{b}", group=group, n=len(dirs), a=seeds[0], b=seeds[-1]))
    for d, nm, r in zip(dirs, names, results):
        p = r["primary"]
        shown = f"{p} {r['metrics'][p]:.4f}" if p in r["metrics"] else ""
        print(f"  {nm}  {d.name}  " + tf("{status} at step {step}", status=t(r["status"]), step=r["steps"]) + f"  {shown}".rstrip())
    for k, (m, sd, cnt) in stats.items():
        if m is not None:
            print(f"  {k}: {m:.4f}" + (tf(" ± {sd} (sd over {n} seeds)", sd=f"{sd:.4f}", n=cnt) if sd is not None else ""))
