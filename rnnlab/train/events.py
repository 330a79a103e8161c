"""How the training loop talks to the outside world: a reporter for what it measured and a
control channel for what it is asked to do. The loop knows nothing about terminals, stores or
screens (minGPT's trainer does the same with callbacks); `runs/` and the CLI implement these.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

# Commands a viewer can send to a running worker.
COMMANDS = ("stop", "pause", "resume", "checkpoint", "sample")


# Event kinds the loop emits (Reporter.event's `kind`).
STARTED, RESUMED_FROM, EVAL, CHECKPOINT, PAUSED, UNPAUSED = "started", "resumed", "eval", "checkpoint", "paused", "unpaused"
SAMPLE, WARNING, DIVERGED, STOPPED, FINISHED = "sample", "warning", "diverged", "stopped", "finished"
# The held-out test split, scored once when training finishes.
TEST = "test"


class Reporter(Protocol):
    def start(self, step: int) -> None:
        """Training (re)starts at `step` (0, or the checkpoint a resume loaded): points an earlier
        attempt recorded after `step` are superseded."""

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Per-step numbers: loss, lr, grad_norm, val_bpc, ..."""

    def vector(self, step: int, name: str, data: Any) -> None:
        """A JSON-able probe result: grad flow through time, gates, per-layer norms, samples."""

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        """Lifecycle: started, checkpoint, eval, warning, diverged, finished, ..."""


class Control(Protocol):
    def poll(self) -> list[str]:
        """Commands received since the last poll (each one of COMMANDS)."""


class NullReporter:
    def start(self, step: int) -> None:
        pass

    def scalars(self, step: int, values: dict[str, float]) -> None:
        pass

    def vector(self, step: int, name: str, data: Any) -> None:
        pass

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        pass


class MultiReporter:
    """Fan one stream out to several reporters (store + console)."""

    def __init__(self, *reporters: Reporter) -> None:
        self.reporters = [r for r in reporters if r is not None]

    def start(self, step: int) -> None:
        for r in self.reporters:
            r.start(step)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        for r in self.reporters:
            r.scalars(step, values)

    def vector(self, step: int, name: str, data: Any) -> None:
        for r in self.reporters:
            r.vector(step, name, data)

    def event(self, kind: str, message: str, step: Optional[int] = None, data: Optional[dict] = None) -> None:
        for r in self.reporters:
            r.event(kind, message, step, data)


class NoControl:
    def poll(self) -> list[str]:
        return []
