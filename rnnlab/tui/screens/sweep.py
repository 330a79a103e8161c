"""Sweep: one sweep's trials, live, drawn as Optuna's dashboard draws them. The trials table
(complete trials best first, then pruned ones best first) beside the importances (with the number of complete trials
they rest on; none below rnnlab/sweeps/study.MIN_IMPORTANCE_TRIALS); under them the history
(trials as points, the best so far as a step line) and one of: parallel coordinates (each axis
with its own values, coloured by the metric, with a key), slice plots (the metric against each
parameter), learning curves (intermediate values; pruned trials marked where they stopped).
`v` (or a click on the tab) switches between those; `enter` opens a trial's dashboard.

A thread worker reads the study through a `SweepReader` kept open (new journal lines only,
importances again only when a trial completes) every REFRESH_S and posts the summary; each
plot redraws only when what it shows changed (rnnlab/tui/sweepviews.py builds them)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from rnnlab.tui import sweepviews
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.state import fmt_num
from rnnlab.tui.widgets.plot import LinePlot

REFRESH_S = 2.0
TRIAL_STYLE = {"complete": "", "pruned": "magenta", "failed": "bold red", "running": "bold green", "waiting": "yellow"}
VIEWS = ("parallel", "slice", "curves")
MAX_SLICES = 4  # slice plots side by side; a bigger space shows its first four


def _short(key: str) -> str:
    return key.split(".", 1)[-1]


def title_text(s: dict[str, Any]) -> Text:
    t = Text()
    t.append(f"sweep {s['name']}", style="bold")
    if s["name"] != s["sweep_id"]:
        t.append(f" ({s['sweep_id']})", style="dim")
    t.append(f"  {s['status']}  {s['done']}/{s['total']} done  {s['direction']} {s['metric']}")
    b = s.get("best")
    if b:
        t.append(f"  best {fmt_num(b['value'])} (trial {b['number']})", style="green")
    return t


class SweepScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter,o", "open", "Open trial"),
        Binding("v", "next_view", "View"),
    ]
    KEYS_HELP = {"v": "the lower-right view: parallel coordinates, slice plots (metric vs each parameter), learning curves"}

    @dataclass
    class Loaded(Message):
        summary: Optional[dict]
        error: str = ""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SweepScreen.Loaded)

    def __init__(self, sweep_dir: Path) -> None:
        super().__init__()
        self.sweep_dir = Path(sweep_dir)
        self.summary: Optional[dict] = None
        self._rows: Optional[list] = None
        self._slices: list[str] = []  # the space keys with a slice plot mounted

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-title")
        with Horizontal(id="sweep-top"):
            yield DataTable(id="sweep-trials", cursor_type="row", zebra_stripes=True)
            with Vertical(id="sweep-imp", classes="panel"):
                yield Static(id="sweep-imp-text")
        with Horizontal(id="sweep-plots"):
            with Vertical(classes="panel", id="sweep-best-panel"):
                yield LinePlot(id="sweep-best")
            with TabbedContent(id="sweep-views"):  # the first tab (parallel) shows first
                with TabPane("parallel", id="view-parallel"):
                    yield LinePlot(id="sweep-par")
                    yield Static(id="sweep-par-key")
                with TabPane("slice", id="view-slice"):
                    yield Horizontal(id="sweep-slices")
                with TabPane("curves", id="view-curves"):
                    yield LinePlot(id="sweep-curves")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sweep-imp").border_title = t("importance")
        self.query_one("#sweep-best-panel").border_title = t("history: trials, best so far")
        self.query_one("#sweep-title", Static).update(Text("reading the study…", style="dim"))
        self.query_one(DataTable).focus()
        self.watch_sweep()

    @work(thread=True, group="sweep", exclusive=True, exit_on_error=False)
    def watch_sweep(self) -> None:
        from rnnlab.tui.sweepreader import SweepReader

        worker = get_current_worker()
        reader = None
        while not worker.is_cancelled:
            if self.is_current:
                try:
                    reader = reader or SweepReader(self.sweep_dir)
                    self.post_message(self.Loaded(reader.read()))
                except Exception as err:
                    reader = None  # opened again next time (a storage being written or moved)
                    self.post_message(self.Loaded(None, f"{type(err).__name__}: {err}"))
            time.sleep(REFRESH_S)

    def on_screen_resume(self) -> None:
        self.watch_sweep()

    def on_sweep_screen_loaded(self, msg: Loaded) -> None:
        if msg.summary is None:
            self.query_one("#sweep-title", Static).update(Text(translate(msg.error), style="red"))
            return
        s = self.summary = msg.summary
        self.query_one("#sweep-title", Static).update(title_text(s))
        self.show_views(s)
        keys = list(s["space"])
        rows = [(str(t["number"]), Text(t["state"], style=TRIAL_STYLE.get(t["state"], "")), fmt_num(t["value"]),
                 *(fmt_num(t["params"].get(k)) if isinstance(t["params"].get(k), float) else str(t["params"].get(k, "–")) for k in keys),
                 t["run_id"] or "–", t.get("host") or "–") for t in s["trials"]]
        if [tuple(map(str, r)) for r in rows] == self._rows:
            return
        self._rows = [tuple(map(str, r)) for r in rows]
        table = self.query_one(DataTable)
        current = self.current_trial()
        # widths from the cells themselves: the table's auto widths lagged the first rows
        labels = ("#", "state", s["metric"].removeprefix("val_"), *map(_short, keys), "run", "host")
        table.clear(columns=True)
        for i, label in enumerate(labels):
            table.add_column(label, width=max([len(label)] + [len(r[i]) for r in self._rows]))
        for t, row in zip(s["trials"], rows):
            table.add_row(*row, key=str(t["number"]))
        if current is not None:
            try:
                table.move_cursor(row=table.get_row_index(str(current["number"])))
            except Exception:
                pass

    def show_views(self, s: dict[str, Any]) -> None:
        """The importances and every plot (each LinePlot rebuilds only if its data changed)."""
        self.query_one("#sweep-imp-text", Static).update(sweepviews.importance_text(s))
        self.query_one("#sweep-best", LinePlot).show(sweepviews.history(s))
        mono = bool(self.app.no_color)  # without colour the metric's bins get markers
        self.query_one("#sweep-par", LinePlot).show(sweepviews.parallel(s, mono))
        self.query_one("#sweep-par-key", Static).update(sweepviews.colour_key(s, mono))
        self.query_one("#sweep-curves", LinePlot).show(sweepviews.curves(s, mono))
        keys = list(s["space"])[:MAX_SLICES]
        if keys != self._slices:
            box = self.query_one("#sweep-slices", Horizontal)
            box.remove_children()
            box.mount_all([LinePlot(classes="sweep-slice") for _ in keys])
            self._slices = keys
            self.call_after_refresh(self._show_slices)
        else:
            self._show_slices()

    def _show_slices(self) -> None:
        if self.summary is None:
            return
        for plot, key in zip(self.query(".sweep-slice").results(LinePlot), self._slices):
            plot.show(sweepviews.slice_plot(self.summary, key))

    def action_next_view(self) -> None:
        tabs = self.query_one("#sweep-views", TabbedContent)
        now = (tabs.active or "view-parallel").removeprefix("view-")
        tabs.active = "view-" + VIEWS[(VIEWS.index(now) + 1) % len(VIEWS)]

    def current_trial(self) -> Optional[dict]:
        table = self.query_one(DataTable)
        if self.summary is None or not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None
        return next((t for t in self.summary["trials"] if str(t["number"]) == key), None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        t = self.current_trial()
        if t is None:
            return
        run_dir = self.sweep_dir.parent.parent / (t["run_id"] or "")
        if not t["run_id"] or not (run_dir / "run.db").is_file():
            self.notify(tf("trial {n} has no run in this runs dir (another host runs it)", n=t['number']), severity="warning")
            return
        self.app.open_run(run_dir)

    def action_back(self) -> None:
        self.app.pop_screen()
