"""The lessons on depth and style (4.2), missing values, windows and calendar features (5.2) and
combining models (5.3, 6.3), each at its reduced size, trained here in one process (the imports
paid once): the DIRECTION of each effect must show in the runs it trains (never a timing)."""

from __future__ import annotations

from pathlib import Path

from rnnlab.lessons import catalog, runner


def run(n: int, root: Path) -> dict:
    out = runner.run_lesson(catalog.get(n), root, quick=True)
    assert out["quick"] is True and out["lesson"] == n
    return out


def by_label(out: dict) -> dict:
    return {r["label"]: r for r in out["runs"]}


def test_depth_lesson_each_layer_adds_weights_and_the_deep_stack_starts_slower(tmp_path):
    out = run(15, tmp_path)
    runs = by_label(out)
    one, two, three = (runs[f"depth-{k}"] for k in (1, 2, 3))
    # each layer above the first adds the same block: 4H(H + H) + 8H weights
    H = 32
    assert two["params"] - one["params"] == three["params"] - two["params"] == 4 * H * 2 * H + 8 * H
    assert one["metrics"]["val_bpc"] < one["baselines"]["unigram_val_bpc"]
    # at a small budget the single layer has left the unigram plateau before the stack of three
    assert one["metrics"]["val_bpc"] < three["metrics"]["val_bpc"]
    # tokens/s is a timing: the report lists it as checked at full size only, never asserted here
    assert "depth-1 tokens_per_s > depth-3 tokens_per_s" in out["full_size_only"]
    assert out["passed"], out["checks"]


def test_style_lesson_samples_follow_the_style_they_are_asked_for(tmp_path):
    out = run(16, tmp_path)
    rows = {r["label"]: r for r in out["samples"]}
    assert set(rows) == {"docs", "code"} and {r["style"] for r in rows.values()} == {"docs", "code"}
    assert all(len(r["sample"]) == 300 for r in rows.values()) and rows["docs"]["sample"] != rows["code"]["sample"]
    # the same weights, the same seed: only the style vector differs, and the characters follow it
    assert rows["code"]["style_bits/code"] > rows["docs"]["style_bits/code"]
    assert rows["docs"]["style_bits/docs"] > rows["code"]["style_bits/docs"]
    runs = by_label(out)
    assert runs["style"]["params"] > runs["no-style"]["params"]  # one vector per style
    for r in runs.values():
        assert {"val_bpc/docs", "val_bpc/code"} <= set(r["metrics"])
    assert out["passed"], out["checks"]


def test_combining_lesson_shows_every_member_beside_the_fused_forecast(tmp_path):
    out = run(17, tmp_path)
    members = {m["label"]: m for m in out["members"]}
    # an hourly series (season 24): MSTL joins as a scored peer
    assert set(members) == {"seasonal_naive", "ets", "theta", "arima", "mstl", "rnn", "fused", "member-mean"}
    run_ = by_label(out)["forecast"]
    # the RNN member is the run's own forecast, scored on the same test windows
    assert abs(members["rnn"]["test_mase"] - run_["metrics"]["test_mase"]) < 1e-9
    names = ("seasonal_naive", "ets", "theta", "arima", "mstl", "rnn")
    mean = sum(members[k]["test_mase"] for k in names) / len(names)
    assert abs(members["member-mean"]["test_mase"] - mean) < 1e-9
    assert members["fused"]["test_mase"] < members["member-mean"]["test_mase"]
    assert members["fused"]["test_mase"] < members["seasonal_naive"]["test_mase"]
    assert out["passed"], out["checks"]


def test_prepare_lesson_gaps_and_missing_time_features_cost_accuracy(tmp_path):
    out = run(18, tmp_path)
    runs = by_label(out)
    rmse = {k: r["metrics"]["val_rmse"] for k, r in runs.items()}
    assert rmse["clean"] < rmse["gaps"]
    assert out["passed"], out["checks"]


def test_members_and_style_bits_are_read_from_a_run_and_shown(capsys):
    """Without training: a forecasting run's member_*/fused_* metrics become checkable results,
    and the printed result and the lab's pinned verdict list them (and the samples' style bits)."""
    from rnnlab.cli.lessons_cmd import _print_result
    from rnnlab.lessons.checks import Expect, RunResult, evaluate
    from rnnlab.tui.lessonpin import verdict_text

    metrics = {"test_mase": 0.4, "member_seasonal_naive_test_mase": 1.0, "member_ets_test_mase": 0.5,
               "member_rnn_test_mase": 0.4, "member_seasonal_naive_val_mase": 0.9, "fused_test_mase": 0.45}
    got = runner.forecast_members(RunResult("forecast", "r1", "finished", 10, metrics, {}))
    assert set(got) == {"seasonal_naive", "ets", "rnn", "fused", "member-mean"}
    assert abs(got["member-mean"].metrics["test_mase"] - (1.0 + 0.5 + 0.4) / 3) < 1e-12
    assert evaluate(Expect("lower", "rnn", "fused", metric="test_mase"), got) == (True, "rnn 0.4 vs fused 0.45")
    assert runner.forecast_members(RunResult("forecast", "r1", "failed", 0, {}, {})) == {}

    lesson = catalog.get(17)
    report = {"lesson": 17, "metric": "test_mase", "also": [], "quick": True, "look": "", "passed": True,
              "runs": [{"label": "forecast", "run_id": "r1", "status": "finished", "step": 10, "metrics": metrics,
                        "baselines": {}, "max_grad_norm": None, "grad_norm_nonfinite": False}],
              "members": [{"label": k, **r.metrics} for k, r in got.items()],
              "samples": [{"label": "code", "char_distinct_4": 0.8, "own_bpc": 2.0, "sample": "def f():",
                           "style_bits/code": 0.12, "style_bits/docs": -0.2}],
              "checks": [{"expect": "fused test_mase < member-mean test_mase", "passed": True, "measured": "-"}]}
    _print_result(lesson, report)
    out = capsys.readouterr().out
    assert "    fused" in out and "0.450" in out and "bits code" in out and "0.120" in out
    pinned = verdict_text(lesson, report).plain
    assert "fused           test MASE 0.450" in pinned and "code +0.12" in pinned
