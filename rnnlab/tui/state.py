"""What a viewer knows about one run: its info, scalar series, probe vectors and events.

The reading thread turns each store `Delta` into an `Update` (numpy rows, plain lists); the UI
thread folds updates into a `RunState` and learns which topics changed, so only panels that
show those topics redraw.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from rnnlab.tui.series import SeriesSet, rows_from

# Cap on kept probe history; the heatmap shows at most a screen's height of it anyway.
MAX_FLOW_ROWS = 2000
MAX_OUTPUTS = 200
MAX_EVENTS = 2000

# How often the reading thread tails a run's store. A poll with nothing new is one indexed
# `id >` query per table on a WAL database (well under a millisecond), so polling often is
# cheap; writers flush every 0.2 s, so a row is seen within ~0.4 s of being written.
POLL_INTERVAL = 0.2


@dataclass
class Update:
    info: Any  # rnnlab.runs.store.RunInfo
    reset: bool = False
    scalars: dict[str, np.ndarray] = field(default_factory=dict)
    vectors: list[tuple[int, str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    error: str = ""
    config: Any = None  # rnnlab.config.Config, sent with the first update


class RunState:
    def __init__(self) -> None:
        self.info: Any = None
        self.config: Any = None
        self.series = SeriesSet()
        self.vectors: dict[str, tuple[int, Any]] = {}
        self.flow: list[tuple[int, np.ndarray]] = []
        self.outputs: list[tuple[int, dict]] = []
        self.events: list[Any] = []
        self.error = ""

    @property
    def task_kind(self) -> str | None:
        """text/timeseries/adding/copy: from the config (the store's task field may be a
        longer description such as "adding: T=10, ...")."""
        if self.config is not None:
            return self.config.task.kind
        return task_kind_of(getattr(self.info, "task", None))

    def apply(self, up: Update) -> set[str]:
        changed: set[str] = {"info"}
        if up.info is not None:
            self.info = up.info
        if up.config is not None:
            self.config = up.config
        self.error = up.error
        if up.reset:
            self.series.clear()
            self.vectors.clear()
            self.flow.clear()
            self.outputs.clear()
            self.events.clear()
            changed |= {"reset", "scalars", "grad_flow", "output", "events", "gates", "layers"}
        names = self.series.add(up.scalars)
        if names:
            changed.add("scalars")
            changed |= {f"scalar:{n}" for n in names}
        for step, name, data in up.vectors:
            self.vectors[name] = (step, data)
            changed.add(name)
            if name == "grad_flow" and isinstance(data, dict) and data.get("norms"):
                self.flow.append((step, np.asarray(data["norms"], dtype=np.float64)))
                del self.flow[:-MAX_FLOW_ROWS]
            elif name == "output" and isinstance(data, dict):
                self.outputs.append((step, data))
                del self.outputs[:-MAX_OUTPUTS]
        if up.events:
            self.events.extend(up.events)
            del self.events[:-MAX_EVENTS]
            changed.add("events")
        return changed


def read_update(reader: Any) -> Update:
    """One poll of a `RunReader` (call it in the reading thread only: sqlite objects stay there)."""
    delta = reader.poll()
    info = reader.info()
    return Update(
        info=info,
        reset=bool(getattr(delta, "reset", False)),
        scalars={name: rows_from(rows) for name, rows in delta.scalars.items()},
        vectors=list(delta.vectors),
        events=list(delta.events),
    )


class _Tail:
    """One run being tailed: its reader (opened lazily, reopened after an error) and how long
    it has been quiet."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.reader: Any = None
        self.quiet = 0

    def poll(self, post: Callable[[Update], None]) -> None:
        """Post this poll if it brought anything new (and the info alone every few polls, so
        status and heartbeat stay live)."""
        from rnnlab.runs.store import RunReader

        try:
            first = self.reader is None
            if self.reader is None:
                self.reader = RunReader(self.run_dir)
            up = read_update(self.reader)
            if first:
                up.config = read_config(self.run_dir)
            news = first or up.reset or any(len(v) for v in up.scalars.values()) or up.vectors or up.events
            self.quiet = 0 if news else self.quiet + 1
            # info alone (status, heartbeat) once a second is enough
            if news or self.quiet % 5 == 1:
                post(up)
        except Exception as err:  # a run being written or deleted must not kill the viewer
            post(Update(info=None, error=f"{type(err).__name__}: {err}"))
            self.close()

    def close(self) -> None:
        if self.reader is not None:
            try:
                self.reader.close()
            except Exception:
                pass
            self.reader = None


def follow(
    run_dir: Path,
    post: Callable[[Update], None],
    stop: Callable[[], bool],
    wake: threading.Event,
    interval: float = POLL_INTERVAL,
) -> None:
    """Tail a run until `stop()`: post every poll that brought anything new (and the info of
    the others every few seconds, so status and heartbeat stay live)."""
    follow_many([run_dir], lambda i, up: post(up), stop, wake, interval)


def follow_many(
    run_dirs: list[Path],
    post: Callable[[int, Update], None],
    stop: Callable[[], bool],
    wake: threading.Event,
    interval: float = POLL_INTERVAL,
) -> None:
    """Tail several runs from one thread (`post(index, update)`), each as `follow` tails one.
    One thread, not one per run: Textual's thread workers share asyncio's default executor,
    which on a 2-core machine runs 6 at once, so a 20-run compare with a thread per run left
    14 runs waiting forever."""
    tails = [_Tail(Path(d)) for d in run_dirs]
    try:
        while not stop():
            for i, tail in enumerate(tails):
                if stop():
                    break
                tail.poll(lambda up, i=i: post(i, up))
            wake.wait(interval)
            wake.clear()
    finally:
        for tail in tails:
            tail.close()


def task_kind_of(task: str | None) -> str | None:
    return task.split(":", 1)[0].strip() if task else task


def read_config(run_dir: Path) -> Any:
    """The run's resolved config, or None if it is missing or unreadable."""
    from rnnlab.config import read_toml, validate

    try:
        return validate(read_toml(Path(run_dir) / "config.toml"), str(run_dir))
    except Exception:
        return None


def fmt_num(v: Optional[float], digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.2e}"
    return f"{v:.{digits}g}"


def fmt_duration(seconds: Optional[float]) -> str:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"
