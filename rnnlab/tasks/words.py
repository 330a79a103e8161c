"""Word tokens for the text task's `[task] unit = "word"`.

A token is a word (`\\w+`), a newline, a run of other whitespace, or one punctuation mark, so
every character of a text belongs to exactly one token and joining the tokens gives the text
back: `decode(encode(s)) == s` whenever every token of `s` is in the vocabulary (indentation and
line breaks of code survive). The vocabulary is `<unk>` (id 0) and the `vocab_size - 1`
commonest tokens of the corpus (ties broken alphabetically, so it is the same on every machine);
a rarer token is encoded as `<unk>`, and decodes as the text "<unk>".
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

import numpy as np

UNK = "<unk>"
# \w+ | newline | other whitespace | any other single character: together they cover every character
TOKEN = re.compile(r"\w+|\n|[^\S\n]+|[^\w\s]")


def split(text: str) -> list[str]:
    """The tokens of `text`; `"".join(split(text)) == text`."""
    return TOKEN.findall(text)


def split_pieces(pieces: Iterable[str]) -> Iterator[list[str]]:
    """The tokens of a text read in pieces: the last token of a piece waits for the next one, as
    the piece may have cut a word (or a run of spaces) in two."""
    carry = ""
    for piece in pieces:
        tokens = split(carry + piece)
        carry = tokens.pop() if tokens else ""
        if tokens:
            yield tokens
    if carry:
        yield [carry]


def count(pieces: Iterable[str]) -> Counter:
    counts: Counter = Counter()
    for tokens in split_pieces(pieces):
        counts.update(tokens)
    return counts


def vocabulary(counts: dict[str, int], size: int) -> list[str]:
    """`<unk>` and the `size - 1` commonest tokens, commonest first."""
    ranked = sorted((w for w in counts if w != UNK), key=lambda w: (-counts[w], w))
    return [UNK] + ranked[: max(0, size - 1)]


def unk_length(counts: dict[str, int], vocab: list[str]) -> float:
    """The mean length in characters of the tokens `<unk>` stands for (1 when there are none):
    what bits per character count for it."""
    known = set(vocab)
    n = chars = 0
    for w, c in counts.items():
        if w not in known:
            n += c
            chars += c * len(w)
    return chars / n if n else 1.0


def encode_tokens(tokens: list[str], index: dict[str, int], dtype=np.int64) -> np.ndarray:
    """Ids of `tokens` under `index` (token -> id); unknown ones are `<unk>`, id 0."""
    get = index.get
    return np.fromiter((get(t, 0) for t in tokens), dtype=dtype, count=len(tokens))
