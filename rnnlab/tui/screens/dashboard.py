"""The live run dashboard: header, seven panels (a grid on large terminals, tabs at 80×24) and
the keys that control the run's worker process through the store's command channel.

Cost model: the reading thread polls the store every `POLL_INTERVAL`; updates mark panels (and
the header) dirty and redraw the dirty, visible ones at once unless the last redraw was less
than the redraw interval ago (then at the end of that interval), so a poll's rows reach the
screen without waiting for a timer and bursts cost at most five redraws a second; under load
the interval grows (`redraw_interval`) to keep the lab's CPU near its budget. Panels repaint in place (no layout pass); a panel in a hidden tab stays dirty until it
is shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Tab, Tabs
from textual.worker import get_current_worker

from rnnlab.runs.status import LIVE
from rnnlab.tui import actions
from rnnlab.tui.state import POLL_INTERVAL, RunState, Update, follow
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.widgets.header import RunHeader
from rnnlab.tui.widgets.panels import (
    EventPanel,
    FlowPanel,
    GatePanel,
    GradPanel,
    LossPanel,
    MetricPanel,
    OutputPanel,
    Panel,
    ViewOptions,
)

PANELS = (
    ("loss", "Loss", LossPanel),
    ("metric", "Metric", MetricPanel),
    ("grads", "Grads", GradPanel),
    ("flow", "Flow", FlowPanel),
    ("gates", "Gates", GatePanel),
    ("output", "Output", OutputPanel),
    ("events", "Events", EventPanel),
)

# Below this the panels become tabs (one visible at a time).
WIDE_MIN = (120, 36)
# At most five redraws a second: with POLL_INTERVAL this keeps a written point on screen
# within flush (0.2 s) + poll (0.2 s) + redraw (0.2 s) of being written, worst case.
REDRAW_INTERVAL = 0.2
# Under load the redraws are spread out (up to REDRAW_MAX_INTERVAL apart) so that the lab's own
# process stays near CPU_BUDGET of a core while runs stream: three plots rebuilt five times a
# second cost ~20% of a core on a 2-core box (BENCHMARKS.md item 4).
REDRAW_MAX_INTERVAL = 2.0
CPU_BUDGET = 0.05


def redraw_interval(current: float, cpu_fraction: float) -> float:
    """The next spacing of streaming redraws, from the process's CPU use since the last look:
    twice as far apart while over budget, back towards REDRAW_INTERVAL when well under it."""
    if cpu_fraction > CPU_BUDGET:
        return min(REDRAW_MAX_INTERVAL, current * 2)
    if cpu_fraction < CPU_BUDGET / 2:
        return max(REDRAW_INTERVAL, current / 2)
    return current


class Dashboard(actions.RunActions, Screen):
    """One run, live."""

    BINDINGS = [
        Binding("escape", "back", "Runs"),
        Binding("s", "stop", "Stop"),
        # p's two meanings, one offered at a time (check_action): the footer says what p does now
        Binding("p", "pause", "Pause"),
        Binding("p", "unpause", "Resume"),
        Binding("c", "checkpoint", "Checkpoint"),
        Binding("n", "sample", "Sample"),
        Binding("g", "playground", "Playground"),
        Binding("y", "app.system", "System", show=False),
        Binding("N", "neurons", "Neurons", show=False),  # the 80-column footer is full; help lists it
        Binding("A", "anatomy", "Anatomy", show=False),
        Binding("question_mark", "explain", "Explain"),
        Binding("f1", "app.help", "Help"),  # the app's f1 is hidden elsewhere (? is Help there)
        # view keys stay out of the footer: with them it is cut at 80 columns (help lists them)
        Binding("l", "log_y", "Log-y", show=False),
        Binding("x", "x_axis", "Step/time", show=False),
        Binding("e", "smooth", "Smoothing", show=False),
        Binding("r", "resume_run", "Restart", show=False),
        Binding("right_square_bracket", "next_panel", "Next panel", show=False),
        Binding("left_square_bracket", "prev_panel", "Prev panel", show=False),
    ]
    KEYS_HELP = {
        "[ / ]": "previous / next panel (tabs at small sizes)",
        "r": "resume a stopped run from its last checkpoint",
        "A": "cell anatomy: the cell's equations with one unit's live numbers",
        "tab": "focus the next panel (? explains the focused one, or the screen and every panel)",
    }

    @dataclass
    class Updated(Message):
        """New rows from the reading thread."""

        update: Update

    @dataclass
    class SystemSampled(Message):
        """A system sample (rnnlab/runs/system.py) for the header."""

        sample: object

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Dashboard.SystemSampled)

    def __init__(self, run_dir: Path, panel: Optional[str] = None) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.state = RunState()
        self.opts = ViewOptions()
        self.narrow = False
        # the tab shown first (a lesson opens on the panel its text names)
        self.active = panel if panel in {pid for pid, _, _ in PANELS} else "loss"
        self._wake = threading.Event()
        self._header_dirty = True
        self._last_flush = 0.0
        self._flush_pending = False
        self._interval = REDRAW_INTERVAL
        self._cpu_mark = (time.monotonic(), time.process_time())

    def compose(self) -> ComposeResult:
        yield RunHeader(id="run-header")
        yield Tabs(*(Tab(t(label), id=f"tab-{pid}") for pid, label, _ in PANELS), id="panel-tabs")
        with Container(id="panels"):
            for pid, _, cls in PANELS:
                yield cls(id=pid)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#panel-tabs", Tabs).active = f"tab-{self.active}"
        self._layout()
        self.follow_run()
        self.sample_system()

    @work(thread=True, group="system", exclusive=True, exit_on_error=False)
    def sample_system(self) -> None:
        """The machine and this run's worker for the header, every SAMPLE_EVERY_S."""
        from rnnlab.tui import sampling

        worker = get_current_worker()
        source = sampling.sampler()
        while self.state.info is None and not worker.is_cancelled:  # the run's worker pid first
            time.sleep(0.1)
        while source is not None and not worker.is_cancelled:
            self.post_message(self.SystemSampled(source.sample([self.state.info])))
            for _ in range(int(sampling.SAMPLE_EVERY_S / 0.1)):
                if worker.is_cancelled:
                    return
                time.sleep(0.1)

    def on_dashboard_system_sampled(self, msg: "SystemSampled") -> None:
        self.query_one(RunHeader).system = msg.sample
        self._header_dirty = True
        self._schedule_flush()

    def on_unmount(self) -> None:
        self._wake.set()

    @work(thread=True, group="follow", exclusive=True, exit_on_error=False)
    def follow_run(self) -> None:
        worker = get_current_worker()
        follow(
            self.run_dir, lambda up: self.post_message(self.Updated(up)), lambda: worker.is_cancelled, self._wake,
            POLL_INTERVAL,
        )

    def on_dashboard_updated(self, msg: Updated) -> None:
        changed = self.state.apply(msg.update)
        if self.state.task_kind == "timeseries" and not self.has_class("-forecast"):
            self._forecast_layout()
        # the footer follows what check_action offers: `g Playground` once the task is known, `p
        # Resume` while paused (it said `p Pause` on a paused run: an outside trial)
        offered = (self.state.task_kind, self._status() == "paused")
        if offered != getattr(self, "_bindings_for", None):
            self._bindings_for = offered
            self.refresh_bindings()
        self._header_dirty = True
        for panel in self.query(Panel):
            if panel.wants(changed):
                panel.dirty = True
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_pending:
            return
        wait = self._last_flush + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        else:
            self._flush_pending = True
            self.set_timer(wait, self._timed_flush)

    def _timed_flush(self) -> None:
        self._flush_pending = False
        self.flush()

    def flush(self) -> None:
        """Redraw the header and the visible panels that have new data."""
        if not self.is_current:  # covered by help or the playground: catch up when back
            return
        self._last_flush = now = time.monotonic()
        wall0, cpu0 = self._cpu_mark
        if now - wall0 >= 1.0:  # the process's CPU (all threads: drawing and reading) over ~1 s
            cpu = time.process_time()
            self._interval = redraw_interval(self._interval, (cpu - cpu0) / (now - wall0))
            self._cpu_mark = (now, cpu)
        if self._header_dirty:
            self._header_dirty = False
            self.query_one(RunHeader).show(self.state)
        for panel in self.query(Panel):
            if panel.dirty and self._visible(panel):
                panel.dirty = False
                panel.redraw(self.state, self.opts)

    def on_screen_resume(self) -> None:
        self.flush()

    def _visible(self, panel: Panel) -> bool:
        return not self.narrow or panel.id == self.active

    def redraw_all(self) -> None:
        """Rebuild every visible panel from scratch (view options changed)."""
        from rnnlab.tui.widgets.plot import LinePlot

        for plot in self.query(LinePlot):
            plot.invalidate()
        for panel in self.query(Panel):
            panel.dirty = True
        self._header_dirty = True
        self.flush()

    # ------------------------------------------------------------------ layout

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        w, h = self.app.size
        narrow = w < WIDE_MIN[0] or h < WIDE_MIN[1]
        self.narrow = narrow
        self.set_class(narrow, "-narrow")
        # every footer key whole at 80 columns: compact, and ctrl+p left to the help screen
        footer = self.query_one(Footer)
        footer.compact = narrow
        footer.show_command_palette = not narrow
        for panel in self.query(Panel):
            panel.display = not narrow or panel.id == self.active
        self.flush()

    def _forecast_layout(self) -> None:
        """A forecasting run's grid: the forecast panel two columns wide and two rows high (its
        chart, legend, fused weights and backtest were squeezed into one plot row at 120x40), the
        flow panel as tall beside it, gates and events in the last row (app.tcss, Dashboard.-forecast)."""
        self.query_one("#panels").move_child(self.query_one("#gates"), after=self.query_one("#output"))
        self.add_class("-forecast")

    @on(Tabs.TabActivated, "#panel-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self.active = event.tab.id.removeprefix("tab-")
            self._layout()

    def focused_panel(self) -> Panel | None:
        """The panel `?` explains: the one holding the focus, else the tab shown at small sizes."""
        node = self.focused
        while node is not None and node is not self:
            if isinstance(node, Panel):
                return node
            node = node.parent
        if self.narrow:
            return next((p for p in self.query(Panel) if p.id == self.active), None)
        return None

    def action_explain(self) -> None:
        panel = self.focused_panel()
        if panel is None:  # no panel focused: the screen, every panel's line and the keys
            self.app.action_explain()
            return
        panel.toggle_explain()

    def panel_explanations(self) -> list[tuple[str, str]]:
        """(title, explanation) of every panel shown, for `?` with none focused."""
        return [(str(p.border_title or p.id), p.EXPLAIN) for p in self.query(Panel) if p.EXPLAIN]

    def action_next_panel(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_prev_panel(self) -> None:
        self.query_one(Tabs).action_previous_tab()

    # ------------------------------------------------------------------ view options

    def action_log_y(self) -> None:
        self.opts.log_y = not self.opts.log_y
        self.redraw_all()

    def action_x_axis(self) -> None:
        self.opts.x_wall = not self.opts.x_wall
        self.notify(tf("x axis: {axis}", axis=t("wall time" if self.opts.x_wall else "step")))
        self.redraw_all()

    def action_smooth(self) -> None:
        # Cycle EMA strength: light, heavy, off.
        steps = (0.05, 0.01, 0.0)
        self.opts.smoothing = steps[(steps.index(self.opts.smoothing) + 1) % len(steps)] if self.opts.smoothing in steps else 0.05
        self.notify(f"EMA alpha {self.opts.smoothing or t('off')}")
        self.redraw_all()

    # ------------------------------------------------------------------ run control

    def _status(self) -> str:
        return str(getattr(self.state.info, "status", ""))

    def send(self, cmd: str) -> None:
        """Send `cmd` to the run's worker, if it has one (a finished run would never read it)."""
        status = self._status()
        if status not in LIVE:
            self.notify(tf("the run is {status}: there is no worker to {command}", status=t(status or "not read yet"), command=cmd),
                        severity="warning")
            return
        self.run_action(cmd, lambda: actions.send(self.run_dir, cmd, "the run"))

    def on_action_done(self, msg: actions.ActionDone) -> None:
        # (Textual also calls RunActions.on_action_done, which notifies)
        self._wake.set()  # read the run's answer now, not at the next poll

    def action_stop(self) -> None:
        self.send("stop")

    def action_pause(self) -> None:
        # a toggle: the command palette's "pause/resume" calls it whatever the status
        self.send("resume" if self._status() == "paused" else "pause")

    def action_unpause(self) -> None:
        self.send("resume")

    def action_checkpoint(self) -> None:
        self.send("checkpoint")

    def action_sample(self) -> None:
        if self._status() in LIVE:
            self.send("sample")
            return
        # no worker to ask: sample here, from the checkpoint the run keeps (the best, as `sample` and
        # `forecast` load it; the last where none): the last one's forecast replaced the kept one's in
        # the panel and in `rnnlab show` (an outside trial)
        self.notify(t("sampling from the kept checkpoint…"))
        self.sample_from_checkpoint()

    @work(thread=True, group="sample", exclusive=True, exit_on_error=False)
    def sample_from_checkpoint(self) -> None:
        try:
            from rnnlab.runs.writer import append_output
            from rnnlab.inspect.loader import output_from_checkpoint
            from rnnlab.tui.screens.playground import limit_torch_threads

            limit_torch_threads()  # the cores belong to the training workers
            choice, out = output_from_checkpoint(self.run_dir, "best")
            append_output(self.run_dir, choice.step, out, f"output from the {choice.describe()} on request")
        except Exception as err:
            self.app.call_from_thread(self.notify, f"sample: {err}", severity="error")
            return
        self._wake.set()

    def action_resume_run(self) -> None:
        # the status check, the run lock and the spawn are the CLI's (`rnnlab resume`)
        self.run_action("resume", lambda: actions.resume(self.run_dir))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """The sampling playground is for text runs: a forecast's footer does not offer it (an
        outside trial pressed `g` and got only a warning). `p` is Resume on a paused run, Pause
        otherwise (a finished run's `p` still answers that there is no worker)."""
        if action in ("pause", "unpause"):
            return (self._status() == "paused") == (action == "unpause")
        return not (action == "playground" and self.state.task_kind not in (None, "text"))

    def action_playground(self) -> None:
        if self.state.task_kind != "text":
            self.notify(t("the sampling playground is for text runs"), severity="warning")
            return
        from rnnlab.tui.screens.playground import Playground

        self.app.push_screen(Playground(self.run_dir, self.state.config))

    def action_neurons(self) -> None:
        if self.state.task_kind not in ("text", "timeseries"):
            self.notify(t("the Neurons screen is for text and time-series runs"), severity="warning")
            return
        from rnnlab.tui.screens.neurons import Neurons

        self.app.push_screen(Neurons(self.run_dir, self.state.config))

    def action_anatomy(self) -> None:
        from rnnlab.tui.screens.anatomy import CellAnatomy

        self.app.push_screen(CellAnatomy(self.run_dir))

    def action_back(self) -> None:
        self.app.pop_screen()
