"""Home: every run under the runs root, live, with the actions on them.

At a thousand runs: the listing thread reads only the runs whose store changed (`RunLister`)
and shows the newest page before the rest is read; the table is updated cell by cell when the
rows stay the same and in the same order, and rebuilt only when they do not. `/` filters
(rnnlab/tui/runfilter.py: words, fields, `lr>1e-3 val_bpc<2`), `S` cycles the sort column,
`t`/`T` edit the tags and note, `H` picks hyperparameter columns (remembered per runs root in
rnnlab/tui/labsettings.py; values from rnnlab/runs/hparams.py, read in the listing thread).
A row's cells are made in rnnlab/tui/screens/homerows.py, the key actions on the runs live in
rnnlab/tui/screens/homekeys.py.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from rnnlab.errors import UserError
from rnnlab.tui import actions, labsettings, runfilter, sweeprows
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.screens.columns import BASE_COLUMNS, HParamColumns
from rnnlab.tui.screens.homekeys import HomeKeys
from rnnlab.tui.screens.homerows import row_of, short_ids  # (short_ids: imported from here too)
from rnnlab.tui.widgets.quiet import set_content as set_text
from rnnlab.tui.widgets.rowtable import RowTable

LIST_INTERVAL = 1.0


COLUMNS = BASE_COLUMNS  # (defined beside the hyperparameter columns, which go after the metric)


class Home(HomeKeys, HParamColumns, actions.RunActions, Screen):
    """The runs in the runs root."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("enter,o", "open", "Open"),
        Binding("L", "lessons", "Lessons"),  # early: the footer cuts from the right at 80 columns
        Binding("f2", "app.toggle_language", "EN/中文"),  # the interface language, live; early too
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("s", "stop", "Stop"),
        Binding("r", "resume", "Resume"),
        Binding("d", "delete", "Delete"),
        Binding("y", "app.system", "System", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("S", "sort", "Sort"),
        Binding("t", "tags", "Tags"),
        Binding("T", "note", "Note"),
        Binding("H", "columns", "Columns", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("q", "app.quit", "Quit"),
    ]
    KEYS_HELP = {
        "/": "filter: " + runfilter.SYNTAX + "; enter keeps it, esc clears it",
        "S": "sort by the next column (newest, name, status, metric, step, cell, task, tok/s, then the hyperparameter columns); ▲/▼ marks it",
        "t / T": "edit the highlighted run's tags / note (also `rnnlab tag`, `rnnlab note`)",
        "H": "hyperparameter columns: tick config keys (those that differ first); remembered for this runs root",
        "home / end": "the first / last run (shift+home / shift+end: the leftmost / rightmost column)",
    }

    @dataclass
    class Listed(Message):
        """A fresh listing of the runs root (only the latest one matters)."""

        infos: list
        error: str = ""
        sweeps: list = field(default_factory=list)  # this runs dir's sweep records
        partial: bool = False  # the newest page only; the rest is being read
        hparams: dict = field(default_factory=dict)  # run id -> flat config (rnnlab/runs/hparams.py)

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Home.Listed)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.infos: dict[str, Any] = {}
        self.marked: set[str] = set()
        self.sweeps: dict[str, Any] = {}  # header row key -> sweep record
        self._listed: Optional[Home.Listed] = None  # the latest listing, re-shown on filter/sort changes
        self._shown: Optional[list[tuple]] = None  # None: redraw the table on the next listing
        self._keys: list[str] = []  # row keys in the table, in order
        self.filter_text = ""
        self._match = None  # the filter's predicate, None: every run
        self._filter_error = ""  # what is wrong with the text typed (the last good filter stays)
        self.sort = 0  # index into runfilter.SORTS, then into the hyperparameter columns
        self._rows: dict[str, tuple] = {}  # run id -> (info, marked, shown id, row, row as str)
        self._ids: tuple = ((), {})  # (run ids, their short_ids)
        self._lister = None
        self._lister_lock = threading.Lock()  # a cancelled listing thread may still be finishing
        self._hparams = None  # the listing thread's HParams cache
        self.hp_columns: list[str] = labsettings.columns(root)  # chosen config keys, shown after the metric
        self.flats: dict[str, dict] = {}  # run id -> flat config, from the latest listing

    def compose(self) -> ComposeResult:
        yield Static(id="home-title")
        yield RowTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="home-note")
        yield Static(id="home-hint")
        yield Input(placeholder=t("filter: ") + t(runfilter.SYNTAX), id="home-filter")
        yield Footer()

    def on_resize(self) -> None:
        self._fit_footer()

    def relabel(self) -> None:
        """Say everything again in the interface language (the lab's language switch)."""
        self._rows = {}  # the rows' statuses are said in the language too
        self._columns()
        self._show()  # the title too
        self._note()

    def _fit_footer(self) -> None:
        """Below 100 columns the footer is compact and leaves ctrl+p to the help, as the
        dashboard's: the keys that fit stay whole."""
        narrow = self.app.size.width < 100
        footer = self.query_one(Footer)
        footer.compact = narrow
        footer.show_command_palette = not narrow

    def on_mount(self) -> None:
        self._fit_footer()
        self._columns()
        self._title(0, 0)
        self.query_one("#home-hint", Static).update(Text(t("reading runs…"), style="dim"))
        self.query_one(DataTable).focus()
        self.watch_runs()

    def _columns(self) -> None:
        """(Re)make the columns, the sorted one marked ▲ (ascending) or ▼ (descending)."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        col, _, desc = self.sort_spec()
        from rnnlab.runs.hparams import short_names

        short = short_names(self.hp_columns)
        for label in self.columns:
            shown = short.get(label[3:], label) if label.startswith("hp:") else t(label)
            table.add_column(f"{shown} {'▼' if desc else '▲'}" if label == col else shown, key=label)
        self._shown, self._keys = None, []

    def _title(self, shown: int, total: int) -> None:
        root = self.root if self.root.is_absolute() else "./" + str(self.root)
        title = Text(tf("runs in {root}", root=root), style="bold")
        if self.filter_text:
            title.append(tf("  {shown} of {total} match ", shown=shown, total=total), style="")
            title.append(self.filter_text, style="italic")
        if self.sort:
            col, label, desc = self.sort_spec()
            title.append(tf("  sorted by {label} {arrow}", label=t(label), arrow="▼" if desc else "▲"), style="dim")
        set_text(self.query_one("#home-title", Static), title)

    @work(thread=True, group="list", exclusive=True, exit_on_error=False)
    def watch_runs(self) -> None:
        from rnnlab.runs.listing import RunLister

        worker = get_current_worker()
        while not worker.is_cancelled:
            # under a dashboard or compare view the list waits; on_screen_resume catches up
            if self.is_current:
                try:
                    from rnnlab.sweeps.record import list_sweeps

                    sweeps = list_sweeps(self.root)
                    sweeprows.read_studies(sweeps, read=False)  # sweep rows count from their study
                    with self._lister_lock:
                        if self._lister is None:
                            from rnnlab.runs.hparams import HParams

                            self._lister, self._hparams = RunLister(self.root), HParams()
                        infos = self._lister.list(lambda page: self._first_page(page, sweeps))
                        flats = {i.run_id: self._hparams.of(i.dir) for i in infos}
                    self.post_message(self.Listed(infos, sweeps=sweeps, hparams=flats))
                    if sweeprows.read_studies(sweeps):  # a study read anew (Optuna): show it now
                        self.post_message(self.Listed(infos, sweeps=sweeps, hparams=flats))
                except Exception as err:
                    self.post_message(self.Listed([], f"{type(err).__name__}: {err}"))
            time.sleep(LIST_INTERVAL)

    def _first_page(self, page: list, sweeps: list) -> None:
        flats = {i.run_id: self._hparams.of(i.dir) for i in page}
        self.post_message(self.Listed(page, sweeps=sweeps, partial=True, hparams=flats))
        # let the UI thread show it before reading the rest takes the GIL back (reading a
        # thousand stores is ~0.3 s of mostly Python)
        time.sleep(0.1)

    def on_screen_resume(self) -> None:
        self.watch_runs()

    def on_home_listed(self, msg: Listed) -> None:
        if msg.partial and self._listed is not None and not self._listed.partial:
            return  # a full listing is already shown
        self._listed = msg
        if self._filter_error and not msg.partial:
            self.flats = msg.hparams
            self.infos = {i.run_id: i for i in msg.infos}
            # a key typed before the runs were read (`lr>1e-3`) is known now
            self.apply_filter(self.query_one("#home-filter", Input).value)
            return
        self._show()

    def _show(self) -> None:
        """Fill the table from the latest listing, through the filter and the sort."""
        msg = self._listed
        if msg is None:
            return
        self.infos = {i.run_id: i for i in msg.infos}
        self.flats = msg.hparams
        if len(self._rows) > len(self.infos):  # runs were removed: forget their rows
            self._rows = {k: v for k, v in self._rows.items() if k in self.infos}
        sweep_names = {r.sweep_id: r.name for r in msg.sweeps}
        infos = [i for i in msg.infos if self._match(i)] if self._match else msg.infos
        ids = tuple(i.run_id for i in msg.infos)
        if ids != self._ids[0]:
            self._ids = (ids, short_ids(list(ids)))
        shown_ids = self._ids[1]
        if self.sort:
            # a flat list: sorted trials leave their sweep's group
            keyed = [(i.run_id, self._row_of(i, i.run_id in self.marked, shown_ids.get(i.run_id)))
                     for i in self.sorted_infos(infos)]
        else:
            sweeps = msg.sweeps
            if self._match:  # a sweep header only over its matching trials
                kept = {i.sweep for i in infos}
                sweeps = [r for r in sweeps if r.sweep_id in kept]
            keyed = sweeprows.grouped(infos, sweeps, self._row_of, self.marked, shown_ids)
        self.sweeps = {sweeprows.SWEEP_KEY + r.sweep_id: r for r in msg.sweeps}
        self._title(len(infos), len(msg.infos))
        hint = self.query_one("#home-hint", Static)
        error = msg.error or self._filter_error
        hint.display = not keyed or bool(error)
        if error:
            hint.update(Text(translate(error), style="red"))
        elif not keyed:
            hint.update(Text(t("no run matches the filter (esc clears it)") if msg.infos else
                             t("no runs yet: press n for a new experiment"), style="dim"))
        self._fill(keyed)
        self._note()

    def _row_of(self, info: Any, marked: bool, shown_id: str | None) -> tuple:
        """`row_of`, made again only for a run whose info changed: the lister hands back the
        same RunInfo object for a run whose store did not move."""
        cached = self._rows.get(info.run_id)
        flat = self.flats.get(info.run_id, {})
        from rnnlab.runs.hparams import fmt

        hp = tuple(fmt(flat.get(k)) for k in self.hp_columns)
        cached = self._rows.get(info.run_id)
        if cached is not None and cached[0] is info and cached[1] == marked and cached[2] == shown_id and cached[5] == hp:
            return cached[3]
        row = row_of(info, marked, shown_id, hp)
        self._rows[info.run_id] = (info, marked, shown_id, row, tuple(map(str, row)), hp)
        return row

    def _strs(self, key: str, row: tuple) -> tuple:
        cached = self._rows.get(key)
        return cached[4] if cached is not None and cached[3] is row else tuple(map(str, row))

    def _fill(self, keyed: list[tuple[str, tuple]]) -> None:
        """Show `keyed` rows: changed cells only when the rows are the same ones in the same
        order (the steady state of a live listing), else the whole table."""
        shown = [self._strs(k, r) for k, r in keyed]
        if shown == self._shown:
            return
        table = self.query_one(DataTable)
        keys = [k for k, _ in keyed]
        if keys == self._keys and self._shown is not None:
            for (key, row), new, old in zip(keyed, shown, self._shown):
                if new != old:
                    for col, value, a, b in zip(self.columns, row, new, old):
                        if a != b:
                            table.update_cell(key, col, value, update_width=True)  # a value grown past its column (0.224 shown as `0`, 400/4)
            self._shown = shown
            return
        self._shown, self._keys = shown, keys
        current = self.current_id()
        table.clear()
        for key, row in keyed:
            table.add_row(*row, key=key)
        if current in keys:
            table.move_cursor(row=keys.index(current), scroll=False)

    def _note(self) -> None:
        """The highlighted run's note under the table (its first line)."""
        info = self._current()
        note = getattr(info, "note", "") if info is not None else ""
        widget = self.query_one("#home-note", Static)
        widget.display = bool(note)
        if note:
            set_text(widget, Text(t("note: ") + note.splitlines()[0], style="italic"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._note()

    def current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def _current(self) -> Any:
        rid = self.current_id()
        return self.infos.get(rid) if rid else None

    def _refresh(self) -> None:
        self._shown = None
        self.watch_runs()

    # ------------------------------------------------------------------ filter, sort

    def action_filter(self) -> None:
        box = self.query_one("#home-filter", Input)
        box.add_class("-shown")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#home-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(Input.Submitted, "#home-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#home-filter", Input).remove_class("-shown")
        self.query_one(DataTable).focus()

    def apply_filter(self, text: str) -> None:
        """Show only the runs `text` matches (runfilter syntax); a mistake is said in the hint
        line and the last good filter stays."""
        try:
            terms = runfilter.parse(text, self.filter_keys())
        except UserError as err:
            self._filter_error = str(err)
            self._show()
            return
        self._filter_error = ""
        names = {r.sweep_id: r.name for r in (self._listed.sweeps if self._listed else [])}
        self.filter_text = text.strip()
        self._match = runfilter.matcher(terms, names, lambda i: self.flats.get(i.run_id, {})) if terms else None
        self._show()

    def action_clear_filter(self) -> None:
        box = self.query_one("#home-filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.apply_filter("")
        self.query_one(DataTable).focus()

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % (len(runfilter.SORTS) + len(self.hp_columns))
        self._columns()
        self._show()

    # ------------------------------------------------------------------ actions (the rest: homekeys.py)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def on_action_done(self, msg: actions.ActionDone) -> None:
        # (Textual also calls RunActions.on_action_done, which notifies)
        if msg.changed:
            self._refresh()
