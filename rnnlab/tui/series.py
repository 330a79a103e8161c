"""Growable numpy columns for scalar series, and downsampling to a panel's width.

A dashboard may hold a million points per scalar; appending is amortised O(1) (capacity
doubles) and a plot only ever sees about two points per terminal column, so redrawing costs
the same at step 100 and at step 1,000,000.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence

import numpy as np


class Series:
    """One scalar's (step, wall, value) rows, in arrival order."""

    __slots__ = ("_data", "n")

    def __init__(self, capacity: int = 256) -> None:
        self._data = np.empty((capacity, 3), dtype=np.float64)
        self.n = 0

    def extend(self, rows: np.ndarray | Sequence[Sequence[float]]) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        if not len(rows):
            return
        need = self.n + len(rows)
        if need > len(self._data):
            cap = max(need, 2 * len(self._data))
            grown = np.empty((cap, 3), dtype=np.float64)
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : need] = rows
        self.n = need

    def clear(self) -> None:
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def steps(self) -> np.ndarray:
        return self._data[: self.n, 0]

    @property
    def walls(self) -> np.ndarray:
        return self._data[: self.n, 1]

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.n, 2]

    def last(self) -> Optional[float]:
        return float(self._data[self.n - 1, 2]) if self.n else None


class SeriesSet:
    """All scalars of one run, by name."""

    def __init__(self) -> None:
        self.by_name: dict[str, Series] = {}

    def add(self, scalars: dict[str, np.ndarray]) -> set[str]:
        """Append new rows; returns the names that changed."""
        changed = set()
        for name, rows in scalars.items():
            if len(rows):
                self.by_name.setdefault(name, Series()).extend(rows)
                changed.add(name)
        return changed

    def get(self, name: str) -> Optional[Series]:
        s = self.by_name.get(name)
        return s if s is not None and len(s) else None

    def clear(self) -> None:
        self.by_name.clear()

    def names(self) -> Iterable[str]:
        return self.by_name.keys()


def downsample(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket means of (x, y) into at most `buckets` points (NaNs in y skipped)."""
    n = len(x)
    if n <= buckets or buckets <= 0:
        return x, y
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)[:-1]
    counts = np.diff(np.append(edges, n))
    xs = np.add.reduceat(x, edges) / counts
    finite = np.isfinite(y)
    ys_sum = np.add.reduceat(np.where(finite, y, 0.0), edges)
    ys_cnt = np.add.reduceat(finite.astype(np.float64), edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        ys = ys_sum / ys_cnt
    return xs, ys


def ema(y: np.ndarray, alpha: float, weights: Optional[np.ndarray] = None) -> np.ndarray:
    """Exponential moving average; `weights[i]` raw points stand behind point i (after
    downsampling), so the smoothing strength does not change with the zoom."""
    out = np.empty_like(y)
    acc = math.nan
    for i, v in enumerate(y):
        if not math.isfinite(v):
            out[i] = acc
            continue
        a = alpha if weights is None else 1.0 - (1.0 - alpha) ** weights[i]
        acc = v if not math.isfinite(acc) else acc + a * (v - acc)
        out[i] = acc
    return out


def rows_from(points: Sequence[Sequence[float]]) -> np.ndarray:
    """Store rows (step, wall, value) as an (n, 3) float array; None values become NaN."""
    if not points:
        return np.empty((0, 3))
    return np.array([(s, w, math.nan if v is None else v) for s, w, v in points], dtype=np.float64)
