"""What every benchmark shares: a figure (value beside its same-run baseline and target),
interleaved timing with medians, and a description of the machine."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional


@dataclass
class Figure:
    """One measured number. `ratio` is value / baseline unless the benchmark says otherwise;
    `target` is text (e.g. ">= 0.97"), checked against `checked` (the ratio or the value)."""

    item: str
    name: str
    value: float
    unit: str
    baseline: Optional[float] = None
    baseline_name: str = ""
    ratio: Optional[float] = None
    target: str = ""
    met: Optional[bool] = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def check(op: str, x: Optional[float], bound: float) -> Optional[bool]:
    if x is None:
        return None
    return {">=": x >= bound, "<=": x <= bound, "<": x < bound, ">": x > bound}[op]


def interleaved(fns: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Call each measurement in turn, A B A B ..., `reps` times: a noisy shared machine then
    slows every variant alike. Each fn returns its own measurement (seconds or a rate)."""
    out: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(reps):
        # alternate the order too, so neither variant always runs right after the other
        order = list(fns) if r % 2 == 0 else list(reversed(fns))
        for k in order:
            out[k].append(fns[k]())
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    import torch

    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "loadavg": [round(x, 2) for x in load],
    }
