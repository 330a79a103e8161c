"""Home's key actions on the highlighted (or marked) runs: tags and note, open, mark, compare,
stop, resume, delete, new experiment, lessons.

A mixin of the Home screen (rnnlab/tui/screens/home.py): it uses the screen's `infos`,
`marked`, `current_id()`, `_current()`, `_show()` and RunActions' `run_action`. The message
handlers (`@on`, `on_*`) stay on the screen itself, where Textual looks for them.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from rnnlab.runs.status import LIVE
from rnnlab.tui import actions
from rnnlab.tui.i18n import t, tf


class HomeKeys:
    """The actions behind Home's keys t, T, n, L, enter/o, space, c, s, r, d."""

    def action_tags(self) -> None:
        info = self._current()
        if info is None:
            return
        from rnnlab.tui.screens.modals import Prompt

        def done(text: str | None) -> None:
            if text is None:
                return
            from rnnlab.runs import notes

            def save() -> str:
                tags = notes.set_tags(Path(info.dir), notes.split_tags(text))
                return f"{info.name or info.run_id}: tags " + (" ".join(tags) or "removed")

            self.run_action("tags", save, changed=True)

        from rnnlab.runs.notes import split_tags

        self.app.push_screen(Prompt(f"Tags of {info.name or info.run_id} (space-separated; filter with tag:NAME)",
                                    " ".join(info.tags), "baseline lr=1e-3", check=split_tags), done)

    def action_note(self) -> None:
        info = self._current()
        if info is None:
            return
        from rnnlab.tui.screens.modals import Prompt

        offered = " ".join(info.note.splitlines())

        def done(text: str | None) -> None:
            if text is None or text == offered:
                return  # unchanged: nothing to write (a note on several lines keeps its lines)
            from rnnlab.runs import notes

            def save() -> str:
                note = notes.set_note(Path(info.dir), text)
                return f"{info.name or info.run_id}: " + ("note saved" if note else "note removed")

            self.run_action("note", save, changed=True)

        # one line to edit: a note written with `rnnlab note` on several lines comes joined
        from rnnlab.runs.notes import check_note

        self.app.push_screen(Prompt(f"Note on {info.name or info.run_id} (empty removes it)", offered,
                                    "what this run tried, what it showed", check=check_note), done)

    def action_new(self) -> None:
        self.app.action_new_experiment()

    def action_lessons(self) -> None:
        from rnnlab.tui.screens.lessons import Lessons

        self.app.push_screen(Lessons(self.root))

    def action_open(self) -> None:
        rid = self.current_id()
        if rid in self.sweeps:
            self.app.open_sweep(self.sweeps[rid].dir)
            return
        info = self._current()
        if info is not None:
            self.app.open_run(Path(info.dir))

    def action_mark(self) -> None:
        rid = self.current_id()
        if rid is None or rid not in self.infos:
            return
        self.marked.symmetric_difference_update({rid})
        self._show()
        self.query_one(DataTable).action_cursor_down()

    def action_compare(self) -> None:
        ids = [i for i in self.infos if i in self.marked] or ([self.current_id()] if self.current_id() in self.infos else [])
        if not ids:
            self.notify(t("mark runs with space, then press c"), severity="warning")
            return
        from rnnlab.tui.markers import MAX_RUNS

        if len(ids) > MAX_RUNS:
            self.notify(tf("compare shows at most {n} runs: the newest {n} of the {marked} marked", n=MAX_RUNS, marked=len(ids)), severity="warning")
            ids = ids[:MAX_RUNS]
        self.app.open_compare([Path(self.infos[i].dir) for i in ids])

    def action_stop(self) -> None:
        info = self._current()
        if info is None:
            return
        label = info.name or info.run_id
        if info.status not in LIVE:
            self.notify(tf("{run} is not running", run=label), severity="warning")
            return
        self.run_action("stop", lambda: actions.send(Path(info.dir), "stop", label))

    def action_resume(self) -> None:
        info = self._current()
        if info is None:
            return
        # the status check, the run lock and the spawn are the CLI's (`rnnlab resume`)
        self.run_action("resume", lambda: actions.resume(Path(info.dir)), changed=True)

    def action_delete(self) -> None:
        info = self._current()
        if info is None:
            return
        if info.status in LIVE:
            self.notify(t("stop the run before deleting it"), severity="warning")
            return
        from rnnlab.tui.screens.modals import Confirm

        def done(yes: bool | None) -> None:
            if yes:
                self.marked.discard(info.run_id)
                self.run_action("delete", lambda: actions.delete(Path(info.dir), info.name or info.run_id), changed=True)

        self.app.push_screen(Confirm(f"Delete run {info.name or ''} {info.run_id} and its checkpoints?"), done)
