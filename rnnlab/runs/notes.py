"""The user's own labels on a run: tags (short words, a set) and one free-text note.

They live in the run's database, in its `meta` table under the keys `tags` (a JSON list,
sorted) and `note` (a string), beside the name and the config name, so they travel with the run
directory, `RunReader.info()` returns them (`RunInfo.tags`, `RunInfo.note`) and a listing that
caches runs by their files' mtimes sees the change. Writing takes the database's write lock for
one short transaction (read, change, write), so a tag added while the worker writes, or by two
viewers at once, is never lost; the worker only ever writes its own meta keys.
"""

from __future__ import annotations

import re
from pathlib import Path

from rnnlab.errors import UserError
from rnnlab.runs import schema
from rnnlab.runs.paths import DB_NAME

_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+/=-]{0,39}$")
MAX_NOTE = 2000


def check_tag(tag: str) -> str:
    """A tag is one word the filter can name (`tag:baseline`): 1-40 letters, digits, `.`, `_`,
    `+`, `/`, `=`, `-`, starting with a letter or digit."""
    tag = tag.strip()
    if not _TAG_RE.match(tag):
        raise UserError(
            f"tag {tag!r} is not allowed: use 1-40 letters, digits, '.', '_', '+', '/', '=' or '-', "
            "starting with a letter or digit (no spaces, no ':'), e.g. baseline or lr=1e-3"
        )
    return tag


def split_tags(text: str) -> list[str]:
    """Tags typed in one line, separated by spaces or commas."""
    return [check_tag(t) for t in re.split(r"[\s,]+", text) if t.strip()]


def _update(run_dir: Path, change) -> dict:
    db = Path(run_dir) / DB_NAME
    conn = schema.connect(db)
    try:
        with schema.guard(db), schema.write_tx(conn) as c:
            meta = schema.get_meta(c)
            new = change(meta)
            schema.set_meta(c, new)
    finally:
        conn.close()
    return new


def tag(run_dir: Path | str, add: list[str] = (), remove: list[str] = ()) -> list[str]:
    """Add and remove tags; returns the run's tags after the change (sorted)."""
    add = [check_tag(t) for t in add]
    remove = [t.strip() for t in remove]

    def change(meta: dict) -> dict:
        tags = (set(meta.get("tags") or []) | set(add)) - set(remove)
        return {"tags": sorted(tags)}

    return _update(Path(run_dir), change)["tags"]


def set_tags(run_dir: Path | str, tags: list[str]) -> list[str]:
    """Replace the run's tags with `tags`."""
    tags = sorted({check_tag(t) for t in tags})
    return _update(Path(run_dir), lambda meta: {"tags": tags})["tags"]


def check_note(text: str) -> str:
    """The note as it will be stored (surrounding blank space dropped), or a UserError."""
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise UserError(f"note is {len(text)} characters; keep it under {MAX_NOTE} (a longer text belongs in a file)")
    return text


def set_note(run_dir: Path | str, text: str) -> str:
    """Set the run's note ("" removes it). Surrounding blank space is dropped."""
    text = check_note(text)
    return _update(Path(run_dir), lambda meta: {"note": text})["note"]
