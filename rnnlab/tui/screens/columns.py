"""The runs table's hyperparameter columns: which config keys show as columns (`H` on Home).

`ColumnPicker` offers the keys that differ between the listed runs first (those are the ones
worth a column), the rest below; the chosen ones stay ticked. Enter applies, Esc leaves the
columns as they were. `HParamColumns` is Home's side: the columns, the picker's action, the keys
a `/` filter may compare.
"""

from __future__ import annotations

from typing import Any, Optional

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from rnnlab.errors import UserError
from rnnlab.tui import labsettings
from rnnlab.tui.i18n import t
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.widgets.toggles import TextSelectionList

# Home's own columns (the chosen config keys go after the metric, the fifth)
BASE_COLUMNS = (" ", "name", "id", "status", "metric", "step", "cell", "task", "tok/s", "tags")


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
            yield Label(t("Hyperparameter columns of the runs table (space ticks, enter applies, esc cancels)"))
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


class HParamColumns:
    """Home's hyperparameter columns; the screen has `root`, `flats` (run id -> flat config),
    `infos`, `hp_columns`, `_rows`, `_columns()` and `_show()`."""

    root: Any
    flats: dict
    infos: dict
    hp_columns: list

    sort: int

    def sort_spec(self) -> tuple[Optional[str], str, bool]:
        """(column key, label, descending?) of the sort: runfilter.SORTS's, then each chosen
        hyperparameter column, ascending."""
        from rnnlab.runs.hparams import short_names
        from rnnlab.tui.runfilter import SORTS

        if self.sort < len(SORTS):
            col, label, _, desc = SORTS[self.sort]
            return col, label, desc
        key = self.hp_columns[self.sort - len(SORTS)]
        return "hp:" + key, short_names(self.hp_columns)[key], False

    def sorted_infos(self, infos: list) -> list:
        """`infos` in the sort's order; by a hyperparameter: numbers, then text, then runs without it."""
        from rnnlab.tui.runfilter import SORTS, sort_infos

        if self.sort < len(SORTS):
            return sort_infos(infos, self.sort)
        key = self.hp_columns[self.sort - len(SORTS)]

        def rank(info: Any) -> tuple:
            v = self.flats.get(info.run_id, {}).get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return (0, float(v), "")
            return (1, 0.0, str(v)) if v is not None else (2, 0.0, "")

        return sorted(infos, key=rank)

    @property
    def columns(self) -> tuple:
        return BASE_COLUMNS[:5] + tuple("hp:" + k for k in self.hp_columns) + BASE_COLUMNS[5:]

    def _sorts(self) -> int:
        from rnnlab.tui.runfilter import SORTS

        return len(SORTS) + len(self.hp_columns)

    def filter_keys(self) -> set[str]:
        """The metric and config keys of the listed runs (what a filter may compare)."""
        keys = {k for flat in self.flats.values() for k in flat}
        return keys | {k for i in self.infos.values() for k in (i.latest or {})}

    def action_columns(self) -> None:
        from rnnlab.runs.hparams import varying

        flats = list(self.flats.values())
        every = sorted({k for f in flats for k in f})

        def done(keys: list[str] | None) -> None:
            if keys is None or keys == self.hp_columns:
                return
            self.hp_columns = keys
            self.sort = 0 if self.sort >= self._sorts() else self.sort
            self._rows = {}
            self._columns()
            self._show()
            try:
                labsettings.save(self.root, columns=keys)
            except UserError as err:
                self.notify(translate(str(err)), severity="warning")

        self.app.push_screen(ColumnPicker(varying(flats) if len(flats) > 1 else [], every, self.hp_columns), done)
