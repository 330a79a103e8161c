"""`rnnlab forecast`, `train`'s forecasting verdicts, `diff`, the CLI's plots and `sweep`'s progress
lines in Chinese under RNNLAB_LANG=zh (issue 19 item 4; rnnlab/tui/i18n_cli.py), on a real tiny
time-series run trained by a real subprocess: the tables' headers and row labels in Chinese,
aligned in terminal cells; the `fusion:`/`note:` lines (built in English by
rnnlab/tasks/timeseries/verdict.py) translated at the CLI's edge; `--future`'s CSV (data) the same
bytes in both languages, only its stderr notes change; plot legends inside a straight frame;
English as it was (English tables: tests/test_cli_generate.py)."""

from __future__ import annotations

import json
import math
import re

import pytest
from rich.cells import cell_len

from tests.test_i18n_cli import CJK, _cells, _rnnlab


@pytest.fixture(scope="module")
def ts_run(tmp_path_factory):
    """A 4-step LSTM on 15 years of a monthly seasonal series (loses to the classical members, so
    `train` prints its verdict lines), trained under zh: the runs root and train's output."""
    root = tmp_path_factory.mktemp("ts")
    y = [10 + 0.05 * k + 3 * math.sin(2 * math.pi * k / 12) + math.sin(1.7 * k) for k in range(180)]
    csv = root / "monthly.csv"
    csv.write_text("date,value\n" + "".join(f"{2000 + k // 12}-{k % 12 + 1:02d}-01,{v:.3f}\n" for k, v in enumerate(y)))
    zh = _rnnlab(root, "zh", "train", "ts-lstm", "--set", f"task.source='{csv}'", "--set", "task.time_column='date'",
                 "--set", "task.window=24", "--set", "task.horizon=6", "--set", "model.hidden_size=8",
                 "--set", "train.steps=4", "--set", "train.eval_every=4", "--set", "train.checkpoint_every=4",
                 "--name", "m")
    return root, zh.stdout


def test_train_prints_its_forecasting_verdicts_in_chinese(ts_run):
    _, out = ts_run
    lines = {x.split()[0]: x for x in out.splitlines() if x.startswith("  ") and x.split()[0].endswith(":")}
    assert re.match(r"  融合: {6}测试集 MASE: 融合 \d\.\d{3} \(", lines["融合:"]), out
    assert lines["融合:"].endswith("; `forecast --future` 使用融合预测")
    assert re.search(r"; 由 \d+ 个验证起点选定\)", lines["融合:"]), lines["融合:"]  # how many origins chose the weights
    notes = [x for x in out.splitlines() if x.startswith("  备注:")]
    assert any(re.search(r"^  备注: {6}模型不如 验证集上的 [\w-]+ \(MASE \S+ 对 \S+(, 另有 \d+ 个也更好)?\)", x) for x in notes), out
    assert any("历史不足以校准 95%" in x and x.endswith("若其下已校准区间乘以 z 比值更宽, 则取后者") for x in notes), notes  # 10 test origins cannot calibrate 95%
    for x in [lines["融合:"], *notes]:  # the values from cell 13, whatever the label's width
        assert _cells(x)[12] == " " and _cells(x)[13].strip(), x
        assert not re.search(r"\b(worse than|on validation|not enough|the fused|uses|chosen on|origins?)\b", x), x



def test_the_baselines_line_keeps_the_primary_metric_and_mase_of_each_baseline(ts_run):
    """Four baselines x two splits x a dozen metrics made a line of ~70 numbers: train prints each
    baseline's primary metric (val_rmse here) and MASE on both splits, and says where the rest are."""
    _, out = ts_run
    line = next(x for x in out.splitlines() if x.startswith("  基线:"))
    keys = re.findall(r"(\w+?_(?:val|test)_\w+) [\d.]+", line)
    assert {k.rsplit("_", 1)[-1] for k in keys} == {"rmse", "mase"}, line
    assert {"seasonal_naive_test_mase", "ets_test_mase", "naive_val_rmse"} <= set(keys), line
    assert line.endswith("; 全部指标见 --json"), line


def test_a_short_baselines_line_is_printed_whole():
    from rnnlab.cli.train import headline

    few = {"constant_val_loss": 0.17, "constant_val_mse": 0.17}
    assert headline(few, "val_mse") == few
    many = {f"{b}_{s}_{m}": 1.0 for b in ("naive", "drift", "ets") for s in ("val", "test") for m in ("mae", "rmse", "mase", "coverage_80")}
    assert sorted(headline(many, "val_mae")) == sorted(k for k in many if k.endswith(("_mae", "_mase")))

def test_forecast_tables_in_chinese_aligned_by_cells(ts_run):
    root, _ = ts_run
    zh = _rnnlab(root, "zh", "forecast", "m").stdout.splitlines()
    assert re.fullmatch(r"测试集: \d+ 个窗口, 预测步长 6, 季节 12; 误差用序列自身的单位 \(MAPE/sMAPE 为 %\)", zh[0]), zh[0]
    assert re.fullmatch(r"检查点: m best 第 4 步", zh[1]), zh[1]
    head = zh[2]
    rows = {x.split()[0]: x for x in zh[3:zh.index("")]}  # the scores table, up to the blank line
    assert {"朴素", "季节朴素", "漂移", "指数平滑", "融合", "arima"} <= set(rows), zh
    for label in ("朴素", "季节朴素", "漂移", "指数平滑", "融合", "arima"):  # every number ends where its header does, in cells
        assert cell_len(rows[label]) == cell_len(head), (rows[label], head)
    intervals = "区间: 按预测步的分割共形区间, 用验证集误差校准; 融合预测的区间随每个测试起点已知的误差滚动校准"
    assert intervals in zh
    cover = zh[zh.index(intervals) + 1]
    assert cover.split() == ["覆盖", "80%", "覆盖", "95%", "宽度", "80%", "宽度", "95%", "pinball"]
    body = [x for x in zh[zh.index(cover) + 1:] if x.strip()]
    assert all(cell_len(x) == cell_len(cover) for x in body), (cover, body)
    # the English tables: tests/test_cli_generate.py (their rows, headers and checkpoints line)


def test_backtest_in_chinese(ts_run):
    root, _ = ts_run
    zh = _rnnlab(root, "zh", "forecast", "m", "--backtest", "2").stdout.splitlines()
    assert re.fullmatch(r"m \(\S+\) 的回测: 测试集上 2 个起点, 步长 6, 预测步长 6, 季节 12; 模型固定", zh[0]), zh[0]
    assert zh[1] == "每个起点: 各预测的 RMSE, 以及融合预测区间的覆盖率"  # whose numbers the columns hold
    assert zh[2].split() == ["起点", "时间", "模型", "融合", "朴素", "季节朴素", "覆盖", "80%", "覆盖", "95%"]
    assert all(cell_len(x) == cell_len(zh[2]) for x in zh[3:5]), zh  # the origins' rows under their header
    assert "各起点的均值" in zh and [x.split()[0] for x in zh[-4:]] == ["模型", "融合", "朴素", "季节朴素"]
    assert len({cell_len(x) for x in zh[-5:]}) == 1, zh[-5:]


def test_future_csv_is_data_and_only_its_notes_translate(ts_run):
    root, _ = ts_run
    zh = _rnnlab(root, "zh", "forecast", "m", "--future", "3")
    en = _rnnlab(root, "en", "forecast", "m", "--future", "3")
    assert zh.stdout == en.stdout and en.stdout.startswith("time,forecast,lower_80,upper_80")
    assert re.search(r"^-- \S+: 来自最佳检查点 \(第 4 步, val_rmse \S+\)$", zh.stderr, re.M), zh.stderr
    assert re.search(r"^-- 预测: fused \(融合权重: .+; 单个成员用 --model rnn\|NAME\)$", zh.stderr, re.M), zh.stderr
    assert "-- forecast: fused (fused weights: " in en.stderr and "from the best checkpoint (step 4" in en.stderr
    assert not CJK.search(en.stderr)


def test_diff_in_chinese(ts_run):
    root, _ = ts_run
    en = _rnnlab(root, "en", "diff", "m", "m").stdout.strip()
    n = re.fullmatch(r"the 2 runs have the same config \((\d+) keys\)", en)
    assert n and int(n[1]) > 60, en
    assert _rnnlab(root, "zh", "diff", "m", "m").stdout.strip() == f"这 2 个运行的配置相同 ({n[1]} 个键)"


def test_forecast_words_set_by_variables_have_their_chinese():
    """The row labels and headers the tables pass to t() as variables (the literal check in
    test_i18n_cli.py sees only literals)."""
    from rnnlab.tui.i18n import ZH

    for word in ("naive", "seasonal naive", "drift", "exp. smoothing", "model", "origin", "time", "s-naive",
                 "hidden state", "forget gate", "validation text", "given text", "key: "):
        assert word in ZH, word


def test_show_plots_chinese_legends_inside_a_straight_frame(ts_run):
    """plotext counts a character as one cell: a Chinese legend would push the frame right by
    a cell per character; render.plot_words holds each second cell, dropped from the text."""
    from rnnlab.cli.render import WIDE_FILL
    from rnnlab.tui.widgets.fastplot import WIDE_FILL as LAB_FILL

    assert WIDE_FILL == LAB_FILL  # the lab's and the CLI's plots, one convention
    root, _ = ts_run
    out = _rnnlab(root, "zh", "show", "m").stdout
    assert WIDE_FILL not in out
    plot = out[out.index("预测 @ 第 4 步"):].splitlines()
    framed = [x for x in plot[1:] if x.rstrip().endswith(("│", "┐", "┘"))]
    assert len(framed) > 10 and len({cell_len(x) for x in framed}) == 1, framed
    legend = " ".join(x for x in framed[:7])
    for word in ("历史", "实际", "预测", "朴素", "季节朴素"):
        assert re.search(rf"\S\S {word} ", legend), (word, legend)
    assert re.search(r"^ +日期$", out, re.M) and "seasonal_naive" not in legend


def test_sweep_progress_lines_in_chinese(tmp_path):
    """`rnnlab sweep SPEC` in the foreground: its opening line and the controller's progress lines
    (said in English by rnnlab/sweeps/controller.py) in Chinese, ids and numbers as typed."""
    from tests.test_sweeps import _spec

    spec = _spec(tmp_path, trials=1, parallel=1, steps=10, space='"train.lr" = [0.01]')
    out = _rnnlab(tmp_path / "runs", "zh", "sweep", str(spec)).stdout.splitlines()
    assert re.fullmatch(r"搜索 \S+: 1 次试验, 本机同时 1 个, 采样器 random, 剪枝器 none, 最小化 val_mse", out[0]), out
    assert re.fullmatch(r"试验 0: 运行 \S+ \(pid \d+\) train\.lr=0\.01", out[1]), out
    assert re.fullmatch(r"试验 0: 已完成 val_mse \S+", out[2]), out
    assert re.fullmatch(r"搜索 \S+: 本机的工作已完成 \(研究中共有 1 个试验编号\)", out[3]), out
    assert not any(re.search(r"\b(trials?|run|complete|this host)\b", x) for x in out[:4]), out


def _described(tmp_path) -> list[str]:
    """The `started:` message of real tasks built from presets and CSVs: `CELL xL hH on DESCRIPTION, N params, DEVICE`."""
    from rnnlab import config, presets
    from rnnlab.tasks import make_task

    cfgs = [config.validate(config.read_toml(presets.resolve(p)), p).task
            for p in ("adding-lstm", "copy-lstm", "ts-lstm", "ts-covariates", "ts-holidays", "ts-intervals")]
    text = tmp_path / "corpus"
    text.mkdir(exist_ok=True)
    (text / "a.txt").write_text("the quick brown fox jumps over the lazy dog. " * 400)
    cfgs.append(config.TaskConfig(kind="text", source=str(text), unit="word", vocab_size=20))
    cfgs.append(config.TaskConfig(kind="text", source=str(text)))
    monthly = tmp_path / "m.csv"  # two months missing: put back and filled
    rows = [(2000 + k // 12, k % 12 + 1, 10 + 3 * math.sin(2 * math.pi * k / 12) + 0.1 * k) for k in range(120) if k not in (30, 31)]
    monthly.write_text("date,value\n" + "".join(f"{y}-{m:02d}-01,{v:.3f}\n" for y, m, v in rows))
    cfgs.append(config.TaskConfig(kind="timeseries", source=str(monthly)))
    panel = tmp_path / "p.csv"
    panel.write_text("unique_id,ds,y\n" + "".join(f"{s},{1950 + k},{s * 10 + math.sin(k / 3 + s):.3f}\n" for s in range(3) for k in range(60)))
    cfgs.append(config.TaskConfig(kind="timeseries", source=str(panel)))
    return [f"lstm x1 h8 on {make_task(c, seed=0, batch_size=4, cache_dir=tmp_path / 'cache').describe()}, 1,234 params, cpu"
            for c in cfgs]


ENGLISH_WORDS = re.compile(r"(?<![.:-])\b(rows|filled|window|horizon|features|season|periods|differenced|stationary|chars|files?|"
                           r"vocab|words|batching|delay|steps|baseline|memoryless|holidays|covariates|series|scaled|"
                           r"missing|monthly|yearly|hourly|daily|detected|styles|params|on)\b")


def test_the_started_line_describes_every_kind_of_task_in_chinese(tmp_path, monkeypatch):
    """`train`'s and the events log's `已开始:` line: each task's own description (built in English
    by the tasks layer) in Chinese, every number and source kept."""
    from rnnlab.tui.i18n import run_message

    monkeypatch.setenv("RNNLAB_LANG", "zh")
    for english in _described(tmp_path):
        zh = run_message(english)
        assert not ENGLISH_WORDS.search(zh.replace(str(tmp_path), "")), (english, zh)
        assert re.findall(r"\d+(?:\.\d+)?", zh.replace("第 ", "")) == re.findall(r"\d+(?:\.\d+)?", english), (english, zh)
    monkeypatch.setenv("RNNLAB_LANG", "en")
    assert all(run_message(e) == e for e in _described(tmp_path))


def test_show_of_a_forecasting_run_says_the_fusion_on_one_line_and_keeps_every_number_in_json(ts_run):
    """~150 stored numbers: `show` prints the baselines' primary metric and MASE, the run's own
    metrics without the residual ACF lags, and the members' and fused test MASE on a `fusion` line."""
    root, _ = ts_run
    for lang, fusion, base in (("en", "    fusion  test MASE: fused ", " baselines  "), ("zh", "      融合  测试集 MASE: 融合 ", "      基线  ")):
        out = _rnnlab(root, lang, "show", "m").stdout
        assert any(x.startswith(fusion) for x in out.splitlines()), out
        if lang == "en":
            assert re.search(r"; chosen on \d+ validation origins?\)", out), out
        line = next(x for x in out.splitlines() if x.startswith(base))
        assert {k.rsplit("_", 1)[-1] for k in re.findall(r"(\w+?_(?:val|test)_\w+) [\d.]+", line)} == {"rmse", "mase"}, line
        assert "_resid_acf_" not in out and "member_" not in out and "fusion_weight" not in out
    stored = json.loads(_rnnlab(root, "en", "show", "m", "--json").stdout)["latest"]
    assert any("_resid_acf_" in k for k in stored) and "fused_test_mase" in stored and "ets_test_mae" in stored
