"""System sampling on this machine (no NVIDIA driver here: the "no NVIDIA GPU" path is the real
one), `rnnlab system [--json]` beside a live worker, and the worker's own usage recorded as
ordinary metrics that `show` and `compare` read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import config
from rnnlab.cli.app import app
from rnnlab.runs import launch, store, system, worker
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]


def _cfg(steps: int):
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": steps, "batch_size": 8, "checkpoint_every": 100_000, "eval_every": 50, "log_every": 1,
                  "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


def _nvml_works() -> bool:
    return system.Nvml().ok


def test_sampler_without_a_driver_says_so_in_one_line():
    if _nvml_works():
        pytest.skip("this machine has an NVIDIA driver")
    s = system.Sampler()
    first = s.sample([])
    second = s.sample([])
    assert first.gpus == [] and second.gpus == []
    assert second.gpu_note.startswith("no NVIDIA GPU (") and "\n" not in second.gpu_note
    assert 0 < second.memory_used < second.memory_total
    assert second.cpu_count >= 1
    rows = system.device_rows(second)
    assert [r[0] for r in rows] == ["cpu"]


def test_rnnlab_system_json_lists_a_live_worker(tmp_path):
    root = tmp_path / "runs"
    run = launch.create_run(_cfg(steps=200_000), root)
    launch.spawn(run)
    try:
        assert wait_for(lambda: store.read_info(run).status == "running" and store.read_info(run).step > 0, 60)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-m", "rnnlab", "system", "--json", "--runs-dir", str(root)],
                             capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        d = json.loads(out.stdout)
        assert set(d) == {"time", "host", "cpu", "memory", "gpus", "gpu_note", "runs"}
        assert set(d["cpu"]) == {"percent", "count", "load"} and set(d["memory"]) == {"used", "total", "percent"}
        if not _nvml_works():
            assert d["gpus"] == [] and d["gpu_note"].startswith("no NVIDIA GPU")
        (r,) = d["runs"]
        info = store.read_info(run)
        assert r["run_id"] == run.name and r["pid"] == info.pid and r["device"] == "cpu" and r["gpu"] is None
        assert r["rss"] > 20 * 2**20  # a Python process with torch loaded
        assert r["cpu_percent"] is not None and r["cpu_percent"] > 0  # it is training
        human = subprocess.run([sys.executable, "-m", "rnnlab", "system", "--runs-dir", str(root)],
                               capture_output=True, text=True, env=env, timeout=60)
        assert human.returncode == 0 and run.name in human.stdout and "RSS" in human.stdout, human.stdout
    finally:
        store.send_command(run, "stop")
        wait_for(lambda: not store.read_info(run).live, 60)


def test_worker_records_its_usage_as_metrics_show_and_compare_read(tmp_path, monkeypatch):
    monkeypatch.setattr(system, "RECORD_EVERY_S", 0.2)
    root = tmp_path / "runs"
    a = launch.create_run(_cfg(steps=600), root)
    b = launch.create_run(_cfg(steps=20), root)  # too short to record: compare plots what exists
    for run in (a, b):
        assert worker.execute(run, handle_signals=False) == "finished"
    with store.RunReader(a) as r:
        names = r.scalar_names()
        steps, _, rss = r.series(system.RSS_METRIC)
    assert system.CPU_METRIC in names and system.RSS_METRIC in names
    assert system.GPU_METRIC not in names  # CPU training holds no GPU memory
    assert len(rss) >= 2 and all(v > 20 for v in rss)  # MiB
    assert steps == sorted(steps) and steps[-1] <= 600
    runner = CliRunner()
    shown = runner.invoke(app, ["show", a.name, "--runs-dir", str(root)])
    assert shown.exit_code == 0 and system.RSS_METRIC in shown.stdout
    assert re.search(r"sys_rss_mib [\d,]+ MiB", shown.stdout) and re.search(r"sys_cpu_pct \d+%", shown.stdout), shown.stdout
    compared = runner.invoke(app, ["compare", a.name, b.name, "-m", system.RSS_METRIC, "--runs-dir", str(root)])
    assert compared.exit_code == 0, compared.stdout
    assert system.RSS_METRIC in compared.stdout


def test_usage_is_read_off_the_training_thread(tmp_path, monkeypatch):
    """The loop never samples: only the writer's heartbeat thread does."""
    import threading

    monkeypatch.setattr(system, "RECORD_EVERY_S", 0.1)
    threads: set[str] = set()
    real = system.OwnUsage.metrics

    def spy(self):
        threads.add(threading.current_thread().name)
        return real(self)

    monkeypatch.setattr(system.OwnUsage, "metrics", spy)
    run = launch.create_run(_cfg(steps=800), tmp_path / "runs")
    assert worker.execute(run, handle_signals=False) == "finished"
    assert threads == {"rnnlab-heartbeat"}


class _FakeNvml:
    """Stands in for pynvml where no NVIDIA driver exists (here): one GPU whose driver reports no
    power figure and withholds one process's memory, as real drivers do."""

    NVML_TEMPERATURE_GPU = 0

    def __init__(self, pids: dict[int, int]) -> None:
        self.pids = pids

    def nvmlInit(self): pass
    def nvmlDeviceGetCount(self): return 1
    def nvmlDeviceGetHandleByIndex(self, i): return ("h", i)
    def nvmlDeviceGetName(self, h): return b"NVIDIA H200"
    def nvmlDeviceGetUUID(self, h): return "GPU-1234"
    def nvmlDeviceGetUtilizationRates(self, h): return type("U", (), {"gpu": 91, "memory": 40})()
    def nvmlDeviceGetMemoryInfo(self, h): return type("M", (), {"used": 40 * 2**30, "total": 141 * 2**30})()
    def nvmlDeviceGetTemperature(self, h, sensor): return 58
    def nvmlDeviceGetPowerUsage(self, h): raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
    def nvmlDeviceGetEnforcedPowerLimit(self, h): return 700_000
    def nvmlDeviceGetComputeRunningProcesses(self, h):
        return [type("P", (), {"pid": pid, "usedGpuMemory": mem})() for pid, mem in self.pids.items()]
    def nvmlDeviceGetGraphicsRunningProcesses(self, h): return []


def test_gpus_and_the_runs_on_them_from_nvml(monkeypatch):
    """The NVML side of the sampler (no driver here, so a stand-in module): fields, units, an
    unsupported figure as None, and a run placed on the GPU that lists its worker's pid."""
    import socket

    from rnnlab.runs.reader import RunInfo

    me, other = os.getpid(), 999_999
    monkeypatch.setitem(sys.modules, "pynvml", _FakeNvml({me: 3 * 2**30, other: 2**64 - 1}))
    run = RunInfo(run_id="r1", name="big", dir=Path("."), cell="lstm", task="text", status="running",
                  pid=me, host=socket.gethostname(), device="cuda")
    s = system.Sampler().sample([run])
    (g,) = s.gpus
    assert s.gpu_note is None
    assert (g.name, g.utilization, g.memory_used, g.memory_total, g.temperature) == ("NVIDIA H200", 91.0, 40 * 2**30, 141 * 2**30, 58.0)
    assert g.power is None and g.power_limit == 700.0
    assert g.processes == {me: 3 * 2**30, other: None} and g.runs == ["r1"]
    (u,) = s.runs
    assert (u.gpu, u.gpu_memory) == (0, 3 * 2**30) and u.rss > 0
    d = s.to_dict()
    assert d["gpus"][0]["processes"] == [{"pid": me, "memory": 3 * 2**30}, {"pid": other, "memory": None}]
    assert system.device_rows(s)[1] == ["gpu0", "NVIDIA H200", "91%", "40.0G/141G", "58°C", "–", "big"]
