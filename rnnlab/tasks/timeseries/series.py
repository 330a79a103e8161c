"""A raw series as read: values (NaN where missing), optional timestamps, where it came from and
the frequency inferred from its timestamps. Every source (CSV, builtin generators) makes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional, Sequence

import numpy as np

from rnnlab.tasks.timeseries import frequency as tsfreq


class Stamps(Sequence[datetime]):
    """Timestamps held as a pandas DatetimeIndex and turned into datetimes only when asked for:
    reading a 300,000-row CSV for its card then converts none of them."""

    def __init__(self, index: Any):
        self.index = index
        self._list: Optional[list[datetime]] = None

    def _all(self) -> list[datetime]:
        if self._list is None:
            self._list = list(self.index.to_pydatetime())
        return self._list

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return self._all()[k]
        return self._list[k] if self._list is not None else self.index[k].to_pydatetime()

    def __iter__(self):
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __add__(self, other: list) -> list[datetime]:
        return self._all() + list(other)


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
    time_column: Optional[str] = None  # the CSV column the timestamps came from (named or found)
    reading: tuple[str, ...] = ()  # what the reader did beyond a plain file (read.Table.reading)
    file_rows: Optional[int] = None  # the file's rows it holds (empty rows after its last value left out)
    file_start: int = 0  # the file's data rows before its first value (empty, left out)


__all__ = ["Series", "Stamps"]
