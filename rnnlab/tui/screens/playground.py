"""Sampling playground for text runs: prompt, temperature, top-k, top-p, length. Generation runs
in a thread worker from the run's best checkpoint (the last one for runs that keep no best;
torch is imported there, on first use, and held to one thread: sampling one sequence is
sequential work, and the cores belong to the training workers), so the UI stays responsive and
the run keeps training in its own process. The title says which checkpoint, by step, once it is
loaded.

The loaded model is cached on the UI thread only: the worker gets the cache as an argument and
hands a fresh load back in its message, which is dropped if `reload` came meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, RichLog, Static


class Playground(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+g", "generate", "Generate"),
        Binding("ctrl+r", "reload", "Reload checkpoint"),
    ]

    @dataclass
    class Generated(Message):
        prompt: str
        text: str
        settings: str
        loaded: Any = None  # the open run (config, task, model, checkpoint) the text came from
        generation: int = 0  # the cache generation it was loaded under
        checkpoint: str = ""  # e.g. "best checkpoint (step 800, val_bpc 2.01)"
        step: int = 0  # the checkpoint's step
        dropped: list[str] = field(default_factory=list)  # prompt characters outside the vocabulary

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, run_dir: Path, cfg: Any = None) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self._loaded: Optional[tuple] = None
        self._generation = 0  # bumped by reload: a load begun before it is not cached

    def compose(self) -> ComposeResult:
        t = getattr(self.cfg, "task", None)
        yield Static(Text(self._title(), style="bold"), id="pg-title")
        with Horizontal(classes="field"):
            yield Label("prompt", classes="label")
            yield Input(value=getattr(t, "prime", "\n").replace("\n", "\\n") if t else "", id="prompt")
        with Horizontal(id="pg-knobs"):
            for fid, label, value in (
                ("temperature", "temp", getattr(t, "temperature", 0.8)),
                ("top_k", "top-k", getattr(t, "top_k", 0)),
                ("top_p", "top-p", getattr(t, "top_p", 1.0)),
                ("length", "length", getattr(t, "sample_length", 200)),
            ):
                yield Label(label, classes="knob-label")
                yield Input(str(value), id=fid, classes="knob")
            # the key is in the footer: the long label was cut at 80 columns
            yield Button("Generate", id="generate", variant="primary")
        yield Static(id="pg-status")
        yield RichLog(id="pg-out", wrap=True, markup=False)
        yield Footer()

    def _title(self) -> str:
        """Which checkpoint a generate would load now (torch-free: the files say)."""
        from rnnlab.train.kept import choose

        try:
            choice = choose(self.run_dir / "checkpoints", "best")
        except Exception:
            choice = None
        what = choice.describe() if choice is not None else "no checkpoint yet"
        return f"sampling from {self.run_dir.name}: {what}"

    def on_mount(self) -> None:
        self.query_one("#prompt", Input).focus()

    def _settings(self) -> Optional[dict]:
        try:
            s = {
                "temperature": float(self.query_one("#temperature", Input).value),
                "top_k": int(self.query_one("#top_k", Input).value),
                "top_p": float(self.query_one("#top_p", Input).value),
                "length": int(self.query_one("#length", Input).value),
            }
        except ValueError as err:
            self._status(f"✗ {err}", error=True)
            return None
        problems = []
        if not 0 <= s["temperature"] <= 10:
            problems.append("temperature must be in [0, 10] (0: greedy)")
        if s["top_k"] < 0:
            problems.append("top-k must be ≥ 0 (0 turns it off)")
        if not 0 < s["top_p"] <= 1:
            problems.append("top-p must be in (0, 1]")
        if not 1 <= s["length"] <= 100_000:
            problems.append("length must be 1..100000")
        if problems:
            self._status("✗ " + "; ".join(problems), error=True)
            return None
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
        self._status("generating…")
        self.generate(prompt, s, self._loaded, self._generation)

    def action_reload(self) -> None:
        self._loaded = None
        self._generation += 1
        self.notify("will reload the best checkpoint on the next generate")

    @work(thread=True, group="sample", exclusive=True, exit_on_error=False)
    def generate(self, prompt: str, s: dict, loaded: Any, generation: int) -> None:
        try:
            limit_torch_threads()
            from rnnlab.tasks.text import generate
            from rnnlab.train.session import open_run

            if loaded is None:
                loaded = open_run(self.run_dir, device="cpu")
            task, model = loaded.task, loaded.model
            text = generate(model, task, prompt, s["length"], s["temperature"], s["top_k"], s["top_p"], "cpu")
        except Exception as err:
            self.post_message(self.Failed(f"{type(err).__name__}: {err}"))
            return
        settings = f"T={s['temperature']}{' (greedy)' if s['temperature'] == 0 else ''} top-k={s['top_k']} top-p={s['top_p']}"
        ckpt = loaded.checkpoint
        self.post_message(self.Generated(prompt, text, settings, loaded, generation, ckpt.describe(), ckpt.step,
                                         task.unknown_chars(prompt)))

    def on_playground_generated(self, msg: Generated) -> None:
        if msg.generation == self._generation:
            self._loaded = msg.loaded
        log = self.query_one(RichLog)
        self.query_one("#pg-title", Static).update(Text(f"sampling from {self.run_dir.name}: {msg.checkpoint}", style="bold"))
        log.write(Text(f"── {msg.settings}, checkpoint step {msg.step} ──", style="dim"))
        log.write(Text(msg.prompt, style="bold") + Text(msg.text))
        if msg.dropped:
            self._status("done; dropped from the prompt (not in the vocabulary): " + ", ".join(repr(c) for c in msg.dropped), error=True)
        else:
            self._status("done")

    def on_playground_failed(self, msg: Failed) -> None:
        self._status(f"✗ {msg.error}", error=True)

    def action_back(self) -> None:
        self.app.pop_screen()


def limit_torch_threads() -> None:
    """One intra-op thread for the lab's torch (first use imports it)."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only settable before torch's first parallel work
            pass
