"""The lab's runs list shows (and sorts by) the kept best of the primary metric, the checkpoint
sample and forecast load, not the last evaluation's value (issue 17: a run that stopped early
read 0.8303 in the list while `train` said it kept 0.7493)."""

from __future__ import annotations

from pathlib import Path

from rnnlab.runs.reader import RunInfo
from rnnlab.tui import runfilter
from rnnlab.tui.screens.homerows import row_of


def _run(rid: str, best, last: float) -> RunInfo:
    return RunInfo(run_id=rid, name=rid, dir=Path("/nonexistent") / rid, cell="lstm", task="timeseries", status="finished",
                   step=700, total_steps=1000, primary_metric="val_rmse", best_metric=best, latest={"val_rmse": last})


def test_the_runs_list_shows_and_sorts_by_the_kept_best():
    stopped_early = _run("a", 0.7493, 0.8303)
    assert "rmse 0.7493" in [str(c) for c in row_of(stopped_early, False)]
    no_best_yet = _run("b", None, 0.9)  # a run with no evaluation kept yet: its latest value
    assert "rmse 0.9" in [str(c) for c in row_of(no_best_yet, False)]
    # by the shown value: a's best 0.7493 beats c's 0.78 although a's last (0.8303) does not
    c = _run("c", 0.78, 0.78)
    key = next(k for col, _, k, _ in runfilter.SORTS if col == "metric")
    assert [r.run_id for r in sorted([c, stopped_early], key=key)] == ["a", "c"]
