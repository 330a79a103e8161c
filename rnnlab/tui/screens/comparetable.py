"""Compare's final-metrics table: a row per run (or one of mean ± sd per seed group), the config
keys where the runs differ as columns after the metric, sorted by a chosen column.

A mixin of the Compare screen (rnnlab/tui/screens/compare.py): it reads the screen's `states`,
`flats`, `diff_keys`, `sort_col`/`sort_desc`, `_label`, `_group_label` and `_groups`. The
message handlers (the header click) stay on the screen.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import DataTable

from rnnlab.tui import seedgroups
from rnnlab.tui.i18n import t
from rnnlab.tui.state import fmt_num
from rnnlab.tui.tablesort import sort_rows

# the metric right after the run: at 80 columns the table cuts from the right
# params early: a race is fair only at about equal size, and at 80-120 columns the table cuts
# from the right
COLUMNS = ("run", "status", "metric", "best", "step", "params", "loss", "val_loss", "baseline", "cell")
TEXT_COLUMNS = ("run", "status", "cell")
SHOWN_KEYS = ("model.cell",)  # config keys the table shows anyway
MAX_DIFF_COLUMNS = 6


class CompareTable:
    """The table's columns, rows and sort."""

    @property
    def columns(self) -> tuple:
        return COLUMNS[:4] + tuple("hp:" + k for k in self.diff_keys) + COLUMNS[4:]

    def _columns(self) -> None:
        table = self.query_one("#final", DataTable)
        if table.columns:
            table.clear(columns=True)
        for label in self.columns:
            mark = (" ▼" if self.sort_desc else " ▲") if label == self.sort_col else ""
            table.add_column(self._head(label) + mark, key=label)
        self._rows = []

    def _head(self, label: str) -> str:
        if label == "metric":  # the latest value, beside `best`: the Runs list's metric is the best one
            return t("last metric")
        if not label.startswith("hp:"):
            return t(label)  # the column's key stays English: sort and clicks find it by that
        from rnnlab.runs.hparams import short_names

        return short_names(self.diff_keys).get(label[3:], label[3:])

    def _table(self) -> None:
        groups = self._groups()
        member = {i: ix for ix in groups.values() for i in ix}
        rows = []
        for i in range(len(self.states)):
            if i not in member:
                rows.append((str(i), self._row(i)))
            elif member[i][0] == i:  # a group: one row, where its first member would be
                rows.append((f"g{i}", self._group_row(member[i])))
        columns = self.columns
        if self.sort_col is not None:
            col = columns.index(self.sort_col)
            order = sort_rows([(*row, key) for key, row in rows], col, self.sort_desc,
                              numeric=self.sort_col not in TEXT_COLUMNS)
            rows = [(r[-1], tuple(r[:-1])) for r in order]
        if rows == self._rows:
            return
        self._rows = rows
        table = self.query_one("#final", DataTable)
        cursor = table.cursor_row
        # explicit widths: the table's own auto-width lags a clear() made before its idle
        # update (under load a column stayed as narrow as its header: "runnin", "600/")
        table.clear(columns=True)
        for j, label in enumerate(columns):
            head = self._head(label) + ((" ▼" if self.sort_desc else " ▲") if label == self.sort_col else "")
            table.add_column(head, key=label, width=max([cell_len(head)] + [cell_len(str(row[j])) for _, row in rows]))
        for key, row in rows:
            table.add_row(*row, key=key)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def action_sort(self) -> None:
        """Sort by the next column (after the last one: the runs' own order again)."""
        order = [None, *self.columns]
        self.sort_col = order[(order.index(self.sort_col) + 1) % len(order)]
        self.sort_desc = False
        self._columns()
        self._table()

    def _row(self, i: int) -> tuple:
        st = self.states[i]
        info = st.info
        if info is None:
            return (self._label(i), st.error or "…", *[""] * (len(self.columns) - 2))
        latest = info.latest or {}
        primary = info.primary_metric or "val_loss"
        base = {k: v for k, v in (info.baselines or {}).items() if k.endswith(primary)}
        cells = {
            "run": self._label(i),
            "status": t(info.status),
            "metric": f"{primary.removeprefix('val_')} {fmt_num(latest.get(primary))}",
            "best": fmt_num(info.best_metric),
            "step": f"{info.step}/{info.total_steps or '?'}",
            "loss": fmt_num(latest.get("loss")),
            "val_loss": fmt_num(latest.get("val_loss")),
            "baseline": " ".join(f"{k.removesuffix('_' + primary)} {fmt_num(v)}" for k, v in base.items()) or "–",
            "cell": info.cell or "?",
            "params": f"{info.params:,}" if info.params else "–",
        }
        from rnnlab.runs.hparams import fmt

        cells.update({"hp:" + k: fmt(self.flats[i].get(k)) for k in self.diff_keys})
        return tuple(cells[c] for c in self.columns)

    def _group_row(self, ix: list[int]) -> tuple:
        """One row for a seed group: mean ± sd of each metric over its runs; a config value
        shared by the members once, else theirs joined (the seeds: `1,2,3`)."""
        from rnnlab.runs.hparams import fmt

        infos = [self.states[i].info for i in ix]
        if any(info is None for info in infos):
            return (self._group_label(ix), "…", *[""] * (len(self.columns) - 2))
        primary = infos[0].primary_metric or "val_loss"
        statuses = list(dict.fromkeys(info.status for info in infos))
        base = {k: v for k, v in (infos[0].baselines or {}).items() if k.endswith(primary)}
        steps = sorted({info.step for info in infos})

        def ms(get) -> str:
            return seedgroups.fmt_mean_sd([get(info) for info in infos], lambda v: fmt_num(v, 3))

        cells = {
            "run": self._group_label(ix),
            "status": "/".join(t(x) for x in statuses),
            "metric": f"{primary.removeprefix('val_')} " + ms(lambda info: (info.latest or {}).get(primary)),
            "best": ms(lambda info: info.best_metric),
            "step": ("–".join(map(str, (steps[0], steps[-1]))) if len(steps) > 1 else str(steps[0]))
            + f"/{infos[0].total_steps or '?'}",
            "loss": ms(lambda info: (info.latest or {}).get("loss")),
            "val_loss": ms(lambda info: (info.latest or {}).get("val_loss")),
            "baseline": " ".join(f"{k.removesuffix('_' + primary)} {fmt_num(v)}" for k, v in base.items()) or "–",
            "cell": "/".join(dict.fromkeys(info.cell or "?" for info in infos)),
            "params": f"{infos[0].params:,}" if infos[0].params else "–",
        }
        for k in self.diff_keys:
            values = [self.flats[i].get(k) for i in ix]
            if all(isinstance(v, (int, float)) for v in values):
                values = sorted(values)
            cells["hp:" + k] = ",".join(dict.fromkeys(fmt(v) for v in values))
        return tuple(cells[c] for c in self.columns)
