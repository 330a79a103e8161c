"""Parallel coordinates of a sweep, as numbers: one axis per parameter plus the metric, each
trial a polyline scaled to 0..1 per axis (a log range on a log scale, choices evenly spaced in
the order the space lists them). The CLI draws them with plotext, the lab in a plot widget.
"""

from __future__ import annotations

import math
from typing import Any


def _scale(spec: Any, value: Any, values: list) -> float:
    if isinstance(spec, list):  # categorical: the space's order
        n = len(spec)
        return 0.5 if n < 2 or value not in spec else spec.index(value) / (n - 1)
    lo, hi = float(spec["low"]), float(spec["high"])
    v = float(value)
    if spec.get("log"):
        lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-300))
    return 0.5 if hi == lo else min(1.0, max(0.0, (v - lo) / (hi - lo)))


def axes(summary: dict[str, Any]) -> tuple[list[str], list[tuple[dict, list[float]]]]:
    """(axis names, [(trial row, y per axis)]) for trials that have a value."""
    space = summary["space"]
    names = list(space) + [summary["metric"]]
    rows = [t for t in summary["trials"] if t.get("value") is not None and all(k in t["params"] for k in space)]
    if not rows:
        return names, []
    vals = [t["value"] for t in rows]
    lo, hi = min(vals), max(vals)
    out = []
    for t in rows:
        ys = [_scale(space[k], t["params"][k], []) for k in space]
        ys.append(0.5 if hi == lo else (t["value"] - lo) / (hi - lo))
        out.append((t, ys))
    return names, out


def colour_rank(value: float, values: list[float], direction: str) -> float:
    """0 for the best value, 1 for the worst: colours go from good to bad."""
    lo, hi = min(values), max(values)
    if hi == lo:
        return 0.0
    r = (value - lo) / (hi - lo)
    return r if direction == "minimize" else 1.0 - r
