"""Run actions the lab takes off the UI thread: commands into a run's store, resuming (which
spawns a worker) and deleting a run's directory.

Each runs in a thread worker of the screen that asked and reports back with one `ActionDone`
message, so a slow disk or a run that `rnnlab rm` removed meanwhile costs a notification, never
the app. The screens mix in `RunActions` and handle `on_action_done`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from textual import work
from textual.message import Message

from rnnlab.errors import UserError
from rnnlab.tui.i18n_errors import translate


@dataclass
class ActionDone(Message):
    """The outcome of one run action, as the line to notify."""

    text: str
    severity: str = "information"  # "error" when it failed or was refused
    changed: bool = False  # runs were added, removed or restarted: re-read the list


class RunActions:
    """Mixed into a Screen: `run_action` runs a callable that returns the line to show."""

    @work(thread=True, group="run-action", exclusive=False, exit_on_error=False)
    def run_action(self, label: str, fn: Callable[[], str], changed: bool = False) -> None:
        try:
            text, severity = fn(), "information"
        except UserError as err:
            text, severity = f"{label}: {translate(str(err))}", "error"
        except Exception as err:  # an unexpected failure is a notification too, not a crash
            text, severity = f"{label}: {type(err).__name__}: {err}", "error"
        self.post_message(ActionDone(text, severity, changed))  # type: ignore[attr-defined]

    def on_action_done(self, msg: ActionDone) -> None:
        # Textual calls this and a screen's own `on_action_done` (each class in the MRO): a
        # screen adds its reaction there without calling super()
        self.notify(msg.text, severity=msg.severity)  # type: ignore[attr-defined]


def send(run_dir: Path, command: str, label: str) -> str:
    from rnnlab.runs.store import send_command

    send_command(run_dir, command)
    return f"asked {label} to {command}"


def resume(run_dir: Path) -> str:
    from rnnlab.runs.launch import resume as resume_run

    return resume_run(run_dir).describe()


def delete(run_dir: Path, label: str) -> str:
    """Remove the run's directory; a failure (permissions, a busy mount) is reported, not hidden."""
    from rnnlab.runs.launch import remove_run

    if not Path(run_dir).exists():
        return f"{label} was already removed"
    remove_run(run_dir)
    return f"deleted {label}"
