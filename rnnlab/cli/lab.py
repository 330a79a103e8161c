"""`rnnlab` with no arguments: open the lab (the Textual app) on the runs root.

Textual restores the terminal on exit and on a crash; the runs it launched are separate
processes in their own sessions, so they keep training after the lab closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def open_lab(runs_dir: Optional[Path] = None) -> None:
    from rnnlab.runs.paths import runs_root
    from rnnlab.tui.app import LabApp

    root = runs_root(runs_dir)
    app = LabApp(root)
    try:
        app.run()
    finally:
        # Belt and braces: show the cursor and leave the alternate screen even if the driver
        # could not (a crash before the driver's own cleanup ran).
        import sys

        if sys.stdout.isatty():
            sys.stdout.write("\x1b[?1049l\x1b[?25h")
            sys.stdout.flush()
    if app.return_code not in (None, 0):
        raise SystemExit(app.return_code)
