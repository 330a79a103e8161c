"""Home: every run under the runs root, live, with the actions on them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from rnnlab.runs.status import LIVE, STYLE as STATUS_STYLE
from rnnlab.tui import actions, sweeprows
from rnnlab.tui.state import fmt_num, task_kind_of

LIST_INTERVAL = 1.0


COLUMNS = (" ", "name", "id", "status", "metric", "step", "cell", "task", "tok/s")


def short_ids(run_ids: list[str]) -> dict[str, str]:
    """Each id without the leading parts every listed id shares (`YYYYMMDD-HHMMSS-xxxx` ids:
    the date, and the second too for runs launched together), so that at 80 columns the column
    shows what tells the runs apart; the random tail is always kept."""
    parts = [rid.split("-") for rid in run_ids]
    keep = {rid: rid for rid in run_ids}
    if not parts or any(len(p) != 3 for p in parts):
        return keep
    drop = 1
    if len({p[0] for p in parts}) == 1 and len({p[1] for p in parts}) == 1 and len(parts) > 1:
        drop = 2
    elif len({p[0] for p in parts}) > 1:
        drop = 0
    return {rid: ("…" if drop else "") + "-".join(p[drop:]) for rid, p in zip(run_ids, parts)}


def row_of(info: Any, marked: bool, shown_id: str | None = None) -> tuple:
    metric = info.primary_metric or ""
    value = (info.latest or {}).get(metric)
    total = info.total_steps or "?"
    tps = f"{info.tokens_per_s:,.0f}" if info.tokens_per_s else "–"
    # most telling first: at 80 columns the table cuts from the right
    return (
        "●" if marked else " ",
        info.name or "",
        shown_id or info.run_id,
        Text(info.status, style=STATUS_STYLE.get(info.status, "")),
        f"{metric.removeprefix('val_')} {fmt_num(value)}" if metric else "–",
        f"{info.step}/{total}",
        info.cell or "?",
        task_kind_of(info.task) or "?",
        tps,
    )


class Home(actions.RunActions, Screen):
    """The runs in the runs root."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("enter,o", "open", "Open"),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("s", "stop", "Stop"),
        Binding("r", "resume", "Resume"),
        Binding("d", "delete", "Delete"),
        Binding("L", "lessons", "Lessons"),
        Binding("y", "app.system", "System", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    @dataclass
    class Listed(Message):
        """A fresh listing of the runs root (only the latest one matters)."""

        infos: list
        error: str = ""
        sweeps: list = field(default_factory=list)  # this runs dir's sweep records

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Home.Listed)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.infos: dict[str, Any] = {}
        self.marked: set[str] = set()
        self.sweeps: dict[str, Any] = {}  # header row key -> sweep record
        self._shown: Optional[list[tuple]] = None  # None: redraw the table on the next listing

    def compose(self) -> ComposeResult:
        yield Static(id="home-title")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="home-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label)
        self.query_one("#home-title", Static).update(Text(f"runs in {self.root if self.root.is_absolute() else './' + str(self.root)}", style="bold"))
        self.query_one("#home-hint", Static).update(
            Text("no runs yet: press n for a new experiment", style="dim")
        )
        table.focus()
        self.watch_runs()

    @work(thread=True, group="list", exclusive=True, exit_on_error=False)
    def watch_runs(self) -> None:
        from rnnlab.runs.store import list_runs

        worker = get_current_worker()
        while not worker.is_cancelled:
            # under a dashboard or compare view the list waits; on_screen_resume catches up
            if self.is_current:
                try:
                    from rnnlab.sweeps.record import list_sweeps

                    self.post_message(self.Listed(list_runs(self.root), sweeps=list_sweeps(self.root)))
                except Exception as err:
                    self.post_message(self.Listed([], f"{type(err).__name__}: {err}"))
            time.sleep(LIST_INTERVAL)

    def on_screen_resume(self) -> None:
        self.watch_runs()

    def on_home_listed(self, msg: Listed) -> None:
        self.infos = {i.run_id: i for i in msg.infos}
        shown_ids = short_ids([i.run_id for i in msg.infos])
        keyed = sweeprows.grouped(msg.infos, msg.sweeps, row_of, self.marked, shown_ids)
        self.sweeps = {sweeprows.SWEEP_KEY + r.sweep_id: r for r in msg.sweeps}
        rows = [row for _, row in keyed]
        hint = self.query_one("#home-hint", Static)
        hint.display = not rows or bool(msg.error)
        if msg.error:
            hint.update(Text(msg.error, style="red"))
        if [tuple(map(str, r)) for r in rows] == self._shown:
            return
        self._shown = [tuple(map(str, r)) for r in rows]
        table = self.query_one(DataTable)
        current = self.current_id()
        table.clear()
        for key, row in keyed:
            table.add_row(*row, key=key)
        if current in self.infos or current in self.sweeps:
            table.move_cursor(row=table.get_row_index(current))

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

    # ------------------------------------------------------------------ actions

    def action_new(self) -> None:
        self.app.action_new_experiment()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_lessons(self) -> None:
        from rnnlab.tui.screens.lessons import Lessons

        self.app.push_screen(Lessons(self.root))

    def action_open(self) -> None:
        rid = self.current_id()
        if rid in self.sweeps:
            self.app.open_sweep(self.sweeps[rid].dir)
            return
        info = self._current()
        if info is not None:
            self.app.open_run(Path(info.dir))

    def action_mark(self) -> None:
        rid = self.current_id()
        if rid is None:
            return
        self.marked.symmetric_difference_update({rid})
        table = self.query_one(DataTable)
        table.update_cell(rid, " ", "●" if rid in self.marked else " ")
        self._shown = None
        table.action_cursor_down()

    def action_compare(self) -> None:
        ids = [i for i in self.infos if i in self.marked] or ([self.current_id()] if self.current_id() else [])
        if not ids:
            self.notify("mark runs with space, then press c", severity="warning")
            return
        self.app.open_compare([Path(self.infos[i].dir) for i in ids])

    def on_action_done(self, msg: actions.ActionDone) -> None:
        # (Textual also calls RunActions.on_action_done, which notifies)
        if msg.changed:
            self._refresh()

    def action_stop(self) -> None:
        info = self._current()
        if info is None:
            return
        label = info.name or info.run_id
        if info.status not in LIVE:
            self.notify(f"{label} is not running", severity="warning")
            return
        self.run_action("stop", lambda: actions.send(Path(info.dir), "stop", label))

    def action_resume(self) -> None:
        info = self._current()
        if info is None:
            return
        # the status check, the run lock and the spawn are the CLI's (`rnnlab resume`)
        self.run_action("resume", lambda: actions.resume(Path(info.dir)), changed=True)

    def action_delete(self) -> None:
        info = self._current()
        if info is None:
            return
        if info.status in LIVE:
            self.notify("stop the run before deleting it", severity="warning")
            return
        from rnnlab.tui.screens.modals import Confirm

        def done(yes: bool | None) -> None:
            if yes:
                self.marked.discard(info.run_id)
                self.run_action("delete", lambda: actions.delete(Path(info.dir), info.name or info.run_id), changed=True)

        self.app.push_screen(Confirm(f"Delete run {info.name or ''} {info.run_id} and its checkpoints?"), done)
