"""Compare at scale: 20 runs each told apart (colour then marker; markers alone without colour),
the legend as a grid, the x-axis as step / wall time / tokens seen, runs aligned at their best
point, and the final-metrics table sorted by any column (tests/tui_fixtures.make_many_runs: an
lr sweep of 20 adding runs)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_snapshots import _until  # noqa: E402
from tui_fixtures import make_many_runs  # noqa: E402


@pytest.fixture
def many(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_many_runs(Path("runs"))
    return Path("runs")


def test_twenty_series_look_different():
    from rnnlab.tui.markers import series_style
    from rnnlab.tui.widgets.plot import PALETTE

    assert len({series_style(i, PALETTE) for i in range(20)}) == 20
    assert len({series_style(i, None) for i in range(20)}) == 20
    assert series_style(0, PALETTE) == ("cyan", "braille") and series_style(len(PALETTE), PALETTE) == ("cyan", "x")


async def _open(pilot, root: Path):
    from rnnlab.runs.paths import list_run_dirs

    app = pilot.app
    await _until(pilot, lambda: app.screen.query("#runs") and app.screen.query_one("#runs").row_count == 20)
    for _ in range(20):
        await pilot.press("space")
    await pilot.press("c")
    await _until(pilot, lambda: type(app.screen).__name__ == "Compare" and all(s.info is not None for s in app.screen.states)
                 and all(s.series.get("loss") is not None for s in app.screen.states))
    await pilot.pause(0.5)
    assert [d.name for d in app.screen.run_dirs] == [d.name for d in list_run_dirs(root)]


def test_compare_twenty_runs_axes_align_and_sort(many):
    from textual.widgets import DataTable

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.widgets.plot import LinePlot

    async def go():
        app = LabApp(many)
        async with app.run_test(size=(160, 48)) as pilot:
            await _open(pilot, many)
            screen = app.screen
            legend = str(screen.query_one("#compare-legend").render())
            lines = legend.splitlines()
            glyphs = [e.split()[0] for line in lines for e in line.split("  ") if e.strip()]
            assert len(glyphs) == 20 and len(set(glyphs)) == 20, legend  # NO_COLOR: a marker each
            assert 2 <= len(lines) <= 5  # a grid, several to a line
            data = lambda: screen.query_one(LinePlot)._data  # noqa: E731
            assert data().xlabel == "step" and len(data().lines) == 20
            await pilot.press("x")
            await _until(pilot, lambda: data().xlabel == "minutes")
            await pilot.press("x")
            await _until(pilot, lambda: data().xlabel == "tokens seen")
            # 32,000 tokens/s x 0.05 s a step = 1,600 tokens a step (= batch 32 x T 50)
            first = data().lines[0]
            assert first.x[0] == 1600 and first.x[-1] == 100 * 1600
            await pilot.press("x", "m", "m", "a")  # step, the primary metric (val_mse), aligned at its best
            await _until(pilot, lambda: data().xlabel == "step from best val metric")
            for line in data().lines:
                assert line.x[int(np.nanargmin(line.y))] == 0
            # a run that overshoots has its best before its end: its curve goes on past 0
            assert any(line.x[-1] > 0 for line in data().lines) and any(line.x[-1] == 0 for line in data().lines)
            # the table: S cycles the sort column, ▲ marks it; metric = the primary val metric's latest value
            table = screen.query_one("#final", DataTable)
            for _ in range(3):
                await pilot.press("S")
            await pilot.pause(0.2)
            assert [str(c.label) for c in table.ordered_columns][2] == "last metric ▲"
            metric = [float(str(table.get_row_at(r)[2]).split()[1]) for r in range(table.row_count)]
            assert metric == sorted(metric) and len(metric) == 20
            best_name = str(table.get_row_at(0)[0])
            table.focus()
            await pilot.press("enter")  # opens the run on the row, not the row's place among the runs
            await _until(pilot, lambda: type(app.screen).__name__ == "Dashboard" and app.screen.state.info is not None)
            return best_name, app.screen.state.info.name

    best, opened = asyncio.run(go())
    assert best == opened


def test_header_click_sorts_and_reverses(many):
    from textual.widgets import DataTable

    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(many)
        async with app.run_test(size=(160, 48)) as pilot:
            await _open(pilot, many)
            table = app.screen.query_one("#final", DataTable)
            table.post_message(DataTable.HeaderSelected(table, table.ordered_columns[0].key, 0, table.ordered_columns[0].label))
            await pilot.pause(0.2)
            up = [str(table.get_row_at(r)[0]) for r in range(table.row_count)]
            table.post_message(DataTable.HeaderSelected(table, table.ordered_columns[0].key, 0, table.ordered_columns[0].label))
            await pilot.pause(0.2)
            down = [str(table.get_row_at(r)[0]) for r in range(table.row_count)]
            return up, down, str(table.ordered_columns[0].label)

    up, down, label = asyncio.run(go())
    assert up == [f"lr-{k:02d}" for k in range(1, 21)] and down == up[::-1] and label == "run ▼"


def test_cli_compare_of_twenty_runs_names_every_marker_in_a_pipe(many):
    """plotext drops a legend taller than its plot: past 10 runs `rnnlab compare` in a pipe
    drew 20 markers with no key to them. The legend now goes under the plot as a grid."""
    import os
    import re
    import subprocess

    from rnnlab.tui.markers import marker_glyph, series_marker

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "120"}
    ids = sorted(d.name for d in many.iterdir() if (d / "run.db").exists())  # oldest first: lr-01 ... lr-20
    r = subprocess.run([sys.executable, "-m", "rnnlab", "compare", *ids, "--runs-dir", str(many)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    plot = r.stdout.split("\n\n")[0]  # the first metric's plot and its legend
    entries = re.findall(r"(\S\S) (lr-\d\d)", plot)
    assert entries == [(marker_glyph(series_marker(k)), f"lr-{k + 1:02d}") for k in range(20)], plot


def test_cli_compare_json_follows_sort_and_desc_needs_sort(many):
    """`compare --sort best --json` listed the runs in the order given, not the table's; and
    `--desc` without `--sort` was silently ignored."""
    import json

    from typer.testing import CliRunner

    from rnnlab.cli.app import app
    from rnnlab.errors import UserError

    ids = sorted(d.name for d in many.iterdir() if (d / "run.db").exists())[:5]  # lr-01 (worst) ... lr-05

    def run(*args):
        return CliRunner().invoke(app, ["compare", *ids, "--runs-dir", str(many), *args])

    names = lambda r: [x["name"] for x in json.loads(r.output)]  # noqa: E731
    assert names(run("--json")) == ["lr-01", "lr-02", "lr-03", "lr-04", "lr-05"]
    assert names(run("--sort", "best", "--json")) == ["lr-05", "lr-04", "lr-03", "lr-02", "lr-01"]
    assert names(run("--sort", "best", "--desc", "--json")) == ["lr-01", "lr-02", "lr-03", "lr-04", "lr-05"]
    r = run("--desc")
    assert isinstance(r.exception, UserError) and "--sort" in str(r.exception)
    r = run("--align", "val_loss")  # the error names what the runs do record
    assert isinstance(r.exception, UserError) and "they record: loss, step_time, tokens_per_s, val_mse" in str(r.exception)
