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
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from rnnlab.lessons import catalog, runner

# a lesson's panel (the catalog's name, also in `rnnlab lessons --json`) -> the dashboard tab that
# shows it; a race's compare view plots grad_norm for the gradient-norm lesson, loss otherwise
TABS = {"gates": "gates", "grad_flow": "flow", "grad_norm": "grads", "loss": "loss", "output": "output",
        "forecast": "output"}
COMPARE_METRIC = {"grad_norm": "grad_norm"}

# the screen's own words, in the lesson texts' language
TITLE = {"en": "Lessons — Enter or r runs the selected one (RNNLAB_LANG=zh for 中文)",
         "zh": "课程 — 按 Enter 或 r 运行所选课程 (RNNLAB_LANG=en for English)"}
COLUMNS = {"en": (" ", "#", "lesson", "ch.", "min", "runs"), "zh": (" ", "#", "课程", "章节", "分钟", "运行")}
META = {"en": "  (ch. {chapter}, ~{minutes} min on 2 CPU cores; watch: the {tab} tab{also})",
        "zh": "  (第 {chapter} 章, 2 核 CPU 约 {minutes} 分钟; 观察: {tab} 标签页{also})"}
ALSO = {"en": " and the cell anatomy (A)", "zh": "和细胞解剖视图 (A)"}


def tab_of(lesson: catalog.Lesson) -> str:
    """The dashboard tab (panel id) a lesson's text tells the student to watch."""
    return TABS.get(lesson.panel, "loss")


def tab_label(lesson: catalog.Lesson) -> str:
    from rnnlab.tui.screens.dashboard import PANELS

    return next(label for pid, label, _ in PANELS if pid == tab_of(lesson))


class Lessons(Screen):
    """Pick a lesson, read it, launch it."""

    BINDINGS = [
        Binding("r", "launch", "Run lesson"),
        Binding("escape,q", "app.pop_screen", "Back"),
        # the table keeps the focus (up/down pick a lesson); these scroll a text longer than 80x24 shows
        Binding("pagedown", "scroll_text(1)", "Text ↓", priority=True),
        Binding("pageup", "scroll_text(-1)", "Text ↑", priority=True, show=False),
    ]

    @dataclass
    class Launched(Message):
        run_dirs: list
        race: bool
        view: str = ""
        number: int = 0

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        yield Static(Text(catalog.pick(TITLE), style="bold"), id="lessons-title")
        yield DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="lesson-scroll", can_focus=False):
            yield Static(id="lesson-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in zip(COLUMNS["en"], catalog.pick(COLUMNS)):
            table.add_column(label, key=key)
        done = runner.finished(self.root)
        for x in catalog.LESSONS:
            mark = Text("✓", style="green") if x.number in done else " "
            table.add_row(mark, str(x.number), catalog.pick(x.title), x.chapter, f"{x.minutes:g}",
                          str(len(x.experiments)), key=str(x.number))
        table.focus()
        self._show(catalog.LESSONS[0])

    def on_screen_resume(self) -> None:
        # back from a lesson's dashboard or compare view: its runs may have ended since the mount
        if self.query("#lessons"):
            self._refresh_marks()

    @work(thread=True, group="marks", exclusive=True, exit_on_error=False)
    def _refresh_marks(self) -> None:
        done = runner.finished(self.root)  # reads every run's store: off the event loop
        self.app.call_from_thread(self._set_marks, done)

    def _set_marks(self, done: set) -> None:
        table = self.query_one(DataTable)
        for x in catalog.LESSONS:
            table.update_cell(str(x.number), " ", Text("✓", style="green") if x.number in done else " ")

    def _selected(self) -> catalog.Lesson:
        table = self.query_one(DataTable)
        return catalog.LESSONS[max(0, min(table.cursor_row, len(catalog.LESSONS) - 1))]

    def _show(self, lesson: catalog.Lesson) -> None:
        body = Text()
        body.append(f"{lesson.number}. {catalog.pick(lesson.title)}", style="bold")
        also = catalog.pick(ALSO) if lesson.view == "anatomy" else ""
        body.append(catalog.pick(META).format(chapter=lesson.chapter, minutes=f"{lesson.minutes:g}",
                                              tab=tab_label(lesson), also=also) + "\n")
        body.append(catalog.pick(lesson.text) + "\n")
        body.append(catalog.pick(catalog.LOOK) + ": ", style="bold")
        body.append(catalog.pick(lesson.look))
        from rnnlab.tui.wrap import CellWrap

        self.query_one("#lesson-text", Static).update(CellWrap(body))  # Chinese wraps at any character
        self.query_one("#lesson-scroll", VerticalScroll).scroll_home(animate=False)

    def action_scroll_text(self, direction: int) -> None:
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        (scroll.scroll_page_down if direction > 0 else scroll.scroll_page_up)(animate=False)

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
        self.post_message(self.Launched(dirs, lesson.race, lesson.view, lesson.number))

    def on_lessons_launched(self, msg: Launched) -> None:
        lesson = catalog.get(msg.number)
        if msg.race:
            self.app.open_compare(msg.run_dirs, metric=COMPARE_METRIC.get(lesson.panel, "loss"), panel=tab_of(lesson))
        else:
            self.app.open_run(msg.run_dirs[0], panel=tab_of(lesson))
        if msg.view == "anatomy":  # over the dashboard: escape goes back to it
            from rnnlab.tui.screens.anatomy import CellAnatomy

            self.app.push_screen(CellAnatomy(msg.run_dirs[0]))

    def on_lessons_failed(self, msg: Failed) -> None:
        self.notify(f"launch failed: {msg.error}", severity="error")
