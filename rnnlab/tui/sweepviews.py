"""The Sweep screen's pictures, as Optuna's dashboard draws them, from a sweep summary
(`rnnlab/tui/sweepreader.py`): plain functions from the summary to `PlotData` and rich `Text`.

- history: every complete trial a point, pruned ones an `x` at their last value, and the best
  value so far as a step line (it changes only at a complete trial that beats it), over the
  sweep's whole trial range;
- parallel coordinates: one vertical axis per parameter and the metric, each labelled with its
  own values (decades on a log range, names for choices, the metric's range), each trial a
  polyline coloured by its metric in five bins, with a key naming each bin's values;
- slice: the metric against each parameter (a log axis where the space is log, the choices'
  names where it is categorical);
- learning curves: each trial's intermediate values against the step, pruned ones marked `x`
  where they stopped.
Plain Python + numpy (no textual): the benchmark times these without a screen.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
from rich.text import Text

from rnnlab.runs.hparams import fmt as fmt_value
from rnnlab.tui.markers import marker_glyph
from rnnlab.tui.state import fmt_num
from rnnlab.tui.widgets.plot import Line, PlotData

# good -> bad: the metric's five colour bins (and their markers, which hold without colour)
RANKS = ("green", "cyan", "yellow", "orange", "red")
RANK_MARKERS = ("braille", "o", "+", "*", "#")  # `x` is a pruned trial's
PRUNED = "magenta"
RICH = {"orange": "dark_orange"}  # plotext colour names rich does not know


def short(key: str) -> str:
    return key.split(".", 1)[-1]


def _complete(s: dict) -> list[dict]:
    return [t for t in s["trials"] if t["state"] == "complete" and t["value"] is not None]


def _last(s: dict, number: int) -> Optional[tuple[float, float]]:
    pts = [(x, y) for x, y in (s.get("curves") or {}).get(number, ()) if y is not None and math.isfinite(y)]
    return pts[-1] if pts else None


def history(s: dict) -> PlotData:
    done = sorted((t["number"], t["value"]) for t in _complete(s))
    pruned = [(t["number"], last[1]) for t in s["trials"] if t["state"] == "pruned" and (last := _last(s, t["number"]))]
    last_n = max([s["total"] - 1] + [t["number"] for t in s["trials"]])
    xlim = (-0.5, max(1.0, last_n + 0.5))
    if not done and not pruned:
        return PlotData(xlabel="trial", empty_message="no complete trial yet")
    lines = []
    if done:
        xs = np.array([n for n, _ in done], dtype=float)
        ys = np.array([v for _, v in done], dtype=float)
        best = np.minimum.accumulate(ys) if s["direction"] == "minimize" else np.maximum.accumulate(ys)
        # a step: flat from one complete trial to the next, up or down only at a trial
        sx, sy = [xs[0]], [best[0]]
        for x, b, prev in zip(xs[1:], best[1:], best[:-1]):
            sx += [x, x]
            sy += [prev, b]
        sx.append(float(max(xs[-1], max((n for n, _ in pruned), default=xs[-1]))))
        sy.append(best[-1])
        lines.append(Line("best so far", np.array(sx), np.array(sy), color="green"))
        lines.append(Line("complete", xs, ys, color="cyan", marker="•", scatter=True))
    if pruned:
        lines.append(Line("pruned (last value)", np.array([n for n, _ in pruned], dtype=float),
                          np.array([v for _, v in pruned], dtype=float), color=PRUNED, marker="x", scatter=True))
    return PlotData(lines=lines, xlabel="trial number", xlim=xlim, own_markers=True)


def _bin(value: float, lo: float, hi: float, direction: str) -> int:
    r = 0.0 if hi == lo else (value - lo) / (hi - lo)
    if direction != "minimize":
        r = 1.0 - r
    return min(len(RANKS) - 1, int(r * len(RANKS)))


def _marker(b: int, mono: bool) -> str:
    """A bin's marker: braille (the finest) with colour; without colour, one of its own."""
    return RANK_MARKERS[b] if mono else "braille"


def colour_key(s: dict, mono: bool = False) -> Text:
    """Which colour (and marker) is which metric range, best first."""
    vals = [t["value"] for t in _complete(s)]
    t = Text()
    if not vals:
        return t
    lo, hi = min(vals), max(vals)
    t.append(f"{short(s['metric'])}: ", style="bold")
    n = len(RANKS) if hi > lo else 1
    # as many digits as tell the bins' edges apart (trials 2.873 .. 2.924 read `2.87–2.87` at 3)
    edges = [lo + (hi - lo) * b / len(RANKS) for b in range(len(RANKS) + 1)]
    digits = next((d for d in range(3, 9) if len({f"{e:.{d}g}" for e in edges}) == len(edges)), 8) if n > 1 else 3
    edge = (lambda v: f"{v:.{digits}g}") if digits > 3 else (lambda v: fmt_num(v, 3))  # fmt_num keeps 3 past 1e5
    for b in range(n):
        a, z = lo + (hi - lo) * b / len(RANKS), lo + (hi - lo) * (b + 1) / len(RANKS)
        if s["direction"] != "minimize":
            a, z = hi - (hi - lo) * (b + 1) / len(RANKS), hi - (hi - lo) * b / len(RANKS)
        glyph = "━━" if not mono else marker_glyph(RANK_MARKERS[b])
        t.append(glyph, style=RICH.get(RANKS[b], RANKS[b]))
        t.append(f" {edge(a)}–{edge(z)}  " if n > 1 else f" {fmt_num(lo, 3)}  ")
    t.append("(best first)", style="dim")
    return t


def _scale(spec: Any, value: Any) -> Optional[float]:
    """0..1 on the axis of `spec` (the space's entry: choices, or a low/high range)."""
    if isinstance(spec, list):
        if value not in spec:
            return None
        return 0.5 if len(spec) < 2 else spec.index(value) / (len(spec) - 1)
    lo, hi, v = float(spec["low"]), float(spec["high"]), float(value)
    if spec.get("log"):
        lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-300))
    return 0.5 if hi == lo else min(1.0, max(0.0, (v - lo) / (hi - lo)))


def axis_ticks(spec: Any) -> list[tuple[float, str]]:
    """(position 0..1, label) on a parameter's axis: its choices; the decades of a log range
    (its ends where fewer than two decades fall inside); the ends and middle of a linear one."""
    if isinstance(spec, list):
        return [(_scale(spec, c) or 0.0, str(c)) for c in spec]
    lo, hi = float(spec["low"]), float(spec["high"])
    if spec.get("log") and lo > 0:
        decades = [10.0 ** e for e in range(math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9) + 1)]
        if len(decades) < 2:
            decades = [lo, hi]
        return [(_scale(spec, d) or 0.0, fmt_value(d)) for d in decades]
    mid = (lo + hi) / 2
    integer = float(lo).is_integer() and float(hi).is_integer() and not spec.get("step", 1) % 1
    vals = [lo, round(mid) if integer else mid, hi]
    return [(_scale(spec, v) or 0.0, fmt_value(int(v) if integer else v)) for v in vals]


def parallel(s: dict, mono: bool = False) -> PlotData:
    space = s["space"]
    names = list(space) + [s["metric"]]
    xticks = tuple((float(i), short(n)) for i, n in enumerate(names))
    rows = [t for t in _complete(s) if all(k in t["params"] for k in space)]
    base = dict(xlabel="", xticks=xticks, hide_y=True, xlim=(-0.1, len(names) - 1 + 0.9), ylim=(-0.05, 1.05),
                own_markers=True)
    if not rows:
        return PlotData(empty_message="no complete trial yet", **base)
    vals = [t["value"] for t in rows]
    lo, hi = min(vals), max(vals)
    xs = np.arange(len(names), dtype=float)
    lines = [Line("", np.array([i, i], dtype=float), np.array([0.0, 1.0]), color="white", marker="│")
             for i in range(len(names))]
    binned = []
    for t in rows:
        ys = [_scale(space[k], t["params"][k]) for k in space]
        ys.append(0.5 if hi == lo else (t["value"] - lo) / (hi - lo))
        binned.append((_bin(t["value"], lo, hi, s["direction"]), ys))
    for b, ys in sorted(binned, key=lambda by: -by[0]):  # the best drawn last, on top
        lines.append(Line("", xs, np.array([np.nan if y is None else y for y in ys], dtype=float),
                          color=RANKS[b], marker=_marker(b, mono)))
    texts = []
    for i, k in enumerate(space):
        texts += [(i + 0.04, y, label, "") for y, label in axis_ticks(space[k])]
    m = len(space)
    texts += [(m + 0.04, y, fmt_num(lo + (hi - lo) * y, 3), "") for y in ((0.0, 0.5, 1.0) if hi > lo else (0.5,))]
    return PlotData(lines=lines, texts=tuple(texts), **base)


def slice_plot(s: dict, key: str) -> PlotData:
    """The metric of each complete trial against parameter `key`."""
    spec = s["space"][key]
    rows = [t for t in _complete(s) if key in t["params"]]
    name = short(key)
    if not rows:
        return PlotData(xlabel=name, empty_message="no complete trial yet")
    ys = np.array([t["value"] for t in rows], dtype=float)
    if isinstance(spec, list):
        xs = np.array([spec.index(t["params"][key]) if t["params"][key] in spec else np.nan for t in rows], dtype=float)
        ticks = tuple((float(j), str(c)) for j, c in enumerate(spec))
        xlim = (-0.5, len(spec) - 0.5)
    elif spec.get("log"):
        xs = np.log10(np.array([max(float(t["params"][key]), 1e-300) for t in rows]))
        lo, hi = math.log10(float(spec["low"])), math.log10(float(spec["high"]))
        ticks = tuple((math.log10(v) if v > 0 else 0.0, label) for v, label in
                      ((10 ** (lo + (hi - lo) * p), lab) for p, lab in axis_ticks(spec)))
        xlim = (lo, hi)
    else:
        xs = np.array([float(t["params"][key]) for t in rows])
        lo, hi = float(spec["low"]), float(spec["high"])
        ticks = tuple((lo + (hi - lo) * p, label) for p, label in axis_ticks(spec))
        xlim = (lo, hi) if hi > lo else None
    line = Line(short(s["metric"]), xs, ys, color="cyan", marker="•", scatter=True)
    return PlotData(lines=[line], xlabel=name + (" (log)" if not isinstance(spec, list) and spec.get("log") else ""),
                    xticks=ticks, xlim=xlim, own_markers=True)


def curves(s: dict, mono: bool = False) -> PlotData:
    """Each trial's intermediate values; colour by the final metric's bin, pruned in magenta
    with an `x` where the pruner stopped it, running ones in white."""
    state = {t["number"]: t for t in s["trials"]}
    vals = [t["value"] for t in _complete(s)]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 0.0)
    lines, stops = [], []
    order = sorted((s.get("curves") or {}).items(), key=lambda kv: kv[0])
    for number, pts in order:
        t = state.get(number)
        pts = [(x, y) for x, y in pts if y is not None and math.isfinite(y)]
        if t is None or not pts:
            continue
        xs = np.array([x for x, _ in pts], dtype=float)
        ys = np.array([y for _, y in pts], dtype=float)
        if t["state"] == "complete" and t["value"] is not None:
            b = _bin(t["value"], lo, hi, s["direction"])
            lines.append((b, Line("", xs, ys, color=RANKS[b], marker=_marker(b, mono))))
        elif t["state"] == "pruned":
            lines.append((len(RANKS), Line("", xs, ys, color=PRUNED, marker="·" if mono else "braille")))
            stops.append(pts[-1])
        else:
            lines.append((len(RANKS) + 1, Line("", xs, ys, color="white", marker=":" if mono else "braille")))
    if not lines:
        return PlotData(xlabel="step", empty_message="no intermediate values yet")
    out = [ln for _, ln in sorted(lines, key=lambda bl: -bl[0])]  # the best on top
    if stops:
        out.append(Line("pruned here", np.array([x for x, _ in stops], dtype=float),
                        np.array([y for _, y in stops], dtype=float), color=PRUNED, marker="x", scatter=True))
    return PlotData(lines=out, xlabel="step (intermediate values)", own_markers=True)


def importance_text(s: dict, width: int = 8) -> Text:
    """Bars of the importances and how many complete trials they rest on; below the minimum
    (sweeps/study.MIN_IMPORTANCE_TRIALS), only why there are none."""
    t = Text()
    imp = s.get("importances")
    n = s.get("importance_trials")
    if not imp:
        t.append(s.get("importance_method") or "", style="dim")
        return t
    for k, v in sorted(imp.items(), key=lambda kv: -kv[1]):
        t.append(f"{short(k)[:12]:<12} ", style="bold")
        t.append("█" * max(1, round(v * width)), style="cyan")
        t.append(f" {v:.2f}\n")
    how = (s.get("importance_method") or "").split(" (")[0]
    t.append(f"{how} on {n} complete trials" if n is not None else how, style="dim")
    return t
