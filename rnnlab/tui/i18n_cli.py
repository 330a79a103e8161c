"""The CLI's human-readable lines in Chinese (issue 19 item 4, "CLI lines"): the words of `rnnlab
runs`, `show`, `train`, `stop`/`pause`/`resume`/`rm`, `tag`, `note`, `compare`, `sweep show`, `sweeps`,
`data`, `forecast` and `sample`, merged into the one table
that `t()`/`tf()` read (rnnlab/tui/i18n.py imports ZH_CLI; this module imports only `re`, so the
CLI's start-up pays for a dict and no more). RUN_MESSAGES: the patterns that `i18n.run_message` applies to the
messages a worker stores in English (a run's status message, its events) and to the forecasting
verdicts `train` prints (built in English by rnnlab/tasks/timeseries, which must not import the lab).

Keys are the English text exactly as the CLI prints it (`{names}` filled in after translation by
`tf`); a word the lab already translates (statuses, `run`, `status`, `step`, `best`...) is not
repeated here. What stays as typed: run ids, names, paths, metric names, config keys, commands,
checkpoint names (`best@900`, `--checkpoint last`). `--json` never passes through here.
"""

from __future__ import annotations

import re
from typing import Callable, Union

ZH_CLI: dict[str, str] = {
    " (last recorded: {message})": " (最后记录: {message})",
    ": its worker ended without recording why (killed, out of memory, or the machine restarted); `rnnlab resume {run}` "
    "continues from its last checkpoint, `rnnlab logs {run}` shows its log":
        ": 它的工作进程没有留下原因就结束了 (被杀死、内存不足或机器重启); `rnnlab resume {run}` 从最后一个检查点继续, "
        "`rnnlab logs {run}` 显示其日志",
    # `rnnlab runs`: the columns the lab has not named already, the empty lines, the warning
    "age": "距今", "test": "测试", "checkpoints": "检查点", "note": "备注",
    "no runs match --filter {filter!r} ({n} in {root})": "没有运行匹配 --filter {filter!r} ({root} 中共 {n} 个)",
    "no runs in {root}; start one with `rnnlab train --detach` (or open the lab: `rnnlab`)":
        "{root} 中还没有运行; 用 `rnnlab train --detach` 启动一个 (或打开实验室: `rnnlab`)",
    "warning: {message}": "警告: {message}",
    # ages (`27m` in the table, `(27m ago)` in show)
    "{n}d": "{n}天", "{n}h": "{n}小时", "{n}m": "{n}分钟", "{n}s": "{n}秒",
    # `rnnlab show`: the labels on the left and the pieces around the values
    "dir": "目录", "created": "创建于", "checkpoint": "检查点", "baselines": "基线", "latest": "最新指标",
    ", {n} params": ", {n} 个参数", "  ({n} tokens/s)": "  ({n} token/秒)", "  pid {pid} on {host}": "  pid {pid}, 主机 {host}",
    "{when} ({age} ago)": "{when} ({age}前)",
    "none yet": "尚无", "step {step}{metric}": "第 {step} 步{metric}",
    "last: {last}; no best checkpoint kept, sample/forecast use the last":
        "最后: {last}; 没有保留最佳检查点, sample/forecast 使用最后的",
    "best: {best}; last: {last}; sample/forecast use the best (--checkpoint last for the other)":
        "最佳: {best}; 最后: {last}; sample/forecast 使用最佳的 (另一个用 --checkpoint last)",
    "@ step {step}: ": "@ 第 {step} 步: ", "@ step {step}, the best checkpoint: ": "@ 第 {step} 步 (最佳检查点): ", "sample at T={temperature}: {sample}": "采样 (T={temperature}): {sample}",
    "forecast of {n} steps; residual Ljung-Box Q={q} p={p}": "预测 {n} 步; 残差 Ljung-Box Q={q} p={p}",
    "forecast of {n} steps": "预测 {n} 步",
    " (ets: fitted on the training split; the fusion's members are refitted on train + val before the test)":
        " (ets: 只在训练集上拟合; 融合的成员在测试前于训练+验证集上重新拟合)",
    "{title}: no points yet": "{title}: 尚无数据点", "forecast @ step {step}": "预测 @ 第 {step} 步", "forecast @ step {step}, the best checkpoint": "预测 @ 第 {step} 步 (最佳检查点)", "series {id}": "序列 {id}",
    "backtest": "回测", "{n} origins, stride {stride}, mean RMSE ": "{n} 个起点, 步长 {stride}, 平均 RMSE ",
    "seasonal naive": "季节朴素", "backtest RMSE per origin": "每个起点的回测 RMSE", "origin (row)": "起点 (行)",
    # event kinds (rnnlab/train/events.py) as show's events and train's lines name them; the
    # statuses among them (paused, stopped, finished, diverged) read as the lab's
    "started": "已开始", "resumed": "已继续", "eval": "评估", "unpaused": "取消暂停", "sample": "采样",
    "warning": "警告", "config": "配置", "error": "错误",
    # `rnnlab train` in the foreground: the progress lines and the closing summary
    "step {step}/{total} {line} eta {eta}": "第 {step}/{total} 步 {line} 剩余 {eta}",
    "eval step {step}: {shown}": "评估 第 {step} 步: {shown}", "sample step {step}: {sample}": "采样 第 {step} 步: {sample}",
    "loss {value}": "损失 {value}", "{n} tok/s": "{n} token/秒", "ETA": "剩余",
    "run {run}: {status} at step {step}/{total}{note}": "运行 {run}: {status}, 第 {step}/{total} 步{note}",
    "metrics:": "指标:", "baselines:": "基线:", "fusion:": "融合:", "note:": "备注:", "kept:": "保留:", "run dir:": "运行目录:",
    "; every metric: --json": "; 全部指标见 --json",
    "at each origin: every forecaster's RMSE, and the {who} forecast's band coverage": "每个起点: 各预测的 RMSE, 以及{who}预测区间的覆盖率",
    " (val_*: the last evaluation; test_*: the best checkpoint, step {step})": " (val_*: 最后一次评估; test_*: 最佳检查点, 第 {step} 步)", "fusion": "融合", "notes": "提示",
    "fused (the default forecast)": "融合 (默认预测)", "{name} (member)": "{name} (成员)",
    # `rnnlab data` on a panel (cli/data.py _panel)
    "over {time}": "时间列 {time}", "no time column": "无时间列",
    "a wide panel of {n} series, one a column ({over})": "宽格式面板, {n} 个序列, 每列一个 ({over})",
    "a long-format panel of {n} series by {id} ({column} over {time})": "长格式面板, 按 {id} 分成 {n} 个序列 ({column}, 时间列 {time})",
    "a long-format panel of {n} series by {id} ({column}, no time column)": "长格式面板, 按 {id} 分成 {n} 个序列 ({column}, 无时间列)",
    "{shape}, {rows} rows; per series {low} to {high} rows (median {median}); {freq}, season {season}":
        "{shape}, {rows} 行; 每个序列 {low} 到 {high} 行 (中位数 {median}); {freq}, 季节 {season}",
    "train fits ONE model on every series: window {window}, horizon {horizon}, each series split in time and "
    "scaled by its own training split": "train 在所有序列上拟合同一个模型: 窗口 {window}, 预测步长 {horizon}, 每个序列按时间切分, 并按自己的训练集缩放",
    "left out (too short for one window, or under half observed): {series}": "略去 (不够一个窗口, 或观测不足一半): {series}", "{id} ({n} rows)": "{id} ({n} 行)", "{id} ({n} rows, {o} observed)": "{id} ({n} 行, 观测到 {o} 个)",
    " and {n} more": " 等另外 {n} 个", "try: {command}": "试试: {command}",
    "{shape}, {rows} rows ({put} missing rows put back; the file has {file_rows}); per series {low} to {high} rows "
    "(median {median}); {freq}, season {season}":
        "{shape}, {rows} 行 (补回了 {put} 个缺失行; 文件中有 {file_rows}); 每个序列 {low} 到 {high} 行 (中位数 {median}); {freq}, 季节 {season}",
    "{n} rows of {k} columns": "{n} 行 × {k} 列",
    "missing: {n} values ({share}) in {k} of {total} series; most in {most}": "缺失: {n} 个值 ({share}), 在 {k} 个序列中 (共 {total} 个); 最多的是 {most}",
    "{id} ({n})": "{id} ({n})",
    "-- the series is never negative: forecasts and bands below 0 are written as 0": "-- 该序列从不为负: 低于 0 的预测与区间写为 0",
    "exp. smoothing: the ETS baseline, fitted on the training split alone; ets (member): refitted on train + val "
    "before the test, the forecast `--model ets` gives":
        "指数平滑: ETS 基线, 只用训练集拟合; ets (成员): 测试前在训练集 + 验证集上重新拟合, 即 `--model ets` 给出的预测",
    "{line}; `forecast --future` uses the fused forecast": "{line}; `forecast --future` 使用融合预测",
    "  per series (test MASE; ratio = rnn / best peer):": "  各序列 (测试集 MASE; 比值 = rnn / 最佳同类):",
    "{kept}; sample/forecast load it": "{kept}; sample/forecast 载入它",
    "best checkpoint (step {step}{extra})": "最佳检查点 (第 {step} 步{extra})",
    "last checkpoint (step {step}{extra}); no best checkpoint kept": "最后的检查点 (第 {step} 步{extra}); 没有保留最佳检查点",
    # `rnnlab system`, `rnnlab presets` (in a terminal: a pipe gets no header)
    "  load {load}": "  负载 {load}", "{host}: CPU {n} cores{load}": "{host}: CPU {n} 核{load}", "size": "规模",
    "description": "说明",
    # `rnnlab train --seeds N` (rnnlab/cli/seeds.py)
    "seed group {group}: {n} runs started in the background (seeds {a}..{b})": "种子组 {group}: {n} 个运行已在后台启动 (种子 {a}..{b})",
    "seed group {group}: {n} runs queued in the background (seeds {a}..{b})": "种子组 {group}: {n} 个运行已在后台排队 (种子 {a}..{b})",
    "  compare them: mark them in the lab (rnnlab) and press c, or rnnlab compare ":
        "  比较它们: 在实验室 (rnnlab) 中标记后按 c, 或 rnnlab compare ",
    "run {run}: seed {seed} of a seed group": "运行 {run}: 种子组中的种子 {seed}",
    "seed group {group}: {n} runs, seeds {a}..{b}": "种子组 {group}: {n} 个运行, 种子 {a}..{b}",
    "{status} at step {step}": "第 {step} 步时{status}", " ± {sd} (sd over {n} seeds)": " ± {sd} ({n} 个种子的标准差)",
    # `rnnlab train --detach`
    "run {run} started in the background (pid {pid})": "运行 {run} 已在后台启动 (pid {pid})",
    "run {run} queued in the background (pid {pid})": "运行 {run} 已在后台排队 (pid {pid})",
    "  follow it: rnnlab logs {run} -f{where}   |   rnnlab show {run}{where}   |   rnnlab{where}  (the lab)":
        "  跟踪它: rnnlab logs {run} -f{where}   |   rnnlab show {run}{where}   |   rnnlab{where}  (实验室)",
    # stop, pause, resume, rm, tag, note
    "asked run {run} to stop": "已请求运行 {run} 停止", "asked run {run} to pause": "已请求运行 {run} 暂停",
    " (worker pid {pid})": " (训练进程 pid {pid})", "asked run {run} to resume": "已请求运行 {run} 继续",
    "run {run} resumes from step 0 (it has no checkpoint yet) in the background (pid {pid})":
        "运行 {run} 在后台从第 0 步重新开始 (它还没有检查点) (pid {pid})",
    "run {run} resumes from its checkpoint at step {step} in the background (pid {pid})":
        "运行 {run} 在后台从第 {step} 步的检查点继续 (pid {pid})",
    # `rnnlab compare`: the words around its plots (the columns are the lab's compare words)
    " from best {align}": " (从最佳 {align} 起)", "{run} (no {metric})": "{run} (没有 {metric})",
    "{run} (tokens per step unknown)": "{run} (每步 token 数未知)", "{run} (no {align} to align at yet)": "{run} (尚无可对齐的 {align})",
    "{metric}: not plotted: ": "{metric}: 未绘出: ", "tokens/s": "token/秒",
    # `rnnlab sweep show`, `rnnlab sweeps` (trial states as rnnlab/sweeps/study.py names them)
    "sweep {sweep} ({name}): {status}, {done}/{total} trials done, {direction} {metric}":
        "搜索 {sweep} ({name}): {status}, 试验完成 {done}/{total}, {direction} {metric}",
    " (ranked by each trial's best {metric} over its evaluations)": " (按每个试验各次评估中最好的 {metric} 排名)",
    "; controller pid {pid}": "; 控制进程 pid {pid}", "state": "状态", "host": "主机", "waiting": "等待中",
    "best: trial {n} (run {run}) {metric} {value}: ": "最佳: 试验 {n} (运行 {run}) {metric} {value}: ",
    "importances ({method}):": "重要性 ({method}):", "importances: {method}": "重要性: {method}",
    "no sweeps yet; start one with `rnnlab sweep SPEC` (see README, Sweeps)":
        "还没有超参数搜索; 用 `rnnlab sweep SPEC` 启动一个 (见 README 的 Sweeps 一节)",
    "pid": "pid", "done": "完成",
    # `rnnlab sweep SPEC|join|resume` (the controller's own progress lines: RUN_MESSAGES below)
    "sweep {sweep}: {trials} trials, {parallel} at a time here, {sampler} sampler, {pruner} pruner, {direction} {metric}":
        "搜索 {sweep}: {trials} 次试验, 本机同时 {parallel} 个, 采样器 {sampler}, 剪枝器 {pruner}, {direction} {metric}",
    "sweep {sweep} resumed: controller pid {pid} adopts its running trials and goes on":
        "搜索 {sweep} 已继续: 控制进程 pid {pid} 接管正在运行的试验并继续",
    "sweep {sweep} already has a controller on this host": "搜索 {sweep} 在本机已有控制进程",
    "{line}: joined already, no second controller started; follow it with `rnnlab sweep show {sweep}`":
        "{line}: 已经加入, 没有启动第二个控制进程; 用 `rnnlab sweep show {sweep}` 跟踪它",
    "sweep {sweep} started in the background (controller pid {pid} on this host)": "搜索 {sweep} 已在后台启动 (本机控制进程 pid {pid})",
    "sweep {sweep} joined in the background (controller pid {pid} on this host)": "搜索 {sweep} 已在后台加入 (本机控制进程 pid {pid})",
    "  follow it: rnnlab sweep show {sweep}   |   rnnlab sweeps   |   rnnlab  (the lab)":
        "  跟踪它: rnnlab sweep show {sweep}   |   rnnlab sweeps   |   rnnlab  (实验室)",
    # `rnnlab data CSV` (the card's own lines: rnnlab/cli/data.py CARD_ZH)
    "recommended settings (paste into a preset, or pass each as --set task.KEY=VALUE):":
        "推荐设置 (粘贴到预设中, 或逐个用 --set task.KEY=VALUE 传入):",
    "{column} ({rows} rows)": "{column} ({rows} 行)", "row": "行", "lag": "滞后",
    "ACF of the first differences, lags 1..{n}; lines at ±1.96/√n": "一阶差分的 ACF, 滞后 1..{n}; 横线为 ±1.96/√n",
    "ACF of the series, lags 1..{n}; lines at ±1.96/√n": "序列的 ACF, 滞后 1..{n}; 横线为 ±1.96/√n",
    # `rnnlab forecast`: its tables (metric names stay as typed), the backtest, the --future lines on stderr
    # (the CSV on stdout is data: never translated)
    "test split: {windows} windows, horizon {horizon}, season {season}; errors in the series' own units (MAPE/sMAPE in %)":
        "测试集: {windows} 个窗口, 预测步长 {horizon}, 季节 {season}; 误差用序列自身的单位 (MAPE/sMAPE 为 %)",
    "checkpoints: {used}": "检查点: {used}", "{name} {which} step {step}": "{name} {which} 第 {step} 步",
    " (no {asked} kept)": " (没有保留 {asked})", "ensemble (mean of {n})": "集成 ({n} 个的均值)", "drift": "漂移",
    "exp. smoothing": "指数平滑",
    "intervals: split-conformal per horizon step, calibrated on the validation errors":
        "区间: 按预测步的分割共形区间, 用验证集误差校准",
    "; the fused forecast's roll on with the errors known at each test origin":
        "; 融合预测的区间随每个测试起点已知的误差滚动校准",
    "cover {n}%": "覆盖 {n}%", "width {n}%": "宽度 {n}%", "cover {n}": "覆盖 {n}", "width {n}": "宽度 {n}",
    "ensemble of {n}": "{n} 个运行的集成", "origin": "起点", "time": "时间", "mean over origins": "各起点的均值",
    "backtest of {who}: {n} origins over the test split, stride {stride}, horizon {horizon}, season {season}; model fixed":
        "{who} 的回测: 测试集上 {n} 个起点, 步长 {stride}, 预测步长 {horizon}, 季节 {season}; 模型固定",
    "-- {run}: from the {checkpoint}": "-- {run}: 来自{checkpoint}",
    "-- forecast: {model} (fused weights: {weights}; --model rnn|NAME for one member)":
        "-- 预测: {model} (融合权重: {weights}; 单个成员用 --model rnn|NAME)",
    "wrote {steps} forecasts ({step}{note}) after {last} to {output}; conformal intervals {levels}":
        "已把 {last} 之后的 {steps} 个预测 ({step}{note}) 写入 {output}; 共形区间 {levels}",
    ", recursive beyond the horizon {horizon}": ", 超出预测步长 {horizon} 的部分递归预测",
    "wrote {n} forecasts for each of {size} series to {output}": "已把 {size} 个序列各 {n} 个预测写入 {output}",
    "best checkpoint (step {step}{extra}); no {asked} checkpoint kept": "最佳检查点 (第 {step} 步{extra}); 没有保留 {asked} 检查点",
    "last checkpoint (step {step}{extra}); no {asked} checkpoint kept": "最后的检查点 (第 {step} 步{extra}); 没有保留 {asked} 检查点",
    "last checkpoint (step {step}{extra})": "最后的检查点 (第 {step} 步{extra})",
    # `rnnlab sample` (its notes go to stderr; the text itself is the model's)
    "-- prime: dropped {n} characters not in the run's vocabulary: {shown}": "-- 开头: 丢弃了 {n} 个不在词表中的字符: {shown}",
    "-- prime: {n} words not in the run's vocabulary read as <unk>: {shown}": "-- 开头: {n} 个不在词表中的词读作 <unk>: {shown}",
    "-- distinct-1/2/3 (word): {d}": "-- distinct-1/2/3 (词): {d}", "-- from the {checkpoint}{style}": "-- 来自{checkpoint}{style}",
    ", style {style} (the default; --style {others} for the others)": ", 风格 {style} (默认; 其他风格用 --style {others})",
    ", style {style}": ", 风格 {style}",
    # `rnnlab diff`, `logs`, `export`
    "the {n} runs have the same config ({same} keys)": "这 {n} 个运行的配置相同 ({same} 个键)", "key": "键",
    "({same} other keys are the same{missing})": "(其余 {same} 个键相同{missing})", "; – : the run has no such key": "; – : 该运行没有这个键",
    " (data)": " (数据)", "; (data): left to the data, as the run took it": "; (数据): 由数据决定, 即该运行实际所用的值",
    "; ?: a run made before that was recorded": "; ?: 该运行早于这些值被记录",
    "(no log yet: {path}; a run trained in the foreground (`rnnlab train` without --detach) printed its output in that "
    "terminal)": "(还没有日志: {path}; 在前台训练的运行 (`rnnlab train` 不带 --detach) 把输出打印在了那个终端里)",
    "wrote {n} points to {logdir} (tensorboard --logdir {logdir})": "已把 {n} 个数据点写入 {logdir} (tensorboard --logdir {logdir})",
    "wrote {n} points to {output}": "已把 {n} 个数据点写入 {output}",
    # `rnnlab neurons`, `rnnlab attention` (rnnlab/cli/inspect_cmd.py): states, features and cells as typed
    "-- dropped {n} characters not in the run's vocabulary: {shown}": "-- 丢弃了 {n} 个不在词表中的字符: {shown}",
    "-- {n} words not in the run's vocabulary read as <unk>: {shown}": "-- {n} 个不在词表中的词读作 <unk>: {shown}",
    "hidden state": "隐藏状态", "cell state": "细胞状态", "input gate": "输入门", "forget gate": "遗忘门", "cell candidate": "细胞候选值",
    "output gate": "输出门", "reset gate": "重置门", "update gate": "更新门", "new-state candidate": "新状态候选值",
    "run {run} ({checkpoint}): layer {layer}, {state} ({name}), {style}{n} characters":
        "运行 {run} ({checkpoint}): 第 {layer} 层, {state} ({name}), {style}{n} 个字符", "style {style}, ": "风格 {style}, ",
    "span {a}:{b} {text}, threshold {threshold}: ": "区间 {a}:{b} {text}, 阈值 {threshold}: ",
    "{n} units on throughout and off around it": "{n} 个单元在区间内一直开启、在区间外关闭",
    "no unit is on throughout it and off around it; try a lower --threshold or another span":
        "没有单元在区间内一直开启、在区间外关闭; 试试更低的 --threshold 或另一个区间",
    "  unit {unit}  r = {r} with {feature}": "  单元 {unit}  与 {feature} 的 r = {r}",
    "where units {units} fire together in the {searched}: ": "单元 {units} 在{searched}中一起激活的位置: ",
    "{n} matches": "{n} 处", "nowhere else": "别处没有", "validation text": "验证文本", "given text": "给定文本",
    "run {run} ({checkpoint}): attention layer {layer}, head {head}, {style}{n} positions; row = position, column = the "
    "earlier position it attends to": "运行 {run} ({checkpoint}): 注意力第 {layer} 层, 第 {head} 头, {style}{n} 个位置; "
    "行 = 位置, 列 = 它所关注的更早位置",
    "shades ·░▒▓█ from 0 to 1; → the position each row attends to most": "深浅 ·░▒▓█ 表示 0 到 1; → 每行最关注的位置",
    "key: ": "图例: ", "  low → high per unit, centre {c}": "  每个单元从低到高, 中心 {c}",
    "delete {listing}?": "删除 {listing}?", "removed {run}": "已删除 {run}", "(no tags)": "(没有标签)", "(no note)": "(没有备注)",
}

# the messages a worker stores in English (rnnlab/train/loop.py, session.py: a run's status
# message and its events), as `show` and `train` print them under zh: (pattern, replacement),
# each applied in turn; a message no pattern knows stays English
def _worse(m: re.Match) -> str:
    """`arima on validation (MASE 2.809 vs 0.000, and 3 others)` (verdict.losses) in Chinese."""
    more = f", 另有 {m['n']} 个也更好" if m["n"] else ""
    return f"{'验证集' if m['split'] == 'validation' else '测试集'}上的 {m['who']} (MASE {m['a']} 对 {m['b']}{more})"


# frequency names as the tasks layer writes them (rnnlab/tasks/timeseries/frequency.py), and where
# the periods came from (data.py Seasons.source)
FREQ_ZH = {"business daily": "工作日", "hourly": "每小时", "daily": "每日", "weekly": "每周", "monthly": "每月",
           "quarterly": "每季度", "yearly": "每年", "irregular": "不规则", "no time column": "无时间列", "step numbers": "步数编号"}
SOURCE_ZH = {"detected": "检测所得", "none found": "未找到", "task.periods": "task.periods"}
_FREQ = "|".join(FREQ_ZH)  # "business daily" before "daily": the alternation takes the first that matches


def _freq_zh(f: str) -> str:
    """A frequency's name in Chinese: `every 5 minutes, 09:00-17:00 Mon-Fri` (a session, sessions.py) too."""
    f, hours = re.match(r"^(.*?)((?:, \d\d:\d\d-\d\d:\d\d)?(?: Mon-Fri)?(?:, \w+ holidays)?|(?:, (?:Sun-Thu|Sat-Wed))?(?:, \w+ holidays)?)$", f).groups()
    what = FREQ_ZH.get(f) or re.sub(r"^every (\d+) (years|days|hours|minutes)$",
                                    lambda e: f"每 {e[1]} {dict(years='年', days='天', hours='小时', minutes='分钟')[e[2]]}", f)
    return what + _week_zh(hours)


def _week_zh(text: str) -> str:
    """A working week as the frequency names it (Mon-Fri, Sun-Thu, Sat-Wed) in Chinese."""
    text = text.replace(" Mon-Fri", " 周一至周五").replace(", Sun-Thu", ", 周日至周四").replace(", Sat-Wed", ", 周六至周三")
    return re.sub(r", (\w+) holidays$", r", \1 假日休市", text)


def _choices(m: re.Match) -> str:
    """`; monthly, 3 missing rows put back; season 12, periods [12] (monthly)` in Chinese."""
    gaps = f", 补回了 {m['g']} 个缺失行" if m["g"] else ""
    periods = "无" if m["p"] == "none" else m["p"]
    src = SOURCE_ZH.get(m["src"]) or _freq_zh(m["src"])
    return f"; {_freq_zh(m['f'])}{gaps}; 季节 {m['s']}, 周期 [{periods}] ({src})"


RUN_MESSAGES: list[tuple[str, Union[str, Callable[[re.Match], str]]]] = [
    (r"^finished (?P<n>\d+) steps: ", r"完成 \g<n> 步: "),
    (r"; best (?P<m>\S+) (?P<v>\S+) at step (?P<s>\d+)", r"; 最佳 \g<m> \g<v> (第 \g<s> 步)"),
    (r" \(kept in checkpoints/best\)", " (保存在 checkpoints/best)"),
    (r"^checkpoint at step (?P<s>\d+) \(final\)$", r"第 \g<s> 步的检查点 (最终)"),
    (r"^checkpoint at step (?P<s>\d+) \(periodic\)$", r"第 \g<s> 步的检查点 (定期)"),
    (r"^checkpoint at step (?P<s>\d+) \(early stop\)$", r"第 \g<s> 步的检查点 (提前停止)"),
    (r"^checkpoint at step (?P<s>\d+) \(best\)$", r"第 \g<s> 步的检查点 (最佳)"),
    (r"^paused at step (?P<s>\d+)$", r"第 \g<s> 步时暂停"), (r"^resumed at step (?P<s>\d+)$", r"第 \g<s> 步时继续"),
    (r"^stopped at step (?P<s>\d+)$", r"第 \g<s> 步时停止"),
    (r"^stopped early at step (?P<s>\d+): (?P<m>\S+) did not improve for (?P<n>\d+) evaluations \(train\.patience\)",
     r"第 \g<s> 步时提前停止: \g<m> 连续 \g<n> 次评估没有改善 (train.patience)"),
    (r"^diverged at step (?P<s>\d+): loss is ", r"第 \g<s> 步时发散: 损失为 "),
    (r"^diverged at step (?P<s>\d+): gradient norm is ", r"第 \g<s> 步时发散: 梯度范数为 "),
    (r"; last good checkpoint: step (?P<s>\d+)", r"; 最后一个正常的检查点: 第 \g<s> 步"),
    (r" \(the best checkpoint \(step (?P<s>\d+)\)\)$", r" (最佳检查点, 第 \g<s> 步)"),  # runs before session 12
    (r" \(the best checkpoint, step (?P<s>\d+)\)$", r" (最佳检查点, 第 \g<s> 步)"),
    (r" \(the model at the end of training\)$", " (训练结束时的模型)"),
    (r"^output probe on request$", "应请求的输出探针"),
    (r"^no checkpoint to resume from: starting from step 0$", "没有可继续的检查点: 从第 0 步开始"),
    # started/resumed (rnnlab/train/session.py): `[from checkpoint at step N: ]CELL xL hH on TASK, N params, DEVICE`
    (r"^from checkpoint at step (?P<s>\d+): ", r"从第 \g<s> 步的检查点: "),
    (r"^(?P<m>(?:从第 \d+ 步的检查点: )?\w+ x\d+ h\d+) on ", r"\g<m>, 任务 "),
    (r", (?P<n>[\d,]+) params, ", r", \g<n> 个参数, "), (r" x (?P<n>\d+) processes$", r" x \g<n> 个进程"),
    # the task's own description in that line and `rnnlab show`'s (each task's describe(), rnnlab/tasks/*.py)
    (r"\badding: T=(?P<t>\d+), constant-1 baseline MSE ", r"adding: T=\g<t>, 常数 1 基线 MSE "),
    (r"\bcopy: delay T=(?P<d>\d+) \((?P<n>\d+) steps\), memoryless baseline (?P<v>\S+) nats",
     r"copy: 延迟 T=\g<d> (\g<n> 步), 无记忆基线 \g<v> nats"),
    (r"\btext: (?P<n>\S+) chars from (?P<f>\d+) files? \(", r"text: \g<n> 字符, 来自 \g<f> 个文件 ("),
    (r"\btext: (?P<n>\S+) chars in (?P<k>\d+) styles \(", r"text: \g<n> 字符, \g<k> 种风格 ("),
    (r"\), words, vocab (?P<v>\d+), ", r"), 词级, 词表 \g<v>, "), (r"\), vocab (?P<v>\d+), ", r"), 词表 \g<v>, "),
    (r"(?<=词表 )(?P<v>\d+), (?P<b>\w+) batching", r"\g<v>, \g<b> 分批"),
    (r"(?<=\btimeseries: )(?P<src>.+?) (?P<n>\d+) rows \((?P<m>\d+) filled\), train/val/test ",
     r"\g<src> \g<n> 行 (填补 \g<m> 个), 训练/验证/测试 "),
    (r"(?<=\btimeseries \(global\): )(?P<src>.+?) by (?P<id>\S+): (?P<k>\d+) series, (?P<n>\d+) rows, ",
     r"\g<src> 按 \g<id>: \g<k> 个序列, \g<n> 行, "),
    (r" \(\+(?P<k>\d+) rows? the differences start from\)", r" (另有差分起点 \g<k> 行)"),
    (r", window (?P<w>\d+) -> horizon (?P<h>\d+), (?P<f>\d+) features?", r", 窗口 \g<w> -> 预测步长 \g<h>, \g<f> 个特征"),
    (r", each series scaled by its own training split \(its mean and mean absolute step\)", ", 每个序列按自己的训练集缩放 (均值与平均绝对步长)"),
    (r", each series scaled by its own training split \((?P<s>\w+)\)", r", 每个序列按自己的训练集缩放 (\g<s>)"),
    (r"; (?P<k>\d+) series left out \(too short\)(?=$|; missing )", r"; 略去了 \g<k> 个序列 (太短)"),
    (r"; missing (?P<n>\d+) values \((?P<p>[^)]*)\) in (?P<k>\d+) of (?P<t>\d+) series(?: \((?P<b>\d+) missing rows? put back\))?, most in ",
     lambda m: f"; 缺失 {m['n']} 个值 ({m['p']}), 在 {m['k']} 个序列中 (共 {m['t']} 个)" + (f" (补回了 {m['b']} 个缺失行)" if m["b"] else "")
     + ", 最多的是 "),
    (r", covariates (?P<c>[^;]+?)(?=, \w+ head|;)", r", 协变量 \g<c>"), (r", (?P<h>\w+) head;", r", \g<h> 输出头;"),
    (rf"; (?P<f>(?:{_FREQ}|every \d+ \w+)(?:, \d\d:\d\d-\d\d:\d\d(?: Mon-Fri)?(?:, \w+ holidays)?|(?:, Sun-Thu|, Sat-Wed)?(?:, \w+ holidays)?))"
     r"(?:, (?P<g>\d+) missing rows put back)?; season (?P<s>\d+), periods \[(?P<p>[^\]]*)\] \((?P<src>[^)]*)\)", _choices),
    (rf"(?P<f>{_FREQ}), season (?P<s>\d+)(?=[;,]|$)",
     lambda m: f"{FREQ_ZH.get(m['f'], m['f'])}, 季节 {m['s']}"),
    (r"; seasonal difference (?P<p>\d+)", r"; 季节差分 \g<p>"), (r"(?<=[;,] )not differenced \(auto: ", "未差分 (auto: "),
    (r"(?<=[;,] )differenced(?= \(auto: |$|,)", "已差分"), (r"\(auto: non-stationary \(ADF", "(auto: 非平稳 (ADF"),
    (r"\(auto: non-stationary by KPSS, stationary by ADF \(ADF", "(auto: KPSS 判为非平稳, ADF 判为平稳 (ADF"),
    (r"\(auto: non-stationary by ADF, stationary by KPSS \(ADF", "(auto: ADF 判为非平稳, KPSS 判为平稳 (ADF"),
    (r"\(auto: too short to test \(ADF", "(auto: 太短, 无法检验 (ADF"),
    (r"\(auto: stationary \(ADF", "(auto: 平稳 (ADF"), (r"(?<=\)), (?P<c>[A-Z]{2,3}) holidays(?=, |$)", r", \g<c> 假日"),
    # the forecasting verdicts `train` prints as `note:`/`fusion:` lines (rnnlab/tasks/timeseries/verdict.py,
    # fusion.py, panel.py build them in English below the interface; --json keeps them so)
    (r"^the model is worse than ", "模型不如 "), (r"^the fused forecast is worse than ", "融合预测不如 "),
    (r"(?P<who>[\w-]+) on (?P<split>validation|test) \(MASE (?P<a>\S+) vs (?P<b>[^,)]+)(?:, and (?P<n>\d+) others?)?\)", _worse),
    (r"; than (?=验证集|测试集)", "; 也不如 "),
    (r"^not enough history to calibrate (?P<lv>\S+): (?P<n>\d+) origins? \(needs (?P<m>\d+)\); (?:that|its) band is the "
     r"normal fallback ±z·σ of seasonal-naive's errors on the training split(?P<wider>, or the calibrated band below it × the z ratio if wider)?$",
     lambda m: (f"历史不足以校准 {m['lv']}: {m['n']} 个起点 (需要 {m['m']} 个); 该区间退回正态近似 ±z·σ (季节朴素在训练集上的误差)"
                + ("; 若其下已校准区间乘以 z 比值更宽, 则取后者" if m["wider"] else ""))),
    (r"^(?P<lv>\S+) is not calibrated: it needs (?P<m>\d+) errors, and the bands keep each step's latest (?P<w>\d+) "
     r"\((?P<p>\d+) pooled over the (?P<h>\d+) steps?\); its band is the normal fallback ±z·σ of seasonal-naive's errors "
     r"on the training split, or the calibrated band below it × the z ratio if wider$",
     lambda m: (f"{m['lv']} 未校准: 需要 {m['m']} 个误差, 而每步只保留最近 {m['w']} 个 ({m['h']} 步合计 {m['p']} 个); "
                "该区间退回正态近似 ±z·σ (季节朴素在训练集上的误差); 若其下已校准区间乘以 z 比值更宽, 则取后者")),
    (r"^test MASE: fused ", "测试集 MASE: 融合 "),
    (r"^the recurrent model and the fused forecast need the covariates' next (?P<n>\d+) values \(--covariates FILE\.csv\); "
     r"the classical members read the series alone$",
     lambda m: f"循环模型和融合预测需要协变量接下来的 {m['n']} 个值 (--covariates FILE.csv); 经典成员只读序列本身"),
    (r"^the (?P<who>model's|fused forecast's) (?P<lv>\S+) band covered (?P<c>\S+) of the test values over (?P<n>\d+) origins: "
     r"(?P<w>too narrow|too wide)$",
     lambda m: (f"{'模型' if m['who'] == 'model' + chr(39) + 's' else '融合预测'}的 {m['lv']} 区间在 "
                f"{m['n']} 个测试起点上覆盖了 {m['c']} 的测试值: {'太窄' if m['w'] == 'too narrow' else '太宽'}")),
    (r"^(?P<p>\S+)% of the test values are 0: MAPE leaves them out and sMAPE scores every forecast off 0 as 200 %; "
     r"compare forecasters by MASE here$",
     r"测试值中 \g<p>% 为 0: MAPE 略去它们, sMAPE 把每个不为 0 的预测都记为 200 %; 这里请用 MASE 比较预测器"),
    (r"^the training loss fell to (?P<a>\S+) against (?P<b>\S+) on validation: the network memorised its training windows "
     r"\(the checkpoint kept is the one validation scored best\)$",
     r"训练损失降到 \g<a>, 验证集上却是 \g<b>: 网络死记住了训练窗口 (保留的检查点是验证集上最好的那个)"),
    (r"^the fused weights were chosen on (?P<n>\d+) validation origins?: a close call; `rnnlab forecast RUN` scores every "
     r"member on the test split, and `forecast RUN --future N --model NAME` takes one$",
     r"融合权重只由 \g<n> 个验证起点选定, 难分高下; `rnnlab forecast RUN` 在测试集上给每个成员打分, "
     r"`forecast RUN --future N --model NAME` 可只取其一"),
    (r"\bchosen on (?P<n>\d+) validation origins?\b", r"由 \g<n> 个验证起点选定"),
    (r"^left out (?P<n>\d+) series too short for window (?P<w>\d+) \+ horizon (?P<h>\d+) in train and a horizon in val "
     r"and test, or with under half their rows observed: ", r"略去了 \g<n> 个太短的序列 (训练集需要窗口 \g<w> + 预测步长 \g<h>, 验证集和测试集各需一个预测步长), "
     r"或观测到的行不足一半的序列: "),
    (r" \((?P<n>\d+) rows\)", r" (\g<n> 行)"), (r" \((?P<n>\d+) rows, (?P<o>\d+) observed\)", r" (\g<n> 行, 观测到 \g<o> 个)"), (r" and (?P<n>\d+) more$", r" 等另外 \g<n> 个"),
    # the sweep controller's progress lines (rnnlab/sweeps/controller.py) as `rnnlab sweep SPEC|join`
    # prints them in the foreground (its log file keeps them English)
    (r"^trial (?P<n>\d+): run (?P<r>\S+) launched \(its controller died first\)$", r"试验 \g<n>: 运行 \g<r> 已启动 (它的控制进程先退出了)"),
    (r"^trial (?P<n>\d+): run (?P<r>\S+) resumed from its checkpoint$", r"试验 \g<n>: 运行 \g<r> 从检查点继续"),
    (r"^trial (?P<n>\d+): adopted run (?P<r>\S+) \((?P<s>\w+)\)$", r"试验 \g<n>: 接管运行 \g<r> (\g<s>)"),
    (r"^trial (?P<n>\d+): pruning run (?P<r>\S+) \((?P<m>\S+) (?P<v>\S+) at step (?P<s>\d+)\)$",
     r"试验 \g<n>: 剪枝运行 \g<r> (第 \g<s> 步 \g<m> \g<v>)"),
    (r"^trial (?P<n>\d+): run (?P<r>\S+) \(pid ", r"试验 \g<n>: 运行 \g<r> (pid "),
    (r"^trial (?P<n>\d+): complete\b", r"试验 \g<n>: 已完成"), (r"^trial (?P<n>\d+): pruned\b", r"试验 \g<n>: 已剪枝"),
    (r"^trial (?P<n>\d+): fail\b", r"试验 \g<n>: 失败"), (r" \(run (?P<r>\S+) stopped by hand\)$", r" (运行 \g<r> 被手动停止)"),
    (r"^sweep (?P<s>\S+): this host is done \((?P<n>\d+) trial numbers in the study\)$",
     r"搜索 \g<s>: 本机的工作已完成 (研究中共有 \g<n> 个试验编号)"),
    (r"^sweep (?P<s>\S+): stopped \((?P<n>\d+) trials checkpointed\)$", r"搜索 \g<s>: 已停止 (\g<n> 个试验已保存检查点)"),
    (r"^error: ", "错误: "),
    (r"^sweep (?P<s>\S+) already has a controller on this host(?: \(pid (?P<p>\d+)\))?$",
     lambda m: f"搜索 {m['s']} 在本机已有控制进程" + (f" (pid {m['p']})" if m["p"] else "")),
]

