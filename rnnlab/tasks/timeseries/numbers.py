"""Numbers as spreadsheets write them, a cell or a column at a time: 1234.5, 1,234.5, 1.234,5,
1234,5, 12%, 1 234, (-3) in accountants' brackets, and the missing-value words (NA, n/a, empty).
The decimal mark is decided per column (see read.py); plain numbers are converted by pandas in C,
only the other cells by the rules here. pandas is imported on first use.
"""

from __future__ import annotations

import math
import re
from typing import Optional

import numpy as np

# "." is FRED's missing value, ".." the OECD's and the ABS's
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "--", "?", "#n/a", "missing", ".", "..", "...", "n.a.", "n.a"}
_SPACES = ("\u00a0", "\u202f", " ", "'", "\u2019")
_GROUPS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_GROUPS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_DEC_COMMA = re.compile(r"^[+-]?\d*,\d+$")
NUMBER_FORMS = "a number (1234.5, 1,234.5, 1.234,5, 1234,5 or 12%)"


def _clean(cell: str) -> tuple[str, bool]:
    """The cell without spaces and thousands apostrophes, and whether it was negative in
    accountants' brackets or had a percent sign."""
    s = cell.strip()
    for ch in _SPACES:
        s = s.replace(ch, "")
    if s.endswith("%"):
        s = s[:-1]
    neg = s.startswith("(") and s.endswith(")")
    if neg:
        s = s[1:-1]
    return s, neg


def decimal_mark(cells, delimiter: str) -> str:
    """"," when the column writes decimals with a comma, "." otherwise."""
    comma_groups = dot_groups = dec_comma = 0
    for cell in cells:
        s, _ = _clean(cell)
        if "," in s and "." in s:
            # both: whichever comes last is the decimal mark
            return "," if s.rfind(",") > s.rfind(".") else "."
        if _GROUPS_COMMA.match(s):
            comma_groups += 1
        elif _DEC_COMMA.match(s):
            dec_comma += 1
        elif _GROUPS_DOT.match(s) and s.count(".") > 1:
            dot_groups += 1
    if dot_groups:
        return ","
    if dec_comma:
        return ","
    if comma_groups:
        # `1,100` alone is ambiguous: a ;-separated file is a decimal-comma export
        return "," if delimiter in (";", "\t") else "."
    return "."


def parse_number(cell: str, mark: str = ".") -> Optional[float]:
    """float, NaN for a missing cell, None when it is not a number written any usual way."""
    if cell.strip().lower() in _MISSING:
        return float("nan")
    s, neg = _clean(cell)
    if mark == ",":
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return None
    if math.isinf(v):
        return None
    return -v if neg else v


def _mark_of(cells, delimiter: str) -> str:
    """decimal_mark over the cells that could tell (a comma, or two dots), a few thousand at most."""
    telling = cells[cells.str.contains(",", regex=False) | (cells.str.count(r"\.") > 1)]
    return decimal_mark(telling.head(5000).tolist(), delimiter) if len(telling) else "."


def _numeric(col) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(col.dtype)) and not pd.api.types.is_bool_dtype(col.dtype)


def parse_column(cells, delimiter: str = ",") -> tuple[np.ndarray, Optional[int]]:
    """(floats with NaN for missing cells, index of the first cell that is no number or None),
    vectorised: plain numbers go through pandas.to_numeric, the rest through the cleaning rules."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(cells.dtype):  # a time column pandas already read as dates
        return np.full(len(cells), np.nan), 0
    if _numeric(cells):
        out = np.array(cells, dtype=np.float64)
        bad = np.isinf(out)
        return out, (int(np.argmax(bad)) if bad.any() else None)
    cells = cells.fillna("").astype(str)
    # a column of words or dates fails on its first cells: say so before converting them all
    for k, cell in enumerate(cells.head(20).tolist()):
        if parse_number(cell, ".") is None and parse_number(cell, ",") is None:
            return np.full(len(cells), np.nan), k
    # plain numbers in C; only the cells that are not (missing, 1.234,5, 12%) go the slow way
    out = np.array(pd.to_numeric(cells, errors="coerce"), dtype=np.float64)
    missing = np.zeros(out.size, dtype=bool)
    odd = np.isnan(out)
    if odd.any():
        low = cells[odd].str.strip().str.lower()
        missing[odd] = low.isin(_MISSING).to_numpy()
        out[missing] = np.nan
    todo = np.isnan(out) & ~missing
    if todo.any():
        mark = _mark_of(cells.str.strip(), delimiter)
        rest = cells[todo].str.strip()
        for ch in _SPACES:
            rest = rest.str.replace(ch, "", regex=False)
        rest = rest.str.removesuffix("%")
        neg = rest.str.startswith("(") & rest.str.endswith(")")
        rest = rest.where(~neg, rest.str.slice(1, -1))
        if mark == ",":
            rest = rest.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            rest = rest.str.replace(",", "", regex=False)
        got = pd.to_numeric(rest, errors="coerce").to_numpy(dtype=np.float64)
        got = np.where(neg.to_numpy(), -got, got)
        out[todo] = got
    bad = (np.isnan(out) & ~missing) | np.isinf(out)
    return out, (int(np.argmax(bad)) if bad.any() else None)
