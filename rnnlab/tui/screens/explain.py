"""`?` on any screen: what the screen shows, what the focused panel shows, and the screen's keys.

The texts live here, keyed by the screen's class name and the focused widget's id, so every
screen is covered by one table (a test checks that each screen of the help has its entry) and a
translation (rnnlab/tui/i18n.py) has one place to look. A dashboard panel explains itself (its
`EXPLAIN`); on the dashboard `?` toggles that line on the focused panel, and opens this screen,
with every panel's line, while none is focused. f1 stays the reference of every key.
"""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

SCREENS = {
    "Home": ("runs",
             "Every run in the runs root, newest first: its status, its primary metric, step and speed. Runs are "
             "background processes; this screen only reads their stores, so closing the lab stops nothing. Open one "
             "(enter) for its live dashboard, mark several (space) and compare them (c), or start one (n)."),
    "NewExperiment": ("new experiment",
                      "A run's config as a form: pick a preset, change fields, and launch it as a background worker. "
                      "A field with a bad value says what would be right; nothing starts until every field is valid."),
    "Dashboard": ("run dashboard",
                  "One run, live: each panel reads the run's store as the worker writes it. tab (or [ and ] at small "
                  "sizes) moves between the panels; ? on a focused panel explains it in a line at its top."),
    "Playground": ("sampling playground",
                   "Generate from the run's checkpoint with your prompt and sampling knobs. Temperature divides the "
                   "logits before the softmax (below 1: safer, repetitive; above 1: more surprising, less coherent); "
                   "top-k and top-p cut the tail of the distribution. The bars show the next-token probabilities at "
                   "the end of the prompt and, after a generation, at its last token."),
    "Neurons": ("neurons",
                "What the recurrent units of a trained run respond to. Every unit's activation along the text is "
                "correlated (Pearson r) with built-in text features, and the units are ranked by their best |r|; "
                "the selected unit shades the text (dark: low, bright: high), the next two under it. A span A:B "
                "finds the units on throughout it and off around it (LSTMVis), and where else they fire together. "
                "Features: in_string (inside a quoted string), bracket_depth (open ( [ { ), indent (leading spaces "
                "of the line), line_pos (column in the line), line_start (first character of a line), in_comment "
                "(after #), after_space (the previous character is whitespace), is_digit, is_upper. On a time-series run "
                "the features are the series itself and its step-to-step change (series, series_change), and every "
                "unit's row writes the probe window's first input as ▁…█ levels, shaded by that unit's activation."),
    "CellAnatomy": ("cell anatomy",
                    "The equations of the run's cell with one unit's numbers filled in, from the worker's last cell "
                    "probe (the first probe sequence). Each gate is an activation (σ in 0..1, tanh in -1..1) of the "
                    "input's, the previous state's and the bias's contributions; c = f·c₋₁ + i·g carries memory in an "
                    "LSTM. The strips below show every unit of the layer (the chosen one marked) so a unit that "
                    "stands out can be found; their scale is printed at the right of each strip."),
    "Lessons": ("lessons",
                "The course, one lesson per chapter of the RNN document: its text, the runs it trains and what they "
                "should show. r launches the lesson's runs and opens them side by side."),
    "Compare": ("compare",
                "Several runs on one plot (m: the metric, x: step or time, a: align) and a table of their numbers. "
                "A curve's legend names its run; the table's params column is the model size, so a race is fair "
                "only at about equal parameters."),
    "SweepScreen": ("sweep",
                    "A hyperparameter sweep: its trials sorted by the metric, the parameters' importances and their "
                    "parallel coordinates. Each trial is an ordinary run; enter opens it."),
    "SystemScreen": ("system",
                     "This machine's CPU, memory and NVIDIA GPUs, and what each live run's worker uses of them."),
}

# the same in Chinese (RNNLAB_LANG=zh); a screen missing here reads its English
SCREENS_ZH = {
    "NewExperiment": "把运行的配置写成表单: 选一个预设, 修改字段, 然后作为后台进程启动。取值有误的字段会说明正确的取值; 所有字段都有效之前不会启动任何运行。",
    "Playground": ("用你的提示和采样参数从运行的检查点生成文本。温度在 softmax 之前除以 logits (小于 1: 更稳妥、更重复; 大于 1: "
                   "更出人意料、更不连贯); top-k 与 top-p 截掉分布的尾部。柱状图显示提示末尾以及生成之后最后一个词元处的下一词元概率。"),
    "Neurons": ("训练好的运行中, 循环单元对什么有反应。每个单元沿文本的激活值与内置文本特征求相关 (Pearson r), 单元按最大的 |r| 排序; "
                "选中的单元为文本着色 (暗: 低, 亮: 高), 其下是接下来的两个单元。区间 A:B 找出在区间内始终激活、在区间外不激活的单元 "
                "(LSTMVis), 以及它们在别处一起激活的位置。特征: in_string (在引号字符串内), bracket_depth (未闭合的 ( [ { 数), "
                "indent (行首空格数), line_pos (行内列号), line_start (行首字符), in_comment (# 之后), after_space (前一个字符是空白), "
                "is_digit (数字), is_upper (大写字母)。时间序列运行的特征是序列本身及其逐步变化 (series, series_change), "
                "每个单元的一行把探针窗口的第一个输入写成 ▁…█ 高低, 并按该单元的激活着色。"),
    "CellAnatomy": ("运行所用细胞的方程, 代入一个单元在最近一次细胞探针中的数值 (第一条探针序列)。每个门是输入项、上一状态项与偏置之和经过激活函数 "
                    "(σ 在 0..1, tanh 在 -1..1); LSTM 中 c = f·c₋₁ + i·g 承载记忆。下方的条带显示该层的每个单元 (所选单元有标记), "
                    "便于找到与众不同的单元; 每条的刻度写在它的右边。[ 与 ] 在序列的最后几步之间移动, x_t 是模型在该步读到的输入。"),
    "Compare": ("多个运行画在同一张图上 (m: 指标, x: 步数或时间, a: 对齐), 下方是它们的数值表。图例给出每条曲线对应的运行; "
                "表中的 params 列是模型大小, 只有参数量相近时比赛才公平。"),
    "SweepScreen": "一次超参数搜索: 按指标排序的试验、各参数的重要性及其平行坐标图。每个试验都是普通的运行; 按 enter 打开。",
    "SystemScreen": "本机的 CPU、内存与 NVIDIA GPU, 以及每个正在进行的运行的训练进程占用了多少。",
}

# (screen class, widget id) -> what the focused widget shows
FOCUS = {
    ("Home", "runs"): ("the runs table", "↑↓ picks a run; S sorts, / filters (cell:lstm status:run …)"),
    ("Neurons", "nx-units"): ("the units", "best |r| first: unit number, the text feature it follows most, and r "
                              "(+1: high where the feature is high; -1: the opposite). ↑↓ shades the text with one."),
    ("Neurons", "nx-text"): ("the text", "your own text (enter computes): characters outside the run's vocabulary "
                             "are reported and left out; empty: the start of the validation text"),
    ("Neurons", "nx-span"): ("the span", "A:B, character offsets into the text: find the units on throughout it and "
                             "off around it"),
    ("Neurons", "nx-threshold"): ("the threshold", "the activation above which a unit counts as on (auto: 0.3, 0.5 "
                                  "for sigmoid gates)"),
    ("Playground", "prompt"): ("the prompt", "the text the model continues; every character must be in the run's "
                               "vocabulary"),
    ("Compare", "compare-table"): ("the table", "one row per run: its status, metric, speed and parameter count; "
                                   "S sorts"),
}

FOCUS_ZH = {
    ("Home", "runs"): "↑↓ 选择运行; S 排序, / 筛选 (cell:lstm status:run …)",
    ("Neurons", "nx-units"): "按 |r| 从大到小: 单元编号、它最贴近的文本特征与 r (+1: 特征高时它也高; -1: 相反)。↑↓ 用所选单元为文本着色。",
    ("Neurons", "nx-text"): "你自己的文本 (enter 计算): 不在运行词表中的字符会被报告并略去; 留空: 验证文本的开头",
    ("Neurons", "nx-span"): "A:B, 文本中的字符位置: 找出在区间内始终激活、区间外不激活的单元",
    ("Neurons", "nx-threshold"): "单元被视为激活的阈值 (auto: 0.3, sigmoid 门为 0.5)",
    ("Playground", "prompt"): "模型要接着写的文本; 每个字符都必须在运行的词表中",
    ("Compare", "compare-table"): "每个运行一行: 状态、指标、速度与参数量; S 排序",
}


def screen_text(screen: Screen) -> tuple[str, str]:
    """(name, explanation) of a screen; a screen not in the table says only its name."""
    name = type(screen).__name__
    from rnnlab.tui import i18n

    title, text = SCREENS.get(name, (name, ""))
    if i18n.lang() == "zh" and name in SCREENS_ZH:
        return i18n.t(title), SCREENS_ZH[name]
    return i18n.t(title), i18n.t(text)


def focus_text(screen: Screen) -> Optional[tuple[str, str]]:
    """(what, explanation) of the focused widget, or of the nearest ancestor that has one."""
    from rnnlab.tui import i18n

    node: Optional[Widget] = screen.focused
    name = type(screen).__name__
    while node is not None and node is not screen:
        own = getattr(node, "EXPLAIN", "")
        if isinstance(own, str) and own:
            return i18n.t(str(node.border_title or node.id or "")), i18n.t(own)
        if node.id and (name, node.id) in FOCUS:
            label, text = FOCUS[(name, node.id)]
            zh = FOCUS_ZH.get((name, node.id)) if i18n.lang() == "zh" else None
            return i18n.t(label), zh or text
        node = node.parent
    return None


class Explain(ModalScreen[None]):
    """The `?` of a screen: its explanation, its focused panel's (or on a dashboard with none
    focused, every panel's), and its keys."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close"), Binding("f1", "all_keys", "Every key")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.of = screen

    def compose(self) -> ComposeResult:
        from rnnlab.tui import i18n
        from rnnlab.tui.screens.help import key_table
        from rnnlab.tui.wrap import CellWrap

        title, text = screen_text(self.of)
        with VerticalScroll(id="help") as v:
            v.border_title = i18n.t("? {screen}  (esc closes · f1: every key of every screen)").format(screen=title)
            yield Static(CellWrap(Text(text)), classes="help-table", id="explain-screen")
            focus = focus_text(self.of)
            if focus is not None:
                yield Static(CellWrap(Text.assemble((i18n.t("focused: ") + focus[0] + "\n", "bold"), focus[1])),
                             classes="help-table", id="explain-focus")
            panels = getattr(self.of, "panel_explanations", None)
            if focus is None and panels is not None:
                body = Text(i18n.t("no panel is focused (tab focuses one); the panels:") + "\n", style="bold")
                for name, line in panels():
                    body.append(f"{name}: ", style="bold")
                    body.append(i18n.t(line) + "\n")
                yield Static(CellWrap(body), classes="help-table", id="explain-panels")
            yield Static(key_table(i18n.t("keys"), type(self.of)), classes="help-table")

    def action_dismiss(self) -> None:
        self.dismiss(None)

    def action_all_keys(self) -> None:
        from rnnlab.tui.screens.help import Help

        self.dismiss(None)
        self.app.push_screen(Help())
