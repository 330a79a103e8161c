"""Taking a run's metrics to the tools users already have: CSV, JSON lines, TensorBoard.

CSV and JSONL have one row per metric point (step, wall, name, value). TensorBoard event files
need the optional `tensorboard` package (`pip install 'rnnlab[tensorboard]'`); torch is only
imported for that format.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from pathlib import Path
from typing import Optional, TextIO

from rnnlab.errors import UserError
from rnnlab.runs.reader import RunReader

FORMATS = ("csv", "jsonl", "tensorboard")


def _num(v: float) -> Optional[float]:
    return None if math.isnan(v) else v


def write_csv(run_dir: Path, out: TextIO) -> int:
    with RunReader(run_dir) as r:
        rows = r.all_scalars()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["step", "wall", "name", "value"])
    for step, wall, name, value in rows:
        w.writerow([step, f"{wall:.3f}", name, "" if math.isnan(value) else repr(value)])
    return len(rows)


def write_jsonl(run_dir: Path, out: TextIO) -> int:
    with RunReader(run_dir) as r:
        rows = r.all_scalars()
    for step, wall, name, value in rows:
        out.write(json.dumps({"step": step, "wall": round(wall, 3), "name": name, "value": _num(value)}) + "\n")
    return len(rows)


def write_tensorboard(run_dir: Path, logdir: Path) -> int:
    if importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "export --format tensorboard needs the optional tensorboard package: pip install 'rnnlab[tensorboard]'; "
            "or use --format csv|jsonl"
        )
    from torch.utils.tensorboard import SummaryWriter

    with RunReader(run_dir) as r:
        rows = r.all_scalars()
    writer = SummaryWriter(log_dir=str(logdir))
    try:
        for step, wall, name, value in rows:
            writer.add_scalar(name, value, global_step=step, walltime=wall)
    finally:
        writer.close()
    return len(rows)
