"""The lab's device list and the queue's slots agree on which CUDA devices a run would see:
the driver's GPUs narrowed by CUDA_VISIBLE_DEVICES, found without importing torch."""

from __future__ import annotations

import pytest

from rnnlab.runs import slots
from rnnlab.tui.newform import cuda_devices


@pytest.fixture
def two_gpus(tmp_path, monkeypatch):
    gpus = tmp_path / "gpus"  # the layout of /proc/driver/nvidia/gpus: one entry per GPU
    for bus in ("0000:01:00.0", "0000:02:00.0"):
        (gpus / bus).mkdir(parents=True)
    monkeypatch.setattr(slots, "NVIDIA_GPUS", gpus, raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return monkeypatch


@pytest.mark.parametrize("env, listed, slot", [
    (None, ["cuda", "cuda:0", "cuda:1"], "cuda_0"),
    ("1", ["cuda", "cuda:0"], "cuda_0"),
    ("0,7,1", ["cuda", "cuda:0"], "cuda_0"),  # CUDA stops at the first invalid index
    ("GPU-5f2c", ["cuda", "cuda:0"], "cuda_0"),
    ("", [], "cpu"),
    ("-1", [], "cpu"),
])
def test_new_experiment_lists_the_devices_the_slots_count(two_gpus, env, listed, slot):
    if env is not None:
        two_gpus.setenv("CUDA_VISIBLE_DEVICES", env)
    assert cuda_devices() == listed
    assert slots.device_key("auto") == slot
