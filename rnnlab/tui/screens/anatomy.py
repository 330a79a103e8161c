"""Cell anatomy: the equations of the run's cell (LSTM, GRU or vanilla RNN) with the live numbers
of one unit, at the last step of the first probe sequence (the worker's `cell` probe,
`train/probes.unit_snapshot`, recorded every `probes.gates_every` steps), or, with [ and ], at
one of the steps before it that the probe keeps (its `trace`), with what the model read there.

    forget  f = σ(W_f x + U_f h₋₁ + b_f) = σ(+0.310 +1.204 +0.551) = 0.887  ████████▊

Below the equations, one strip per gate and state over the layer's units (the chosen one
marked), so a unit that stands out can be found and then picked. It reads the store in a thread
worker once a second; it never loads torch (the numbers were computed by the worker).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from rnnlab.tui.i18n import lang, pad, t, tf

POLL_SECONDS = 1.0
SPARK = " ▁▂▃▄▅▆▇█"
BAR = "▏▎▍▌▋▊▉█"

# per cell: (gate key, symbol, activation, label); the order of the equations
_GATES = {
    "lstm": (("input", "i", "σ", "input"), ("forget", "f", "σ", "forget"), ("cell", "g", "tanh", "candidate"),
             ("output", "o", "σ", "output")),
    "gru": (("reset", "r", "σ", "reset"), ("update", "z", "σ", "update"), ("new", "n", "tanh", "candidate")),
    "rnn_tanh": (("new", "h", "tanh", "state"),),
    "rnn_relu": (("new", "h", "relu", "state"),),
}
_CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "vanilla RNN (tanh)", "rnn_relu": "vanilla RNN (ReLU)"}
# the row labels in Chinese (their own table: "cell" here is the LSTM's c, a run's `cell` elsewhere)
_LABELS_ZH = {"input": "输入门", "forget": "遗忘门", "candidate": "候选值", "output": "输出门", "reset": "重置门",
              "update": "更新门", "state": "状态", "cell": "细胞状态", "hidden": "隐状态", "cell c": "细胞 c",
              "hidden h": "隐状态 h"}


def _label(label: str) -> str:
    return _LABELS_ZH.get(label, label) if lang() == "zh" else label


def _f(v: float) -> str:
    return f"{v:+.3f}"


def _bar(value: float, lo: float, hi: float, width: int = 10) -> str:
    """A left-aligned bar of `value` on [lo, hi] in eighths of a cell."""
    if not math.isfinite(value):
        return ""
    frac = min(1.0, max(0.0, (value - lo) / (hi - lo)))
    eighths = round(frac * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (BAR[part - 1] if part else "")


def _spark(values: list[float], lo: float, hi: float) -> str:
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append("?")
            continue
        frac = min(1.0, max(0.0, (v - lo) / (hi - lo)))
        out.append(SPARK[round(frac * (len(SPARK) - 1))])
    return "".join(out)


def _num(v: float) -> str:
    return f"{v:g}" if v in (0.0, 1.0, -1.0) else f"{v:+.2g}"


def _range(act: str, values: list[float]) -> tuple[float, float]:
    if act == "σ":
        return 0.0, 1.0
    if act == "tanh":
        return -1.0, 1.0
    top = max([abs(v) for v in values if math.isfinite(v)] or [1.0]) or 1.0
    return (-top, top) if act == "state" else (0.0, top)


def _signed_bar(value: float, act: str) -> str:
    if act == "σ":
        return _bar(value, 0.0, 1.0, 8)
    if act == "tanh":  # the sign, then |value| on [0, 1]
        return ("-" if value < 0 else "+") + _bar(abs(value), 0.0, 1.0, 8)
    return ""


def _equations(cell: str, row: dict[str, Any], j: int) -> list[tuple[str, str, str, float, str]]:
    """(label, equation, the equation with unit j's numbers, result, activation) per line."""
    gates = row["gates"]
    lines = []
    val: dict[str, float] = {}
    for key, sym, act, label in _GATES[cell]:
        g = gates[key]
        x, h, b, v = g["x"][j], g["h"][j], g["b"][j], g["value"][j]
        val[sym] = v
        if cell == "gru" and key == "new":
            eq = f"{sym} = tanh(W_n x + b_n + r·(U_n h₋₁ + b_hn))"
            nums = f"tanh({_f(x)} {_f(b)} + {val['r']:.3f}×{_f(h)})"
        elif cell in ("lstm", "gru"):
            eq = f"{sym} = {act}(W_{sym} x + U_{sym} h₋₁ + b_{sym})"
            nums = f"{act}({_f(x)} {_f(h)} {_f(b)})"
        else:
            eq = f"h = {act}(W x + U h₋₁ + b)"
            nums = f"{act}({_f(x)} {_f(h)} {_f(b)})"
        lines.append((label, eq, nums, v, act))
    h_prev, h_new = row["h_prev"][j], row["h"][j]
    if cell == "lstm":
        c_prev, c_new = row["c_prev"][j], row["c"][j]
        lines.append(("cell", "c = f·c₋₁ + i·g", f"{val['f']:.3f}×{_f(c_prev)} + {val['i']:.3f}×{_f(val['g'])}", c_new, ""))
        lines.append(("hidden", "h = o·tanh(c)", f"{val['o']:.3f}×tanh({_f(c_new)})", h_new, "tanh"))
    elif cell == "gru":
        lines.append(("hidden", "h = (1-z)·n + z·h₋₁", f"{1 - val['z']:.3f}×{_f(val['n'])} + {val['z']:.3f}×{_f(h_prev)}", h_new, "tanh"))
    return lines


def render(snapshot: dict[str, Any], layer: int, unit: int, width: int = 80, read: str = "") -> Text:
    """The equations with unit `unit` of layer `layer` filled in, and the strips over units.
    Below 100 columns each equation takes two lines (the symbols, then the numbers). `read`: what
    the model read at this step (x_t), said first."""
    cell = snapshot.get("cell", "")
    layers = snapshot.get("layers") or []
    if cell not in _GATES or not layers:
        return Text(tf("no cell anatomy for cell {cell!r}", cell=cell))
    row = layers[layer]
    j = unit
    wide = width >= 100
    body = Text()
    if read:
        body.append("x_t ", style="bold")
        body.append(read + "\n")
    if wide:
        body.append(t("x: the layer's input at step t · h₋₁, c₋₁: its state after t-1 · "
                      "W, U, b: the gate's rows of W_ih, W_hh, b_ih + b_hh") + "\n", style="dim")
    for label, eq, nums, v, act in _equations(cell, row, j):
        body.append(pad(_label(label), 10), style="bold")
        if wide:
            body.append(f"{eq:<36} = {nums} = ")
        else:
            body.append(f"{eq}\n{'':10}= {nums} = ")
        body.append(f"{v:+.3f}", style="bold")
        bar = _signed_bar(v, act)
        if bar:
            body.append(f"  {bar}", style="cyan")
        body.append("\n")
    if cell in ("rnn_tanh", "rnn_relu") or wide:
        body.append(f"{'':10}h₋₁ → h: {_f(row['h_prev'][j])} → {_f(row['h'][j])}"
                    + (f"   c₋₁ → c: {_f(row['c_prev'][j])} → {_f(row['c'][j])}" if cell == "lstm" else "") + "\n",
                    style="dim")
    # strips over the units around the chosen one
    n = int(snapshot.get("units", len(row["h"])))
    span = max(8, width - 30)  # room at the right for each strip's scale
    start = max(0, min(j - span // 2, n - span))
    end = min(n, start + span)
    body.append(tf("units {start}-{end} of {n}, unit {j} marked", start=start, end=end - 1, n=n, j=j) + "\n", style="dim")
    strips = [(label, row["gates"][key]["value"], act) for key, _, act, label in _GATES[cell]]
    if cell == "lstm":
        strips.append(("cell c", row["c"], "state"))
    if cell in ("lstm", "gru"):
        strips.append(("hidden h", row["h"], "tanh"))
    for label, values, act in strips:
        lo, hi = _range(act, values)
        body.append(pad(_label(label), 10) + "  ")
        line = _spark(values[start:end], lo, hi)
        k = j - start
        body.append(line[:k])
        body.append(line[k:k + 1] or " ", style="reverse")
        body.append(line[k + 1:])
        body.append(f"  ▁{_num(lo)} █{_num(hi)}\n", style="dim")
    body.append(f"{'':12}{' ' * (j - start)}▲", style="bold")
    return body


class CellAnatomy(Screen):
    """One unit of the run's cell, its equations filled in with the numbers of the last probe."""

    BINDINGS = [
        Binding("left", "unit(-1)", "Unit -1"),
        Binding("right", "unit(1)", "Unit +1"),
        Binding("pageup", "unit(-10)", "-10", show=False),
        Binding("pagedown", "unit(10)", "+10", show=False),
        Binding("up", "layer(-1)", "Layer -1", show=False),
        Binding("down", "layer(1)", "Layer +1", show=False),
        Binding("m", "most", "Longest memory"),
        Binding("left_square_bracket", "step(-1)", "t-1"),
        Binding("right_square_bracket", "step(1)", "t+1"),
        Binding("escape,q", "app.pop_screen", "Back"),
    ]
    KEYS_HELP = {
        "← / →": "previous / next unit (PgUp / PgDn: 10 units)",
        "↑ / ↓": "previous / next layer",
        "m": "jump to the unit whose forget (LSTM) / update (GRU) gate is nearest 1",
        "[ / ]": "the step before / after (the probe keeps the last steps of the sequence; ] at T stays)",
    }

    @dataclass
    class Snapshot(Message):
        step: Optional[int]
        data: Optional[dict]
        cell: str
        every: int

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.at_unit = 0
        self.at_layer = 0
        self.at_t: Optional[int] = None  # an index into the snapshot's trace; None: the last step T
        self.vocab: Any = None  # the run's token texts, to show x_t as the text it read
        self.data: Optional[dict] = None
        self.step: Optional[int] = None
        self.cell = ""
        self.every = 0

    def compose(self) -> ComposeResult:
        yield Static(id="anatomy-title")
        yield Static(id="anatomy-body")
        yield Footer(compact=True)  # every key whole at 80 columns

    def on_mount(self) -> None:
        self._show()
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)

    @work(thread=True, group="anatomy", exclusive=True, exit_on_error=False)
    def poll(self) -> None:
        from rnnlab.runs.store import RunReader
        from rnnlab.tui.state import read_config

        cfg = read_config(self.run_dir)
        cell = cfg.model.cell if cfg is not None else ""
        every = cfg.probes.gates_every if cfg is not None else 0
        try:
            with RunReader(self.run_dir) as reader:
                found = reader.latest_vector("cell")
        except Exception:  # a run being created or removed: try again next second
            found = None
        step, data = found if found else (None, None)
        self.post_message(self.Snapshot(step, data, cell, every))

    def on_cell_anatomy_snapshot(self, msg: Snapshot) -> None:
        if msg.step == self.step and msg.data is not None and self.data is not None:
            return
        self.step, self.data, self.cell, self.every = msg.step, msg.data, msg.cell, msg.every
        self._clamp()
        self._show()

    def _clamp(self) -> None:
        if not self.data:
            return
        self.at_layer = max(0, min(self.at_layer, len(self.data["layers"]) - 1))
        self.at_unit = max(0, min(self.at_unit, int(self.data.get("units", 1)) - 1))
        trace = self.data.get("trace")
        if self.at_t is not None and (not trace or self.at_t >= len(trace["layers"][0]) - 1 or self.at_unit >= trace["units"]):
            self.at_t = None  # back at T (or a unit the trace does not keep)
        elif self.at_t is not None:
            self.at_t = max(0, self.at_t)

    def _show(self) -> None:
        title = self.query_one("#anatomy-title", Static)
        body = self.query_one("#anatomy-body", Static)
        name = _CELL_NAMES.get(self.cell, self.cell or "?")
        if not self.data:
            title.update(Text(tf("Cell anatomy — {run}", run=self.run_dir.name), style="bold"))
            if self.cell == "transformer":
                why = t("The Transformer has no recurrent cell to take apart; open an LSTM, GRU or RNN run.")
            elif self.every == 0 and self.cell:
                why = t("This run records no cell snapshots (probes.gates_every = 0).")
            else:
                why = tf("No snapshot yet: the worker records one every {every} steps (probes.gates_every), "
                         "at the first step too.", every=self.every or "?")
            from rnnlab.tui.wrap import wrap_text

            # the body does not wrap (equations stay whole): a sentence is wrapped to the screen here
            body.update(wrap_text(Text(why), max(20, (self.size.width or 80) - 2)))
            return
        d = self.data
        layers = len(d["layers"])
        head = Text()
        head.append(tf("Cell anatomy · {name}", name=t(name)), style="bold")
        # the step before the probe's description: at 80 columns a long cell name cuts the tail
        head.append(tf(" · layer {layer}/{layers} · unit {unit}/{units} · step {step} · ", layer=self.at_layer + 1,
                       layers=layers, unit=self.at_unit, units=d["units"] - 1, step=self.step))
        shown, at, read = self._at_step(d)
        head.append(tf("seq 1 t={t}/{T}", t=at, T=d["steps"]), style="dim")  # T, the sequence's length
        title.update(head)
        body.update(render(shown, self.at_layer, self.at_unit, self.size.width or 80, read))

    def _at_step(self, d: dict) -> tuple[dict, int, str]:
        """(the snapshot to render, its step t counted from 1, what the model read there)."""
        trace = d.get("trace")
        if not trace:
            return d, d["steps"], ""
        i = len(trace["layers"][0]) - 1 if self.at_t is None else self.at_t
        read = self._read(trace["inputs"][i], trace.get("features")) if i < len(trace["inputs"]) else ""
        if self.at_t is None:
            return d, d["steps"], read
        shown = {**d, "units": trace["units"], "layers": [steps[i] for steps in trace["layers"]]}
        return shown, trace["start"] + i + 1, read

    def _read(self, x: Any, features: Optional[int] = None) -> str:
        """x_t in words: the character or word (a token id read through the run's vocabulary),
        or the input's numbers, the first few of `features` (the probe keeps four: a forecast's
        nine inputs read as four, with no sign of the rest, an outside trial)."""
        if isinstance(x, int):
            if self.vocab is None:
                self.vocab = _vocab(self.run_dir)
            if self.vocab and 0 <= x < len(self.vocab):
                return tf("{text!r} (token {x})", text=self.vocab[x], x=x)
            return tf("token {x}", x=x)
        shown = [f"{v:.3g}" for v in x]
        if features and features > len(x):
            shown.append(tf("… +{n} more", n=features - len(x)))
        return "(" + ", ".join(shown) + ")"

    def action_step(self, delta: int) -> None:
        trace = (self.data or {}).get("trace")
        if not trace:
            self.notify(t("this snapshot keeps only the last step (recorded before stepping through t was added)"),
                        severity="warning")
            return
        if self.at_unit >= trace["units"]:
            self.notify(tf("the probe keeps the steps of the first {n} units; unit {unit} only at T", n=trace["units"],
                           unit=self.at_unit), severity="warning")
            return
        last = len(trace["layers"][0]) - 1
        i = (last if self.at_t is None else self.at_t) + delta
        self.at_t = None if i >= last else max(0, i)
        self._show()

    def on_resize(self) -> None:
        self._show()

    def relabel(self) -> None:
        """Say everything again in the interface language (the lab's language switch)."""
        self._show()

    def action_unit(self, delta: int) -> None:
        self.at_unit += delta
        self._clamp()
        self._show()

    def action_layer(self, delta: int) -> None:
        self.at_layer += delta
        self._clamp()
        self._show()

    def action_most(self) -> None:
        """The unit that remembers most: its forget (LSTM) or update (GRU) gate nearest 1."""
        if not self.data:
            return
        key = {"lstm": "forget", "gru": "update"}.get(self.data.get("cell", ""))
        gates = self.data["layers"][self.at_layer]["gates"]
        values = gates[key]["value"] if key else [abs(v) for v in self.data["layers"][self.at_layer]["h"]]
        self.at_unit = max(range(len(values)), key=lambda k: values[k] if math.isfinite(values[k]) else -1)
        self._show()


def _vocab(run_dir: Path) -> list[str]:
    """The run's token texts from its task_state.json (torch-free), [] when it has none."""
    import json

    try:
        vocab = json.loads((run_dir / "task_state.json").read_text(encoding="utf-8")).get("vocab") or []
    except (OSError, ValueError):
        return []
    return list(vocab)
