"""The System screen (`y` on home and the dashboard) and the machine figures in the dashboard
header, on the fixture runs with the fixed system sample of tests/system_fixture.py (conftest.py
puts it in place of the real sampler)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.system_fixture import FixedSampler
from tests.test_tui_snapshots import _home_ready, _open_dashboard, _until
from tests.tui_fixtures import make_fixture_runs

RUNNING = "20260101-120000-d4d4"  # the fixture's live run (lstm-adding)


@pytest.fixture
def fixture_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_fixture_runs(tmp_path / "runs")
    # the live run trains on the GPU, so the screen shows a run under a device
    from rnnlab.runs.store import StoreWriter

    with StoreWriter(tmp_path / "runs" / RUNNING, heartbeat=False) as w:
        w.set_meta(device="cuda:0")
    return Path("runs")


def lab(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


def _system_ready(pilot) -> bool:
    from textual.widgets import DataTable

    from rnnlab.tui.screens.system import SystemScreen

    screen = pilot.app.screen
    return isinstance(screen, SystemScreen) and screen.query_one("#system-runs", DataTable).row_count == 1


def test_system_screen(snap_compare, fixture_root):
    async def before(pilot):
        await _home_ready(pilot)
        await pilot.press("y")
        await _until(pilot, lambda: _system_ready(pilot))
        await pilot.pause(0.3)

    assert snap_compare(lab(fixture_root), terminal_size=(120, 40), run_before=before)


def test_y_opens_the_system_screen_from_the_dashboard_and_back(fixture_root):
    asyncio.run(_dashboard_y(fixture_root))


async def _dashboard_y(fixture_root):
    from textual.widgets import DataTable

    from rnnlab.tui.screens.dashboard import Dashboard
    from rnnlab.tui.screens.system import SystemScreen

    app = lab(fixture_root)
    async with app.run_test(size=(160, 48)) as pilot:
        await _open_dashboard(pilot, 0)
        await pilot.press("y")
        await _until(pilot, lambda: _system_ready(pilot))
        devices = app.screen.query_one("#system-devices", DataTable)
        rows = [[str(c) for c in devices.get_row_at(i)] for i in range(devices.row_count)]
        assert [r[0] for r in rows] == ["cpu", "gpu0"]
        assert rows[1][-1] == "lstm-adding"  # the run on the GPU, by name
        assert rows[1][2:6] == ["87%", "30.5G/80.0G", "64°C", "312/700 W"]
        await pilot.press("escape")
        await _until(pilot, lambda: isinstance(app.screen, Dashboard))
        assert not isinstance(app.screen, SystemScreen)


def test_dashboard_header_shows_worker_and_machine_when_wide(fixture_root):
    asyncio.run(_wide_header(fixture_root))


async def _wide_header(fixture_root):
    from rnnlab.tui.widgets.header import RunHeader

    app = lab(fixture_root)
    async with app.run_test(size=(200, 48)) as pilot:
        await _open_dashboard(pilot, 0)
        await _until(pilot, lambda: app.screen.query_one(RunHeader).system is not None)
        await pilot.pause(0.5)
        text = str(app.screen.query_one(RunHeader).render())
        assert "worker 97% 1.4G gpu0 28.0G" in text
        assert "CPU 23% RAM 41.2G/128G" in text and "gpu0 87% 30.5G/80.0G 64°C" in text


def test_header_drops_machine_figures_before_the_run_s_own():
    """At 80 columns the run's name, status and step stay; the machine's figures go first."""
    from rnnlab.runs.store import read_info
    from rnnlab.tui.state import RunState
    from rnnlab.tui.widgets.header import header_text

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        runs = make_fixture_runs(Path(tmp) / "runs")
        state = RunState()
        state.info = read_info(runs[0])
        sample = FixedSampler().sample([state.info])
        narrow = header_text(state, 80, sample).plain.splitlines()[0]
        wide = header_text(state, 220, sample).plain.splitlines()[0]
    assert "lstm-adding" in narrow and "step 600/1000" in narrow and "CPU 23%" not in narrow
    assert len(narrow) <= 80
    assert "CPU 23%" in wide and "worker 97%" in wide
