"""Line wrapping by terminal cells, with breaks between CJK characters.

Rich wraps a `Text` at spaces only (a run without spaces longer than the line is cut anywhere),
so Chinese with a few spaces in it (`LSTM 的遗忘门 f 接近 1 时…`) wrapped raggedly: a line ended
at the last space, half empty. Here a line may also break between two wide (CJK) characters, as
Chinese typesetting does, except before closing punctuation (，。、) or after an opening one
(（「); widths are terminal cells (`rich.cells.cell_len`: a CJK character takes two), so lines
are as full as the screen allows. English keeps breaking at spaces, a longer word is folded.

`CellWrap(text)` is a Rich renderable that wraps so at whatever width it is given (a Static's),
`wrap_text(text, width)` the same as a function.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable, Union

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

# kinsoku: never at the start of a line, never at its end
NO_START = set("，。、；：！？）」』】》〉…—・,.;:!?)]}%”’")
NO_END = set("（「『【《〈([{“‘")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _may_break_before(text: str, i: int) -> bool:
    """Whether a line may start at `text[i]` (0 < i < len)."""
    a, b = text[i - 1], text[i]
    if b in NO_START or a in NO_END or b.isspace():
        return False
    if a.isspace():
        return True
    return _wide(a) or _wide(b)


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` wrapped to `width` cells; spaces at a break dropped,
    newlines kept as breaks."""
    width = max(1, width)
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        spans.extend((pos + a, pos + b) for a, b in _para_spans(para, width))
        pos += len(para) + 1
    return spans


def _para_spans(text: str, width: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    n = len(text)
    start, cells, last_break = 0, 0, -1
    i = 0
    while i < n:
        ch = text[i]
        if i > start and _may_break_before(text, i):
            last_break = i
        w = cell_len(ch)
        if cells + w > width and not ch.isspace():
            cut = last_break if last_break > start else i  # no place to break: fold here
            if cut == start:  # a single character wider than the line
                cut = i + 1
            end = cut
            while end > start and text[end - 1].isspace():
                end -= 1
            out.append((start, end))
            start = cut
            while start < n and text[start] == " ":
                start += 1
            i, cells, last_break = start, 0, -1
            continue
        cells += w
        i += 1
    end = n
    while end > start and text[end - 1].isspace():
        end -= 1
    out.append((start, end))
    return out


def wrap_text(text: Union[Text, str], width: int) -> Text:
    """`text` (styles kept) with newlines where it wraps at `width` cells."""
    text = Text(text) if isinstance(text, str) else text
    lines = [text[a:b] for a, b in line_spans(text.plain, width)]
    return Text("\n").join(lines)


class CellWrap:
    """A Rich renderable: `text` wrapped by `wrap_text` to the width it is rendered at."""

    def __init__(self, text: Union[Text, str]) -> None:
        self.text = Text(text) if isinstance(text, str) else text

    def __str__(self) -> str:  # what it says, as a Text's str (tests read a Static's render())
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wrapped = wrap_text(self.text, options.max_width)
        wrapped.no_wrap = True  # already wrapped: Rich must not wrap it again at spaces
        wrapped.overflow = "crop"
        yield wrapped

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line) for line in self.text.plain.split("\n")), default=0)
        return Measurement(min(2, widest), min(options.max_width, widest))


def cells_of(lines: Iterable[str]) -> list[int]:
    """Each line's width in cells (for tests and fitting)."""
    return [cell_len(line) for line in lines]
