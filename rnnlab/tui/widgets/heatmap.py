"""A character heatmap (rows: training time, columns: distance from T) drawn straight into Rich
text. Plotext has no fast heatmap, and shade characters stay readable under NO_COLOR; a key line
says which values the lightest and darkest shade stand for. The text is built once per (matrix,
size): compositor repaints reuse it."""

from __future__ import annotations

from typing import Optional

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

# every finite value gets a visible glyph: a blank cell means no value
SHADES = "·░▒▓█"


class Heatmap(Widget):
    """Shows `matrix` (rows x cols, already log-scaled or not); `None` cells are blank."""

    DEFAULT_CSS = """
    Heatmap { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: Optional[str] = None) -> None:
        super().__init__(id=id)
        self.matrix: Optional[np.ndarray] = None
        self.caption = ""
        self.log10 = False
        self._version = 0
        self._built: tuple[Optional[tuple], Optional[Text]] = (None, None)

    def show(self, matrix: Optional[np.ndarray], caption: str = "", log10: bool = False) -> None:
        """`log10`: the matrix holds log10 values, and the shade key says what they stand for."""
        if matrix is None and self.matrix is None and caption == self.caption:
            return
        self.matrix = matrix
        self.caption = caption
        self.log10 = log10
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
        values = m[np.isfinite(m)]
        if not values.size:
            return Text("no finite values", style="dim")
        lo, hi = float(values.min()), float(values.max())
        key = f"{SHADES} {self._value(lo)}→{self._value(hi)}"
        footer = [f"{key}  {self.caption}"] if len(key) + 2 + len(self.caption) <= w else [key, self.caption]
        rows = max(1, h - len(footer))
        grid = _resample(m, rows, w)
        finite = np.isfinite(grid)
        span = hi - lo if hi > lo else 1.0
        out = Text(no_wrap=True, overflow="crop")
        for r in range(grid.shape[0]):
            for c in range(grid.shape[1]):
                v = grid[r, c]
                if not finite[r, c]:
                    out.append(" ")
                    continue
                t = (v - lo) / span
                ch = SHADES[min(len(SHADES) - 1, int(t * (len(SHADES) - 1) + 0.5))]
                out.append(ch, Style(color=_heat(t)))
            out.append("\n")
        key_text = Text()
        for i, ch in enumerate(SHADES):
            key_text.append(ch, Style(color=_heat(i / (len(SHADES) - 1))))
        key_text.append(key[len(SHADES):], style="dim")
        lines = [key_text + Text("  " + self.caption, style="dim")] if len(footer) == 1 else [key_text, Text(self.caption, style="dim")]
        for i, line in enumerate(lines[: max(0, h - grid.shape[0])]):
            if i:
                out.append("\n")
            out.append_text(line[:w])
        return out

    def _value(self, v: float) -> str:
        return f"{10.0 ** v:.0e}" if self.log10 else f"{v:.3g}"


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
