"""A RichLog whose lines always fit its width, so every line of it can be scrolled to.

Textual's RichLog wraps a line once, when it is written, at least `min_width` (78) cells wide,
and never again. In a log narrower than that (the dashboard's events tab at 80x24: 74 cells) or
one written at another size (the terminal resized, a tab shown later), lines ran past the right
edge, a horizontal scrollbar took the last row, and the log's end, where a finished forecasting
run's notes are, sat one row below what scrolling to the end showed. This log wraps at its own
width and, when that width changes, wraps what it holds again (and stays at its end if it was
there). Keys scroll it once it has the focus (tab, or a click); the mouse wheel always does.
"""

from __future__ import annotations

from typing import Any

from textual.events import Resize
from textual.widgets import RichLog


class WrapLog(RichLog):
    """`RichLog(wrap=True)` that re-wraps its lines at its width whenever that width changes."""

    def __init__(self, *, max_lines: int | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(wrap=True, markup=False, max_lines=max_lines, min_width=1, id=id, classes=classes)
        self._written: list[Any] = []  # what was written (kept to wrap again), at most max_lines
        self._wrapped_at = 0  # the width the lines were wrapped at
        # whether the reader is at the end: kept as they scroll, since a resize moves the end away
        # from where they are before the lines are wrapped again
        self._at_end = True

    def write(self, content: Any, *args: Any, **kwargs: Any) -> "WrapLog":  # type: ignore[override]
        if self._size_known:  # before that RichLog defers the write and replays it through here
            self._written.append(content)
            if self.max_lines is not None and len(self._written) > self.max_lines:
                del self._written[: len(self._written) - self.max_lines]
            self._wrapped_at = self.scrollable_content_region.width
        super().write(content, *args, **kwargs)
        return self

    def clear(self) -> "WrapLog":
        self._written.clear()
        super().clear()
        return self

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._at_end = new_value >= self.max_scroll_y

    def on_resize(self, event: Resize) -> None:
        # after RichLog's own handler (which replays the writes deferred until now) and the layout
        self.call_after_refresh(self.rewrap)

    def rewrap(self) -> None:
        """Wrap every line again at the log's width, if it changed since they were wrapped."""
        width = self.scrollable_content_region.width
        if not self._size_known or not width or width == self._wrapped_at or not self._written:
            return
        at_end = self._at_end or self.scroll_y >= self.max_scroll_y
        written = list(self._written)
        self.clear()
        for content in written:
            self.write(content, scroll_end=False)
        if at_end:
            self.scroll_end(animate=False, immediate=False)
