"""Small modal screens: a yes/no confirmation, a one-line text prompt and a file (or folder) picker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label

from rnnlab import confine
from rnnlab.errors import UserError
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.i18n_errors import translate


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
                yield Button(t("Yes (y)"), id="yes", variant="error")
                yield Button(t("No (n)"), id="no", variant="primary")

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
            yield Label(t("enter saves · esc cancels"), classes="note", id="prompt-box-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self.check is not None:
            try:
                self.check(event.value)
            except UserError as err:
                note = self.query_one("#prompt-box-note", Label)
                note.update(tf("{error} · esc cancels", error=translate(str(err))))
                note.add_class("-error")
                return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfinedTree(DirectoryTree):
    """A directory tree that lists only what lies in the allowed folders (rnnlab/confine.py)
    and the folders on the way down to them; icons in plain glyphs (a browser without an emoji
    font drew the default ones as boxes)."""

    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "

    def __init__(self, path: Path, allowed: Optional[list[Path]], **kwargs) -> None:
        super().__init__(str(path), **kwargs)
        self.allowed = allowed

    def filter_paths(self, paths):
        if self.allowed is None:
            return paths
        return [p for p in paths if confine.inside(p, self.allowed)
                or (p.is_dir() and not p.is_symlink() and any(r.is_relative_to(p.resolve()) for r in self.allowed))]


class FilePicker(ModalScreen[Optional[Path]]):
    """Pick a file or a folder from a directory tree: Enter on a file picks it (on a folder it
    opens it), `f` picks the highlighted folder (a corpus can be one); Escape cancels. In a
    confined lab (rnnlab/confine.py) the tree starts where the allowed folders meet, shows only
    them, and a pick outside them is refused with a note."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("f", "pick_folder", "Use folder"),
                Binding("backspace", "up", "Up a folder")]

    def __init__(self, start: Path, title: str = "Pick a file") -> None:
        super().__init__()
        self.allowed = confine.roots()
        self.start = start if start.is_dir() else Path.cwd()
        if self.allowed is not None and not confine.inside(self.start, self.allowed):
            self.start = Path(os.path.commonpath([str(r) for r in self.allowed])) if self.allowed else Path("/nonexistent")
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(f"{self.title_text}  (Enter picks a file, f the highlighted folder, Backspace goes up, Esc cancels)")
            yield ConfinedTree(self.start, self.allowed, id="tree")
            yield Label("", id="picker-note")

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    def _pick(self, path: Path) -> None:
        refused = confine.refusal(path, "file picker")
        if refused:
            self.query_one("#picker-note", Label).update(refused)
            return
        self.dismiss(path)

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self._pick(Path(event.path))

    def action_pick_folder(self) -> None:
        node = self.query_one(DirectoryTree).cursor_node
        if node is None or node.data is None:
            return
        path = Path(node.data.path)
        self._pick(path if path.is_dir() else path.parent)

    def action_up(self) -> None:
        """The tree from the folder above (it started in the working directory with no way out,
        an outside trial); in a confined lab no higher than where the allowed folders meet."""
        tree = self.query_one(ConfinedTree)
        here = Path(tree.path).resolve()
        if here.parent == here:
            return
        if self.allowed is not None:
            top = Path(os.path.commonpath([str(r) for r in self.allowed])) if self.allowed else here
            if not here.parent.is_relative_to(top):
                self.query_one("#picker-note", Label).update(f"{top}: the lab is confined to the folders under it")
                return
        tree.path = here.parent
        tree.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
