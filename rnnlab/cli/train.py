"""`rnnlab train`: train a preset or config file, in the foreground or as a detached worker."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json

SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", metavar="SECTION.KEY=VALUE", help="Override a config key, e.g. --set train.lr=0.001 (repeatable).", show_default=False),
]


def train(
    preset: Annotated[
        Optional[str], typer.Argument(help="Preset name (see `rnnlab presets`) or path to a TOML config.", show_default=False)
    ] = None,
    set_: SetOpt = None,
    runs_dir: RunsDirOpt = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A name for the run (unique in the runs root).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object with the outcome at the end.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Train in a background worker that outlives this terminal.")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="With --detach: wait for a free slot instead of starting now.")] = False,
) -> None:
    """Train a model. Without PRESET, the default preset (lstm-char)."""
    from rnnlab import config, presets
    from rnnlab.runs import launch, paths

    cfg = config.load(preset or presets.default_name(), set_ or [])
    root = paths.runs_root(runs_dir)
    run_dir = launch.create_run(cfg, root, name)
    run_id = run_dir.name
    if detach or queue:
        pid = launch.spawn(run_dir, queue=queue)
        if json_out:
            print_json({"run_id": run_id, "run_dir": str(run_dir), "status": "queued" if queue else "running", "pid": pid})
        else:
            print(f"run {run_id} {'queued' if queue else 'started'} in the background (pid {pid})")
            print(f"  follow it: rnnlab logs {run_id} -f   |   rnnlab show {run_id}   |   rnnlab  (the lab)")
        return

    from rnnlab.cli.console import ConsoleReporter
    from rnnlab.runs import worker
    from rnnlab.runs.store import RunReader

    console = ConsoleReporter(cfg.train.steps, stream=sys.stderr if json_out else sys.stdout, log_every=cfg.train.log_every)
    try:
        status = worker.execute(run_dir, extra_reporter=console)
    finally:
        console.close()
    reader = RunReader(run_dir)
    try:
        info = reader.info()
    finally:
        reader.close()
    if status == "failed" and not info.message.endswith("(traceback in worker.log)"):
        # Bad input (corpus, CSV, device...): the worker already printed the one-line error.
        if not info.step and not any((run_dir / "checkpoints").glob("step-*")):
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing was trained: leave no clutter
        raise typer.Exit(2)
    metrics = {k: v for k, v in info.latest.items() if k.startswith(("val_", "test_"))}
    if "loss" in info.latest:
        metrics["loss"] = info.latest["loss"]
    if json_out:
        print_json(
            {
                "run_id": run_id,
                "run_dir": str(run_dir),
                "status": status,
                "steps": info.step,
                "metrics": metrics,
                "baselines": info.baselines,
            }
        )
    else:
        def unit(k: str) -> str:
            return "%" if k.endswith("mape") else ""  # MAPE and sMAPE are percentages

        shown = ", ".join(f"{k} {v:.4f}{unit(k)}" for k, v in sorted(metrics.items()))
        base = ", ".join(f"{k} {v:.4f}{unit(k)}" for k, v in sorted(info.baselines.items()))
        redundant = not info.message or info.message.startswith(status) or status == "finished"
        note = "" if redundant else f" ({info.message})"
        print(f"run {run_id}: {status} at step {info.step}/{cfg.train.steps}{note}")
        if shown:
            print(f"  metrics:   {shown}")
        if base:
            print(f"  baselines: {base}")
        print(f"  run dir:   {run_dir}")
    if status in ("failed", "diverged"):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
