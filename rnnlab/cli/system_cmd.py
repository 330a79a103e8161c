"""`rnnlab system [--json]`: this machine's CPU, RAM and NVIDIA GPUs, and what the live runs'
workers use (rnnlab/runs/system.py), without opening the lab."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.errors import UserError


def system_cmd(
    runs_dir: RunsDirOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (shape in the README).")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds over which CPU percentages are measured.")] = 0.5,
) -> None:
    """This machine's CPU, RAM and NVIDIA GPUs, and what each live run's worker uses."""
    from rnnlab.cli.render import table
    from rnnlab.runs.paths import runs_root
    from rnnlab.runs.store import list_runs
    from rnnlab.runs.system import DEVICE_COLUMNS, RUN_COLUMNS, Sampler, device_rows, run_rows

    if not 0 < interval <= 60:
        raise UserError(f"--interval {interval} is out of range; expected seconds in (0, 60], e.g. --interval 0.5")
    root = runs_root(runs_dir)
    runs = list_runs(root) if root.is_dir() else []
    sampler = Sampler()
    sampler.sample(runs)  # starts the CPU clocks
    time.sleep(interval)
    sample = sampler.sample(runs)
    if json_out:
        print_json(sample.to_dict())
        return
    from rnnlab.tui.i18n import t, tf  # the column words as the lab's System screen says them

    load = "" if sample.load is None else tf("  load {load}", load=" ".join(f"{x:.2f}" for x in sample.load))
    print(tf("{host}: CPU {n} cores{load}", host=sample.host, n=sample.cpu_count, load=load))
    if sample.gpu_note:
        print(sample.gpu_note)
    print()
    table([t(c) for c in DEVICE_COLUMNS], device_rows(sample))
    if sample.runs:
        print()
        table([t(c) for c in RUN_COLUMNS], run_rows(sample))


def register(app: typer.Typer) -> None:
    app.command("system")(system_cmd)
