"""Snapshots of the screen states issue 19 added: the playground's next-token bars, Neurons'
visible focus and reported characters, Anatomy stepping through t, the 80x24 fits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_snapshots import (  # noqa: E402,F401
    _home_ready, _open_dashboard, _open_neurons, _steady_cursors, _until, fixture_root, lab, neurons_root,
)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_playground_next_token_bars(snap_compare, neurons_root, size):
    """A greedy generate (T = 0: the same text everywhere) and the next-token bars beside it."""

    async def before(pilot):
        from textual.widgets import DataTable

        await _until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 1)
        await pilot.press("enter")
        await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None
                     and pilot.app.screen.state.config is not None)
        await pilot.press("g")
        await _until(pilot, lambda: type(pilot.app.screen).__name__ == "Playground")
        pg = pilot.app.screen
        pg.query_one("#temperature").value = "0"
        pg.query_one("#prompt").value = "def f(x):"
        pg.query_one("#length").value = "40"
        await pilot.press("ctrl+g")
        await _until(pilot, lambda: str(pg.query_one("#pg-status").render()) == "done", timeout=60)
        await pilot.pause(0.3)
        await _steady_cursors(pilot)

    assert snap_compare(lab(neurons_root), terminal_size=size, run_before=before)


def test_neurons_typed_text_outside_the_vocabulary(snap_compare, neurons_root):
    """Typed text with characters the run never saw: they are named in the status line; the
    text box has the focus (its label reversed), the unit's feature said in words."""

    async def before(pilot):
        await _open_neurons(pilot)
        nx = pilot.app.screen
        box = nx.query_one("#nx-text")
        box.value = "def 中文(x): return x"
        box.focus()
        await pilot.press("enter")
        await _until(pilot, lambda: nx._doc is not None and nx._doc["text"].startswith("def ("))
        await pilot.pause(0.4)
        await _steady_cursors(pilot)

    assert snap_compare(lab(neurons_root), terminal_size=(120, 40), run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_anatomy_two_steps_back(snap_compare, fixture_root, size):
    """[ [ on the cell anatomy: step T-2 of the probe sequence, its x_t, the strips' scales."""

    async def before(pilot):
        await _open_dashboard(pilot, 0)
        await pilot.press("A")
        await _until(pilot, lambda: getattr(pilot.app.screen, "data", None) is not None)
        await pilot.press("right", "right", "right", "left_square_bracket", "left_square_bracket")
        await pilot.pause(0.3)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)
