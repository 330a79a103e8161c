"""Snapshots of every screen of the lab at 80×24 and 160×48, on fixed generated runs
(tests/tui_fixtures.py: fake clock, fixed ids, so every number and label is reproducible).
conftest.py sets NO_COLOR, so every snapshot is the colourless lab: in the dashboard and compare
ones each series of a plot must be told apart by its marker.
Update with `pytest tests/test_tui_snapshots.py --snapshot-update`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tui_fixtures import make_fixture_runs, make_many_runs, make_neurons_run, make_style_run  # noqa: E402

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(autouse=True)
def _steady_redraws(monkeypatch):
    """The dashboard spreads its redraws out (up to 2 s) while the lab's own CPU is over budget,
    which a test process rendering screens under a loaded CI always is: a panel rebuilt after a
    key could then land after the snapshot. Snapshots take the steady 0.2 s cadence; the budget
    rule itself is tested in test_tui_redraw.py."""
    from rnnlab.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "CPU_BUDGET", float("inf"))


@pytest.fixture
def fixture_root(tmp_path, monkeypatch):
    # A relative root keeps the tmp path out of the screens.
    monkeypatch.chdir(tmp_path)
    make_fixture_runs(tmp_path / "runs")
    return Path("runs")


def lab(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


async def _steady_cursors(pilot) -> None:
    """A blinking text cursor is caught on or off at random: hold it on."""
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.1)


async def _until(pilot, cond, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if cond():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


async def _home_ready(pilot) -> None:
    from textual.widgets import DataTable

    await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 4)


async def _open_dashboard(pilot, row: int, tab: str | None = None) -> None:
    await _home_ready(pilot)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None and pilot.app.screen.state.info is not None
                 and bool(pilot.app.screen.state.events))
    if tab:
        pilot.app.screen.query_one("#panel-tabs").active = f"tab-{tab}"
    await pilot.pause(0.6)  # two redraw ticks
    # logs scroll to their end after a layout pass, later under load: wait for it
    from textual.widgets import RichLog

    # (the auto-scroll can lose the race with a late layout pass on a loaded machine: put the shown
    # logs at their end, where auto-scroll means them to be, and wait until they are there)
    def at_end() -> bool:
        logs = [log for log in pilot.app.screen.query(RichLog) if log.region.area]  # hidden ones never scroll
        for log in logs:
            if log.scroll_y < log.max_scroll_y:
                log.scroll_end(animate=False, immediate=True)
        return all(log.scroll_y >= log.max_scroll_y for log in logs)

    await _until(pilot, at_end)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, fixture_root, size):
    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=_home_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home_filtered_sorted(snap_compare, fixture_root, size):
    """`/ cell:lstm` (the filter box stays open, the title says how many match) and `S` three
    times: sorted by metric, ▲ on that column."""

    async def before(pilot):
        from textual.widgets import DataTable

        await _home_ready(pilot)
        await pilot.press("slash", "c", "e", "l", "l", "colon", "l", "s", "t", "m")
        await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 2)
        await pilot.press("enter", "S", "S", "S")
        await pilot.pause(0.3)
        await _steady_cursors(pilot)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [*SIZES, (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_experiment(snap_compare, fixture_root, size):
    """Two columns of one-row fields: every field of the form shows at 120x40 (and 80x24)."""

    async def before(pilot):
        await _home_ready(pilot)
        await pilot.press("n")
        await pilot.pause(0.3)
        pilot.app.screen.query_one("#preset").value = "adding-lstm"
        await pilot.pause(0.3)
        await _steady_cursors(pilot)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_adding_running(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 0)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_forecast(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 1, tab="output")

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_text_flow(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 2, tab="flow")

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_diverged(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 3, tab="events")

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare(snap_compare, fixture_root, size):
    async def before(pilot):
        await _home_ready(pilot)
        await pilot.press("space", "space", "space", "c")
        await _until(pilot, lambda: all(s.info is not None for s in getattr(pilot.app.screen, "states", [None])))
        await pilot.pause(0.8)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


def test_compare_twenty_runs(snap_compare, tmp_path, monkeypatch):
    """20 runs of an lr sweep: each its own marker (NO_COLOR), the legend a grid of names, the
    table sorted by its metric column (▲)."""
    monkeypatch.chdir(tmp_path)
    make_many_runs(Path("runs"))

    async def before(pilot):
        from textual.widgets import DataTable

        await _until(pilot, lambda: pilot.app.screen.query(DataTable) and pilot.app.screen.query_one(DataTable).row_count == 20)
        for _ in range(20):
            await pilot.press("space")
        await pilot.press("c")
        await _until(pilot, lambda: all(s.info is not None and s.series.get("loss") is not None
                                        for s in getattr(pilot.app.screen, "states", [None])))
        await pilot.press("S", "S", "S")
        await pilot.pause(0.8)

    assert snap_compare(lab(Path("runs")), terminal_size=(160, 48), run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_playground(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 2)
        await _until(pilot, lambda: pilot.app.screen.state.config is not None)
        await pilot.press("g")
        await _until(pilot, lambda: type(pilot.app.screen).__name__ == "Playground")
        await pilot.pause(0.8)
        await _steady_cursors(pilot)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_playground_style_picker(snap_compare, tmp_path, monkeypatch, size):
    """`g` on a style-conditioned run: the style picker under the prompt, opened on its styles."""
    monkeypatch.chdir(tmp_path)
    make_style_run(tmp_path / "runs")

    async def before(pilot):
        from textual.widgets import DataTable, Select

        await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 1)
        await pilot.press("enter")
        await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None
                     and pilot.app.screen.state.config is not None)
        await pilot.press("g")
        await _until(pilot, lambda: type(pilot.app.screen).__name__ == "Playground")
        await _steady_cursors(pilot)
        pilot.app.screen.query_one("#style", Select).focus()
        await pilot.press("enter")  # open the picker: both styles listed
        await pilot.pause(0.5)

    assert snap_compare(lab(Path("runs")), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, fixture_root, size):
    async def before(pilot):
        await _home_ready(pilot)
        await pilot.press("f1")
        await pilot.pause(0.3)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)



@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_flow_explained(snap_compare, fixture_root, size):
    """`?` on the focused panel: its one-line explanation above the plot and the heatmap's key."""

    async def before(pilot):
        await _open_dashboard(pilot, 2, tab="flow")
        flow = pilot.app.screen.query_one("#flow")
        flow.focus()
        await pilot.press("question_mark")
        # the line is mounted, laid out, and the plot below it rebuilt at its new size
        await _until(pilot, lambda: bool(flow.query(".explain")) and flow.query_one(".explain").region.height > 0)
        await pilot.pause(0.6)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


@pytest.fixture
def neurons_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_neurons_run(tmp_path / "runs")
    return Path("runs")


async def _open_neurons(pilot) -> None:
    """From home with the one neurons run: its dashboard, then N, until the report is drawn."""
    from textual.widgets import DataTable

    await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 1)
    await pilot.press("enter")
    await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None
                 and pilot.app.screen.state.config is not None)
    await pilot.press("N")
    await _until(pilot, lambda: getattr(pilot.app.screen, "_doc", None) is not None, timeout=60)
    # the units table sizes its columns to the rows on an idle pass, late on a loaded box (CI once
    # drew the `r` column one cell wide, as wide as its header): wait until the r values fit
    table = pilot.app.screen.query_one("#nx-units", DataTable)
    # ... and until the table has laid them out (it does on an idle pass after the rows came:
    # content_width alone is set as rows are added, before the drawn width follows)
    await _until(pilot, lambda: not table.display or (table.ordered_columns[-1].content_width >= len("+0.00")
                                                      and not table._require_update_dimensions))
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_neurons(snap_compare, neurons_root, size):
    """Dashboard key N on a real tiny GRU-with-attention text run: units ranked by |r| with the
    text features, the validation text shaded (NO_COLOR: a ramp row per unit), the attention map."""

    async def before(pilot):
        await _open_neurons(pilot)
        await pilot.pause(0.5)
        await _steady_cursors(pilot)

    assert snap_compare(lab(neurons_root), terminal_size=size, run_before=before)


def test_neurons_attention(snap_compare, neurons_root):
    """Key a: the attention map of the same run in place of the shading."""

    async def before(pilot):
        from textual.widgets import DataTable

        await _open_neurons(pilot)
        await pilot.press("a")
        await pilot.pause(0.5)
        # the map redraws the screen; the units table sizes its columns again on an idle pass,
        # late on a loaded box (two CIs drew the `r` column one cell wide): wait for it again
        table = pilot.app.screen.query_one("#nx-units", DataTable)
        await _until(pilot, lambda: not table.display or table.ordered_columns[-1].content_width >= len("+0.00"))
        await pilot.pause(0.2)
        await _steady_cursors(pilot)

    assert snap_compare(lab(neurons_root), terminal_size=(120, 40), run_before=before)


ANATOMY_SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", ANATOMY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cell_anatomy(snap_compare, fixture_root, size):
    """`A` on the dashboard of the running LSTM: its equations with unit 3's numbers."""

    async def before(pilot):
        await _open_dashboard(pilot, 0)
        await pilot.press("A")
        await _until(pilot, lambda: getattr(pilot.app.screen, "data", None) is not None)
        await pilot.press("right", "right", "right")
        await pilot.pause(0.3)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)
