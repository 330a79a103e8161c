"""`rnnlab export --format tensorboard` writes event files TensorBoard reads back point for point.
Runs where the optional `tensorboard` extra is installed (`pip install -e '.[tensorboard]'`)."""

from __future__ import annotations

import pytest

from tests.test_manage_cli import _populate, _run

pytest.importorskip("tensorboard")


def test_tensorboard_events_hold_every_point(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    root = tmp_path / "runs"
    _populate(root, "tb", steps=30)
    out = tmp_path / "tb-events"
    result = _run(root, "export", "tb", "--format", "tensorboard", "-o", str(out))
    assert result.exit_code == 0, result.output
    acc = EventAccumulator(str(out))
    acc.Reload()
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == list(range(1, 31))
    assert loss[4].value == pytest.approx(1 / 5)
    assert [e.step for e in acc.Scalars("val_mse")] == [10, 20, 30]
