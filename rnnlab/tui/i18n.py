"""The lab's interface strings in Chinese under `RNNLAB_LANG=zh`; English stays the default.

`t(s)` returns the translation of the English string `s`, or `s` itself when there is none, so a
string not yet translated still reads (in English) and a key can be translated later without
touching the screen that shows it. The language is read from the environment on every call (a
test or a switch in the lab can change it). Lesson texts carry their own languages
(rnnlab/lessons/catalog.py); this table is for the words around them.
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
    "Unit +1": "单元 +1", "Unit -1": "单元 -1", "Use folder": "使用文件夹", "X-axis": "x 轴", "Yes": "是",
    "t+1": "t+1", "t-1": "t-1",
    # panel titles and their `?` lines
    "loss": "损失", "task metric vs baseline": "任务指标与基线", "gradient norm (before clipping)": "梯度范数 (裁剪前)",
    "gradient flow ‖∂L_T/∂x_t‖ vs distance from T": "梯度流 ‖∂L_T/∂x_t‖ 与到 T 的距离", "gate saturation": "门饱和度",
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
    "what the model produces now: samples (text), the forecast against the actual series and the naive baselines, "
    "or predictions vs targets. Healthy forecast residuals look like noise (Ljung-Box p > 0.05).":
        "模型当前的输出: 采样文本, 预测与真实序列及朴素基线的对照, 或预测值与目标值。健康的预测残差看起来像噪声 (Ljung-Box p > 0.05)。",
    "the run's log, newest last: evals, checkpoints, commands sent, and warnings (gradient spikes, divergence) with "
    "the step they happened at.":
        "运行日志, 最新的在最后: 评估、检查点、发送的命令, 以及警告 (梯度尖峰、发散) 和它们发生的步数。",
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
