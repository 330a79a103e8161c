"""The home screen's `/` filter and `S` sort over run infos (plain Python: no textual), and
`rnnlab runs --filter`, which takes the same grammar (`select`).

Filter syntax: words separated by spaces, all of which a run must match (case-insensitive,
substring):
    foo              in the name, id, cell, task, status, tags, note or sweep
    name:foo  cell:lstm  task:text  status:running  tag:baseline  sweep:lr-search
    -status:finished a leading `-` keeps the runs that do NOT match
    "lr too high"    double quotes keep words together (tag:"..." and -"..." too)
Several words with the same field are alternatives (`cell:lstm cell:gru`: either cell). A
sweep matches by its id or its name.

Metrics and hyperparameters (the run's config.toml, rnnlab/runs/hparams.py):
    lr>1e-3  val_bpc<2  hidden_size>=128  steps=1000    >, <, >=, <=, = on numbers; every
                                                        comparison must hold (a range: two)
    metric<0.1           the run's primary metric (whatever its name)
    optimizer:adam       a config key's value (substring); same key twice: alternatives
A key is a metric name or a config key, short (`lr`) where its last part is unique, else
dotted (`train.lr`). A run without the key fails the comparison.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Collection, Optional

from rnnlab.errors import UserError

FIELDS = ("name", "cell", "task", "status", "tag", "sweep")
SYNTAX = ("words, or name: cell: task: status: tag: sweep: (e.g. status:running cell:lstm foo); -word excludes; "
          "lr>1e-3 val_bpc<2 optimizer:adam compare metrics and config keys")

_COMPARE = re.compile(r"^([A-Za-z_][\w./-]*?)(>=|<=|>|<|=)(.*)$")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b, "=": lambda a, b: a == b,
}


@dataclass(frozen=True)
class Term:
    field: Optional[str]  # None: any field
    value: str
    negate: bool = False
    key: Optional[str] = None  # a metric or config key (field is None): `key:value` or `key OP number`
    op: Optional[str] = None  # ">", "<", ">=", "<=", "=" (value is then a number, or a text for "=")


def parse(text: str, keys: Optional[Collection[str]] = None) -> list[Term]:
    """`status:running cell:lstm lr>1e-3 foo` -> terms. An unknown `field:` (neither a field
    nor one of `keys`, the listed runs' metric and config keys) is a UserError line, and so is
    a comparison on a key not in `keys` (when given) or with a bad number."""
    terms = []
    for word in _words(text):
        negate = word.startswith("-") and len(word) > 1
        if negate:
            word = word[1:]
        field = None
        m = _COMPARE.match(word)
        if m and (":" not in m.group(1)):
            key, op, rest = m.groups()
            if op == "=" and keys is not None and key != "metric" and not _resolve(key, keys):
                terms.append(Term(None, word.lower(), negate))  # a tag such as `lr=1e-3`
                continue
            _known(key, keys, word)
            try:
                float(rest)
            except ValueError:
                if op != "=" or not rest:
                    raise UserError(f"filter: {word!r}: {op} needs a number after it, e.g. {key}{op}1e-3") from None
            terms.append(Term(None, rest.lower(), negate, key=key, op=op))
            continue
        if ":" in word:
            head, rest = word.split(":", 1)
            if head.lower() in FIELDS:
                field, word = head.lower(), rest
            elif head.lower() == "tags":
                field, word = "tag", rest
            elif keys is not None and head and _resolve(head, keys):
                if rest:
                    terms.append(Term(None, rest.lower(), negate, key=head))
                continue
            else:
                hint = _did_you_mean(head, keys)
                raise UserError(f"filter: unknown field {head + ':'!r}; use {', '.join(f + ':' for f in FIELDS)}, "
                                f"a config key (optimizer:adam) or a plain word{hint}")
        if word:
            terms.append(Term(field, word.lower(), negate))
    return terms


def _resolve(key: str, keys: Collection[str]) -> Optional[str]:
    from rnnlab.runs.hparams import resolve

    return resolve(key, keys)


def _did_you_mean(key: str, keys: Optional[Collection[str]]) -> str:
    if not keys:
        return ""
    last = {k.rsplit(".", 1)[-1]: k for k in keys}
    near = difflib.get_close_matches(key, list(last) + list(keys), n=1)
    return f" (did you mean {near[0]}?)" if near else ""


def _known(key: str, keys: Optional[Collection[str]], word: str) -> None:
    if keys is None or key == "metric" or _resolve(key, keys):
        return
    many = [k for k in keys if k.endswith("." + key)]
    if len(many) > 1:
        raise UserError(f"filter: {word!r}: {key} is ambiguous ({', '.join(sorted(many))}); write the dotted key")
    raise UserError(f"filter: {word!r}: no run has a metric or config key {key!r}{_did_you_mean(key, keys)}")


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


def _lookup(info: Any, key: str, hparams: Optional[Callable[[Any], dict]]) -> Any:
    """The run's value for a metric or config key (short or dotted), None when it has none."""
    latest = getattr(info, "latest", None) or {}
    if key == "metric":
        return _shown(info)
    if key in latest:
        return latest[key]
    flat = hparams(info) if hparams is not None else {}
    full = _resolve(key, flat) if flat else None
    return flat.get(full) if full else None


def _compare(value: Any, t: Term) -> bool:
    if value is None or isinstance(value, (list, dict)):
        return False
    try:
        wanted = float(t.value)
    except ValueError:  # `optimizer=adam`: the whole value, not a part of it
        return str(value).lower() == t.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and OPS[t.op or "="](float(value), wanted)


def matcher(terms: list[Term], sweep_names: Optional[dict[str, str]] = None,
            hparams: Optional[Callable[[Any], dict]] = None) -> Callable[[Any], bool]:
    """A predicate on RunInfo: every field's terms (alternatives) match, every comparison holds,
    every negated term misses. `hparams(info)` gives the run's flat config (rnnlab/runs/hparams.py)."""
    names = sweep_names or {}
    negated = [t for t in terms if t.negate]
    plain = [t for t in terms if not t.negate and t.op is None]
    compared = [t for t in terms if not t.negate and t.op is not None]

    def hit(info: Any, t: Term) -> bool:
        if t.op is not None:
            if _compare(_lookup(info, t.key or "", hparams), t):
                return True
            # `lr=1e-3` also finds the tag (or name, note) written that way
            return t.op == "=" and any(f"{t.key}={t.value}".lower() in v.lower() for v in _values(info, None, names))
        if t.key is not None:
            v = _lookup(info, t.key, hparams)
            from rnnlab.runs.hparams import fmt

            return v is not None and (t.value in str(v).lower() or t.value in fmt(v).lower())
        return any(t.value in v.lower() for v in _values(info, t.field, names))

    def ok(info: Any) -> bool:
        if any(hit(info, t) for t in negated):
            return False
        if not all(hit(info, t) for t in compared):
            return False
        # plain words (field None) each must match; same-field (same-key) words are alternatives
        for t in plain:
            if t.field is None and t.key is None and not hit(info, t):
                return False
        for group in {t.field or t.key for t in plain if t.field is not None or t.key is not None}:
            if not any(hit(info, t) for t in plain if (t.field or t.key) == group):
                return False
        return True

    return ok


def select(infos: list, text: str, hparams: Callable[[Any], dict], sweep_names: Optional[dict[str, str]] = None) -> list:
    """The runs of `infos` that `text` matches, in their order (all of them for an empty text):
    `rnnlab runs --filter TEXT`. A comparison may name the metric and config keys these runs
    have (`hparams(info)`: a run's flat config); with no runs at all any key parses (there is
    nothing to match). A bad filter is a UserError line."""
    flats = {id(i): hparams(i) for i in infos}
    keys = {k for f in flats.values() for k in f} | {k for i in infos for k in (i.latest or {})}
    terms = parse(text, keys if infos else None)
    if not terms:
        return list(infos)
    ok = matcher(terms, sweep_names, lambda i: flats.get(id(i), {}))
    return [i for i in infos if ok(i)]


# ------------------------------------------------------------------ sort

def _shown(info: Any) -> Any:
    """The primary metric as the runs list shows it (RunInfo.shown_metric: the kept best); a
    run-like object without that property, its latest value."""
    if hasattr(info, "shown_metric"):
        return info.shown_metric
    return (getattr(info, "latest", None) or {}).get(getattr(info, "primary_metric", None) or "")


def _metric(info: Any) -> float:
    v = _shown(info)
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
