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
                "(after #), after_space (the previous character is whitespace), is_digit, is_upper."),
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


def screen_text(screen: Screen) -> tuple[str, str]:
    """(name, explanation) of a screen; a screen not in the table says only its name."""
    name = type(screen).__name__
    from rnnlab.tui import i18n

    title, text = SCREENS.get(name, (name, ""))
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
            return i18n.t(label), i18n.t(text)
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
