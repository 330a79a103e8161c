"""The Lessons screen: opened from home with `L`, readable at 80x24 and 120x40 (snapshots),
passed lessons marked with their size, Enter launches the lesson's runs and opens the compare
view with the lesson's text pinned beside it and its verdict there when the runs end."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnlab.lessons import catalog, runner

SIZES = [(80, 24), (120, 40)]


async def _until(pilot, cond, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if cond():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")



def _said(static) -> str:
    """What a Static says: its text, also when a CellWrap (rnnlab/tui/wrap.py) wraps it."""
    shown = static.content
    return str(getattr(shown, "text", shown))

def _lab(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


def _row(number: int) -> int:
    return [x.number for x in catalog.LESSONS].index(number)


async def _open_lessons(pilot) -> None:
    from rnnlab.tui.screens.lessons import Lessons

    await pilot.pause(0.3)
    await pilot.press("L")
    await _until(pilot, lambda: isinstance(pilot.app.screen, Lessons))
    await pilot.pause(0.3)


@pytest.fixture
def empty_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNLAB_LANG", raising=False)
    (tmp_path / "runs").mkdir()
    return Path("runs")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lessons_screen(snap_compare, empty_root, size):
    assert snap_compare(_lab(empty_root), terminal_size=size, run_before=_open_lessons)


def test_lessons_screen_in_chinese(snap_compare, empty_root, monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    assert snap_compare(_lab(empty_root), terminal_size=(80, 24), run_before=_open_lessons)


def _wait_ended(dirs: list[Path], timeout: float = 240) -> None:
    from rnnlab.runs.reader import read_info

    end = time.time() + timeout
    while time.time() < end:
        if all(not read_info(d).live for d in dirs):
            return
        time.sleep(0.5)
    raise AssertionError("lesson runs did not end")


def test_enter_launches_race_opens_compare_pins_the_lesson_and_its_verdict(empty_root, monkeypatch):
    from textual.widgets import DataTable, Static

    from rnnlab.tui.screens.compare import Compare
    from rnnlab.tui.screens.dashboard import Dashboard
    from rnnlab.tui.screens.lessons import Lessons

    monkeypatch.delenv(runner.QUICK_ENV, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    launched: list[Path] = []

    async def go() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_lessons(pilot)
            table = pilot.app.screen.query_one(DataTable)
            assert str(table.get_cell_at((0, 0))).strip() == ""  # nothing run yet
            title = pilot.app.screen.query_one("#lessons-title", Static)
            assert "at full size (f: quick)" in str(title.render())
            await pilot.press("f")  # the quick/full toggle: quick
            assert "at quick size (f: full)" in str(title.render())
            for _ in range(_row(3)):
                await pilot.press("down")  # lesson 3: the clipping race
            await pilot.press("enter")
            await _until(pilot, lambda: isinstance(pilot.app.screen, Compare), timeout=60)
            launched.extend(pilot.app.screen.run_dirs)
            compare = pilot.app.screen
            # the lesson's text pinned beside the compare view; t hides and shows it
            await _until(pilot, lambda: bool(compare.query("#lesson-pin")))
            pin = compare.query_one("#lesson-pin")
            # its text is laid out after the pin mounts (empty for a refresh under CI's load)
            await _until(pilot, lambda: bool(_said(compare.query_one("#lesson-pin-text", Static))))
            assert "Exploding gradients" in _said(compare.query_one("#lesson-pin-text", Static))
            assert "no-clip ends diverged" in _said(compare.query_one("#lesson-pin-text", Static))
            await pilot.press("t")
            assert not pin.display
            await pilot.press("t")
            assert pin.display
            # when the runs end: measured against expected, and the verdict with its size
            await _until(pilot, lambda: "PASSED" in _said(compare.query_one("#lesson-pin-result", Static)),
                         timeout=240)
            result = _said(compare.query_one("#lesson-pin-result", Static))
            assert "Result (quick): PASSED" in result and "measured: no-clip: diverged at step" in result
            # the panel the lesson's text names: the race plots the gradient norm, and Enter on a
            # run (the table has the focus) opens its dashboard on the Grads tab
            await _until(pilot, lambda: compare.query("#final") and compare.query_one("#final", DataTable).row_count == 3)
            assert compare.metric == "grad_norm" and str(compare.query_one("#metric").value) == "grad_norm"
            assert compare.log_y  # the clipped runs' norms visible under the no-clip spike
            assert pilot.app.focused is compare.query_one("#final", DataTable)
            await pilot.press("enter")
            await _until(pilot, lambda: isinstance(pilot.app.screen, Dashboard))
            assert pilot.app.screen.active == "grads"

    asyncio.run(go())
    assert len(launched) == 3
    _wait_ended([Path(d) for d in launched])
    assert runner.finished(empty_root) == {3}
    report = runner.report(catalog.get(3), [Path(d) for d in launched])
    assert report["passed"] and report["quick"], report["checks"]

    async def again() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            assert isinstance(pilot.app.screen, Lessons)
            table = pilot.app.screen.query_one(DataTable)
            await _until(pilot, lambda: str(table.get_cell_at((_row(3), 0))) == "✓ quick")
            assert str(table.get_cell_at((0, 0))).strip() == ""

    asyncio.run(again())


def test_every_lessons_panel_is_a_dashboard_tab():
    from rnnlab.tui.screens.dashboard import PANELS
    from rnnlab.tui.screens.lessons import TABS, tab_label

    ids = {pid for pid, _, _ in PANELS}
    for lesson in catalog.LESSONS:
        assert TABS[lesson.panel] in ids, lesson.number  # no lesson silently falls back to Loss
        assert tab_label(lesson)


def test_cell_lesson_opens_the_anatomy_over_the_dashboard_on_the_gates_tab_then_is_marked_done(empty_root, monkeypatch):
    from textual.widgets import DataTable, Tabs

    from rnnlab.tui.screens.anatomy import CellAnatomy
    from rnnlab.tui.screens.dashboard import Dashboard
    from rnnlab.tui.screens.lessons import Lessons

    monkeypatch.setenv(runner.QUICK_ENV, "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    launched: list[Path] = []

    async def go() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            await pilot.press("enter")  # lesson 1
            await _until(pilot, lambda: isinstance(pilot.app.screen, CellAnatomy), timeout=60)
            launched.append(pilot.app.screen.run_dir)
            await pilot.press("escape")
            await _until(pilot, lambda: isinstance(pilot.app.screen, Dashboard))
            dash = pilot.app.screen
            # at 80x24 one panel shows at a time: the one the lesson says to watch
            assert dash.active == "gates" and dash.query_one("#panel-tabs", Tabs).active == "tab-gates"
            assert dash.query_one("#gates").display and not dash.query_one("#loss").display
            # once the run has ended, going back to the Lessons screen shows the lesson as done
            await asyncio.to_thread(_wait_ended, launched)
            await pilot.press("escape")
            await _until(pilot, lambda: isinstance(pilot.app.screen, Lessons))
            table = pilot.app.screen.query_one(DataTable)
            await _until(pilot, lambda: str(table.get_cell_at((0, 0))) == "✓ quick")

    asyncio.run(go())


def test_a_lesson_text_longer_than_80x24_scrolls_with_page_keys(empty_root):
    async def go() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            for _ in range(_row(6)):
                await pilot.press("down")  # lesson 6, a long text
            await pilot.pause(0.3)
            scroll = pilot.app.screen.query_one("#lesson-scroll")
            assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0  # the end is below the screen
            for _ in range(10):  # page by page to the end
                await pilot.press("pagedown")
                await pilot.pause(0.1)
            await _until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
            for _ in range(10):
                await pilot.press("pageup")
                await pilot.pause(0.1)
            await _until(pilot, lambda: scroll.scroll_y == 0)
            await pilot.press("pagedown", "down")  # another lesson starts at its top
            await _until(pilot, lambda: scroll.scroll_y == 0)

    asyncio.run(go())


def test_the_lessons_screen_speaks_chinese_around_the_texts_too(empty_root, monkeypatch):
    from textual.widgets import DataTable, Static

    monkeypatch.setenv("RNNLAB_LANG", "zh")

    async def go() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            screen = pilot.app.screen
            title = str(screen.query_one("#lessons-title", Static).render())
            shown = screen.query_one("#lesson-text", Static).content
            body = str(getattr(shown, "text", shown))  # the text a CellWrap (rnnlab/tui/wrap.py) wraps
            labels = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
            assert "课程" in title and "Enter" in title
            assert "观察: 门控 标签页" in body and "watch:" not in body and "min on" not in body
            assert "课程" in labels and "lesson" not in labels

    asyncio.run(go())
