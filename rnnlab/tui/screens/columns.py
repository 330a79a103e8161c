"""The runs table's column picker: which config keys (hyperparameters) show as columns.

Keys that differ between the listed runs come first (those are the ones worth a column), the
rest below; the chosen ones stay ticked. Enter applies, Esc leaves the columns as they were.
"""

from __future__ import annotations

from typing import Optional

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from rnnlab.tui.widgets.toggles import TextSelectionList


class ColumnPicker(ModalScreen[Optional[list[str]]]):
    """Tick config keys; dismisses with the ticked keys in the offered order (None: cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "apply", "Apply", priority=True)]

    def __init__(self, varying: list[str], same: list[str], chosen: list[str]) -> None:
        super().__init__()
        self.varying, self.same, self.chosen = varying, same, chosen

    def compose(self) -> ComposeResult:
        options = [(f"{k}  (differs)", k, k in self.chosen) for k in self.varying]
        options += [(k, k, k in self.chosen) for k in self.same if k not in self.varying]
        with Vertical(id="columns-box"):
            yield Label("Hyperparameter columns of the runs table (space ticks, enter applies, esc cancels)")
            yield TextSelectionList(*options, id="columns-list")

    def on_mount(self) -> None:
        self.query_one(TextSelectionList).focus()

    def action_apply(self) -> None:
        picked = set(self.query_one(TextSelectionList).selected)
        order = self.varying + [k for k in self.same if k not in self.varying]
        # keys chosen before but not offered now (no listed run has them) are kept
        self.dismiss([k for k in order if k in picked] + [k for k in self.chosen if k not in order])

    def action_cancel(self) -> None:
        self.dismiss(None)
