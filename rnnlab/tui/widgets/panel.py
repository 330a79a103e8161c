"""The dashboard panel's base: a titled box that shows a few topics of a `RunState`, redraws
only when one of them changed, and explains itself on `?`; and the view options every panel
draws with (log y, wall-clock x, smoothing). The panels themselves: rnnlab/tui/widgets/panels.py
(the training curves and probes) and rnnlab/tui/widgets/outputpanel.py (what the model outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from rnnlab.tui.state import RunState


@dataclass
class ViewOptions:
    log_y: bool = False
    x_wall: bool = False
    smoothing: float = 0.05


class Panel(Vertical):
    """A titled dashboard panel; subclasses set TOPICS, EXPLAIN and implement `redraw`."""

    TOPICS: frozenset[str] = frozenset()
    TITLE = ""
    # What the panel shows and what healthy looks like, one line, shown on `?`.
    EXPLAIN = ""
    can_focus = True  # focus (tab, click) picks the panel `?` explains

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="panel")
        from rnnlab.tui import i18n

        self.border_title = i18n.t(self.TITLE)
        self.dirty = True

    def toggle_explain(self) -> bool:
        """Show or hide the panel's explanation line at its top; True when now shown."""
        shown = self.query(".explain")
        if shown:
            shown.remove()
            return False
        from rnnlab.tui import i18n
        from rnnlab.tui.wrap import CellWrap

        self.mount(Static(CellWrap(Text("? " + i18n.t(self.EXPLAIN))), classes="explain"), before=0)
        return True

    def wants(self, changed: set[str]) -> bool:
        return bool(self.TOPICS & changed)

    def set_titles(self, title: Optional[str] = None, subtitle: Optional[str] = None) -> None:
        # setting a border title repaints the panel even when it is the same text
        if title is not None and title != self.border_title:
            self.border_title = title
        if subtitle is not None and subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def redraw(self, state: RunState, opts: ViewOptions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
