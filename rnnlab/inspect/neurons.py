"""The neuron explorer's report: which units of a layer track which feature of a text, and the
LSTMVis span search (Strobelt et al. 2016): select a span and a threshold, keep the units that are
on throughout the span and off just around it, and find the other places in the run's
validation text where those units fire together.

`report(...)` is what `rnnlab neurons --json` prints and what the lab's Neurons screen draws:

    {"text", "layer", "state",
     "units": [{"unit", "activations": [one float per character], "feature", "correlation"}],
     "features": [names],
     "span": {...}}            (only with a span: start, end, threshold, matches)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from rnnlab.errors import UserError
from rnnlab.inspect.activations import all_states, check_choice, default_threshold, per_char
from rnnlab.inspect.features import FEATURES, correlations, rank_units, text_features

VALIDATION_CHARS = 20_000  # how much validation text a span search scans (a few seconds on a CPU)
MAX_MATCHES = 10


@dataclass
class Encoded:
    """A text as the run reads it: the text its tokens decode to (characters outside the
    vocabulary dropped), token ids, and each token's text."""

    text: str
    ids: Any  # LongTensor (T,)
    pieces: list[str]
    dropped: list[str]


def encode_text(run, text: str) -> Encoded:
    if not text:
        raise UserError("--text is empty; give some text (or --file F)")
    ids = run.encode(text)
    if ids.numel() == 0:
        raise UserError(f"none of the characters of the text is in run {run.run_dir.name}'s vocabulary")
    pieces = [run.decode([int(i)]) for i in ids.tolist()]
    return Encoded("".join(pieces), ids, pieces, run.unknown(text))


def parse_span(value: Optional[str], length: int) -> Optional[tuple[int, int]]:
    """'A:B' → (A, B), 0 ≤ A < B ≤ length; anything else is one UserError line."""
    if value is None:
        return None
    parts = value.split(":")
    try:
        a, b = (int(p) for p in parts)
        if len(parts) != 2:
            raise ValueError
    except ValueError:
        raise UserError(f"--span {value!r} is not A:B (character offsets, e.g. --span 10:24)") from None
    if not 0 <= a < b <= length:
        raise UserError(f"--span {value}: outside the text of {length} characters; give 0 <= A < B <= {length}")
    return a, b


def check_units(units: Sequence[int], hidden: int) -> None:
    bad = [u for u in units if not 0 <= u < hidden]
    if bad:
        raise UserError(f"--unit {bad[0]}: the layer has {hidden} units; use 0..{hidden - 1}")


def span_units(acts: np.ndarray, a: int, b: int, threshold: float, among: Optional[Sequence[int]] = None) -> list[int]:
    """Units whose activation exceeds `threshold` at every character of [a, b) and does not at
    the characters just before and after it, most clearly on first (the mean inside less the
    mean outside the span)."""
    candidates = list(range(acts.shape[1])) if among is None else list(among)
    on = (acts[a:b] > threshold).all(axis=0)
    if a > 0:
        on &= acts[a - 1] <= threshold
    if b < len(acts):
        on &= acts[b] <= threshold
    outside = np.concatenate([acts[max(0, a - 8):a], acts[b:b + 8]]) if (a > 0 or b < len(acts)) else acts[a:b] * 0
    score = acts[a:b].mean(axis=0) - (outside.mean(axis=0) if len(outside) else 0.0)
    keep = [u for u in candidates if on[u]]
    return sorted(keep, key=lambda u: (-score[u], u))


def find_matches(acts: np.ndarray, units: Sequence[int], threshold: float, length: int) -> list[tuple[int, int]]:
    """Stretches where every unit of `units` is on at once, at least half the span long,
    longest (then closest in length to the span) first."""
    if not units:
        return []
    on = (acts[:, list(units)] > threshold).all(axis=1)
    runs: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(np.append(on, False)):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append((start, i))
            start = None
    need = max(1, length // 2)
    runs = [r for r in runs if r[1] - r[0] >= need]
    runs.sort(key=lambda r: (abs((r[1] - r[0]) - length), r[0]))
    return runs[:MAX_MATCHES]


def validation_text(run, chars: int = VALIDATION_CHARS) -> str:
    """`chars` of the run's validation split, from the start of a line; where the split holds
    code, from its first top-level `def` or `class` (a corpus of source often opens with tables
    or licence text, which show little structure)."""
    data = run.task.val_data
    head = run.decode(data[: max(50_000, 3 * chars)])
    starts = [i + 1 for i in (head.find("\ndef "), head.find("\nclass ")) if i >= 0]
    start = min(starts) if starts else head.find("\n") + 1
    return head[start : start + chars]


def report(run, text: str, *, layer: int = 0, state: str = "h", units: Sequence[int] = (), top: int = 5,
           span: Optional[str] = None, threshold: Optional[float] = None,
           search_text: Optional[str] = None) -> dict[str, Any]:
    """The explorer's answer for `text` (see the module docstring). `units` picks units by
    number; otherwise the `top` units by |r|. With `span`, the units are those on throughout it
    and the report gains the matches in the validation text (or in `search_text`)."""
    name = run.run_dir.name
    units = list(dict.fromkeys(units))  # `--unit 3 --unit 3` shows unit 3 once
    check_choice(run.model, layer, state, name)
    check_units(units, run.model.hidden_size)
    if top < 1:
        raise UserError(f"--top {top}: give at least 1")
    enc = encode_text(run, text)
    acts = per_char(all_states(run.model, enc.ids, layer, name)[state], enc.pieces)
    feats = text_features(enc.text)
    r = correlations(acts, feats)
    ranked = rank_units(r)
    best = {u: (f, v) for u, f, v in ranked}
    sp = parse_span(span, len(enc.text))
    out_span: Optional[dict[str, Any]] = None
    if sp is not None:
        thr = default_threshold(state) if threshold is None else threshold
        chosen = span_units(acts, sp[0], sp[1], thr, among=list(units) or None)[:top]
        searched = validation_text(run) if search_text is None else search_text
        matches: list[dict[str, Any]] = []
        if chosen and searched:
            s_enc = encode_text(run, searched)
            s_acts = per_char(all_states(run.model, s_enc.ids, layer, name)[state], s_enc.pieces)
            for a, b in find_matches(s_acts, chosen, thr, sp[1] - sp[0]):
                matches.append({"start": a, "end": b, "text": s_enc.text[a:b],
                                "context": s_enc.text[max(0, a - 20):b + 20], "context_start": max(0, a - 20)})
        out_span = {"start": sp[0], "end": sp[1], "text": enc.text[sp[0]:sp[1]], "threshold": thr,
                    "units": chosen, "matches": matches,
                    "searched": "validation text" if search_text is None else "given text"}
        shown = chosen
    elif units:
        shown = list(units)
    else:
        shown = [u for u, _, _ in ranked[:top]]
    doc: dict[str, Any] = {
        "text": enc.text,
        "layer": layer,
        "state": state,
        "units": [
            {"unit": int(u), "activations": [float(v) for v in acts[:, u]],
             "feature": FEATURES[best[u][0]], "correlation": float(best[u][1])}
            for u in shown
        ],
        "features": list(FEATURES),
    }
    if out_span is not None:
        doc["span"] = out_span
    return doc
