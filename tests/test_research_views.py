"""The research staples (issue 18 item 4): hyperparameter columns chosen and remembered, filters
on metrics and config values, `rnnlab diff`, seed groups. Real run stores on tmp paths
(tests/research_fixtures.py); the screens through `App.run_test`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from research_fixtures import make_research_runs  # noqa: E402

from rnnlab.errors import UserError  # noqa: E402
from rnnlab.runs import hparams  # noqa: E402
from rnnlab.tui import runfilter  # noqa: E402


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_research_runs(Path("runs"))
    return Path("runs")


def test_flat_config_resolve_and_diff(root):
    from rnnlab.runs.paths import list_run_dirs

    dirs = list_run_dirs(root)[::-1]  # oldest first: the order of research_fixtures.RUNS
    a, b = hparams.read_flat(dirs[0]), hparams.read_flat(dirs[3])
    assert a["train.lr"] == 1e-3 and a["model.hidden_size"] == 32 and "name" not in a
    assert hparams.resolve("lr", a) == "train.lr" and hparams.resolve("train.lr", a) == "train.lr"
    assert hparams.resolve("nope", a) is None
    changed = dict(hparams.diff([a, b]))
    assert changed == {"model.hidden_size": [32, 64], "train.lr": [1e-3, 3e-3]}  # same seed: not a difference
    assert hparams.fmt(1e-3) == "1e-03" and hparams.fmt(0.0025) == "0.0025" and hparams.fmt(64) == "64"
    assert hparams.short_names(["train.lr", "model.cell", "task.cell"]) == {
        "train.lr": "lr", "model.cell": "model.cell", "task.cell": "task.cell"}
    with pytest.raises(UserError, match="no config.toml"):
        hparams.read_flat(root)


def _info(name, metric=None, tags=()):
    return SimpleNamespace(run_id=name, name=name, cell="lstm", task="adding", status="finished", tags=list(tags),
                           sweep=None, note="", latest={"val_bpc": metric} if metric is not None else {},
                           primary_metric="val_bpc")


def test_filter_compares_metrics_and_config():
    runs = [_info("a", 1.9), _info("b", 2.4), _info("c", None, tags=["lr=1e-3"])]
    flats = {"a": {"train.lr": 3e-3, "train.optimizer": "adam", "model.hidden_size": 64},
             "b": {"train.lr": 1e-4, "train.optimizer": "sgd", "model.hidden_size": 128},
             "c": {"train.lr": 1e-2, "train.optimizer": "adamw", "model.hidden_size": 64}}
    keys = {k for f in flats.values() for k in f} | {"val_bpc"}

    def names(text):
        m = runfilter.matcher(runfilter.parse(text, keys), None, lambda i: flats[i.run_id])
        return [i.name for i in runs if m(i)]

    assert names("lr>1e-3") == ["a", "c"]
    assert names("val_bpc<2") == ["a"]  # c has no val_bpc: it fails the comparison
    assert names("metric>=2") == ["b"]
    assert names("lr>1e-3 val_bpc<2") == ["a"]
    assert names("hidden_size>=64 hidden_size<100") == ["a", "c"]  # a range
    assert names("train.lr<=1e-4") == ["b"] and names("-lr<=1e-4") == ["a", "c"]
    assert names("optimizer:adam") == ["a", "c"] and names("optimizer=adam") == ["a"]
    assert names("optimizer:sgd optimizer:adamw") == ["b", "c"]  # same key: alternatives
    assert names("lr=1e-2") == ["c"]
    assert names("foo=1e-3") == []  # not a key: the plain word (a tag would match)
    assert names("lr=1e-3") == ["c"]  # no lr is 1e-3, but c's tag says so
    with pytest.raises(UserError, match="needs a number"):
        runfilter.parse("lr>abc", keys)
    with pytest.raises(UserError, match="did you mean val_bpc"):
        runfilter.parse("val_bcp<2", keys)
    with pytest.raises(UserError, match="unknown field 'colour:'"):
        runfilter.parse("colour:red", keys)
    ambiguous = keys | {"model.lr"}
    with pytest.raises(UserError, match="ambiguous"):
        runfilter.parse("lr>1", ambiguous)


async def _until(pilot, cond, timeout=20.0):
    for _ in range(int(timeout / 0.1)):
        if cond():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


def test_home_columns_picked_remembered_and_filtered(root):
    """`H` ticks config keys as columns; the choice is in the runs root's settings file and a
    new lab shows the same columns; `/ lr>2e-3 val_mse<0.03` keeps the runs it should."""
    from textual.widgets import DataTable

    from rnnlab.tui import labsettings
    from rnnlab.tui.app import LabApp

    async def first():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(DataTable)
            await _until(pilot, lambda: table.row_count == 7)
            await pilot.press("H")
            await _until(pilot, lambda: type(app.screen).__name__ == "ColumnPicker")
            options = app.screen.query_one("#columns-list")
            offered = [options.get_option_at_index(i).value for i in range(options.option_count)]
            assert offered[:4] == ["model.cell", "model.hidden_size", "train.lr", "train.seed"]  # the ones that differ
            await pilot.press("down", "space", "down", "space", "enter")
            await _until(pilot, lambda: type(app.screen).__name__ == "Home")
            assert app.screen.hp_columns == ["model.hidden_size", "train.lr"]
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[4:7] == ["metric", "hidden_size", "lr"]
            await pilot.press("slash", *"lr>2e-3 val_mse<0.03", "enter")
            await _until(pilot, lambda: table.row_count == 2)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert {r[1] for r in rows} == {"lstm-lr3e-3-s1", "lstm-lr3e-3-s3"}
            assert {(r[5], r[6]) for r in rows} == {("64", "3e-03")}

    async def second():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(DataTable)
            await _until(pilot, lambda: table.row_count == 7)
            assert [str(c.label) for c in table.columns.values()][5:7] == ["hidden_size", "lr"]

    asyncio.run(first())
    assert labsettings.columns(root) == ["model.hidden_size", "train.lr"]
    asyncio.run(second())
