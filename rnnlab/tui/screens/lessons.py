"""Lessons: the course in the order of the source document, each lesson's verdict marked (✓
passed or ✗ failed on its newest runs, at quick or full size); Enter launches the selected
lesson's runs at the size `f` chose and opens what to watch (its dashboard, or the compare view for
a race) with the lesson's text pinned beside it; 1-3 launch its variations to try next."""

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
from rnnlab.tui import lessonpin
from rnnlab.tui.i18n_errors import translate

# a lesson's panel (the catalog's name, also in `rnnlab lessons --json`) -> the dashboard tab that
# shows it; a race's compare view plots grad_norm for the gradient-norm lesson, loss otherwise
TABS = {"gates": "gates", "grad_flow": "flow", "grad_norm": "grads", "loss": "loss", "output": "output",
        "forecast": "output"}
COMPARE_METRIC = {"grad_norm": "grad_norm"}

# the screen's own words, in the lesson texts' language
TITLE = {"en": "Lessons — Enter runs the selected one at {size} size (f: {other}); 1-3 its tries",
         "zh": "课程 — Enter 以{size}规模运行所选课程 (f: 改为{other}); 1-3 运行其变体"}
SIZES = {"en": ("full", "quick"), "zh": ("完整", "快速")}
COLUMNS = {"en": (" ", "#", "lesson", "§", "min", "runs"), "zh": (" ", "#", "课程", "节", "分钟", "运行")}
META = {"en": "  (§ {chapter}, ~{minutes} min on 2 CPU cores; watch: the {tab} tab{also})",
        "zh": "  (第 {chapter} 节, 2 核 CPU 约 {minutes} 分钟; 观察: {tab} 标签页{also})"}
ALSO = {"en": " and the cell anatomy (A)", "zh": "和细胞解剖视图 (A)"}
LAST = {"en": "Last run", "zh": "上次运行"}
NOTES = {"en": {"launch": "launching lesson {n} ({size}): {k} run(s)", "tries": "lesson {n} has {k} variations to try",
                "try": "launching lesson {n}, try {k}: {what}", "failed": "launch failed: {error}"},
         "zh": {"launch": "正在启动第 {n} 课 ({size}): {k} 个运行", "tries": "第 {n} 课有 {k} 个可以尝试的变体",
                "try": "正在启动第 {n} 课的变体 {k}: {what}", "failed": "启动失败: {error}"}}


def tab_of(lesson: catalog.Lesson) -> str:
    """The dashboard tab (panel id) a lesson's text tells the student to watch."""
    return TABS.get(lesson.panel, "loss")


def tab_label(lesson: catalog.Lesson) -> str:
    from rnnlab.tui.screens.dashboard import PANELS

    from rnnlab.tui.i18n import t

    return t(next(label for pid, label, _ in PANELS if pid == tab_of(lesson)))


class Lessons(Screen):
    """Pick a lesson, read it, launch it."""

    BINDINGS = [
        Binding("r", "launch", "Run lesson"),
        Binding("f", "toggle_size", "Quick/full"),
        Binding("1", "try(1)", "Try 1", show=False),
        Binding("2", "try(2)", "Try 2", show=False),
        Binding("3", "try(3)", "Try 3", show=False),
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
        try_: int = 0

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.quick = runner.quick_from_env()  # the size Enter launches; f toggles it
        self.verdicts: dict = {}

    def _title(self) -> Text:
        size, other = catalog.pick(SIZES)[::-1] if self.quick else catalog.pick(SIZES)
        return Text(catalog.pick(TITLE).format(size=size, other=other), style="bold")

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="lessons-title")
        yield DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="lesson-scroll", can_focus=False):
            yield Static(id="lesson-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in zip(COLUMNS["en"], catalog.pick(COLUMNS)):
            table.add_column(label, key=key)
        for x in catalog.LESSONS:
            table.add_row(" " * 7, str(x.number), catalog.pick(x.title), x.chapter, f"{x.minutes:g}",
                          str(len(x.experiments)), key=str(x.number))
        table.focus()
        self._show(catalog.LESSONS[0])
        self._refresh_marks()

    def on_screen_resume(self) -> None:
        # back from a lesson's dashboard or compare view: its runs may have ended since the mount
        if self.query("#lessons"):
            self._refresh_marks()

    @work(thread=True, group="marks", exclusive=True, exit_on_error=False)
    def _refresh_marks(self) -> None:
        # reads every lesson run's store, and may take a lesson's after-training measurements
        # once (torch): off the event loop
        verdicts = runner.verdicts(self.root)
        self.app.call_from_thread(self._set_marks, verdicts)

    def _set_marks(self, verdicts: dict) -> None:
        self.verdicts = verdicts
        table = self.query_one(DataTable)
        for x in catalog.LESSONS:
            v = verdicts.get(x.number)
            style = {"passed": "green", "failed": "red"}.get(v.state, "yellow") if v else ""
            table.update_cell(str(x.number), " ", Text(v.mark, style=style) if v and v.mark else " ")
        self._show(self._selected())

    def relabel(self) -> None:
        """Say everything again in the interface language (the lab's language switch)."""
        self.query_one("#lessons-title", Static).update(self._title())
        table = self.query_one(DataTable)
        for key, label in zip(COLUMNS["en"], catalog.pick(COLUMNS)):
            table.columns[key].label = Text(label)
        for x in catalog.LESSONS:
            table.update_cell(str(x.number), "lesson", catalog.pick(x.title), update_width=True)
        self._show(self._selected())
        self._refresh_marks()  # the verdicts' lines are made in the language

    def action_toggle_size(self) -> None:
        self.quick = not self.quick
        self.query_one("#lessons-title", Static).update(self._title())

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
        body.append(catalog.pick(lesson.look) + "\n")
        body.append_text(lessonpin.expected_text(lesson))
        v = self.verdicts.get(lesson.number)
        if v is not None and v.report is not None:
            body.append(f"{catalog.pick(LAST)}: ", style="bold")
            body.append_text(lessonpin.verdict_text(lesson, v.report))
        if lesson.tries:
            body.append(catalog.pick(catalog.TRY) + ":\n", style="bold")
            for i, t in enumerate(lesson.tries, 1):
                body.append(f"  {i}", style="bold")
                body.append(f"  {catalog.pick(t.what)}\n")
        if lesson.question:
            body.append(catalog.pick(catalog.ASK) + ": ", style="bold")
            body.append(catalog.pick(lesson.question))
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
        size = catalog.pick(SIZES)[self.quick]
        self.notify(catalog.pick(NOTES)["launch"].format(n=lesson.number, size=size, k=len(lesson.experiments)))
        self._launch(lesson, 0)

    def action_try(self, k: int) -> None:
        lesson = self._selected()
        if k > len(lesson.tries):
            self.notify(catalog.pick(NOTES)["tries"].format(n=lesson.number, k=len(lesson.tries)), severity="warning")
            return
        self.notify(catalog.pick(NOTES)["try"].format(n=lesson.number, k=k, what=catalog.pick(lesson.tries[k - 1].what)))
        self._launch(lesson, k)

    @work(thread=True, group="launch", exclusive=True, exit_on_error=False)
    def _launch(self, lesson: catalog.Lesson, try_: int) -> None:
        try:
            dirs = runner.launch_lesson(lesson, self.root, quick=self.quick, try_=try_)
        except Exception as err:  # a UserError line, or a launch failure: shown, not raised
            self.post_message(self.Failed(str(err)))
            return
        self.post_message(self.Launched(dirs, len(dirs) > 1, lesson.view, lesson.number, try_))

    def on_lessons_launched(self, msg: Launched) -> None:
        lesson = catalog.get(msg.number)
        if msg.race:
            self.app.open_compare(msg.run_dirs, metric=COMPARE_METRIC.get(lesson.panel, "loss"), panel=tab_of(lesson))
            if lesson.panel == "grad_norm":
                # a diverging run's spike (~1e17) flattens the others' norms to 0 on a linear scale
                self.app.screen.log_y = True
        else:
            self.app.open_run(msg.run_dirs[0], panel=tab_of(lesson))
        lessonpin.pin(self.app.screen, msg.number, msg.run_dirs, msg.try_)
        if msg.view == "anatomy":  # over the dashboard: escape goes back to it
            from rnnlab.tui.screens.anatomy import CellAnatomy

            self.app.push_screen(CellAnatomy(msg.run_dirs[0]))

    def on_lessons_failed(self, msg: Failed) -> None:
        self.notify(catalog.pick(NOTES)["failed"].format(error=translate(msg.error)), severity="error")
