"""The Lessons screen: opened from home with `L`, readable at 80x24 and 120x40 (snapshots),
finished lessons marked, Enter launches the lesson's runs and opens the compare view."""

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


def _lab(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


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


def test_enter_launches_race_opens_compare_and_marks_lesson_finished(empty_root, monkeypatch):
    from textual.widgets import DataTable

    from rnnlab.tui.screens.compare import Compare
    from rnnlab.tui.screens.lessons import Lessons

    monkeypatch.setenv(runner.QUICK_ENV, "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    launched: list[Path] = []

    async def go() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            table = pilot.app.screen.query_one(DataTable)
            assert table.get_cell_at((0, 0)) == " "  # nothing finished yet
            for _ in range(2):
                await pilot.press("down")  # lesson 3: the clipping race
            await pilot.press("enter")
            await _until(pilot, lambda: isinstance(pilot.app.screen, Compare), timeout=60)
            launched.extend(pilot.app.screen.run_dirs)

    asyncio.run(go())
    assert len(launched) == 3
    _wait_ended([Path(d) for d in launched])
    assert runner.finished(empty_root) == {3}
    report = runner.report(catalog.get(3), [Path(d) for d in launched])
    assert report["passed"], report["checks"]

    async def again() -> None:
        app = _lab(empty_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _open_lessons(pilot)
            assert isinstance(pilot.app.screen, Lessons)
            table = pilot.app.screen.query_one(DataTable)
            assert str(table.get_cell_at((2, 0))) == "✓" and str(table.get_cell_at((0, 0))).strip() == ""

    asyncio.run(again())
