"""`?` everywhere (issue 19): every screen explains itself and its focused panel, with its keys;
on a dashboard with no panel focused, the screen and every panel's line. Behaviour through
Pilot on the fixture runs, and snapshots of the new screen states."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_snapshots import (  # noqa: E402,F401
    _home_ready, _open_dashboard, _open_neurons, _steady_cursors, _until, fixture_root, lab, neurons_root,
)


def _explained(app) -> str:
    from rnnlab.tui.screens.explain import Explain

    from rich.console import Console

    assert isinstance(app.screen, Explain), type(app.screen).__name__
    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    for w in app.screen.query("Static"):
        console.print(w.content)
    return " ".join(console.export_text().split())


def test_every_screen_of_the_help_has_its_explanation():
    import inspect
    import re

    from rnnlab.tui.screens import help as help_mod
    from rnnlab.tui.screens.explain import SCREENS

    shown = set(re.findall(r"key_table\(\"[^\"]+\", (\w+)\)", inspect.getsource(help_mod.help_tables)))
    assert len(shown) >= 10 and shown <= set(SCREENS), shown - set(SCREENS)
    assert all(len(text) > 60 for _, text in SCREENS.values())


def test_question_mark_on_home_and_on_a_dashboard_with_no_panel_focused(fixture_root):
    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(160, 48)) as pilot:
            await _home_ready(pilot)
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            home = _explained(app)
            await pilot.press("escape")
            await _open_dashboard(pilot, 0)
            app.screen.set_focus(None)
            await pilot.pause(0.1)
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            dash = _explained(app)
            await pilot.press("f1")  # from there, every key of every screen
            await pilot.pause(0.3)
            return home, dash, type(app.screen).__name__

    home, dash, after = asyncio.run(go())
    assert "Every run in the runs root" in home and "runs table" in home  # the table has the focus
    assert "One run, live" in dash and "no panel is focused" in dash
    assert "‖∂L_T/∂x_t‖" in dash and "overfitting" in dash  # the flow and loss panels' lines
    assert after == "Help"


def test_question_mark_on_neurons_explains_the_features_and_the_focused_units(neurons_root):
    async def go():
        app = lab(neurons_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_neurons(pilot)
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            return _explained(app)

    text = asyncio.run(go())
    assert "after_space (the previous character is whitespace)" in text and "line_pos (column" in text
    assert "focused: the units" in text and "best |r| first" in text


def test_question_mark_on_anatomy_explains_the_screen_not_only_its_keys(fixture_root):
    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_dashboard(pilot, 0)
            await pilot.press("A")
            await _until(pilot, lambda: getattr(app.screen, "data", None) is not None)
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            return _explained(app)

    text = asyncio.run(go())
    assert "c = f·c₋₁ + i·g" in text and "strips" in text and "gate is nearest 1" in text


# ---------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_dashboard_explained_with_no_panel_focused(snap_compare, fixture_root, size):
    async def before(pilot):
        await _open_dashboard(pilot, 0)
        pilot.app.screen.set_focus(None)
        await pilot.pause(0.1)
        if size[0] < 120:  # at small sizes the shown tab is the panel `?` explains: leave it
            pilot.app.action_explain()
        else:
            await pilot.press("question_mark")
        await pilot.pause(0.4)

    assert snap_compare(lab(fixture_root), terminal_size=size, run_before=before)


def test_snapshot_neurons_explained(snap_compare, neurons_root):
    async def before(pilot):
        await _open_neurons(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.4)

    assert snap_compare(lab(neurons_root), terminal_size=(120, 40), run_before=before)


def test_anatomy_steps_back_through_t_with_x_t_and_the_numbers_of_that_step(fixture_root):
    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_dashboard(pilot, 0)
            await pilot.press("A")
            await _until(pilot, lambda: getattr(app.screen, "data", None) is not None)
            an = app.screen
            seen = []
            for keys in ([], ["left_square_bracket"] * 3, ["right_square_bracket"] * 5):
                await pilot.press(*keys)
                await pilot.pause(0.1)
                seen.append((str(an.query_one("#anatomy-title").render()), str(an.query_one("#anatomy-body").render())))
            return an.data, seen

    data, [(t_title, t_body), (back_title, back_body), (again_title, _)] = asyncio.run(go())
    trace = data["trace"]
    assert "t=50/50" in t_title
    assert "t=47/50" in back_title
    row = trace["layers"][0][-4]  # three steps before T
    f = row["gates"]["forget"]
    assert f"σ({f['x'][0]:+.3f} {f['h'][0]:+.3f} {f['b'][0]:+.3f}) = {f['value'][0]:+.3f}" in back_body
    x = trace["inputs"][-4]
    assert f"x_t ({x[0]:.3g}, {x[1]:.3g})" in back_body
    assert "▁0 █1" in back_body and "▁-1 █1" in back_body  # each strip's scale
    assert "t=50/50" in again_title  # ] stops at T


# ---------------------------------------------------------------------------- 80x24 fits


def test_80x24_home_footer_shows_lessons_and_compare_shows_params_at_80_and_120(fixture_root):
    async def go():
        from textual.widgets import DataTable, Footer
        from textual.widgets._footer import FooterKey

        app = lab(fixture_root)
        async with app.run_test(size=(80, 24)) as pilot:
            await _home_ready(pilot)

            def footer() -> dict:
                return {k.description: k.region for k in app.screen.query_one(Footer).query(FooterKey)}

            # the footer's keys get their regions in a layout pass that comes later on a loaded machine
            await _until(pilot, lambda: footer().get("Lessons") is not None and footer()["Lessons"].width > 0)
            keys = footer()
            await pilot.press("space", "down", "space", "down", "space", "c")
            await _until(pilot, lambda: type(app.screen).__name__ == "Compare")
            out = {"L": keys.get("Lessons")}
            for width in (80, 120):
                await pilot.resize_terminal(width, 24) if hasattr(pilot, "resize_terminal") else None
                await pilot.pause(0.5)
                table = app.screen.query_one("#final", DataTable)
                await _until(pilot, lambda: table.row_count == 3)
                x = 0
                for col in table.ordered_columns:
                    if str(col.key.value) == "params":
                        out[width] = x + col.get_render_width(table)
                        break
                    x += col.get_render_width(table)
            return out

    out = asyncio.run(go())
    assert out["L"] is not None and 0 < out["L"].width and out["L"].right <= 80
    assert out[80] <= 80 and out[120] <= 120  # the params column ends inside the screen
