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
        await _until(pilot, lambda: screen.query_one("#hidden").has_class("-invalid"), 5, "hidden flagged")
        assert "hidden_size" in str(screen.query_one("#form-status").render())
        screen.query_one("#lr").value = "fast"
        await _until(pilot, lambda: screen.query_one("#lr").has_class("-invalid"), 5, "lr flagged")
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
        screen.query_one("#lr").value = "0.001"
        screen.query_one("#hidden").value = "8"
        await _until(pilot, lambda: screen.cfg is not None and not screen.query(".-invalid"), 5, "the form valid again")


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
        plot = dash.query_one("#loss-plot", LinePlot)
        # the panel redraws on its own timer, later than the points arrive on a loaded box
        await _until(pilot, lambda: bool(plot._data.lines and len(plot._data.lines[0].y) > 0), 30,
                     "loss panel drew the worker's points")
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


def test_sample_now_on_a_finished_run_and_the_playground_name_the_checkpoint(tmp_path):
    from rnnlab import config
    from rnnlab.runs import launch, worker

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 100)
    cfg = config.load("lstm-char", [f"task.source='{corpus}'", "task.seq_len=16", "model.hidden_size=8",
                                    "train.batch_size=4", "train.steps=4", "train.eval_every=2", "train.checkpoint_every=3",
                                    "probes.output_every=0", "task.sample_length=30", "train.device='cpu'"])
    root = tmp_path / "runs"
    run_dir = launch.create_run(cfg, root)
    assert worker.execute(run_dir, handle_signals=False) == "finished"
    asyncio.run(_sample_now(root, run_dir))


async def _sample_now(root, run_dir):
    from rnnlab.tui.screens.dashboard import Dashboard

    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_run(run_dir)
        await _until(pilot, lambda: isinstance(app.screen, Dashboard) and app.screen.state.info is not None, 30, "dashboard")
        dash = app.screen
        await _until(pilot, lambda: dash.state.info.status == "finished", 30, "finished run shown")
        assert dash.state.outputs == []  # output_every = 0: no sample was recorded during training
        await pilot.press("n")
        await _until(pilot, lambda: dash.state.outputs, 60, "a sample from the checkpoint")
        step, out = dash.state.outputs[-1]
        assert step == 4 and out["type"] == "text" and len(out["sample"]) > 0
        # from the checkpoint the run keeps (its best), as `sample` and `forecast` load it
        assert any(e.kind == "sample" and "best checkpoint (step 4" in e.message for e in dash.state.events)

        # the playground says which checkpoint it samples from, greedy at T=0, dropped prompt chars
        await pilot.press("g")
        await _until(pilot, lambda: type(app.screen).__name__ == "Playground", 10, "playground")
        pg = app.screen
        title = str(pg.query_one("#pg-title").render())
        assert "best checkpoint (step" in title and "val_bpc" in title, title
        pg.query_one("#prompt").value = "the é"
        pg.query_one("#temperature").value = "0"
        await pilot.press("ctrl+g")
        status = lambda: str(pg.query_one("#pg-status").render())  # noqa: E731
        await _until(pilot, lambda: status().startswith("done"), 60, "generated")
        assert "dropped from the prompt (not in the vocabulary): 'é'" in status()
        lines = [str(w.render()) for w in pg.query("#pg-out Static")]
        assert any("T=0.0 (greedy)" in ln and "checkpoint step" in ln for ln in lines), lines


def test_the_form_flags_a_missing_path_counts_exactly_and_picks_folders(tmp_path, monkeypatch):
    corpus = tmp_path / "texts"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the quick brown fox jumps over the lazy dog\n" * 80)
    monkeypatch.chdir(tmp_path)
    asyncio.run(_form_checks(tmp_path, corpus))


async def _form_checks(tmp_path, corpus):
    import re

    import torch

    from rnnlab.train.session import build

    root = tmp_path / "runs"
    app = LabApp(root)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.3)
        screen = app.screen
        screen.query_one("#preset").value = "lstm-char"
        await pilot.pause(0.3)
        status = lambda: str(screen.query_one("#form-status").render())  # noqa: E731
        screen.query_one("#source").value = str(tmp_path / "nope.txt")
        await pilot.pause(0.3)
        assert "nope.txt: no such file or folder" in status() and screen.query_one("#source").has_class("-invalid")
        await pilot.press("ctrl+l")
        await pilot.pause(0.5)
        assert not root.exists() or not any(root.iterdir())  # nothing launched, no failed run owns the name

        for fid, value in (("hidden", "16"), ("layers", "2"), ("seq_len", "20"), ("batch", "4")):
            screen.query_one(f"#{fid}").value = value
        screen.query_one("#attention").value = True
        screen.query_one("#source").value = str(corpus)
        await _until(pilot, lambda: "✓" in status() and "≈" not in status(), 60, "the exact count")
        shown = int(re.search(r"([\d,]+) parameters", status()).group(1).replace(",", ""))
        _, model = build(screen.cfg, None, torch.device("cpu"))
        assert shown == sum(p.numel() for p in model.parameters())

        screen.query_one("#source").value = ""
        await pilot.press("ctrl+o")
        await _until(pilot, lambda: type(app.screen).__name__ == "FilePicker", 10, "picker")
        await pilot.pause(0.3)
        await pilot.press("backspace")  # up a folder: the tree had no way out of the working directory
        await _until(pilot, lambda: Path(app.screen.query_one("#tree").path) == tmp_path.parent.resolve(), 10, "up")
        await pilot.press("f")  # the highlighted folder: the tree's root
        await _until(pilot, lambda: app.screen is screen, 10, "picked")
        assert Path(screen.query_one("#source").value).resolve() == tmp_path.parent.resolve()


def test_help_lists_each_key_once_per_screen():
    from rnnlab.tui.screens.help import help_tables

    for table in help_tables():
        rows = [str(c) for c in table.columns[0]._cells]
        keys = [k for row in rows for k in row.split(" / ")]
        assert len(keys) == len(set(keys)), (table.title, rows)
    dash = next(t for t in help_tables() if t.title == "run dashboard")
    assert "[ / ]" in [str(c) for c in dash.columns[0]._cells]


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
        # the form reads the data too (for the exact parameter count) and then refuses the launch
        # with the same line; which of the two reads ends first is a race, so wait for both
        status = screen.query_one("#form-status")
        await _until(pilot, lambda: screen.cfg is None and "no column 'nope'" in str(status.render()), 60,
                     "the form refusing the missing column")
        assert screen.query_one("#source").has_class("-invalid")
