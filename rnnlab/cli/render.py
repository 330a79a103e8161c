"""How the CLI draws: numbers in their units, ages, tables (rich on a terminal, plain aligned text
in a pipe, so `rnnlab runs | grep lstm` works), plotext line plots (colourless in a pipe), and a
run's pieces (best, test score, kept checkpoints, its latest task output and forecast). The
commands (manage.py, sweep.py, data.py, system_cmd.py) decide what to show; this draws it.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Optional

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def unstyled(text: str) -> str:
    """`text` without colour codes or trailing blanks: what a pipe gets."""
    return "\n".join(line.rstrip() for line in ANSI.sub("", text).splitlines())


def is_tty() -> bool:
    return sys.stdout.isatty()


def width() -> int:
    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 160))


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:.4f}"
    if isinstance(v, int) and abs(v) >= 10_000:
        return f"{v:,}"
    return str(v)


def fmt_metric(name: str, v: Any) -> str:
    """A metric in its own unit: rates with thousands separators, FLOP/s with an SI prefix,
    MFU in percent, step time in ms, the worker's CPU in percent and memory in MiB, the clip
    flag as 0/1; the rest as `fmt`."""
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        return fmt(v)
    if name == "tokens_per_s":
        return f"{v:,.0f}"
    if name == "flops_per_s":
        for prefix, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(v) >= size:
                return f"{v / size:.3g} {prefix}FLOP/s"
        return f"{v:.3g} FLOP/s"
    if name == "mfu":
        return f"{100 * v:.2g}%"
    if name == "step_time":
        return f"{1000 * v:.3g} ms"
    if name == "sys_cpu_pct":  # the worker's own usage (rnnlab/runs/system.py)
        return f"{v:.0f}%"
    if name in ("sys_rss_mib", "sys_gpu_mem_mib"):
        return f"{v:,.0f} MiB"
    if name == "clipped":
        return f"{v:.0f}"
    if name == "lr":
        return f"{v:.3g}"
    return fmt(v)


def age(ts: Optional[float]) -> str:
    """`27m`: how long ago `ts` was, in its largest unit (`27分钟` under RNNLAB_LANG=zh)."""
    from rnnlab.tui.i18n import tf

    if ts is None:
        return "-"
    s = max(0.0, time.time() - ts)
    for unit, size in AGE_UNITS:
        if s >= size:
            return tf(unit, n=int(s // size))
    return tf("{n}s", n=int(s))


AGE_UNITS = (("{n}d", 86400), ("{n}h", 3600), ("{n}m", 60))  # the keys of their translations too


def short_task(task: Optional[str]) -> str:
    return (task or "-").split(":")[0]


def table(headers: list[str], rows: list[list[str]], title: Optional[str] = None) -> None:
    """`headers` (already in the interface language) over `rows`, columns measured in terminal
    cells: a CJK character takes two, so a Chinese header or name keeps its column."""
    from rich.cells import cell_len

    from rnnlab.tui.i18n import pad

    widths = [max(cell_len(h), *(cell_len(r[i]) for r in rows)) if rows else cell_len(h) for i, h in enumerate(headers)]
    if is_tty():
        from rich import box
        from rich.console import Console
        from rich.table import Table

        from rich.measure import Measurement

        console = Console()
        t = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  padding=(0, 1))
        for h in headers:
            t.add_column(h, no_wrap=True)
        for row in rows:
            t.add_row(*row)
        # a rich table only when every cell fits whole (its own measure, unclamped: the padding and the
        # rule between columns take 3 cells each): squeezed, it folds ids and names into
        # unreadable slivers; the plain table below wraps as whole lines instead
        if Measurement.get(console, console.options.update_width(100_000), t).maximum <= console.width:
            console.print(t)
            return
    if title:
        print(title)
    for row in [headers, *rows]:
        print("  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip())


# plotext gives every character one cell: a Chinese one (two cells wide) is followed by WIDE_FILL,
# which holds its second cell in plotext's layout and is dropped from the built text, so a
# legend inside the frame keeps it straight (the lab does the same: rnnlab/tui/widgets/plot.py,
# fastplot.WIDE_FILL, the same character)
WIDE_FILL = "\u2060"


def plot_words(text: str) -> str:
    """`text` laid out for plotext: each two-cell character followed by WIDE_FILL (ASCII as is)."""
    if text.isascii():
        return text
    from rich.cells import cell_len

    return "".join(c + WIDE_FILL if cell_len(c) == 2 else c for c in text)


def built(plt) -> str:
    """plotext's figure as text, the WIDE_FILL placeholders dropped."""
    return plt.build().replace(WIDE_FILL, "")


def downsample(xs: list, ys: list, n: int) -> tuple[list, list]:
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)]
    if len(pts) > n:
        stride = len(pts) / n
        pts = [pts[int(i * stride)] for i in range(n)] + [pts[-1]]
    return [p[0] for p in pts], [p[1] for p in pts]


def plot(title: str, series: list[tuple[str, list, list]], height: int = 15, xlabel: Optional[str] = None,
          xticks: Optional[list] = None) -> str:
    """A terminal line plot; colourless outside a terminal so pipes get plain text."""
    import plotext as plt

    from rnnlab.tui.markers import SERIES_COLOURS, marker_glyph, series_marker, series_style

    cols = width()
    plt.clf()
    plt.plotsize(cols, height)
    plt.title(plot_words(title))
    colourless = not is_tty() or bool(os.environ.get("NO_COLOR"))
    if colourless:
        plt.theme("clear")
    # plotext silently drops a legend taller than its canvas (title, frame, ticks and label
    # take 5 rows): more runs than that get the legend as a grid under the plot instead
    outside = len(series) > max(1, height - 5)
    drawn, legend = False, []
    for i, (label, xs, ys) in enumerate(series):
        xs, ys = downsample(xs, ys, 2 * cols)
        if xs:
            # without colour only the marker tells overlaid runs apart; with more runs than
            # colours, the colours come round again with the next marker
            marker = {"marker": series_marker(i)} if colourless else {}
            if not colourless and len(series) > len(SERIES_COLOURS):
                color, mk = series_style(i, SERIES_COLOURS)
                marker = {"color": color, "marker": mk}
            plt.plot(xs, ys, label=plot_words(label) if len(series) > 1 and not outside else None, **marker)
            legend.append((marker_glyph(marker.get("marker", "braille")), marker.get("color"), label))
            drawn = True
    if not drawn:
        from rnnlab.tui.i18n import tf

        return tf("{title}: no points yet", title=title)
    if xticks:
        plt.xticks([x for x, _ in xticks], [label for _, label in xticks])
    else:  # steps and rows are whole numbers: no `250.8` under the axis
        xs_all = [x for _, xs, _ in series for x in xs]
        if xs_all and all(float(x).is_integer() for x in xs_all):
            lo, hi = min(xs_all), max(xs_all)
            whole = sorted({int(round(lo + (hi - lo) * k / 4)) for k in range(5)})
            plt.xticks(whole, [str(v) for v in whole])
    from rnnlab.tui.i18n import t  # the axis's word in the interface language

    plt.xlabel(plot_words(t(xlabel or ("date" if xticks else "step"))))
    text = built(plt)
    if outside:
        text = text.rstrip("\n") + "\n" + legend_grid(legend, cols, plt.colorize)
    return text if is_tty() else unstyled(text)


def legend_grid(entries: list[tuple[str, Optional[str], str]], width: int, colorize) -> str:
    """(glyph, plotext colour or None, label) as a grid of equal cells under a plot."""
    from rich.cells import cell_len

    cell = min(width, max(cell_len(label) for _, _, label in entries) + 5)  # glyph, space, label, gap (in cells)
    per_line = max(1, width // cell)
    rows = []
    for k in range(0, len(entries), per_line):
        rows.append("".join((colorize(glyph, color) if color else glyph) + " " + label + " " * max(0, cell - 3 - cell_len(label))
                            for glyph, color, label in entries[k:k + per_line]).rstrip())
    return "\n".join(rows)


def best_text(info) -> str:
    if info.best_metric is None or info.primary_metric is None:
        return "-"
    return f"{info.primary_metric} {fmt(info.best_metric)}"


def test_text(info) -> str:
    """The primary metric on the test split, scored once when the run finished ("-" before);
    a forecasting run's fused forecast beside it, the forecast `--future` gives by default."""
    from rnnlab.tui.i18n import t

    if not info.primary_metric or not info.primary_metric.startswith("val_"):
        return "-"
    key = "test_" + info.primary_metric[len("val_"):]
    value = (info.latest or {}).get(key)
    fused = (info.latest or {}).get("fused_" + key)
    return "-" if value is None else f"{key} {fmt(value)}" + ("" if fused is None else f", {t('fused')} {fmt(fused)}")


def checkpoints_kept(info) -> dict:
    from rnnlab.runs.paths import CHECKPOINTS
    from rnnlab.train.kept import summary

    return summary(Path(info.dir) / CHECKPOINTS)


def kept_short(kept: dict) -> str:
    """'best@800 last@1000': the checkpoints a run keeps (sample/forecast load the best)."""
    parts = [f"{k}@{kept[k]['step']}" for k in ("best", "last") if kept.get(k)]
    return " ".join(parts) or "-"


def kept_long(kept: dict) -> str:
    from rnnlab.tui.i18n import t, tf

    def one(entry: dict) -> str:
        value = entry.get("value")
        metric = f" ({entry['metric']} {fmt(value)})" if entry.get("metric") and value is not None else ""
        return tf("step {step}{metric}", step=entry["step"], metric=metric)

    best, last = kept.get("best"), kept.get("last")
    if last is None:
        return t("none yet")
    if best is None:
        return tf("last: {last}; no best checkpoint kept, sample/forecast use the last", last=one(last))
    return tf("best: {best}; last: {last}; sample/forecast use the best (--checkpoint last for the other)",
              best=one(best), last=one(last))


def checkpoint_words(choice) -> str:
    """Choice.describe() (rnnlab/train/kept.py: `best checkpoint (step 800, val_rmse 16.1)`), built
    again from its fields in the interface language; English as describe() says it."""
    from rnnlab.tui.i18n import lang, tf

    if lang() == "en":
        return choice.describe()
    extra = f", {choice.metric} {choice.value:.4g}" if choice.metric and choice.value is not None else ""
    if choice.asked == choice.which:
        key = "best checkpoint (step {step}{extra})" if choice.which == "best" else "last checkpoint (step {step}{extra})"
    else:
        key = ("best checkpoint (step {step}{extra}); no {asked} checkpoint kept" if choice.which == "best" else
               "last checkpoint (step {step}{extra}); no {asked} checkpoint kept")
    return tf(key, step=choice.step, extra=extra, asked=choice.asked)


def short_note(note: str, width: int = 40) -> str:
    """The note's first line, cut to `width` with an ellipsis (`rnnlab show` prints it whole)."""
    line = (note or "").strip().splitlines()[0] if (note or "").strip() else ""
    return "-" if not line else line if len(line) <= width else line[: width - 1] + "…"


def step_text(info) -> str:
    return f"{info.step}/{info.total_steps}" if info.total_steps else str(info.step)


def forecast_plot(step: int, out: dict) -> str:
    """The latest forecast beside the actual values and the baselines; the x-axis shows the
    series' dates when it has them."""
    from rnnlab import timeaxis

    hist = list(out.get("history") or [])
    n = len(hist)
    from rnnlab.tui.i18n import lang, t, tf  # the title and the legend (plot() keeps CJK cells straight)

    series = [(t("history"), list(range(n)), hist)]
    # the fused forecast too: the one `forecast --future` gives by default. The forecasts are drawn
    # last, over the baselines: a forecast within a row of naive's was hidden under its markers (an
    # outside trial's yearly panel), and seasonal-naive without a season is naive again
    snaive_is_naive = list(out.get("seasonal_naive") or []) == list(out.get("naive") or [])
    for key in ("actual", "naive", "seasonal_naive", "fused", "forecast"):
        ys = list(out.get(key) or [])
        if key == "seasonal_naive" and snaive_is_naive:
            continue
        if ys:
            # English keeps the report's key (`seasonal_naive`), Chinese the lab's word for it
            label = key if lang() == "en" else t("s-naive" if key == "seasonal_naive" else key)
            series.append((label, list(range(n, n + len(ys))), ys))

    dates = timeaxis.ticks(out.get("times") or [])
    title = (tf("forecast @ step {step}", step=step) if out.get("kept_step") is None  # the kept model's (loop.score_test)
             else tf("forecast @ step {step}, the best checkpoint", step=out["kept_step"]))
    if out.get("series") is not None:  # a global run's probe: one of its series, named
        title += " · " + tf("series {id}", id=out["series"])
    return plot(title, series, height=14, xticks=dates)


def backtest_plot(report: dict) -> str:
    """RMSE per backtest origin: the model beside naive and seasonal-naive from the same origins."""
    rows = report["origins"]
    xs = [r["origin"] for r in rows]
    from rich.cells import cell_len

    from rnnlab.tui.i18n import t, tf

    shown = [(k, label) for k, label in (("model", "model"), ("fused", "fused"), ("naive", "naive"),
                                         ("seasonal_naive", "seasonal naive")) if k in rows[0]]
    lines = [(t(label), xs, [r[key]["rmse"] for r in rows]) for key, label in shown]

    mean = report.get("mean", {})
    head = t("backtest")  # in show's label column: right-aligned in 10 cells
    summary = (" " * max(0, 10 - cell_len(head)) + head + "  "
               + tf("{n} origins, stride {stride}, mean RMSE ", n=len(rows), stride=report.get("stride"))
               + ", ".join(f"{t(label)} {fmt(mean.get(k, {}).get('rmse'))}" for k, label in shown))
    return summary + "\n" + plot(t("backtest RMSE per origin"), lines, height=12, xlabel="origin (row)")


def output_text(out: dict) -> str:
    """The latest task output in a few lines: a sample, a forecast's scores, predictions."""
    from rnnlab.tui.i18n import tf

    kind = out.get("type")
    if kind == "text":
        sample = str(out.get("sample", ""))[:240].replace("\n", "⏎")
        return tf("sample at T={temperature}: {sample}", temperature=out.get("temperature"), sample=sample)
    if kind == "forecast":
        q, p = out.get("ljung_box_q"), out.get("ljung_box_p")
        n = len(out.get("forecast") or [])
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (q, p)):  # too few residuals for the test
            return tf("forecast of {n} steps", n=n)
        return tf("forecast of {n} steps; residual Ljung-Box Q={q} p={p}", n=n, q=fmt(q), p=fmt(p))
    if kind == "predictions":
        rows = out.get("rows") or []
        return "\n".join("  ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in row.items()) for row in rows[:5])
    return str(out)[:200]
