"""The dashboard's panels of training curves and probes: loss, metric, gradient norm, gradient
flow, gate saturation, events. Each shows a few topics of a `RunState` and redraws only when one
of them changed (the dashboard decides when, at most a few times a second). Their base and view
options are in rnnlab/tui/widgets/panel.py, the output panel in rnnlab/tui/widgets/outputpanel.py
(both re-exported here, where the dashboard takes them)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.css.scalar import Scalar
from textual.widgets import Static

from rnnlab.runs.status import LIVE
from rnnlab.tui.i18n import pad, run_message, t, tf
from rnnlab.tui.state import RunState, fmt_num
from rnnlab.tui.widgets.heatmap import Heatmap
from rnnlab.tui.widgets.outputpanel import OutputPanel  # noqa: F401 (re-exported)
from rnnlab.tui.widgets.panel import Panel, ScrollBody, ViewOptions
from rnnlab.tui.widgets.plot import Line, LinePlot, PlotData
from rnnlab.tui.widgets.quiet import set_content
from rnnlab.tui.widgets.wraplog import WrapLog

# Reference points the lab states beside its numbers: the adding and copy baselines from Arjovsky,
# Shah & Bengio 2016; PTB-char from Cooijmans et al. 2016; the char-Transformer from nanoGPT's
# shakespeare_char (val loss 1.47 nats).
FACTS = {
    "text": "bpc = nats/ln2; LSTM ≈1.38 bpc on PTB-char; nanoGPT char-Transformer ≈2.12 bpc",
    "adding": "constant-1 predictor MSE = 1/6 ≈ 0.167 (Arjovsky et al. 2016)",
    "copy": "memoryless baseline CE = 10·ln8/(T+20) nats",
    "timeseries": "a forecast means something only beside naive and seasonal-naive",
}


# The unit of the training loss per task: cross-entropy in nats, or the mean squared error.
LOSS_UNIT = {"text": "nats", "copy": "nats", "adding": "MSE", "timeseries": "MSE (scaled)"}


def _x(state: RunState, series: Any, opts: ViewOptions) -> np.ndarray:
    if not opts.x_wall:
        return series.steps
    t0 = _wall0(state)
    return (series.walls - t0) / 60.0


def _wall0(state: RunState) -> float:
    starts = [s.walls[0] for s in state.series.by_name.values() if len(s)]
    return min(starts) if starts else 0.0


def _xlabel(opts: ViewOptions) -> str:
    return "minutes" if opts.x_wall else "step"


class LossPanel(Panel):
    TITLE = "loss"
    TOPICS = frozenset({"scalars", "reset", "info"})
    EXPLAIN = ("training loss per step (cross-entropy in nats for text and copy, bpc = nats/ln 2; "
               "MSE for adding and time series), EMA-smoothed, and val loss. Healthy: both fall and val "
               "stays close to train; val rising while train falls is overfitting.")

    def compose(self) -> ComposeResult:
        yield LinePlot(id="loss-plot")

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        lines = []
        train = state.series.get("loss")
        if train is not None:
            lines.append(Line("train", _x(state, train, opts), train.values, "cyan", opts.smoothing))
        val = state.series.get("val_loss")
        if val is not None:
            lines.append(Line("val", _x(state, val, opts), val.values, "orange"))
        last_train, last_val = (train.last() if train else None), (val.last() if val else None)
        self.set_titles(title=loss_title(state.task_kind, last_train, last_val),
                        subtitle=tf("train {train}  val {val}", train=fmt_num(last_train), val=fmt_num(last_val))
                        + ("  log-y" if opts.log_y else ""))
        self.query_one(LinePlot).show(PlotData(lines, xlabel=_xlabel(opts), log_y=opts.log_y))


def loss_title(task: Optional[str], train: Optional[float], val: Optional[float]) -> str:
    """`loss (nats)`, and for text the latest loss in bits per character beside it."""
    unit = LOSS_UNIT.get(task or "", "")
    if not unit:
        return t("loss")
    which, v = ("val", val) if val is not None and math.isfinite(val) else ("train", train)
    if task == "text" and v is not None and math.isfinite(v):
        return f"{t('loss')} ({unit}) · {t(which)} {fmt_num(v / math.log(2), 3)} bpc"
    return f"{t('loss')} ({unit})"


def metric_names(state: RunState) -> tuple[str, list[str]]:
    """The primary task metric and the other val_* metrics worth showing beside it."""
    info = state.info
    primary = getattr(info, "primary_metric", None) or "val_loss"
    others = sorted(n for n in state.series.names() if n.startswith("val_") and n not in (primary, "val_loss"))
    return primary, others


def baselines_for(state: RunState, metric: str) -> dict[str, float]:
    base = getattr(state.info, "baselines", None) or {}
    return {k[: -len(metric) - 1] or k: float(v) for k, v in base.items() if k.endswith(metric) and v is not None}


class MetricPanel(Panel):
    TITLE = "task metric vs baseline"
    TOPICS = frozenset({"scalars", "reset", "info"})
    EXPLAIN = ("the task's primary validation metric beside the baselines a model has to beat (the red "
               "lines). Healthy: below every baseline and still falling; at a baseline the model learned "
               "nothing the baseline does not know.")

    def compose(self) -> ComposeResult:
        yield LinePlot(id="metric-plot")
        yield Static(id="metric-note", classes="note")
        yield Static(id="metric-more", classes="note")  # hidden in a forecasting run's grid (app.tcss)

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        primary, others = metric_names(state)
        s = state.series.get(primary)
        lines = [Line(primary, _x(state, s, opts), s.values, "green")] if s is not None else []
        bases = baselines_for(state, primary)
        self.set_titles(title=tf("{metric} vs baseline", metric=primary))
        parts = [f"{primary} {fmt_num(s.last() if s else None)}"]
        best = getattr(state.info, "best_metric", None)
        if best is not None:
            parts.append(f"{t('best')} {fmt_num(best)}")
        # the baselines, the best (lowest) first: the one to beat; each red line is named on the plot
        near = _near(bases, s.values if s is not None else np.zeros(0))
        parts += [f"{k} {fmt_num(v)}" + ("" if k in near else "↑") for k, v in sorted(bases.items(), key=lambda kv: kv[1])]
        # the other metrics by their last value only: with each one's baselines too (a forecasting
        # run has four metrics against four baselines) the note took the panel and left the plot
        # one row at 120x40; `rnnlab show` lists them all. With the facts, under the note: a
        # forecasting run's grid hides them (its row is shorter), its tab shows them
        more = Text("  ".join(f"{name} {fmt_num(o.last() if (o := state.series.get(name)) else None)}" for name in others))
        task = state.task_kind
        if task in FACTS:
            more.append(("\n" if others else "") + t(FACTS[task]), style="dim")
        set_content(self.query_one("#metric-note", Static), Text("  ".join(parts)))
        set_content(self.query_one("#metric-more", Static), more)
        self.query_one(LinePlot).show(
            PlotData(lines, hlines=[(_short(k), v) for k, v in bases.items() if k in near], xlabel=_xlabel(opts), log_y=opts.log_y,
                     name_hlines=True, legend=False)  # one curve, named by the title: its legend covered the names
        )


def _near(bases: dict[str, float], values: np.ndarray) -> set[str]:
    """The baselines the plot draws: those at or under the curve's latest value and the first one
    above it (the one to beat). Far ones (naive 2.08 beside a curve at 0.46) squeezed the curve
    onto one row, drawn on the ETS line it was 12 % under (an outside trial); the note lists them
    with an arrow."""
    ok = values[np.isfinite(values)]
    if not ok.size:
        return set(bases)
    above = sorted((v, k) for k, v in bases.items() if v > ok[-1])
    return {k for k, v in bases.items() if v <= ok[-1]} | ({above[0][1]} if above else set())


def _short(baseline: str) -> str:
    """A baseline's name on the plot, as the forecast panel's legend says it."""
    return "s-naive" if baseline == "seasonal_naive" else baseline


class GradPanel(Panel):
    TITLE = "gradient norm (before clipping)"
    TOPICS = frozenset({"scalars", "reset", "layers"})
    EXPLAIN = ("‖g‖, the norm of the whole gradient before clipping, with the clip threshold (red) and "
               "per-layer norms. Healthy: steady near or below the threshold; spikes far above it mean "
               "exploding gradients, clipping on most steps means the lr is too high.")

    # six rows of curve, and the plot's frame, x ticks and legend: at 120x40 the table under the plot
    # (rows of 45 cells wrapped in a grid's 36) left it one row of curve
    PLOT_ROWS = 10

    def compose(self) -> ComposeResult:
        self._table_rows = 1
        yield LinePlot(id="grad-plot")
        with ScrollBody(id="layer-scroll"):  # the table gets what the plot leaves, and scrolls
            yield Static(id="layer-bars", classes="note")

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        g = state.series.get("grad_norm")
        lines = [Line("‖g‖", _x(state, g, opts), g.values, "yellow", opts.smoothing)] if g is not None else []
        clip = getattr(getattr(state.config, "train", None), "clip_norm", 0.0) or 0.0
        hl = [("clip", float(clip))] if clip > 0 else []
        clipped = state.series.get("clipped")
        frac = float(np.nanmean(clipped.values[-200:])) if clipped is not None else None
        head = tf("‖g‖ {g}  clip {clip}", g=fmt_num(g.last() if g else None), clip=fmt_num(clip) if clip else t("off"))
        share = f"{frac:.0%}" if frac is not None and math.isfinite(frac) else None
        # the share clipped says over how many steps where the border has room (a grid's third does not)
        self.set_titles(subtitle=(head + tf("  clipped {share} (last 200)", share=share), head + tf("  clipped {share}", share=share))
                        if share is not None else head)
        self.query_one(LinePlot).show(PlotData(lines, hlines=hl, xlabel=_xlabel(opts), log_y=True))
        table = LayerTable(state.vectors.get("layers"))
        self._table_rows = table.rows
        self._fit_table()
        set_content(self.query_one("#layer-bars", Static), table)

    def on_resize(self) -> None:  # (Panel.on_resize, which fits the titles, is called too)
        self._fit_table()

    def _fit_table(self) -> None:
        """The table's rows: its own, or fewer where the plot would get less than PLOT_ROWS (the
        rest scrolls); at least one. (In CSS, a min-height on the plot and a max-height on the table,
        both 1fr, came out taller than the panel: Textual applied both bounds in one pass.)"""
        scroll = self.query_one("#layer-scroll", ScrollBody)
        room = self.content_size.height - self.PLOT_ROWS - sum(w.outer_size.height for w in self.query(".explain"))
        rows = max(1, min(self._table_rows, room))
        if scroll.styles.height != Scalar.from_number(rows):
            scroll.styles.height = rows


@dataclass
class LayerTable:
    """The per-layer table, laid out at the width it is drawn at (rows of a fixed 45 cells wrapped
    in two in a grid's third of 120 columns): each layer on one row, its name cut from the left."""

    entry: Optional[tuple[int, Any]]
    limit: int = 8

    @property
    def rows(self) -> int:
        data = self.entry[1] if self.entry and isinstance(self.entry[1], dict) else None
        return 1 + min(len(data), self.limit) if data else 1

    def __rich_console__(self, console: Any, options: Any):
        yield layer_table(self.entry, self.limit, options.max_width)


def layer_table(entry: Optional[tuple[int, Any]], limit: int = 8, width: int = 45) -> Text:
    if not entry or not isinstance(entry[1], dict) or not entry[1]:
        return Text(t("per-layer norms: waiting for probe"), style="dim", no_wrap=True, overflow="ellipsis")
    step, data = entry
    def norm(v: dict) -> float:  # a diverged run records NaN/inf norms: no bar, the number says it
        x = float(v.get("grad_norm", 0) or 0)
        return x if math.isfinite(x) else 0.0

    rows = sorted(data.items(), key=lambda kv: -norm(kv[1]))[:limit]
    top = max(norm(v) for _, v in rows) or 1.0
    # name, bar, ‖g‖ and Δw/w (6 cells each): the bar gives way (10 cells down to 3) before the names do
    head = tf("layer @{step}", step=step)
    longest = max(cell_len(head), *(len(name) for name, _ in rows))
    bar_w = min(10, max(3, width - 15 - longest))
    name_w = max(6, min(longest, width - 15 - bar_w))
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{' ' * max(0, name_w - cell_len(head))}{head} {'':<{bar_w}} {'‖g‖':>6} {'Δw/w':>6}\n", style="dim")
    for name, v in rows:
        gn = float(v.get("grad_norm", 0) or 0)
        bar = "█" * max(0, int(bar_w * norm(v) / top))
        short = name if len(name) <= name_w else "…" + name[len(name) - name_w + 1 :]
        out.append(f"{short:>{name_w}} {bar:<{bar_w}} {_num6(gn, 3):>6} {_num6(v.get('update_ratio'), 2):>6}\n")
    out.rstrip()
    return out


def _num6(v: Any, digits: int) -> str:
    """A number in at most 6 cells, `digits` significant ones or as few fewer as it takes, with a
    short exponent ("7.5e-4": fmt_num's "7.50e-04" ran into the next column)."""
    x = float(v) if v is not None else math.nan
    if not math.isfinite(x):
        return fmt_num(x)

    def short(text: str) -> str:
        mant, e, exp = text.partition("e")
        return f"{mant}e{int(exp)}" if e else text

    text = ""
    for d in range(digits, 0, -1):
        for text in (short(f"{x:.{d}g}"), short(f"{x:.{d - 1}e}")):
            if len(text) <= 6:
                return text
    return text


class FlowPanel(Panel):
    TITLE = "gradient flow ‖∂L_T/∂x_t‖ vs distance from T"
    SHORT_TITLE = "gradient flow ‖∂L_T/∂x_t‖"  # the x axis says T - t
    TOPICS = frozenset({"grad_flow", "reset"})
    EXPLAIN = ("‖∂L_T/∂x_t‖: how strongly the loss at the last step T still depends on the input T-t "
               "steps back (log scale; heatmap rows = probes over training). Healthy: a gentle decline, "
               "far/near above 1e-2; a steep fall is vanishing gradients (no long memory), a rise exploding.")

    def compose(self) -> ComposeResult:
        yield LinePlot(id="flow-plot")
        yield Heatmap(id="flow-heat")

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        self.set_titles(title=(t(self.TITLE), t(self.SHORT_TITLE)))  # again in the language now spoken
        if not state.flow:
            self.query_one(LinePlot).show(PlotData(empty_message="waiting for gradient-flow probe"))
            self.query_one(Heatmap).show(None)
            return
        step, norms = state.flow[-1]
        back = norms[::-1]  # index 0 is t = T
        dist = np.arange(len(back), dtype=np.float64)
        self.query_one(LinePlot).show(
            PlotData([Line(tf("step {step}", step=step), dist, back, "magenta")], xlabel="T - t", log_y=True)
        )
        width = max(len(n) for _, n in state.flow)
        m = np.full((len(state.flow), width), np.nan)
        for i, (_, n) in enumerate(state.flow):
            r = n[::-1]
            with np.errstate(divide="ignore", invalid="ignore"):
                m[i, : len(r)] = np.log10(np.where(r > 0, r, np.nan))
        ratio = back[-1] / back[0] if back[0] > 0 else math.nan
        verdict = "vanishing" if ratio < 1e-2 else "exploding" if ratio > 1e2 else "steady"
        words = dict(ratio=fmt_num(ratio, 2), verdict=t(verdict))
        self.set_titles(subtitle=(tf("‖far‖/‖near‖ = {ratio} ({verdict})", **words), tf("‖far‖/‖near‖ {ratio} ({verdict})", **words),
                                  tf("{ratio} ({verdict})", **words)))
        self.query_one(Heatmap).show(m, tf("rows: probes {first}→{last} (newest last); left = t=T",
                                           first=state.flow[0][0], last=step), log10=True)


class GatePanel(Panel):
    TITLE = "gate saturation"
    TOPICS = frozenset({"gates", "hidden_norm", "reset", "info"})
    EXPLAIN = ("share of each gate's activations saturated (sigmoid gates: below 0.1 or above 0.9; the tanh "
               "candidate: |·| above 0.9) and mean ‖h_t‖. Healthy: mostly unsaturated; a forget gate "
               "saturated open (near 1) is how an LSTM keeps long memory.")

    def compose(self) -> ComposeResult:
        # a forecasting run's grid gives the panel 6 rows at 120x40 (a 1-layer LSTM's lines are 8, a
        # 3-layer one's 18): the mean ‖h_t‖ lines at the end were cut off; they scroll into view now
        # (the wheel, or the keys of the focused panel)
        with ScrollBody(id="gate-scroll"):
            yield Static(id="gate-bars")

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        set_content(self.query_one("#gate-bars", Static), gate_text(state))


# Gates whose nonlinearity is tanh, not sigmoid (the names train/probes.py gives them).
TANH_GATES = ("cell", "new")


def gate_text(state: RunState) -> Text:
    cell = getattr(state.info, "cell", None)
    entry = state.vectors.get("gates")
    out = Text(no_wrap=True, overflow="ellipsis")  # a row that wraps splits "saturated" off it
    if not entry or not entry[1]:
        if cell in ("lstm", "gru"):
            out.append(t("waiting for the gates probe") + "\n", style="dim")
        else:
            out.append(tf("{cell} has no gates", cell=cell or t("this cell")) + "\n", style="dim")
    else:
        step, gates = entry
        width = max(len(n) for n in gates)
        # the tanh candidate (LSTM cell g, GRU new n) lives in -1..1 and saturates near ±1: the
        # probe counts |·| > 0.9 as its high share and has no low one (train/probes.py)
        head = t("mean")
        out.append(f"{'@' + str(step):>{width}} {' ' * (14 - cell_len(head))}{head} {'<0.1':>4} {'>0.9':>4}\n", style="dim")
        for name, g in gates.items():
            mean = float(g.get("mean", 0) or 0)
            lo = float(g.get("sat_low", 0) or 0)
            hi = float(g.get("sat_high", 0) or 0)
            tanh = name.rsplit(".", 1)[-1] in TANH_GATES
            low = "   –" if tanh else f"{lo:4.0%}"
            out.append(f"{name:>{width}} {_bar(abs(mean), 8)} {mean:+.2f} {low} {hi:4.0%}")
            if lo + hi > 0.5:
                out.append(" " + t("saturated"), style="bold")
            out.append("\n")
        tanh_names = [n for n in gates if n.rsplit(".", 1)[-1] in TANH_GATES]
        if tanh_names:
            # short enough for a grid's third of 120 columns (cut there, it lost what >0.9 means)
            out.append(tf("{gate} (tanh): >0.9 means |·|>0.9", gate=tanh_names[0].rsplit(".", 1)[-1]) + "\n", style="dim")
    hid = state.vectors.get("hidden_norm")
    if hid and isinstance(hid[1], dict) and hid[1].get("layers"):
        out.append(t("mean ‖h_t‖ (first → last t)") + "\n", style="dim")  # (no blank line: a row of 13 was one too few)
        for i, layer in enumerate(hid[1]["layers"]):
            if layer:
                out.append(tf("  layer {i}: {first} → {last}", i=i, first=fmt_num(layer[0], 3), last=fmt_num(layer[-1], 3)) + "\n")
    out.rstrip()  # no blank row under the last line
    return out


def _bar(frac: float, width: int = 10) -> str:
    n = int(round(min(max(frac, 0.0), 1.0) * width))
    return "█" * n + "·" * (width - n)


EVENT_STYLE = {"warning": "yellow", "diverged": "bold red", "error": "bold red", "finished": "green", "stopped": "yellow"}


class EventPanel(Panel):
    TITLE = "events"
    # tab goes straight to its log, whose keys scroll it (focused, the panel itself had no keys)
    can_focus = False
    TOPICS = frozenset({"events", "reset", "info"})  # info: the notes of a finished forecasting run
    EXPLAIN = ("the run's log, newest last: evals, checkpoints, commands sent, and warnings (gradient "
               "spikes, divergence) with the step they happened at. A finished forecasting run ends it with "
               "what `rnnlab show` says of it: the members' and the fused forecast's test MASE, and where the "
               "model loses (worse than a baseline or a classical member).")

    def compose(self) -> ComposeResult:
        yield WrapLog(id="event-log", max_lines=2000)  # wrapped at its width, so every line can be reached

    def on_mount(self) -> None:
        self._shown = 0
        self._notes: list[tuple[str, str]] = []

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        log = self.query_one(WrapLog)
        notes = run_notes(state)
        # the notes stay last, as `train` and `show` print them: new events or new notes rewrite the log
        rewrite = notes != self._notes or (bool(notes) and self._shown < len(state.events))
        if self._shown > len(state.events) or rewrite:
            self._shown = 0
            log.clear()
        for ev in state.events[self._shown :]:
            log.write(event_text(ev))
        if rewrite:
            for label, line in notes:
                log.write(Text(f"{'':>7} ").append(pad(t(label), 9), style="bold yellow").append(f" {line}"))
        self._notes = notes
        self._shown = len(state.events)


def run_notes(state: RunState) -> list[tuple[str, str]]:
    """A finished forecasting run's fusion line and notes, as `rnnlab show` prints them (the same
    rnnlab/tasks/timeseries/verdict.py lines from the stored metrics, translated by run_message):
    the members' and the fused forecast's test MASE, where the model or the fused forecast loses,
    a band that fell back or missed its level. None while it runs (the test split is scored at the end)."""
    info = state.info
    if info is None or state.task_kind != "timeseries" or info.status in LIVE:
        return []
    from rnnlab.tasks.timeseries import verdict

    latest = dict(info.latest or {})
    fusion = verdict.summary_line(latest)
    out = [("fusion", run_message(fusion))] if fusion else []
    return out + [("notes", run_message(note)) for note in verdict.notes(latest, dict(info.baselines or {}))]


def event_text(ev: Any) -> Text:
    """One line of the log; under zh the kind and the known phrases of the worker's (English,
    stored) message in Chinese, as `rnnlab show` prints them (run_message)."""
    step = getattr(ev, "step", None)
    kind = getattr(ev, "kind", "?")
    msg = getattr(ev, "message", "")
    line = Text(f"{'' if step is None else step:>7} ", style="dim")
    line.append(pad(t(kind), 9), style=EVENT_STYLE.get(kind, "bold"))
    line.append(f" {run_message(msg)}")
    return line
