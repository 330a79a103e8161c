"""The lab readable in any terminal (issue 14, items 8-10): series told apart by marker under
NO_COLOR and in pipes, checkboxes whose state is text, every screen whole at 80×24, `?` on a
panel explaining it, and axes, keys and labels a reader can take at face value.

Runs the real app with Pilot on the fixed fixture runs of tests/tui_fixtures.py, and the real
CLI in a pipe."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tui_fixtures import make_fixture_runs  # noqa: E402

from rnnlab.tui.app import LabApp  # noqa: E402
from tests.test_tui_snapshots import _home_ready, _until  # noqa: E402  (the same waits as the snapshots)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readable") / "runs"
    make_fixture_runs(root)
    return root




async def _dashboard(pilot, row: int) -> None:
    """Open the fixture run in `row` (0 running LSTM adding, 1 forecaster, 2 GRU text, 3 diverged)."""
    await _home_ready(pilot)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None
                 and pilot.app.screen.state.info is not None and bool(pilot.app.screen.state.events))
    await pilot.pause(0.5)


async def _compare(pilot) -> None:
    await _home_ready(pilot)
    await pilot.press("space", "space", "space", "c")
    await _until(pilot, lambda: all(s.info is not None for s in getattr(pilot.app.screen, "states", [None])))
    await pilot.pause(0.6)


def _plot_text(plot) -> str:
    return plot.render().plain


def _lab(root: Path, monkeypatch, no_color: bool) -> LabApp:
    # Textual reads NO_COLOR when the app is made
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return LabApp(root)


# ---------------------------------------------------------------------------- item 8


def test_no_color_compare_gives_every_run_its_own_marker(root, monkeypatch):
    async def go():
        from textual.widgets import Static

        from rnnlab.tui.widgets.plot import LinePlot

        app = _lab(root, monkeypatch, no_color=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await _compare(pilot)
            plot = _plot_text(app.screen.query_one(LinePlot))
            legend = str(app.screen.query_one("#compare-legend", Static).render())
            return plot, legend

    plot, legend = asyncio.run(go())
    # one marker per run drawn in the plot area, named by the legend line under it (a legend
    # inside the plot covered the curves at 80x24: issue 19)
    assert "lstm-adding" not in plot and "gru-char" not in plot
    assert "x" in plot and "o" in plot
    assert "⢕⢕ lstm-adding" in legend and "xx ts-lstm" in legend and "oo gru-char" in legend


def test_no_color_dashboard_tells_train_from_val(root, monkeypatch):
    async def go():
        from rnnlab.tui.widgets.plot import LinePlot

        app = _lab(root, monkeypatch, no_color=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await _dashboard(pilot, 0)
            return _plot_text(app.screen.query_one("#loss-plot", LinePlot))

    plot = asyncio.run(go())
    assert "⢕⢕ train" in plot and "xx val" in plot


def test_with_colour_series_keep_their_braille_and_colour(root, monkeypatch):
    async def go():
        from rnnlab.tui.widgets.plot import LinePlot

        from textual.widgets import Static

        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _compare(pilot)
            return str(app.screen.query_one("#compare-legend", Static).render())

    legend = asyncio.run(go())
    assert "━━ lstm-adding" in legend and "━━ ts-lstm" in legend  # braille curves, one colour each


def test_checkboxes_show_their_state_as_text(root, monkeypatch):
    async def go():
        app = _lab(root, monkeypatch, no_color=True)
        async with app.run_test(size=(100, 40)) as pilot:
            await _home_ready(pilot)
            await pilot.press("n")
            await pilot.pause(0.3)
            box = app.screen.query_one("#attention")
            before = box.render().plain
            box.focus()
            await pilot.press("space")
            await pilot.pause(0.1)
            after = box.render().plain
            race = app.screen.query_one("#race")
            race.value = True
            await pilot.pause(0.2)
            cells = app.screen.query_one("#race-cells")
            lines = ["".join(seg.text for seg in cells.render_line(y)) for y in range(cells.option_count)]
            return before, after, lines

    before, after, lines = asyncio.run(go())
    assert before.startswith("[ ]") and after.startswith("[x]")
    # rnn_tanh, lstm and gru are preselected for a race; the others are not
    marks = {line[4:].strip(): line[:3] for line in lines}
    assert marks["lstm"] == "[x]" and marks["gru"] == "[x]"
    assert "[ ]" in marks.values()


def test_cli_compare_in_a_pipe_gives_every_run_its_own_marker(root):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    out = subprocess.run([sys.executable, "-m", "rnnlab", "compare", "--runs-dir", str(root), "lstm-adding", "rnn-adding"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "\x1b[" not in out.stdout
    assert "⢕⢕ lstm-adding" in out.stdout and "xx rnn-adding" in out.stdout


# ---------------------------------------------------------------------------- item 9


def test_80x24_header_fits_one_line_and_footer_keys_are_whole(root, monkeypatch):
    async def go():
        from textual.widgets._footer import FooterKey

        from rnnlab.tui.widgets.header import RunHeader

        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _dashboard(pilot, 0)  # running: name, status, step, ETA, tok/s, cell, task, device
            header = app.screen.query_one(RunHeader)
            keys = [(k.region, k.description) for k in app.screen.query(FooterKey)]
            return header.size.height, header.render().plain, keys

    height, text, keys = asyncio.run(go())
    assert height == 1 and "\n" not in text and len(text) <= 78
    assert "lstm-adding" in text and "running" in text and "step 600/1000" in text
    # (no Playground: the sampling playground is for text runs, and this one is the adding problem)
    assert {"Runs", "Stop", "Pause", "Checkpoint", "Sample", "Explain", "Help"} <= {d for _, d in keys}
    assert "Playground" not in {d for _, d in keys}
    # every key inside the screen and none under another (a cut key ran under the next one)
    spans = sorted((r.x, r.right) for r, _ in keys)
    assert all(right <= 80 for _, right in spans), keys
    assert all(a_right <= b_x for (_, a_right), (b_x, _) in zip(spans, spans[1:])), keys


def test_80x24_compare_table_shows_the_metric_column(root, monkeypatch):
    async def go():
        from textual.widgets import DataTable

        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _compare(pilot)
            table = app.screen.query_one("#final", DataTable)
            right = 0
            for column in table.ordered_columns:
                right += column.get_render_width(table)
                if column.label.plain == "last metric":
                    return right, table.size.width, table.get_row_at(0)
            return None

    right, width, row = asyncio.run(go())
    assert right <= width
    assert "mse 0.0401" in [str(c) for c in row]


def test_80x24_home_id_column_keeps_what_tells_runs_apart(root, monkeypatch):
    async def go():
        from textual.widgets import DataTable

        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _home_ready(pilot)
            table = app.screen.query_one(DataTable)
            right = 0
            for column in table.ordered_columns:
                right += column.get_render_width(table)
                if column.label.plain == "id":
                    break
            return right, table.size.width, [str(table.get_row_at(i)[2]) for i in range(table.row_count)]

    right, width, ids = asyncio.run(go())
    assert right <= width
    assert ids == ["…120000-d4d4", "…110000-c3c3", "…100000-b2b2", "…090000-a1a1"]


def test_short_ids_drop_only_what_every_run_shares():
    from rnnlab.tui.screens.home import short_ids

    same_day = ["20260101-120000-d4d4", "20260101-110000-c3c3"]
    assert short_ids(same_day) == {"20260101-120000-d4d4": "…120000-d4d4", "20260101-110000-c3c3": "…110000-c3c3"}
    race = ["20260101-120000-d4d4", "20260101-120000-e5e5"]
    assert short_ids(race) == {"20260101-120000-d4d4": "…d4d4", "20260101-120000-e5e5": "…e5e5"}
    days = ["20260101-120000-d4d4", "20260102-120000-e5e5"]
    assert short_ids(days) == {d: d for d in days}
    assert short_ids(["odd-name"]) == {"odd-name": "odd-name"}


def test_80x24_playground_button_is_whole(root, monkeypatch):
    async def go():
        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _dashboard(pilot, 2)
            await _until(pilot, lambda: app.screen.state.config is not None)
            await pilot.press("g")
            await _until(pilot, lambda: type(app.screen).__name__ == "Playground")
            await pilot.pause(0.3)
            button = app.screen.query_one("#generate")
            return button.region, button.render().plain

    region, label = asyncio.run(go())
    assert region.right <= 80 and "Generate" in label


# ---------------------------------------------------------------------------- item 10


def test_question_mark_explains_the_focused_panel_and_f1_still_helps(root, monkeypatch):
    async def go():
        from rnnlab.tui.screens.help import Help

        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _dashboard(pilot, 0)
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            loss = app.screen.query_one("#loss")
            shown = [str(w.content.text) for w in loss.query(".explain")]  # a CellWrap (rnnlab/tui/wrap.py)
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            hidden = list(loss.query(".explain"))
            await pilot.press("f1")
            await pilot.pause(0.3)
            helped = isinstance(app.screen, Help)
            return shown, hidden, helped

    shown, hidden, helped = asyncio.run(go())
    assert len(shown) == 1 and "nats" in shown[0] and "overfitting" in shown[0]
    assert hidden == []
    assert helped


def test_question_mark_on_the_flow_panel_of_the_grid(root, monkeypatch):
    async def go():
        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await _dashboard(pilot, 0)
            flow = app.screen.query_one("#flow")
            flow.focus()
            await pilot.pause(0.1)
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            return [str(w.content.text) for w in flow.query(".explain")], type(app.screen).__name__

    shown, screen = asyncio.run(go())
    assert screen == "Dashboard"
    assert len(shown) == 1 and "‖∂L_T/∂x_t‖" in shown[0] and "vanishing" in shown[0]


def test_every_panel_has_an_explanation():
    from rnnlab.tui.screens.dashboard import PANELS

    for pid, _, cls in PANELS:
        assert len(cls.EXPLAIN) > 40, pid
        assert "healthy" in cls.EXPLAIN.lower() or pid == "events", pid


def _heatmap_text(matrix, size=(60, 6)) -> str:
    from textual.app import App

    from rnnlab.tui.widgets.heatmap import Heatmap

    class One(App):
        def compose(self):
            yield Heatmap(id="h")

    async def go():
        app = One()
        async with app.run_test(size=size) as pilot:
            h = app.query_one(Heatmap)
            h.show(matrix, "rows: probes", log10=True)
            await pilot.pause(0.1)
            return h.render().plain

    return asyncio.run(go())


def test_heatmap_has_a_key_for_its_shades():
    m = np.log10(np.array([[1.0, 1e-1, 1e-2, 1e-3], [1.0, 0.5, 0.2, 0.1]]))
    text = _heatmap_text(m)
    assert "·░▒▓█ 1e-03→1e+00" in text
    assert text.splitlines()[-1].startswith("·░▒▓█")


def _plot_of(data, size=(60, 14)) -> str:
    from textual.app import App

    from rnnlab.tui.widgets.plot import LinePlot

    class One(App):
        def compose(self):
            yield LinePlot(id="p")

    async def go():
        app = One()
        async with app.run_test(size=size) as pilot:
            p = app.query_one(LinePlot)
            p.show(data)
            await pilot.pause(0.1)
            return _plot_text(p)

    return asyncio.run(go())


def _y_labels(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := re.match(r"\s*(\S+)[┤├]", line))]


def _x_labels(text: str) -> list[str]:
    lines = text.splitlines()
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[axis + 1].split()


def test_log_axes_tick_at_whole_decades_even_within_one_decade():
    from rnnlab.tui.widgets.plot import Line, PlotData

    x = np.arange(1, 101, dtype=np.float64)
    y = 0.5 + 2.0 * np.exp(-x / 30)  # 0.57 … 2.4: inside one decade
    labels = _y_labels(_plot_of(PlotData([Line("g", x, y)], log_y=True)))
    assert len(labels) >= 2 and all(re.fullmatch(r"1e[+-]\d\d", lab) for lab in labels), labels


def test_distances_and_steps_are_whole_numbers():
    from rnnlab.tui.widgets.plot import Line, PlotData

    d = np.arange(0, 50, dtype=np.float64)
    labels = _x_labels(_plot_of(PlotData([Line("flow", d, np.exp(-d / 10))], xlabel="T - t", log_y=True)))
    assert len(labels) >= 3 and all(re.fullmatch(r"\d+", lab) for lab in labels), labels


def test_a_one_point_plot_has_a_sane_x_axis():
    from rnnlab.tui.widgets.plot import Line, PlotData

    labels = _x_labels(_plot_of(PlotData([Line("val", np.array([50.0]), np.array([0.3]))])))
    assert labels == ["50"]


def _state_with_gates(gates: dict):
    from rnnlab.tui.state import RunState

    class Info:
        cell = "lstm"

    st = RunState()
    st.info = Info()
    st.vectors["gates"] = (200, gates)
    return st


def test_gates_treat_the_tanh_candidate_as_tanh_and_keep_saturated_on_its_row():
    from rnnlab.tui.widgets.panels import gate_text

    text = gate_text(_state_with_gates({
        "l0.input": {"mean": 0.45, "sat_low": 0.05, "sat_high": 0.1},
        "l0.forget": {"mean": 0.9, "sat_low": 0.02, "sat_high": 0.6},
        "l0.cell": {"mean": 0.05, "sat_low": 0.0, "sat_high": 0.7},
        "l0.output": {"mean": 0.55, "sat_low": 0.04, "sat_high": 0.12},
    }))
    lines = text.plain.splitlines()
    cell = next(line for line in lines if "l0.cell" in line)
    forget = next(line for line in lines if "l0.forget" in line)
    assert "–" in cell and "0%" not in cell.split("+0.05")[1].split()[0]  # no sigmoid low share for tanh
    assert cell.endswith("saturated") and forget.endswith("saturated")
    assert any("|·|>0.9" in line for line in lines)
    # every line fits a 160-column grid panel (≈49 cells), so none wraps
    assert all(len(line) <= 49 for line in lines), lines
    assert text.no_wrap


def test_loss_panel_says_nats_and_bpc_for_text(root, monkeypatch):
    async def go():
        app = _lab(root, monkeypatch, no_color=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _dashboard(pilot, 2)  # the GRU on text
            loss = app.screen.query_one("#loss")
            return loss.border_title, loss.border_subtitle

    title, subtitle = asyncio.run(go())
    # the fixture's last val loss is 0.02046 nats = 0.0295 bits per character
    assert title == "loss (nats) · val 0.0295 bpc"
    assert subtitle.startswith("train 0.02109  val 0.02046")
