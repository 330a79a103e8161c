"""The Neurons screen: what the units of a trained run respond to (dashboard key N).

Text runs: the text (the start of the validation split, or what the user types) with every
character shaded by the selected unit's activation, the next-best units stacked under it; the
units ranked by |r| with the built-in text features (rnnlab/inspect/features.py), the selected
one first; a span box for the LSTMVis search (units on throughout A:B and off around it, and
where else in the validation text they fire together); and, for `model.attention = true` runs
and the Transformer, the attention map over the first characters in place of the shading (key
a): one row per position, its weights over the earlier positions in the lab's heatmap shades.
Time-series runs: the probe window's first input as a ramp row, the units most correlated with
it shaded under it.

Everything torch runs in one thread worker (torch is imported there, on first use); the loaded
run is cached on the UI thread only, as the playground does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.i18n import t

TEXT_CHARS = 1200  # validation text shown by default
STACKED = 3  # units shaded under each line of text
ATTENTION_CHARS = 64


class Neurons(Screen):
    DEFAULT_CSS = """
    Neurons #nx-title { height: 1; padding: 0 1; }
    Neurons .nx-row { height: 1; }
    Neurons .nx-row Label { padding: 0 1; color: $text-muted; }
    Neurons .nx-row Input { border: none; height: 1; padding: 0 1; width: 1fr; }
    Neurons #nx-span, Neurons #nx-threshold { width: 14; }
    Neurons #nx-status { height: 1; padding: 0 1; color: $text-muted; width: 1fr; }
    Neurons #nx-status.-error { color: $error; }
    Neurons #nx-body { height: 1fr; }
    Neurons #nx-units { width: 34; height: 1fr; }
    Neurons.-narrow #nx-units { width: 31; }
    Neurons #nx-scroll { width: 1fr; height: 1fr; border: round $primary 50%; }
    Neurons #nx-matches { height: auto; max-height: 6; padding: 0 1; }
    Neurons #nx-units { border: round $primary 30%; }
    Neurons #nx-units:focus { border: heavy $accent; }
    Neurons .nx-row:focus-within Label { text-style: bold reverse; color: $accent; }
    Neurons #nx-feature { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("s", "next_state", "State"),
        Binding("l", "next_layer", "Layer"),
        Binding("a", "attention", "Attention"),
        Binding("h", "next_head", "Head", show=False),
        Binding("ctrl+r", "refresh", "Recompute"),
    ]

    @dataclass
    class Computed(Message):
        doc: dict  # the neurons report (every unit, ranked) or the time-series view
        matches_text: str
        attention: Optional[tuple]  # (pieces, weights (T, T), caption) or None

        title: str
        loaded: Any = None
        states: tuple = ()
        layers: int = 1
        heads: tuple = (0, 0)  # (attention layers, heads)

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, run_dir: Path, cfg: Any = None) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self._loaded: Any = None
        self.unit_layer = 0
        self.unit_state = "h"
        self.attn_head = 0  # an index over (attention layer, head) pairs
        self._states: tuple = ("h",)
        self._layers = 1
        self._heads = (0, 0)
        self._doc: Optional[dict] = None
        self._order: list[int] = []
        self._selected: Optional[int] = None
        self._attention: Optional[tuple] = None  # (pieces, weights, caption)
        self.show_attention = False

    @property
    def is_text(self) -> bool:
        return getattr(getattr(self.cfg, "task", None), "kind", "text") == "text"

    def compose(self) -> ComposeResult:
        yield Static(Text(f"neurons of {self.run_dir.name}: loading…", style="bold"), id="nx-title")
        if self.is_text:
            with Horizontal(classes="nx-row"):
                yield Label(t("text"))
                yield Input(placeholder=t("empty: the start of the validation text (\\n for a newline)"), id="nx-text")
            with Horizontal(classes="nx-row"):
                yield Label(t("span"))
                yield Input(placeholder="A:B", id="nx-span")
                yield Label(t("threshold"))
                yield Input(placeholder=t("auto"), id="nx-threshold")
                yield Static(id="nx-status")
        else:
            yield Static(id="nx-status")
        with Horizontal(id="nx-body"):
            table = DataTable(id="nx-units", cursor_type="row", zebra_stripes=False)
            table.border_title = t("units")
            yield table
            with VerticalScroll(id="nx-scroll"):
                yield Static(id="nx-shaded")
        yield Static(id="nx-feature")
        yield Static(id="nx-matches")
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < 120, "-narrow")
        table = self.query_one("#nx-units", DataTable)
        table.add_columns("unit", "best feature", "r")
        table.focus()
        self._compute()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < 120, "-narrow")
        self._render_shaded()

    # ------------------------------------------------------------------ inputs

    def _inputs(self) -> dict:
        if not self.is_text:
            return {"text": None, "span": None, "threshold": None}
        text = self.query_one("#nx-text", Input).value.replace("\\n", "\n")
        span = self.query_one("#nx-span", Input).value.strip() or None
        thr = self.query_one("#nx-threshold", Input).value.strip()
        try:
            threshold = float(thr) if thr else None
        except ValueError:
            self._status(f"✗ threshold {thr!r} is not a number", error=True)
            return {}
        return {"text": text or None, "span": span, "threshold": threshold}

    @on(Input.Submitted)
    def action_refresh(self) -> None:
        self._compute()

    def action_next_state(self) -> None:
        if len(self._states) > 1:
            self.unit_state = self._states[(self._states.index(self.unit_state) + 1) % len(self._states)]
            self._compute()
        elif self._doc is not None:  # a key that does nothing says why
            self.notify(t("this cell has only its hidden state h (no gates)") if self._doc["units"] else
                        t("a transformer has no recurrent units"), severity="warning")

    def action_next_layer(self) -> None:
        if self._layers > 1:
            self.unit_layer = (self.unit_layer + 1) % self._layers
            self._compute()
        elif self._doc is not None:
            self.notify(t("this run has one recurrent layer"), severity="warning")

    def action_attention(self) -> None:
        if self._doc is None:  # still loading: show the map as soon as it is computed
            self.show_attention = not self.show_attention
            self._status("computing… the attention map shows when it is ready" if self.show_attention else "computing…")
            return
        if self._attention is None:
            self.notify(t("this run has no attention (model.attention = false)"), severity="warning")
            return
        self.show_attention = not self.show_attention
        self._render_shaded()

    def action_next_head(self) -> None:
        n = self._heads[0] * self._heads[1]
        if n > 1:
            self.attn_head = (self.attn_head + 1) % n
            self._compute()

    def _compute(self) -> None:
        args = self._inputs()
        if not args:
            return
        self._status("computing…")
        self.compute(args, self.unit_layer, self.unit_state, self.attn_head, self._loaded)

    def _status(self, text: str, error: bool = False) -> None:
        st = self.query_one("#nx-status", Static)
        st.update(Text(text))
        st.set_class(error, "-error")

    # ------------------------------------------------------------------ the worker

    @work(thread=True, group="neurons", exclusive=True, exit_on_error=False)
    def compute(self, args: dict, layer: int, state: str, head: int, loaded: Any) -> None:
        try:
            from rnnlab.tui.screens.playground import limit_torch_threads

            limit_torch_threads()  # the cores belong to the training workers
            from rnnlab.inspect.activations import STATES
            from rnnlab.inspect.attention import describe as attn_layers
            from rnnlab.inspect.loader import load_run

            if loaded is None:
                loaded = load_run(self.run_dir)
            model = loaded.model
            states = STATES.get(getattr(model, "cell", ""), ())
            c = loaded.checkpoint
            title = f"neurons of {self.run_dir.name}: step {c.step} ({c.which})"  # 80 columns hold it with a style
            heads = attn_layers(model)
            if not states:
                doc: dict = {"units": [], "text": "", "state": state, "layer": layer}
                matches = "a transformer has no recurrent units; its attention is below"
            elif loaded.is_text:
                doc, matches = self._text_doc(loaded, args, layer, state)
            else:
                doc, matches = self._series_doc(loaded, layer, state)
            attention = None
            if heads[0] and loaded.is_text:
                attention = self._attention_map(loaded, args, head, heads)
            title += f" · layer {layer} · {state}" if states else ""
            if getattr(loaded.task, "conditioned", False):  # read in the model's default style: say which
                title += f" · style {loaded.task.styles[model.style]}"
        except Exception as err:
            from rnnlab.errors import UserError

            self.post_message(self.Failed(str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"))
            return
        self.post_message(self.Computed(doc, matches, attention, title, loaded, states,
                                        getattr(model, "num_layers", 1), heads))

    def _text_doc(self, loaded: Any, args: dict, layer: int, state: str) -> tuple[dict, str]:
        from rnnlab.inspect import neurons as nx

        text = args["text"] or nx.validation_text(loaded, TEXT_CHARS)
        # (a text with no character in the vocabulary is one error line from encode_text)
        dropped = nx.encode_text(loaded, text).dropped if args["text"] else []
        doc = nx.report(loaded, text, layer=layer, state=state, top=loaded.model.hidden_size,
                        span=args["span"], threshold=args["threshold"])
        doc["dropped"] = list(dropped)
        sp = doc.get("span")
        if sp is None:
            return doc, ""
        if not sp["units"]:
            # no unit fits the span: keep every unit ranked and the text shaded (the span marked),
            # not an empty table and a blank panel
            doc = {**nx.report(loaded, text, layer=layer, state=state, top=loaded.model.hidden_size), "span": sp,
                   "dropped": doc["dropped"]}
            return doc, (f"span {sp['start']}:{sp['end']} {sp['text']!r}: no unit is on throughout it and off around it "
                         f"at threshold {sp['threshold']:g}; try a lower threshold")
        lines = [f"span {sp['start']}:{sp['end']} {sp['text']!r}, threshold {sp['threshold']:g}: units "
                 f"{', '.join(map(str, sp['units']))}; together in the {sp['searched']} at "
                 + (", ".join(f"{m['start']}" for m in sp["matches"]) or "no other place")]
        for m in sp["matches"][:4]:
            off = m["start"] - m["context_start"]
            ctx = m["context"]
            lines.append(f"  @{m['start']:>6}  {ctx[:off]}[{m['text']}]{ctx[off + len(m['text']):]}".replace("\n", "↵"))
        return doc, "\n".join(lines)

    def _series_doc(self, loaded: Any, layer: int, state: str) -> tuple[dict, str]:
        """The probe window of a time-series run: units ranked by |r| with its first input."""
        from rnnlab.inspect.activations import activations
        from rnnlab.inspect.features import correlations, rank_units
        from rnnlab.inspect.shade import RAMP

        x = loaded.task.probe_batch(1).x[0]
        acts = activations(loaded.model, x, layer, state, self.run_dir.name)
        series = x[:, 0].double().numpy()
        change = np.diff(series, prepend=series[:1])
        r = correlations(acts, np.stack([series, change]))
        names = ("series", "series_change")
        lo, hi = float(series.min()), float(series.max())
        t = (series - lo) / (hi - lo) if hi > lo else series * 0 + 0.5
        text = "".join(RAMP[min(len(RAMP) - 1, int(v * len(RAMP)))] for v in t)
        units = [{"unit": u, "activations": acts[:, u].tolist(), "feature": names[f], "correlation": v}
                 for u, f, v in rank_units(r)]
        doc = {"text": text, "layer": layer, "state": state, "units": units, "features": list(names)}
        # every unit's row writes the same input, shaded by that unit: the glyphs are the series
        return doc, (f"each row: the probe window's first input ({len(series)} steps, ▁ {lo:.3g} … █ {hi:.3g}), "
                     "shaded by the unit's activation; features: the series and its change")

    def _attention_map(self, loaded: Any, args: dict, head: int, heads: tuple) -> tuple:
        from rnnlab.inspect import neurons as nx
        from rnnlab.inspect.attention import attention_weights

        text = (args["text"] or nx.validation_text(loaded, TEXT_CHARS))
        limit = min(ATTENTION_CHARS, getattr(loaded.model, "max_len", ATTENTION_CHARS))
        # the first `limit` tokens (not characters: a word-level run's would be a handful of words)
        enc = nx.encode_text(loaded, text[: limit * 32])
        layer, h = divmod(head, heads[1])
        w = attention_weights(loaded.model, enc.ids[:limit], layer, h, self.run_dir.name)
        more = ", h: next head" if heads[0] * heads[1] > 1 else ""
        return enc.pieces[:limit], w, (f"attention layer {layer} head {h}: a row per position, a column per earlier "
                               f"position, ·░▒▓█ weight 0 → 1{more}")

    # ------------------------------------------------------------------ results

    def on_neurons_computed(self, msg: Computed) -> None:
        self._loaded = msg.loaded
        self._states, self._layers, self._heads = msg.states or ("h",), msg.layers, msg.heads
        self._doc = msg.doc
        self.query_one("#nx-title", Static).update(Text(msg.title, style="bold"))
        table = self.query_one("#nx-units", DataTable)
        table.display = bool(msg.doc["units"])  # a transformer has none
        table.clear()
        self._order = [u["unit"] for u in msg.doc["units"]]
        rows = [(str(u["unit"]), u["feature"], f"{u['correlation']:+.2f}") for u in msg.doc["units"]]
        # widths from the rows now, not on the table's next idle pass: on a loaded box a frame
        # drawn in between showed the r column one cell wide (`+` for `+0.66`)
        for k, col in enumerate(table.ordered_columns):
            col.width, col.auto_width = max([cell_len(str(col.label)), *(cell_len(r[k]) for r in rows)]), False
        for r, u in zip(rows, msg.doc["units"]):
            table.add_row(*r, key=str(u["unit"]))
        self._selected = self._order[0] if self._order else None
        self.query_one("#nx-matches", Static).update(Text(msg.matches_text))  # matches show [brackets]: no markup
        self._attention = msg.attention
        if msg.attention is not None and not msg.states:
            self.show_attention = True  # a transformer: attention is all there is to show
        elif msg.attention is None and self.show_attention:
            self.show_attention = False  # asked for while loading: this run has none
            self.notify(t("this run has no attention (model.attention = false)"), severity="warning")
        n = len(msg.doc["units"])
        keys = "s: state" + (", l: layer" if self._layers > 1 else "") + (", a: attention" if msg.attention else "")
        against = "the text features" if self.is_text else "the series and its change"
        said = f"{n} units ranked by |r| with {against}; ↑↓ picks one; {keys}" if n else ""
        dropped = msg.doc.get("dropped") or []
        if dropped:  # typed characters the run never saw: said, not silently skipped
            shown = ", ".join(repr(c) for c in dropped[:8]) + (" …" if len(dropped) > 8 else "")
            said = f"left out, not in the run's vocabulary: {shown}; " + said
        self._status(said, error=bool(dropped))
        self._render_shaded()

    def on_neurons_failed(self, msg: Failed) -> None:
        self._status(f"✗ {translate(msg.error)}", error=True)

    @on(DataTable.RowHighlighted, "#nx-units")
    def _pick(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self._selected = int(event.row_key.value)
            self._render_shaded()

    def _render_shaded(self) -> None:
        doc = self._doc
        if doc is None:
            return
        from rnnlab.inspect.shade import heat_rows, label_width, shaded

        colour = not os.environ.get("NO_COLOR")
        view = self.query_one("#nx-shaded", Static)
        if self.show_attention and self._attention is not None:
            pieces, w, caption = self._attention
            # the first n rows hold all their weights (a row only reaches back): crop to the width
            n = max(8, min(len(pieces), self.query_one("#nx-scroll").size.width - 22 - 2 * label_width(pieces)))
            back = "; a: back to the units" if doc["units"] else ""
            view.update(Text(caption + back + "\n", style="dim") + heat_rows(pieces[:n], w[:n, :n], colour))
            return
        if not doc["units"]:
            view.update("")
            return
        self._show_feature()

        by_unit = {u["unit"]: u for u in doc["units"]}
        first = self._selected if self._selected in by_unit else self._order[0]
        shown = [first] + [u for u in self._order if u != first][: STACKED - 1]
        rows = [(f"u{u}", np.asarray(by_unit[u]["activations"])) for u in shown]
        sp = doc.get("span")
        marks = range(sp["start"], sp["end"]) if sp else None
        width = self.query_one("#nx-scroll").size.width - 2 or 80
        # (Textual drops colours under NO_COLOR: the symbol ramp carries the shading then)
        view.update(shaded(doc["text"], rows, doc["state"], max(20, width), colour, marks))

    def _show_feature(self) -> None:
        """The selected unit's best feature in words (the names alone say little)."""
        from rnnlab.inspect.features import WORDS

        doc = self._doc
        unit = next((u for u in doc["units"] if u["unit"] == self._selected), None) if doc else None
        line = Text()
        if unit is not None:
            line.append(f"unit {unit['unit']} follows ")
            line.append(unit["feature"], style="bold")
            line.append(f" ({WORDS.get(unit['feature'], '?')}), r = {unit['correlation']:+.2f}"
                        + ("; ? explains every feature" if self.is_text else ""))
        self.query_one("#nx-feature", Static).update(line)

    def action_back(self) -> None:
        self.app.pop_screen()
