"""The lab's interface in Chinese under RNNLAB_LANG=zh (rnnlab/tui/i18n.py): every footer key
of every screen has its translation (a new key fails here until it gets one), footers and the
`?` explanations read Chinese, English stays the default."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest
from textual.binding import Binding

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_snapshots import _home_ready, _open_dashboard, _until, fixture_root, lab  # noqa: E402,F401

SCREENS = ["anatomy", "compare", "dashboard", "explain", "help", "home", "lessons", "modals", "neurons", "new",
           "playground", "sweep", "system"]


def _footer_descriptions() -> set[str]:
    from rnnlab.tui.app import LabApp

    found = {b.description for b in LabApp.BINDINGS}
    for name in SCREENS:
        mod = importlib.import_module(f"rnnlab.tui.screens.{name}")
        for v in vars(mod).values():
            if isinstance(v, type) and v.__module__ == mod.__name__:
                for b in getattr(v, "BINDINGS", []):
                    b = b if isinstance(b, Binding) else Binding(*b)
                    if b.show and b.description:
                        found.add(b.description)
    return found


def test_every_footer_key_and_panel_line_has_its_chinese():
    from rnnlab.tui.i18n import ZH
    from rnnlab.tui.screens.dashboard import PANELS

    missing = sorted(d for d in _footer_descriptions() if d not in ZH)
    assert not missing, f"add these footer descriptions to rnnlab/tui/i18n.py ZH: {missing}"
    for _, _, cls in PANELS:
        assert cls.EXPLAIN in ZH and cls.TITLE in ZH, cls.__name__


def _footer(app) -> list[str]:
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    return [k.description for k in app.screen.query_one(Footer).query(FooterKey)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_footer_and_explanations_speak_the_interface_language(fixture_root, monkeypatch, lang):
    monkeypatch.setenv("RNNLAB_LANG", lang)

    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _home_ready(pilot)
            await _until(pilot, lambda: len(_footer(app)) > 5)
            home = _footer(app)
            await _open_dashboard(pilot, 0)
            loss = app.screen.query_one("#loss")
            loss.focus()
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            line = loss.query_one(".explain").content
            return home, str(getattr(line, "text", line)), str(loss.border_title)

    home, line, title = asyncio.run(go())
    if lang == "zh":
        assert "新建" in home and "课程" in home and "New" not in home
        assert line.startswith("? 每步的训练损失") and "过拟合" in line
    else:
        assert "New" in home and "Lessons" in home
        assert line.startswith("? training loss per step")


def test_snapshot_dashboard_panel_explained_in_chinese(snap_compare, fixture_root, monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "zh")

    async def before(pilot):
        await _open_dashboard(pilot, 2, tab="flow")
        flow = pilot.app.screen.query_one("#flow")
        flow.focus()
        await pilot.press("question_mark")
        await pilot.pause(0.6)

    assert snap_compare(lab(fixture_root), terminal_size=(80, 24), run_before=before)


def test_every_screen_explains_itself_in_chinese(monkeypatch):
    from rnnlab.tui.screens.explain import SCREENS, screen_text

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    for name in SCREENS:
        fake = type(name, (), {})()
        title, text = screen_text(fake)
        assert text and sum(ord(c) > 0x3000 for c in text) > len(text) // 4, name  # mostly Chinese
        assert any(ord(c) > 0x3000 for c in title), name
    from rnnlab.tui.screens.explain import FOCUS, FOCUS_ZH

    assert set(FOCUS_ZH) == set(FOCUS)
