"""The Sweep screen's views (issue 18 item 3) on a fixed 30-trial study
(tests/research_fixtures.make_big_sweep): the best-so-far step line, parallel coordinates'
per-axis ticks and colour key, slice plots, learning curves with pruned stops, importances only
from enough complete trials and only recomputed when a trial completes, through an open study."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from research_fixtures import SWEEP_ID, make_big_sweep  # noqa: E402

from rnnlab.tui import sweepviews  # noqa: E402


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    from rnnlab.tui.sweepreader import SweepReader

    root = tmp_path_factory.mktemp("sweep") / "runs"
    make_big_sweep(root, 30)
    return SweepReader(root / ".sweeps" / SWEEP_ID).read()


def test_history_is_a_step_line_over_the_whole_trial_range(summary):
    d = sweepviews.history(summary)
    best, points, pruned = d.lines
    assert points.scatter and pruned.scatter and not best.scatter and pruned.marker == "x"
    done = sorted((t["number"], t["value"]) for t in summary["trials"] if t["state"] == "complete")
    assert points.x.tolist() == [n for n, _ in done]
    # the step only moves at a complete trial, and only to a better value
    for (x0, y0), (x1, y1) in zip(zip(best.x, best.y), zip(best.x[1:], best.y[1:])):
        assert x0 == x1 or y0 == y1
        assert y1 <= y0
    assert best.y[-1] == min(v for _, v in done)
    assert d.xlim == (-0.5, 29.5)  # 30 trials: the whole range, not the complete ones'
    assert sorted(pruned.x.tolist()) == [n for n in range(30) if n % 5 == 3 and n != 29]


def test_parallel_coordinates_tick_each_axis_with_its_own_values(summary):
    d = sweepviews.parallel(summary)
    assert [label for _, label in d.xticks] == ["lr", "hidden_size", "cell", "val_mse"]
    by_axis: dict[int, list[str]] = {}
    for x, y, text, _ in d.texts:
        by_axis.setdefault(round(x), []).append((round(y, 3), text))
    assert [t for _, t in by_axis[0]] == ["1e-04", "1e-03", "0.01", "0.1"]  # decades of a log range
    assert [y for y, _ in by_axis[0]] == [0.0, 0.333, 0.667, 1.0]
    assert [t for _, t in by_axis[1]] == ["16", "32", "64", "128"] and [t for _, t in by_axis[2]] == ["lstm", "gru", "rnn_tanh"]
    vals = [t["value"] for t in summary["trials"] if t["state"] == "complete"]
    assert by_axis[3][0][1] == sweepviews.fmt_num(min(vals), 3) and by_axis[3][-1][1] == sweepviews.fmt_num(max(vals), 3)
    trials = [ln for ln in d.lines if len(ln.x) == 4]
    assert len(trials) == len(vals) and trials[-1].color == "green"  # the best drawn last, on top
    key = sweepviews.colour_key(summary, mono=True).plain
    assert key.startswith("val_mse: ") and key.count("–") == 5 and "oo" in key and "(best first)" in key


def test_slice_and_learning_curves(summary):
    lr = sweepviews.slice_plot(summary, "train.lr")
    assert lr.xlabel == "lr (log)" and lr.lines[0].scatter
    complete = [t for t in summary["trials"] if t["state"] == "complete"]
    assert np.allclose(sorted(lr.lines[0].x), sorted(math.log10(t["params"]["train.lr"]) for t in complete))
    cell = sweepviews.slice_plot(summary, "model.cell")
    assert [label for _, label in cell.xticks] == ["lstm", "gru", "rnn_tanh"]
    c = sweepviews.curves(summary, mono=True)
    stops = c.lines[-1]
    assert stops.label == "pruned here" and stops.scatter and set(stops.x.tolist()) == {200.0}
    assert len(c.lines) == 30 + 1  # every trial's curve, then the stops


def test_importances_need_enough_trials_and_are_cached_until_one_completes(tmp_path):
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    from rnnlab.sweeps import study as studies
    from rnnlab.tui.sweepreader import SweepReader

    root = tmp_path / "runs"
    rec = make_big_sweep(root, 30)
    few = SweepReader(rec.dir, min_importance_trials=100).read()
    assert few["importances"] is None and "need 100 complete trials (23 so far)" in few["importance_method"]
    assert sweepviews.importance_text(few).plain == few["importance_method"]
    reader = SweepReader(rec.dir)
    s = reader.read()
    assert set(s["importances"]) == {"train.lr", "model.hidden_size", "model.cell"} and s["importance_trials"] == 23
    assert "on 23 complete trials" in sweepviews.importance_text(s).plain
    assert max(s["importances"], key=s["importances"].get) == "train.lr"  # the fixture's metric hangs on lr
    reader.read()
    assert reader.importance_runs == 1  # nothing completed: not recomputed
    study = studies.load(rec.storage, rec.sweep_id)
    study.add_trial(optuna.trial.create_trial(
        params={"train.lr": 3e-3, "model.hidden_size": 64, "model.cell": "gru"}, value=0.03,
        distributions={"train.lr": FloatDistribution(1e-4, 1e-1, log=True),
                       "model.hidden_size": CategoricalDistribution([16, 32, 64, 128]),
                       "model.cell": CategoricalDistribution(["lstm", "gru", "rnn_tanh"])}))
    s = reader.read()  # the open study sees the new journal lines
    assert reader.importance_runs == 2 and s["importance_trials"] == 24 and len(s["trials"]) == 31


def test_the_colour_keys_ranges_can_be_told_apart():
    # an outside trial's two complete trials, 2.873 and 2.877: `2.87–2.87 ━━ 2.87–2.87 ━━ 2.87–2.88 …`
    from rnnlab.tui.sweepviews import colour_key

    s = {"metric": "val_rmse", "direction": "minimize",
         "trials": [{"state": "complete", "value": v, "number": i, "params": {}} for i, v in enumerate([2.873, 2.877])]}
    text = colour_key(s).plain
    ranges = [part.strip() for part in text.split("━━")[1:]]
    edges = [r.split("(")[0].strip() for r in ranges]
    assert len(set(edges)) == len(edges) == 5, text
    assert all(a != b for a, b in (e.split("–") for e in edges)), text
    assert edges[0].startswith("2.873–") and edges[-1].endswith("–2.877"), text


def test_the_colour_keys_ranges_in_e_notation_can_be_told_apart():
    # a review: fmt_num keeps 3 digits past 1e5 and under 1e-3 (`1.00e-04–1.00e-04` five times)
    from rnnlab.tui.sweepviews import colour_key

    for values in ([1.0001e-4, 1.0005e-4], [123456.0, 123470.0]):
        s = {"metric": "val_mse", "direction": "minimize",
             "trials": [{"state": "complete", "value": v, "number": i, "params": {}} for i, v in enumerate(values)]}
        edges = [part.split("(")[0].strip() for part in colour_key(s).plain.split("━━")[1:]]
        assert len(set(edges)) == 5 and all(a != b for a, b in (e.split("–") for e in edges)), edges
