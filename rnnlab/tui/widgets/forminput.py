"""An Input that edits in the order the keys were typed.

Textual's Input inserts a typed character as its own key handler runs, but moves the cursor and
deletes through bindings, which the key reaches only after bubbling up through every container
to the app. In the New form (an Input in a row in a grid in a scroll) a burst of keys (a paste,
keys bunched over SSH) had its characters overtake the Backspaces typed before them: 30
Backspaces and `/tmp/s13/a.csv` came out `/tm/tmp/` or `/tmp/s13/a` (an outside trial; tmux
`send-keys` without pauses). The editing keys are done here, where the characters are."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

# key -> the Input's own action for it (Input.BINDINGS), done in the key's own handler
EDITING = {"backspace": "delete_left", "delete": "delete_right", "ctrl+d": "delete_right", "left": "cursor_left",
           "right": "cursor_right", "home": "home", "ctrl+a": "home", "end": "end", "ctrl+e": "end"}


class FormInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        action = EDITING.get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        self._restart_blink()
        getattr(self, f"action_{action}")()
