"""The home screen's filter (`/`), sort (`S`), tags (`t`) and note (`T`), driven by keys through
Pilot on the fixture runs (tests/tui_fixtures.py: a running LSTM on adding, a stopped LSTM
forecaster, a finished GRU on text, a diverged tanh RNN)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_snapshots import _home_ready, _until, fixture_root  # noqa: E402,F401


def _keys_of(text: str) -> list[str]:
    names = {":": "colon", " ": "space", "-": "minus", "=": "equals_sign"}
    return [names.get(c, c) for c in text]


def _names(app) -> list[str]:
    from textual.widgets import DataTable

    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def _title(app) -> str:
    return str(app.screen.query_one("#home-title").render())


def test_filter_by_keys(fixture_root):
    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _home_ready(pilot)
            await pilot.press("slash", *_keys_of("cell:lstm"))
            await _until(pilot, lambda: len(_names(app)) == 2)
            assert _names(app) == ["lstm-adding", "ts-lstm"] and "2 of 4 match cell:lstm" in _title(app)
            await pilot.press("enter")  # keeps the filter, back to the table
            assert app.screen.focused.id == "runs" and len(_names(app)) == 2
            await pilot.press("slash", *_keys_of(" status:run"))
            await _until(pilot, lambda: _names(app) == ["lstm-adding"])
            await pilot.press(*_keys_of(" colour:red"))  # a mistake is said in the hint line
            await pilot.pause(1.3)  # and stays said through the next listing (every second)
            assert "unknown field 'colour:'" in str(app.screen.query_one("#home-hint").render())
            for _ in " colour:red":
                await pilot.press("backspace")
            await _until(pilot, lambda: _names(app) == ["lstm-adding"])
            await pilot.press("escape")
            await _until(pilot, lambda: len(_names(app)) == 4)
            assert "match" not in _title(app) and not app.screen.query_one("#home-filter").has_class("-shown")

    asyncio.run(go())


def test_sort_cycles_with_indicator(fixture_root):
    from textual.widgets import DataTable

    from rnnlab.tui import runfilter
    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _home_ready(pilot)
            newest = _names(app)
            labels = lambda: [str(c.label) for c in app.screen.query_one(DataTable).columns.values()]  # noqa: E731
            await pilot.press("S")
            await _until(pilot, lambda: _names(app) == sorted(newest))
            assert "name ▲" in labels() and "sorted by name ▲" in _title(app)
            await pilot.press("S", "S")  # status, then metric: best (lowest) value first
            await pilot.pause(0.1)
            assert "metric ▲" in labels() and "name ▲" not in labels()
            infos = {i.name: i for i in app.screen.infos.values()}
            values = [infos[n].latest.get(infos[n].primary_metric) for n in _names(app)]
            finite = [v for v in values if v == v]
            assert finite == sorted(finite) and all(v != v for v in values[len(finite):])
            for _ in range(len(runfilter.SORTS) - 3):
                await pilot.press("S")
            await pilot.pause(0.1)
            assert _names(app) == newest and not any("▲" in x or "▼" in x for x in labels())

    asyncio.run(go())


def test_tags_and_note_keys(fixture_root):
    from rnnlab.runs.store import read_info
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.modals import Prompt

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _home_ready(pilot)
            await pilot.press("down")  # ts-lstm
            run_dir = Path(app.screen._current().dir)
            await pilot.press("t")
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press(*_keys_of("baseline lr=1e-3"), "enter")
            await _until(pilot, lambda: read_info(run_dir).tags == ["baseline", "lr=1e-3"])
            # shown in its row once the listing saw the change
            await _until(pilot, lambda: "baseline lr=1e-3" in [str(c) for c in app.screen.query_one("#runs").get_row(run_dir.name)])
            await pilot.press("T")
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press(*_keys_of("window too short"), "enter")
            await _until(pilot, lambda: read_info(run_dir).note == "window too short")
            await _until(pilot, lambda: "note: window too short" in str(app.screen.query_one("#home-note").render()))
            await pilot.press("T")  # escape leaves the note as it was
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press("x", "escape")
            await pilot.pause(0.3)
            assert read_info(run_dir).note == "window too short"
            await pilot.press("slash", *_keys_of("tag:baseline"), "enter")
            await _until(pilot, lambda: _names(app) == ["ts-lstm"])

    asyncio.run(go())


def test_a_bad_tag_keeps_the_prompt_and_what_was_typed(fixture_root):
    """A tag with a ':' or a too-long note used to close the prompt with an error toast,
    dropping the typed text; now the prompt stays with the text and says what is wrong."""
    from textual.widgets import Input

    from rnnlab.runs.store import read_info
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.modals import Prompt

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _home_ready(pilot)
            run_dir = Path(app.screen._current().dir)
            await pilot.press("t")
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press(*_keys_of("good bad:tag"), "enter")
            await pilot.pause(0.3)
            assert isinstance(app.screen, Prompt)
            assert app.screen.query_one(Input).value == "good bad:tag"
            assert "tag 'bad:tag' is not allowed" in str(app.screen.query_one("#prompt-box-note").render())
            assert read_info(run_dir).tags == []
            for _ in range(4):
                await pilot.press("backspace")
            await pilot.press("enter")  # "good bad"
            await _until(pilot, lambda: read_info(run_dir).tags == ["bad", "good"])
            assert not isinstance(app.screen, Prompt)

    asyncio.run(go())


def test_enter_on_an_unchanged_note_keeps_its_lines(fixture_root):
    """A note written with `rnnlab note` on several lines is offered on one line by `T`;
    enter without an edit rewrote it joined, losing its line breaks."""
    from rnnlab.runs import notes
    from rnnlab.runs.store import read_info
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.modals import Prompt

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _home_ready(pilot)
            run_dir = Path(app.screen._current().dir)
            notes.set_note(run_dir, "first line\nsecond line")
            await _until(pilot, lambda: app.screen._current().note == "first line\nsecond line")
            await pilot.press("T")
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press("enter")
            await _until(pilot, lambda: not isinstance(app.screen, Prompt))
            await pilot.pause(0.5)
            assert read_info(run_dir).note == "first line\nsecond line"
            await pilot.press("T")  # an edit is saved, on one line
            await _until(pilot, lambda: isinstance(app.screen, Prompt))
            await pilot.press("end", "exclamation_mark", "enter")
            await _until(pilot, lambda: read_info(run_dir).note == "first line second line!")

    asyncio.run(go())


def test_a_runs_values_that_grow_widen_their_column_while_the_lab_is_open(tmp_path):
    """An outside trial opened the lab on an empty runs folder and launched a run: its row was
    filled at `0/400`, and as it trained the cells changed in place in columns sized for the first
    values (`400/4`, `rmse 0` for 0.224, `80,67` for 80,672 tok/s) until the lab was reopened."""
    from textual.widgets import DataTable
    from rich.cells import cell_len

    from rnnlab import config
    from rnnlab.runs import launch, store
    from rnnlab.tui.app import LabApp

    root = tmp_path / "runs"
    cfg = config.validate({"model": {"cell": "lstm", "hidden_size": 8}, "task": {"kind": "adding", "seq_len": 10},
                           "train": {"steps": 400, "batch_size": 8, "checkpoint_every": 400, "eval_every": 100,
                                     "log_every": 1, "device": "cpu", "threads": 1},
                           "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0}})

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause(0.5)
            run = launch.create_run(cfg, root, name="grow")  # appears in the open lab: its row is new
            await _until(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, 30)
            launch.spawn(run)
            await _until(pilot, lambda: store.read_info(run).status == "finished", 120)
            table = app.screen.query_one(DataTable)
            await _until(pilot, lambda: "400/400" in " ".join(str(c) for c in table.get_row_at(0)), 30)
            for key, column in table.columns.items():
                cell = table.get_cell_at((0, list(table.columns).index(key)))
                assert column.get_render_width(table) - 2 * table.cell_padding >= cell_len(str(cell)), (str(key.value), str(cell))

    asyncio.run(go())


def test_home_and_end_go_to_the_first_and_last_run(fixture_root):
    """An outside trial pressed Home in the runs table and it slid sideways (DataTable's Home is
    the leftmost column, its first row ctrl+home): Home and End are the first and last run, the
    sideways jumps shift+home and shift+end."""
    from textual.widgets import DataTable

    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(fixture_root)
        async with app.run_test(size=(80, 24)) as pilot:  # at 80 columns the table is wider than the screen
            await _home_ready(pilot)
            table = app.screen.query_one(DataTable)
            await _until(pilot, lambda: table.max_scroll_x > 0)
            seen = []
            for key in ("end", "shift+end", "home", "end", "shift+home", "home"):
                await pilot.press(key)
                await pilot.pause(0.1)
                seen.append((key, table.cursor_row, table.scroll_x == table.max_scroll_x, table.scroll_x == 0))
            return table.row_count, seen

    rows, seen = asyncio.run(go())
    last = rows - 1
    assert rows == 4
    assert seen == [("end", last, False, True), ("shift+end", last, True, False), ("home", 0, True, False),
                    ("end", last, True, False), ("shift+home", last, False, True), ("home", 0, False, True)]
