"""The lab end to end with Pilot: the whole path with a real worker process (New experiment ->
LSTM + adding -> launch -> loss points arrive -> pause -> resume -> stop), in-place form
validation, and that importing the TUI does not import torch."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable

from rnnlab.tui.app import LabApp


async def _until(pilot, cond, timeout: float = 120.0, what: str = "condition") -> None:
    for _ in range(int(timeout / 0.2)):
        if cond():
            return
        await pilot.pause(0.2)
    raise AssertionError(f"{what} not met within {timeout}s")


def test_importing_the_tui_does_not_import_torch():
    code = "import sys, rnnlab.tui.app, rnnlab.cli.lab; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def _fill_tiny_lstm_adding(pilot, screen) -> None:
    screen.query_one("#preset").value = "adding-lstm"
    await pilot.pause(0.3)  # the preset fills the form when its Changed message is handled
    screen.query_one("#cell").value = "lstm"
    screen.query_one("#task").value = "adding"
    for fid, value in (("hidden", "8"), ("layers", "1"), ("seq_len", "10"), ("steps", "100000"), ("batch", "8")):
        screen.query_one(f"#{fid}").value = value


def test_new_experiment_flags_invalid_values_in_place(tmp_path):
    asyncio.run(_flags_invalid(tmp_path))


async def _flags_invalid(tmp_path):
    app = LabApp(tmp_path / "runs")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.3)
        screen = app.screen
        await _fill_tiny_lstm_adding(pilot, screen)
        await pilot.pause(0.2)
        assert screen.cfg is not None and screen.cfg.model.hidden_size == 8
        screen.query_one("#hidden").value = "0"
        await pilot.pause(0.2)
        assert screen.query_one("#hidden").has_class("-invalid")
        assert "hidden_size" in str(screen.query_one("#form-status").render())
        screen.query_one("#lr").value = "fast"
        await pilot.pause(0.2)
        assert screen.query_one("#lr").has_class("-invalid")
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
        screen.query_one("#lr").value = "0.001"
        screen.query_one("#hidden").value = "8"
        await pilot.pause(0.2)
        assert screen.cfg is not None
        assert not screen.query(".-invalid")


@pytest.mark.timeout(300)
def test_launch_watch_pause_resume_stop_with_a_real_worker(tmp_path):
    asyncio.run(_whole_path(tmp_path))


async def _whole_path(tmp_path):
    from rnnlab.tui.screens.dashboard import Dashboard
    from rnnlab.tui.widgets.plot import LinePlot

    root = tmp_path / "runs"
    app = LabApp(root)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.3)
        await _fill_tiny_lstm_adding(pilot, app.screen)
        await pilot.pause(0.2)
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: isinstance(app.screen, Dashboard), 30, "dashboard opened")
        dash = app.screen
        status = lambda: getattr(dash.state.info, "status", None)  # noqa: E731
        loss_points = lambda: len(dash.state.series.get("loss") or [])  # noqa: E731
        await _until(pilot, lambda: loss_points() > 0, 180, "loss points from the worker")
        await pilot.pause(0.5)
        plot = dash.query_one("#loss-plot", LinePlot)
        assert plot._data.lines and len(plot._data.lines[0].y) > 0, "loss panel drew the worker's points"
        assert dash.state.info.cell == "lstm" and dash.state.task_kind == "adding"

        await pilot.press("p")
        await _until(pilot, lambda: status() == "paused", 60, "paused")
        await pilot.pause(1.5)
        n_paused = loss_points()
        await pilot.pause(1.5)
        assert loss_points() == n_paused, "no new points while paused"

        await pilot.press("p")
        await _until(pilot, lambda: status() == "running", 60, "running again")
        await _until(pilot, lambda: loss_points() > n_paused, 60, "points after resume")

        await pilot.press("s")
        await _until(pilot, lambda: status() == "stopped", 60, "stopped")
        kinds = [e.kind for e in dash.state.events]
        assert "paused" in kinds and "unpaused" in kinds and "stopped" in kinds

        await pilot.press("escape")
        await _until(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, 10, "run listed")


def test_new_experiment_shows_the_data_card_of_a_picked_csv(tmp_path):
    asyncio.run(_data_card(tmp_path))


async def _data_card(tmp_path):
    from test_tsdata_realworld import write_co2_weekly

    csv = write_co2_weekly(tmp_path / "co2.csv")
    app = LabApp(tmp_path / "runs")
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.3)
        screen = app.screen
        card = screen.query_one("#data-card")
        assert not card.display  # text task: no card
        screen.query_one("#task").value = "timeseries"
        screen.query_one("#source").value = str(csv)
        screen.query_one("#time_column").value = "date"
        await _until(pilot, lambda: "weekly" in str(card.render()), 60, "the card")
        text = str(card.render())
        assert "co2" in text and "season 52" in text and "ADF p=" in text and "suggested" in text
        screen.query_one("#column").value = "nope"
        await _until(pilot, lambda: "no column 'nope'" in str(card.render()), 60, "the card's error")
        assert screen.cfg is not None and screen.cfg.task.column == "nope"  # the form itself stays valid
