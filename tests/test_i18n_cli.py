"""The CLI's human-readable lines in Chinese under RNNLAB_LANG=zh (issue 19 item 4, rnnlab/tui/i18n_cli.py),
on a real tiny run trained by a real `rnnlab train` subprocess: `runs` and `show` print Chinese
headers and labels in their columns (measured in terminal cells, a CJK character taking two),
`train` its closing summary; English prints as before, and every `--json` is the same bytes in
both languages (a public contract)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u9fff]")


def _rnnlab(root: Path | None, lang: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RNNLAB_LANG": lang, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    where = [] if root is None else ["--runs-dir", str(root)]
    done = subprocess.run([sys.executable, "-m", "rnnlab", *args, *where], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two real runs of 20 steps (one trained with --json under zh): the runs root and the
    Chinese `train` output."""
    root = tmp_path_factory.mktemp("runs")
    train = ("train", "adding-lstm", "--set", "train.steps=20", "--set", "model.hidden_size=8",
             "--set", "train.eval_every=10")
    zh = _rnnlab(root, "zh", *train)
    js = _rnnlab(root, "zh", *train, "--json")
    return root, zh.stdout, js.stdout


def _cells(line: str) -> list[str]:
    """The line as terminal cells: a wide character fills its cell and leaves the next ''."""
    out: list[str] = []
    for ch in line:
        out += [ch] + [""] * (cell_len(ch) - 1)
    return out


def _columns(lines: list[str]) -> list[list[str]]:
    """Each line's values cut at the columns where the header line's words start (in cells)."""
    head = _cells(lines[0])
    starts = [i for i, c in enumerate(head) if c.strip() and (i == 0 or head[i - 1] == " ")]
    rows = []
    for line in lines:
        cells = _cells(line)
        for s in starts[1:]:  # every value starts where its header does: a blank just before it
            assert s < len(cells) and cells[s].strip() and cells[s - 1] == " ", (s, line)
        rows.append(["".join(cells[a:b]).strip() for a, b in zip(starts, starts[1:] + [len(cells)])])
    return rows


def test_train_summary_in_chinese_and_its_json_unchanged(trained):
    _, zh, js = trained
    line = next(x for x in zh.splitlines() if x.startswith("运行 "))
    assert re.fullmatch(r"运行 \S+: 已完成, 第 20/20 步", line), line
    labels = {x.split()[0]: x for x in zh.splitlines() if x.startswith("  ") and x.split()[0].endswith(":")}
    assert {"指标:", "基线:", "保留:", "运行目录:"} <= set(labels), zh
    for x in labels.values():  # the values in one column: from cell 13, whatever the label's width
        cells = _cells(x)
        assert cells[12] == " " and cells[13].strip(), x
    assert "评估 第 10 步: " in zh and "最佳检查点 (第 20 步" in labels["保留:"]
    assert not re.search(r"\b(metrics|baselines|kept|finished|at step)\b", zh), zh
    data = json.loads(js)  # the public shape: English keys and the store's status word
    assert data["status"] == "finished" and set(data) >= {"run_id", "run_dir", "steps", "metrics", "baselines"}


def test_runs_table_in_chinese_keeps_its_columns(trained):
    root, _, _ = trained
    lines = _rnnlab(root, "zh", "runs").stdout.splitlines()
    rows = _columns(lines)
    assert rows[0] == ["编号", "名称", "单元", "任务", "状态", "步数", "最佳", "距今", "测试", "检查点", "标签", "备注"]
    assert len(rows) == 3 and all(r[4] == "已完成" and r[5] == "20/20" and r[2] == "lstm" for r in rows[1:]), rows
    assert all(re.fullmatch(r"\d+(秒|分钟)", r[7]) and r[9] == "best@20 last@20" for r in rows[1:]), rows
    en = _rnnlab(root, "en", "runs").stdout
    erows = _columns(en.splitlines())
    assert erows[0] == ["id", "name", "cell", "task", "status", "step", "best", "age", "test", "checkpoints", "tags", "note"]
    assert all(r[4] == "finished" and re.fullmatch(r"\d+[sm]", r[7]) for r in erows[1:]) and not CJK.search(en), en
    assert [r[0] for r in erows] [1:] == [r[0] for r in rows][1:]
    assert _rnnlab(root, "zh", "runs", "--json").stdout == _rnnlab(root, "en", "runs", "--json").stdout


def test_show_in_chinese_keeps_its_label_column(trained):
    root, _, _ = trained
    run = json.loads(_rnnlab(root, "en", "runs", "--json").stdout)[0]["run_id"]
    zh = _rnnlab(root, "zh", "show", run).stdout
    labelled = {}
    for line in zh.splitlines():
        head = line[: len(line) - len(line.lstrip())] + (line.split()[0] if line.strip() else "")
        if CJK.search(head) and cell_len(head) == 10:
            labelled[line.split()[0]] = line
    want = ["运行", "目录", "状态", "模型", "任务", "步数", "设备", "创建于", "最佳", "检查点", "最新指标", "事件", "输出"]
    assert set(want) <= set(labelled), (sorted(labelled), zh)
    for label, line in labelled.items():  # each label right-aligned in 10 cells, its value from cell 12
        cells = _cells(line)
        assert cells[10:12] == [" ", " "] and cells[12] != " ", line
    assert labelled["状态"].split()[1].startswith("已完成") and "个参数" in labelled["模型"]
    assert re.search(r"任务  adding: T=\d+, 常数 1 基线 MSE 0\.167$", labelled["任务"]), labelled["任务"]
    assert re.search(r"\(\d+(秒|分钟)前\)$", labelled["创建于"]), labelled["创建于"]
    assert "最佳: 第 20 步 (val_mse" in labelled["检查点"] and "sample/forecast 使用最佳的" in labelled["检查点"]
    assert "[20] 评估: " in zh and "[10] 评估: " in zh
    ours = "\n".join(labelled.values())  # the worker's stored messages too (rnnlab/tui/i18n_cli.py RUN_MESSAGES)
    for word in ("status", "model", "created", "checkpoint", "params", "ago", "tokens/s", "step", "steps", "best",
                 "kept", "on"):
        assert not re.search(rf"(?<![\w_/-]){word}(?![\w_/-])", ours), (word, ours)
    assert re.search(r"已完成: val_loss=.*; 最佳 val_mse \S+ \(第 (10|20) 步\) \(保存在 checkpoints/best\)$", labelled["状态"])
    assert re.search(r"\[20\] 已完成: 完成 20 步: val_loss=", zh), zh
    assert "[20] 检查点: 第 20 步的检查点 (最终)" in zh
    en = _rnnlab(root, "en", "show", run).stdout
    assert not CJK.search(en), en
    for label in ("run", "dir", "status", "model", "created", "checkpoint", "events", "output"):
        assert re.search(rf"^ *{label}  ", en, re.M) and len(re.search(rf"^ *{label}(?=  )", en, re.M)[0]) == 10, label
    assert " params" in en and re.search(r"\(\d+[sm] ago\)", en)
    assert "best: step 20 (val_mse" in en and "sample/forecast use the best (--checkpoint last for the other)" in en
    assert _rnnlab(root, "zh", "show", run, "--json").stdout == _rnnlab(root, "en", "show", run, "--json").stdout


def test_compare_table_in_chinese_keeps_metric_names(trained):
    root, _, _ = trained
    ids = [r["run_id"] for r in json.loads(_rnnlab(root, "en", "runs", "--json").stdout)]
    zh = _rnnlab(root, "zh", "compare", *ids, "--sort", "status").stdout.splitlines()
    rows = _columns(zh[zh.index(next(x for x in zh if x.startswith("编号"))):])
    assert rows[0] == ["编号", "名称", "单元", "任务", "状态", "步数", "参数量", "最佳", "loss", "val_loss", "val_mse", "token/秒"]
    assert {r[4] for r in rows[1:]} == {"已完成"} and len(rows) == 3
    en = _rnnlab(root, "en", "compare", *ids).stdout
    assert re.search(r"^id +name +cell +task +status +step +params +best +loss +val_loss +val_mse +tokens/s$", en, re.M)
    assert not CJK.search(en)
    assert _rnnlab(root, "zh", "compare", *ids, "--json").stdout == _rnnlab(root, "en", "compare", *ids, "--json").stdout


def test_every_cli_string_has_its_chinese():
    """Each `t("…")`/`tf("…")` literal in the CLI's printing sites has its entry in the ZH table."""
    from rnnlab.cli.render import AGE_UNITS
    from rnnlab.cli.runs_cmd import COLUMNS
    from rnnlab.tui.i18n import ZH

    missing, seen = [], 0
    for f in ("runs_cmd.py", "show_cmd.py", "manage.py", "render.py", "train.py", "console.py", "sweep.py", "seeds.py", "data.py", "system_cmd.py",
              "presets_cmd.py", "generate.py", "inspect_cmd.py", "diff_cmd.py"):
        src = (REPO / "rnnlab" / "cli" / f).read_text(encoding="utf-8")
        for m in re.finditer(r'\b(?:tf?|tr)\(\s*((?:"[^"\n]*"\s*)+)', src):  # tr: sweep.py's t
            seen += 1
            text = ast.literal_eval("(" + m.group(1) + ")")
            if text not in ZH:
                missing.append((f, text))
    assert not missing, missing
    assert seen > 35  # the pattern finds the printing sites (a rewrite of them would show here)
    from rnnlab.train import events

    kinds = [v for k, v in vars(events).items() if k.isupper() and isinstance(v, str) and k != "COMMANDS"]
    for word in [*COLUMNS, *(u for u, _ in AGE_UNITS), "{n}s", "ETA", "train", *kinds]:
        assert word in ZH, word


def test_data_card_in_chinese(tmp_path):
    """`rnnlab data CSV`: the card's labels and phrases in Chinese, its values as typed; the
    English card as it was; --json the same in both languages."""
    import math

    csv = tmp_path / "m.csv"
    rows = [f"{1990 + i // 12}-{i % 12 + 1:02d}-01,{10 + 0.1 * i + 3 * math.sin(2 * math.pi * i / 12):.4f}"
            for i in range(72) if i != 30]  # one month missing: put back as a gap
    csv.write_text("date,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    zh = _rnnlab(None, "zh", "data", str(csv)).stdout
    head = zh.splitlines()[:5]
    assert head[0].startswith("m.csv [value]: 72 行, 1990-01-01 .. 1995-12-01"), head
    assert [cell_len(x) - cell_len(x.split(None, 1)[1]) for x in head[1:]] == [14] * 4, head  # values in one column
    assert head[1].split()[:2] == ["频率", "每月"] and "补回了 1 个缺失行" in head[1], head
    assert head[2].startswith("缺失") and "最长缺口 1 行" in head[2] and head[3].startswith("平稳性")
    assert head[4].startswith("季节性") and "季节 12" in head[4], head
    assert "推荐设置" in zh and "window = " in zh
    en = _rnnlab(None, "en", "data", str(csv)).stdout
    assert en.splitlines()[1].startswith("frequency     monthly") and not CJK.search(en)
    assert _rnnlab(None, "zh", "data", str(csv), "--json").stdout == _rnnlab(None, "en", "data", str(csv), "--json").stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_stored_run_messages_read_in_the_interface_language(monkeypatch, lang):
    """The English a worker stores (rnnlab/train/loop.py) as `show` and `train` print it."""
    from rnnlab.tui.i18n import run_message

    monkeypatch.setenv("RNNLAB_LANG", lang)
    said = {
        "diverged at step 412: loss is nan; last good checkpoint: step 400": "第 412 步时发散: 损失为 nan; 最后一个正常的检查点: 第 400 步",
        "stopped early at step 700: val_bpc did not improve for 5 evaluations (train.patience); best val_bpc 1.9 at step 450 "
        "(kept in checkpoints/best)":
            "第 700 步时提前停止: val_bpc 连续 5 次评估没有改善 (train.patience); 最佳 val_bpc 1.9 (第 450 步) (保存在 checkpoints/best)",
        "from checkpoint at step 300: gru x2 h64 on text: tiny.txt, 52,801 params, cpu":
            "从第 300 步的检查点: gru x2 h64, 任务 text: tiny.txt, 52,801 个参数, cpu",
        "paused at step 12": "第 12 步时暂停", "checkpoint at step 50 (periodic)": "第 50 步的检查点 (定期)",
        "a message no pattern knows": "a message no pattern knows",
    }
    for english, chinese in said.items():
        assert run_message(english) == (chinese if lang == "zh" else english)
