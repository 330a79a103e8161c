"""A character heatmap (rows: training time, columns: distance from T) drawn straight into Rich
text. Plotext has no fast heatmap, and shade characters stay readable under NO_COLOR. The text is
built once per (matrix, size): compositor repaints reuse it."""

from __future__ import annotations

from typing import Optional

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

SHADES = " ░▒▓█"


class Heatmap(Widget):
    """Shows `matrix` (rows x cols, already log-scaled or not); `None` cells are blank."""

    DEFAULT_CSS = """
    Heatmap { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self.matrix: Optional[np.ndarray] = None
        self.caption = ""
        self._version = 0
        self._built: tuple[Optional[tuple], Optional[Text]] = (None, None)

    def show(self, matrix: Optional[np.ndarray], caption: str = "") -> None:
        if matrix is None and self.matrix is None and caption == self.caption:
            return
        self.matrix = matrix
        self.caption = caption
        self._version += 1
        self.refresh()

    def render(self) -> Text:
        key = (self._version, self.size.width, self.size.height)
        if self._built[0] != key:
            self._built = (key, self._render_text())
        return self._built[1]

    def _render_text(self) -> Text:
        w, h = self.size.width, self.size.height
        m = self.matrix
        if m is None or m.size == 0 or w < 2 or h < 2:
            return Text("no gradient-flow probes yet", style="dim")
        rows = h - 1
        grid = _resample(m, rows, w)
        finite = np.isfinite(grid)
        if not finite.any():
            return Text("no finite values", style="dim")
        lo, hi = float(np.min(grid[finite])), float(np.max(grid[finite]))
        span = hi - lo if hi > lo else 1.0
        out = Text(no_wrap=True, overflow="crop")
        for r in range(grid.shape[0]):
            for c in range(grid.shape[1]):
                v = grid[r, c]
                if not np.isfinite(v):
                    out.append(" ")
                    continue
                t = (v - lo) / span
                ch = SHADES[min(len(SHADES) - 1, int(t * (len(SHADES) - 1) + 0.5))]
                out.append(ch, Style(color=_heat(t)))
            out.append("\n")
        out.append(self.caption[:w], style="dim")
        return out


def _resample(m: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Nearest-neighbour resample to (rows, cols); the newest probe is the bottom row."""
    r_idx = np.linspace(0, m.shape[0] - 1, min(rows, m.shape[0])).round().astype(int)
    c_idx = np.linspace(0, m.shape[1] - 1, cols).round().astype(int)
    return m[np.ix_(r_idx, c_idx)]


def _heat(t: float) -> str:
    # Blue (vanishing) to red (exploding) through yellow.
    t = min(max(t, 0.0), 1.0)
    r = int(255 * min(1.0, 2 * t))
    g = int(255 * (1 - abs(2 * t - 1)))
    b = int(255 * max(0.0, 1 - 2 * t))
    return f"rgb({r},{g},{b})"
