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
            await pilot.press("escape")  # the filter cleared; S past the fixed sorts reaches the lr column
            await _until(pilot, lambda: table.row_count == 7)
            for _ in range(len(runfilter.SORTS) + 1):
                await pilot.press("S")
            await pilot.pause(0.3)
            assert str(list(table.columns.values())[6].label) == "lr ▲"
            lrs = [table.get_row_at(i)[6] for i in range(7)]
            assert lrs == ["1e-03"] * 3 + ["3e-03"] * 3 + ["0.01"]

    async def second():
        app = LabApp(root)
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(DataTable)
            await _until(pilot, lambda: table.row_count == 7)
            assert [str(c.label) for c in table.columns.values()][5:7] == ["hidden_size", "lr"]

    asyncio.run(first())
    assert labsettings.columns(root) == ["model.hidden_size", "train.lr"]
    asyncio.run(second())


def _cli(*args):
    import json  # noqa: F401

    from typer.testing import CliRunner

    from rnnlab.cli.app import app

    return CliRunner().invoke(app, list(args))


def test_diff_cli_table_json_and_errors(root):
    import json

    r = _cli("diff", "lstm-lr1e-3-s1", "lstm-lr3e-3-s2", "--runs-dir", str(root))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["key", "lstm-lr1e-3-s1", "lstm-lr3e-3-s2"]
    assert [ln.split() for ln in lines[1:4]] == [["model.hidden_size", "32", "64"], ["train.lr", "1e-03", "3e-03"],
                                                 ["train.seed", "1", "2"]]
    assert "other keys are the same" in lines[-1]
    r = _cli("diff", "lstm-lr1e-3-s1", "lstm-lr3e-3-s2", "gru-lr1e-2", "--json", "--runs-dir", str(root))
    out = json.loads(r.output)
    assert [d["name"] for d in out["runs"]] == ["lstm-lr1e-3-s1", "lstm-lr3e-3-s2", "gru-lr1e-2"]
    assert {d["key"]: d["values"] for d in out["differ"]}["train.lr"] == [0.001, 0.003, 0.01]
    assert {d["key"] for d in out["differ"]} == {"model.cell", "model.hidden_size", "train.lr", "train.seed"}
    assert out["same"] > 20
    r = _cli("diff", "lstm-lr1e-3-s1", "lstm-lr1e-3-s1", "--runs-dir", str(root))
    assert r.exit_code == 0 and r.output.startswith("the 2 runs have the same config")
    r = _cli("diff", "lstm-lr1e-3-s1", "--runs-dir", str(root))
    assert isinstance(r.exception, UserError) and "two or more runs" in str(r.exception)


def test_seed_band_and_mean_sd():
    import numpy as np

    from rnnlab.tui import seedgroups

    x = np.arange(0, 50, 10.0)
    b = seedgroups.band([(x, x * 1.0), (x[:3], x[:3] * 3.0), (x + 5, x + 5)])  # the second stops at 20
    assert b.n == 3 and b.x.tolist() == [5.0, 10.0, 15.0, 20.0]
    assert b.lo.tolist() == [5.0, 10.0, 15.0, 20.0] and b.hi.tolist() == [15.0, 30.0, 45.0, 60.0]
    assert np.allclose(b.mean, [25 / 3, 50 / 3, 25.0, 100 / 3]) and np.allclose(b.sd[0], np.std([5, 15, 5], ddof=1))
    assert seedgroups.band([(x, x)]) is None and seedgroups.band([(x, x), (x + 100, x)]) is None
    assert seedgroups.fmt_mean_sd([1.0, 3.0, None], lambda v: f"{v:g}") == "2 ± 1.41421 (2 of 3)"
    assert seedgroups.label(["lstm-lr-s1", "lstm-lr-s2"]) == "lstm-lr"
    infos = [SimpleNamespace(group="a"), SimpleNamespace(group=None), SimpleNamespace(group="a"), SimpleNamespace(group="b")]
    assert seedgroups.groups_of(infos) == {"a": [0, 2]}


def test_compare_groups_seeds_and_diffs_config(root):
    """Compare of the seven runs: each seed group is one row of mean ± sd (its seeds `1,2,3`),
    the differing config keys are columns, `g` shows the runs one by one."""
    from textual.widgets import DataTable

    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(root)
        async with app.run_test(size=(160, 40)) as pilot:
            await _until(pilot, lambda: app.screen.query_one(DataTable).row_count == 7)
            await pilot.press(*["space"] * 7, "c")
            await _until(pilot, lambda: type(app.screen).__name__ == "Compare"
                         and all(s.info is not None for s in app.screen.states))
            table = app.screen.query_one("#final", DataTable)
            await _until(pilot, lambda: table.row_count == 3)
            heads = [str(c.label) for c in table.columns.values()]
            assert heads[4:7] == ["hidden_size", "lr", "seed"]  # (the cell is a column already)
            rows = {table.get_row_at(i)[0]: table.get_row_at(i) for i in range(3)}
            g = rows["lstm-lr3e-3 ×3"]
            vals = [0.17 * np.exp(-s) + 0.012 for s in (2.4, 2.0, 2.8)]
            assert g[2] == f"mse {np.mean(vals):.3g} ± {np.std(vals, ddof=1):.3g}" and list(g[4:7]) == ["64", "3e-03", "1,2,3"]
            assert rows["gru-lr1e-2"][2].startswith("mse 0.115") and "±" not in rows["gru-lr1e-2"][2]
            await pilot.press("g")
            await _until(pilot, lambda: table.row_count == 7)

    import numpy as np

    asyncio.run(go())


def test_train_seeds_makes_a_group(tmp_path):
    """`rnnlab train --seeds 2` (a real subprocess): two runs named -s3/-s4 from train.seed=3,
    one group id in their meta, the seeds in their configs, mean ± sd in the JSON; bad counts
    and --nproc with it are one line, exit 2."""
    import json
    import os
    import subprocess

    from rnnlab.runs.store import read_info

    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def rnnlab(*args):
        return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, timeout=180)

    tiny = ["--set", "model.hidden_size=8", "--set", "train.steps=6", "--set", "train.eval_every=3",
            "--set", "task.seq_len=8", "--set", "train.seed=3", "--runs-dir", str(tmp_path)]
    proc = rnnlab("train", "adding-lstm", *tiny, "--seeds", "2", "--name", "tiny", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [r["name"] for r in out["runs"]] == ["tiny-s3", "tiny-s4"] and [r["seed"] for r in out["runs"]] == [3, 4]
    infos = [read_info(Path(r["run_dir"])) for r in out["runs"]]
    assert {i.group for i in infos} == {out["group"]} and all(i.status == "finished" for i in infos)
    assert [hparams.read_flat(i.dir)["train.seed"] for i in infos] == [3, 4]
    vals = [r["metrics"]["val_mse"] for r in out["runs"]]
    assert out["mean"]["val_mse"] == pytest.approx(sum(vals) / 2)
    assert out["sd"]["val_mse"] == pytest.approx(abs(vals[0] - vals[1]) / 2 ** 0.5)
    for args, needle in ((["--seeds", "0"], "--seeds 0"), (["--seeds", "2", "--nproc", "2"], "--seeds with --nproc"),
                         (["--seeds", "2", "--name", "tiny"], "'tiny-s3' (from --name tiny and seed 3) is already used")):
        proc = rnnlab("train", "adding-lstm", *tiny, *args)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr
