"""Help: every key of every screen, generated from the screens' bindings so it cannot drift."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnnlab.tui.i18n import t

GLOBAL = {
    "?": "explain this screen and its focused panel, with its keys",
    "f1": "this help: every key of every screen",
    "ctrl+p": "command palette (new experiment, compare, help, quit, …)",
    "tab / shift+tab": "move between widgets",
    "ctrl+q": "quit (runs keep going in the background)",
    "t": "hide / show the lesson text pinned beside a screen a lesson opened",
}


def _key_name(key: str) -> str:
    return {
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "question_mark": "?",
        "slash": "/",
        "space": "space",
    }.get(key, key)


def key_table(title: str, screen_cls: type) -> Table:
    t = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    t.add_column("key", style="bold", no_wrap=True)
    t.add_column("action")
    extra = getattr(screen_cls, "KEYS_HELP", {})
    # a key a KEYS_HELP row explains (alone or in a pair like "[ / ]") gets that row only
    explained = {k.strip() for keys in extra for k in keys.split(" / ")}
    seen = set(explained)
    for b in getattr(screen_cls, "BINDINGS", []):
        if not isinstance(b, Binding):
            b = Binding(*b)
        names = [_key_name(k.strip()) for k in b.key.split(",")]
        if all(n in seen for n in names):
            continue
        seen.update(names)
        t.add_row(" / ".join(names), b.description or b.action)
    for k, v in extra.items():
        t.add_row(k, v)
    return t


def help_tables() -> list[Table]:
    from rnnlab.tui.screens.anatomy import CellAnatomy
    from rnnlab.tui.screens.compare import Compare
    from rnnlab.tui.screens.dashboard import Dashboard
    from rnnlab.tui.screens.home import Home
    from rnnlab.tui.screens.lessons import Lessons
    from rnnlab.tui.screens.neurons import Neurons
    from rnnlab.tui.screens.new import NewExperiment
    from rnnlab.tui.screens.playground import Playground
    from rnnlab.tui.screens.sweep import SweepScreen
    from rnnlab.tui.screens.system import SystemScreen

    glob = Table(title="everywhere", title_justify="left", show_header=False, box=None, padding=(0, 2))
    glob.add_column("key", style="bold", no_wrap=True)
    glob.add_column("action")
    for k, v in GLOBAL.items():
        glob.add_row(k, v)
    return [
        glob,
        key_table("runs (home)", Home),
        key_table("new experiment", NewExperiment),
        key_table("run dashboard", Dashboard),
        key_table("sampling playground", Playground),
        key_table("neurons (N)", Neurons),
        key_table("cell anatomy (A)", CellAnatomy),
        key_table("lessons (L)", Lessons),
        key_table("compare", Compare),
        key_table("sweep", SweepScreen),
        key_table("system (y)", SystemScreen),
    ]


class Help(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as v:
            v.border_title = t("keys  (esc closes)")
            yield Static(Text("rnnlab — keyboard reference. Runs are background processes: closing the lab never stops them.", style="dim"))
            for table in help_tables():
                yield Static(table, classes="help-table")

    def action_dismiss(self) -> None:
        self.dismiss(None)
