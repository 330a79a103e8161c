"""The home screen's `/` filter and `S` sort over run infos (plain Python: no textual).

Filter syntax: words separated by spaces, all of which a run must match (case-insensitive,
substring):
    foo              in the name, id, cell, task, status, tags, note or sweep
    name:foo  cell:lstm  task:text  status:running  tag:baseline  sweep:lr-search
    -status:finished a leading `-` keeps the runs that do NOT match
    "lr too high"    double quotes keep words together (tag:"..." and -"..." too)
Several words with the same field are alternatives (`cell:lstm cell:gru`: either cell). A
sweep matches by its id or its name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from rnnlab.errors import UserError

FIELDS = ("name", "cell", "task", "status", "tag", "sweep")
SYNTAX = "words, or name: cell: task: status: tag: sweep: (e.g. status:running cell:lstm foo); -word excludes"


@dataclass(frozen=True)
class Term:
    field: Optional[str]  # None: any field
    value: str
    negate: bool = False


def parse(text: str) -> list[Term]:
    """`status:running cell:lstm foo` -> terms; an unknown `field:` is a UserError line."""
    terms = []
    for word in _words(text):
        negate = word.startswith("-") and len(word) > 1
        if negate:
            word = word[1:]
        field = None
        if ":" in word:
            head, rest = word.split(":", 1)
            if head.lower() in FIELDS:
                field, word = head.lower(), rest
            elif head.lower() == "tags":
                field, word = "tag", rest
            else:
                raise UserError(f"filter: unknown field {head + ':'!r}; use {', '.join(f + ':' for f in FIELDS)} or a plain word")
        if word:
            terms.append(Term(field, word.lower(), negate))
    return terms


def _words(text: str) -> list[str]:
    """Words split at spaces, double quotes keeping a phrase together (`"lr too high"`,
    `tag:"..."`); a quote still open (mid-typing) runs to the end. Nothing else is special:
    `it's` and backslashes are searched as typed."""
    return [w.replace('"', "") for w in _WORD.findall(text) if w.replace('"', "")]


_WORD = re.compile(r'(?:[^\s"]+|"[^"]*"?)+')


def _values(info: Any, field: Optional[str], sweep_names: dict[str, str]) -> list[str]:
    sweep = getattr(info, "sweep", None)
    by_field = {
        "name": [info.name or "", info.run_id],
        "cell": [info.cell or ""],
        "task": [info.task or ""],
        "status": [info.status or ""],
        "tag": list(getattr(info, "tags", None) or []),
        "sweep": [sweep, sweep_names.get(sweep, "")] if sweep else [],
    }
    if field is not None:
        return by_field[field]
    return [v for vs in by_field.values() for v in vs] + [getattr(info, "note", "") or ""]


def matcher(terms: list[Term], sweep_names: Optional[dict[str, str]] = None) -> Callable[[Any], bool]:
    """A predicate on RunInfo: every field's terms (alternatives) match, every negated term misses."""
    names = sweep_names or {}
    negated = [t for t in terms if t.negate]
    plain = [t for t in terms if not t.negate]

    def hit(info: Any, t: Term) -> bool:
        return any(t.value in v.lower() for v in _values(info, t.field, names))

    def ok(info: Any) -> bool:
        if any(hit(info, t) for t in negated):
            return False
        # plain words (field None) each must match; same-field words are alternatives
        for t in plain:
            if t.field is None and not hit(info, t):
                return False
        for field in {t.field for t in plain if t.field is not None}:
            if not any(hit(info, t) for t in plain if t.field == field):
                return False
        return True

    return ok


# ------------------------------------------------------------------ sort

def _metric(info: Any) -> float:
    v = (info.latest or {}).get(info.primary_metric or "")
    return v if isinstance(v, (int, float)) and math.isfinite(v) else math.inf


# (column, label shown in the header, key, descending?); the first is the listing's own order
SORTS: tuple[tuple[Optional[str], str, Optional[Callable[[Any], Any]], bool], ...] = (
    (None, "newest", None, False),
    ("name", "name", lambda i: (i.name or i.run_id).lower(), False),
    ("status", "status", lambda i: i.status or "", False),
    ("metric", "metric", _metric, False),
    ("step", "step", lambda i: i.step or 0, True),
    ("cell", "cell", lambda i: i.cell or "", False),
    ("task", "task", lambda i: i.task or "", False),
    ("tok/s", "tok/s", lambda i: i.tokens_per_s or 0.0, True),
)


def sort_infos(infos: list, index: int) -> list:
    """`infos` (newest first) in the order of SORTS[index]; ties keep the newest first."""
    _, _, key, desc = SORTS[index]
    if key is None:
        return list(infos)
    if key is _metric:  # runs without the value go last either way
        return sorted(infos, key=key)
    return sorted(infos, key=key, reverse=desc)
