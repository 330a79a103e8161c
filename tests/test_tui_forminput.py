"""Keys typed in a burst (a paste, keys bunched over SSH) edit the New form's fields in the order
they were typed: Textual's Input inserts a character in its own handler but deletes through a
binding the key reaches after bubbling to the app, so characters overtook the Backspaces before
them (an outside trial: 30 Backspaces and a path came out `/tm/tmp/`)."""

from __future__ import annotations

import asyncio

from textual import events

BURST = [("backspace", None)] * 30 + [({"/": "slash", ".": "full_stop"}.get(c, c), c) for c in "/tmp/s13/a.csv"]


async def _burst(app, pilot, field) -> str:
    field.focus()
    await pilot.pause(0.1)
    field.action_end()
    for key, char in BURST:  # posted at once, as a terminal delivers a burst
        app.post_message(events.Key(key, char))
    for _ in range(50):
        await pilot.pause(0.1)
        if field.value.endswith(".csv") or len(field.value) < 5:
            break
    await pilot.pause(0.3)
    return field.value


def test_a_burst_of_backspaces_and_characters_edits_in_order_in_the_new_form(tmp_path):
    from rnnlab.tui.app import LabApp

    async def go():
        app = LabApp(tmp_path / "runs")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("n")
            await pilot.pause(0.3)
            source = app.screen.query_one("#source")
            source.value = "/tmp/trialH/nonexist.csv"
            return await _burst(app, pilot, source)

    assert asyncio.run(go()) == "/tmp/s13/a.csv"


def test_form_input_keeps_the_order_where_textuals_input_lost_it():
    """The same burst into a FormInput in a row in a grid in a scroll, as the form nests it;
    Textual's own Input there ended `/tmp/tri` when this was written (textual 8.2)."""
    from textual.app import App
    from textual.containers import Grid, Horizontal, VerticalScroll

    from rnnlab.tui.widgets.forminput import FormInput

    def run(cls) -> str:
        class Form(App):
            def compose(self):
                with VerticalScroll(), Grid(), Horizontal():
                    yield cls(value="/tmp/trialH/nonexist.csv", id="f")

        async def go():
            app = Form()
            async with app.run_test() as pilot:
                return await _burst(app, pilot, app.query_one("#f"))

        return asyncio.run(go())

    assert run(FormInput) == "/tmp/s13/a.csv"
