"""Shared fixtures: one torch thread and fixed seeds so tests are deterministic and light on
these 2-core machines; a temporary runs root so no test touches ./runs."""

from __future__ import annotations

import os

# Before torch is imported anywhere in the test process (and inherited by worker subprocesses).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("NO_COLOR", "1")
    import sys

    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _fixed_system_sample(monkeypatch):
    """Screens showing machine figures (the System screen, the dashboard header) get a fixed
    sample (tests/system_fixture.py); rnnlab/runs/system.py itself is tested on the real machine."""
    from rnnlab.tui import sampling
    from tests.system_fixture import FixedSampler

    monkeypatch.setattr(sampling, "sampler", lambda: FixedSampler())
