"""Updating a Static without a layout pass when nothing about its size can change.

`Static.update` asks for a layout of the whole screen by default; on the dashboard that turned
every data poll into a full compositor reflow and repaint of every panel. Here an unchanged
content is a no-op, and a changed one repaints in place unless its line count changed or a
line may now wrap (the only ways an auto-height note can change size).
"""

from __future__ import annotations

from typing import Union

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

Content = Union[str, Text]


def set_content(widget: Static, content: Content) -> None:
    old = getattr(widget, "_rnnlab_content", None)
    if old is not None and type(old) is type(content) and old == content:
        return
    widget._rnnlab_content = content  # type: ignore[attr-defined]
    widget.update(content, layout=old is None or _may_resize(old, content, widget.content_size.width))


def _may_resize(old: Content, new: Content, width: int) -> bool:
    a, b = _plain(old).split("\n"), _plain(new).split("\n")
    if len(a) != len(b):
        return True
    return any(cell_len(line) >= width for line in a + b)


def _plain(c: Content) -> str:
    return c.plain if isinstance(c, Text) else str(c)
