"""Which checkpoints a run keeps, and which one a command uses. Torch-free, so `rnnlab runs`,
`show` and the lab can say it without paying for torch.

    checkpoints/step-00001200/        the newest few, for resuming (the last one is "last")
    checkpoints/best/step-00000800/   the one with the best primary val metric (`train.keep_best`)

The best checkpoint has the same files; its state.pt holds only the step (it is for inference:
a resume continues from the last one). A run from before `keep_best` has no `best/`: asking for "best" then falls back to the last
checkpoint and says so, so old runs keep working.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from rnnlab.errors import UserError

BEST_DIR = "best"
CHOICES = ("best", "last")


def checkpoint_dirs(ckpt_root: Path) -> list[tuple[int, Path]]:
    """(step, dir) of complete checkpoints, oldest first."""
    if not ckpt_root.is_dir():
        return []
    out = []
    for p in ckpt_root.iterdir():
        if p.is_dir() and p.name.startswith("step-") and p.name[5:].isdigit():
            out.append((int(p.name[5:]), p))
    return sorted(out)


def latest(ckpt_root: Path) -> Optional[tuple[int, Path]]:
    dirs = checkpoint_dirs(ckpt_root)
    return dirs[-1] if dirs else None


def best(ckpt_root: Path) -> Optional[tuple[int, Path]]:
    """The kept best checkpoint; the newest written when a crash left two."""
    dirs = checkpoint_dirs(ckpt_root / BEST_DIR)
    if not dirs:
        return None
    return max(dirs, key=lambda d: d[1].stat().st_mtime_ns)


@dataclass
class Choice:
    """The checkpoint a command loads: `which` is what it is ("best" or "last"), `asked` what
    the user asked for; they differ when a run has no best checkpoint yet."""

    which: str
    asked: str
    step: int
    path: Path
    metric: Optional[str] = None
    value: Optional[float] = None

    def describe(self) -> str:
        """e.g. 'best checkpoint (step 800, val_rmse 16.12)'."""
        extra = f", {self.metric} {self.value:.4g}" if self.metric and self.value is not None else ""
        text = f"{self.which} checkpoint (step {self.step}{extra})"
        if self.asked != self.which:
            text += f"; no {self.asked} checkpoint kept"
        return text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def read_meta(path: Path) -> dict[str, Any]:
    """A checkpoint's meta.json; {} when it cannot be read (the loader reports damage)."""
    try:
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _choice(which: str, asked: str, found: tuple[int, Path]) -> Choice:
    step, path = found
    meta = read_meta(path)
    metric = meta.get("best_metric")
    value = meta.get("best_value")
    if metric is None:
        # a last checkpoint: the primary metric's value when it was written, if it was evaluated
        metrics = meta.get("metrics") or {}
        metric = meta.get("primary_metric")
        value = metrics.get(metric) if metric else None
    return Choice(which, asked, step, path, metric, value)


def choose(ckpt_root: Path, which: str = "best") -> Optional[Choice]:
    """The checkpoint `which` ("best" or "last") names; "best" falls back to the last when the
    run keeps none (older runs, keep_best off). None when the run has no checkpoint at all."""
    if which not in CHOICES:
        raise UserError(f"--checkpoint {which!r} is not a checkpoint choice; use best or last")
    last = latest(ckpt_root)
    if which == "best":
        found = best(ckpt_root)
        if found is not None:
            return _choice("best", which, found)
    return None if last is None else _choice("last", which, last)


def summary(ckpt_root: Path) -> dict[str, Optional[dict[str, Any]]]:
    """{"best": {...} | None, "last": {...} | None}: step, path, metric, value of each."""
    b, last = best(ckpt_root), latest(ckpt_root)
    return {
        "best": None if b is None else _choice("best", "best", b).to_dict(),
        "last": None if last is None else _choice("last", "last", last).to_dict(),
    }
