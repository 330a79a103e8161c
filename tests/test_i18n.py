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


# ---------------------------------------------------------------- the rest of the interface (issue 19 item 4)

def _words(app) -> str:
    """The text on screen: the SVG's text content (export_screenshot), joined."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]+)</text>", svg))).replace("\xa0", " ")


# English words of the translated set that must not show on the zh screens below (each a
# whole word; metric names, cells, keys and numbers stay as typed)
ENGLISH = {
    "compare": ["status", "metric", "best", "params", "baseline", "config differs", "in the table", "compare",
                "running", "finished", "diverged"],
    "anatomy": ["Cell anatomy", "layer", "unit 3 marked", "forget", "candidate", "output", "hidden", "the layer's input"],
    "new": ["hidden size", "learning rate", "optimizer", "batch size", "parameters", "Launch", "Cancel",
            "causal attention", "race: one run", "clip norm", "run name"],
    "home": ["runs in", "name", "status", "metric", "step", "task", "tags", "running", "stopped", "finished", "diverged"],
    "dashboard": ["Loss", "Grads", "Flow", "Gates", "Events", "vs baseline", "loss", "running"],
}


def _untranslated(text: str, screen: str) -> list[str]:
    import re

    return [w for w in ENGLISH[screen] if re.search(r"(?<![A-Za-z_])" + re.escape(w) + r"(?![A-Za-z_])", text)]


async def _open_compare(pilot) -> None:
    await _home_ready(pilot)
    await pilot.press("space", "space", "space", "c")
    await _until(pilot, lambda: all(s.info is not None for s in getattr(pilot.app.screen, "states", [None])))
    await pilot.pause(0.8)


async def _open_anatomy(pilot) -> None:
    await _open_dashboard(pilot, 0)
    await pilot.press("A")
    await _until(pilot, lambda: getattr(pilot.app.screen, "data", None) is not None)
    await pilot.press("right", "right", "right")
    await pilot.pause(0.3)


async def _open_new(pilot) -> None:
    from test_tui_snapshots import _steady_cursors

    await _home_ready(pilot)
    await pilot.press("n")
    await pilot.pause(0.3)
    pilot.app.screen.query_one("#preset").value = "adding-lstm"
    await pilot.pause(0.3)
    await _steady_cursors(pilot)


OPENERS = {"home": _home_ready, "compare": _open_compare, "anatomy": _open_anatomy, "new": _open_new}


def test_every_new_string_has_its_chinese():
    """Each `t("…")`/`tf("…")` literal in the screens translated in issue 19 item 4 has its entry."""
    import ast
    import re

    from rnnlab.tui.i18n import ZH

    root = Path(__file__).parent.parent / "rnnlab" / "tui"
    files = ["screens/compare.py", "screens/comparetable.py", "screens/anatomy.py", "screens/new.py", "newform.py",
             "widgets/header.py", "widgets/panels.py", "widgets/outputpanel.py", "language.py", "screens/home.py",
             "screens/homerows.py", "sweeprows.py", "screens/system.py", "screens/help.py", "screens/playground.py",
             "screens/sweep.py", "screens/neurons.py", "screens/dashboard.py", "screens/homekeys.py", "screens/modals.py",
             "widgets/plot.py", "sweepviews.py", "screens/columns.py"]
    missing, seen = [], 0
    for f in files:
        src = (root / f).read_text(encoding="utf-8")
        for m in re.finditer(r'\btf?\(\s*((?:"[^"\n]*"\s*)+)', src):
            text = ast.literal_eval("(" + m.group(1) + ")")  # the string Python makes of it (escapes too)
            seen += 1
            if text not in ZH:
                missing.append((f, text))
        # the words plots show (plot.py translates a legend label, x-axis label and empty message
        # at draw time; a name or symbol such as "T - t" or "‖g‖" stays as it is)
        for m in re.finditer(r'(?:\bLine\(\s*|xlabel=|empty_message=)"([^"\n]+)"', src):
            seen += 1
            if m.group(1) not in ZH and re.search(r"[a-z]{2}", m.group(1)):
                missing.append((f, m.group(1)))
    assert not missing, missing
    assert seen > 130  # the pattern finds the screens' strings (a rewrite of them would show here)
    from rnnlab.runs.status import ALL
    from rnnlab.runs.axes import X_LABELS
    from rnnlab.tui.newform import LABELS
    from rnnlab.tui.screens.comparetable import COLUMNS
    from rnnlab.tui.screens.dashboard import PANELS

    from rnnlab.tui.widgets.panels import FACTS

    for word in [*ALL, *X_LABELS.values(), *LABELS.values(), *COLUMNS, *(label for _, label, _ in PANELS), *FACTS.values()]:
        assert word in ZH, word


def test_check_lines_speak_the_lesson_language():
    """A lesson's checks and their measured lines in English and Chinese (rnnlab/lessons/checks.py)."""
    from rnnlab.lessons.checks import Expect, RunResult, Sampling, evaluate

    runs = {"a": RunResult("a", "r1", "finished", 100, {"val_mse": 0.01}, {"constant_val_mse": 0.167}),
            "b": RunResult("b", "r2", "diverged", 7, {}, {})}
    checks = [Expect("status", "b", statuses=("diverged",)), Expect("lower", "a", "b", "val_mse"),
              Expect("higher", "a", "b", "val_mse", factor=2), Expect("beats_baseline", "a", metric="val_mse",
                                                                      factor=0.5, baseline="constant_val_mse")]
    en = [(e.describe("en"), evaluate(e, runs, "en")) for e in checks]
    zh = [(e.describe("zh"), evaluate(e, runs, "zh")) for e in checks]
    assert en[0] == ("b ends diverged", (True, "b: diverged at step 7"))
    assert en[3] == ("a val_mse < 0.5 x its constant_val_mse", (True, "a 0.01 vs constant_val_mse 0.167"))
    assert zh[0] == ("b 结束状态为 diverged", (True, "b: 第 7 步时 diverged"))
    assert zh[1][0] == "a 的 val_mse < b 的 val_mse" and zh[1][1] == (True, "a 0.01 对比 b diverged")
    assert zh[3][0] == "a 的 val_mse < 0.5 x 其自身的 constant_val_mse"
    for (text, (_, line)), (ztext, (_, zline)) in zip(en, zh):
        assert not any(w in ztext.split() for w in ("ends", "its", "or")), ztext
        assert " vs " not in zline and " at step " not in zline, zline
    assert [ok for _, (ok, _) in zh] == [ok for _, (ok, _) in en]  # the verdict never depends on the language
    assert Sampling("g", 0, top_k=5).describe("zh") == "贪心, top-k 5"
    assert Sampling("g", 0, top_k=5).describe("en") == "greedy, top-k 5"


def test_lessons_cli_in_chinese(monkeypatch, capsys):
    """`rnnlab lessons N` says its expectation line and its one-line errors in Chinese."""
    from rnnlab.cli.app import main

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    with pytest.raises(SystemExit) as done:
        main(["lessons", "3"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "预期" in x)
    assert "结束状态为" in line and " ends " not in line and " its " not in line
    for argv, word in ((["lessons", "99"], "没有第 99 课"), (["lessons", "x"], "不是数字"),
                       (["lessons", "3", "--try", "9", "--run"], "没有变体 9"), (["lessons", "--run"], "需要课程编号")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert word in err and len(err.splitlines()) == 1, err


def test_runs_screen_in_chinese_has_no_english_label_left(fixture_root, monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "zh")

    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _home_ready(pilot)
            return _words(app)

    text = asyncio.run(go())
    assert "运行目录" in text and not _untranslated(text, "home"), (_untranslated(text, "home"), text)


def test_language_switch_flips_the_lab_live(fixture_root, monkeypatch):
    """f2 flips EN/中文 on the screen in front and on those below it; the footer says so."""
    # set, not deleted: monkeypatch then restores it after f2 wrote it (a delenv of an unset
    # variable records nothing, and the switch's RNNLAB_LANG leaked into the tests after)
    monkeypatch.setenv("RNNLAB_LANG", "en")

    async def go():
        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _home_ready(pilot)
            await _until(pilot, lambda: len(_footer(app)) > 5)
            seen = {"home_en": _footer(app)}
            await _open_dashboard(pilot, 0)
            seen["dash_en"] = _words(app)
            await pilot.press("f2")
            await pilot.pause(0.5)
            seen["dash_zh"] = _words(app)
            seen["dash_footer_zh"] = _footer(app)
            await pilot.press("escape")
            await pilot.pause(0.5)
            seen["home_zh"] = _footer(app)
            await _open_compare(pilot)
            seen["compare_zh"] = _words(app)
            await pilot.press("f2")
            await pilot.pause(0.5)
            seen["compare_en"] = _words(app)
            import os

            seen["env"] = os.environ.get("RNNLAB_LANG")
            return seen

    seen = asyncio.run(go())
    assert "EN/中文" in seen["home_en"] and "New" in seen["home_en"]
    assert "running" in seen["dash_en"] and "step 600" in seen["dash_en"]
    assert "运行中" in seen["dash_zh"] and not _untranslated(seen["dash_zh"], "dashboard"), seen["dash_zh"]
    assert "运行列表" in seen["dash_footer_zh"] and "Runs" not in seen["dash_footer_zh"]
    assert "新建" in seen["home_zh"] and "New" not in seen["home_zh"]
    assert not _untranslated(seen["compare_zh"], "compare")
    assert "status" in seen["compare_en"] and "状态" not in seen["compare_en"]
    assert seen["env"] == "en"


@pytest.mark.parametrize("screen", ["compare", "anatomy", "new"])
def test_snapshot_screen_in_chinese(snap_compare, fixture_root, monkeypatch, screen):
    """Compare, anatomy and the New form in Chinese at 120x40: the snapshot, and none of the
    translated English labels left on the screen."""
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    shown = []

    async def before(pilot):
        await OPENERS[screen](pilot)
        shown.append(_words(pilot.app))

    assert snap_compare(lab(fixture_root), terminal_size=(120, 40), run_before=before)
    text = shown[0]
    assert sum(ord(c) > 0x3000 for c in text) > 20, text
    assert not _untranslated(text, screen), (_untranslated(text, screen), text)


def test_new_form_field_error_in_chinese(fixture_root, monkeypatch):
    """A field's bad value is flagged with one Chinese line naming the field by its label."""
    monkeypatch.setenv("RNNLAB_LANG", "zh")

    async def go():
        from textual.widgets import Input

        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_new(pilot)
            app.screen.query_one("#lr", Input).value = "abc"
            await pilot.pause(0.3)
            flagged = app.screen.query_one("#lr").has_class("-invalid")
            status = str(app.screen.query_one("#form-status").render())
            app.screen.query_one("#lr", Input).value = ""
            await pilot.pause(0.3)
            return flagged, status, str(app.screen.query_one("#form-status").render())

    flagged, bad, empty = asyncio.run(go())
    assert flagged and "学习率: 'abc' 不是数字" in bad, bad
    assert "学习率: 必须填写" in empty, empty


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_new_form_config_error_in_the_interface_language(fixture_root, monkeypatch, lang):
    """A value the config refuses (pydantic's message, through rnnlab/tui/i18n_errors.py) reads
    Chinese under zh, its key and value as typed; English as it was."""
    monkeypatch.setenv("RNNLAB_LANG", lang)

    async def go():
        from textual.widgets import Input

        app = lab(fixture_root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_new(pilot)
            app.screen.query_one("#lr", Input).value = "-1"
            await pilot.pause(0.3)
            return app.screen.query_one("#lr").has_class("-invalid"), str(app.screen.query_one("#form-status").render())

    flagged, status = asyncio.run(go())
    assert flagged, status
    if lang == "zh":
        assert "[train] lr = -1.0: 应大于 0" in status and "Input" not in status, status
    else:
        assert "[train] lr = -1.0: Input should be greater than 0" in status, status


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plot_words_in_the_interface_language_keep_the_frame_straight(monkeypatch, lang):
    """A plot's legend, x-axis label and empty message are translated at draw time; a Chinese
    character takes two cells and every row of the plot still spans exactly its width."""
    import numpy as np
    from rich.cells import cell_len
    from textual.app import App

    from rnnlab.tui.widgets.plot import Line, LinePlot, PlotData

    monkeypatch.setenv("RNNLAB_LANG", lang)

    class One(App):
        def compose(self):
            yield LinePlot(id="p")

    async def go():
        app = One()
        async with app.run_test(size=(60, 16)) as pilot:
            plot = app.query_one(LinePlot)
            x = np.arange(50, dtype=float)
            rows = []
            for data in (PlotData([Line("train", x, np.exp(-x / 20)), Line("val", x, np.exp(-x / 30))]),
                         PlotData(empty_message="waiting for data")):
                plot.show(data)
                await pilot.pause(0.1)
                rows.append(str(plot.render()).splitlines())
            return plot.size.width, rows

    width, (lines, empty) = asyncio.run(go())
    text = "\n".join(lines + empty)
    assert all(cell_len(r) == width for r in lines + empty), [(cell_len(r), r) for r in lines + empty]
    if lang == "zh":
        assert "训练" in text and "验证" in text and "步数" in text and "等待数据" in text and "train" not in text
    else:
        assert "train" in text and "val" in text and "step" in text and "waiting for data" in text and "训练" not in text
