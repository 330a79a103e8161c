"""Taking a run's metrics to the tools users already have: CSV, JSON lines, TensorBoard.

CSV and JSONL have one row per metric point (step, wall, name, value). JSONL can also carry the
probe vectors (`include=("probes",)`: gradient flow through time, gates, hidden-state and
per-layer norms, the per-unit cell snapshot) and the task outputs (`"samples"`: samples, forecasts, predictions), one row
each as (step, wall, name, data), merged into step order; `"meta"` puts one row first with
`"name": "run"` and the run's id, name, cell, task, status, tags and note as its data. TensorBoard event files
hold every metric point, a text run's samples (text tab, "samples") and the run's config with its
final metrics (HParams tab; rnnlab/train/tblog.py, which live logging shares); they
need the optional `tensorboard` package (`pip install 'rnnlab[tensorboard]'`); torch is only
imported for that format. A file is written whole or not at all (a temporary file beside it,
renamed over it when complete), and a full disk is one line with the space the export needs.
`history` gives the same points to Python as one record per step (`rnnlab.load_run(...).history()`).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Optional, Sequence, TextIO

from rnnlab.errors import UserError, disk_full, is_disk_full
from rnnlab.runs.reader import RunReader

FORMATS = ("csv", "jsonl", "tensorboard")
# what `--include` can add to JSONL, and the vector names each stands for
INCLUDES = {"probes": ("grad_flow", "gates", "hidden_norm", "layers", "cell"), "samples": ("output",), "meta": ()}


def parse_include(text: str | None) -> tuple[str, ...]:
    """`"probes,samples"` -> ("probes", "samples"); an unknown part is one UserError line."""
    parts = tuple(dict.fromkeys(p.strip() for p in (text or "").split(",") if p.strip()))
    bad = [p for p in parts if p not in INCLUDES]
    if bad:
        raise UserError(f"--include {bad[0]!r} is not something export can include; use {', '.join(INCLUDES)} (comma-separated)")
    return parts


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


def write_jsonl(run_dir: Path, out: TextIO, include: tuple[str, ...] = ()) -> int:
    with RunReader(run_dir) as r:
        rows = r.all_scalars()
        vectors = r.all_vectors([n for part in include for n in INCLUDES[part]])
        info = r.info() if "meta" in include else None
    if info is not None:
        data = {k: getattr(info, k) for k in ("run_id", "name", "cell", "task", "status", "tags", "note")}
        out.write(json.dumps({"step": None, "wall": info.created, "name": "run", "data": data}) + "\n")
    lines = [(step, 0, json.dumps({"step": step, "wall": round(wall, 3), "name": name, "value": _num(value)}))
             for step, wall, name, value in rows]
    lines += [(step, 1, json.dumps({"step": step, "wall": round(wall, 3), "name": name, "data": data}))
              for step, wall, name, data in vectors]
    lines.sort(key=lambda x: (x[0], x[1]))  # stable: each kind keeps its own order within a step
    for _, _, line in lines:
        out.write(line + "\n")
    return len(lines) + (info is not None)


def write_file(run_dir: Path, fmt: str, output: Path, include: tuple[str, ...] = ()) -> int:
    """Export csv or jsonl (with the `include`d vectors) into the file `output`, through a temporary
    file so an earlier export survives a failed write; returns the number of points."""
    buf = io.StringIO(newline="")
    n = write_csv(run_dir, buf) if fmt == "csv" else write_jsonl(run_dir, buf, include)
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

    from rnnlab.runs.hparams import read_flat
    from rnnlab.train.tblog import sample_markdown, write_hparams

    with RunReader(run_dir) as r:
        rows = r.all_scalars()
        outputs = r.all_vectors(["output"])
        latest = r.info().latest
    try:
        flat = read_flat(run_dir)
    except UserError:
        flat = {}
    logdir = Path(logdir)
    before = set(logdir.iterdir()) if logdir.is_dir() else set()
    try:
        writer = SummaryWriter(log_dir=str(logdir))
        try:
            for step, wall, name, value in rows:
                writer.add_scalar(name, value, global_step=step, walltime=wall)
            for step, wall, _, data in outputs:
                md = sample_markdown(data)
                if md is not None:
                    writer.add_text("samples", md, global_step=step, walltime=wall)
            if flat:
                write_hparams(writer, flat, latest)
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


def history(run_dir: Path, keys: Optional[Sequence[str]] = None) -> list[dict[str, Any]]:
    """The run's metrics as one record per step, `{"step", "wall", name: value, ...}` in step
    order (`wall`: the step's last point); `keys` keeps only those names. A name logged twice at
    one step (a resumed run) keeps its last value. Unknown `keys` are one UserError line."""
    with RunReader(run_dir) as r:
        rows = r.all_scalars()
    if keys is not None:
        known = {name for _, _, name, _ in rows}
        missing = [k for k in keys if k not in known]
        if missing:
            raise UserError(f"{run_dir.name}: no metric {missing[0]!r} in its history; it has {', '.join(sorted(known)) or 'none yet'}")
        wanted = set(keys)
        rows = [row for row in rows if row[2] in wanted]
    records: dict[int, dict[str, Any]] = {}
    for step, wall, name, value in rows:
        rec = records.setdefault(step, {"step": step})
        rec["wall"] = wall
        rec[name] = value  # NaN stays NaN (a diverged loss is a number to see)
    return list(records.values())
