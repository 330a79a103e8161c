"""`train.threads = 0`: the cores a run can have (all alone, an even share when runs share them)."""

from __future__ import annotations

import os

import pytest

from rnnlab import config
from rnnlab.runs import launch, slots, store, worker
from rnnlab.train import device
from rnnlab.train.device import default_threads, free_cores, usable_cores


def _cfg():
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": 2, "batch_size": 4, "eval_batches": 1, "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


def test_default_threads_is_all_cores_alone_and_an_even_share_otherwise():
    assert default_threads(cores=8, share=1, omp="", free=8) == 8
    assert default_threads(cores=8, share=2, omp="", free=8) == 4
    assert default_threads(cores=8, share=3, omp="", free=8) == 2
    assert default_threads(cores=2, share=4, omp="", free=2) == 1
    # never more than the cores other processes leave idle
    assert default_threads(cores=8, share=1, omp="", free=3) == 3
    assert default_threads(cores=8, share=2, omp="", free=0) == 1
    # an OMP_NUM_THREADS someone set (a scheduler, the test suite) wins
    assert default_threads(cores=8, share=1, omp="3", free=1) == 3


def test_free_cores_reads_the_machine():
    n = usable_cores()
    assert 1 <= free_cores(n, window_s=0.05) <= n


def _started_threads(run_dir) -> int:
    with store.RunReader(run_dir) as reader:
        started = [e for e in reader.events() if e.kind == "started"]
    return started[0].data["threads"]


@pytest.fixture
def free_env(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv(slots.SHARE_ENV, raising=False)
    # the machine is idle for these tests (other people's load is covered above)
    monkeypatch.setattr(device, "free_cores", lambda cores, window_s=0.2: cores)
    return monkeypatch


def test_a_run_alone_gets_every_core(tmp_path, free_env):
    run = launch.create_run(_cfg(), tmp_path)
    assert worker.execute(run, handle_signals=False) == "finished"
    assert _started_threads(run) == usable_cores()


def test_runs_sharing_the_machine_get_an_even_share(tmp_path, free_env):
    free_env.setenv("RNNLAB_SLOTS", "2")
    run = launch.create_run(_cfg(), tmp_path)
    assert worker.execute(run, handle_signals=False) == "finished"
    assert _started_threads(run) == max(1, usable_cores() // 2)


def test_a_run_started_without_a_free_slot_takes_one_more_share(tmp_path, free_env):
    held = slots.try_claim(tmp_path, "cpu")  # another run holds the only slot
    try:
        run = launch.create_run(_cfg(), tmp_path)
        assert worker.execute(run, handle_signals=False) == "finished"
        assert _started_threads(run) == max(1, usable_cores() // 2)
    finally:
        held.release()


def test_the_test_suites_omp_setting_still_wins(tmp_path, free_env):
    free_env.setenv("OMP_NUM_THREADS", "1")
    run = launch.create_run(_cfg(), tmp_path)
    assert worker.execute(run, handle_signals=False) == "finished"
    assert _started_threads(run) == 1
    assert slots.SHARE_ENV not in os.environ  # the worker restores the environment
