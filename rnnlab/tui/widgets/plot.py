"""A line plot on plotext that only ever draws about two points per column.

Callers hand it whole numpy series; it downsamples to the widget's width (bucket means, so a
million-point run costs the same as a hundred-point one), smooths with an EMA whose strength
does not depend on the zoom, draws the raw curve faintly behind, and supports log-y and
horizontal reference lines (clip threshold, baselines).

Plotext builds a figure in pure Python (~5-30 ms), so the widget builds it at most once per
(data, size, theme): `show` with data that plots the same as what is shown is a no-op, and a
repaint the compositor asks for (another widget's layout, a screen switch) reuses the built
text. A hidden plot builds nothing until it is shown.

The legend is drawn under the plot, not inside it (plotext's own legend covered the curves at the
top left), on the x-axis label's row where both fit, so it costs the curves a row only when the
names are many; the baselines a metric must beat are named on the y axis, at their lines' heights.

The words on a plot (legend labels, the x-axis label, the empty message) are given in English and
translated here, at draw time (`t`; a run's name passes through unchanged), so each caller says
them once and the language switch redraws them. Plotext gives every character one cell: a Chinese
one (two cells wide) is followed by `WIDE_FILL`, which holds its second cell in plotext's layout
and is dropped when the matrix becomes text (fastplot.matrix_content), so the frame stays straight.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual_plotext import PlotextPlot

from rnnlab.tui.i18n import lang, t
from rnnlab.tui.markers import SERIES_COLOURS, legend_grid, marker_glyph, series_marker
from rnnlab.tui.series import downsample, ema
from rnnlab.tui.widgets import fastplot
from rnnlab.tui.widgets.fastplot import WIDE_FILL

fastplot.install()

# Distinct plotext colours for overlaid runs; monochrome terminals still get distinct markers.
PALETTE = SERIES_COLOURS


@dataclass
class Line:
    label: str
    x: np.ndarray
    y: np.ndarray
    color: str = "cyan"
    smooth: float = 0.0  # EMA alpha per raw point; 0 draws the raw curve only
    marker: str = "braille"
    scatter: bool = False  # points only, not joined (trials of a sweep)


@dataclass
class PlotData:
    lines: list[Line] = field(default_factory=list)
    hlines: list[tuple[str, float]] = field(default_factory=list)
    xlabel: str = "step"
    log_y: bool = False
    empty_message: str = "waiting for data"
    # (x, label) pairs that replace the x-axis numbers (dates under a forecast)
    xticks: tuple[tuple[float, str], ...] = ()
    # the lines' markers hold without colour too (compare: each run keeps its look, shown or not)
    own_markers: bool = False
    # (y, label) pairs that replace the y-axis numbers; `()` with hide_y: no y labels at all
    yticks: tuple[tuple[float, str], ...] = ()
    hide_y: bool = False
    xlim: Optional[tuple[float, float]] = None
    ylim: Optional[tuple[float, float]] = None
    # (x, y, text, colour) written on the plot (parallel coordinates' per-axis ticks)
    texts: tuple[tuple[float, float, str, str], ...] = ()
    # the lines' (and unnamed hlines') labels in a legend under the plot (off where the screen has its own)
    legend: bool = True
    # the y-range covers every hline and each is named on the y axis at its height (the baselines a
    # metric must beat: one below the curve was cut off, the red lines had no names, and names
    # written on the plot covered the curve where it ran along a baseline)
    name_hlines: bool = False

    def signature(self) -> tuple:
        """Equal for data that plots the same. Series only grow (or are reset, which changes
        their length or ends), so length and end points stand for the whole array."""
        return (
            tuple((ln.label, ln.color, ln.smooth, ln.marker, ln.scatter, _ends(ln.x), _ends(ln.y)) for ln in self.lines),
            tuple(self.hlines), self.xlabel, self.log_y, self.empty_message, self.xticks, self.own_markers,
            self.yticks, self.hide_y, self.xlim, self.ylim, self.texts, self.legend, self.name_hlines,
        )


def words(text: str) -> str:
    """`text` translated (t) and laid out for plotext: each two-cell character followed by WIDE_FILL."""
    from rich.cells import cell_len

    text = t(text)
    if text.isascii():
        return text
    return "".join(c + WIDE_FILL if cell_len(c) == 2 else c for c in text)


def _ends(a: np.ndarray) -> tuple:
    n = len(a)
    return (n, float(a[0]), float(a[-1]), float(a[n // 2])) if n else (0,)


class LinePlot(PlotextPlot):
    """Plot of `PlotData`; call `show(data)` whenever the data changed."""

    def __init__(self, *, id: Optional[str] = None, classes: Optional[str] = None) -> None:
        super().__init__(id=id, classes=classes)
        self._data = PlotData()
        self._signature: Optional[tuple] = None
        self._version = 0
        self._built: tuple[Optional[tuple], Optional[Content]] = (None, None)
        self._foot: Optional[Text] = None  # the legend (and x-axis label) under the plot, if any

    def show(self, data: PlotData) -> None:
        sig = (data.signature(), lang())  # the words are translated at draw time
        if sig == self._signature:
            return
        self._data, self._signature = data, sig
        self._version += 1
        # same size, new picture: repaint without a layout pass
        self.refresh()

    def invalidate(self) -> None:
        """Forget what is shown: the next `show` rebuilds even with the same data."""
        self._signature = None

    def render(self) -> Content:
        key = (self._version, self.size.width, self.size.height, self.theme, self.app.theme)
        if self._built[0] != key:
            self._rebuild()
            self._built = (key, self._build_content())
        return self._built[1]

    def _build_content(self) -> Content:
        """What `PlotextPlot.render` shows (size and theme set the same way), read straight off
        plotext's matrices instead of through its ANSI text (see fastplot)."""
        plt, (width, height) = self.plt, self.size
        foot = self._foot
        height -= _rows(foot)
        plt.plotsize(width, height)
        plt._set_size(width, height)  # textual_plotext's belt and braces, kept for identical sizing
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        plt._set_sizes()
        plt._build_matrix()
        content = fastplot.matrix_content(plt.monitor.matrix, self.app.ansi_theme)
        return content + Content.from_rich_text(foot) if foot is not None else content

    def _rebuild(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        d = self._data
        width = max(self.size.width, 20)
        buckets = 2 * width  # braille: two dots per column
        # without colour each series needs its own marker, and the faint raw curve behind a
        # smoothed one would read as one more series: it is left out
        mono = bool(getattr(self.app, "no_color", False))
        plotted = False
        legend: list[tuple[str, Optional[str], str]] = []  # (glyph, colour, label) under the plot
        y_lo, y_hi = math.inf, -math.inf
        x_lo, x_hi, x_whole = math.inf, -math.inf, True
        for i, line in enumerate(d.lines):
            x, y = _finite(line.x, line.y, d.log_y)
            if not len(x):
                continue
            # a caller that gave its series their own markers (compare) keeps them
            marker = series_marker(i) if mono and not d.own_markers else line.marker
            y_lo, y_hi = min(y_lo, float(y.min())), max(y_hi, float(y.max()))
            x_lo, x_hi = min(x_lo, float(x.min())), max(x_hi, float(x.max()))
            x_whole = x_whole and bool(np.all(x == np.round(x)))
            n = len(x)
            xs, ys = downsample(x, y, buckets)
            if line.smooth > 0 and n > 1:
                per = np.full(len(xs), n / len(xs))
                if not mono:
                    plt.plot(xs.tolist(), ys.tolist(), color="gray", marker=marker)
                sm = ema(ys, line.smooth, per)
                plt.plot(xs.tolist(), sm.tolist(), color=line.color, marker=marker)
            elif line.scatter:
                plt.scatter(x.tolist(), y.tolist(), color=line.color, marker=marker)
            else:
                plt.plot(xs.tolist(), ys.tolist(), color=line.color, marker=marker)
            if d.legend and line.label and all(t(line.label) != label for _, _, label in legend):
                legend.append((marker_glyph(marker), None if mono else line.color, t(line.label)))
            plotted = True
        self._foot = None
        if plotted:
            drawn = [(label, value) for label, value in d.hlines if math.isfinite(value) and not (d.log_y and value <= 0)]
            for label, value in drawn:
                plt.hline(value, "red")
                if d.legend and label and not d.name_hlines:
                    legend.append(("──", None if mono else "red", t(label)))
            if legend:  # under the plot, with the x-axis label: plotext's legend inside it covered the curves
                self._foot = plot_foot(legend, t(d.xlabel), self.size.width, self.size.height)
            if d.log_y:
                plt.yscale("log")
            if d.name_hlines and drawn:
                curve = (y_lo, y_hi)
                y_lo, y_hi = min(y_lo, *(v for _, v in drawn)), max(y_hi, *(v for _, v in drawn))
                # the plot's rows of data: its height less the foot, the frame and the ticks (and
                # the x-axis label, where the foot does not hold it)
                rows = self.size.height - _rows(self._foot) - (3 if self._foot is not None else 4)
                _name_hlines(plt, drawn, curve, (y_lo, y_hi), d.log_y, d.ylim is None, max(1, rows))
            elif d.log_y:
                _decade_ticks(plt, y_lo, y_hi)
            if d.xlim is not None:
                plt.xlim(*d.xlim)
            if d.ylim is not None:
                plt.ylim(*d.ylim)
            if d.yticks or d.hide_y:
                plt.yticks([y for y, _ in d.yticks], [label for _, label in d.yticks])
            for x, y, text, color in d.texts:
                plt.text(text, x, y, color=color or "default", alignment="left")
            if d.xticks:
                plt.xticks([x for x, _ in d.xticks], [label for _, label in d.xticks])
            elif x_lo == x_hi:
                # one point: plotext would spread 25.0 … 75.0 around it
                plt.xlim(x_lo - 1, x_hi + 1)
                plt.xticks([x_lo], [_tick_label(x_lo)])
            elif x_whole:
                _whole_ticks(plt, x_lo, x_hi, most=max(2, min(6, width // 14)))
        else:
            plt.title(words(d.empty_message))
        plt.xlabel("" if self._foot is not None else words(d.xlabel))  # the foot says it


def _rows(foot: Optional[Text]) -> int:
    return 0 if foot is None else foot.plain.count("\n") + 1


def plot_foot(entries: list[tuple[str, Optional[str], str]], xlabel: str, width: int, height: int) -> Text:
    """The legend under a plot (rnnlab/tui/markers.py `legend_grid`, entries one after another) with
    the x-axis label on its last line, centred as plotext puts it, or at the right end where the
    legend reaches the middle, or on a line of its own where both do not fit. Lines the plot cannot
    spare (fewer than 4 rows left for it) are dropped."""
    lines = list(legend_grid(entries, width - 1, flow=True).split("\n"))
    while len(lines) > 1 and height - len(lines) - (1 if xlabel else 0) < 4:
        lines.pop()
    if xlabel:
        used, size = cell_len(lines[-1].plain), cell_len(xlabel)
        centre = (width - size) // 2
        at = centre if used + 2 <= centre else width - 1 - size
        if used + 2 <= at and at >= 0:
            lines[-1] = lines[-1] + Text(" " * (at - used) + xlabel)
        elif height - len(lines) - 1 >= 4:
            lines.append(Text(" " * max(0, centre) + xlabel))
    for line in lines:  # each row exactly as wide as the plot's
        line.truncate(width, pad=True)
    return Text("\n").join(lines)


def _name_hlines(plt, lines: list[tuple[str, float]], curve: tuple[float, float], span: tuple[float, float],
                 log: bool, set_limits: bool, rows: int) -> None:
    """Each horizontal line's name on the y axis at its height, lines on one row of the plot sharing
    one label ("naive/drift"), and the curve's lowest and highest values as numbers on rows no name
    holds: names written on the plot at the lines' left ends covered the curve where it ran along
    a baseline. The y-range spans the curve and every line, with a little room above and below."""
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    lo, hi = scale(span[0]), scale(span[1])
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if set_limits:
        plt.ylim(lo, hi)  # plotext takes a log axis' limits as exponents

    def row(v: float) -> int:
        return round((scale(v) - lo) / (hi - lo) * (rows - 1)) if hi > lo else 0

    by_row: dict[int, list[tuple[str, float]]] = {}
    for label, value in sorted(lines, key=lambda lv: lv[1]):
        by_row.setdefault(row(value), []).append((label, value))
    ticks = [(group[0][1], "/".join(words(label) for label, _ in group)) for group in by_row.values()]
    for v in curve:
        if math.isfinite(v) and row(v) not in by_row:
            by_row[row(v)] = []
            ticks.append((v, f"{v:.3g}"))
    plt.yticks([v for v, _ in ticks], [label for _, label in ticks])


def _decade_ticks(plt, lo: float, hi: float, most: int = 5) -> None:
    """Label a log axis with powers of ten (1e-08), not plotext's 20-digit decimals, and only
    with them: data within less than two decades gets its axis widened to the decades around it."""
    if not (0 < lo <= hi < math.inf):
        return
    # only powers of ten inside the axis' range: a tick outside it lands on the axis labels
    first, last = math.ceil(math.log10(lo)), math.floor(math.log10(hi))
    if last - first < 1:
        first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        if first == last:
            last += 1
        plt.ylim(first, last)  # plotext takes a log axis' limits as exponents
    decades = list(range(first, last + 1))
    decades = decades[:: max(1, math.ceil(len(decades) / most))]
    plt.yticks([10.0**e for e in decades], [f"1e{e:+03d}" for e in decades])


def _whole_ticks(plt, lo: float, hi: float, most: int = 5) -> None:
    """Ticks at round whole numbers (1, 2 or 5 times a power of ten) for an axis of whole
    numbers (steps, distances): plotext would label it 12.2, 24.5, …"""
    steps = [k * 10**e for e in range(0, 10) for k in (1, 2, 5)]

    def count(st: int) -> int:
        return math.floor(hi / st) - math.ceil(lo / st) + 1

    # the finest round step with at most `most` ticks, but never fewer than two when one exists
    step = next((st for st in steps if count(st) <= most), steps[-1])
    if count(step) < 2:
        step = next((st for st in reversed(steps) if count(st) >= 2), step)
    ticks = [float(t * step) for t in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    if ticks:
        plt.xticks(ticks, [_tick_label(t) for t in ticks])


def _tick_label(v: float) -> str:
    if v == int(v):
        n = int(v)
        if abs(n) >= 1_000_000 and n % 100_000 == 0:
            return f"{n / 1_000_000:g}M"
        return f"{n // 1000}k" if abs(n) >= 10_000 and n % 1000 == 0 else str(n)
    return f"{v:g}"


def _finite(x: np.ndarray, y: np.ndarray, log_y: bool) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y)
    if log_y:
        ok &= y > 0
    if ok.all():
        return x, y
    return x[ok], y[ok]
