"""The lab's language switch: `f2` (or the command palette's "Language: EN/中文") flips the
interface between English and Chinese while the lab runs, for the rest of the session.

The language lives where every reader already looks for it, $RNNLAB_LANG of this process
(rnnlab/tui/i18n.py and the lesson texts read it on every call; a run launched afterwards
inherits it), so the switch is one assignment and then a redraw of what was drawn in the old
language: every screen on the stack that has a `relabel()` says its words again, the dashboard
panels' titles, run headers and lesson pins are redone here, and the footers are rebuilt (their
keys are translated when a FooterKey is made, rnnlab/tui/i18n.py).
"""

from __future__ import annotations

from typing import Any

from rnnlab.tui import i18n


def toggle(app: Any) -> str:
    """Flip the language, redraw every screen on the stack; returns the new language."""
    new = i18n.switch()
    for screen in list(app.screen_stack):
        relabel(screen)
    app.notify(i18n.t("interface language: 中文" if new == "zh" else "interface language: English"))
    return new


def relabel(screen: Any) -> None:
    from textual.widgets import Footer

    from rnnlab.tui.lessonpin import LessonPin
    from rnnlab.tui.widgets.header import RunHeader
    from rnnlab.tui.widgets.panel import Panel

    own = getattr(screen, "relabel", None)
    if callable(own):
        own()
    elif callable(getattr(screen, "redraw_all", None)):  # the dashboard: its panels set their titles again
        screen.redraw_all()
    for panel in screen.query(Panel):
        # a title a panel set itself (a metric's name in it) is redone on its next redraw
        if str(panel.border_title) in (panel.TITLE, i18n.ZH.get(panel.TITLE)):
            panel.border_title = i18n.t(panel.TITLE)
        if panel.query(".explain"):  # its `?` line, said again
            panel.toggle_explain()
            panel.toggle_explain()
    from textual.widgets import Tab

    from rnnlab.tui.screens.dashboard import PANELS

    for pid, label, _ in PANELS:  # the dashboard's tabs (80x24)
        for tab in screen.query(f"#tab-{pid}").results(Tab):
            tab.label = i18n.t(label)
    for header in screen.query(RunHeader):
        header.relabel()
    for pinned in screen.query(LessonPin):
        pinned.relabel()
    for footer in screen.query(Footer):
        footer.refresh(recompose=True)  # rebuilt in its own context, its keys made with t() again
