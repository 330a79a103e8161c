"""task.relative (tasks/timeseries/relative.py): windows measured from the value before the
origin ("last") or targets from ETS's forecast ("ets", ES-RNN-like), and what cannot work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import future as tf
from rnnlab.tasks.timeseries.task import TimeSeriesTask
from tests.test_timeseries import Linear
from tests.test_ts_forecasting import _cfg


def test_relative_windows_are_measured_from_the_value_before_the_origin():
    """task.relative: inputs and targets minus the last input value, scaled by the mean seasonal
    step; a net that outputs 0 then forecasts "no change" (the naive forecast) at every step of
    a recursive path, where the level-scaled default forecasts the training mean."""
    task = TimeSeriesTask(_cfg(relative="last", difference=False), seed=0, batch_size=8)
    d, h = task.data, task.data.horizon
    t = d.starts("val")
    x, y = d.windows(t)
    assert np.all(x[:, -1, 0] == 0)
    assert y + d.last(t)[:, None] == pytest.approx(d.target[t[:, None] + np.arange(h)], nan_ok=True)
    train, m = d.work[: d.splits.train], task.season
    assert d.scaler.scale == pytest.approx(np.mean(np.abs(train[m:] - train[:-m])))
    assert d.to_original(y, t) == pytest.approx(d.actual(t), nan_ok=True)
    zero = Linear(task.input_size, task.output_size).eval()
    torch.nn.init.zeros_(zero.lin.weight), torch.nn.init.zeros_(zero.lin.bias)
    path = d.to_original(tf.paths([zero], d.features, t[:3], 2 * h + 1, d.window, h, "cpu", relative="last"), t[:3])
    assert path == pytest.approx(np.repeat(d.levels[t[:3] + d.offset - 1][:, None], 2 * h + 1, axis=1))
    level = TimeSeriesTask(_cfg(difference=False), seed=0, batch_size=8)
    assert level.data.to_original(np.zeros((1, h)), t[:1]) == pytest.approx(np.full((1, h), level.data.scaler.center))
    # a run saved before the key (no "relative" in its state) keeps its level windows
    old = {k: v for k, v in level.state().items() if k != "relative"}
    assert TimeSeriesTask(_cfg(relative="last", difference=False), seed=0, batch_size=8, state=old).data.relative == "none"
    assert TimeSeriesTask(_cfg(difference=False), seed=0, batch_size=8, state=task.state()).data.relative == "last"


def test_relative_ets_learns_what_ets_leaves_a_zero_net_is_the_ets_forecast():
    """task.relative = "ets" (ES-RNN-like): targets are the series minus ETS's forecast from each
    origin (the run's own ETS baseline's fit), so a net that outputs 0 forecasts exactly ETS; the
    series is not differenced ("auto"), and what cannot work is one line."""
    task = TimeSeriesTask(_cfg(relative="ets"), seed=0, batch_size=8)
    d, h = task.data, task.data.horizon
    t = d.starts("test")
    assert d.offset == 0 and d.ets_base is not None
    assert d.to_original(np.zeros((t.size, h)), t) == pytest.approx(task.baseline_forecasts(t)["ets"])
    _, y = d.windows(t)
    assert d.to_original(y, t) == pytest.approx(d.actual(t), nan_ok=True)
    with pytest.raises(UserError, match="task.relative = 'ets'.*seasonal_difference"):
        TimeSeriesTask(_cfg(relative="ets", seasonal_difference=24), seed=0, batch_size=8)
    model = Linear(task.input_size, task.output_size).eval()
    with pytest.raises(UserError, match="--future 5 needs at most 4 steps"):
        tf.future_forecast([model], task, h + 1)
