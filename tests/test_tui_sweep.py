"""The lab's side of sweeps: the home screen groups a sweep's trials under a header row that
opens the Sweep screen (trials table, best so far, parallel coordinates, importances), whose
`enter` opens a trial's dashboard. Snapshots at 120×40 and 80×24 on a fixed study."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from rnnlab.sweeps import record, spec as spec_mod, study as studies

SWEEP_ID = "20260101-130000-e5e5"
BASE = {
    "name": "lr-cell",
    "model": {"cell": "lstm", "hidden_size": 8},
    "task": {"kind": "adding", "seq_len": 10},
    "train": {"steps": 100, "batch_size": 8, "eval_every": 25, "device": "cpu"},
}
SPACE = {"train.lr": {"low": 1e-4, "high": 1e-2, "log": True}, "model.hidden_size": [32, 64], "model.cell": ["lstm", "gru", "rnn_tanh"]}
# (lr, hidden, cell, state, value at the end, run id)
TRIALS = [
    (1.2e-3, 64, "lstm", "COMPLETE", 0.052, "20260101-130001-0000"),
    (8.0e-3, 32, "gru", "COMPLETE", 0.031, "20260101-130001-0001"),
    (2.0e-4, 32, "rnn_tanh", "PRUNED", 0.171, "20260101-130002-0002"),
    (4.5e-3, 64, "gru", "COMPLETE", 0.024, "20260101-130003-0003"),
    (6.0e-4, 32, "lstm", "COMPLETE", 0.094, "20260101-130004-0004"),
    (3.0e-3, 64, "rnn_tanh", "RUNNING", 0.160, "20260101-130005-0005"),
]


def make_fixture_sweep(root: Path, run_ids: dict[int, str] | None = None) -> record.SweepRecord:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    spec = spec_mod.build({"trials": 8, "parallel": 2, "space": SPACE}, BASE, "fixture")
    rec = record.create(root, SWEEP_ID, "lr-cell", None, spec=spec)
    study = studies.create(rec.storage, SWEEP_ID, spec, rec.name)
    dists = {"train.lr": FloatDistribution(1e-4, 1e-2, log=True), "model.hidden_size": CategoricalDistribution([32, 64]),
             "model.cell": CategoricalDistribution(["lstm", "gru", "rnn_tanh"])}
    for number, (lr, hidden, cell, state, value, run_id) in enumerate(TRIALS):
        run_id = (run_ids or {}).get(number, run_id)
        st = getattr(optuna.trial.TrialState, state)
        study.add_trial(optuna.trial.create_trial(
            params={"train.lr": lr, "model.hidden_size": hidden, "model.cell": cell}, distributions=dists,
            value=value if state == "COMPLETE" else None, state=st,
            intermediate_values={25: value * 2, 50: value * 1.3} if state != "COMPLETE" else {25: value * 2, 50: value * 1.3, 100: value},
            user_attrs={"run_id": run_id, "owner": "lab-host:/runs"}))
    rec.set_controller(status="finished", pid=None, host="lab-host", started=0, heartbeat=0, message="")
    return rec


@pytest.fixture
def sweep_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_fixture_sweep(Path("runs"))
    return Path("runs")


def _sweep_app(root: Path):
    from rnnlab.tui.app import LabApp

    return LabApp(root)


async def _loaded(pilot) -> None:
    pilot.app.open_sweep(pilot.app.runs_root / ".sweeps" / SWEEP_ID)
    for _ in range(200):
        if getattr(pilot.app.screen, "summary", None) is not None:
            break
        await pilot.pause(0.1)
    await pilot.pause(0.5)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_screen(snap_compare, sweep_root, size):
    assert snap_compare(_sweep_app(sweep_root), terminal_size=size, run_before=_loaded)


def test_sweep_screen_sorts_trials_by_the_metric_and_opens_a_trials_dashboard(tmp_path):
    asyncio.run(_sorts_and_opens(tmp_path))


async def _sorts_and_opens(tmp_path):
    from textual.widgets import DataTable

    from rnnlab import config
    from rnnlab.runs import launch
    from rnnlab.tui.screens.dashboard import Dashboard

    root = tmp_path / "runs"
    # the best trial's run lives here (trial 3); the others ran on another host
    run = launch.create_run(config.validate(BASE), root, meta={"sweep": SWEEP_ID, "trial": 3})
    make_fixture_sweep(root, {3: run.name})
    app = _sweep_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await _loaded(pilot)
        table = pilot.app.screen.query_one(DataTable)
        order = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert order == ["3", "1", "0", "4", "2", "5"]  # complete by val_mse, then the rest by number
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not isinstance(pilot.app.screen, Dashboard)  # trial 1 ran on another host
        await pilot.press("up")
        await pilot.press("enter")
        for _ in range(50):
            if isinstance(pilot.app.screen, Dashboard):
                break
            await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, Dashboard) and pilot.app.screen.run_dir.name == run.name


def test_home_groups_a_sweeps_trials_under_it_and_enter_opens_the_sweep(tmp_path):
    asyncio.run(_groups(tmp_path))


async def _groups(tmp_path):
    from textual.widgets import DataTable

    from rnnlab import config
    from rnnlab.runs import launch
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.sweep import SweepScreen

    root = tmp_path / "runs"
    make_fixture_sweep(root)
    cfg = config.validate(BASE)
    lone = launch.create_run(cfg, root, name="lone")
    t1 = launch.create_run(cfg, root, meta={"sweep": SWEEP_ID, "trial": 1})
    t0 = launch.create_run(cfg, root, meta={"sweep": SWEEP_ID, "trial": 0})
    later = launch.create_run(cfg, root, name="later")
    app = LabApp(root)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            if pilot.app.screen.query_one(DataTable).row_count == 5:
                break
            await pilot.pause(0.1)
        table = pilot.app.screen.query_one(DataTable)
        keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]
        assert keys == [later.name, "sweep:" + SWEEP_ID, t0.name, t1.name, lone.name]
        # the header counts from the study (5 of 8 trials ended there, best 0.024), not from
        # this host's two queued trial runs; the study is read off the UI thread, so wait for it
        for _ in range(100):
            header = table.get_row_at(1)
            if str(header[5]) == "5/8 trials":
                break
            await pilot.pause(0.1)
        assert header[1] == "▾ lr-cell" and str(header[5]) == "5/8 trials" and header[6] == "sweep"
        assert (str(header[3]), header[4]) == ("running", "mse 0.024")
        assert str(table.get_row_at(2)[1]).startswith(" └ t0")
        # a filter that hides trial 1 leaves the study's counts alone
        from textual.widgets import Input

        await pilot.press("slash")
        pilot.app.screen.query_one("#home-filter", Input).value = f"name:{t0.name}"
        await pilot.press("enter")
        for _ in range(50):
            if table.row_count == 2:
                break
            await pilot.pause(0.1)
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)] == ["sweep:" + SWEEP_ID, t0.name]
        header = table.get_row_at(0)
        assert (str(header[3]), header[4], str(header[5])) == ("running", "mse 0.024", "5/8 trials")
        await pilot.press("escape")
        for _ in range(50):
            if table.row_count == 5:
                break
            await pilot.pause(0.1)
        table.move_cursor(row=0)
        await pilot.press("down", "enter")
        for _ in range(50):
            if isinstance(pilot.app.screen, SweepScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, SweepScreen)


def test_the_new_experiment_form_launches_a_sweep_of_the_fields_written_as_ranges(tmp_path):
    asyncio.run(_form_sweep(tmp_path))


async def _form_sweep(tmp_path):
    from textual.widgets import Static

    from rnnlab.runs.reader import list_runs
    from rnnlab.sweeps import manage
    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.sweep import SweepScreen
    from tests.waiting import wait_for

    root = tmp_path / "runs"
    app = LabApp(root)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("n")
        await pilot.pause(0.3)
        form = pilot.app.screen
        form.query_one("#preset").value = "adding-lstm"
        await pilot.pause(0.3)
        form.query_one("#sweep").value = True
        form.query_one("#race-cells").deselect_all()
        form.query_one("#hidden").value = "0, 8"
        await pilot.pause(0.2)
        status = str(form.query_one("#form-status", Static).render())
        assert form.query_one("#hidden").has_class("-invalid") and "[model] hidden_size = 0" in status
        form.query_one("#hidden").value = "4, 8"
        form.query_one("#lr").value = "1e-3..1e-2 log"
        form.query_one("#steps").value = "20"
        form.query_one("#seq_len").value = "5"
        form.query_one("#sweep_trials").value = "2"
        form.query_one("#sweep_parallel").value = "1"
        form.query_one("#device").value = "cpu"
        await pilot.pause(0.2)
        assert "sweep of 2 trials over model.hidden_size, train.lr" in str(form.query_one("#form-status", Static).render())
        await pilot.press("ctrl+l")
        for _ in range(100):
            if isinstance(pilot.app.screen, SweepScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, SweepScreen)
    (rec,) = manage.record.list_sweeps(root)
    assert rec.trials == 2 and wait_for(lambda: manage.show(rec, with_importances=False)["done"] == 2, timeout=120, every=1)
    runs = [i for i in list_runs(root) if i.sweep == rec.sweep_id]
    assert sorted(i.trial for i in runs) == [0, 1] and all(i.status == "finished" for i in runs)
