"""The New experiment screen's race: one task, several cells, real workers, the compare view;
and that "match parameter counts" really matches the models the engine builds."""

from __future__ import annotations

import asyncio

import pytest
import torch

from rnnlab import config
from rnnlab.tui.app import LabApp
from rnnlab.tui.newform import race_configs


@pytest.mark.parametrize("task", ["adding", "text", "copy"])
def test_matched_races_build_models_of_about_the_same_size(task):
    from rnnlab.train.session import build

    overrides = ["model.hidden_size=64", "model.num_layers=2", f"task.kind={task}"]
    if task == "text":
        overrides += ["task.source='" + __file__ + "'", "task.seq_len=16", "train.batch_size=4", "task.val_fraction=0.3"]
    cfg = config.load("adding-lstm", overrides)
    cells = ["lstm", "gru", "rnn_tanh", "transformer"]
    configs = race_configs(cfg, cells, match=True)
    assert [c.model.cell for c in configs] == cells
    assert len({c.train.seed for c in configs}) == 1 and len({c.task.model_dump_json() for c in configs}) == 1
    counts = []
    for c in configs:
        _, model = build(c, None, torch.device("cpu"))
        counts.append(sum(p.numel() for p in model.parameters()))
    for cell, n in zip(cells, counts):
        assert abs(n - counts[0]) / counts[0] < 0.15, (cell, n, counts[0])
    unmatched = race_configs(cfg, cells, match=False)
    assert {c.model.hidden_size for c in unmatched} == {64}


@pytest.mark.timeout(300)
def test_race_launches_one_worker_per_cell_and_opens_compare(tmp_path):
    asyncio.run(_race(tmp_path))


async def _until(pilot, cond, timeout: float = 120.0) -> None:
    for _ in range(int(timeout / 0.2)):
        if cond():
            return
        await pilot.pause(0.2)
    raise AssertionError("condition not met in time")


async def _tiny_adding_form(app, pilot, **fields: str):
    """The New experiment form on the adding-lstm preset with a tiny model (and `fields`)."""
    await pilot.press("n")
    await pilot.pause(0.3)
    screen = app.screen
    screen.query_one("#preset").value = "adding-lstm"
    await pilot.pause(0.3)
    for fid, value in {"hidden": "8", "seq_len": "10", "batch": "8", **fields}.items():
        screen.query_one(f"#{fid}").value = value
    return screen


async def _race(tmp_path):
    from rnnlab.runs.store import RunReader, list_runs, send_command

    root = tmp_path / "runs"
    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _tiny_adding_form(app, pilot, steps="40")
        screen.query_one("#race").value = True
        races = screen.query_one("#race-cells")
        races.deselect_all()
        races.select("lstm")
        races.select("gru")
        await pilot.pause(0.2)
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: type(app.screen).__name__ == "Compare")
        await _until(pilot, lambda: len(list_runs(root)) == 2)
        runs = list_runs(root)
        assert sorted(r.cell for r in runs) == ["gru", "lstm"]
        # both train, from the same config apart from the cell
        for info in runs:
            await _until(pilot, lambda d=info.dir: (RunReader(d).info().step or 0) > 0)
        for info in runs:
            send_command(info.dir, "stop")
        await _until(pilot, lambda: all(r.status in ("stopped", "finished") for r in list_runs(root)))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "transformer"])
@pytest.mark.parametrize("task,extra", [("adding", []), ("copy", ["task.seq_len=30"]), ("adding", ["model.attention=true"])])
def test_param_formula_is_exact_for_adding_and_copy(cell, task, extra):
    from rnnlab.train.session import build
    from rnnlab.tui.params import approx_params

    if cell == "transformer" and "model.attention=true" in extra:
        pytest.skip("the transformer has no optional attention")
    cfg = config.load("adding-lstm", [f"model.cell={cell}", f"task.kind={task}", "model.hidden_size=24",
                                      "model.num_layers=2", *extra])
    t, model = build(cfg, None, torch.device("cpu"))
    real = sum(p.numel() for p in model.parameters())
    assert approx_params(cell, 24, 2, task, max_len=t.seq_len, attention=cfg.model.attention) == real


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "transformer"])
@pytest.mark.parametrize("attention", [False, True])
@pytest.mark.parametrize("embedding", [None, 12])
def test_the_forms_count_is_the_built_models_for_every_task(tmp_path, cell, attention, embedding):
    from rnnlab.train.session import build
    from rnnlab.tui.params import config_params

    if cell == "transformer" and attention:
        pytest.skip("the transformer has no optional attention")
    corpus = tmp_path / "c.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 50)
    for task, extra in [("adding", []), ("copy", ["task.seq_len=30"]), ("text", [f"task.source='{corpus}'", "task.seq_len=20"]),
                        ("timeseries", ["task.synthetic.length=400", "task.window=30", "task.horizon=7"])]:
        sets = [f"model.cell={cell}", f"task.kind={task}", "model.hidden_size=24", "model.num_layers=2",
                f"model.attention={'true' if attention else 'false'}", "train.batch_size=4", *extra]
        if embedding:
            sets.append(f"model.embedding_size={embedding}")
        cfg = config.load("adding-lstm", sets)
        t, model = build(cfg, None, torch.device("cpu"))
        real = sum(p.numel() for p in model.parameters())
        assert config_params(cfg, io=(t.input_size, t.output_size)) == real, task
        if task in ("adding", "copy"):
            assert config_params(cfg) == real, task  # no data needed to know these


@pytest.mark.timeout(300)
def test_seeds_in_the_form_launch_a_seed_group_as_train_seeds_does(tmp_path):
    asyncio.run(_seeds(tmp_path))


async def _seeds(tmp_path):
    from rnnlab.runs.hparams import read_flat
    from rnnlab.runs.store import list_runs, read_info, send_command

    root = tmp_path / "runs"
    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _tiny_adding_form(app, pilot, steps="100000", name="grp")
        status = screen.query_one("#form-status")
        # a bad count, and seeds with a race, are flagged in place
        for text, race, needle in (("0", False, "seeds: '0' is not a whole number"), ("3", True, "seeds: 3 with a race")):
            screen.query_one("#race").value = race
            screen.query_one("#seeds").value = text
            await pilot.pause(0.2)
            assert needle in str(status.content) and screen.query_one("#seeds").has_class("-invalid"), status.content
        screen.query_one("#race").value = False
        screen.query_one("#seeds").value = "3"
        await pilot.pause(0.2)
        assert "a seed group of 3 (seeds 1..3)" in str(status.content), status.content
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: type(app.screen).__name__ == "Compare")
        runs = sorted(list_runs(root), key=lambda r: r.name)
        try:
            # what `rnnlab train --seeds 3 --name grp` makes: three runs, one group, seeds 1..3
            assert [r.name for r in runs] == ["grp-s1", "grp-s2", "grp-s3"]
            assert len({r.group for r in runs}) == 1 and runs[0].group.startswith("g-")
            assert [read_flat(r.dir)["train.seed"] for r in runs] == [1, 2, 3]
            assert len(app.screen.run_dirs) == 3
        finally:
            for info in runs:
                send_command(info.dir, "stop")
            await _until(pilot, lambda: all(not read_info(r.dir).live for r in runs))
