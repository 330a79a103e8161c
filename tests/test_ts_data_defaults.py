"""Defaults from the data (issue 17 item 3): with task.window / task.horizon unset, a run takes
what `rnnlab data`'s card recommends (window of two seasons, horizon of one, within the splits);
the card and the run agree on the season; any series of three seasons (30 rows without one)
trains, and a shorter one is one line saying the minimum."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.timeseries import card as tscard
from rnnlab.tasks.timeseries.task import TimeSeriesTask
from tests.test_tsdata_realworld import write_sunspots_yearly


def _monthly(path, n: int):
    rng = np.random.default_rng(3)
    rows = [f"{date(1990 + k // 12, k % 12 + 1, 1)},{100 + k + 10 * np.sin(2 * np.pi * k / 12) + rng.normal():.3f}" for k in range(n)]
    path.write_text("month,passengers\n" + "\n".join(rows) + "\n")
    return path


def _task(path):
    return TimeSeriesTask(TaskConfig(kind="timeseries", source=str(path)), seed=0, batch_size=4)


@pytest.mark.parametrize("make", [lambda p: _monthly(p / "m.csv", 144), lambda p: write_sunspots_yearly(p / "sun.csv")])
def test_card_and_training_agree_on_season_window_and_horizon(tmp_path, make):
    path = make(tmp_path)
    card = tscard.build(path)
    task = _task(path)
    assert task.season == card["season"] and task.data.seasons.periods == card["periods"]
    assert (task.data.window, task.data.horizon) == (card["recommended"]["window"], card["recommended"]["horizon"])


def test_three_seasons_train_and_fewer_say_the_minimum(tmp_path):
    task = _task(_monthly(tmp_path / "m36.csv", 36))  # three years of months
    assert task.season == 12 and task.data.window >= 2 and task.data.horizon >= 1
    with pytest.raises(UserError, match="35 rows is too short to forecast: at least 36 are needed"):
        _task(_monthly(tmp_path / "m35.csv", 35))
    plain = tmp_path / "plain.csv"
    plain.write_text("value\n" + "".join(f"{v:.3f}\n" for v in np.random.default_rng(0).normal(size=30)))
    assert _task(plain).data.horizon >= 1
    plain.write_text("value\n" + "".join(f"{v:.3f}\n" for v in np.random.default_rng(0).normal(size=29)))
    with pytest.raises(UserError, match="at least 30"):
        _task(plain)
