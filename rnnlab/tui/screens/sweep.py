"""Sweep: one sweep's trials, live. The trials table (sorted by the metric, best first), the
best value so far against the trial number, parallel coordinates of the parameters coloured by
the metric, and the parameters' importances; `enter` opens a trial's dashboard.

A thread worker reads the study (rnnlab/sweeps/manage.show: Optuna, never torch) every
REFRESH_S and posts the summary; the screen redraws only what changed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from rnnlab.tui.state import fmt_num
from rnnlab.tui.widgets.plot import Line, LinePlot, PlotData

REFRESH_S = 2.0
TRIAL_STYLE = {"complete": "", "pruned": "magenta", "failed": "bold red", "running": "bold green", "waiting": "yellow"}
# good -> bad, for lines coloured by the metric (the markers tell them apart without colour)
RANKS = ("green", "cyan", "yellow", "orange", "red")


def _short(key: str) -> str:
    return key.split(".", 1)[-1]


def best_so_far(s: dict[str, Any]) -> PlotData:
    done = sorted((t["number"], t["value"]) for t in s["trials"] if t["state"] == "complete" and t["value"] is not None)
    if not done:
        return PlotData(xlabel="trial", empty_message="no complete trial yet")
    xs = np.array([n for n, _ in done], dtype=float)
    ys = np.array([v for _, v in done], dtype=float)
    best = np.minimum.accumulate(ys) if s["direction"] == "minimize" else np.maximum.accumulate(ys)
    return PlotData(lines=[Line("trial", xs, ys, color="gray", marker="dot"), Line("best so far", xs, best, color="green")],
                    xlabel="trial number")


def parallel(s: dict[str, Any]) -> PlotData:
    from rnnlab.sweeps.coords import axes, colour_rank

    names, lines = axes(s)
    label = "  ".join(f"{i}:{_short(n)}" for i, n in enumerate(names))
    if not lines:
        return PlotData(xlabel=label, empty_message="no scored trial yet")
    values = [t["value"] for t, _ in lines]
    xs = np.arange(len(names), dtype=float)
    out = []
    for t, ys in sorted(lines, key=lambda ty: -colour_rank(ty[0]["value"], values, s["direction"])):  # best drawn last, on top
        rank = colour_rank(t["value"], values, s["direction"])
        out.append(Line("", xs, np.array(ys, dtype=float), color=RANKS[min(len(RANKS) - 1, int(rank * len(RANKS)))]))
    return PlotData(lines=out, xlabel=label)


def importance_text(s: dict[str, Any], width: int = 8) -> Text:
    t = Text()
    imp = s.get("importances")
    if not imp:
        t.append(s.get("importance_method") or "", style="dim")
        return t
    for k, v in sorted(imp.items(), key=lambda kv: -kv[1]):
        t.append(f"{_short(k)[:12]:<12} ", style="bold")
        t.append("█" * max(1, round(v * width)), style="cyan")
        t.append(f" {v:.2f}\n")
    t.append(s.get("importance_method", "").split(" (")[0], style="dim")
    return t


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
    ]

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

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-title")
        with Horizontal(id="sweep-top"):
            yield DataTable(id="sweep-trials", cursor_type="row", zebra_stripes=True)
            with Vertical(id="sweep-imp", classes="panel"):
                yield Static(id="sweep-imp-text")
        with Horizontal(id="sweep-plots"):
            with Vertical(classes="panel", id="sweep-best-panel"):
                yield LinePlot(id="sweep-best")
            with Vertical(classes="panel", id="sweep-par-panel"):
                yield LinePlot(id="sweep-par")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sweep-imp").border_title = "importance"
        self.query_one("#sweep-best-panel").border_title = "best so far"
        self.query_one("#sweep-par-panel").border_title = "parallel coordinates (colour: metric)"
        self.query_one("#sweep-title", Static).update(Text("reading the study…", style="dim"))
        self.query_one(DataTable).focus()
        self.watch_sweep()

    @work(thread=True, group="sweep", exclusive=True, exit_on_error=False)
    def watch_sweep(self) -> None:
        from rnnlab.sweeps import manage, record

        worker = get_current_worker()
        while not worker.is_cancelled:
            if self.is_current:
                try:
                    self.post_message(self.Loaded(manage.show(record.load(self.sweep_dir))))
                except Exception as err:
                    self.post_message(self.Loaded(None, f"{type(err).__name__}: {err}"))
            time.sleep(REFRESH_S)

    def on_screen_resume(self) -> None:
        self.watch_sweep()

    def on_sweep_screen_loaded(self, msg: Loaded) -> None:
        if msg.summary is None:
            self.query_one("#sweep-title", Static).update(Text(msg.error, style="red"))
            return
        s = self.summary = msg.summary
        self.query_one("#sweep-title", Static).update(title_text(s))
        self.query_one("#sweep-imp-text", Static).update(importance_text(s))
        self.query_one("#sweep-best", LinePlot).show(best_so_far(s))
        self.query_one("#sweep-par", LinePlot).show(parallel(s))
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
            self.notify(f"trial {t['number']} has no run in this runs dir (another host runs it)", severity="warning")
            return
        self.app.open_run(run_dir)

    def action_back(self) -> None:
        self.app.pop_screen()
