"""The Neurons screen on real tiny runs: span search from its box, state and layer keys, the
time-series view, and the dashboard key refusing runs it cannot read."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tui_fixtures import make_neurons_run  # noqa: E402


async def _until(pilot, cond, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if cond():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


async def _open(pilot, row: int = 0):
    from textual.widgets import DataTable

    await _until(pilot, lambda: pilot.app.screen.query(DataTable) and pilot.app.screen.query_one(DataTable).row_count >= 1)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await _until(pilot, lambda: getattr(pilot.app.screen, "state", None) is not None and pilot.app.screen.state.config is not None)
    await pilot.press("N")
    await _until(pilot, lambda: getattr(pilot.app.screen, "_doc", None) is not None)
    return pilot.app.screen


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_neurons_run(tmp_path / "runs")
    return tmp_path / "runs"


def test_span_search_and_keys(root):
    asyncio.run(_span_search_and_keys(root))


async def _span_search_and_keys(root):
    from textual.widgets import DataTable, Input

    from rnnlab.tui.app import LabApp

    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        nx = await _open(pilot)
        assert type(nx).__name__ == "Neurons" and nx._doc["state"] == "h"
        assert nx.query_one("#nx-units", DataTable).row_count == 16  # every unit, ranked
        # a span from the box: the table lists exactly the units on throughout it
        nx.query_one("#nx-text", Input).value = "def push(self, x):\\n    return x\\n"
        nx.query_one("#nx-text", Input).focus()
        before = nx._doc
        await pilot.press("enter")
        await _until(pilot, lambda: nx._doc is not before)
        assert nx._doc["text"] == "def push(self, x):\n    return x\n"
        acts = {u["unit"]: u["activations"] for u in nx._doc["units"]}
        u, a, b = next((u, a, b) for u, v in acts.items() for a in range(1, 30) for b in range(a + 2, 31)
                       if v[a - 1] <= 0 < min(v[a:b]) and v[b] <= 0)
        nx.query_one("#nx-threshold", Input).value = "0"
        nx.query_one("#nx-span", Input).value = f"{a}:{b}"
        nx.query_one("#nx-span", Input).focus()
        before = nx._doc
        await pilot.press("enter")
        await _until(pilot, lambda: nx._doc is not before)
        sp = nx._doc["span"]
        assert sp["start"] == a and sp["end"] == b and sp["threshold"] == 0 and u in sp["units"]
        assert nx.query_one("#nx-units", DataTable).row_count == len(sp["units"])
        shown = str(nx.query_one("#nx-matches").render())
        assert shown.startswith(f"span {a}:{b} {sp['text']!r}")
        for m in sp["matches"][:4]:
            assert f"[{m['text']}]".replace("\n", "↵") in shown  # brackets survive (no markup)
        # a span no unit fits (threshold above any tanh value): the ranked units and the shaded
        # text stay, the span marked, and the line below says so
        nx.query_one("#nx-threshold", Input).value = "2"
        nx.query_one("#nx-span", Input).focus()
        before = nx._doc
        await pilot.press("enter")
        await _until(pilot, lambda: nx._doc is not before)
        assert nx._doc["span"]["units"] == [] and len(nx._doc["units"]) == 16
        assert nx.query_one("#nx-units", DataTable).display and nx.query_one("#nx-units", DataTable).row_count == 16
        assert "push" in str(nx.query_one("#nx-shaded").render())
        assert "no unit is on throughout it" in str(nx.query_one("#nx-matches").render())
        nx.query_one("#nx-threshold", Input).value = ""
        # l on a one-layer run does nothing, and says so
        nx.query_one("#nx-units", DataTable).focus()
        await pilot.press("l")
        await _until(pilot, lambda: any("one recurrent layer" in str(n.message) for n in app._notifications), 5)
        # s: the next state letter of a GRU (h → r), recomputed
        nx.query_one("#nx-units", DataTable).focus()
        nx.query_one("#nx-span", Input).value = ""
        before = nx._doc
        await pilot.press("s")
        await _until(pilot, lambda: nx._doc is not before)
        assert nx._doc["state"] == "r" and all(0 < v < 1 for v in nx._doc["units"][0]["activations"])
        # a: the attention map in place of the shading
        await pilot.press("a")
        await _until(pilot, lambda: "attention layer 0 head 0" in str(nx.query_one("#nx-shaded").render()), 10)
        # a bad span is one line in the status, not a crash
        nx.query_one("#nx-span", Input).value = "5:999"
        nx.query_one("#nx-span", Input).focus()
        await pilot.press("enter")
        await _until(pilot, lambda: "outside the text" in str(nx.query_one("#nx-status").render()))


def test_time_series_units_under_the_series(tmp_path, monkeypatch):
    from rnnlab.cli.app import main
    from rnnlab.tui.app import LabApp

    monkeypatch.chdir(tmp_path)
    root = tmp_path / "runs"
    with pytest.raises(SystemExit) as done:
        main(["train", "ts-lstm", "--runs-dir", str(root), "--set", "task.synthetic.length=400", "--set", "task.window=24",
              "--set", "task.horizon=4", "--set", "model.hidden_size=8", "--set", "train.steps=4",
              "--set", "train.checkpoint_every=4", "--set", "train.eval_every=4", "--set", "probes.output_every=0"])
    assert not done.value.code
    asyncio.run(_time_series(LabApp(root)))


async def _time_series(app):
    async with app.run_test(size=(120, 40)) as pilot:
        nx = await _open(pilot)
        doc = nx._doc
        assert doc["features"] == ["series", "series_change"] and len(doc["units"]) == 8
        assert len(doc["text"]) == 24 and all(len(u["activations"]) == 24 for u in doc["units"])
        assert "probe window" in str(nx.query_one("#nx-matches").render())
        status = str(nx.query_one("#nx-status").render())
        assert "ranked by |r| with the series and its change" in status and "text" not in status


def test_typed_characters_outside_the_vocabulary_are_reported_and_features_said_in_words(root):
    async def go():
        from textual.widgets import Input

        from rnnlab.tui.app import LabApp

        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            nx = await _open(pilot)
            feature = str(nx.query_one("#nx-feature").render())
            box = nx.query_one("#nx-text", Input)
            box.value = "def 中文(x): return x"
            box.focus()
            await pilot.press("enter")
            await _until(pilot, lambda: nx._doc is not None and "中" not in nx._doc["text"] and nx._doc["text"].startswith("def ("))
            await pilot.pause(0.2)
            status = str(nx.query_one("#nx-status").render())
            box.value = "中文"
            await pilot.press("enter")
            await _until(pilot, lambda: "✗" in str(nx.query_one("#nx-status").render()))
            return feature, status, str(nx.query_one("#nx-status").render())

    feature, status, none = asyncio.run(go())
    from rnnlab.inspect.features import WORDS

    assert feature.startswith("unit ") and " follows " in feature
    assert any(f"{name} ({words})" in feature for name, words in WORDS.items()), feature
    assert "left out, not in the run's vocabulary: '中', '文'" in status
    assert "vocabulary" in none


def test_attention_asked_for_while_loading_shows_when_ready(root):
    """`a` pressed before the first report (the run still loading: 26 s on a cold start) used to
    say "no attention" and leave the map empty until pressed again."""

    async def go():
        from rnnlab.tui.app import LabApp

        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            nx = await _open(pilot)
            nx._doc, nx._attention, nx.show_attention = None, None, False  # as before the first load
            await pilot.press("a")
            waiting = str(nx.query_one("#nx-status").render())
            nx._compute()
            await _until(pilot, lambda: nx._doc is not None)
            await pilot.pause(0.2)
            return waiting, nx.show_attention, str(nx.query_one("#nx-shaded").render())

    waiting, shown, view = asyncio.run(go())
    assert "the attention map shows when it is ready" in waiting
    assert shown and "attention layer 0 head 0" in view
