"""The data card under the New experiment form's CSV path: what `rnnlab data` says about the
series (rows, frequency, gaps, season, suggested window and horizon), built in a thread worker
once typing pauses, so the form never waits on a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Static

from rnnlab.errors import UserError
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.widgets.quiet import set_content

SETTLE_S = 0.4  # typing a column name fires on every key: build the card once typing pauses


class DataCard(Static):
    """Shows the card of `key` = (path, column, time column, mtime); hidden for None."""

    @dataclass
    class Ready(Message):
        key: tuple
        text: str
        error: bool

    def __init__(self, *, id: Optional[str] = None, classes: Optional[str] = None) -> None:
        super().__init__(id=id, classes=classes)
        self._wanted: Optional[tuple] = None
        self._shown: Optional[tuple] = None

    def show_for(self, key: Optional[tuple]) -> None:
        self.display = key is not None
        if key is None or key == self._shown:
            return
        self._wanted = key
        set_content(self, Text("reading the data…", style="dim"))
        self.set_timer(SETTLE_S, lambda: self._build(key) if self._wanted == key else None)

    @work(thread=True, group="data-card", exclusive=True, exit_on_error=False)
    def _build(self, key: tuple) -> None:
        from rnnlab.tasks.timeseries import card as tscard

        path, column, time_column, _ = key
        try:
            card = tscard.build(path, column=column, time_column=time_column, points=0)  # the lines only
        except UserError as err:
            self.post_message(self.Ready(key, str(err), True))
            return
        except Exception as err:  # noqa: BLE001 - the form must survive any file
            self.post_message(self.Ready(key, f"{path}: could not read it ({type(err).__name__}: {err})", True))
            return
        rec = card["recommended"]
        hint = ", ".join(f"{k} {rec[k]}" for k in ("window", "horizon", "season", "periods") if k in rec)
        lines = tscard.summary_lines(card) + [f"suggested     {hint}, difference auto"]
        self.post_message(self.Ready(key, "\n".join(lines), False))

    def on_data_card_ready(self, msg: Ready) -> None:
        msg.stop()
        if msg.key != self._wanted:
            return  # an older file or column: a newer card is on its way
        self._shown = msg.key
        set_content(self, Text(translate(msg.text) if msg.error else msg.text, style="red" if msg.error else ""))
