"""The dashboard's forecast panel: the conformal band and the run's latest backtest."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rnnlab.runs.writer import append_vector
from tests.test_tui_snapshots import _open_dashboard, _until
from tests.tui_fixtures import make_fixture_runs


def test_forecast_panel_draws_the_band_and_summarises_a_backtest(tmp_path):
    from textual.widgets import Static

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.widgets.plot import LinePlot

    root = tmp_path / "runs"
    make_fixture_runs(root)
    run = Path(root) / "20260101-110000-c3c3"
    scores = {"model": {"rmse": 0.31, "coverage_80": 0.83}, "naive": {"rmse": 2.1}, "seasonal_naive": {"rmse": 0.74}}
    other = {"model": {"rmse": 0.29}, "naive": {"rmse": 1.9}, "seasonal_naive": {"rmse": 0.70}}
    append_vector(run, "backtest", {"backtest": 10, "mean": scores, "origins": [{"origin": 1, **scores}, {"origin": 7, **other}]})

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _open_dashboard(pilot, 1, tab="output")
            note = pilot.app.screen.query_one("#output-note", Static)
            await _until(pilot, lambda: "backtest" in str(note.render()))
            text = str(note.render())
            assert "backtest 10 origins, mean RMSE: model 0.31  naive 2.1  s-naive 0.74  model 80% cover 0.83" in text
            plot = pilot.app.screen.query_one("#forecast-plot", LinePlot)
            labels = [ln.label for ln in plot._data.lines]
            assert labels[:3] == ["history", "rnn 80% lower", "rnn 80% upper"] and "forecast" in labels
            # ... and the backtest as a small plot: RMSE per origin beside the baselines
            bt = pilot.app.screen.query_one("#backtest-plot", LinePlot)
            assert bt.display and bt.size.height > 3
            got = {ln.label: list(ln.y) for ln in bt._data.lines}
            assert got == {"model RMSE": [0.31, 0.29], "naive": [2.1, 1.9], "s-naive": [0.74, 0.70]}

    asyncio.run(go())


def test_an_ended_run_without_output_probes_says_so_instead_of_waiting(tmp_path):
    """A lesson's quick size turns the output probe off: its finished run once showed "waiting for
    the first output probe" forever, on the tab the lesson tells the student to watch."""
    from textual.widgets import Static

    from rnnlab.tui.app import LabApp

    import sqlite3

    root = tmp_path / "runs"
    make_fixture_runs(root)
    for db_path in root.glob("*/run.db"):  # the fixtures as runs made with probes.output_every = 0
        db = sqlite3.connect(db_path)
        with db:
            db.execute("DELETE FROM vectors WHERE name = 'output'")
        db.close()

    async def note_of(row: int) -> tuple[str, str]:
        app = LabApp(root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _open_dashboard(pilot, row, tab="output")
            screen = pilot.app.screen
            return screen.state.info.status, str(screen.query_one("#output-note", Static).render())

    status, note = asyncio.run(note_of(3))  # the diverged plain RNN on the adding problem
    assert status == "diverged" and "recorded no output probe" in note, note
    status, note = asyncio.run(note_of(0))  # the running LSTM: its probe may still come
    assert status == "running" and "waiting for the first output probe" in note, note


def test_forecast_panel_says_the_fused_weights_and_how_many_origins_chose_them(tmp_path, monkeypatch):
    """The probe's weights were decided on the even validation origins: the panel says how many,
    in both languages (on one or two the weights are a close call)."""
    from textual.widgets import Static

    from rnnlab.tui.app import LabApp

    root = tmp_path / "runs"
    make_fixture_runs(root)
    run = Path(root) / "20260101-110000-c3c3"
    append_vector(run, "output", {"type": "forecast", "history": [1.0, 2.0, 3.0], "actual": [4.0, 5.0], "forecast": [4.1, 5.2],
                                  "members": {"ets": [4.0, 5.0]}, "fused": [4.05, 5.1], "weights": {"ets": 0.65, "rnn": 0.35},
                                  "selection_origins": 3})

    async def go(expect: str):
        app = LabApp(root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _open_dashboard(pilot, 1, tab="output")
            note = pilot.app.screen.query_one("#output-note", Static)
            await _until(pilot, lambda: expect in str(note.render()))

    monkeypatch.setenv("RNNLAB_LANG", "en")
    asyncio.run(go("fused: ets 0.65, rnn 0.35 (chosen on 3 validation origins)"))
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    asyncio.run(go("融合: ets 0.65, rnn 0.35 (由 3 个验证起点选定)"))


# --------------------------------------------------------------- issue 17: the forecast at 120x40


def _forecast_run(tmp_path) -> Path:
    """The fixtures' forecaster with a forecast of every line the probe draws and a backtest."""
    root = tmp_path / "runs"
    make_fixture_runs(root)
    run = Path(root) / "20260101-110000-c3c3"
    hist = [float(i % 7) for i in range(60)]
    ahead = [float(i % 7) + 0.3 for i in range(24)]
    append_vector(run, "output", {
        "type": "forecast", "split": "val", "history": hist, "actual": ahead, "forecast": ahead,
        "bands": {"80": {"lower": [a - 1 for a in ahead], "upper": [a + 1 for a in ahead]}},
        "members": {"ets": ahead, "theta": ahead, "arima": ahead}, "naive": ahead, "seasonal_naive": ahead,
        "fused": ahead, "weights": {"arima": 0.42, "ets": 0.28, "seasonal_naive": 0.1, "rnn": 0.2},
        "selection_origins": 9, "acf": [0.19, 0.06, -0.01, 0.2, -0.12, 0.11], "ljung_box_q": 3.2, "ljung_box_p": 0.4})
    scores = {"model": {"rmse": 0.31, "coverage_80": 0.83}, "naive": {"rmse": 2.1}, "seasonal_naive": {"rmse": 0.74}}
    append_vector(run, "backtest", {"backtest": 5, "mean": scores,
                                    "origins": [{"origin": i, "time": f"2024-0{i + 1}-01", **scores} for i in range(5)]})
    return root


def test_forecast_panel_at_120x40_has_a_chart_of_several_rows_and_every_text_line(tmp_path):
    """At 120x40 the chart was one row, eleven names took six legend rows and the Ljung-Box and
    fused-weights lines (and the backtest's) were cut off; the band read as the fused forecast's."""
    from textual.widgets import Static

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.widgets.plot import LinePlot

    root = _forecast_run(tmp_path)

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_dashboard(pilot, 1)
            screen = pilot.app.screen
            note = screen.query_one("#output-note", Static)
            await _until(pilot, lambda: "backtest" in str(note.render()))
            await pilot.pause(0.3)
            panel = screen.query_one("#output")
            inside = panel.content_region
            chart = screen.query_one("#forecast-plot", LinePlot)
            assert chart.size.height >= 8, chart.size  # several plot rows, not one
            legend = screen.query_one("#forecast-legend", Static)
            assert legend.size.height <= 2, legend.size
            text = " ".join(label for _, _, label in legend._rnnlab_content.entries)
            assert "rnn 80% band" in text and "rnn forecast" in text and "fused" in text and "80% lower" not in text
            # every text line whole inside the panel: residuals, Ljung-Box, fused weights, backtest
            lines = str(note.render())
            assert note.region.bottom <= inside.bottom and note.size.height >= lines.count("\n") + 1
            assert "Ljung-Box Q=3.2 p=0.4  residuals look white" in str(panel.border_subtitle)
            for words in ("residual ACF +0.19", "fused: arima 0.42, ets 0.28, s-naive 0.10, rnn 0.20 (chosen on 9", "backtest 5 origins"):
                assert words in lines, lines
            bt = screen.query_one("#backtest-plot", LinePlot)  # beside the chart, as tall as it
            assert bt.display and bt.region.y == chart.region.y and bt.size.height == chart.size.height
            # its axis the origins' dates (it read `2  4` beside a chart of other dates: an outside trial)
            assert [label for _, label in bt._data.xticks] == ["2024-01", "2024-05"], bt._data.xticks
            # the flow panel beside it as tall: its curve and its heatmap both get rows (one grid
            # row of 9 gave the curve 3 and the heatmap none)
            flow, heat = screen.query_one("#flow"), screen.query_one("#flow-heat")
            assert flow.region.y == panel.region.y and flow.region.height == panel.region.height
            assert screen.query_one("#flow-plot").size.height >= 6 and heat.size.height >= 3
            assert heat.region.bottom <= flow.content_region.bottom

    asyncio.run(go())


def test_the_forecast_panels_help_says_whose_band_and_forecast_it_draws():
    from rnnlab.tui.i18n import ZH
    from rnnlab.tui.widgets.panels import OutputPanel

    text = OutputPanel.EXPLAIN
    for words in ("recurrent model's own forecast", "conformal band", "classical members", "fused forecast",
                  "forecast --future", "naive and seasonal-naive baselines"):
        assert words in text
    assert text in ZH


def test_finished_forecast_shows_the_fusion_line_and_the_notes_show_prints(tmp_path, monkeypatch):
    """`rnnlab show` says where the model loses; the dashboard never did. The events panel ends
    with the same lines, from the same stored metrics."""
    from types import SimpleNamespace

    from rnnlab.cli.show_cmd import _metric_lines
    from rnnlab.tui.i18n import t
    from rnnlab.tui.state import RunState
    from rnnlab.tui.widgets.panels import run_notes

    latest = {"val_mase": 0.594, "test_mase": 0.925, "member_rnn_val_mase": 0.594, "member_rnn_test_mase": 0.925,
              "member_arima_val_mase": 0.366, "member_arima_test_mase": 0.68, "member_ets_val_mase": 0.41,
              "member_ets_test_mase": 0.7, "fused_test_mase": 0.689, "fusion_weight_arima": 0.6,
              "fusion_weight_rnn": 0.4, "fusion_selection_origins": 12, "naive_test_mase": 1.2}
    baselines = {"naive_val_mase": 1.1, "seasonal_naive_val_mase": 0.5}
    info = SimpleNamespace(status="finished", latest=latest, baselines=baselines, task="timeseries", primary_metric="val_rmse")
    state = RunState()
    state.info = info
    got = run_notes(state)
    shown = [(key, value.removesuffix(t("; every metric: --json"))) for key, value in _metric_lines(info, t)
             if key in ("fusion", "notes", "")]
    assert [v for _, v in got] == [v for _, v in shown]
    assert got[0][0] == "fusion" and got[0][1].startswith("test MASE: fused 0.689")
    assert any("the model is worse than arima on validation (MASE 0.594 vs 0.366" in v for _, v in got)
    state.info = SimpleNamespace(**{**vars(info), "status": "running"})
    assert run_notes(state) == []  # the test split is scored at the end


def test_finished_forecast_dashboard_ends_its_events_with_the_notes(tmp_path):
    import sqlite3

    from textual.widgets import RichLog

    from rnnlab.tui.app import LabApp

    root = _forecast_run(tmp_path)
    db = sqlite3.connect(root / "20260101-110000-c3c3" / "run.db")
    with db:  # the fixture's forecaster as a finished run whose model lost to arima
        for name, value in (("member_rnn_val_mase", 0.9), ("member_arima_val_mase", 0.4), ("fused_test_mase", 0.5),
                            ("member_arima_test_mase", 0.45), ("member_rnn_test_mase", 0.8), ("fusion_weight_arima", 1.0)):
            db.execute("INSERT OR REPLACE INTO latest (name, step, value, best) VALUES (?, 600, ?, NULL)", (name, value))
    db.close()

    async def go(size):
        app = LabApp(root)
        async with app.run_test(size=size) as pilot:
            await _open_dashboard(pilot, 1, tab="events")
            log = pilot.app.screen.query_one("#event-log", RichLog)
            await _until(pilot, lambda: any("worse than arima" in line.text for line in log.lines))
            tail = " ".join(" ".join(line.text for line in log.lines[-4:]).split())  # as wrapped: one space
            assert "the model is worse than arima on validation (MASE 0.900 vs 0.400)" in tail, tail
            assert "test MASE: fused 0.500" in " ".join(line.text for line in log.lines)

    for size in ((120, 40), (80, 24)):
        asyncio.run(go(size))


def test_the_backtest_line_gives_the_fused_forecast_and_its_bands_coverage():
    from rnnlab.tui.widgets.outputpanel import _backtest_line

    mean = {"model": {"rmse": 0.31, "coverage_80": 0.6}, "fused": {"rmse": 0.25, "coverage_80": 0.79},
            "naive": {"rmse": 2.1}, "seasonal_naive": {"rmse": 0.74}}
    assert _backtest_line((3, {"backtest": 5, "mean": mean})) == (
        "\nbacktest 5 origins, mean RMSE: model 0.31  fused 0.25  naive 2.1  s-naive 0.74  fused 80% cover 0.79")


def test_no_residual_verdict_without_a_p_or_on_a_handful_of_residuals():
    from rnnlab.tui.widgets.outputpanel import residual_verdict

    assert residual_verdict(float("nan"), 1) == ""  # it said "residuals autocorrelated" under `Q=– p=–`
    assert residual_verdict(0.71, 7) == "  too few residuals to judge (7)"
    assert residual_verdict(0.71, 40) == "  residuals look white" and residual_verdict(0.01, 40) == "  residuals autocorrelated"
    assert residual_verdict(0.4, None) == "  residuals look white"  # a probe stored before the count was
