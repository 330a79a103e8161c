"""Home: every run under the runs root, live, with the actions on them."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from rnnlab.tui.state import fmt_num, task_kind_of
from rnnlab.tui.widgets.header import STATUS_STYLE

LIST_INTERVAL = 1.0
LIVE = ("queued", "running", "paused")


def row_of(info: Any, marked: bool) -> tuple:
    metric = info.primary_metric or ""
    value = (info.latest or {}).get(metric)
    total = info.total_steps or "?"
    tps = f"{info.tokens_per_s:,.0f}" if info.tokens_per_s else "–"
    return (
        "●" if marked else " ",
        info.name or "",
        Text(info.status, style=STATUS_STYLE.get(info.status, "")),
        info.cell or "?",
        task_kind_of(info.task) or "?",
        f"{info.step}/{total}",
        f"{metric.removeprefix('val_')} {fmt_num(value)}" if metric else "–",
        tps,
        info.run_id,
    )


class Home(Screen):
    """The runs in the runs root."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("enter,o", "open", "Open"),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("s", "stop", "Stop"),
        Binding("r", "resume", "Resume"),
        Binding("d", "delete", "Delete"),
        Binding("q", "app.quit", "Quit"),
    ]

    @dataclass
    class Listed(Message):
        """A fresh listing of the runs root (only the latest one matters)."""

        infos: list
        error: str = ""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Home.Listed)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.infos: dict[str, Any] = {}
        self.marked: set[str] = set()
        self._shown: list[tuple] = []

    def compose(self) -> ComposeResult:
        yield Static(id="home-title")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="home-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in (" ", "name", "status", "cell", "task", "step", "metric", "tok/s", "id"):
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
                    self.post_message(self.Listed(list_runs(self.root)))
                except Exception as err:
                    self.post_message(self.Listed([], f"{type(err).__name__}: {err}"))
            time.sleep(LIST_INTERVAL)

    def on_screen_resume(self) -> None:
        self.watch_runs()

    def on_home_listed(self, msg: Listed) -> None:
        self.infos = {i.run_id: i for i in msg.infos}
        rows = [row_of(i, i.run_id in self.marked) for i in msg.infos]
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
        for row in rows:
            table.add_row(*row, key=row[-1])
        if current in self.infos:
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
        self._shown = []
        self.watch_runs()

    # ------------------------------------------------------------------ actions

    def action_new(self) -> None:
        self.app.action_new_experiment()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
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
        self._shown = []
        table.action_cursor_down()

    def action_compare(self) -> None:
        ids = [i for i in self.infos if i in self.marked] or ([self.current_id()] if self.current_id() else [])
        if not ids:
            self.notify("mark runs with space, then press c", severity="warning")
            return
        self.app.open_compare([Path(self.infos[i].dir) for i in ids])

    def action_stop(self) -> None:
        info = self._current()
        if info is None:
            return
        if info.status not in LIVE:
            self.notify(f"{info.name or info.run_id} is not running", severity="warning")
            return
        from rnnlab.runs.store import send_command

        send_command(info.dir, "stop")
        self.notify(f"asked {info.name or info.run_id} to stop")

    def action_resume(self) -> None:
        info = self._current()
        if info is None:
            return
        if info.status in LIVE:
            if info.status == "paused":
                from rnnlab.runs.store import send_command

                send_command(info.dir, "resume")
                self.notify("resumed")
            else:
                self.notify("already running", severity="warning")
            return
        from rnnlab.runs.launch import spawn
        from rnnlab.train.kept import resume_point

        where = resume_point(Path(info.dir) / "checkpoints")
        try:
            spawn(Path(info.dir), resume=True)
        except Exception as err:
            self.notify(f"resume: {err}", severity="error")
            return
        self.notify(f"resuming {info.name or info.run_id} {where}")
        self._refresh()

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
                shutil.rmtree(info.dir, ignore_errors=True)
                self.marked.discard(info.run_id)
                self.notify(f"deleted {info.name or info.run_id}")
                self._refresh()

        self.app.push_screen(Confirm(f"Delete run {info.name or ''} {info.run_id} and its checkpoints?"), done)
