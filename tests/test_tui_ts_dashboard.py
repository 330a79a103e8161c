"""A student's four faults in the forecasting dashboard and the New form, each as the lab shows it:
plot legends drawn over the curves, panel titles cut at 120x40, an events log whose last lines
(the forecasting notes) could not be reached, and no covariates field (with its hint) on the form."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_forecast import _forecast_run  # noqa: E402
from test_tui_snapshots import _open_dashboard, _until  # noqa: E402


@pytest.fixture(autouse=True)
def _steady_redraws(monkeypatch):
    """Redraws at the steady cadence (a loaded test process is always over the CPU budget)."""
    from rnnlab.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "CPU_BUDGET", float("inf"))


def _finished_forecast(tmp_path) -> Path:
    """The fixtures' forecaster (stopped: it has ended) with a forecast, a backtest and the metrics
    that end its events log with a fusion line and notes."""
    root = _forecast_run(tmp_path)
    db = sqlite3.connect(root / "20260101-110000-c3c3" / "run.db")
    with db:
        for name, value in (("member_rnn_val_mase", 0.9), ("member_arima_val_mase", 0.4), ("fused_test_mase", 0.5),
                            ("member_arima_test_mase", 0.45), ("member_rnn_test_mase", 0.8), ("fusion_weight_arima", 1.0)):
            db.execute("INSERT OR REPLACE INTO latest (name, step, value, best) VALUES (?, 600, ?, NULL)", (name, value))
        # a log longer than the events panel at 120x40 and at 80x24, as a real run's is
        for k in range(30):
            db.execute("INSERT INTO events (attempt, step, wall, kind, message, data) SELECT MAX(attempt), ?, MAX(wall), "
                       "'eval', ?, NULL FROM events", (10 * k, f"val_loss=0.{k:02d}, val_rmse=0.{k:02d}, val_mase=0.{k:02d}"))
    db.close()
    return root


def _frame_text(plot_text: str) -> list[str]:
    """What a plot draws inside its frame: the rows between its top and bottom edges, right of the y axis."""
    rows = plot_text.splitlines()
    top = next(i for i, r in enumerate(rows) if "┌" in r)
    bottom = next(i for i, r in enumerate(rows) if "└" in r)
    return [re.split(r"[┤├│]", r, maxsplit=1)[-1] for r in rows[top + 1 : bottom]]


def test_no_dashboard_plot_of_a_forecast_writes_words_over_its_curves(tmp_path):
    """Loss, val-vs-baseline, gradient norm, gradient flow, the forecast and the backtest: each
    plot's legend (and each baseline's name) is outside its frame, and still on the screen."""
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.widgets.plot import LinePlot

    root = _forecast_run(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_dashboard(pilot, 1)
            screen = pilot.app.screen
            await _until(pilot, lambda: screen.query_one("#backtest-plot", LinePlot).display)
            await pilot.pause(0.5)
            return {p.id: (p.render().plain, [ln.label for ln in p._data.lines] + [label for label, _ in p._data.hlines])
                    for p in screen.query(LinePlot) if p.display and p.region.area}

    shown = asyncio.run(go())
    assert {"loss-plot", "metric-plot", "grad-plot", "flow-plot", "forecast-plot", "backtest-plot"} <= set(shown), shown
    plots = {pid: text for pid, (text, _) in shown.items()}
    for pid, (text, labels) in shown.items():
        # (conftest sets NO_COLOR: series are told apart by markers such as x and o, letters too)
        inside = [(label, r) for r in _frame_text(text) for label in labels if label and label in r]
        assert not inside, (pid, inside, text)
    # the names are still there, under the plot (the legend) or on the y axis (the baselines)
    assert re.search(r"train .*val", plots["loss-plot"].splitlines()[-1]), plots["loss-plot"]
    assert "‖g‖" in plots["grad-plot"] and "clip" in plots["grad-plot"]
    assert "step 300" in plots["flow-plot"]
    assert "model RMSE" in plots["backtest-plot"] and "s-naive" in plots["backtest-plot"]
    labels = [m.group(1) for line in plots["metric-plot"].splitlines() if (m := re.match(r"\s*([^\s┤├│]+)[┤├]", line))]
    # the baseline to beat is named on its line; naive, far above the curve, is
    # left to the note with an arrow (it squeezed the curve onto a row or two)
    assert "s-naive" in labels and "naive" not in labels, plots["metric-plot"]


def test_a_legend_under_a_plot_shares_the_x_label_row_and_costs_the_curves_no_row():
    from test_tui_readable import _plot_of

    import numpy as np

    from rnnlab.tui.widgets.plot import Line, PlotData

    x = np.arange(1, 101, dtype=np.float64)
    lines = [Line("train", x, 1 / x, "cyan"), Line("val", x, 2 / x, "orange")]
    with_legend = _plot_of(PlotData(lines), size=(50, 14))
    without = _plot_of(PlotData(lines, legend=False), size=(50, 14))
    assert len(_frame_text(with_legend)) == len(_frame_text(without))
    last = with_legend.splitlines()[-1]
    assert "train" in last and "val" in last and "step" in last, with_legend


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_every_panel_title_of_a_forecast_fits_its_border(tmp_path, size):
    """At 120x40 the gradient-flow title lost "distance from T" to an ellipsis, the gradient norm's
    subtitle "(last 200)" and the flow's "(vanishing)" its verdict: each wording now fits, the
    longest that does shown."""
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.dashboard import PANELS
    from rnnlab.tui.widgets.panel import Panel

    root = _finished_forecast(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await _open_dashboard(pilot, 1)
            screen = pilot.app.screen
            seen = {}
            for pid, _, _ in PANELS:
                screen.query_one("#panel-tabs").active = f"tab-{pid}"
                await pilot.pause(0.4)
                panel = screen.query_one(f"#{pid}", Panel)
                room = panel.outer_size.width - 6
                for which in ("border_title", "border_subtitle"):
                    text = str(getattr(panel, which) or "")
                    assert cell_len(text) <= room, (pid, which, text, room)
                seen[pid] = (str(panel.border_title), str(panel.border_subtitle or ""), room)
                if pid == "gates":  # the line under the bars, cut short of ">0.9" at 120x40
                    bars = screen.query_one("#gate-bars")
                    tanh = [ln for ln in str(bars.render()).splitlines() if "tanh" in ln], bars.size.width
            return seen, *tanh

    seen, tanh, width = asyncio.run(go())
    assert seen["flow"][0].startswith("gradient flow ‖∂L_T/∂x_t‖")
    assert re.search(r"\((steady|vanishing|exploding)\)$", seen["flow"][1]), seen["flow"]
    assert "clipped" in seen["grads"][1] or "clip" in seen["grads"][1]
    if size == (80, 24):  # room for every word
        assert seen["flow"][0] == "gradient flow ‖∂L_T/∂x_t‖ vs distance from T"
    assert tanh and all(cell_len(ln.rstrip()) <= width and "…" not in ln for ln in tanh), tanh


def _log_state(log) -> dict:
    return {"width": log.virtual_size.width, "room": log.scrollable_content_region.width, "y": log.scroll_y,
            "max": log.max_scroll_y, "last": log.lines[-1].text if log.lines else ""}


def test_the_events_log_keeps_its_lines_in_reach_by_keys_and_wheel(tmp_path):
    """The events log of a finished forecast at 80x24 wrapped its lines at 78 cells in 74: lines ran
    past the edge, a horizontal scrollbar took the bottom row and the end, the notes, was one row
    below where scrolling stopped. Tab now lands on the log itself (focused, the panel had no
    keys); home/end, page keys and the wheel move it; a resize wraps it again and keeps its end."""
    from textual import events

    from textual.widgets import RichLog

    from rnnlab.tui.app import LabApp

    root = _finished_forecast(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_dashboard(pilot, 1, tab="events")
            screen = pilot.app.screen
            log = screen.query_one("#event-log", RichLog)
            await _until(pilot, lambda: any("worse than arima" in line.text for line in log.lines))
            await pilot.pause(0.3)
            narrow = _log_state(log)
            chain = [w.id for w in screen.focus_chain]
            while screen.focused is not log:
                await pilot.press("tab")
            await pilot.press("home")
            await _until(pilot, lambda: log.scroll_y == 0)
            await pilot.press("pagedown")
            await _until(pilot, lambda: log.scroll_y > 0)
            y = log.scroll_y
            log.post_message(events.MouseScrollUp(log, 2, 2, 0, -1, 0, False, False, False, screen_x=2, screen_y=2))
            await _until(pilot, lambda: log.scroll_y < y)
            await pilot.press("end")
            await _until(pilot, lambda: log.scroll_y == log.max_scroll_y)
            await pilot.resize_terminal(160, 48)  # the grid: events two columns of three wide
            await _until(pilot, lambda: log.scrollable_content_region.width > 100 and log.virtual_size.width > 78)
            await _until(pilot, lambda: log.scroll_y == log.max_scroll_y)
            wide = _log_state(log)
            return narrow, wide, [line.text for line in log.lines[-6:]], chain

    narrow, wide, tail, chain = asyncio.run(go())
    for state in (narrow, wide):
        assert state["width"] <= state["room"], state  # no line past the edge, no horizontal scrollbar
    assert narrow["y"] == narrow["max"], narrow  # opened at its end: the notes
    assert wide["room"] > narrow["room"] and wide["width"] > narrow["room"], (narrow, wide)
    assert "worse than" in " ".join(tail) or "fusion" in " ".join(tail) or "MASE" in " ".join(tail), tail
    assert "event-log" in chain and "events" not in chain, chain  # tab lands on the log, whose keys scroll it


def _monthly_csv(path: Path) -> Path:
    import math

    rows = ["date,sales,temp"]
    for i in range(150):
        year, month = 2010 + i // 12, 1 + i % 12
        rows.append(f"{year}-{month:02d}-01,{100 + 0.5 * i + 10 * math.sin(i * math.pi / 6):.2f},{15 + 8 * math.sin(i * math.pi / 6):.2f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_new_form_has_a_covariates_field_with_its_hint_for_a_forecast(tmp_path, monkeypatch):
    """The form had no covariates field: task.covariates could only be set in a preset's TOML.
    Shown for time series only, hinted as other columns of the CSV, read into the config as a
    list, and a column the CSV lacks is flagged on the field."""
    from textual.widgets import Input

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.i18n import ZH

    csv = _monthly_csv(tmp_path / "monthly.csv")

    async def go():
        app = LabApp(tmp_path / "runs")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("n")
            await pilot.pause(0.3)
            screen = app.screen
            row = screen.query_one("#row-covariates")
            shown_for_text = row.display
            field = screen.query_one("#covariates", Input)
            screen.query_one("#task").value = "timeseries"
            await pilot.pause(0.2)
            shown = row.display
            screen.query_one("#source", Input).value = str(csv)
            screen.query_one("#column", Input).value = "sales"
            screen.query_one("#time_column", Input).value = "date"
            field.value = "temp"
            await _until(pilot, lambda: screen.cfg is not None and screen.cfg.task.covariates == ["temp"])
            await _until(pilot, lambda: "parameters" in str(screen.query_one("#form-status").render())
                         and "reading the data" not in str(screen.query_one("#form-status").render()), 60)
            field.value = "tmp"
            await _until(pilot, lambda: field.has_class("-invalid"), 60)
            status = str(screen.query_one("#form-status").render())
            return shown_for_text, shown, str(field.placeholder), status, row.region.width

    shown_for_text, shown, hint, status, width = asyncio.run(go())
    assert not shown_for_text and shown
    assert hint == "other CSV columns, e.g. temp, price" and hint in ZH and "covariates" in ZH
    assert "no column 'tmp' (task.covariates)" in status and "did you mean 'temp'" in status, status
    assert cell_len(hint) < width


def test_the_covariates_field_reads_and_shows_a_list_of_names():
    from rnnlab.config import validate
    from rnnlab.tui.newform import data_field, form_config, names, names_text

    assert names(" temp, price ,, ") == ["temp", "price"] and names("Max Temp") == ["Max Temp"]
    assert names_text(["temp", "price"]) == "temp, price" and names_text([]) == ""
    values = {"cell": "lstm", "attention": False, "layers": "1", "hidden": "64", "task": "timeseries",
              "source": "builtin:synthetic-driven", "column": "", "time_column": "", "covariates": "temperature",
              "seq_len": "100", "window": "", "horizon": "", "optimizer": "adam", "lr": "0.001", "schedule": "constant",
              "clip": "1.0", "steps": "1000", "batch": "32", "device": "auto"}
    data, _ = form_config({}, values, False)
    assert validate(data, "form").task.covariates == ["temperature"]
    base = {"task": {"kind": "timeseries", "covariates": ["temperature"]}}
    data, _ = form_config(base, {**values, "covariates": ""}, False)  # emptied: none, not the preset's
    assert "covariates" not in data["task"]
    data, _ = form_config({}, {**values, "task": "text", "covariates": "temperature"}, False)
    assert "covariates" not in data.get("task", {})  # hidden for text: it sets nothing
    assert data_field("data.csv: no column 'x' (task.covariates); columns are: a, b") == "covariates"
    assert data_field("data.csv: no column 'x' (task.column); columns are: a, b") == "source"


def test_a_forecasts_dashboard_does_not_offer_the_text_playground(tmp_path):
    # an outside trial pressed `g Playground` in a forecast's footer and got only a warning
    from rnnlab.tui.app import LabApp

    root = _finished_forecast(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_dashboard(pilot, 1)
            await pilot.pause(0.5)
            screen = pilot.app.screen
            keys = {key for key, b in screen.active_bindings.items() if b.enabled and b.binding.show}
            return screen.check_action("playground", ()), screen.check_action("sample", ()), keys

    playground, sample, keys = asyncio.run(go())
    assert playground is False and sample is True
    assert "g" not in keys and "n" in keys  # the footer offers sample now, not the playground
