"""Compare: chosen runs' curves overlaid (by step or wall time) and a final-metrics table, live.

One reading thread per run tails it with the dashboard's loop (`state.follow`: posts only polls
that brought something, and the info once a second; a reader that fails is closed and reopened);
the plot, legend and table each redraw only when what they show changed, at most every
`REDRAW_INTERVAL`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Select, Static
from textual.worker import get_current_worker

from rnnlab.tui.screens.dashboard import REDRAW_INTERVAL
from rnnlab.tui.screens.home import short_ids
from rnnlab.tui.markers import marker_glyph, series_marker
from rnnlab.tui.state import POLL_INTERVAL, RunState, Update, fmt_num, follow
from rnnlab.tui.widgets.quiet import set_content
from rnnlab.tui.widgets.plot import PALETTE, Line, LinePlot, PlotData

METRICS = ("loss", "val_loss", "primary", "grad_norm")
# the metric right after the run: at 80 columns the table cuts from the right
COLUMNS = ("run", "status", "metric", "best", "step", "loss", "val_loss", "baseline", "cell", "params")


class Compare(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("m", "next_metric", "Metric"),
        Binding("x", "x_axis", "Step/time"),
        Binding("l", "log_y", "Log-y"),
        Binding("enter", "open", "Open run"),
    ]

    @dataclass
    class Updated(Message):
        index: int
        update: Update

    def __init__(self, run_dirs: list[Path]) -> None:
        super().__init__()
        self.run_dirs = [Path(d) for d in run_dirs]
        self.states = [RunState() for _ in self.run_dirs]
        self.metric = "loss"
        self.x_wall = False
        self.log_y = False
        self.dirty = True
        self._wakes = [threading.Event() for _ in self.run_dirs]
        self._rows: list[tuple] = []
        self._ids = short_ids([d.name for d in self.run_dirs])

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-top", classes="panel") as v:
            v.border_title = "compare"
            yield Select([(m, m) for m in METRICS], value="loss", allow_blank=False, id="metric")
            yield LinePlot(id="compare-plot")
            yield Static(id="compare-legend", classes="note")
        yield DataTable(id="final", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#final", DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label)
        for i in range(len(self.run_dirs)):
            self.follow_run(i)
        self.set_interval(REDRAW_INTERVAL, self.flush)

    def on_unmount(self) -> None:
        for wake in self._wakes:
            wake.set()

    @work(thread=True, group="follow", exclusive=False, exit_on_error=False)
    def follow_run(self, i: int) -> None:
        worker = get_current_worker()
        follow(
            self.run_dirs[i], lambda up: self.post_message(self.Updated(i, up)), lambda: worker.is_cancelled,
            self._wakes[i], POLL_INTERVAL,
        )

    def on_compare_updated(self, msg: Updated) -> None:
        self.states[msg.index].apply(msg.update)
        self.dirty = True

    def _label(self, i: int) -> str:
        info = self.states[i].info
        label = getattr(info, "name", None) or self._ids[self.run_dirs[i].name]
        # long names differ at the end as often as at the start (`…-seed1`, `…-2`): keep both
        return label if len(label) <= 28 else label[:13] + "…" + label[-14:]

    def _metric_of(self, state: RunState) -> str:
        if self.metric == "primary":
            return getattr(state.info, "primary_metric", None) or "val_loss"
        return self.metric

    def flush(self) -> None:
        if not self.dirty or not self.is_current:
            return
        self.dirty = False
        lines, legend = [], []
        for i, st in enumerate(self.states):
            name = self._metric_of(st)
            s = st.series.get(name)
            color = PALETTE[i % len(PALETTE)]
            if s is None:
                legend.append(f"[{color}]━━[/] {self._label(i)} ({name}: no points)")
                continue
            # the plot numbers the series it draws: the legend shows the marker it got
            glyph = marker_glyph(series_marker(len(lines))) if self.app.no_color else "━━"
            legend.append(f"[{color}]{glyph}[/] {self._label(i)} ({name})")
            x = (s.walls - s.walls[0]) / 60.0 if self.x_wall else s.steps
            lines.append(Line(self._label(i), x, s.values, color, 0.05 if name in ("loss", "grad_norm") else 0.0))
        self.query_one(LinePlot).show(
            PlotData(lines, xlabel="minutes" if self.x_wall else "step", log_y=self.log_y)
        )
        set_content(self.query_one("#compare-legend", Static), "   ".join(legend))
        self._table()

    def redraw_all(self) -> None:
        """Rebuild the plot, legend and table from scratch."""
        self.query_one(LinePlot).invalidate()
        self._rows = []
        self.dirty = True
        self.flush()

    def on_screen_resume(self) -> None:
        self.flush()

    def _table(self) -> None:
        rows = [self._row(i) for i in range(len(self.states))]
        if rows == self._rows:
            return
        self._rows = rows
        table = self.query_one("#final", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(*row)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def _row(self, i: int) -> tuple:
        st = self.states[i]
        info = st.info
        if info is None:
            return (self._label(i), st.error or "…", *[""] * (len(COLUMNS) - 2))
        latest = info.latest or {}
        primary = info.primary_metric or "val_loss"
        base = {k: v for k, v in (info.baselines or {}).items() if k.endswith(primary)}
        cells = {
            "run": self._label(i),
            "status": info.status,
            "metric": f"{primary.removeprefix('val_')} {fmt_num(latest.get(primary))}",
            "best": fmt_num(info.best_metric),
            "step": f"{info.step}/{info.total_steps or '?'}",
            "loss": fmt_num(latest.get("loss")),
            "val_loss": fmt_num(latest.get("val_loss")),
            "baseline": " ".join(f"{k.removesuffix('_' + primary)} {fmt_num(v)}" for k, v in base.items()) or "–",
            "cell": info.cell or "?",
            "params": f"{info.params:,}" if info.params else "–",
        }
        return tuple(cells[c] for c in COLUMNS)

    @on(Select.Changed, "#metric")
    def _metric(self, event: Select.Changed) -> None:
        self.metric = str(event.value)
        self.dirty = True
        self.flush()

    def action_next_metric(self) -> None:
        sel = self.query_one("#metric", Select)
        sel.value = METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def action_x_axis(self) -> None:
        self.x_wall = not self.x_wall
        self.dirty = True
        self.flush()

    def action_log_y(self) -> None:
        self.log_y = not self.log_y
        self.dirty = True
        self.flush()

    def action_open(self) -> None:
        row = self.query_one("#final", DataTable).cursor_row
        if 0 <= row < len(self.run_dirs):
            self.app.open_run(self.run_dirs[row])

    def action_back(self) -> None:
        self.app.pop_screen()
