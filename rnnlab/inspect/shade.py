"""Text shaded by unit activations, as Rich text for the CLI and the lab (torch-free).

With colour each unit is one row of the text whose characters sit on a diverging background:
blue below the unit's centre, red above, pale near it (Karpathy et al. 2015's figures). Without
colour (NO_COLOR, a pipe) the text is printed once and every unit gets a row of a symbol ramp
under it, ▁ the lowest value through █ the highest, so the rows still read as shading.
Several units stack row by row under each line of text.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
from rich.style import Style
from rich.text import Text

RAMP = "▁▂▃▄▅▆▇█"
SIGMOID_STATES = frozenset("ifo" "rz")


def glyph(ch: str) -> str:
    """One visible cell per character: newlines and tabs become arrows so they keep a column."""
    if ch == "\n":
        return "↵"
    if ch == "\t":
        return "→"
    return ch if ch.isprintable() else "·"


def centre(state: str) -> float:
    return 0.5 if state in SIGMOID_STATES else 0.0


def normalise(values: np.ndarray, state: str) -> np.ndarray:
    """Values in [0, 1], 0.5 at the state's centre, ±the largest deviation at the ends."""
    c = centre(state)
    dev = np.abs(values - c)
    scale = float(dev.max()) if dev.size and dev.max() > 1e-12 else 1.0
    return np.clip(0.5 + (values - c) / (2 * scale), 0.0, 1.0)


def diverging(t: float) -> str:
    """Blue (0) → pale (0.5) → red (1)."""
    t = min(max(t, 0.0), 1.0)
    if t < 0.5:
        k = t / 0.5
        return f"rgb({int(40 + 205 * k)},{int(90 + 155 * k)},{int(220 + 25 * k)})"
    k = (t - 0.5) / 0.5
    return f"rgb({245 - int(25 * k)},{245 - int(195 * k)},{245 - int(205 * k)})"


def ramp(t: float) -> str:
    return RAMP[min(len(RAMP) - 1, int(t * len(RAMP)))]


def chunks(text: str, width: int) -> list[range]:
    """Character index ranges of the display lines: a line ends after a newline or at `width`."""
    out: list[range] = []
    start = 0
    for i, ch in enumerate(text):
        if ch == "\n" or i + 1 - start >= width:
            out.append(range(start, i + 1))
            start = i + 1
    if start < len(text):
        out.append(range(start, len(text)))
    return out


def shaded(text: str, rows: Sequence[tuple[str, np.ndarray]], state: str, width: int, colour: bool,
           marks: Optional[Iterable[int]] = None, max_lines: Optional[int] = None) -> Text:
    """`rows`: (label, activations per character) for each unit, stacked under each line of
    `text`. `marks`: characters to mark (a span, a match): underlined with colour, a ‾ row without."""
    label_w = max([len(lbl) for lbl, _ in rows] + [1]) + 1
    body = max(8, width - label_w)
    levels = [normalise(np.asarray(a, dtype=float), state) for _, a in rows]
    marked = set(marks or ())
    out = Text(no_wrap=True, overflow="crop")
    lines = 0
    for chunk in chunks(text, body):
        if max_lines is not None and lines >= max_lines:
            break
        if lines:
            out.append("\n")
        if not colour:
            out.append(" " * label_w)
            out.append("".join(glyph(text[i]) for i in chunk))
            if marked & set(chunk):
                out.append("\n" + " " * label_w + "".join("‾" if i in marked else " " for i in chunk))
        for k, ((label, _), lv) in enumerate(zip(rows, levels)):
            if k or not colour:
                out.append("\n")
            out.append(f"{label:<{label_w}}", style="dim")
            for i in chunk:
                if colour:
                    t = float(lv[i])
                    style = Style(bgcolor=diverging(t), color="black", underline=i in marked)
                    out.append(glyph(text[i]), style)
                else:
                    out.append(ramp(float(lv[i])))
        lines += 1
    return out


def key(state: str, colour: bool) -> Text:
    """What the shades stand for."""
    c = centre(state)
    out = Text("key: ", style="dim")
    if colour:
        for t in np.linspace(0, 1, 9):
            out.append(" ", Style(bgcolor=diverging(float(t))))
    else:
        out.append(RAMP)
    out.append(f"  low → high per unit, centre {c:g}", style="dim")
    return out


HEAT = "·░▒▓█"  # the lab's heatmap glyphs (tui/widgets/heatmap.py)


WORD_LABEL = 8  # widest row label of a word-level map


def token_label(piece: str, words: bool = False) -> str:
    """A position's label in an attention map: its character, or for a word-level run
    (`words`) the token itself, cut at WORD_LABEL, a run of blanks as ␣ so it stays visible."""
    if not words:
        return glyph(piece[:1]) if piece else " "
    if piece and piece.strip(" ") == "":
        return "␣" * min(len(piece), 3)
    return "".join(glyph(c) for c in piece)[:WORD_LABEL]


def _words(pieces: Sequence[str]) -> bool:
    return any(len(p) > 1 for p in pieces)


def label_width(pieces: Sequence[str]) -> int:
    """Columns of a map's row labels: 2 for characters, up to WORD_LABEL for words."""
    words = _words(pieces)
    return max([2] + [len(token_label(p, words)) for p in pieces])


def heat_rows(pieces: Sequence[str], weights: np.ndarray, colour: bool) -> Text:
    """An attention map as text: one row per query position (labelled with its character, or
    its word for a word-level run), one column per key position (its first character), shaded
    by weight from 0 (·) to 1 (█); blank above the diagonal, where a causal model cannot look."""
    text = [glyph(p[:1]) if p else " " for p in pieces]
    labels = [token_label(p, _words(pieces)) for p in pieces]
    lw = label_width(pieces)
    out = Text(no_wrap=True, overflow="crop")
    T = weights.shape[0]
    out.append(" " * (lw + 2) + "".join(text[:T]) + "\n", style="dim")
    for t in range(T):
        out.append(f"{labels[t]:>{lw}}  ", style="dim")
        for s in range(T):
            if s > t:
                out.append(" ")
                continue
            w = float(weights[t, s])
            ch = HEAT[min(len(HEAT) - 1, int(round(w * (len(HEAT) - 1))))] if w > 0 else " "
            out.append(ch, Style(color=diverging(0.5 + w / 2)) if colour else None)
        top = int(np.argmax(weights[t, : t + 1]))
        out.append(f"  → {labels[top]} @{top} {weights[t, top]:.2f}", style="dim")
        if t + 1 < T:
            out.append("\n")
    return out
