"""System: this machine's devices (the CPU, each NVIDIA GPU) with utilisation, memory,
temperature and power, the live runs on each, and what each run's worker uses.

A thread worker samples every SAMPLE_EVERY_S (rnnlab/runs/system.py through
rnnlab/tui/sampling.py) and re-lists the runs root every RELIST_S (listing a thousand runs costs
more than sampling them)."""

from __future__ import annotations

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

from rnnlab.runs.system import DEVICE_COLUMNS, RUN_COLUMNS, device_rows, run_rows
from rnnlab.tui import sampling
from rnnlab.tui.i18n import t as tr, tf

RELIST_S = 10.0


def summary_text(sample: Any) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(sample.host, style="bold")
    load = "" if sample.load is None else "  " + tr("load") + " " + " ".join(f"{x:.2f}" for x in sample.load)
    n = len(sample.runs)
    t.append("  " + tf("{cores} cores{load}  ·  {n} live run{s} here", cores=sample.cpu_count, load=load, n=n, s="s" * (n != 1)))
    if sample.gpu_note:
        t.append(f"\n{sample.gpu_note}", style="dim")
    return t


class SystemScreen(Screen):
    """The machine and the runs on it, live."""

    BINDINGS = [Binding("escape,y", "back", "Back")]

    @dataclass
    class Sampled(Message):
        sample: Any

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SystemScreen.Sampled)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)

    def compose(self) -> ComposeResult:
        yield Static(Text(tr("sampling…"), style="dim"), id="system-summary")
        devices = DataTable(id="system-devices", cursor_type="row", zebra_stripes=True)
        devices.border_title = tr("devices")
        yield devices
        runs = DataTable(id="system-runs", cursor_type="row", zebra_stripes=True)
        runs.border_title = tr("live runs on this host")
        yield runs
        yield Footer()

    def on_mount(self) -> None:
        for table, columns in ((self.query_one("#system-devices", DataTable), DEVICE_COLUMNS),
                               (self.query_one("#system-runs", DataTable), RUN_COLUMNS)):
            for label in columns:
                table.add_column(tr(label), key=label)
        self.query_one("#system-devices", DataTable).focus()
        self.watch_system()

    @work(thread=True, group="system", exclusive=True, exit_on_error=False)
    def watch_system(self) -> None:
        from rnnlab.runs.store import list_runs

        worker = get_current_worker()
        source = sampling.sampler()
        if source is None:
            self.post_message(self.Sampled(None))
            return
        runs: list = []
        listed = 0.0
        while not worker.is_cancelled:
            if time.monotonic() - listed >= RELIST_S:
                try:
                    runs = list_runs(self.root) if self.root.is_dir() else []
                except Exception:
                    runs = []
                listed = time.monotonic()
            self.post_message(self.Sampled(source.sample(runs)))
            for _ in range(int(sampling.SAMPLE_EVERY_S / 0.1)):
                if worker.is_cancelled:
                    return
                time.sleep(0.1)

    def on_system_screen_sampled(self, msg: Sampled) -> None:
        summary = self.query_one("#system-summary", Static)
        if msg.sample is None:
            summary.update(Text(tr("psutil is not installed: no system figures"), style="red"))
            return
        summary.update(summary_text(msg.sample))
        for table, rows in ((self.query_one("#system-devices", DataTable), device_rows(msg.sample)),
                            (self.query_one("#system-runs", DataTable), run_rows(msg.sample))):
            row = table.cursor_row
            table.clear()
            for r in rows:
                table.add_row(*r)
            if rows:
                table.move_cursor(row=min(row, len(rows) - 1))

    def action_back(self) -> None:
        self.app.pop_screen()
