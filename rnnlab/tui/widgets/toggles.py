"""A checkbox and a selection list whose state reads as text, `[x]` / `[ ]`.

Textual draws both states as the same `▐X▌` and tells them apart by colour only, which
NO_COLOR (and a colour-blind eye) loses."""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

_BUTTON = ToggleButton.BUTTON_LEFT + ToggleButton.BUTTON_INNER + ToggleButton.BUTTON_RIGHT


def box(on: bool) -> str:
    return "[x]" if on else "[ ]"


class TextCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        return Content.styled(box(self.value), self.get_visual_style("toggle--button"))


class TextSelectionList(SelectionList):
    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except Exception:
            return line
        # SelectionList prefixes each option with its three button segments; swap their text
        if len(segments) < 3 or "".join(s.text for s in segments[:3]) != _BUTTON:
            return line
        mark = box(selection.value in self._selected)
        style = segments[1].style  # the button's own style (the sides are drawn in its colour)
        swapped = [Segment(ch, style) for ch in mark]
        return Strip(swapped + segments[3:], line.cell_length)
