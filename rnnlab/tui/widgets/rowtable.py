"""A DataTable of rows (the runs list) whose Home and End go to the first and last row.

Textual's DataTable binds Home/End to the leftmost/rightmost column and leaves the first/last row
to ctrl+home/ctrl+end: in a row table an outside trial pressed Home and the table slid sideways.
The sideways jumps stay on shift+home/shift+end (left/right still scroll a column at a time).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
        Binding("shift+home", "scroll_home", "Leftmost column", show=False),
        Binding("shift+end", "scroll_end", "Rightmost column", show=False),
    ]
