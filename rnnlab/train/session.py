"""A training session: from a resolved config and a run directory to a finished, stopped or
diverged run. This is the one entry point the worker (and `rnnlab train`) calls.

It builds the task (restoring its saved state: vocabulary, scaler), the model and the trainer,
resumes from the newest checkpoint when asked, and hands everything to the loop. The run
directory is only a place for files here (task_state.json, checkpoints/); the store that
records numbers is the caller's reporter.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

from rnnlab.config import Config
from rnnlab.errors import UserError
from rnnlab.models import build_model
from rnnlab.tasks import Task, make_task
from rnnlab.train import checkpoint, events, kept
from rnnlab.train.device import describe, omp_threads, resolve_device, set_threads, usable_cores, uses_bf16
from rnnlab.train.threadshare import ThreadShare
from rnnlab.train.events import Control, Reporter
from rnnlab.train.loop import Outcome, Trainer

TASK_STATE = "task_state.json"
CONFIG = "config.toml"
# prepared data (the text task's token files), under the runs root
CACHE_DIR = Path(".cache") / "tokens"
PEAK_CACHE = Path(".cache") / "matmul_peak.json"

__all__ = ["Outcome", "run_training", "open_run", "LoadedRun", "build"]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def build(
    cfg: Config, run_dir: Optional[Path], device: torch.device, state: Optional[dict] = None
) -> tuple[Task, torch.nn.Module]:
    """The task (with its saved state when the run has one, or `state`) and a fresh model on `device`."""
    state_file = run_dir / TASK_STATE if run_dir is not None else None
    if state is None and state_file is not None and state_file.is_file():
        state = json.loads(state_file.read_text(encoding="utf-8"))
    # beside the runs, shared by every run under this root: resumes and ensembles reuse it
    cache_dir = run_dir.resolve().parent / CACHE_DIR if run_dir is not None else None
    task = make_task(cfg.task, seed=cfg.train.seed, batch_size=cfg.train.batch_size, state=state, cache_dir=cache_dir)
    styles = len(getattr(task, "styles", ()))
    if styles and cfg.model.style_embedding:
        task.conditioned = True  # type: ignore[attr-defined]  # its batches carry the style ids
    if state_file is not None and state is None:
        _write_atomic(state_file, json.dumps(task.state()))
    model = build_model(
        cfg.model,
        input_kind=task.input_kind,
        input_size=task.input_size,
        output_size=task.output_size,
        max_len=max(task.seq_len, 1),
        num_styles=styles if cfg.model.style_embedding else 0,
    )
    model.backend = "reference" if cfg.model.backend == "reference" else "fused"
    return task, model.to(device)


def run_training(
    cfg: Config,
    run_dir: Optional[Path],
    reporter: Reporter,
    control: Control,
    *,
    resume: bool = False,
    group: Any = None,
    task_state: Optional[dict] = None,
) -> Outcome:
    """`group` (train/distributed.py) makes this one rank of a data-parallel run; only rank 0
    has a `run_dir`, and the other ranks get its config and `task_state` over the group."""
    if run_dir is not None:
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.train.seed)
    threads = set_threads(cfg.train.threads)
    device = resolve_device(cfg.train.device) if group is None else group.device(cfg.train.device)
    bf16 = uses_bf16(device, cfg.train.precision)
    task, model = build(cfg, run_dir, device, state=task_state)
    if group is not None and group.main:
        group.share((cfg.to_dict(), task.state()))
    ckpt_root = run_dir / "checkpoints" if run_dir is not None else Path(os.devnull)

    start = 0
    loaded = None
    if resume:
        _check_same_data(run_dir / TASK_STATE, task)
        found = checkpoint.latest(ckpt_root)
        if found is None:
            reporter.event(events.WARNING, "no checkpoint to resume from: starting from step 0", 0)
        else:
            weights, state, _meta = checkpoint.load(found[1], map_location=device if group is None else "cpu")
            loaded = (weights, state)
    if group is not None:
        loaded = group.share(loaded)  # rank 0's checkpoint (or None) on every rank
    if loaded is not None:
        # the weights first: a state saved with another input layout rebuilds the model's first
        # layer (models/sequence.py), and the optimizer must hold the parameters it ends with
        model.load_state_dict(loaded[0])
    trainer = (Trainer if group is None else group.trainer)(cfg, task, model, device, reporter, control, ckpt_root, bf16=bf16)
    if not cfg.train.threads and omp_threads() is None:  # the count chosen at the start follows the box since
        trainer.thread_share = ThreadShare(threads, usable_cores())
    if run_dir is not None:  # the MFU's matmul peak, measured once per runs root (device.py)
        trainer.peak_cache = run_dir.resolve().parent / PEAK_CACHE
    if loaded is not None:
        state = loaded[1]
        trainer.load_state_dict(state)
        trainer.restore_best()
        start = int(state["step"])
    if group is not None:
        group.sync_params(model)
    reporter.start(start)
    info: dict[str, Any] = {
        "baselines": task.baselines(),
        "primary_metric": task.primary_metric,
        "params": int(sum(p.numel() for p in model.parameters())),
        "device": describe(device) + (" bf16" if bf16 else ""),
        "threads": threads,
        "task": cfg.task.kind,
        "task_description": task.describe(),
        "from_data": task.from_data() if hasattr(task, "from_data") else {},
        "total_steps": cfg.train.steps,
        "start_step": start,
    }
    if group is not None:
        info["nproc"] = group.size
    kind = events.RESUMED_FROM if start else events.STARTED
    what = f"from checkpoint at step {start}: " if start else ""
    reporter.event(
        kind,
        f"{what}{cfg.model.cell} x{cfg.model.num_layers} h{cfg.model.hidden_size} on {task.describe()}, "
        f"{info['params']:,} params, {info['device']}" + (f" x {group.size} processes" if group is not None else ""),
        start,
        info,
    )
    return trainer.run()


def _check_same_data(state_file: Path, task: Task) -> None:
    """A resume must train on the data the checkpoint was trained on (same corpus or series)."""
    if not state_file.is_file():
        return
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    fresh = task.state()
    changed = [k for k, v in saved.items() if k in fresh and fresh[k] != v]
    if changed:
        raise UserError(
            f"{state_file}: the task's data changed since this run started ({', '.join(changed)} differ); "
            "restore the original data, or start a new run"
        )


@dataclass
class LoadedRun:
    """A trained run ready for inference, and which checkpoint its weights came from."""

    cfg: Config
    task: Task
    model: torch.nn.Module
    checkpoint: kept.Choice


def open_run(run_dir: Path, device: str = "cpu", where: str = "--device", which: str = "best") -> LoadedRun:
    """The run's config, task and model (eval mode) with the weights of checkpoint `which`:
    "best" (by the primary val metric; the last one for runs that keep no best) or "last".
    `where` names the device setting in error messages. The builder behind the one public
    loader, `rnnlab.load_run` (rnnlab/inspect/loader.py); everything above `train/` calls that."""
    from rnnlab import config as config_mod

    run_dir = Path(run_dir)
    cfg = config_mod.validate(config_mod.read_toml(run_dir / CONFIG), str(run_dir / CONFIG))
    source = getattr(cfg.task, "source", None)
    if source and not str(source).startswith("builtin:"):
        from rnnlab.confine import refusal

        refused = refusal(source, f"run {run_dir.name}: its corpus / CSV")  # a served lab's limits
        if refused:
            raise UserError(refused)
    choice = kept.choose(run_dir / "checkpoints", which)
    if choice is None:  # before building the task, which may read a whole corpus
        raise UserError(f"{run_dir}: the run has no checkpoint yet; wait for one or press 'checkpoint now'")
    dev = resolve_device(device, where)
    task, model = build(cfg, run_dir, dev)
    weights, _state, _meta = checkpoint.load(choice.path, map_location=dev)
    model.load_state_dict(weights)
    model.eval()
    taken = task.from_data() if hasattr(task, "from_data") else {}
    if taken:  # the resolved config: what the run left to its data, as it took it (window 24, not None)
        cfg = cfg.model_copy(deep=True)
        for key, value in taken.items():
            setattr(cfg.task, key.partition(".")[2], value)
    return LoadedRun(cfg, task, model, choice)
