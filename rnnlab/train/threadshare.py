"""A run's CPU threads follow the cores other processes leave it, while it runs.

`[train] threads = 0` takes the cores that are idle when a run starts (device.default_threads).
A run started on an idle box keeps its 2 threads when another training starts beside it later,
and OpenMP threads that outnumber the free cores make each small recurrent step wait for a
descheduled thread. Every few seconds the machine's busy time (/proc/stat) less this process's
own CPU time says how many cores the others use (on the CPUs this process may run on); the
thread count drops by a core a neighbour uses 0.7 of, and climbs back, never past where it
started, once they use 0.3 or less. On the
2-core box (benchmarks/NOTES.md, section 9): a 1,108-row default run, then a second training
4 s later, both `threads = 0`: 40.9 s and 53.0 s without this, 11.9 s and 31.1 s with it.

    share = ThreadShare(threads, cores)   # after device.set_threads
    share.tick()                          # in the loop: the new count when it changed, else None
"""

from __future__ import annotations

import math
import os
import time
from typing import Callable, Optional

import torch

EVERY_S = 2.0  # seconds between two looks: a step is milliseconds, a neighbour's run minutes


class ThreadShare:
    def __init__(self, threads: int, cores: int, every_s: float = EVERY_S, machine: Optional[int] = None,
                 sample: Optional[Callable[[], Optional[tuple]]] = None):
        self.start = self.now = int(threads)
        self.cores = int(cores)
        # the CPUs this process may run on (its affinity), whose /proc/stat lines are read
        self.cpus = affinity()
        self.machine = int(machine or len(self.cpus) or cores)
        self.every = every_s
        self.previous = self.now
        self.used_by_others = 0.0
        self._sample = sample or (lambda: cpu_times(self.cpus))  # (a test gives its own readings)
        self._last = self._sample() if self.start > 1 else None

    def others(self, prev: tuple, now: tuple) -> Optional[float]:
        """Cores the other processes used between two samples, or None when nothing was measured."""
        total = now[2] - prev[2]
        wall = now[0] - prev[0]
        if total <= 0 or wall <= 0:
            return None
        busy = self.machine * (1.0 - (now[1] - prev[1]) / total)
        return max(0.0, busy - (now[3] - prev[3]) / wall)

    def tick(self) -> Optional[int]:
        """Look again if EVERY_S has passed; the thread count when it changed, else None."""
        if self._last is None or time.monotonic() - self._last[0] < self.every:
            return None
        now = self._sample()
        if now is None:
            self._last = None
            return None
        prev, self._last = self._last, now
        others = self.others(prev, now)
        if others is None:
            return None
        self.used_by_others = others
        free = min(self.cores, self.machine - others)
        # down when a neighbour takes 0.7 of a core this run uses, back up when 0.7 of one more is
        # free (a neighbour at 0.3 or less): a neighbour near either line does not flip it each look
        if free <= self.now - 0.7:
            want = max(1, math.floor(free + 0.3))
        elif free >= self.now + 0.7:
            want = min(self.start, math.floor(free + 0.3))
        else:
            return None
        if want == self.now:
            return None
        torch.set_num_threads(want)
        self.previous, self.now = self.now, want
        return want


def affinity() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set()


def cpu_times(cpus: set[int]) -> Optional[tuple[float, int, int, float]]:
    """(monotonic seconds, idle jiffies, all jiffies, this process's CPU seconds): the jiffies of
    the CPUs in `cpus` (their `cpuN` lines of /proc/stat; the machine's first line without them)."""
    idle = total = 0
    try:
        with open("/proc/stat") as fh:
            for line in fh:
                if not line.startswith("cpu"):
                    break
                name, *rest = line.split()
                mine = name[3:].isdigit() and int(name[3:]) in cpus if cpus else name == "cpu"
                if mine:
                    fields = [int(x) for x in rest[:8]]
                    idle, total = idle + fields[3] + fields[4], total + sum(fields)
    except (OSError, ValueError):
        return None
    if total == 0:
        return None
    t = os.times()
    return time.monotonic(), idle, total, t.user + t.system


__all__ = ["ThreadShare", "EVERY_S", "affinity", "cpu_times"]
