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
            assert "backtest 10 origins, mean RMSE: model 0.31  naive 2.1  s-naive 0.74  80% cover 0.83" in text
            plot = pilot.app.screen.query_one("#forecast-plot", LinePlot)
            labels = [ln.label for ln in plot._data.lines]
            assert labels[:3] == ["history", "80% lower", "80% upper"] and "forecast" in labels
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
