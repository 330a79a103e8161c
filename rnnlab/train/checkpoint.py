"""Checkpoints: crash-safe on disk, safe to load.

One directory per checkpoint, `checkpoints/step-00001200/`, holding
  model.safetensors  the weights (safetensors: loading cannot execute code),
  state.pt           optimizer state, RNG states and the carried TBPTT hidden state, loaded with
                     `torch.load(weights_only=True)` (never unrestricted pickle),
  meta.json          step, time, the resolved config (as nanoGPT saves it with the weights).
It is written into a temporary directory, every file fsync'd, then renamed into place, so a
crash mid-write leaves either the previous checkpoint or the new one, never half of one. A write
that fails (a full disk) removes the temporary directory and leaves the earlier checkpoints as
they were; a full disk is one `DiskFull` line with the space the checkpoint needs.
The best checkpoint by the primary val metric has the same format under `checkpoints/best/`
(kept.py says which checkpoints a run keeps).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rnnlab.errors import UserError, disk_full, is_disk_full
from rnnlab.train.kept import checkpoint_dirs, latest  # noqa: F401  (torch-free listing, shared with the CLI)

KEEP = 3  # older checkpoints are pruned; the newest few survive a divergence


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def save(
    ckpt_root: Path,
    step: int,
    model: torch.nn.Module,
    state: dict[str, Any],
    meta: dict[str, Any],
    keep: int = KEEP,
) -> Path:
    """Write checkpoint `step` atomically and prune all but the newest `keep`."""
    ckpt_root.mkdir(parents=True, exist_ok=True)
    final = ckpt_root / f"step-{step:08d}"
    tmp = ckpt_root / f".tmp-step-{step:08d}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    weights = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    try:
        tmp.mkdir()
        save_file(weights, str(tmp / "model.safetensors"))
        torch.save(state, tmp / "state.pt")
        (tmp / "meta.json").write_text(json.dumps({"step": step, "time": time.time(), **meta}, indent=1))
        for f in tmp.iterdir():
            _fsync_file(f)
        _fsync_dir(tmp)
    except Exception as err:
        shutil.rmtree(tmp, ignore_errors=True)
        needed = _nbytes(weights) + _nbytes(state) + 64 * 1024  # + file headers and meta.json
        # torch.save reports a short write as a RuntimeError ("file write failed") without the
        # OSError, so a disk that cannot hold the checkpoint counts as full too
        if is_disk_full(err) or shutil.disk_usage(ckpt_root).free < needed:
            raise disk_full(final, "checkpoint", needed) from None
        raise
    if final.exists():  # re-saving the same step (e.g. "checkpoint now" right after a periodic one)
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync_dir(ckpt_root)
    for _, old in checkpoint_dirs(ckpt_root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _nbytes(obj: Any) -> int:
    """Bytes of the tensors in a (nested) state."""
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(_nbytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_nbytes(v) for v in obj)
    return 0


def load(path: Path, map_location: str | torch.device = "cpu") -> tuple[dict[str, torch.Tensor], dict[str, Any], dict[str, Any]]:
    """(weights, state, meta) of one checkpoint directory; a damaged file is one UserError line."""
    weights_file, state_file, meta_file = path / "model.safetensors", path / "state.pt", path / "meta.json"
    for f in (weights_file, state_file, meta_file):
        if not f.is_file():
            raise UserError(f"{f}: checkpoint file is missing; the checkpoint is incomplete")
    try:
        weights = load_file(str(weights_file), device=str(map_location))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise UserError(f"{weights_file}: corrupt or truncated checkpoint ({str(err).splitlines()[0]})") from None
    try:
        state = torch.load(state_file, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for damaged zip/pickle data
        raise UserError(f"{state_file}: corrupt or truncated checkpoint ({str(err).splitlines()[0][:120]})") from None
    try:
        meta = json.loads(meta_file.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise UserError(f"{meta_file}: corrupt checkpoint metadata ({err})") from None
    return weights, state, meta
