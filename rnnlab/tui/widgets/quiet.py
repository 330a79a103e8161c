"""Updating a Static without a layout pass when nothing about its size can change.

`Static.update` asks for a layout of the whole screen by default; on the dashboard that turned
every data poll into a full compositor reflow and repaint of every panel. Here an unchanged
content is a no-op, and a changed one repaints in place unless its height at the widget's
width changed (the only way an auto-height note can change size).
"""

from __future__ import annotations

from typing import Union

from rich.text import Text
from textual.widgets import Static

Content = Union[str, Text]


def set_content(widget: Static, content: Content) -> None:
    old = getattr(widget, "_rnnlab_content", None)
    if old is not None and type(old) is type(content) and old == content:
        return
    widget._rnnlab_content = content  # type: ignore[attr-defined]
    if old is None:
        widget.update(content)
        return
    before = widget.content_size
    widget.update(content, layout=False)
    if before.width <= 0 or widget.get_content_height(before, widget.app.size, before.width) != before.height:
        widget.refresh(layout=True)
