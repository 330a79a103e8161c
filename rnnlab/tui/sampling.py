"""The lab's one system sampler (rnnlab/runs/system.py), shared by the System screen and the
dashboard header so CPU percentages are measured between their samples, not restarted by each.

Tests swap `sampler` for one that returns a fixed sample (tests/system_fixture.py), which keeps
snapshots of screens that show machine numbers reproducible."""

from __future__ import annotations

import threading
from typing import Any, Optional

# Seconds between samples on screen: numbers that move, at a cost of ~1 ms a sample.
SAMPLE_EVERY_S = 2.0

_sampler: Optional[Any] = None
_lock = threading.Lock()


def sampler() -> Any:
    """The process's Sampler (created on first use), or None when psutil is missing."""
    global _sampler
    with _lock:
        if _sampler is None:
            try:
                from rnnlab.runs.system import Sampler

                _sampler = Sampler()
            except ImportError:
                return None
        return _sampler
