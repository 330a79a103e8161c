"""Taking a run's metrics to the tools users already have: CSV, JSON lines, TensorBoard.

CSV and JSONL have one row per metric point (step, wall, name, value). TensorBoard event files
need the optional `tensorboard` package (`pip install 'rnnlab[tensorboard]'`); torch is only
imported for that format. A file is written whole or not at all (a temporary file beside it,
renamed over it when complete), and a full disk is one line with the space the export needs.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import os
from pathlib import Path
from typing import Optional, TextIO

from rnnlab.errors import UserError, disk_full, is_disk_full
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


def write_file(run_dir: Path, fmt: str, output: Path) -> int:
    """Export csv or jsonl into the file `output`; returns the number of points."""
    buf = io.StringIO(newline="")
    n = (write_csv if fmt == "csv" else write_jsonl)(run_dir, buf)
    data = buf.getvalue().encode("utf-8")
    output = Path(output)
    if output.exists() and not output.is_file():  # /dev/stdout, a FIFO: write through, never replace
        target = output
    else:
        target = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        with open(target, "wb") as f:
            f.write(data)
        if target != output:
            os.replace(target, output)
    except OSError as err:
        if target != output:
            target.unlink(missing_ok=True)
        if is_disk_full(err):
            raise disk_full(output, "export", len(data)) from None
        raise UserError(f"{output}: cannot write ({err.strerror})") from None
    return n


def write_tensorboard(run_dir: Path, logdir: Path) -> int:
    if importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "export --format tensorboard needs the optional tensorboard package: pip install 'rnnlab[tensorboard]'; "
            "or use --format csv|jsonl"
        )
    from torch.utils.tensorboard import SummaryWriter

    with RunReader(run_dir) as r:
        rows = r.all_scalars()
    logdir = Path(logdir)
    before = set(logdir.iterdir()) if logdir.is_dir() else set()
    try:
        writer = SummaryWriter(log_dir=str(logdir))
        try:
            for step, wall, name, value in rows:
                writer.add_scalar(name, value, global_step=step, walltime=wall)
        finally:
            writer.close()
    except (OSError, RuntimeError) as err:
        for p in set(logdir.iterdir()) - before if logdir.is_dir() else ():
            if p.is_file():
                p.unlink(missing_ok=True)  # a half-written event file would read as a short run
        if is_disk_full(err):
            raise disk_full(logdir, "TensorBoard events", 100 * len(rows)) from None
        raise
    return len(rows)
