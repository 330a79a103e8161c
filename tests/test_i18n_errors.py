"""User errors in Chinese under RNNLAB_LANG=zh (rnnlab/tui/i18n_errors.py): the CLI's `错误:` line
with pydantic's config messages in Chinese, each known message shape translated with its values
kept, English unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rnnlab.errors import UserError
from rnnlab.tui.i18n_errors import error_line, translate

ROOT = Path(__file__).parent.parent


def _cli(lang: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RNNLAB_LANG": lang, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "rnnlab", *argv], capture_output=True, text=True, env=env, timeout=60)


def test_cli_config_error_in_chinese_in_a_real_process(tmp_path):
    zh = _cli("zh", "train", "adding-lstm", "--set", "train.lr=abc", "--runs-dir", str(tmp_path))
    en = _cli("en", "train", "adding-lstm", "--set", "train.lr=abc", "--runs-dir", str(tmp_path))
    assert zh.returncode == 2 and en.returncode == 2
    line = zh.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("错误: "), zh.stderr
    assert "adding-lstm.toml (加上 --set): [train] lr = 'abc': 应为数字" in line, line
    assert "Input should" not in line and "error:" not in line
    assert en.stderr.strip().endswith("[train] lr = 'abc': Input should be a valid number, unable to parse string as a number")
    assert en.stderr.startswith("error: ")
    assert not list(tmp_path.iterdir())  # refused before any run was made


def _pydantic_messages() -> list[str]:
    """What pydantic-core itself says for the error types a config meets (not config.py's words)."""

    class Inner(BaseModel):
        a: int

    class M(BaseModel):
        model_config = ConfigDict(extra="forbid")
        f: float = 0.0
        i: int = 0
        b: bool = False
        gt: float = Field(1.0, gt=0)
        ge: int = Field(1, ge=1)
        lt: float = Field(0.0, lt=1)
        le: float = Field(0.0, le=1)
        mult: int = Field(2, multiple_of=2)
        lit: Literal["sgd", "adam", "rmsprop"] = "adam"
        s: str = Field("x", min_length=1, max_length=3)
        pat: str = Field("a", pattern="^[a-z]+$")
        items: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=2)
        text: str = "x"
        fin: float = Field(0.0, allow_inf_nan=False)
        inner: Inner = Inner(a=1)
        req: int

    cases = [{"f": "abc"}, {"f": True, "i": "abc"}, {"i": 1.5}, {"b": "maybe"}, {"b": [1]}, {"gt": -1}, {"ge": 0},
             {"lt": 2}, {"le": 2}, {"mult": 3}, {"lit": "adamw"}, {"s": ""}, {"s": "abcd"}, {"pat": "A"},
             {"items": []}, {"items": [1, 2, 3]}, {"text": 1}, {"inner": 3}, {"zzz": 1}, {"fin": float("inf")}]
    out = []
    for case in cases:
        try:
            M.model_validate({"req": 1, **case})
        except ValidationError as err:
            out.append(err.errors()[0]["msg"])
    try:
        M.model_validate({})
    except ValidationError as err:
        out.append(err.errors()[0]["msg"])  # Field required
    return out


def test_every_pydantic_message_a_config_meets_reads_chinese(monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    messages = _pydantic_messages()
    assert len(messages) == 21 and "Field required" in messages
    for msg in messages:
        zh = translate(f"run.toml: [train] x = 1: {msg}")
        assert zh.startswith("run.toml: [train] x = 1: ") and zh.isascii() is False, (msg, zh)
        assert not any(w in zh for w in ("Input", "should", "valid", "String", "List", "Field", "Extra")), (msg, zh)
    zh = translate("run.toml: [train] x = 1: Input should be greater than or equal to 1")
    assert zh.endswith("应大于或等于 1")
    assert translate("c: [o] k = 'x': Input should be 'sgd', 'adam' or 'rmsprop'").endswith("应为 'sgd', 'adam' 或 'rmsprop' 之一")


def _raised(fn, *args, **kwargs) -> str:
    with pytest.raises(UserError) as err:
        fn(*args, **kwargs)
    return str(err.value)


def _real_messages(tmp_path: Path) -> list[tuple[str, list[str]]]:
    """(English message made by the real code, words its Chinese must have): the shapes a new user
    meets first. Values, keys and paths must come through as typed."""
    from rnnlab import config, presets
    from rnnlab.runs.paths import resolve_run
    from rnnlab.tasks.timeseries.data import load_csv

    base = config.read_toml(presets.resolve("adding-lstm"))

    def with_set(*sets: str) -> str:
        data = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
        for s in sets:
            config.apply_override(data, s)
        return _raised(config.validate, data, "adding-lstm.toml (with --set)")

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header = tmp_path / "header.csv"
    header.write_text("date,value\n")
    bad_row = tmp_path / "row.csv"
    bad_row.write_text("date,value\n2024-01-01,1\n2024-01-02,1,2\n")
    good = tmp_path / "good.csv"
    good.write_text("date,value\n2024-01-01,1\n2024-01-02,2\n")
    (tmp_path / "runs").mkdir()
    return [
        (with_set("train.lr=abc"), ["(加上 --set)", "[train] lr = 'abc'", "应为数字"]),
        (with_set("train.lr=-1"), ["[train] lr = -1", "应大于 0"]),
        (with_set("train.steps=0"), ["[train] steps = 0", "应大于或等于 1"]),
        (with_set("train.steps=1.5"), ["应为整数", "小数"]),
        (with_set("model.dropout=2"), ["[model] dropout = 2", "应小于 1"]),
        (with_set("model.cell='lsmt'"), ["cell = 'lsmt' 不是允许的值", "(是不是 'lstm'?)", "可选: ", "'gru' 或 'transformer'"]),
        (with_set("model.hidden=3"), ["[model] 中没有键 'hidden'", "(是不是 'hidden_size'?)", "有效的键: cell, hidden_size"]),
        (_raised(config.apply_override, {}, "train.lr"), ["--set 'train.lr'", "应写成 section.key=value", "例如 --set train.lr=0.001"]),
        (_raised(config.apply_override, {"train": 1}, "train.lr=1"), ["'train' 是值, 不是节"]),
        (_raised(config.read_toml, tmp_path / "nope.toml"), [f"{tmp_path / 'nope.toml'}: 文件不存在"]),
        (_raised(presets.resolve, "addin"), ["'addin' 既不是预设也不是文件", "; 预设: adding-lstm"]),
        (_raised(resolve_run, tmp_path / "runs", "nope"), [f"{tmp_path / 'runs'} 中没有运行 'nope'", "见 `rnnlab runs`"]),
        (_raised(load_csv, empty), [f"{empty}: CSV 为空", "每个时间步一行"]),
        (_raised(load_csv, header), [f"{header}: 表头 (date, value) 之后没有数据行"]),
        (_raised(load_csv, bad_row), [f"{bad_row}, 第 3 行: 有 3 个字段, 但表头有 2 个"]),
        (_raised(load_csv, tmp_path / "missing.csv"), ["missing.csv: 文件不存在 (task.source); 应为 CSV 文件或 'builtin:synthetic'"]),
        (_raised(load_csv, good, column="price"), ["没有列 'price' (task.column)", "; 现有的列: date, value"]),
    ]


def test_each_message_shape_in_chinese_keeps_its_values(tmp_path, monkeypatch):
    cases = _real_messages(tmp_path)
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    for en, words in cases:
        zh = translate(en)
        assert all(w in zh for w in words), (en, zh, [w for w in words if w not in zh])
        assert error_line(en) == f"错误: {zh}"
    # a message with no known phrase stays English, behind the Chinese prefix
    assert error_line("something new went wrong") == "错误: something new went wrong"
    # shapes from deeper layers, as their code words them
    more = {
        "/d/a.csv: 12 rows is too short to forecast: at least 40 are needed (window 24 + horizon 8); "
        "or set task.window and task.horizon yourself": ["12 行太短", "至少需要 40 行", "(window 24 + horizon 8)", "task.window"],
        "/c.txt: the train split has 90 chars but one batch needs batch_size*(seq_len+1) = 32*(64+1) = 2080; use a longer "
        "corpus or lower train.batch_size / task.seq_len": ["train 划分只有 90 个字符", "32*(64+1) = 2080", "更长的语料"],
        "--x-axis 'wall' is not an axis; use one of step, minutes, tokens": ["--x-axis 'wall' 不是可用的坐标轴", "可选: step"],
        "[train] device = 'gpu' is not a device; use auto, cpu, cuda, cuda:N or mps": ["'gpu' 不是设备", "cuda:N 或 mps"],
        "run name 'a' is already used by 20260101-000000-0001 in runs; pick another name or remove that run":
            ["运行名称 'a' 已被 runs 中的 20260101-000000-0001 使用"],
        "run 20260101-000000-0001 is finished; there is nothing to stop": ["运行 20260101-000000-0001 已完成; 没有可停止的"],
        "--port 99999 is not a port; expected 1-65535 (e.g. --port 8000)": ["--port 99999 不是端口号", "(例如 --port 8000)"],
        "/x/corpus: no such file or folder ([task] source); give a text file, a folder, a glob or builtin:stdlib":
            ["/x/corpus: 文件或文件夹不存在", "请给出文本文件"],
        "run r1 is an adding run; `rnnlab sample` needs a text run (try `rnnlab forecast` for time series)":
            ["运行 r1 是 adding 任务的运行", "`rnnlab sample` 需要文本运行", "(时间序列请用 `rnnlab forecast`)"],
        "--layer 3: run r1 has 1 layer; use 0..0": ["--layer 3: 运行 r1 有 1 层; 请用 0..0"],
        "[model] num_heads = 3 does not divide [model] hidden_size = 64; choose num_heads among 1, 2, 4, 8":
            ["[model] num_heads = 3 不能整除 [model] hidden_size = 64", "可选: 1, 2, 4, 8"],
    }
    from rnnlab.runs.paths import check_name
    from rnnlab.tui import runfilter

    monkeypatch.setenv("RNNLAB_LANG", "en")
    keys = ["train.lr", "val_loss"]
    more[_raised(runfilter.parse, "zz:1", keys)] = ["筛选: 没有字段 'zz:'", "name:, cell:", "配置键 (optimizer:adam)"]
    more[_raised(runfilter.parse, "val_los<1", keys)] = ["筛选: 'val_los<1': 没有运行含有指标或配置键 'val_los' (是不是 val_loss?)"]
    more[_raised(runfilter.parse, "val_loss<x", keys)] = ["筛选: 'val_loss<x': < 后面需要一个数字, 例如 val_loss<1e-3"]
    more[_raised(check_name, "../x")] = ["运行名称 '../x' 不可用", "'+' 或 '-'"]
    monkeypatch.setenv("RNNLAB_LANG", "zh")
    for en, words in more.items():
        zh = translate(en)
        assert all(w in zh for w in words), (en, zh, [w for w in words if w not in zh])


def test_english_stays_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "en")
    for en, _ in _real_messages(tmp_path):
        assert translate(en) == en and error_line(en) == f"error: {en}"


def test_a_csv_error_found_while_training_is_in_chinese_too(tmp_path):
    """The CSV is read inside the run (worker.execute): its error line was English under zh."""
    csv = tmp_path / "wide.csv"
    csv.write_text("date,GDP,CPI\n" + "".join(f"{2000 + k // 12}-{k % 12 + 1:02d}-01,{k * k % 7 + 1},{2 * k + 5}\n" for k in range(48)))
    runs = tmp_path / "runs"
    zh = _cli("zh", "train", str(csv), "--runs-dir", str(runs))
    en = _cli("en", "train", str(csv), "--runs-dir", str(runs))
    assert zh.returncode == 2 and en.returncode == 2
    assert zh.stderr.strip().splitlines()[-1] == (
        f"错误: {csv}: 有 2 个数值列 (GDP, CPI); 请把 task.column 设为其中之一 (rnnlab data -c GDP, rnnlab train --set task.column=GDP)"
        "; 其余的列可作为它的输入: task.covariates = ['CPI']")
    assert en.stderr.strip().splitlines()[-1] == (
        f"error: {csv}: 2 numeric columns (GDP, CPI); set task.column to one of them (rnnlab data -c GDP, rnnlab train --set task.column=GDP)"
        "; the others can be its inputs: task.covariates = ['CPI']")


def test_train_c_and_t_are_forecasting_shortcuts_refused_on_text(tmp_path):
    # `rnnlab train lstm-char -c north` trained a whole text run with the column silently dropped
    from tests.test_cli_train import assert_user_error, rnnlab

    proc = rnnlab("train", "lstm-char", "-c", "north", "--runs-dir", str(tmp_path))
    assert_user_error(proc, "-c/--column and -t/--time-column name a CSV's columns", "lstm-char is a text task")
    assert not list(tmp_path.iterdir())  # no run was created
    # ... and on a forecasting preset whose data is built in, where they were dropped just the same
    synthetic = rnnlab("train", "ts-lstm", "-c", "nonexist", "--runs-dir", str(tmp_path))
    assert_user_error(synthetic, "ts-lstm reads builtin:synthetic, which has no such columns")
