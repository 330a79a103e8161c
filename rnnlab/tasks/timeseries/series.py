"""A raw series as read: values (NaN where missing), optional timestamps, where it came from and
the frequency inferred from its timestamps. Every source (CSV, builtin generators) makes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import numpy as np

from rnnlab.tasks.timeseries import frequency as tsfreq


@dataclass
class Series:
    """A raw series: values with NaN where missing, optional timestamps, where it came from."""

    values: np.ndarray
    timestamps: Optional[list[datetime]]
    origin: str
    column: str
    # "datetime" | "year" | "index" (a plain increasing number) | None (no time column)
    time_kind: Optional[str] = None
    frequency: tsfreq.Frequency = field(default_factory=lambda: tsfreq.NONE)


__all__ = ["Series"]
