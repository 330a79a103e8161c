"""How a CSV file is written: its encoding, its delimiter, the title lines above its header and
a units row under it.

Spreadsheets save UTF-8 (with a byte-order mark) or, on Windows, the western code page; statistics
offices put a title and a source line above the table. csv.Sniffer is not used for the delimiter:
it guesses from character frequencies and picks the comma in `date;value` files with decimal
commas. Parsing the first lines with each candidate and keeping the one that gives the same number
(>= 2) of fields on every line is what it should do.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Optional

from rnnlab.errors import UserError

_DELIMITERS = (",", ";", "\t", "|")


def _parse(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def _dialect(lines: list[str]) -> tuple[str, int]:
    """The delimiter that splits `lines` into the same number (>= 2) of fields, most fields
    first, and that number; (",", 1) when none does (a one-column file)."""
    head = "\n".join(lines)
    best, best_n = ",", 1
    for d in _DELIMITERS:
        try:
            counts = {len(r) for _, r in _parse(head, d) if any(c.strip() for c in r)}
        except csv.Error:
            continue
        if len(counts) == 1:
            n = counts.pop()
            if n > best_n:
                best, best_n = d, n
    return best, best_n


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (>= 2) of fields, most
    fields first; a comma when none does (a one-column file)."""
    return _dialect(text[:200_000].splitlines()[:50])[0]


def _preamble(text: str, delimiter: Optional[str]) -> int:
    """How many lines above the header are a title or a source note (statistics offices' and
    Excel's exports): lines of at most one filled cell (`"Monthly sales",,`) before the first of
    two or more, which is the header, or before a header over an index column (`,arabica`)."""
    lines = text[:200_000].splitlines()[:80]
    for k in range(min(16, len(lines))):
        delim, fields = (delimiter, 0) if delimiter else _dialect(lines[k:k + 50])
        try:
            cells = next(csv.reader([lines[k]], delimiter=delim), [])
        except csv.Error:
            return 0
        if sum(1 for c in cells if c.strip()) >= 2 or _corner(lines, k, delim):
            # no delimiter splits this line and the rows below alike, and the one the rows below
            # share leaves this line one cell: a title with a comma in it above a `;` table
            below, n = _dialect(lines[k + 1:k + 51]) if not delimiter and fields < 2 else (delim, 0)
            if n >= 2 and sum(1 for c in next(csv.reader([lines[k]], delimiter=below), []) if c.strip()) < 2:
                continue
            return _past_titles(lines, k, delim)
    return 0  # one column throughout


def _corner(lines: list[str], k: int, delim: str) -> bool:
    """Whether line k is a header over an index column: its first cell blank, every other one a
    name, as wide as the row below, a row of data (no name in it: `,Monthly sales` over
    `date,value` is a title) whose first cell is filled. pandas' `Series.to_csv()` writes
    `,arabica` and R's `write.csv` `"","arabica"`: one named cell, like a title's, yet the header."""
    try:
        cells = next(csv.reader([lines[k]], delimiter=delim), [])
        below = next((next(csv.reader([ln], delimiter=delim), []) for ln in lines[k + 1:] if ln.strip()), [])
    except csv.Error:
        return False
    # the row below without a single name: a header with a number in it (`date,CPI 2015=100`) has
    # its `date`, and `,Consumer prices` above it is a title (a review)
    return (len(cells) >= 2 and not cells[0].strip() and all(_name(c) for c in cells[1:])
            and len(below) == len(cells) and bool(below[0].strip()) and not any(_name(c) for c in below))


def _numbers(line: str, delim: str) -> bool:
    """Whether a line has a cell that is a number (a data row's value)."""
    for c in next(csv.reader([line], delimiter=delim), []):
        try:
            float(c.strip().replace(",", "."))
            return True
        except ValueError:
            continue
    return False


def _name(cell: str) -> bool:
    """Whether a cell is a column's name: filled, without a digit (a data row has its time or its
    value; `2020-01-01,#N/A` is a row whose value is missing) and no missing-value word."""
    c = cell.strip()
    return bool(c) and not any(ch.isdigit() for ch in c) and c.upper() not in (
        "NA", "N/A", "#N/A", "NAN", "NONE", "NULL", ".", "..", "-", "?", ":")


def _names(line: str, delim: str) -> bool:
    """Whether every cell of a line is a name (`_name`), but for a blank first one over an index
    column (`,arabica`). A header with a number in it (`Sales 2020`) is not taken past a title: it
    stays where it was."""
    cells = next(csv.reader([line], delimiter=delim), [])
    return len(cells) >= 2 and (_name(cells[0]) or not cells[0].strip()) and all(_name(c) for c in cells[1:])


def _past_titles(lines: list[str], k: int, delim: str) -> int:
    """The header at or after line k: a title with a comma in it (`US production index (1985=100),
    not seasonally adjusted`) has two cells like a header; the header is then the last line of text
    before the first row with a number, when that is at most 3 lines further on. A header with
    numbers in it (a wide file's years) stays where it is."""
    j = k
    try:
        while (j + 1 < min(len(lines), k + 4) and not _numbers(lines[j], delim) and _names(lines[j + 1], delim)
               and not units(lines[j], lines[j + 1], delim)):
            j += 1
        data = j + 2 if j + 2 < len(lines) and units(lines[j], lines[j + 1], delim) else j + 1  # past a units row
        return j if data < len(lines) and _numbers(lines[data], delim) else k
    except csv.Error:
        return k


# a unit as a units row writes it: in brackets, and not a number (`(120)` is -120 in accounts)
_UNIT = re.compile(r"^[(\[](?![-+\d.,\s%]+[)\]]$)[^()\[\]]*[)\]]$")


def units(header: str, line: str, delim: str) -> str:
    """The units in `line` when it is a units row under `header` (`,(USD)` or `(date),(USD per
    tonne)` under `date,price`), "" when not: no wider than the header, every filled cell a unit
    in brackets. Read as the header before (a title with a comma in it above it, as
    _past_titles has it), it named the series `(USD)` (an outside trial)."""
    try:
        names = next(csv.reader([header], delimiter=delim), [])
        cells = [c.strip() for c in next(csv.reader([line], delimiter=delim), [])]
    except csv.Error:
        return ""
    filled = [c for c in cells if c]
    ok = len(names) >= 2 and len(cells) <= len(names) and filled and all(_UNIT.match(c) for c in filled)
    return ", ".join(filled) if ok else ""


def units_row(text: str, delim: str) -> str:
    """The units in the line under the header (the text's first line), "" when it is no units row."""
    lines = text[:200_000].splitlines()[:2]
    return units(lines[0], lines[1], delim) if len(lines) == 2 else ""


def _decode(path: Path) -> tuple[str, bool, str]:
    """The file's head (up to 1 MB: enough to sniff the dialect), whether that is all of it, and
    the encoding: UTF-8, else Windows' western code page, which Excel writes on such systems, or
    UTF-16 after its byte-order mark (Excel's "Unicode text")."""
    with open(path, "rb") as fh:
        bom = fh.read(2)
    for encoding in ("utf-16",) if bom in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp1252", "latin-1"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                text = fh.read(1_000_000)
                whole = not fh.read(1)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or text.startswith("PK\x03\x04"):
            break
        return text, whole, encoding
    raise UserError(f"{path}: not a text file (task.source); expected a CSV file (a spreadsheet: save it as CSV)")
