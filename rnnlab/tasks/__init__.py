"""The tasks: one module each, looked up by `[task] kind`. Imported lazily so that asking for
one task does not load the others' dependencies, and `Task`/`Batch` (torch) only when asked
for: `rnnlab data`'s card (rnnlab.tasks.timeseries.card) imports no torch (~1.7 s)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from rnnlab.config import TaskConfig

if TYPE_CHECKING:
    from rnnlab.tasks.base import Batch, Task


def __getattr__(name: str) -> Any:
    if name in ("Batch", "Task"):
        from rnnlab.tasks import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

TASKS = {
    "text": "rnnlab.tasks.text:TextTask",
    "timeseries": "rnnlab.tasks.timeseries.task:TimeSeriesTask",
    "adding": "rnnlab.tasks.adding:AddingTask",
    "copy": "rnnlab.tasks.copymem:CopyTask",
}


def task_class(kind: str) -> type[Task]:
    module, _, name = TASKS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def make_task(
    cfg: TaskConfig, *, seed: int, batch_size: int, state: Optional[dict[str, Any]] = None, cache_dir: Optional[Path] = None
) -> Task:
    """`cache_dir`: where a task that prepares its data once (the text task's token file) keeps it."""
    cls = task_class(cfg.kind)
    if cfg.kind == "timeseries":
        from rnnlab.tasks.timeseries import panel

        # a long-format CSV: one global model over every series (a run saved as one stays one: a
        # file of one id is read as one series since, panel.wanted)
        if panel.wanted(cfg) or (state is not None and "panel" in state):
            from rnnlab.tasks.timeseries.globaltask import GlobalTimeSeriesTask as cls  # type: ignore[assignment]
    extra = {"cache_dir": cache_dir} if getattr(cls, "caches_data", False) else {}
    return cls(cfg, seed=seed, batch_size=batch_size, state=state, **extra)


__all__ = ["Batch", "Task", "TASKS", "make_task", "task_class"]
