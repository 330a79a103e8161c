"""Three faults from a user trial, each as the lab shows it: the gradient-norm plot left one row of
curve at 120x40 (the per-layer table under it, rows of 45 cells wrapped in a grid's 36, took the
rest); the gate-saturation panel's `mean ‖h_t‖` lines were cut off below its border (a forecasting
run's grid gives it 6 rows, a 2-layer LSTM needs 13); and the New form had a covariates field but
none for `task.future_covariates`.

Real fixture runs through the store (tests/tui_fixtures.py), the real app under Pilot; "shown" is
what the terminal holds (the compositor's rows, as `tmux capture-pane` prints them)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_forecast import _forecast_run  # noqa: E402
from test_tui_snapshots import _open_dashboard, _until  # noqa: E402
from test_tui_ts_dashboard import _frame_text, _monthly_csv  # noqa: E402

FORECASTER, RUNNING = 1, 0  # the fixture runs' rows on the home screen


@pytest.fixture(autouse=True)
def _steady_redraws(monkeypatch):
    """Redraws at the steady cadence (a loaded test process is always over the CPU budget)."""
    from rnnlab.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "CPU_BUDGET", float("inf"))


def _shown(app, widget) -> list[str]:
    """The terminal's rows inside `widget`'s region: what a reader sees there (clipped by the panel
    around it, scrolled as it is)."""
    strips = app.screen._compositor.render_strips()
    region = widget.region.intersection(app.screen.region)
    return [strips[y].text[region.x : region.right] for y in range(region.y, region.bottom)]


def _two_layer_lstm(root: Path) -> None:
    """The running adding run's last probes as a 2-layer LSTM's: eight gates, two ‖h_t‖ layers."""
    from rnnlab.runs.writer import append_vector

    run = root / "20260101-120000-d4d4"
    gates = {f"l{i}.{g}": {"mean": 0.5, "sat_low": 0.05, "sat_high": 0.1}
             for i in range(2) for g in ("input", "forget", "cell", "output")}
    append_vector(run, "gates", gates)
    append_vector(run, "hidden_norm", {"layers": [[0.1, 0.4], [0.2, 0.9]]})


# ------------------------------------------------------------------ 1. the gradient-norm plot


@pytest.mark.parametrize("size,row", [((120, 40), FORECASTER), ((120, 40), RUNNING), ((80, 24), FORECASTER)],
                         ids=["120x40-forecast", "120x40-grid", "80x24"])
def test_the_gradient_norm_plot_keeps_six_rows_of_curve_and_its_table_one_row_a_layer(tmp_path, size, row):
    """At 120x40 the plot had one row of curve in a forecasting run's grid and three in the plain
    one. Now six at least, the table under it has a row a layer (no wrapped halves) and at least
    its header and largest layer on the screen, the rest a scroll away, and the other panels keep
    their plots."""
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.widgets.plot import LinePlot

    root = _forecast_run(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await _open_dashboard(pilot, row, tab="grads" if size == (80, 24) else None)
            screen = pilot.app.screen
            plot = screen.query_one("#grad-plot", LinePlot)
            await _until(pilot, lambda: "‖g‖" in plot.render().plain)
            bars = screen.query_one("#layer-bars")
            await _until(pilot, lambda: "rnn.l0" in str(getattr(bars, "_rnnlab_content", "")))
            await pilot.pause(0.3)
            seen = {"grad": _frame_text(plot.render().plain), "lines": bars.size.height, "room": bars.parent.size.height,
                    "shown": _shown(app, screen.query_one("#grads"))[len(plot.render().plain.splitlines()) + 1 : -1]}
            if size != (80, 24):  # the grid: the panels around it keep their plots
                seen["loss"] = _frame_text(screen.query_one("#loss-plot", LinePlot).render().plain)
                if row == FORECASTER:  # the forecast keeps its two rows of the grid, the events log a few lines
                    seen["forecast"] = screen.query_one("#forecast-plot", LinePlot).size.height
                    seen["events"] = screen.query_one("#event-log").size.height
            return seen

    seen = asyncio.run(go())
    assert len(seen["grad"]) >= 6, seen["grad"]
    # under the plot: the table's header and its largest layer at least, a row each, names whole
    shown = [row.strip("│ ") for row in seen["shown"]]
    step = {FORECASTER: "@300", RUNNING: "@600"}[row]
    assert len(shown) >= 2 and shown[0].split() == ["layer", step, "‖g‖", "Δw/w"], shown
    assert shown[1].split()[0] == "rnn.l0.weight_hh" and len(shown[1].split()) >= 4, shown  # name, bar, ‖g‖, Δw/w
    assert seen["lines"] == 4, seen  # the header and three layers: no row wrapped in two
    if size == (80, 24):  # the tab has room for all of it
        assert seen["room"] == 4 and [r.split()[0] for r in shown[1:4]] == ["rnn.l0.weight_hh", "head.weight",
                                                                            "rnn.l0.weight_ih"], shown
    else:
        assert len(seen["loss"]) >= 6, seen["loss"]
    if "forecast" in seen:
        assert seen["forecast"] >= 8 and seen["events"] >= 3, seen


def test_the_layer_table_fits_the_width_it_is_drawn_at():
    from rich.console import Console

    from rnnlab.tui.widgets.panels import LayerTable

    data = {"rnn.weight_hh_l0": {"grad_norm": 0.0373, "update_ratio": 0.0056},
            "head.weight": {"grad_norm": 0.0979, "update_ratio": 7.5e-4},
            "rnn.bias_ih_l0": {"grad_norm": 1.234e-5, "update_ratio": 0.013}}
    for width in (35, 36, 76):
        console = Console(width=width, record=True, color_system=None)
        console.print(LayerTable((700, data)))
        lines = console.export_text().rstrip("\n").splitlines()
        assert len(lines) == 4 and all(cell_len(ln.rstrip()) <= width for ln in lines), (width, lines)
        assert lines[0].split() == ["layer", "@700", "‖g‖", "Δw/w"], lines
        assert "head.weight" in lines[1] and "0.0979" in lines[1] and "7.5e-4" in lines[1], lines  # no 7.50e-04 run-ons
        assert "rnn.weight_hh_l0" in lines[2] and "1.2e-5" in lines[3], lines
    assert LayerTable((700, data)).rows == 4 and LayerTable(None).rows == 1


# ------------------------------------------------------------------ 2. the gate-saturation panel


@pytest.mark.parametrize("size,row,scrolls", [((120, 40), FORECASTER, True), ((120, 40), RUNNING, False),
                                              ((80, 24), FORECASTER, False)],
                         ids=["120x40-forecast", "120x40-grid-2-layers", "80x24"])
def test_every_line_of_the_gate_panel_can_be_seen(tmp_path, size, row, scrolls):
    """The `mean ‖h_t‖` lines were cut off under the border: in a forecasting run's grid (6 rows
    for 8 lines) and for a 2-layer LSTM in the plain grid (13 rows for 14 lines). The blank line
    above them is gone (the 2-layer LSTM fits), and what does not fit scrolls: the focused panel's
    end key brings the last lines into view."""
    from rnnlab.tui.app import LabApp

    root = _forecast_run(tmp_path)
    if row == RUNNING:
        _two_layer_lstm(root)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await _open_dashboard(pilot, row, tab="gates" if size == (80, 24) else None)
            screen = pilot.app.screen
            bars, panel = screen.query_one("#gate-bars"), screen.query_one("#gates")
            await _until(pilot, lambda: "‖h_t‖" in str(bars.render()))
            await pilot.pause(0.3)
            lines = [ln.rstrip() for ln in str(bars.render()).splitlines()]
            first = _shown(app, panel)
            panel.focus()
            await pilot.press("end")
            await pilot.pause(0.3)
            return lines, first, _shown(app, panel)

    lines, first, last = asyncio.run(go())
    seen = "\n".join(first + last)
    missing = [ln for ln in lines if ln.strip() and ln.strip()[:30] not in seen]
    assert not missing, (missing, first, last)
    assert "layer 0:" in "\n".join(last) and "mean ‖h_t‖" in "\n".join(last), last
    assert ("layer 0:" in "\n".join(first)) is not scrolls, first  # on the screen at once where it fits
    assert lines[-1].startswith("  layer") and "mean ‖h_t‖ (first → last t)" in lines and "" not in lines, lines
    if row == RUNNING:
        assert [ln for ln in lines if ln.startswith("  layer")] == ["  layer 0: 0.1 → 0.4", "  layer 1: 0.2 → 0.9"]


# ------------------------------------------------------------------ 3. the New form's future covariates


def _promo_csv(path: Path) -> Path:
    """The monthly sales CSV with a promotion calendar beside the temperature."""
    src = _monthly_csv(path.with_name("monthly.csv")).read_text().splitlines()
    rows = [src[0] + ",promo"] + [f"{line},{int(i % 5 == 0)}" for i, line in enumerate(src[1:])]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_new_form_has_a_future_covariates_field_validated_as_the_covariates_one(tmp_path, monkeypatch):
    """task.future_covariates (columns known ahead) could be set only in TOML: the ts-covariates
    preset's `promo` was kept out of sight. The field shows for time series only, is filled from
    the preset, reads a list of names into the config, and a column the CSV lacks is flagged on it
    (not on the covariates field) with the did-you-mean the covariates field gets."""
    from textual.widgets import Input

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.i18n import ZH

    csv = _promo_csv(tmp_path / "shop.csv")

    async def go():
        app = LabApp(tmp_path / "runs")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("n")
            await pilot.pause(0.3)
            screen = app.screen
            row = screen.query_one("#row-future_covariates")
            shown_for_text = row.display
            field, cov = screen.query_one("#future_covariates", Input), screen.query_one("#covariates", Input)
            screen.query_one("#preset").value = "ts-covariates"
            await _until(pilot, lambda: field.value == "promo")
            shown = row.display
            screen.query_one("#preset").value = "(scratch)"  # the preset's window is for its 4000 rows
            await _until(pilot, lambda: field.value == "")
            screen.query_one("#task").value = "timeseries"
            await pilot.pause(0.2)
            screen.query_one("#source", Input).value = str(csv)
            screen.query_one("#column", Input).value = "sales"
            screen.query_one("#time_column", Input).value = "date"
            cov.value, field.value = "temp", "promo"
            await _until(pilot, lambda: screen.cfg is not None and screen.cfg.task.future_covariates == ["promo"]
                         and screen.cfg.task.covariates == ["temp"])
            await _until(pilot, lambda: "parameters" in str(screen.query_one("#form-status").render())
                         and "reading the data" not in str(screen.query_one("#form-status").render()), 60)
            field.value = "promx"
            await _until(pilot, lambda: field.has_class("-invalid"), 60)
            status = str(screen.query_one("#form-status").render())
            return shown_for_text, shown, str(field.placeholder), status, cov.has_class("-invalid"), row.region.width

    shown_for_text, shown, hint, status, cov_flagged, width = asyncio.run(go())
    assert not shown_for_text and shown
    assert hint == "columns known ahead, e.g. promo, price" and hint in ZH and "future covariates" in ZH
    assert "no column 'promx' (task.future_covariates)" in status and "did you mean 'promo'" in status, status
    assert not cov_flagged
    assert cell_len(hint) < width


def test_the_future_covariates_field_reads_into_the_config_as_the_covariates_one_does():
    from rnnlab.config import validate
    from rnnlab.tui.newform import LABELS, data_field, form_config

    values = {"cell": "lstm", "attention": False, "layers": "1", "hidden": "64", "task": "timeseries",
              "source": "builtin:synthetic-driven", "column": "", "time_column": "", "covariates": "temperature",
              "future_covariates": " promo, ", "seq_len": "100", "window": "", "horizon": "", "optimizer": "adam",
              "lr": "0.001", "schedule": "constant", "clip": "1.0", "steps": "1000", "batch": "32", "device": "auto"}
    data, _ = form_config({}, values, False)
    task = validate(data, "form").task
    assert task.future_covariates == ["promo"] and task.covariates == ["temperature"]
    base = {"task": {"kind": "timeseries", "future_covariates": ["promo"]}}
    data, _ = form_config(base, {**values, "future_covariates": ""}, False)  # emptied: none, not the preset's
    assert "future_covariates" not in data["task"]
    data, _ = form_config({}, {**values, "task": "text", "future_covariates": "promo"}, False)
    assert "future_covariates" not in data.get("task", {})  # hidden for text: it sets nothing
    assert LABELS["future_covariates"] == "future covariates"
    # a problem reading the data is flagged on the field it names
    assert data_field("d.csv: no column 'x' (task.future_covariates); columns are: a, b") == "future_covariates"
    assert data_field("d.csv: no column 'x' (task.covariates); columns are: a, b") == "covariates"
    both = "task.covariates / task.future_covariates need a CSV task.source with those columns"
    assert data_field(both, task) == "covariates"  # both set: the first
    assert data_field(both, validate({"task": {"kind": "timeseries", "future_covariates": ["promo"]}}, "t").task) \
        == "future_covariates"  # only the known-ahead ones set: theirs
