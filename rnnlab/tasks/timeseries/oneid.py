"""A long-format CSV whose id column holds one id: one series, read as any single series is.

`rnnlab train FILE --id-column Origin` on a file of Japan's rows alone trained a "global" model
over 1 series, and `forecast --level 80` then said that intervals are for single-series runs (an
outside trial). Such a file (`task.id_column` set, or the columns `unique_id, ds, y`) is read as an
ordinary series instead, the id column set aside: intervals, fusion, backtests and covariates as
for any CSV of one series, and the card's `read` line says so in one line:

    read          one series: the id column 'Origin' holds one id, 'Japan'; read as a single series

panel.wanted asks `single_id` (a scan of the id column that stops at its second id); the task's
loader (covariates.load_series) and the card (card.build) ask `load_one`. The value column is
chosen as a panel's is (panelread: not the id, not the time, not row numbers).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Optional

from rnnlab.config import TaskConfig
from rnnlab.tasks.timeseries import panelread
from rnnlab.tasks.timeseries import read as tscsv
from rnnlab.tasks.timeseries.series import Series

LONG_FORMAT = ("unique_id", "ds", "y")  # statsforecast / Darts' column names: no key needed (panel.LONG_FORMAT)


def single_id(cfg: TaskConfig) -> Optional[tuple[str, str]]:
    """(the id column, its one id) when `cfg` reads a long-format CSV (`task.id_column`, or the
    columns unique_id, ds, y) whose id column holds one id, as the file wrote it; else None (a
    wide file, a builtin, a missing file or column: the panel reader says what is wrong)."""
    src = cfg.source or ""
    if cfg.wide or not src or src.startswith("builtin:"):
        return None
    path = Path(src).expanduser()
    try:
        head, _, encoding = tscsv._decode(path)
        skip = tscsv._preamble(head, cfg.delimiter)
        delim = cfg.delimiter or tscsv.detect_delimiter("".join(head.splitlines(True)[skip:]))
        with open(path, encoding=encoding, newline="", errors="replace") as fh:
            rows = csv.reader(fh, delimiter=delim)
            header = []
            for _ in range(skip + 1):
                header = [c.strip() for c in next(rows, [])]
            id_col = cfg.id_column or (LONG_FORMAT[0] if set(LONG_FORMAT) <= set(header) else None)
            if id_col is None or id_col not in header:
                return None
            j, seen = header.index(id_col), set()
            for row in rows:
                if len(row) <= j or (len(row) == 1 < len(header)) or not row[j].strip():
                    continue  # a blank line, a note under the data, a units row's empty cell
                seen.add(row[j])
                if len(seen) > 1:
                    return None
    except (OSError, UnicodeError, csv.Error):
        return None
    return (id_col, seen.pop()) if len(seen) == 1 else None


def load_one(cfg: TaskConfig) -> Optional[Series]:
    """The series of a long-format CSV of one id (`single_id`), its id column set aside and the
    card's `read` line saying so; None for any other source."""
    from rnnlab.tasks.timeseries import data as tsdata

    found = single_id(cfg)
    if found is None:
        return None
    id_col, one = found
    path = Path(cfg.source or "").expanduser()
    column, time_col = cfg.column, cfg.time_column
    if column is None:  # not the id column, even when its id is a number (firm 1)
        table = tscsv.read_table(path, cfg.delimiter)
        time_col = time_col or tscsv.find_time_column(table, skip=id_col)
        column = "y" if "y" in table.header and "y" not in (id_col, time_col) else panelread.value_column(table, id_col, time_col)
    series = tsdata.load_csv(path, column=column, time_column=time_col, delimiter=cfg.delimiter)
    note = f"one series: the id column {id_col!r} holds one id, {one!r}; read as a single series"
    return replace(series, reading=(note, *series.reading))


__all__ = ["load_one", "single_id"]
