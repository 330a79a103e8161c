"""Small modal screens: a yes/no confirmation, a one-line text prompt and a file (or folder) picker."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label

from rnnlab.errors import UserError


class Confirm(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Prompt(ModalScreen[Optional[str]]):
    """Ask for one line of text, starting from `value`: Enter gives the text, Escape None.
    With `check` (raises UserError on a bad text), a bad text is said under the box and the
    prompt stays, so what was typed is not lost to a typo."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "",
                 check: Optional[Callable[[str], object]] = None) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(self.question, id="prompt-box-question")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-box-input")
            yield Label("enter saves · esc cancels", classes="note", id="prompt-box-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self.check is not None:
            try:
                self.check(event.value)
            except UserError as err:
                note = self.query_one("#prompt-box-note", Label)
                note.update(f"{err} · esc cancels")
                note.add_class("-error")
                return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilePicker(ModalScreen[Optional[Path]]):
    """Pick a file or a folder from a directory tree: Enter on a file picks it (on a folder it
    opens it), `f` picks the highlighted folder (a corpus can be one); Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("f", "pick_folder", "Use folder")]

    def __init__(self, start: Path, title: str = "Pick a file") -> None:
        super().__init__()
        self.start = start if start.is_dir() else Path.cwd()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(f"{self.title_text}  (Enter picks a file, f the highlighted folder, Esc cancels)")
            yield DirectoryTree(str(self.start), id="tree")

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(event.path))

    def action_pick_folder(self) -> None:
        node = self.query_one(DirectoryTree).cursor_node
        if node is None or node.data is None:
            return
        path = Path(node.data.path)
        self.dismiss(path if path.is_dir() else path.parent)

    def action_cancel(self) -> None:
        self.dismiss(None)
