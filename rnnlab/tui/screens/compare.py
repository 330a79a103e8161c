"""Compare: chosen runs' curves overlaid and a final-metrics table, live.

Up to `MAX_RUNS` runs: each gets a colour, then (colours used up) the next marker with the
colours again; without colour each has its own marker (rnnlab/tui/markers.py). The legend is a
grid of equal cells, so 20 names stay readable. `x` cycles the x-axis (step, wall time, tokens
seen: steps x the tokens one step trains on, as the run recorded them), `a` aligns the runs at
the point where each reached its best (lowest) value of a metric, `S` (or a click on a column
header) sorts the table by the next column.

The config keys where the runs differ (rnnlab/runs/hparams.py) are columns of the table, after
the metric; the panel's subtitle counts them. Runs of one seed group (`rnnlab train --seeds N`)
show as one curve, their mean, between two dotted edges (min and max at each x), and as one row
of mean ± sd (rnnlab/tui/seedgroups.py); `g` shows them run by run instead.

One reading thread tails every run with the dashboard's loop (`state.follow_many`: posts only
polls that brought something, and the info once a second; a reader that fails is closed and
reopened);
the plot, legend and table each redraw only when what they show changed, at most every
`REDRAW_INTERVAL`. The table's rows and its sort: rnnlab/tui/screens/comparetable.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from rich.text import Text

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Select, Static
from textual.worker import get_current_worker

from rnnlab.tui.screens.comparetable import MAX_DIFF_COLUMNS, SHOWN_KEYS, CompareTable
from rnnlab.tui.screens.dashboard import REDRAW_INTERVAL
from rnnlab.tui.screens.homerows import short_ids
from rnnlab.runs.axes import X_AXES, X_LABELS, best_index, tokens_per_step
from rnnlab.tui import seedgroups
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.markers import MAX_RUNS, marker_glyph, series_style
from rnnlab.tui.state import POLL_INTERVAL, RunState, Update, follow_many
from rnnlab.tui.widgets.quiet import set_content
from rnnlab.tui.widgets.plot import PALETTE, Line, LinePlot, PlotData

METRICS = ("loss", "val_loss", "primary", "grad_norm")
# align each run at its best point of: nothing, its primary (val) metric, val_loss, loss
ALIGNS = (None, "primary", "val_loss", "loss")


class Compare(CompareTable, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("m", "next_metric", "Metric"),
        Binding("x", "x_axis", "X-axis"),
        Binding("a", "align", "Align"),
        Binding("l", "log_y", "Log-y"),
        Binding("S", "sort", "Sort"),
        Binding("g", "groups", "Groups"),
        Binding("enter", "open", "Open run"),
    ]
    KEYS_HELP = {
        "x": "x-axis: step, wall time (minutes), tokens seen",
        "a": "align the runs at their best point of: the primary val metric, val_loss, loss, or not",
        "S": "sort the table by the next column (a click on a header sorts by it; again reverses)",
        "g": "seed groups: each as its mean with a min–max band and mean ± sd in the table, or run by run",
    }

    @dataclass
    class Updated(Message):
        index: int
        update: Update

    def __init__(self, run_dirs: list[Path], metric: str = "loss", panel: Optional[str] = None) -> None:
        super().__init__()
        self.run_dirs = [Path(d) for d in run_dirs]
        self.states = [RunState() for _ in self.run_dirs]
        self.metric = metric if metric in METRICS else "loss"
        self.panel = panel  # the dashboard tab a run opened from here starts on (a lesson's)
        if panel:  # opened by a lesson, whose text says: Enter on a run opens it on that panel
            self.AUTO_FOCUS = "#final"
        self.x_axis = "step"
        self.align: Optional[str] = None
        self.sort_col: Optional[str] = None
        self.sort_desc = False
        self.log_y = False
        self.dirty = True
        self._wake = threading.Event()
        self._rows: list[tuple] = []
        self._ids = short_ids([d.name for d in self.run_dirs])
        self.grouped = True  # seed groups as mean + band (when there are any)
        self.diff_keys: list[str] = []  # config keys where the runs differ: table columns
        self.flats: list[dict] = [{} for _ in self.run_dirs]
        self._differ: list[str] = []
        self._same = 0

    def _groups(self) -> dict[str, list[int]]:
        return seedgroups.groups_of([st.info for st in self.states]) if self.grouped else {}

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-top", classes="panel") as v:
            v.border_title = t("compare")
            yield Select([(m, m) for m in METRICS], value=self.metric, allow_blank=False, id="metric")
            yield LinePlot(id="compare-plot")
            yield Static(id="compare-legend", classes="note")
        yield DataTable(id="final", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from rnnlab.runs.hparams import HParams, varying

        cache = HParams()  # a few small TOML files: read here, once
        self.flats = [cache.of(d) for d in self.run_dirs]
        differ = varying(self.flats) if len(self.flats) > 1 else []
        same = len({k for f in self.flats for k in f}) - len(differ)
        # as columns: keys every run has (runs of other tasks differ in every task key), not the
        # cell (a column already), at most MAX_DIFF_COLUMNS; `rnnlab diff` lists them all
        self.diff_keys = [k for k in differ if k not in SHOWN_KEYS and all(k in f for f in self.flats)][:MAX_DIFF_COLUMNS]
        self._differ, self._same = differ, same
        self._subtitle()
        self._columns()
        self.follow_runs()
        self.set_interval(REDRAW_INTERVAL, self.flush)

    def _subtitle(self) -> None:
        if len(self.run_dirs) < 2:
            return
        differ, same = self._differ, self._same
        shown = set(self.diff_keys) | set(SHOWN_KEYS)
        cols = t("in the table") if shown >= set(differ) else tf("{k} in the table; all: rnnlab diff", k=len(self.diff_keys))
        top = self.query_one("#compare-top")
        top.border_subtitle = tf("config differs in {n} of {m} keys ({cols})", n=len(differ), m=len(differ) + same,
                                 cols=cols) if differ else tf("config: the same ({same} keys)", same=same)

    def relabel(self) -> None:
        """Say everything again in the interface language (the lab's language switch)."""
        self.query_one("#compare-top").border_title = t("compare")
        self._subtitle()
        self._columns()
        self.redraw_all()

    def on_unmount(self) -> None:
        self._wake.set()

    @work(thread=True, group="follow", exclusive=True, exit_on_error=False)
    def follow_runs(self) -> None:
        worker = get_current_worker()
        follow_many(
            self.run_dirs, lambda i, up: self.post_message(self.Updated(i, up)), lambda: worker.is_cancelled,
            self._wake, POLL_INTERVAL,
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

    def _x(self, i: int, s: Any) -> np.ndarray:
        if self.x_axis == "wall":
            return (s.walls - s.walls[0]) / 60.0
        if self.x_axis == "tokens":
            per = tokens_per_step(getattr(self.states[i].info, "latest", None), self.states[i].config)
            return s.steps * per if per else s.steps * np.nan
        return s.steps

    def _offset(self, i: int) -> Optional[float]:
        """Where (on the x-axis) run i reached its best value of the align metric; None when it
        has no finite point of it yet."""
        st = self.states[i]
        name = (getattr(st.info, "primary_metric", None) or "val_loss") if self.align == "primary" else self.align
        s = st.series.get(name) if name else None
        at = best_index(s.values) if s is not None else None
        return None if at is None else float(self._x(i, s)[at])

    def _align_label(self) -> str:
        if self.align is None:
            return ""
        return tf("best {metric}", metric=t("val metric") if self.align == "primary" else self.align)

    def flush(self) -> None:
        if not self.dirty or not self.is_current:
            return
        self.dirty = False
        lines, legend = [], []
        palette = None if self.app.no_color else PALETTE
        # one metric for all (the selector above says which): the legend names the runs only
        same = len({self._metric_of(st) for st in self.states}) == 1
        groups = self._groups()
        member = {i: g for g, ix in groups.items() for i in ix}
        for i, st in enumerate(self.states):
            name = self._metric_of(st)
            s = st.series.get(name)
            # a run's look follows its place among the runs, shown or not, so it keeps it
            color, marker = series_style(i, palette)
            glyph = marker_glyph(marker) if marker != "braille" or palette is None else "━━"
            colour = color or "default"
            if i in member:  # drawn with its group, where the group's first run comes
                if groups[member[i]][0] == i:
                    legend.append(self._group_lines(groups[member[i]], name, same, lines, palette))
                continue
            if s is None:
                legend.append((f"[{colour}]{glyph}[/]", tf("{run} ({metric}: no points)", run=self._label(i), metric=name)))
                continue
            x = self._x(i, s)
            if self.align is not None:
                off = self._offset(i)
                if off is None:
                    legend.append((f"[{colour}]{glyph}[/]", tf("{run} (no {align} yet)", run=self._label(i), align=self._align_label())))
                    continue
                x = x - off
            legend.append((f"[{colour}]{glyph}[/]", self._label(i) if same else f"{self._label(i)} ({name})"))
            lines.append(Line(self._label(i), x, s.values, color or "cyan", 0.05 if name in ("loss", "grad_norm") else 0.0,
                              marker=marker))
        xlabel = t(X_LABELS[self.x_axis]) + (tf(" from {align}", align=self._align_label()) if self.align else "")
        # the legend line under the plot names the runs: a legend inside it would cover curves
        self.query_one(LinePlot).show(PlotData(lines, xlabel=xlabel, log_y=self.log_y, own_markers=True, legend=False))
        set_content(self.query_one("#compare-legend", Static), self._legend(legend))
        self._table()

    def _group_lines(self, ix: list[int], name: str, same: bool, lines: list, palette) -> tuple[str, str]:
        """Add a seed group's band edges and mean to `lines`; return its legend entry. The
        group keeps its first run's look."""
        curves = []
        for j in ix:
            st = self.states[j]
            s = st.series.get(self._metric_of(st))
            off = self._offset(j) if self.align else 0.0
            if s is not None and off is not None:
                curves.append((self._x(j, s) - off, s.values))
        color, marker = series_style(ix[0], palette)
        glyph = marker_glyph(marker) if marker != "braille" or palette is None else "━━"
        colour = color or "default"
        label = self._group_label(ix)
        b = seedgroups.band(curves)
        if b is None:
            return (f"[{colour}]{glyph}[/]", tf("{run} ({metric}: too few points)", run=label, metric=name))
        for y in (b.hi, b.lo):
            lines.append(Line("", b.x, y, color or "cyan", 0.0, marker="·"))  # no label: not in the plot's legend
        smooth = 0.05 if name in ("loss", "grad_norm") else 0.0
        lines.append(Line(label, b.x, b.mean, color or "cyan", smooth, marker=marker))
        text = tf("{run}: mean of {n} seeds, ·· min–max", run=label, n=b.n)
        return (f"[{colour}]{glyph}[/]", text if same else f"{text} ({name})")

    def _group_label(self, ix: list[int]) -> str:
        return seedgroups.label([self._label(i) for i in ix]) + f" ×{len(ix)}"

    def _legend(self, entries: list[tuple[str, str]]) -> str:
        """Entries (glyph markup, label) in a grid of equal cells, as many to a line as fit, so
        that twenty runs read as a table rather than a paragraph."""
        from rich.markup import escape

        if not entries:
            return ""
        width = max(20, (self.query_one("#compare-legend", Static).size.width or self.size.width) - 1)
        from rich.cells import cell_len  # a Chinese label takes two cells a character

        cell = min(width, max(cell_len(text) for _, text in entries) + 5)  # glyph, space, text, gap
        per_line = max(1, width // cell)
        rows = []
        for k in range(0, len(entries), per_line):
            chunk = entries[k:k + per_line]
            rows.append("".join(f"{glyph} {escape(text)}" + " " * (cell - 3 - cell_len(text)) for glyph, text in chunk).rstrip())
        return "\n".join(rows)

    def redraw_all(self) -> None:
        """Rebuild the plot, legend and table from scratch."""
        self.query_one(LinePlot).invalidate()
        self._rows = []
        self.dirty = True
        self.flush()

    def on_screen_resume(self) -> None:
        self.flush()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        col = str(event.column_key.value)
        self.sort_desc = (not self.sort_desc) if col == self.sort_col else False
        self.sort_col = col
        self._columns()
        self._table()

    def action_groups(self) -> None:
        if not seedgroups.groups_of([st.info for st in self.states]):
            self.notify(t("no seed groups among these runs (rnnlab train --seeds N makes one)"), severity="warning")
            return
        self.grouped = not self.grouped
        self.notify(t("seed groups: mean with a min–max band") if self.grouped else t("seed groups: run by run"))
        self.redraw_all()

    @on(Select.Changed, "#metric")
    def _metric(self, event: Select.Changed) -> None:
        self.metric = str(event.value)
        self.dirty = True
        self.flush()

    def action_next_metric(self) -> None:
        sel = self.query_one("#metric", Select)
        sel.value = METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def action_x_axis(self) -> None:
        self.x_axis = X_AXES[(X_AXES.index(self.x_axis) + 1) % len(X_AXES)]
        self.notify(tf("x-axis: {axis}", axis=t(X_LABELS[self.x_axis])))
        self.dirty = True
        self.flush()

    def action_align(self) -> None:
        self.align = ALIGNS[(ALIGNS.index(self.align) + 1) % len(ALIGNS)]
        self.notify(tf("aligned at each run's {align}", align=self._align_label()) if self.align else t("not aligned"))
        self.dirty = True
        self.flush()

    def action_log_y(self) -> None:
        self.log_y = not self.log_y
        self.dirty = True
        self.flush()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # enter on the focused table is the table's own key: it selects the row
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#final", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        # a seed group's row opens its first run
        self.app.open_run(self.run_dirs[int(key.removeprefix("g"))], panel=self.panel)

    def action_back(self) -> None:
        self.app.pop_screen()
