"""User-facing errors: one clear line, exit code 2, never a traceback.

Raise `UserError` for anything the user can fix (a bad key, a missing file, a corpus too short).
The CLI prints `error: <message>` to stderr and exits 2; the worker records it as the run's
failure message. Messages say what was wrong, where, and what would be right.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input the user can fix. `str(err)` is the whole, single-line message."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
