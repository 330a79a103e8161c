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


class DiskFull(UserError):
    """A write failed because its filesystem is full (or the user's quota is spent). Nothing
    already saved is damaged: the user frees space and resumes. Build it with `disk_full`."""


def is_disk_full(err: BaseException | None) -> bool:
    """Whether `err`, or an error it was raised from, says the disk is full (ENOSPC, EDQUOT)."""
    import errno

    codes = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
    for _ in range(5):
        if err is None:
            return False
        if isinstance(err, DiskFull) or (isinstance(err, OSError) and err.errno in codes):
            return True
        err = err.__cause__ or err.__context__
    return False


def _size(n: float) -> str:
    if n < 1000:
        return f"{n:.0f} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1000
        if n < 1000 or unit == "TB":
            break
    return f"{n:.1f} {unit}"


def _mount_point(path: str) -> str:
    import os

    p = os.path.abspath(path)
    while not os.path.exists(p):
        p = os.path.dirname(p)
    while not os.path.ismount(p):
        p = os.path.dirname(p)
    return p


def disk_full(path, what: str, needed: int | None = None) -> DiskFull:
    """One line naming the full filesystem, the path that could not be written and, when known,
    the space it needs."""
    import os
    import shutil

    path = os.fspath(path)
    mount = _mount_point(path)
    try:
        free = f"{_size(shutil.disk_usage(mount).free)} free"
    except OSError:
        free = "no free space"
    if needed:
        return DiskFull(f"disk full: {what} {path} needs about {_size(needed)} but the filesystem at {mount} has {free}")
    return DiskFull(f"disk full: cannot write {what} {path}: the filesystem at {mount} has {free}")
