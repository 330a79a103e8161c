"""Concurrency slots per device, so a race of several runs on one GPU box does not
oversubscribe it. A slot is an exclusive fcntl lock on `<runs root>/.slots/<device>.<i>.lock`:
claiming is race-free across processes, and the kernel frees the slot when its holder dies,
even by kill -9. The number of slots per device is $RNNLAB_SLOTS (default 1).
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from pathlib import Path
from typing import Optional

from rnnlab.errors import UserError
from rnnlab.train.cpushare import SHARE_ENV  # noqa: F401  (the worker sets it from `cpu_share`)


def slot_count() -> int:
    raw = os.environ.get("RNNLAB_SLOTS", "1").strip()
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise UserError(f"RNNLAB_SLOTS={raw!r}: expected a whole number of concurrent runs per device, at least 1")
    return n


def cpu_share(holding: bool) -> int:
    """How many runs may be training at once beside this one, this one included: the slots of a
    device ($RNNLAB_SLOTS), one more when this run started without a slot (all were held, and
    it did not queue). The CPU threads of each run are an even share of the cores."""
    return slot_count() + (0 if holding else 1)


class Slot:
    """A held slot; `release()` (or process exit) frees it."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the lock
            self.fd = -1


def device_key(device: str) -> str:
    """The device a `[train] device` setting lands on, found without importing torch, so that
    `auto`, `cuda` and `cuda:0` on a GPU box share one pool of slots."""
    if device == "auto":
        if _cuda_visible():
            return "cuda_0"
        return "mps" if sys.platform == "darwin" else "cpu"
    if device == "cuda":
        return "cuda_0"
    return re.sub(r"[^A-Za-z0-9_-]", "_", device) or "cpu"


NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")  # one entry per GPU the driver sees


def visible_cuda_count() -> int:
    """How many CUDA devices this process's torch would see, without importing torch: the
    driver's GPUs, narrowed by CUDA_VISIBLE_DEVICES as CUDA reads it (a comma list of indices or
    UUIDs, cut at the first invalid index; empty or -1 hides them all). The lab's device list
    and the slots both count with it."""
    try:
        driver = len(list(NVIDIA_GPUS.iterdir())) if NVIDIA_GPUS.is_dir() else 0
    except OSError:
        driver = 0
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is None or not driver:
        return driver
    n = 0
    for item in env.split(","):
        item = item.strip()
        if item.lstrip("-").isdigit() and not 0 <= int(item) < driver:
            break  # CUDA ignores this entry and every one after it
        if not item:
            break
        n += 1
    return min(n, driver)


def _cuda_visible() -> bool:
    return visible_cuda_count() > 0


def _slot_paths(root: Path, device: str) -> list[Path]:
    key = device_key(device)
    d = Path(root) / ".slots"
    d.mkdir(parents=True, exist_ok=True)
    return [d / f"{key}.{i}.lock" for i in range(slot_count())]


def try_claim(root: Path, device: str) -> Optional[Slot]:
    """A free slot for `device`, or None when all are held."""
    for path in _slot_paths(root, device):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Slot(fd, path)
    return None


def held(root: Path, device: str) -> int:
    """How many slots of `device` are held right now (for status messages)."""
    n = 0
    for path in _slot_paths(root, device):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            n += 1
        finally:
            os.close(fd)
    return n
