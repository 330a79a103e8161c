"""A global run's series the test split cannot score are named and left out of its counts, and
`--model` says why a seasonal peer is missing on data without a season (an outside trial on real
panels: Serbia's unscorable fertility counted among 195, `--model best` gave it naive unsaid, and
a yearly panel's `--model seasonal_naive` blamed its first series for being too short)."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np

from tests.test_cli_train import rnnlab
from tests.test_ts_global import TINY


def _panel(path, flat: bool = True, yearly: bool = False):
    rng = np.random.default_rng(0)
    lines = ["unique_id,ds,y"]
    for sid, n, level, amp in (("a", 96, 10.0, 2.0), ("b", 96, 50.0, 5.0), ("flat", 96, 5.0, 0.0)):
        if sid == "flat" and not flat:
            continue
        for i in range(n if not yearly else 60):
            v = level + amp * math.sin(2 * math.pi * i / 12) + 0.1 * amp * rng.normal() if not yearly else level + 0.1 * i + rng.normal()
            when = (1950 + i) if yearly else date(2000 + i // 12, i % 12 + 1, 1).isoformat()
            lines.append(f"{sid},{when},{v:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_series_without_a_test_score_is_named_and_left_out_of_the_counts(tmp_path):
    root = str(tmp_path / "runs")
    # a constant series: its training split has no change to scale a MASE by
    out = rnnlab("train", str(_panel(tmp_path / "p.csv")), "--name", "g", *TINY, "--json", "--runs-dir", root)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["panel"]["aggregate"]["unscored"] == ["flat"]
    m = res["metrics"]
    assert m["test_series"] == 3 and m["test_series_scored"] == 2 and m["test_series_won"] <= 2
    table = rnnlab("forecast", "g", "--runs-dir", root)
    assert table.returncode == 0, table.stderr
    assert f"at or below the best peer on {int(m['test_series_won'])}/2" in table.stdout
    assert "not scored on the test split: flat (" in table.stdout
    # the recurrent model's --future note counts the series scored, and is in --json's notes too
    fut = rnnlab("forecast", "g", "--future", "2", "--json", "--runs-dir", root)
    assert fut.returncode == 0, fut.stderr
    notes = json.loads(fut.stdout)["notes"]
    if m["test_series_won"] < 1:
        assert any(f"on {int(m['test_series_won'])} of 2 series scored on the test split" in n for n in notes), notes
    # `best` has no best for it: the default forecaster, and a note says so
    best = rnnlab("forecast", "g", "--future", "2", "--model", "best", "--runs-dir", root)
    assert best.returncode == 0, best.stderr
    assert "--model best: no test score for flat" in best.stderr and "the recurrent model forecasts it" in best.stderr
    rows = [ln.split(",") for ln in best.stdout.strip().splitlines()[1:]]
    assert {r[-1] for r in rows if r[0] == "flat"} == {"rnn"}


def test_a_seasonal_peer_on_a_panel_without_a_season_is_refused_for_that_reason(tmp_path):
    root = str(tmp_path / "runs")
    out = rnnlab("train", str(_panel(tmp_path / "y.csv", flat=False, yearly=True)), "--name", "y", *TINY, "--runs-dir", root)
    assert out.returncode == 0, out.stderr
    for name in ("seasonal_naive", "mstl"):
        got = rnnlab("forecast", "y", "--future", "2", "--model", name, "--runs-dir", root)
        assert got.returncode == 2 and [ln for ln in got.stderr.splitlines() if not ln.startswith("-- ")] == [got.stderr.splitlines()[-1]], got.stderr
        assert f"--model {name}: this run's series have no season (season 1, yearly)" in got.stderr
        assert "cannot have that peer" not in got.stderr
    assert rnnlab("forecast", "y", "--future", "2", "--model", "naive", "--runs-dir", root).returncode == 0


def test_two_global_runs_are_refused_as_such_before_their_settings_are_compared(tmp_path):
    # an outside trial: the same panel trained from the CSV and from a preset was refused for the
    # preset's synthetic-data settings, which a CSV run never reads
    root = str(tmp_path / "runs")
    csv = str(_panel(tmp_path / "p.csv", flat=False))
    assert rnnlab("train", csv, "--name", "a", *TINY, "--runs-dir", root).returncode == 0
    assert rnnlab("train", "ts-lstm", "--set", f"task.source='{csv}'", "--name", "b", *TINY, "--runs-dir", root).returncode == 0
    got = rnnlab("forecast", "a", "b", "--runs-dir", root)
    assert got.returncode == 2 and "is a global model over many series; forecast one such run at a time" in got.stderr, got.stderr
    assert "synthetic" not in got.stderr
