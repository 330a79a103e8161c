"""Built-in features of a text, one value per character, and the units that track them.

Karpathy, Johnson & Fei-Fei (2015) found char-LSTM cells that follow quotes, line length and
indentation by reading their activations against such features; this module does the reading
automatically: every unit's activation is correlated (Pearson r) with every feature and the
units are ranked by their best |r|. The features follow Python-like source, the lab's default
corpus, and mean something in prose too (position in line, after whitespace, upper case):

    in_string      inside a '…' or "…" literal (triple quotes span lines), quotes included
    bracket_depth  how many ( [ { are open outside strings and comments
    indent         the leading spaces of the character's line
    line_pos       the column: characters since the last newline
    line_start     the first character of a line
    in_comment     from an unquoted # to the end of its line
    after_space    the previous character is whitespace
    is_digit, is_upper

Numpy only (no torch): the lab computes them on its own thread.
"""

from __future__ import annotations

import numpy as np

FEATURES = ("in_string", "bracket_depth", "indent", "line_pos", "line_start", "in_comment",
            "after_space", "is_digit", "is_upper")
OPEN, CLOSE = "([{", ")]}"
# each feature in words, for a reader who meets its name in a table (the lab's Neurons screen)
WORDS = {
    "in_string": "inside a quoted string",
    "bracket_depth": "how many ( [ { are open",
    "indent": "the line's leading spaces",
    "line_pos": "the column: characters since the last newline",
    "line_start": "the first character of a line",
    "in_comment": "inside a # comment",
    "after_space": "the previous character is whitespace",
    "is_digit": "a digit",
    "is_upper": "an upper-case letter",
    "series": "the series' value",
    "series_change": "the change since the previous step",
}


def text_features(text: str) -> np.ndarray:
    """(len(FEATURES), len(text)) float64, in FEATURES order."""
    n = len(text)
    f = np.zeros((len(FEATURES), n))
    in_string, bracket, indent, line_pos, line_start, in_comment, after_space, digit, upper = f
    quote = ""  # the open string's delimiter: ', ", ''' or """
    comment = False
    depth = 0
    col = 0
    lead = True  # still in the line's leading spaces
    ind = _indent_at(text, 0)
    i = 0
    while i < n:
        ch = text[i]
        line_pos[i] = col
        line_start[i] = col == 0
        indent[i] = ind
        after_space[i] = i > 0 and text[i - 1].isspace()
        digit[i] = ch.isdigit()
        upper[i] = ch.isupper()
        step = 1
        if quote:
            in_string[i] = 1
            if ch == "\\" and i + 1 < n and text[i + 1] != "\n":
                step = 2  # an escaped character (\" or \\) cannot close the string
            elif text.startswith(quote, i):
                step = len(quote)
                quote = ""
            elif ch == "\n" and len(quote) == 1:
                quote = ""  # an unterminated one-line string ends with its line
                in_string[i] = 0
        elif comment:
            in_comment[i] = ch != "\n"
            comment = ch != "\n"
        elif ch == "#":
            comment = True
            in_comment[i] = 1
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            step = len(quote)
            in_string[i] = 1
        elif ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        bracket[i] = depth
        # characters a multi-character step covers (the rest of a triple quote, an escape)
        for j in range(i + 1, min(i + step, n)):
            f[:, j] = f[:, i]
            line_pos[j] = col + (j - i)
            line_start[j] = 0
            after_space[j] = text[j - 1].isspace()
            digit[j] = text[j].isdigit()
            upper[j] = text[j].isupper()
        for j in range(i, min(i + step, n)):
            if text[j] == "\n":
                col = 0
                lead = True
                ind = _indent_at(text, j + 1)
            else:
                col += 1
                if lead and text[j] != " ":
                    lead = False
        i += step
    return f


def _indent_at(text: str, start: int) -> int:
    """Leading spaces (a tab counts 4) of the line that starts at `start`."""
    n = 0
    for ch in text[start:]:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        else:
            break
    return n


def correlations(acts: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """Pearson r of each unit (acts: (T, H)) with each feature (feats: (F, T)): (H, F). A
    constant unit or feature (no variance in this text) correlates 0, not NaN."""
    a = acts - acts.mean(axis=0, keepdims=True)
    b = feats - feats.mean(axis=1, keepdims=True)
    na = np.sqrt((a * a).sum(axis=0))
    nb = np.sqrt((b * b).sum(axis=1))
    num = a.T @ b.T
    den = np.outer(na, nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), 0.0)
    return np.clip(r, -1.0, 1.0)


def rank_units(r: np.ndarray) -> list[tuple[int, int, float]]:
    """(unit, best feature index, its r) for every unit, best |r| first (ties: lower unit)."""
    best = np.abs(r).argmax(axis=1)
    vals = r[np.arange(r.shape[0]), best]
    order = sorted(range(r.shape[0]), key=lambda u: (-abs(vals[u]), u))
    return [(u, int(best[u]), float(vals[u])) for u in order]
