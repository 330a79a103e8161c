"""The lab: a Textual app over the runs root. Screens live in `screens/`, widgets in `widgets/`,
styles in `app.tcss`. It reads run stores and launches/controls worker processes; it never
trains in its own process and imports torch only for the sampling playground."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from rnnlab.tui.screens.home import Home


class LabApp(App):
    TITLE = "rnnlab"
    SUB_TITLE = "a terminal lab for recurrent networks"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        # ? explains the screen in front (and its focused panel); f1 lists every key of every screen
        Binding("question_mark", "explain", "Help"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # a lesson's text pinned beside the dashboard or compare view it opened (tui/lessonpin.py);
        # the key shows in the footer only where a pin is
        Binding("t", "toggle_lesson", "Lesson text"),
        # the interface language, live (tui/language.py); Home's footer shows the key
        Binding("f2", "toggle_language", "EN/中文", show=False),
    ]

    def __init__(self, runs_root: Path, *, open_run: Optional[Path] = None) -> None:
        from rnnlab.tui import i18n

        i18n.install_footer_translation()  # footers in $RNNLAB_LANG (English unless zh)
        super().__init__()
        self.runs_root = Path(runs_root)
        self._open_first = open_run

    def on_mount(self) -> None:
        self.push_screen(Home(self.runs_root))
        if self._open_first is not None:
            self.open_run(self._open_first)

    # ------------------------------------------------------------------ navigation

    def open_run(self, run_dir: Path, panel: Optional[str] = None) -> None:
        """The run's dashboard; `panel` is the tab it opens on (a lesson's panel to watch)."""
        from rnnlab.tui.screens.dashboard import Dashboard

        self.push_screen(Dashboard(Path(run_dir), panel=panel))

    def open_sweep(self, sweep_dir: Path) -> None:
        from rnnlab.tui.screens.sweep import SweepScreen

        self.push_screen(SweepScreen(Path(sweep_dir)))

    def open_compare(self, run_dirs: list[Path], metric: str = "loss", panel: Optional[str] = None) -> None:
        """Runs side by side plotting `metric`; a run opened from there starts on `panel`."""
        from rnnlab.tui.screens.compare import Compare

        self.push_screen(Compare(list(run_dirs), metric=metric, panel=panel))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_lesson":
            return bool(self.screen.query("#lesson-pin"))
        return True

    def action_toggle_lesson(self) -> None:
        from rnnlab.tui import lessonpin

        lessonpin.toggle(self.screen)

    def action_toggle_language(self) -> None:
        from rnnlab.tui import language

        language.toggle(self)

    def action_system(self) -> None:
        from rnnlab.tui.screens.system import SystemScreen

        if not isinstance(self.screen, SystemScreen):
            self.push_screen(SystemScreen(self.runs_root))

    def action_new_experiment(self, preset: Optional[str] = None) -> None:
        from rnnlab.tui.screens.new import NewExperiment

        self.push_screen(NewExperiment(self.runs_root, preset))

    def action_help(self) -> None:
        from rnnlab.tui.screens.help import Help

        if not isinstance(self.screen, Help):
            self.push_screen(Help())

    def action_explain(self) -> None:
        from rnnlab.tui.screens.explain import Explain

        if not isinstance(self.screen, ModalScreen):
            self.push_screen(Explain(self.screen))

    def action_compare_marked(self) -> None:
        home = next((s for s in self.screen_stack if isinstance(s, Home)), None)
        if home is not None:
            home.action_compare()

    def action_home(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, Home):
            self.pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("New experiment", "Configure and launch a run or a race", self.action_new_experiment)
        yield SystemCommand("Runs", "Back to the list of runs", self.action_home)
        yield SystemCommand("Compare marked runs", "Overlay curves of the runs marked on the home screen", self.action_compare_marked)
        yield SystemCommand("System", "CPU, RAM and GPUs of this machine, and the runs on each (y)", self.action_system)
        yield SystemCommand("Help: keys", "Every key of every screen", self.action_help)
        yield SystemCommand("Language: EN/中文", "Switch the interface between English and Chinese (f2)",
                            self.action_toggle_language)
        from rnnlab.tui.screens.dashboard import Dashboard

        if isinstance(screen, Dashboard):
            # the same actions as the dashboard's keys, with their checks (a live worker to
            # command; resume's status check and run lock)
            for name, help_, action in (
                ("stop", "Stop the run after a checkpoint", screen.action_stop),
                ("pause/resume", "Pause the run's worker, or let a paused one go on", screen.action_pause),
                ("resume from checkpoint", "Continue a stopped, crashed or diverged run", screen.action_resume_run),
                ("checkpoint", "Save a checkpoint now", screen.action_checkpoint),
                ("sample", "Produce the task's output now", screen.action_sample),
            ):
                yield SystemCommand(f"Run: {name}", help_, action)
            yield SystemCommand("Sampling playground", "Sample from this run's latest checkpoint", screen.action_playground)
        yield from super().get_system_commands(screen)
