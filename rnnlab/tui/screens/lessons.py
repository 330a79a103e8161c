"""Lessons: the course (one lesson per chapter of the source document), finished ones marked;
Enter launches the selected lesson's runs and opens what to watch (its dashboard, or the compare
view for a race)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from rnnlab.lessons import catalog, runner


class Lessons(Screen):
    """Pick a lesson, read it, launch it."""

    BINDINGS = [
        Binding("r", "launch", "Run lesson"),
        Binding("escape,q", "app.pop_screen", "Back"),
    ]

    @dataclass
    class Launched(Message):
        run_dirs: list
        race: bool
        view: str = ""

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        yield Static(Text("Lessons — Enter or r runs the selected one (RNNLAB_LANG=zh for 中文)", style="bold"), id="lessons-title")
        yield DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
        yield Static(id="lesson-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in (" ", "#", "lesson", "ch.", "min", "runs"):
            table.add_column(label, key=label)
        done = runner.finished(self.root)
        for x in catalog.LESSONS:
            mark = Text("✓", style="green") if x.number in done else " "
            table.add_row(mark, str(x.number), catalog.pick(x.title), x.chapter, f"{x.minutes:g}",
                          str(len(x.experiments)), key=str(x.number))
        table.focus()
        self._show(catalog.LESSONS[0])

    def _selected(self) -> catalog.Lesson:
        table = self.query_one(DataTable)
        return catalog.LESSONS[max(0, min(table.cursor_row, len(catalog.LESSONS) - 1))]

    def _show(self, lesson: catalog.Lesson) -> None:
        body = Text()
        body.append(f"{lesson.number}. {catalog.pick(lesson.title)}", style="bold")
        also = " and the cell anatomy" if lesson.view == "anatomy" else ""
        body.append(f"  (ch. {lesson.chapter}, ~{lesson.minutes:g} min on 2 CPU cores, watch: {lesson.panel}{also})\n")
        body.append(catalog.pick(lesson.text) + "\n")
        body.append(catalog.pick(catalog.LOOK) + ": ", style="bold")
        body.append(catalog.pick(lesson.look))
        self.query_one("#lesson-text", Static).update(body)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(self._selected())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_launch()

    def action_launch(self) -> None:
        lesson = self._selected()
        self.notify(f"launching lesson {lesson.number}: {len(lesson.experiments)} run(s)")
        self._launch(lesson)

    @work(thread=True, group="launch", exclusive=True, exit_on_error=False)
    def _launch(self, lesson: catalog.Lesson) -> None:
        try:
            dirs = runner.launch_lesson(lesson, self.root, quick=runner.quick_from_env())
        except Exception as err:  # a UserError line, or a launch failure: shown, not raised
            self.post_message(self.Failed(str(err)))
            return
        self.post_message(self.Launched(dirs, lesson.race, lesson.view))

    def on_lessons_launched(self, msg: Launched) -> None:
        if msg.race:
            self.app.open_compare(msg.run_dirs)
        else:
            self.app.open_run(msg.run_dirs[0])
        if msg.view == "anatomy":  # over the dashboard: escape goes back to it
            from rnnlab.tui.screens.anatomy import CellAnatomy

            self.app.push_screen(CellAnatomy(msg.run_dirs[0]))

    def on_lessons_failed(self, msg: Failed) -> None:
        self.notify(f"launch failed: {msg.error}", severity="error")
