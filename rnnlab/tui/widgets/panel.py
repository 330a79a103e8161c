"""The dashboard panel's base: a titled box that shows a few topics of a `RunState`, redraws
only when one of them changed, and explains itself on `?`; and the view options every panel
draws with (log y, wall-clock x, smoothing). The panels themselves: rnnlab/tui/widgets/panels.py
(the training curves and probes) and rnnlab/tui/widgets/outputpanel.py (what the model outputs).
A panel's lines that may not fit its rows go in a `ScrollBody`: the wheel scrolls it, and the
arrow, page, home and end keys do while its panel has the focus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from rnnlab.tui.state import RunState


@dataclass
class ViewOptions:
    log_y: bool = False
    x_wall: bool = False
    smoothing: float = 0.05


class ScrollBody(VerticalScroll, can_focus=False):
    """The lines of a panel that may be more than its rows (the gates of a deep LSTM, the
    per-layer norms): cut off below the border, they were out of reach. Not focusable itself:
    tab still stops at the panel, whose keys scroll it (`Panel.action_scroll_body`)."""


class Panel(Vertical):
    """A titled dashboard panel; subclasses set TOPICS, EXPLAIN and implement `redraw`."""

    BINDINGS = [
        Binding(key, f"scroll_body('{action}')", show=False)
        for key, action in (("up", "scroll_up"), ("down", "scroll_down"), ("pageup", "page_up"),
                            ("pagedown", "page_down"), ("home", "scroll_home"), ("end", "scroll_end"))
    ]

    TOPICS: frozenset[str] = frozenset()
    TITLE = ""
    # A shorter title, shown where TITLE does not fit on the border (a grid's third of 120 columns)
    SHORT_TITLE = ""
    # What the panel shows and what healthy looks like, one line, shown on `?`.
    EXPLAIN = ""
    can_focus = True  # focus (tab, click) picks the panel `?` explains

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="panel")
        from rnnlab.tui import i18n

        self.border_title = i18n.t(self.TITLE)
        self.dirty = True
        # the wordings of the title and subtitle, longest first: the first that fits is shown
        self._wordings: dict[str, tuple[str, ...]] = {}
        if self.SHORT_TITLE:
            self._wordings["title"] = (i18n.t(self.TITLE), i18n.t(self.SHORT_TITLE))

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

    def action_scroll_body(self, action: str) -> None:
        """Scroll the panel's `ScrollBody`, if it has one (`action` is one of its scroll actions)."""
        for body in self.query(ScrollBody):
            getattr(body, f"action_{action}")()

    def wants(self, changed: set[str]) -> bool:
        return bool(self.TOPICS & changed)

    def set_titles(self, title: Union[str, tuple[str, ...], None] = None,
                   subtitle: Union[str, tuple[str, ...], None] = None) -> None:
        """Set the border's title and subtitle. Either may be a tuple of wordings, longest first:
        the longest that fits the panel's width is shown, and chosen again when the width changes
        (Textual cuts a border title that does not fit, often through its key word)."""
        for which, text in (("title", title), ("subtitle", subtitle)):
            if text is not None:
                self._wordings[which] = (text,) if isinstance(text, str) else text
        self._fit_titles()

    def _fit_titles(self) -> None:
        room = self.outer_size.width - 6  # the border's corners, its first dash and a space either side
        for which, wordings in self._wordings.items():
            shown = next((w for w in wordings if room <= 0 or cell_len(w) <= room), wordings[-1])
            # setting a border title repaints the panel even when it is the same text
            if shown != getattr(self, f"border_{which}"):
                setattr(self, f"border_{which}", shown)

    def on_resize(self) -> None:
        self._fit_titles()

    def redraw(self, state: RunState, opts: ViewOptions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
