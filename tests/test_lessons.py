"""`rnnlab lessons` as a user runs it (a real subprocess), and each lesson at its reduced size:
the expected DIRECTION of each effect must show in the runs it trains (never a timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab.lessons import catalog, runner


def rnnlab(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "RNNLAB_LANG"}
    env.update({"OMP_NUM_THREADS": "1", **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "rnnlab", *args], capture_output=True, text=True, env=env, timeout=400)


def run_quick(n: int, root: Path) -> dict:
    proc = rnnlab("lessons", str(n), "--run", "--quick", "--json", "--runs-dir", str(root))
    assert "Traceback" not in proc.stderr, proc.stderr
    out = json.loads(proc.stdout)
    assert out["quick"] is True and out["lesson"] == n
    # exit status says whether the lesson's expected result held
    assert proc.returncode == (0 if out["passed"] else 1)
    return out


def by_label(out: dict) -> dict:
    return {r["label"]: r for r in out["runs"]}


def test_every_lesson_builds_valid_configs_tagged_by_lesson():
    for lesson in catalog.LESSONS:
        assert lesson.title["en"] and lesson.title["zh"] and lesson.text["zh"] and lesson.look["zh"]
        for quick in (False, True):
            for exp in lesson.experiments:
                cfg = runner.build_config(lesson, exp, quick)
                assert cfg.name == f"lesson{lesson.number}-{exp.label}"


def test_the_printed_commands_reproduce_each_lessons_runs():
    from rnnlab import config
    from rnnlab.cli.lessons_cmd import _describe

    for lesson in catalog.LESSONS:
        for exp, shown in zip(lesson.experiments, _describe(lesson)["experiments"]):
            cfg = config.load(shown["preset"], shown["overrides"])
            cfg.name = runner.tag(lesson, exp)
            assert cfg == runner.build_config(lesson, exp), (lesson.number, exp.label)


def test_list_marks_finished_lessons_and_speaks_chinese(tmp_path):
    proc = rnnlab("lessons", "--json", "--runs-dir", str(tmp_path))
    rows = json.loads(proc.stdout)
    assert [r["number"] for r in rows] == [x.number for x in catalog.LESSONS]
    assert not any(r["finished"] for r in rows) and all(r["verdict"] is None for r in rows)
    assert next(r for r in rows if r["number"] == 3)["title"] == "Exploding gradients and clipping"
    run_quick(3, tmp_path)
    rows = json.loads(rnnlab("lessons", "--json", "--runs-dir", str(tmp_path)).stdout)
    assert [r["number"] for r in rows if r["finished"]] == [3]
    # ✓ means the checks passed on the newest runs, and says at which size
    assert [(r["number"], r["verdict"], r["quick"]) for r in rows if r["verdict"]] == [(3, "passed", True)]
    text = rnnlab("lessons", "--runs-dir", str(tmp_path), env_extra={"RNNLAB_LANG": "zh"}).stdout
    assert "梯度爆炸与梯度裁剪" in text and "✓ 快速  3" in text and "第 2.3, 3.2 节" in text and "章" not in text


def test_unknown_lesson_is_one_line_user_error(tmp_path):
    proc = rnnlab("lessons", "99", "--run", "--runs-dir", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: no lesson 99") and len(proc.stderr.strip().splitlines()) == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_clipping_lesson_no_clip_diverges_clipped_runs_converge(tmp_path):
    out = run_quick(3, tmp_path)
    runs = by_label(out)
    assert runs["no-clip"]["status"] == "diverged" and runs["no-clip"]["grad_norm_nonfinite"]
    assert runs["no-clip"]["step"] < 100
    for label in ("clip-norm", "clip-value"):
        assert runs[label]["status"] == "finished" and runs[label]["step"] == 100
        assert runs[label]["metrics"]["val_mse"] < 0.5  # targets are in [0, 2]: a sane MSE
    assert out["passed"], out["checks"]
    # learning takes ~400 steps: at 100 the size cannot show it, and the report says so
    assert out["full_size_only"] == ["clip-norm val_mse < 0.5 x its constant_val_mse",
                                     "clip-value val_mse < 0.5 x its constant_val_mse"]
    # the runs are ordinary runs of the runs root, recognisable by their config name
    from rnnlab.runs.paths import DB_NAME, list_run_dirs
    from rnnlab.runs.schema import read_names

    names = {read_names(d / DB_NAME)[1] for d in list_run_dirs(tmp_path)}
    assert names == {"lesson3-no-clip", "lesson3-clip-norm", "lesson3-clip-value"}


def test_vanishing_lesson_lstm_beats_tanh_rnn(tmp_path):
    runs = by_label(run_quick(2, tmp_path))
    assert runs["lstm"]["metrics"]["val_mse"] < 0.8 * runs["rnn-tanh"]["metrics"]["val_mse"]


def test_optimizer_lesson_adaptive_beat_sgd(tmp_path):
    out = run_quick(5, tmp_path)
    runs = by_label(out)
    assert set(runs) == {"sgd", "sgd-momentum", "rmsprop", "adam"}
    sgd = min(runs["sgd"]["metrics"]["val_mse"], runs["sgd-momentum"]["metrics"]["val_mse"])
    assert runs["adam"]["metrics"]["val_mse"] < 0.5 * sgd
    assert runs["rmsprop"]["metrics"]["val_mse"] < 0.5 * sgd
    assert out["passed"]


def test_cell_lesson_lstm_leaves_the_baseline_and_records_the_cell_anatomy(tmp_path):
    from rnnlab.runs.paths import list_run_dirs
    from rnnlab.runs.store import RunReader

    run = by_label(run_quick(1, tmp_path))["lstm"]
    assert run["metrics"]["val_mse"] < run["baselines"]["constant_val_mse"]
    assert catalog.get(1).view == "anatomy"
    # what the cell-anatomy view shows: the worker's per-unit snapshot at the probe cadence
    (d,) = list_run_dirs(tmp_path)
    with RunReader(d) as reader:
        snaps = reader.vectors("cell")
    assert [s for s, _ in snaps] == [1, 100, 200, 300]  # probes.gates_every = 100 (and step 1)
    last = snaps[-1][1]
    assert last["cell"] == "lstm" and last["units"] == 32 and set(last["layers"][0]["gates"]) == {"input", "forget", "cell", "output"}


def test_forecasting_lesson_scaling_and_differencing_help_on_a_trend(tmp_path):
    out = run_quick(7, tmp_path)
    runs = by_label(out)
    raw, scaled, diff = (runs[k]["metrics"]["val_rmse"] for k in ("raw", "scaled", "differenced"))
    assert diff < scaled < 0.5 * raw
    # shown beside the baselines on the same split
    assert "seasonal_naive_val_rmse" in runs["raw"]["baselines"]


def test_rnn_vs_transformer_lesson_both_learn_at_about_equal_parameters(tmp_path):
    runs = by_label(run_quick(8, tmp_path))
    lstm, tr = runs["lstm"], runs["transformer"]
    assert 0.8 < tr["params"] / lstm["params"] < 1.25
    for r in (lstm, tr):
        assert r["metrics"]["val_bpc"] < r["baselines"]["unigram_val_bpc"]
        assert r["tokens_per_s"] and r["tokens_per_s"] > 0


def test_lessons_follow_the_document_order():
    # numbers are stable ids (run tags carry them); the course lists them by section
    assert sorted(x.number for x in catalog.LESSONS) == list(range(1, len(catalog.LESSONS) + 1))
    chapters = [float(x.chapter.split(",")[0]) for x in catalog.LESSONS]
    assert chapters == sorted(chapters)


def test_every_lesson_states_its_expectation_and_what_to_try_next():
    for lesson in catalog.LESSONS:
        assert lesson.expects, lesson.number
        assert 2 <= len(lesson.tries) <= 3 and lesson.question and lesson.question["zh"], lesson.number
        for k in range(1, len(lesson.tries) + 1):  # each variation builds valid configs, tagged apart
            for exp in runner.experiments(lesson, k):
                cfg = runner.build_config(lesson, exp, True, k)
                assert cfg.name == f"lesson{lesson.number}-try{k}-{exp.label}"
        # the label before the look text is not repeated by the text itself (观察: 观察)
        for lang in ("en", "zh"):
            assert not catalog.pick(lesson.look, lang).startswith(catalog.pick(catalog.LOOK, lang)), lesson.number


def test_truncated_bptt_lesson_full_bptt_learns_what_truncation_cannot(tmp_path):
    out = run_quick(4, tmp_path)
    runs = by_label(out)
    full, cut = runs["full"], runs["bptt-10"]
    base = full["baselines"]["memoryless_val_loss"]
    assert full["metrics"]["val_loss"] < 0.9 * cut["metrics"]["val_loss"]
    assert full["metrics"]["val_acc"] > cut["metrics"]["val_acc"]
    assert full["metrics"]["val_loss"] < base
    assert out["passed"], out["checks"]


def test_sampling_lesson_trades_coherence_for_diversity(tmp_path):
    out = run_quick(6, tmp_path)
    rows = {r["label"]: r for r in out["samples"]}
    assert set(rows) == {"greedy", "T=0.5", "T=1", "T=1.5", "top-k=5", "top-p=0.8"}
    assert all(len(r["sample"]) == 400 for r in rows.values())
    bpc = {k: r["own_bpc"] for k, r in rows.items()}
    # coherence (the model's own bits per char of its sample) falls as the sampler gets pickier
    assert bpc["T=0.5"] < bpc["T=1"] < bpc["T=1.5"]
    assert bpc["top-k=5"] < bpc["T=1"] and bpc["top-p=0.8"] < bpc["T=1"]
    # while diversity (distinct-4 over characters) rises with the temperature; greedy decoding loops
    div = {k: r["char_distinct_4"] for k, r in rows.items()}
    assert div["greedy"] < 0.1 < div["T=1"] and div["T=0.5"] < div["T=1.5"]
    assert out["passed"], out["checks"]


def test_attention_lesson_attention_recalls_what_the_plain_lstm_cannot(tmp_path):
    out = run_quick(9, tmp_path)
    runs = by_label(out)
    plain, attn = runs["lstm"], runs["attention"]
    assert attn["params"] > plain["params"]  # the same LSTM plus W_a and W_c
    assert attn["metrics"]["val_loss"] < 0.5 * plain["metrics"]["val_loss"]
    assert attn["metrics"]["val_acc"] > 0.5 > plain["metrics"]["val_acc"]
    assert out["passed"], out["checks"]


@pytest.mark.parametrize("arg,says", [("abc", "error: lesson 'abc' is not a number; lessons are 1, 2"),
                                      ("-1", "error: no lesson -1; lessons are 1, 2"),
                                      ("--jsn", "error: no such option --jsn; `rnnlab lessons` takes N, --run")])
def test_a_bad_lesson_number_is_one_line_user_error(tmp_path, arg, says):
    proc = rnnlab("lessons", arg, "--runs-dir", str(tmp_path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().startswith(says) and len(proc.stderr.strip().splitlines()) == 1


def test_the_list_keeps_its_columns_aligned_in_both_languages(tmp_path):
    from rich.cells import cell_len

    for lang in ("en", "zh"):
        out = rnnlab("lessons", "--runs-dir", str(tmp_path), env_extra={"RNNLAB_LANG": lang}).stdout
        lines = out.splitlines()[: len(catalog.LESSONS)]
        # "~2 min" and "~0.6 min", "第 2.3 章" and "第 2.3, 3.2 章" alike: the last column starts
        # at the same cell on every row (a CJK character takes two)
        starts = {cell_len(ln.rsplit("  ", 1)[0]) for ln in lines}
        assert len(starts) == 1, out


def test_a_lesson_printed_in_chinese_says_its_own_words_in_chinese(tmp_path):
    out = rnnlab("lessons", "4", env_extra={"RNNLAB_LANG": "zh"}).stdout
    minutes = f"{catalog.get(4).minutes:g}"  # measured, so it moves when re-measured
    assert out.startswith("第 4 课 (第 3.1 节): 截断 BPTT") and f"2 核 CPU 约 {minutes} 分钟; 预期: " in out
    assert "接着试试:" in out and "rnnlab lessons 4 --run --try 1" in out and "问题: " in out
    assert "min on a 2-core CPU" not in out and "rnnlab train copy-lstm" in out  # commands stay typed


def _readme_lesson_refs():
    import re

    root = Path(__file__).resolve().parents[1]
    presets = {p.stem for p in (root / "presets").glob("*.toml")}
    return root, presets, re


def test_readme_and_benchmarks_cite_lessons_by_their_current_numbers():
    """The lessons were renumbered into the document's order: what README's lesson table, its
    preset table and the benchmark that a lesson cites say about lesson N must be lesson N."""
    root, presets, re = _readme_lesson_refs()
    readme = (root / "README.md").read_text(encoding="utf-8")
    rows = [ln for ln in readme.splitlines() if re.match(r"^\| \d+ \| ", ln)]
    assert [int(ln.split("|")[1]) for ln in rows] == [x.number for x in catalog.LESSONS]
    for ln in rows:
        cells = ln.split("|")
        lesson = catalog.get(int(cells[1]))
        assert f"({lesson.chapter})" in cells[2], ln  # the chapter it teaches
        named = set(re.findall(r"`([\w-]+)`", cells[3])) & presets
        assert named and named <= {e.preset for e in lesson.experiments}, ln
    for ln in readme.splitlines():  # the preset table: "| `preset` | ... (lesson N) |"
        m = re.match(r"^\| `([\w-]+)` \|", ln)
        for n in re.findall(r"\(lesson (\d+)\)", ln) if m else ():
            assert m.group(1) in {e.preset for e in catalog.get(int(n)).experiments}, ln
    seqlen = (root / "benchmarks" / "seqlen.py").read_text(encoding="utf-8")
    item = re.match(r'"""Item (\d+):', seqlen).group(1)
    assert f"## {item}. RNN vs Transformer" in (root / "BENCHMARKS.md").read_text(encoding="utf-8")
    cited = catalog.get(int(re.search(r"Lesson (\d+) \(`rnnlab lessons \1`\) points here", seqlen).group(1)))
    assert f"BENCHMARKS.md item {item}" in catalog.pick(cited.look, "en")


def test_gru_lesson_both_gated_cells_learn_the_gru_with_three_quarters_of_the_parameters(tmp_path):
    out = run_quick(10, tmp_path)
    runs = by_label(out)
    gru, lstm = runs["gru"], runs["lstm"]
    for r in (gru, lstm):
        assert r["metrics"]["val_mse"] < 0.5 * r["baselines"]["constant_val_mse"]
    assert abs(gru["params"] / lstm["params"] - 0.75) < 0.05  # three weight blocks against four
    assert out["passed"], out["checks"]


def test_gates_lesson_relu_rnn_explodes_where_the_lstm_does_not(tmp_path):
    out = run_quick(11, tmp_path)
    runs = by_label(out)
    assert runs["rnn-relu"]["status"] == "diverged" and runs["rnn-relu"]["grad_norm_nonfinite"]
    assert runs["rnn-tanh"]["status"] == "diverged"  # a bounded activation is not a bounded gradient
    assert runs["lstm"]["status"] == "finished" and not runs["lstm"]["grad_norm_nonfinite"]
    assert runs["lstm"]["max_grad_norm"] < 0.1 * runs["rnn-relu"]["max_grad_norm"]
    assert out["passed"], out["checks"]


def test_schedule_lesson_a_constant_lr_that_can_settle_beats_decaying_it(tmp_path):
    out = run_quick(12, tmp_path)
    runs = by_label(out)
    assert runs["constant"]["metrics"]["val_mse"] < runs["cosine"]["metrics"]["val_mse"]  # as measured
    for r in runs.values():
        assert r["metrics"]["val_mse"] < 0.5 * r["baselines"]["constant_val_mse"]
    assert out["passed"], out["checks"]


def test_char_rnn_lesson_shows_a_sharp_softmax_at_a_position(tmp_path):
    out = run_quick(13, tmp_path)
    run = by_label(out)["rnn"]
    assert run["metrics"]["val_bpc"] < run["baselines"]["unigram_val_bpc"]
    probe = out["next_token"]
    probs = [p for _, p in probe["top"]]
    assert len(probs) == 10 and probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6
    assert probe["entropy_bits"] < 0.75 * probe["unigram_entropy_bits"] < probe["uniform_bits"]
    assert out["passed"], out["checks"]
    # the plain print shows the distribution as bars and ends with the verdict and its size
    from rnnlab.lessons.runner import report
    from rnnlab.runs.paths import list_run_dirs

    (d,) = list_run_dirs(tmp_path)
    assert report(catalog.get(13), [d])["next_token"] == probe  # kept beside the run, read back


def test_a_variation_needs_run_and_an_existing_number(tmp_path):
    proc = rnnlab("lessons", "3", "--run", "--try", "9", "--runs-dir", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith("error: lesson 3 has no variation 9; it has 1, 2")
    proc = rnnlab("lessons", "3", "--try", "1", "--runs-dir", str(tmp_path))
    assert proc.returncode == 2 and "--try 1 needs --run" in proc.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_try_0_is_refused_like_any_variation_that_is_not_there(tmp_path):
    # variations count from 1: `--try 0` ran the whole main lesson without a word (an outside trial)
    proc = rnnlab("lessons", "3", "--run", "--try", "0", "--runs-dir", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith("error: lesson 3 has no variation 0; it has 1, 2")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())  # nothing trained


def test_metrics_lesson_beats_seasonal_naive_on_mae_and_rmse_and_reports_ljung_box(tmp_path):
    out = run_quick(14, tmp_path)
    run = by_label(out)["lstm"]
    m, base = run["metrics"], run["baselines"]
    assert m["val_mae"] < base["seasonal_naive_val_mae"] and m["val_rmse"] < base["seasonal_naive_val_rmse"]
    assert m["val_rmse"] >= m["val_mae"]  # the same errors: RMSE weighs the big ones more
    assert 0.0 <= m["test_ljung_box_p"] <= 1.0 and out["also"] == ["val_mae", "val_mase", "test_ljung_box_p"]
    assert out["passed"], out["checks"]


def test_checks_read_attributes_accuracies_and_baseline_factors():
    from rnnlab.lessons.checks import Expect, RunResult, evaluate

    ok = RunResult("a", "r1", "finished", 100, {"val_acc": 0.9, "val_mse": 0.05}, {"constant_val_mse": 1 / 6},
                   max_grad_norm=3.9, params=6465)
    bad = RunResult("b", "r2", "diverged", 8, {"val_acc": 0.99}, {}, max_grad_norm=3960.0, params=8577)
    runs = {"a": ok, "b": bad}
    # a diverged run's accuracy counts as below anything, its spike and size still count
    assert evaluate(Expect("higher", "a", "b", metric="val_acc"), runs) == (True, "a 0.9 vs b diverged")
    assert evaluate(Expect("lower", "a", "b", metric="max_grad_norm", factor=0.1), runs)[0]
    assert not evaluate(Expect("lower", "b", "a", metric="params"), runs)[0]
    assert evaluate(Expect("beats_baseline", "a", metric="val_mse", baseline="constant_val_mse", factor=0.5), runs)[0]
    assert not evaluate(Expect("beats_baseline", "a", metric="val_mse", baseline="constant_val_mse", factor=0.25), runs)[0]
    assert Expect("beats_baseline", "a", metric="val_mse", baseline="constant_val_mse", factor=0.5).describe() == \
        "a val_mse < 0.5 x its constant_val_mse"
