"""The lab's interface strings in Chinese under `RNNLAB_LANG=zh`; English stays the default.

`t(s)` returns the translation of the English string `s`, or `s` itself when there is none, so a
string not yet translated still reads (in English) and a key can be translated later without
touching the screen that shows it; `tf(s, **values)` translates a sentence with `{names}` whole
and fills them in after (word order differs), `pad` aligns by terminal cells. The language is
read from the environment on every call, so `switch()` (the lab's `f2`, rnnlab/tui/language.py)
changes it for everything drawn afterwards. Lesson texts carry their own languages
(rnnlab/lessons/catalog.py), and the checks' words theirs (rnnlab/lessons/checks.py WORDS); this
table is for the words around them. Metric names, config keys, cells and commands stay as typed.
"""

from __future__ import annotations

import os


def lang() -> str:
    """`zh` or `en`: $RNNLAB_LANG, read as rnnlab/lessons/catalog.py reads it."""
    v = os.environ.get("RNNLAB_LANG", "en").strip().lower()
    return "zh" if v.startswith("zh") else "en"


def t(text: str) -> str:
    """`text` in the interface language (itself where no translation exists)."""
    if lang() != "zh" or not text:
        return text
    return ZH.get(text, text)


def tf(text: str, /, **values: object) -> str:
    """`t(text).format(**values)`: a sentence with numbers or names in it, translated whole
    (word order differs between the languages), its `{names}` filled in after."""
    return t(text).format(**values)


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal cells (a CJK character takes two: `str.ljust`
    would pad Chinese labels past their column)."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def rpad(text: str, width: int) -> str:
    """`text` right-aligned in `width` terminal cells (a table's header over right-aligned numbers)."""
    from rich.cells import cell_len

    return " " * max(0, width - cell_len(text)) + text


def substitute(text: str, patterns) -> str:
    """`text` with each (pattern, replacement) applied in order under zh, as it is in English: how
    the English messages built below the interface are translated at its edge (run_message here,
    i18n_errors.translate); values matched by a pattern are kept as typed."""
    import re

    if lang() != "zh" or not text:
        return text
    for pattern, repl in patterns:
        text = re.sub(pattern, repl, text)
    return text


def run_message(text: str) -> str:
    """A message a worker stored in English (a run's status message, an event's), as `rnnlab show`
    and `rnnlab train` print it: under zh each known phrase in Chinese (i18n_cli.RUN_MESSAGES),
    values as stored; a message no pattern knows stays English."""
    return substitute(text, RUN_MESSAGES)


def switch() -> str:
    """Flip the interface language (EN <-> 中文) for this process and the workers it starts,
    which inherit the environment; returns the new one. The lab's `f2` calls it and then
    redraws what is on screen (LabApp.action_toggle_language)."""
    new = "en" if lang() == "zh" else "zh"
    os.environ["RNNLAB_LANG"] = new
    return new


def install_footer_translation() -> None:
    """Footers say their keys' descriptions in the interface language: every Textual FooterKey
    is built with `t(description)` (the bindings stay English in the code and in f1's help).
    Textual internals: FooterKey's constructor (textual 8; pyproject bounds textual < 9)."""
    from textual.widgets._footer import FooterKey

    if getattr(FooterKey, "_rnnlab_translated", False):
        return
    original = FooterKey.__init__

    def __init__(self, key, key_display, description, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, key, key_display, t(description), *args, **kwargs)

    FooterKey.__init__ = __init__  # type: ignore[method-assign]
    FooterKey._rnnlab_translated = True  # type: ignore[attr-defined]


ZH: dict[str, str] = {
    # keys added by the research views and the course (issues 18, 19)
    "Groups": "分组", "Lesson text": "课程文本", "Quick/full": "快速/完整", "View": "视图",
    # footer keys (binding descriptions)
    "Align": "对齐", "Attention": "注意力", "Back": "返回", "Browse file": "选择文件", "Cancel": "取消",
    "Checkpoint": "检查点", "Close": "关闭", "Compare": "比较", "Delete": "删除", "Every key": "全部按键",
    "Explain": "说明", "Filter": "筛选", "Generate": "生成", "Help": "帮助", "Launch": "启动", "Layer": "层",
    "Lessons": "课程", "Log-y": "对数 y", "Longest memory": "最长记忆", "Mark": "标记", "Metric": "指标",
    "New": "新建", "No": "否", "Note": "备注", "Open": "打开", "Open run": "打开运行", "Open trial": "打开试验",
    "Pause": "暂停", "Playground": "采样试验", "Quit": "退出", "Recompute": "重新计算",
    "Reload checkpoint": "重载检查点", "Resume": "继续", "Run lesson": "运行课程", "Runs": "运行列表",
    "Sample": "采样", "Sort": "排序", "State": "状态", "Stop": "停止", "Tags": "标签", "Text ↓": "正文 ↓",
    "Unit +1": "单元 +1", "Unit -1": "单元 -1", "Use folder": "使用文件夹", "Up a folder": "上一级文件夹", "X-axis": "x 轴", "Yes": "是",
    "t+1": "t+1", "t-1": "t-1",
    "… +{n} more": "… 另有 {n} 个",  # x_t's inputs past the four the anatomy probe keeps
    # panel titles and their `?` lines
    "loss": "损失", "task metric vs baseline": "任务指标与基线", "gradient norm (before clipping)": "梯度范数 (裁剪前)",
    "gradient flow ‖∂L_T/∂x_t‖ vs distance from T": "梯度流 ‖∂L_T/∂x_t‖ 与到 T 的距离",
    "gradient flow ‖∂L_T/∂x_t‖": "梯度流 ‖∂L_T/∂x_t‖", "gate saturation": "门饱和度",
    "output": "输出", "events": "事件",
    "training loss per step (cross-entropy in nats for text and copy, bpc = nats/ln 2; MSE for adding and time "
    "series), EMA-smoothed, and val loss. Healthy: both fall and val stays close to train; val rising while train "
    "falls is overfitting.":
        "每步的训练损失 (文本与复制任务为交叉熵, 单位 nats, bpc = nats/ln 2; 加法与时间序列为 MSE), 经 EMA 平滑, "
        "以及验证损失。健康: 两者都下降, 验证损失贴近训练损失; 训练损失下降而验证损失上升即过拟合。",
    "the task's primary validation metric beside the baselines a model has to beat (the red lines). Healthy: below "
    "every baseline and still falling; at a baseline the model learned nothing the baseline does not know.":
        "任务的主要验证指标, 旁边是模型必须胜过的基线 (红线)。健康: 低于所有基线且仍在下降; 停在基线上说明模型没学到基线之外的东西。",
    "‖g‖, the norm of the whole gradient before clipping, with the clip threshold (red) and per-layer norms. "
    "Healthy: steady near or below the threshold; spikes far above it mean exploding gradients, clipping on most "
    "steps means the lr is too high.":
        "‖g‖: 裁剪前整个梯度的范数, 以及裁剪阈值 (红线) 和各层的范数。健康: 平稳地在阈值附近或以下; 远超阈值的尖峰意味着梯度爆炸, "
        "大多数步都被裁剪说明学习率过高。",
    "‖∂L_T/∂x_t‖: how strongly the loss at the last step T still depends on the input T-t steps back (log scale; "
    "heatmap rows = probes over training). Healthy: a gentle decline, far/near above 1e-2; a steep fall is "
    "vanishing gradients (no long memory), a rise exploding.":
        "‖∂L_T/∂x_t‖: 最后一步 T 的损失对 T-t 步之前的输入还有多大依赖 (对数刻度; 热图每行是训练中的一次探针)。"
        "健康: 缓慢下降, 远/近之比高于 1e-2; 陡降是梯度消失 (没有长程记忆), 上升则是梯度爆炸。",
    "share of each gate's activations saturated (sigmoid gates: below 0.1 or above 0.9; the tanh candidate: |·| "
    "above 0.9) and mean ‖h_t‖. Healthy: mostly unsaturated; a forget gate saturated open (near 1) is how an LSTM "
    "keeps long memory.":
        "各个门的激活值中饱和的比例 (sigmoid 门: 低于 0.1 或高于 0.9; tanh 候选值: |·| 高于 0.9) 以及平均 ‖h_t‖。"
        "健康: 大多不饱和; 遗忘门饱和在打开 (接近 1) 正是 LSTM 保持长程记忆的方式。",
    "what the model produces now: samples (text), predictions vs targets, or a forecast of the validation split "
    "against the actual series: the recurrent model's own forecast (rnn forecast) and its conformal band (rnn 80% "
    "band, calibrated on its validation errors), the classical members (ets, theta, arima, mstl), the fused forecast "
    "that joins them (the weights under the chart; what `forecast --future` uses by default) and the naive and "
    "seasonal-naive baselines; beside it, the latest backtest. Healthy forecast residuals look like noise "
    "(Ljung-Box p > 0.05).":
        "模型当前的输出: 采样文本, 预测值与目标值, 或对验证集的预测与真实序列的对照: 循环模型自己的预测 (rnn 预测) 及其共形区间 "
        "(rnn 80% 区间, 用它在验证集上的误差校准), 经典成员 (ets, theta, arima, mstl), 把它们结合起来的融合预测 (权重在图下方; "
        "`forecast --future` 默认使用它), 以及朴素和季节朴素基线; 旁边是最近一次回测。健康的预测残差看起来像噪声 (Ljung-Box p > 0.05)。",
    "the run's log, newest last: evals, checkpoints, commands sent, and warnings (gradient spikes, divergence) with "
    "the step they happened at. A finished forecasting run ends it with what `rnnlab show` says of it: the members' "
    "and the fused forecast's test MASE, and where the model loses (worse than a baseline or a classical member).":
        "运行日志, 最新的在最后: 评估、检查点、发送的命令, 以及警告 (梯度尖峰、发散) 和它们发生的步数。"
        "已结束的预测运行在最后附上 `rnnlab show` 给出的结论: 各成员和融合预测的测试 MASE, 以及模型输在哪里 (不如某个基线或经典成员)。",
    # the `?` screen
    "? {screen}  (esc closes · f1: every key of every screen)": "? {screen}  (esc 关闭 · f1: 所有界面的全部按键)",
    "focused: ": "焦点: ", "keys": "按键",
    "no panel is focused (tab focuses one); the panels:": "没有面板获得焦点 (按 tab 选中一个); 各面板:",
    "runs": "运行列表", "run dashboard": "运行仪表盘", "sampling playground": "采样试验台", "neurons": "神经元",
    "cell anatomy": "细胞解剖", "lessons": "课程", "compare": "比较", "new experiment": "新实验", "sweep": "超参数搜索",
    "system": "系统",
    "Every run in the runs root, newest first: its status, its primary metric, step and speed. Runs are background "
    "processes; this screen only reads their stores, so closing the lab stops nothing. Open one (enter) for its live "
    "dashboard, mark several (space) and compare them (c), or start one (n).":
        "运行目录中的每个运行, 最新的在前: 状态、主要指标、步数和速度。运行是后台进程; 本界面只读取它们的存储, 关闭实验室不会停止任何运行。"
        "按 enter 打开实时仪表盘, 按 space 标记多个并按 c 比较, 按 n 新建。",
    "One run, live: each panel reads the run's store as the worker writes it. tab (or [ and ] at small sizes) moves "
    "between the panels; ? on a focused panel explains it in a line at its top.":
        "一个运行的实时视图: 每个面板在训练进程写入时读取运行的存储。tab (小尺寸时用 [ 和 ]) 在面板间移动; 在获得焦点的面板上按 ? "
        "会在其顶部用一行解释它。",
    "The course, one lesson per chapter of the RNN document: its text, the runs it trains and what they should show. "
    "r launches the lesson's runs and opens them side by side.":
        "课程, RNN 文档的每一章对应一课: 课文、它训练的运行以及这些运行应当显示的结果。按 r 启动本课的运行并并排打开。",
    "the units": "单元", "the text": "文本", "the span": "区间", "the threshold": "阈值", "the prompt": "提示",
    "the table": "表格", "the runs table": "运行表格",
}

# the rest of the interface (issue 19 item 4): statuses, the run header, compare, anatomy, the
# New experiment form; `{names}` are filled in after translation (tf)
ZH.update({
    # run statuses as the header and compare's table say them (the store and --json keep the words)
    "queued": "排队中", "running": "运行中", "paused": "已暂停", "finished": "已完成", "stopped": "已停止",
    "pruned": "已剪枝", "failed": "失败", "diverged": "已发散", "crashed": "已崩溃", "corrupt": "已损坏", "busy": "被锁定",
    # the Runs screen: its title, columns (status, metric, step, cell, task, name as compare's), hints
    "runs in {root}": "运行目录 {root}", "  {shown} of {total} match ": "  {total} 个中 {shown} 个匹配 ",
    "  sorted by {label} {arrow}": "  按{label}排序 {arrow}", "newest": "最新", "id": "编号", "tags": "标签",
    "reading runs…": "正在读取运行…", "no run matches the filter (esc clears it)": "没有匹配筛选的运行 (esc 清除筛选)",
    "no runs yet: press n for a new experiment": "还没有运行: 按 n 新建实验", "note: ": "备注: ",
    # the dashboard's tabs (80x24) and its run header
    "Loss": "损失", "Grads": "梯度", "Flow": "梯度流", "Gates": "门控", "Output": "输出", "Events": "事件",
    "reading run…": "正在读取运行…", "step {step}/{total}": "步数 {step}/{total}", "ETA {eta}": "剩余 {eta}",
    "worker": "进程", "reader": "读取器",
    # the panels' own titles (rnnlab/tui/widgets/panels.py, outputpanel.py)
    "val": "验证", "train": "训练", "{metric} vs baseline": "{metric} 与基线", "samples": "采样",
    "forecast vs actual{where} @ {step}": "预测与实际{where} @ {step}", "predictions @ {step}": "预测 @ {step}",
    # compare: the table's columns, the panel's subtitle, the legend, the x-axis, notifications
    "run": "运行", "status": "状态", "metric": "指标", "last metric": "最新指标", "best": "最佳", "step": "步数", "params": "参数量",
    "baseline": "基线", "cell": "单元", "val_loss": "验证损失",
    "in the table": "都在表中", "{k} in the table; all: rnnlab diff": "表中 {k} 个; 全部: rnnlab diff",
    "config differs in {n} of {m} keys ({cols})": "配置在 {m} 个键中有 {n} 个不同 ({cols})",
    "config: the same ({same} keys)": "配置: 相同 ({same} 个键)",
    "{run} ({metric}: no points)": "{run} ({metric}: 无数据点)", "{run} (no {align} yet)": "{run} (尚无{align})",
    "{run} ({metric}: too few points)": "{run} ({metric}: 数据点太少)",
    "{run}: mean of {n} seeds, ·· min–max": "{run}: {n} 个种子的均值, ·· 最小–最大",
    "best {metric}": "最佳 {metric}", "val metric": "验证指标", " from {align}": " (从{align}起)",
    "minutes": "分钟", "tokens seen": "已见 token 数", "x-axis: {axis}": "x 轴: {axis}",
    "aligned at each run's {align}": "按每个运行的{align}对齐", "not aligned": "不对齐",
    "no seed groups among these runs (rnnlab train --seeds N makes one)":
        "这些运行中没有种子组 (rnnlab train --seeds N 会生成一个)",
    "seed groups: mean with a min–max band": "种子组: 均值与最小–最大区间", "seed groups: run by run": "种子组: 逐个运行",
    # cell anatomy
    "Cell anatomy — {run}": "细胞解剖 — {run}", "Cell anatomy · {name}": "细胞解剖 · {name}",
    " · layer {layer}/{layers} · unit {unit}/{units} · step {step} · ":
        " · 第 {layer}/{layers} 层 · 单元 {unit}/{units} · 训练步 {step} · ",
    "seq 1 t={t}/{T}": "序列 1 t={t}/{T}", "vanilla RNN (tanh)": "普通 RNN (tanh)", "vanilla RNN (ReLU)": "普通 RNN (ReLU)",
    "x: the layer's input at step t · h₋₁, c₋₁: its state after t-1 · W, U, b: the gate's rows of W_ih, W_hh, b_ih + b_hh":
        "x: 该层在第 t 步的输入 · h₋₁, c₋₁: 第 t-1 步之后的状态 · W, U, b: 该门在 W_ih, W_hh, b_ih + b_hh 中的行",
    "units {start}-{end} of {n}, unit {j} marked": "单元 {start}-{end} (共 {n} 个), 标记的是单元 {j}",
    "no cell anatomy for cell {cell!r}": "单元类型 {cell!r} 没有细胞解剖",
    "The Transformer has no recurrent cell to take apart; open an LSTM, GRU or RNN run.":
        "Transformer 没有可拆解的循环单元; 请打开一个 LSTM、GRU 或 RNN 运行。",
    "This run records no cell snapshots (probes.gates_every = 0).": "该运行不记录细胞快照 (probes.gates_every = 0)。",
    "No snapshot yet: the worker records one every {every} steps (probes.gates_every), at the first step too.":
        "还没有快照: 训练进程每 {every} 步记录一次 (probes.gates_every), 第一步也会记录。",
    "{text!r} (token {x})": "{text!r} (token {x})", "token {x}": "token {x}",
    "this snapshot keeps only the last step (recorded before stepping through t was added)":
        "这个快照只保存了最后一步 (记录于支持逐步查看 t 之前)",
    "the probe keeps the steps of the first {n} units; unit {unit} only at T":
        "探针只保存前 {n} 个单元的各步; 单元 {unit} 只有第 T 步",
    # the New experiment form: labels, placeholders, check boxes, buttons, status and errors
    "attention": "注意力", "layers": "层数", "hidden size": "隐藏层大小", "task": "任务", "corpus / CSV": "语料 / CSV",
    "value column": "数值列", "time column": "时间列", "T / seq_len": "T / 序列长度", "window": "窗口", "horizon": "预测步长",
    "optimizer": "优化器", "learning rate": "学习率", "schedule": "学习率调度", "clip norm (0 off)": "裁剪范数 (0 关闭)",
    "steps": "步数", "batch size": "批大小", "device": "设备", "run name": "运行名称", "preset": "预设",
    "race": "竞赛", "match": "匹配", "sweep": "超参数搜索", "name": "名称", "seq_len": "序列长度", "hidden": "隐藏层",
    "sweep trials": "搜索试验数", "in parallel": "并行数", "sampler": "采样器", "pruner": "剪枝器",
    "optional, e.g. lstm-adding-1": "可选, 例如 lstm-adding-1", "causal attention over past states": "对过去状态的因果注意力",
    "builtin default": "内置默认", "Browse": "浏览", "the only numeric column": "唯一的数值列",
    "none (dates, years or steps)": "无 (日期、年份或步数)", "from the data": "由数据决定",
    "covariates": "协变量", "other CSV columns, e.g. temp, price": "CSV 中的其他列, 如 temp, price",
    "future covariates": "未来协变量", "columns known ahead, e.g. promo, price": "预先已知的列, 如 promo, price",
    "race: one run per cell below": "竞赛: 下面每种单元一个运行", "race cells": "竞赛单元",
    "waiting for the first output probe": "等待第一次输出探针",
    "this run recorded no output probe (probes.output_every is 0 or above its steps)":
        "此运行没有记录输出探针 (probes.output_every 为 0 或大于其步数)", "seeds": "种子数",
    ", a seed group of {n} (seeds {a}..{b})": ", {n} 个种子的一组 (种子 {a}..{b})", "sweep cells": "搜索单元",
    "match parameter counts (vary hidden size)": "匹配参数量 (调整隐藏层大小)",
    "sweep: LOW..HIGH [log] or A, B, C": "搜索: LOW..HIGH [log] 或 A, B, C",
    "Launch (ctrl+l)": "启动 (ctrl+l)", "Cancel (esc)": "取消 (esc)", "Corpus file or folder, or CSV": "语料文件或文件夹, 或 CSV",
    "fix the flagged field first": "请先修正标出的字段", "a race needs at least two cells": "竞赛至少需要两种单元",
    "{n} parameters": "{n} 个参数", "≈{n} parameters (reading the data for the exact count)": "≈{n} 个参数 (正在读取数据以得到精确数目)",
    "✓ {cell} on {task}, {size}, {steps} steps": "✓ {cell} 做 {task}, {size}, {steps} 步",
    "✓ sweep of {n} trials over {keys}, {direction} {metric}": "✓ 搜索 {n} 次试验, 范围 {keys}, {direction} {metric}",
    "minimize": "最小化", "maximize": "最大化", "launch failed: {error}": "启动失败: {error}",
    "{field}: a value is required": "{field}: 必须填写", "{field}: {text!r} is not a number": "{field}: {text!r} 不是数字",
    "{field}: {text!r} is not a whole number": "{field}: {text!r} 不是整数",
    "{field}: {text!r} is not a whole number of at least 1": "{field}: {text!r} 不是不小于 1 的整数",
    "{field}: {text!r} is neither LOW..HIGH [log] nor A, B, C of numbers":
        "{field}: {text!r} 既不是 LOW..HIGH [log] 也不是数字列表 A, B, C",
    "{field}: {text!r} is neither LOW..HIGH [log] nor A, B, C of whole numbers":
        "{field}: {text!r} 既不是 LOW..HIGH [log] 也不是整数列表 A, B, C",
    "sweep: write a field as LOW..HIGH (add `log` for a log scale) or A, B, C, or check two cells":
        "搜索: 把某个字段写成 LOW..HIGH (加 `log` 表示对数刻度) 或 A, B, C, 或勾选两种单元",
    # the language switch
    "EN/中文": "EN/中文", "palette": "命令面板", "Language": "语言", "interface language: English": "界面语言: 英文",
    "interface language: 中文": "界面语言: 中文",
})

# the words on plots (legends, x-axis labels, empty messages: rnnlab/tui/widgets/plot.py translates
# them at draw time), panel subtitles, border titles and notifications (issue 19 item 4, the rest)
ZH.update({
    "waiting for data": "等待数据", "step {step}": "第 {step} 步", "waiting for gradient-flow probe": "等待梯度流探针",
    "history": "历史", "{level}% {edge}": "{level}% {edge}", "rnn {level}% band": "rnn {level}% 区间", "rnn forecast": "rnn 预测", "lower": "下界", "upper": "上界", "actual": "实际",
    "forecast": "预测", "naive": "朴素", "s-naive": "季节朴素", "fused": "融合", "date": "日期", "model": "模型",
    "model RMSE": "模型 RMSE", "trial": "试验", "trial number": "试验编号", "no complete trial yet": "还没有完成的试验",
    "best so far": "目前最佳", "complete": "已完成", "pruned (last value)": "已剪枝 (最后的值)", "pruned here": "在此剪枝",
    "no intermediate values yet": "还没有中间值", "step (intermediate values)": "步数 (中间值)",
    # the dashboard panels' subtitles and notes
    "train {train}  val {val}": "训练 {train}  验证 {val}", "‖g‖ {g}  clip {clip}": "‖g‖ {g}  裁剪 {clip}", "off": "关闭",
    "  clipped {share} (last 200)": "  已裁剪 {share} (最近 200 步)", "  clipped {share}": "  已裁剪 {share}",
    "per-layer norms: waiting for probe": "各层范数: 等待探针",
    "layer @{step}": "层 @{step}",
    "‖far‖/‖near‖ = {ratio} ({verdict})": "‖远‖/‖近‖ = {ratio} ({verdict})",
    "‖far‖/‖near‖ {ratio} ({verdict})": "‖远‖/‖近‖ {ratio} ({verdict})", "{ratio} ({verdict})": "{ratio} ({verdict})",
    "vanishing": "梯度消失", "exploding": "梯度爆炸", "steady": "平稳",
    "rows: probes {first}→{last} (newest last); left = t=T": "每行一次探针 {first}→{last} (最新的在最后); 左端 = t=T",
    "waiting for the gates probe": "等待门控探针", "{cell} has no gates": "{cell} 没有门", "this cell": "这种单元",
    "mean": "均值", "saturated": "饱和", "{gate} (tanh): >0.9 means |·|>0.9": "{gate} (tanh): >0.9 指 |·|>0.9",
    "mean ‖h_t‖ (first → last t)": "平均 ‖h_t‖ (第一个 → 最后一个 t)", "  layer {i}: {first} → {last}": "  第 {i} 层: {first} → {last}",
    "no rows": "没有行", "residuals look white": "残差看起来像白噪声", "too few residuals to judge ({n})": "残差太少, 无法判断 ({n} 个)",
    "{step}, the best checkpoint": "{step} (最佳检查点)", "residuals autocorrelated": "残差存在自相关",
    "residual ACF": "残差 ACF", "backtest {n} origins, mean RMSE: {rmse}": "回测 {n} 个起点, 平均 RMSE: {rmse}",
    "  80% cover {share}": "  80% 覆盖率 {share}", "  {who} 80% cover {share}": "  {who} 80% 覆盖率 {share}",
    # border titles
    "devices": "设备", "live runs on this host": "本机上的活动运行", "units": "单元", "keys  (esc closes)": "按键  (esc 关闭)",
    "next token": "下一个 token", "next-token probabilities appear here after a generate": "生成之后, 这里显示下一个 token 的概率",
    "importance": "重要性", "history: trials, best so far": "历史: 各次试验与目前最佳",
    # notifications and prompts
    "mark runs with space, then press c": "用 space 标记运行, 然后按 c",
    "compare shows at most {n} runs: the newest {n} of the {marked} marked": "比较最多显示 {n} 个运行: 已标记的 {marked} 个中最新的 {n} 个",
    "{run} is not running": "{run} 没有在运行", "stop the run before deleting it": "删除之前请先停止该运行",
    "this cell has only its hidden state h (no gates)": "这种单元只有隐藏状态 h (没有门)",
    "a transformer has no recurrent units": "Transformer 没有循环单元", "this run has one recurrent layer": "这个运行只有一个循环层",
    "this run has no attention (model.attention = false)": "这个运行没有注意力 (model.attention = false)",
    "x axis: {axis}": "x 轴: {axis}", "wall time": "墙钟时间", "not read yet": "尚未读取",
    "the run is {status}: there is no worker to {command}": "运行状态为{status}: 没有训练进程可以执行 {command}",
    "sampling from the kept checkpoint…": "正在从保留的检查点采样…", "the sampling playground is for text runs": "采样试验台只用于文本运行",
    "the Neurons screen is for text and time-series runs": "神经元界面只用于文本和时间序列运行",
    "will reload the best checkpoint on the next generate": "下次生成时将重新载入最佳检查点",
    "trial {n} has no run in this runs dir (another host runs it)": "试验 {n} 在这个运行目录中没有运行 (由另一台主机运行)",
    "enter saves · esc cancels": "enter 保存 · esc 取消", "{error} · esc cancels": "{error} · esc 取消",
    # the facts beside the metric panel (rnnlab/tui/widgets/panels.py FACTS)
    "bpc = nats/ln2; LSTM ≈1.38 bpc on PTB-char; nanoGPT char-Transformer ≈2.12 bpc":
        "bpc = nats/ln2; LSTM 在 PTB-char 上 ≈1.38 bpc; nanoGPT 字符级 Transformer ≈2.12 bpc",
    "constant-1 predictor MSE = 1/6 ≈ 0.167 (Arjovsky et al. 2016)": "常数 1 预测器的 MSE = 1/6 ≈ 0.167 (Arjovsky 等, 2016)",
    "memoryless baseline CE = 10·ln8/(T+20) nats": "无记忆基线的交叉熵 = 10·ln8/(T+20) nats",
    "a forecast means something only beside naive and seasonal-naive": "预测只有与朴素和季节朴素基线并列时才有意义",
    # labels, placeholders and buttons of the smaller screens
    "filter: ": "筛选: ",
    "words, or name: cell: task: status: tag: sweep: (e.g. status:running cell:lstm foo); -word excludes; "
    "lr>1e-3 val_bpc<2 optimizer:adam compare metrics and config keys":
        "词语, 或 name: cell: task: status: tag: sweep: (例如 status:running cell:lstm foo); -词语 表示排除; "
        "lr>1e-3 val_bpc<2 optimizer:adam 比较指标和配置键",
    "text": "文本", "span": "区间", "threshold": "阈值", "auto": "自动",
    "empty: the start of the validation text (\\n for a newline)": "留空: 验证文本的开头 (\\n 表示换行)",
    "Yes (y)": "是 (y)", "No (n)": "否 (n)", "prompt": "提示", "style": "风格",
    "Hyperparameter columns of the runs table (space ticks, enter applies, esc cancels)":
        "运行表格的超参数列 (space 勾选, enter 应用, esc 取消)",
    # the System screen (its columns as rnnlab/runs/system.py names them)
    "load": "负载", "{cores} cores{load}  ·  {n} live run{s} here": "{cores} 核{load}  ·  本机 {n} 个活动运行",
    "sampling…": "正在采样…", "psutil is not installed: no system figures": "未安装 psutil: 没有系统数据",
    "util": "利用率", "memory": "内存", "temp": "温度", "power": "功率", "CPU": "CPU", "RSS": "RSS", "GPU memory": "GPU 显存",
})

# the CLI's lines (`rnnlab runs`, `show`, `train`, ...): their own room beside this one
from rnnlab.tui.i18n_cli import RUN_MESSAGES, ZH_CLI  # noqa: E402

assert not {k for k in ZH_CLI if ZH.get(k, ZH_CLI[k]) != ZH_CLI[k]}, "one translation per English string"
ZH.update(ZH_CLI)
