"""Faster drop-ins for plotext's hot paths, producing exactly what plotext produces.

A plot rebuild used to cost ~10 ms (up to ~60 ms for eight braille series at 160x48), almost all
in two places: plotext's pure-Python figure build (joining points into lines point by point,
grouping dots into braille cells) and the round trip through ANSI text (plotext writes escape
codes, Rich parses them back, Textual converts Rich's spans to its own).

- `install()` swaps three functions of `plotext._utility` for numpy versions: `get_matrix_data`
  (data to canvas coordinates), `get_lines` (the points joining consecutive data points) and
  `hd_group` (dots to braille/hd cells). Each returns the same lists, element for element, as
  plotext's own (same float operations in the same order), and hands anything it was not written
  for (non-numeric data, mixed marker sizes) to the original, kept in `ORIGINALS`.
  tests/test_tui_fastplot.py checks them against the originals on random inputs.
- `matrix_content(matrix)` turns plotext's character/colour matrices straight into the Textual
  `Content` that `Content.from_rich_text(Text.from_ansi(canvas))` gives for plotext's ANSI canvas:
  same text, one span per colour run, each span's style parsed once per colour triple from the
  very escape codes plotext would have written.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import plotext._utility as ut
from rich.text import Text
from textual.content import Content, Span
from textual.style import Style

ORIGINALS = {name: getattr(ut, name) for name in ("get_matrix_data", "get_lines", "hd_group", "no_duplicates")}

_ROUND_SCALE = 10**8  # plotext rounds canvas coordinates to 8 digits (its `round(n, 8)`)
_ROUND_BACK = 10 ** (-8)


def _ints(values: list) -> bool:
    return set(map(type, values)) <= {int}


def _floats(values: list) -> bool:
    return set(map(type, values)) <= {int, float} and not any(v != v for v in values)


def get_matrix_data(data, lim, bins):
    """plotext's `get_matrix_data`: data values to integer canvas coordinates."""
    if not data or not _floats(data) or not _floats(list(lim)) or type(bins) is not int:
        return ORIGINALS["get_matrix_data"](data, lim, bins)
    if max(abs(v) for v in data) > 2**52:  # ints past float precision: leave python's exact arithmetic alone
        return ORIGINALS["get_matrix_data"](data, lim, bins)
    el = np.array(data, dtype=np.float64)
    with np.errstate(all="ignore"):
        change = 0.5 + float(bins - 1) * (el - lim[0]) / (lim[1] - lim[0])
        n = change * float(_ROUND_SCALE)
        f = np.floor(n)
        r = np.where(n - f < 0.5, f, np.ceil(n))
        out = np.floor(r * _ROUND_BACK)
    if not np.isfinite(out).all() or np.abs(out).max() > 2**52:
        return ORIGINALS["get_matrix_data"](data, lim, bins)
    return out.astype(np.int64).tolist()


def get_lines(x, y, *other):
    """plotext's `get_lines`: every canvas point on the straight segments between data points."""
    if not other or len(x) < 2 or len(x) != len(y) or not _ints(x) or not _ints(y) or any(len(o) != len(x) for o in other):
        return ORIGINALS["get_lines"](x, y, *other)
    xa, ya = np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)
    x0, x1, y0, y1 = xa[:-1], xa[1:], ya[:-1], ya[1:]
    dx, dy = x1 - x0, y1 - y0
    a = np.maximum(np.abs(dx), np.abs(dy)) + 1
    count = a - 1  # each segment drops its last point (the next segment's first)
    total = int(count.sum())
    seg = np.repeat(np.arange(len(count)), count)
    starts = np.cumsum(count) - count
    i = (np.arange(total) - np.repeat(starts, count)).astype(np.float64)
    denom = np.maximum(a - 1, 1)[seg].astype(np.float64)
    # plotext: lower + i * slope with slope = (upper - lower) / (length - 1); int() truncates
    xs = x0[seg].astype(np.float64) + i * ((dx[seg].astype(np.float64)) / denom)
    ys = y0[seg].astype(np.float64) + i * ((dy[seg].astype(np.float64)) / denom)
    xl = np.trunc(xs).astype(np.int64).tolist() + [x[-1]]
    yl = np.trunc(ys).astype(np.int64).tolist() + [y[-1]]
    idx = seg.tolist()
    others = [[o[k] for k in idx] + [o[-1]] for o in other]
    return [xl, yl] + others


def hd_group(x, y, xf, yf):
    """plotext's `hd_group`: canvas dots to (cell x, cell y, dot pattern) of hd/braille markers."""
    l = len(x)
    if not l or len(y) != l or not _ints(x) or not _ints(y) or len(set(xf)) != 1 or len(set(yf)) != 1:
        return ORIGINALS["hd_group"](x, y, xf, yf)
    fx, fy = xf[0], yf[0]
    xa, ya = np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)
    xm, ym = xa // fx, ya // fy
    span = int(ym.max() - ym.min()) + 1
    key = (xm - xm.min()) * span + (ym - ym.min())
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # plotext's dict keeps first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    cell = rank[inv.reshape(-1)]
    # the pattern lists the dot rows top first: row (fy - 1 - y % fy), column x % fx
    pos = (fy - 1 - ya % fy) * fx + xa % fx
    pattern = np.zeros((len(uniq), fx * fy), dtype=np.int64)
    pattern[cell, pos] = 1
    firsts = first[order]
    return xm[firsts].tolist(), ym[firsts].tolist(), [tuple(p) for p in pattern.tolist()]


def no_duplicates(data) -> list:
    """plotext's `no_duplicates` keeping first-seen order. Its own `list(set(...))` orders points by
    the string hash seed, and where two points land on one cell the later one is drawn: the same
    data drew differently in each process (a snapshot differed between runs)."""
    return list(dict.fromkeys(data))


def install() -> None:
    """Point plotext's build at the fast versions (idempotent; plotext looks them up per call)."""
    ut.get_matrix_data, ut.get_lines, ut.hd_group = get_matrix_data, get_lines, hd_group
    ut.no_duplicates = no_duplicates


# Holds the second cell of a two-cell (CJK) character in plotext's one-character-per-cell matrix
# (plot.words puts it there); dropped from the text, so each row keeps the widget's width.
WIDE_FILL = "\u2060"

_styles: dict[int, tuple[object, dict]] = {}


def _span_style(triple: tuple, ansi_theme) -> Style | None:
    """The Textual style `from_ansi` + `from_rich_text` give a run plotext paints with `triple`."""
    held = _styles.get(id(ansi_theme))
    if held is None or held[0] is not ansi_theme:
        held = _styles[id(ansi_theme)] = (ansi_theme, {})
    memo = held[1]
    try:
        return memo[triple]
    except KeyError:
        pass
    except TypeError:
        # an RGB colour held as a list: plotext's own memoised `colors_to_ansi` cannot take it
        # either, and as a tuple it means the same colour
        triple = tuple(tuple(c) if isinstance(c, list) else c for c in triple)
        if triple in memo:
            return memo[triple]
    code = ut.colors_to_ansi(*triple)
    style = None
    if code:
        spans = Text.from_ansi(code + "x").spans
        if spans:
            style = Style.from_rich_style(spans[0].style, ansi_theme)
    memo[triple] = style
    return style


def matrix_content(matrix, ansi_theme=None) -> Content:
    """Content of plotext's `matrix_class` as `Content.from_rich_text(Text.from_ansi(canvas))`."""
    rows_text: list[str] = []
    spans: list[Span] = []
    offset = 0
    for row in range(matrix.rows - 1, -1, -1):
        markers = matrix.marker[row]
        colors = zip(matrix.fullground[row], matrix.style[row], matrix.background[row])
        col = 0
        pos = offset
        for triple, run in itertools.groupby(colors):
            n = sum(1 for _ in run)
            chars = "".join(markers[col : col + n]).replace(WIDE_FILL, "")
            col += n
            style = _span_style(triple, ansi_theme)
            if style is not None and chars:
                spans.append(Span(pos, pos + len(chars), style))
            pos += len(chars)
        line = "".join(markers).replace(WIDE_FILL, "")
        rows_text.append(line)
        offset += len(line) + 1
    rows_text.append("")  # plotext ends the canvas with a newline
    return Content("\n".join(rows_text), spans)
