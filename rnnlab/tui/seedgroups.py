"""Seed groups: runs that differ only by seed (`rnnlab train --seeds N` gives them one `group`
in their meta), shown as one curve with a band and as mean ± sd in a table.

The members' curves are put on common x values (the union of their points, inside the range
every member reached, by linear interpolation): a live group's mean then covers only the steps
all its runs have, so it never jumps where one run ends. Plain numpy: no textual.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np


@dataclass
class Band:
    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray  # min over the members
    hi: np.ndarray  # max over the members
    sd: np.ndarray  # sample standard deviation (ddof 1)
    n: int


def groups_of(infos: Sequence[Any]) -> dict[str, list[int]]:
    """group id -> indices of `infos` in it, for groups with two or more of them (in order)."""
    out: dict[str, list[int]] = {}
    for i, info in enumerate(infos):
        g = getattr(info, "group", None)
        if g:
            out.setdefault(g, []).append(i)
    return {g: ix for g, ix in out.items() if len(ix) > 1}


def band(curves: Sequence[tuple[np.ndarray, np.ndarray]]) -> Optional[Band]:
    """Mean, min, max and sd of the curves (x, y) on common x values; None when fewer than two
    curves have finite points or their x ranges do not overlap."""
    clean = []
    for x, y in curves:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() >= 1:
            order = np.argsort(x[ok], kind="stable")
            clean.append((x[ok][order], y[ok][order]))
    if len(clean) < 2:
        return None
    start = max(float(x[0]) for x, _ in clean)
    end = min(float(x[-1]) for x, _ in clean)
    if start > end:
        return None
    grid = np.unique(np.concatenate([x[(x >= start) & (x <= end)] for x, _ in clean]))
    ys = np.vstack([np.interp(grid, x, y) for x, y in clean])
    return Band(grid, ys.mean(axis=0), ys.min(axis=0), ys.max(axis=0), ys.std(axis=0, ddof=1), len(clean))


def mean_sd(values: Sequence[Optional[float]]) -> tuple[Optional[float], Optional[float], int]:
    """(mean, sample sd, count) of the finite values; sd None under two."""
    v = [float(x) for x in values if isinstance(x, (int, float)) and math.isfinite(x)]
    if not v:
        return None, None, 0
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else None
    return m, sd, len(v)


def fmt_mean_sd(values: Sequence[Optional[float]], fmt) -> str:
    """`0.0745 ± 0.012` (the count when some members lack the value: `… (2 of 3)`)."""
    m, sd, n = mean_sd(values)
    if m is None:
        return "–"
    text = fmt(m) + (f" ± {fmt(sd)}" if sd is not None else "")
    return text + (f" ({n} of {len(values)})" if n < len(values) else "")


def label(names: Sequence[str]) -> str:
    """What the members' names share (`lstm-s1`, `lstm-s2` -> `lstm`), else the first name."""
    prefix = os.path.commonprefix(list(names)).rstrip("-_.")
    for tail in ("-s", "_s", "-seed", "_seed"):
        if prefix.endswith(tail):
            prefix = prefix[: -len(tail)]
    return prefix or (names[0] if names else "group")
