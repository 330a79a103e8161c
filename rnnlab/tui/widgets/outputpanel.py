"""The dashboard's output panel: what the model produces now. Text samples; the forecast against
the actual series with the naive baselines, the classical members, the fused forecast and the
conformal band, its residual diagnostics and the latest backtest; or predictions vs targets.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import RichLog, Static

from rnnlab import timeaxis
from rnnlab.runs.status import LIVE
from rnnlab.tasks.timeseries import verdict as tsverdict
from rnnlab.tui.i18n import run_message, t, tf
from rnnlab.tui.markers import LegendGrid, marker_glyph, series_marker
from rnnlab.tui.state import RunState, fmt_num
from rnnlab.tui.widgets.panel import Panel, ViewOptions
from rnnlab.tui.widgets.plot import Line, LinePlot, PlotData
from rnnlab.tui.widgets.quiet import set_content


# the forecast's lines as the legend names them: the model's forecast beside the fused one is the rnn's
LEGEND_NAMES = {"seasonal_naive": "s-naive", "forecast": "rnn forecast"}
MIN_RESIDUALS = 20  # fewer residuals than this: the Ljung-Box p is shown, no verdict drawn from it


class OutputPanel(Panel):
    TITLE = "output"
    TOPICS = frozenset({"output", "backtest", "reset"})
    EXPLAIN = ("what the model produces now: samples (text), predictions vs targets, or a forecast of the "
               "validation split against the actual series: the recurrent model's own forecast (rnn forecast) and its "
               "conformal band (rnn 80% band, calibrated on its validation errors), the classical members (ets, "
               "theta, arima, mstl), the fused forecast that joins them (the weights under the chart; what "
               "`forecast --future` uses by default) and the naive and seasonal-naive baselines; beside it, the "
               "latest backtest. Healthy forecast residuals look like noise (Ljung-Box p > 0.05).")

    def compose(self) -> ComposeResult:
        yield RichLog(id="samples", wrap=True, markup=False, max_lines=500)
        # the latest backtest beside the forecast, not under it: under it, each got one plot row at 120x40
        with Horizontal(id="forecast-row"):
            yield LinePlot(id="forecast-plot")
            yield LinePlot(id="backtest-plot")
        yield Static(id="forecast-legend", classes="note")  # the forecast's legend, under it
        yield Static(id="output-note", classes="note")

    def on_mount(self) -> None:
        self._shown = 0
        self._empty = True
        self._mode("text")

    def wants(self, changed: set[str]) -> bool:
        # with nothing to show, the note follows the run's status (waiting, or ended without one)
        return super().wants(changed) or (self._empty and "info" in changed)

    def _mode(self, kind: str) -> None:
        self.query_one("#samples").display = kind == "text"
        self.query_one("#forecast-row").display = kind == "forecast"
        self.query_one("#forecast-legend").display = kind == "forecast"
        if kind != "forecast":
            self.query_one("#backtest-plot").display = False

    def redraw(self, state: RunState, opts: ViewOptions) -> None:
        log = self.query_one("#samples", RichLog)
        note = self.query_one("#output-note", Static)
        if self._shown > len(state.outputs):  # reset
            self._shown = 0
            log.clear()
        self._empty = not state.outputs
        if not state.outputs:
            ended = state.info is not None and state.info.status not in LIVE
            # an ended run never gets one (a lesson's quick size turns the probe off): say so, not "waiting"
            set_content(note, Text(t("this run recorded no output probe (probes.output_every is 0 or above its steps)")
                                   if ended else t("waiting for the first output probe"), style="dim"))
            return
        step, last = state.outputs[-1]
        kind = last.get("type")
        self._mode(kind)
        if kind != "forecast":
            self.set_titles(subtitle="")
        if kind == "text":
            self.set_titles(title=t("samples"))
            for s, d in state.outputs[self._shown :]:
                if d.get("type") == "text":
                    log.write(Text("── " + tf("step {step}", step=s) + f"  T={d.get('temperature', '?')} ──", style="dim"))
                    log.write(Text(str(d.get("prime", "")), style="bold") + Text(str(d.get("sample", ""))))
            set_content(
                note, f"distinct-1 {fmt_num(last.get('distinct_1'), 3)}  distinct-2 {fmt_num(last.get('distinct_2'), 3)}"
            )
        elif kind == "forecast":
            where = f" ({last['split']})" if last.get("split") else ""
            if last.get("kept_step") is not None:  # the finished run's kept model (loop.score_test)
                step = tf("{step}, the best checkpoint", step=last["kept_step"])
            self.set_titles(title=tf("forecast vs actual{where} @ {step}", where=where, step=step))
            self._forecast(last, note, state.vectors.get("backtest"))
        else:
            self.set_titles(title=tf("predictions @ {step}", step=step))
            rows = last.get("rows") or []
            set_content(note, Text("\n".join(_row_text(r) for r in rows[:12]) or t("no rows")))
        self._shown = len(state.outputs)

    def _forecast(self, d: dict, note: Static, backtest: Any = None) -> None:
        hist = np.asarray(d.get("history") or [], dtype=np.float64)
        n = len(hist)
        lines = [Line("history", np.arange(n, dtype=np.float64), hist, "white")] if n else []
        # the narrowest conformal band of the recurrent model's own forecast (task.output_probe, calibrated
        # on val errors), not the fused forecast's: its edges, drawn first, under the forecast
        bands = d.get("bands") or {}
        level = min(bands, key=float, default=None)
        for edge in ("lower", "upper") if level is not None else ():
            y = np.asarray(bands[level].get(edge) or [], dtype=np.float64)
            if len(y) and np.isfinite(y).all():
                lines.append(Line(f"rnn {level}% {edge}", np.arange(n, n + len(y), dtype=np.float64), y, "blue"))
        members = d.get("members") or {}
        # the classical members (thin colours) under the model and the fused forecast it joins
        series = [(f"{k}", members[k], c) for k, c in (("ets", "yellow"), ("theta", "magenta"), ("arima", "red"), ("mstl", "blue+")) if k in members]
        series += [(key, d.get(key), color) for key, color in (("actual", "white"), ("forecast", "cyan"), ("naive", "gray"),
                                                              ("seasonal_naive", "orange"), ("fused", "green"))]
        for key, values, color in series:
            y = np.asarray(values or [], dtype=np.float64)
            if len(y):
                lines.append(Line(key, np.arange(n, n + len(y), dtype=np.float64), y, color))
        dates = timeaxis.ticks(d.get("times") or [])
        # the legend under the plot, its entries one after another (rnnlab/tui/markers.py): inside
        # it, its names covered half the plot at 80x24; in a grid, eleven took six rows at 120x40.
        # The band's two edges share one look and one entry, named as the model's band.
        mono = bool(getattr(self.app, "no_color", False))
        legend: list[tuple[str, Optional[str], str]] = []
        look = 0
        for line in lines:
            edge = line.label.startswith("rnn ") and line.label.endswith(" upper")
            look -= edge  # the upper edge looks like the lower one
            line.marker = series_marker(look) if mono else "braille"
            look += 1
            if line.label.startswith("rnn ") and line.label.endswith(" lower"):
                legend.append((marker_glyph(line.marker), None if mono else line.color, tf("rnn {level}% band", level=level)))
            elif not edge:  # seasonal_naive as the backtest line says it; the model's forecast named as its band is
                legend.append((marker_glyph(line.marker), None if mono else line.color,
                               t(LEGEND_NAMES.get(line.label, line.label))))
        # dates under the axis need no "date" under them: its row goes to the curves
        self.query_one("#forecast-plot", LinePlot).show(
            PlotData(lines, xlabel="" if dates else "t", xticks=tuple((float(x), s) for x, s in dates),
                     own_markers=True, legend=False)
        )
        acf = d.get("acf") or []
        bars = " ".join(f"{a:+.2f}" for a in acf[:8])
        p = d.get("ljung_box_p")
        verdict = residual_verdict(p, d.get("ljung_box_n"))
        # the Ljung-Box verdict on the panel's bottom edge, as the other panels say their latest numbers:
        # its row goes to the chart
        self.set_titles(subtitle=f"Ljung-Box Q={fmt_num(d.get('ljung_box_q'), 3)} p={fmt_num(p, 3)}{verdict}")
        text = f"{t('residual ACF')} {bars}" if bars else ""
        if d.get("weights"):
            # to two decimals, as train's, show's and the events' `fusion:` line (0.025 here beside 0.02 there)
            text += ("\n" if text else "") + f"{t('fused')}: " + ", ".join(f"{t('s-naive') if k == 'seasonal_naive' else k} {w:.2f}"
                                                   for k, w in d["weights"].items())
            if d.get("selection_origins"):
                text += f" ({run_message(tsverdict.chosen_on(int(d['selection_origins'])))})"
        set_content(self.query_one("#forecast-legend", Static), LegendGrid(legend, flow=True))  # type: ignore[arg-type]
        set_content(note, text + _backtest_line(backtest))
        self._backtest_plot(backtest)

    def _backtest_plot(self, backtest: Any) -> None:
        """The latest backtest as a small plot: RMSE per origin, the model and the fused forecast
        beside naive and seasonal-naive from the same origins (hidden until the run has one)."""
        plot = self.query_one("#backtest-plot", LinePlot)
        rows = backtest[1].get("origins") if backtest and isinstance(backtest[1], dict) else None
        plot.display = bool(rows)
        if not rows:
            return
        x = np.arange(1, len(rows) + 1, dtype=np.float64)
        # the origins' dates under it (the axis read `2  4`, beside a chart of other dates: an outside trial)
        times = [str(r.get("time") or "") for r in rows]
        dates = timeaxis.ticks(times, most=2) or ([(0, times[0]), (len(rows) - 1, times[-1])] if all(times) else [])
        lines = []
        # labels carry the metric: the x-axis label's row goes to the curves in this small plot
        for key, label, color in (("model", "model RMSE", "cyan"), ("fused", "fused", "green"), ("naive", "naive", "gray"),
                                  ("seasonal_naive", "s-naive", "orange")):
            y = np.array([float((r.get(key) or {}).get("rmse", np.nan)) for r in rows], dtype=np.float64)
            if np.isfinite(y).all():
                lines.append(Line(label, x, y, color))
        plot.show(PlotData(lines, xlabel="" if dates else t("origin"), xticks=tuple((float(p + 1), s) for p, s in dates)))


def _backtest_line(backtest: Any) -> str:
    """The latest `rnnlab forecast --backtest` of this run, in one line (its plot is _backtest_plot)."""
    if not backtest or not isinstance(backtest[1], dict) or not backtest[1].get("mean"):
        return ""
    bt = backtest[1]
    mean = bt["mean"]
    # the coverage of the band `--future` gives: the fused forecast's where the backtest has it
    banded = "fused" if "fused" in mean else "model"
    cover = mean.get(banded, {}).get("coverage_80")
    rmse = "  ".join(f"{t(label)} {fmt_num(mean.get(key, {}).get('rmse'), 3)}" for key, label in
                     (("model", "model"), ("fused", "fused"), ("naive", "naive"), ("seasonal_naive", "s-naive")) if key in mean)
    return "\n" + tf("backtest {n} origins, mean RMSE: {rmse}", n=bt.get("backtest"), rmse=rmse) + (
        tf("  {who} 80% cover {share}", who=t(banded), share=fmt_num(cover, 2)) if cover is not None else "")


def _row_text(row: Any) -> str:
    if isinstance(row, dict):
        return "  ".join(f"{k}={fmt_num(v, 3) if isinstance(v, float) else v}" for k, v in row.items())
    return str(row)


def residual_verdict(p: Optional[float], n: Optional[int]) -> str:
    """The words after a Ljung-Box p: none without a p; none drawn from a handful of residuals
    (4 to 7 of one validation split read "white" where the test split's 67 origins said
    autocorrelated, an outside trial); white or autocorrelated at the 5 % level otherwise."""
    if p is None or not math.isfinite(p):
        return ""
    if n is not None and n < MIN_RESIDUALS:
        return "  " + tf("too few residuals to judge ({n})", n=n)
    return "  " + t("residuals look white" if p > 0.05 else "residuals autocorrelated")
