"""Snapshots of the research views at 120×40 and 80×24 (issue 18): the runs table with
hyperparameter columns and a metric filter, compare with seed-group bands and a config diff.
On tests/research_fixtures.py's runs (fixed ids, fake clock).
Update with `pytest tests/test_tui_research_snapshots.py --snapshot-update`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from research_fixtures import make_research_runs  # noqa: E402

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def research_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative root keeps the tmp path out of the screens
    make_research_runs(Path("runs"))
    from rnnlab.tui import labsettings

    labsettings.save(Path("runs"), columns=["train.lr", "model.hidden_size", "train.seed"])
    return Path("runs")


async def _until(pilot, cond, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if cond():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


async def _listed(pilot, n: int = 7) -> None:
    from textual.widgets import DataTable

    await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == n)


def lab(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home_columns_metric_filter(snap_compare, research_root, size):
    """Columns lr, hidden_size, seed (from the settings file) and `/ lr>=1e-3 val_mse<0.08`."""

    async def before(pilot):
        from textual.widgets import Input

        await _listed(pilot)
        await pilot.press("slash", *"lr>=1e-3 val_mse<0.08", "enter")
        await _listed(pilot, 5)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.2)

    assert snap_compare(lab(research_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare_seed_groups_config_diff(snap_compare, research_root, size):
    """All seven runs compared on their primary metric: two seed groups as mean + min–max band
    and mean ± sd rows, the differing config keys (hidden_size, lr, seed) as columns."""

    async def before(pilot):
        await _listed(pilot)
        await pilot.press(*["space"] * 7, "c")
        await _until(pilot, lambda: type(pilot.app.screen).__name__ == "Compare"
                     and all(s.info is not None and s.series.get("val_mse") is not None for s in pilot.app.screen.states))
        await pilot.press("m", "m")  # loss -> val_loss -> primary
        await pilot.pause(0.8)

    assert snap_compare(lab(research_root), terminal_size=size, run_before=before)


@pytest.fixture
def sweep_root(tmp_path, monkeypatch):
    from research_fixtures import make_big_sweep

    monkeypatch.chdir(tmp_path)
    make_big_sweep(Path("runs"), 30)
    return Path("runs")


def _sweep_view(views: int):
    async def before(pilot):
        from research_fixtures import SWEEP_ID

        pilot.app.open_sweep(pilot.app.runs_root / ".sweeps" / SWEEP_ID)
        await _until(pilot, lambda: getattr(pilot.app.screen, "summary", None) is not None)
        for _ in range(views):
            await pilot.press("v")
        await pilot.pause(0.8)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_screen_30_trials(snap_compare, sweep_root, size):
    """History (points, best-so-far step), parallel coordinates with each axis's values and
    the colour key, importances on 23 complete trials."""
    assert snap_compare(lab(sweep_root), terminal_size=size, run_before=_sweep_view(0))


@pytest.mark.parametrize("views", [1, 2], ids=["slice", "curves"])
def test_sweep_screen_slice_and_curves(snap_compare, sweep_root, views):
    assert snap_compare(lab(sweep_root), terminal_size=(120, 40), run_before=_sweep_view(views))
