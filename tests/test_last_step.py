"""The lab's overhead cuts of issue 20 item 5: a task that reads only the last step gets the
model's head at the last step only (same numbers), and the MFU's matmul peak is measured once
per runs root, not once per run."""

from __future__ import annotations

import json

import pytest
import torch

from rnnlab.config import TaskConfig
from rnnlab.models import SequenceModel, TransformerModel
from rnnlab.tasks import make_task
from rnnlab.train import device as dev

CPU = torch.device("cpu")


@pytest.mark.parametrize("make", [
    lambda: SequenceModel("lstm", input_kind="real", input_size=2, output_size=1, hidden_size=8),
    lambda: TransformerModel(input_kind="real", input_size=2, output_size=1, hidden_size=8, num_layers=1,
                             num_heads=2, max_len=12),
])
def test_last_only_is_the_full_outputs_last_step_with_the_same_gradients(make):
    torch.manual_seed(0)
    model = make()
    assert model.takes_last_only
    x = torch.randn(3, 12, 2)
    full, _ = model(x)
    (full[:, -1].sum()).backward()
    g_full = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    model.zero_grad(set_to_none=True)
    last, _ = model(x, last_only=True)
    assert last.shape == (3, 1, 1)
    torch.testing.assert_close(last, full[:, -1:])
    last.sum().backward()
    g_last = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    assert len(g_last) == len(g_full)
    for a, b in zip(g_last, g_full):
        torch.testing.assert_close(a, b)


def test_adding_scores_the_same_with_or_without_the_last_step_head():
    task = make_task(TaskConfig(kind="adding", seq_len=10), seed=0, batch_size=8)
    assert task.reads_last_step
    torch.manual_seed(0)
    model = SequenceModel("lstm", input_kind="real", input_size=2, output_size=1, hidden_size=8).eval()
    fast = task.evaluate(model, CPU, 2)
    model.takes_last_only = False  # as a model without the option is called: full outputs
    slow = task.evaluate(model, CPU, 2)
    assert fast["val_mse"] == pytest.approx(slow["val_mse"], rel=1e-5)


def test_the_matmul_peak_is_measured_once_per_cache_file(tmp_path, monkeypatch):
    cache = tmp_path / ".cache" / "matmul_peak.json"
    monkeypatch.setattr(dev, "_PEAK", {})
    first = dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache)
    assert first > 0 and cache.is_file()
    (key, entry), = json.loads(cache.read_text()).items()
    assert f"threads={torch.get_num_threads()}" in key
    # a later process (an empty per-process cache) reads the stored peak instead of measuring
    entry["flops"] = 123.0
    cache.write_text(json.dumps({key: entry}))
    monkeypatch.setattr(dev, "_PEAK", {})
    assert dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache) == 123.0
    # an old entry (past the TTL) or an unreadable file is measured again
    entry["time"] -= dev.PEAK_CACHE_TTL_S + 1
    cache.write_text(json.dumps({key: entry}))
    monkeypatch.setattr(dev, "_PEAK", {})
    assert dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache) > 123.0
    cache.write_text("{not json")
    monkeypatch.setattr(dev, "_PEAK", {})
    assert dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache) > 123.0
    assert json.loads(cache.read_text())[key]["flops"] > 123.0


def test_the_matmul_peak_follows_the_thread_count(tmp_path, monkeypatch):
    """An outside trial: MFU went from 33 % to 60 % at the same speed after a resume, the worker
    having dropped to 1 thread while its MFU was over the peak of 2 (threadshare.py)."""
    cache = tmp_path / ".cache" / "matmul_peak.json"
    monkeypatch.setattr(dev, "_PEAK", {})
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache)
        stored = json.loads(cache.read_text())
        (key, entry), = stored.items()
        assert "threads=1" in key
        torch.set_num_threads(2)
        stored[key.replace("threads=1", "threads=2")] = {**entry, "flops": 2.5 * one}
        cache.write_text(json.dumps(stored))
        assert dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache) == 2.5 * one  # not the 1-thread peak again
        torch.set_num_threads(1)
        assert dev.matmul_peak_flops(CPU, budget_s=0.01, cache=cache) == one
    finally:
        torch.set_num_threads(threads)
