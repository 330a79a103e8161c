"""Sampling playground for text runs: prompt, temperature, top-k, top-p, length, and the style of
a style-conditioned run. Generation runs in a thread worker from the run's best checkpoint (the
last one for runs that keep no best; torch is imported there, on first use, and held to one
thread: sampling one sequence is sequential work, and the cores belong to the training workers),
so the UI stays responsive and the run keeps training in its own process. The title says which
checkpoint, by step, once it is loaded.

The text streams in as it is sampled: the worker posts what it has drawn every few hundredths
of a second (`Chunk`), and `ctrl+t` (or leaving the screen, or a new generate) cancels it; the
worker checks for that between tokens, so it stops within a token.

The loaded model is cached on the UI thread only: the worker gets the cache as an argument and
hands a fresh load back in its message, which is dropped if `reload` came meanwhile."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static
from textual.worker import get_current_worker

from rnnlab.tui.i18n import t

# how often the worker hands the UI what it has sampled: smooth to watch, few messages
CHUNK_SECONDS = 0.04


class Playground(Screen):
    DEFAULT_CSS = """
    Playground #pg-body { height: 1fr; }
    Playground #pg-out { width: 1fr; }
    Playground #pg-probs { width: 40; height: 1fr; border: round $primary 50%; padding: 0 1; }
    Playground.-narrow #pg-probs { width: 30; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+g", "generate", "Generate"),
        Binding("ctrl+t", "stop", "Stop"),
        Binding("ctrl+r", "reload", "Reload checkpoint"),
    ]

    @dataclass
    class Started(Message):
        """The checkpoint is loaded and sampling begins: the header and the prompt go up."""

        job: int
        prompt: str
        settings: str
        loaded: Any = None  # the open run (config, task, model, checkpoint) the text comes from
        generation: int = 0  # the cache generation it was loaded under
        checkpoint: str = ""  # e.g. "best checkpoint (step 800, val_bpc 2.01)"
        step: int = 0  # the checkpoint's step
        dropped: list[str] = field(default_factory=list)  # prompt characters outside the vocabulary
        unknown: list[str] = field(default_factory=list)  # prompt words read as <unk> (word unit)
        before: list = field(default_factory=list)  # next-token choices after the prompt (inspect.nexttoken)

    @dataclass
    class Chunk(Message):
        """Text sampled since the last chunk."""

        job: int
        text: str

    @dataclass
    class Finished(Message):
        job: int
        tokens: int
        cancelled: bool
        after: list = field(default_factory=list)  # next-token choices after the last sampled token

    @dataclass
    class Failed(Message):
        error: str
        job: int = 0

    def __init__(self, run_dir: Path, cfg: Any = None) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self._loaded: Optional[tuple] = None
        self._generation = 0  # bumped by reload: a load begun before it is not cached
        self._job = 0  # bumped by each generate: messages of an older one are dropped
        self._body: Optional[Static] = None
        self._text = Text()
        self._dropped: list[str] = []
        self._unknown: list[str] = []
        self._before: list = []
        self._after: list = []
        self._knobs = ""
        self.style_names = _styles(self.run_dir)

    def compose(self) -> ComposeResult:
        task = getattr(self.cfg, "task", None)
        yield Static(Text(self._title(), style="bold"), id="pg-title")
        with Horizontal(classes="field"):
            yield Label(t("prompt"), classes="label")
            yield Input(value=getattr(task, "prime", "\n").replace("\n", "\\n") if task else "", id="prompt")
        if self.style_names:
            with Horizontal(classes="field"):
                yield Label(t("style"), classes="label")
                yield Select([(name, name) for name in self.style_names], value=self.style_names[0], allow_blank=False, id="style")
        with Horizontal(id="pg-knobs"):
            for fid, label, value in (
                ("temperature", "temp", getattr(task, "temperature", 0.8)),
                ("top_k", "top-k", getattr(task, "top_k", 0)),
                ("top_p", "top-p", getattr(task, "top_p", 1.0)),
                ("length", "length", getattr(task, "sample_length", 200)),
            ):
                yield Label(label, classes="knob-label")
                yield Input(str(value), id=fid, classes="knob")
            # the key is in the footer: the long label was cut at 80 columns
            yield Button(t("Generate"), id="generate", variant="primary")
        yield Static(id="pg-status")
        with Horizontal(id="pg-body"):
            yield VerticalScroll(id="pg-out")
            probs = Static(Text(t("next-token probabilities appear here after a generate"), style="dim"), id="pg-probs")
            probs.border_title = t("next token")
            yield probs
        yield Footer()

    def _title(self) -> str:
        """Which checkpoint a generate would load now (torch-free: the files say)."""
        from rnnlab.inspect.run import checkpoint_choice

        try:
            choice = checkpoint_choice(self.run_dir, "best")
        except Exception:
            choice = None
        what = choice.describe() if choice is not None else "no checkpoint yet"
        return f"sampling from {self.run_dir.name}: {what}"

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < 100, "-narrow")
        self.query_one("#prompt", Input).focus()

    def _settings(self) -> Optional[dict]:
        """The knobs, or None after saying in words what is wrong with each bad one."""
        s: dict = {}
        problems = []
        for fid, name, kind, rule, ok in KNOBS:
            raw = self.query_one(f"#{fid}", Input).value.strip()
            try:
                value = kind(raw)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                problems.append(f"{name} is empty: give {what} {rule}" if not raw else
                                f"{name} {raw!r} is not {what}: give one {rule}")
                continue
            if not ok(value):
                problems.append(f"{name} {raw} is out of range: give a value {rule}")
                continue
            s[fid] = value
        if problems:
            self._status("✗ " + "; ".join(problems), error=True)
            return None
        s["style"] = str(self.query_one("#style", Select).value) if self.style_names else None
        return s

    def _status(self, text: str, error: bool = False) -> None:
        st = self.query_one("#pg-status", Static)
        st.update(text)
        st.set_class(error, "-error")

    @on(Button.Pressed, "#generate")
    @on(Input.Submitted)
    def action_generate(self) -> None:
        s = self._settings()
        if s is None:
            return
        prompt = self.query_one("#prompt", Input).value.replace("\\n", "\n")
        self._job += 1
        self._body = None
        self._status("generating…  (ctrl+t stops)")
        # exclusive: a generate still streaming is cancelled and stops at its next token
        self.generate(prompt, s, self._loaded, self._generation, self._job)

    def action_stop(self) -> None:
        self.workers.cancel_group(self, "sample")

    def action_reload(self) -> None:
        self._loaded = None
        self._generation += 1
        self.notify(t("will reload the best checkpoint on the next generate"))

    @work(thread=True, group="sample", exclusive=True, exit_on_error=False)
    def generate(self, prompt: str, s: dict, loaded: Any, generation: int, job: int) -> None:
        worker = get_current_worker()
        try:
            limit_torch_threads()
            from rnnlab.inspect.nexttoken import next_token
            from rnnlab.tasks.text import stream
            from rnnlab.inspect.loader import open_dir

            if loaded is None:
                loaded = open_dir(self.run_dir, device="cpu")
            task = loaded.task
            style = task.style_id(s["style"]) if s.get("style") else None
            tokens = stream(loaded.model, task, prompt, s["length"], s["temperature"], s["top_k"], s["top_p"], "cpu",
                            style=style)
            knobs = {"temperature": s["temperature"], "top_k": s["top_k"], "top_p": s["top_p"], "style": style}
            before = next_token(loaded.model, task, prompt, **knobs)
            settings = f"T={s['temperature']}{' (greedy)' if s['temperature'] == 0 else ''} top-k={s['top_k']} top-p={s['top_p']}"
            if s.get("style"):
                settings += f" style={s['style']}"
            ckpt = loaded.checkpoint
            self.post_message(self.Started(job, prompt, settings, loaded, generation, ckpt.describe(), ckpt.step,
                                           task.unknown_chars(prompt), task.unknown_words(prompt), before))
            n, pending, last, drawn = 0, [], time.monotonic(), []
            try:
                for piece in tokens:
                    if worker.is_cancelled:
                        break
                    n += 1
                    pending.append(piece)
                    drawn.append(piece)
                    if time.monotonic() - last >= CHUNK_SECONDS:
                        self.post_message(self.Chunk(job, "".join(pending)))
                        pending, last = [], time.monotonic()
            finally:
                tokens.close()  # puts the model back in the mode it was in
            if pending:
                self.post_message(self.Chunk(job, "".join(pending)))
            after = next_token(loaded.model, task, prompt + "".join(drawn), **knobs) if drawn else []
            self.post_message(self.Finished(job, n, worker.is_cancelled, after))
        except Exception as err:
            self.post_message(self.Failed(f"{type(err).__name__}: {err}", job))

    def on_playground_started(self, msg: Started) -> None:
        if msg.generation == self._generation:
            self._loaded = msg.loaded
        if msg.job != self._job:
            return
        out = self.query_one("#pg-out", VerticalScroll)
        self.query_one("#pg-title", Static).update(Text(f"sampling from {self.run_dir.name}: {msg.checkpoint}", style="bold"))
        self._text = Text(msg.prompt, style="bold")
        self._body = Static(self._text, classes="pg-sample")
        self._dropped, self._unknown = msg.dropped, msg.unknown
        self._before, self._after, self._knobs = msg.before, [], msg.settings
        self._show_probs()
        out.mount(Static(Text(f"── {msg.settings}, checkpoint step {msg.step} ──", style="dim"), classes="pg-head"))
        out.mount(self._body)
        out.scroll_end(animate=False)

    def on_playground_chunk(self, msg: Chunk) -> None:
        if msg.job != self._job or self._body is None:
            return
        self._text.append(msg.text)
        self._body.update(self._text)
        self.query_one("#pg-out", VerticalScroll).scroll_end(animate=False)

    def on_playground_finished(self, msg: Finished) -> None:
        if msg.job != self._job:
            return
        self._after = msg.after
        self._show_probs()
        done = f"stopped after {msg.tokens} tokens" if msg.cancelled else "done"
        if self._dropped:
            self._status(f"{done}; dropped from the prompt (not in the vocabulary): " + ", ".join(repr(c) for c in self._dropped), error=True)
        elif self._unknown:
            self._status(f"{done}; read as <unk> (not in the vocabulary): " + ", ".join(repr(w) for w in self._unknown[:8]), error=True)
        else:
            self._status(done)

    def on_playground_failed(self, msg: Failed) -> None:
        if msg.job == self._job:
            self._status(f"✗ {msg.error}", error=True)

    def _show_probs(self) -> None:
        view = self.query_one("#pg-probs", Static)
        rows = max(2, (view.content_size.height or 20) // 2 - 2)  # both charts fit the panel's height
        width = max(4, (view.content_size.width or 36) - 20)  # the label, the percentages beside the bar
        view.update(probability_bars(self._before, self._after, self._knobs, rows, width))

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < 100, "-narrow")
        if self._before:
            self._show_probs()

    def action_back(self) -> None:
        self.action_stop()  # no sampling left running for a screen nobody sees
        self.app.pop_screen()


# (input id, name said in errors, type, the rule in words, the check)
KNOBS = (
    ("temperature", "temperature", float, "in [0, 10] (0: greedy)", lambda v: 0 <= v <= 10),
    ("top_k", "top-k", int, "≥ 0 (0 turns it off)", lambda v: v >= 0),
    ("top_p", "top-p", float, "in (0, 1] (1 turns it off)", lambda v: 0 < v <= 1),
    ("length", "length", int, "from 1 to 100000 (tokens to sample)", lambda v: 1 <= v <= 100_000),
)


def _shown(token: str) -> str:
    """A token as a chart label: whitespace made visible, cut to 6 cells."""
    text = token.replace("\n", "↵").replace("\t", "⇥").replace(" ", "␣")
    return text if len(text) <= 6 else text[:5] + "…"


def probability_bars(before: list, after: list, knobs: str, rows: int = 8, width: int = 12) -> Text:
    """The next-token bar charts: after the prompt, and after the last sampled token. A bar is
    the probability sampling draws with (the knobs applied), on one scale for both charts (the
    likeliest token's bar is full); the model's own (T = 1) beside it when the knobs changed it."""
    out = Text()
    top = max([c.p_sampled for c in (*before, *after)] or [1.0]) or 1.0
    for title, choices in (("after the prompt", before), ("after the last token", after)):
        if not choices:
            continue
        if out:
            out.append("\n")
        out.append(title + "\n", style="bold")
        for c in choices[:rows]:
            full = c.p_sampled / top * width
            bar = "█" * int(full) + ("▌" if full - int(full) >= 0.5 else "") or ("▏" if c.p_sampled > 0 else "")
            out.append(f"{_shown(c.token):<6} ")
            out.append(f"{bar:<{width}}", style="cyan")
            out.append(f" {c.p_sampled:4.0%}")
            if abs(c.p_model - c.p_sampled) >= 0.005:
                out.append(f" ({c.p_model:.0%})", style="dim")
            out.append("\n")
    if out:
        out.append(f"bars: p with {knobs}; (…): the model's p at T=1", style="dim")
    return out


def _styles(run_dir: Path) -> list[str]:
    """The styles a run's model was told (torch-free: its task state and config say); [] for
    the rest, including the unconditioned comparison run (`[model] style_embedding = false`)."""
    try:
        state = json.loads((run_dir / "task_state.json").read_text(encoding="utf-8"))
        styles = [str(s) for s in state.get("styles", [])]
        if styles:
            from rnnlab import config

            if not config.read_toml(run_dir / "config.toml").get("model", {}).get("style_embedding", True):
                return []
        return styles
    except Exception:  # no state yet, or unreadable: no picker, and sampling will say what is wrong
        return []


def limit_torch_threads() -> None:
    """One intra-op thread for the lab's torch (first use imports it)."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only settable before torch's first parallel work
            pass
