"""`rnnlab data FILE`: the data card of a time-series CSV (frequency, gaps, stationarity,
seasons, the series and its ACF, recommended settings) before any training."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rnnlab.cli.common import print_json
from rnnlab.errors import UserError
from rnnlab.tui.i18n_cli import FREQ_ZH  # a dict and `re`: nothing heavy at start-up

PLOT_POINTS = 2  # rows of the series per terminal column in the text card's plot


def _finite(obj: Any) -> Any:
    """NaN/inf become null: JSON has no NaN."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def data(
    file: Annotated[Path, typer.Argument(help="A CSV file with a header line.", show_default=False)],
    column: Annotated[Optional[str], typer.Option("--column", "-c", help="The value column (default: the only numeric one).")] = None,
    time_column: Annotated[Optional[str], typer.Option("--time-column", "-t", help="The time column (dates, years or step numbers).")] = None,
    delimiter: Annotated[Optional[str], typer.Option("--delimiter", help="Field separator: one character or tab, comma, semicolon, pipe, space (default: detected).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the card as one JSON object (with the values).")] = False,
    id_column: Annotated[Optional[str], typer.Option("--id-column", help="Long format: the column naming each series (default: unique_id when the columns are unique_id, ds, y).")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Wide format: every numeric column a series of one global model (task.wide).")] = False,
) -> None:
    """Show a time series' data card: rows, frequency, missing values and the longest gap,
    ADF/KPSS, seasonal periods, a plot of the series and its ACF, and recommended settings."""
    from rnnlab.tasks.timeseries import card as tscard

    if delimiter is not None:
        from rnnlab.separators import delimiter_of

        try:
            delimiter = delimiter_of(delimiter)
        except ValueError as err:
            raise UserError(f"--delimiter {delimiter!r}: {err}") from None
    if _panel(file, column, time_column, delimiter, id_column, json_out, wide):
        return
    from rnnlab.cli.render import width as term_width

    # the text card plots the series: two points per column are all a plot can show, so it asks
    # for those rather than for every row (300,000 ISO times cost more than the statistics)
    points = None if json_out else PLOT_POINTS * max(1, term_width())
    card = tscard.build(file, column=column, time_column=time_column, delimiter=delimiter, points=points, id_column=id_column)
    if json_out:
        print_json(_finite(card))
        return
    from rnnlab.tui.i18n import t

    for line in card_lines(tscard.summary_lines(card)):
        typer.echo(line)
    typer.echo("")
    typer.echo(_series_plot(card))
    typer.echo("")
    typer.echo(_acf_plot(card))
    typer.echo("")
    typer.echo(t("recommended settings (paste into a preset, or pass each as --set task.KEY=VALUE):"))
    typer.echo(f"# {_why(card['window_why'])}")  # a TOML comment: the block pastes as it is
    typer.echo(tscard.recommended_toml(card).rstrip())


# the card's lines (rnnlab/tasks/timeseries/card.py summary_lines, English where they are made)
# in Chinese at this edge: its labels padded in cells, then each known phrase; values as typed
CARD_LABELS = {"too short": "太短", "frequency": "频率", "missing": "缺失", "stationarity": "平稳性", "seasons": "季节性",
               "read": "读取"}
CARD_ZH = [
    (r"^(?P<v>\d+) rows; training with the defaults needs at least (?P<n>\d+); the window and horizon recommended below "
     r"train it: (?P<s>.*)$", r"\g<v> 行; 用默认设置训练至少需要 \g<n> 行; 用下面推荐的窗口和预测步长可以训练: \g<s>"),
    (r"^(?P<v>\d+) values \((?P<p>[^)]*)\), longest gap (?P<g>\d+) rows$", r"\g<v> 个值 (\g<p>), 最长缺口 \g<g> 行"),
    (r"\((?P<n>\d+) missing rows put back\)", r"(补回了 \g<n> 个缺失行)"),
    (r"^season (?P<s>\S+), periods \[", r"季节 \g<s>, 周期 ["), (r"; detected in values: ", "; 从数值中检测到: "),
    (r"; the season's (?P<k>\d+)(?:st|nd|rd|th) harmonic\)", r"; 季节的第 \g<k> 次谐波)"),
    (r"\[none\]", "[无]"), (r": none$", ": 无"), (r"\bnon-stationary by KPSS, stationary by ADF\b", "KPSS 判为非平稳, ADF 判为平稳"),
    (r"\bnon-stationary by ADF, stationary by KPSS\b", "ADF 判为非平稳, KPSS 判为平稳"),
    (r"\btoo short to test\b", "太短, 无法检验"), (r"\bnon-stationary\b", "非平稳"), (r"\bstationary\b", "平稳"),
    (r" on the first (?P<n>\d+) rows \(the training split, less a margin for differencing\):", r" (前 \g<n> 行: 训练集减去差分的余量):"),
    (r"difference it \(auto does\)", "需要差分 (auto 会做)"), (r"no differencing needed", "无需差分"),
    # before the frequency names: its "yearly" and "read as" are not theirs
    (r"(?:^|(?<=; ))(?P<c>[\w, ]+?) columns combined into one time column \((?P<t>\w+)\)", r"\g<c> 几列合成一个时间列 (\g<t>)"),
    (r"financial years \(2019-20\) read as yearly, each at the year written first", "财年 (2019-20) 按年读取, 每个记在所写的第一个年份"),
    (r"years before year 1 in (?P<c>'[^']*') \((?P<a>-?\d+) \.\. (?P<b>-?\d+)\) read as steps, without dates \(no calendar holds them\); "
     r"--future counts steps after the last row", r"\g<c> 中有公元 1 年之前的年份 (\g<a> .. \g<b>), 按步读取, 不带日期 (日历表示不了); --future 从最后一行起按步计数"),
    (r"(?P<c>'[^']*') holds (?P<a>\d+) \.\. (?P<b>\d+), two-digit years\? read as steps, without dates; write four-digit years "
     r"\((?P<x>\d+) \.\. (?P<y>\d+)\) to read them as yearly", r"\g<c> 为 \g<a> .. \g<b>, 是两位数的年份吗? 按步读取, 不带日期; 写成四位年份 (\g<x> .. \g<y>) 即按年读取"),
    (r"one series: the id column (?P<c>'[^']*') holds one id, (?P<i>'[^']*'|\"[^\"]*\"); read as a single series",
     r"单个序列: id 列 \g<c> 只有一个 id, \g<i>; 按单个序列读取"),
    # the frequency names, as the started line says them (i18n_cli.FREQ_ZH; "business daily" first)
    *((rf"\b{name}\b", zh) for name, zh in FREQ_ZH.items() if name != "no time column"),
    (r"\bevery (?P<n>\d+) minutes\b", r"每 \g<n> 分钟"), (r"\bevery (?P<n>\d+) years\b", r"每 \g<n> 年"), (r"\b(?P<n>\d+) minutes\b", r"\g<n> 分钟"),
    (r"\bdetected\b", "检测所得"),
    (r"(?P<n>\d+) lines? above the header skipped \(a title\)", r"跳过表头上方 \g<n> 行 (标题)"),
    (r"(?P<n>\d+) note rows? under the data skipped", r"跳过数据下方 \g<n> 行注释"),
    (r"(?P<n>\d+) total rows? under the data skipped", r"跳过数据下方 \g<n> 行合计"),
    (r"times with a UTC offset read in UTC; the forecast's times are UTC too", "带 UTC 偏移的时间按 UTC 读取; 预测的时间也是 UTC"),
    (r"rows newest first, read oldest first", "文件按时间倒序, 已按正序读取"),
    (r"(?P<n>\d+) empty rows? after the last value left out: the series ends at its last value", r"略去最后一个值之后的 \g<n> 个空行: 序列止于其最后一个值"),
    (r"(?P<n>\d+) empty rows? before the first value left out: the series starts at its first value", r"略去第一个值之前的 \g<n> 个空行: 序列始于其第一个值"),
    (r"local clock times: the summer rows moved back one hour \(standard time\)", "本地时钟时间: 夏令时的各行拨回一小时 (标准时间)"), (r"\bread as (?P<e>\S+)", r"按 \g<e> 编码读取"), (r"(?<=\d\d:\d\d) Mon-Fri\b", " 周一至周五"),
    (r"(?<=工作日), Sun-Thu\b", ", 周日至周四"), (r"(?<=工作日), Sat-Wed\b", ", 周六至周三"),
    (r"(?<=工作日)(?P<w>(?:, 周\S+)?), (?P<c>\w+) holidays\b", r"\g<w>, \g<c> 假日休市"),
    (r"(?<=周一至周五), (?P<c>\w+) holidays\b", r", \g<c> 假日休市"),
]


WHY_ZH = [
    (r"^window (\d+), horizon (\d+): the horizon ", r"窗口 \1, 预测步长 \2: 预测步长取"), (r"one season \((\d+)\)", r"一个季节 (\1)"),
    (r"a tenth of the (\d+) rows( modelled \(one fewer: differenced\))?, at most 12",
     lambda m: f"{m[1]} 行{'(差分后少一行)' if m[2] else ''}的十分之一, 至多 12"), (r" \(one season, (\d+), needs (\d+) rows\)", r" (一个季节 \1 需要 \2 行)"),
    (r", cut to (\d+) by the val and test splits \((\d+) rows\) or the window", r", 受验证/测试集 (\2 行) 或窗口所限减为 \1"),
    (r"; the window ", "; 窗口取"), (r"two seasons \((\d+)\)", r"两个季节 (\1)"), (r"at least 16", "至少 16"), (r"twice the horizon", "预测步长的两倍"),
    (r", cut to (\d+): half the training split's (\d+) rows after one horizon", r", 减为 \1: 训练集 \2 行减去一个预测步长后的一半"),
    (r"; season (\d+) left out \(task\.season = 1\): the training split's (\d+) rows hold less than one",
     r"; 不用季节 \1 (task.season = 1): 训练集 \2 行不足一个季节"),
]


def _why(text: str) -> str:
    """The card's `window_why` (tssizes.why_window_horizon) in the interface language."""
    import re

    from rnnlab.tui.i18n import lang

    for pattern, zh in WHY_ZH if lang() != "en" else ():
        text = re.sub(pattern, zh, text)
    return text


def card_lines(lines: list[str]) -> list[str]:
    """The data card's text lines in the interface language (English: as they are)."""
    import re

    from rnnlab.tui.i18n import lang, pad

    if lang() == "en":
        return lines
    out = []
    for line in lines:
        label = next((k for k in CARD_LABELS if line.startswith(k.ljust(14))), None)
        if label is None:  # the first line: FILE [COLUMN]: N rows, FIRST .. LAST
            out.append(re.sub(r"\]: (\d+) rows", r"]: \1 行", line, count=1))
            continue
        rest = line[14:]
        for pattern, zh in CARD_ZH:
            rest = re.sub(pattern, zh, rest)
        out.append(pad(CARD_LABELS[label], 14) + rest)
    return out


def _panel(file: Path, column, time_column, delimiter, id_column, json_out: bool, wide: bool = False) -> bool:
    """A long-format or wide panel (many series, one global model): what `train` will make of it."""
    from rnnlab.config import TaskConfig
    from rnnlab.tasks.timeseries import panel as tspanel

    cfg = TaskConfig(kind="timeseries", source=str(file), column=column, time_column=time_column, delimiter=delimiter,
                     id_column=id_column, wide=wide)
    if not tspanel.wanted(cfg):
        return False
    s = tspanel.summary(tspanel.build(cfg))
    if json_out:
        print_json(_finite({"panel": s}))
        return True
    from rnnlab.tui.i18n import lang, tf
    from rnnlab.tui.i18n_cli import _freq_zh

    freq = _freq_zh(s["frequency"]) if lang() == "zh" else s["frequency"]
    over = tf("over {time}", time=repr(s["time_column"])) if s["time_column"] else tf("no time column")
    shape = (tf("a wide panel of {n} series, one a column ({over})", n=s["series"], over=over) if wide else
             tf("a long-format panel of {n} series by {id} ({column} over {time})", n=s["series"], id=repr(s["id_column"]),
                column=repr(s["column"]), time=repr(s["time_column"])) if s["time_column"] else
             # no time column: the rows in file order (never `over None`, an outside trial)
             tf("a long-format panel of {n} series by {id} ({column}, no time column)", n=s["series"], id=repr(s["id_column"]),
                column=repr(s["column"])))
    facts = dict(shape=shape, rows=s["rows"], low=s["rows_min"], high=s["rows_max"], median=f"{s['rows_median']:g}", freq=freq,
                 season=s["season"])
    if s.get("rows_put_back"):  # the rows counted are not the file's: say how many were put back
        typer.echo(f"{file}: " + tf("{shape}, {rows} rows ({put} missing rows put back; the file has {file_rows}); per series "
                                    "{low} to {high} rows (median {median}); {freq}, season {season}",
                                    put=s["rows_put_back"], **facts, file_rows=tf("{n} rows of {k} columns", n=s["file_rows"],
                                    k=len(s["wide"].split(", "))) if wide else s["file_rows"]))
    else:
        typer.echo(f"{file}: " + tf("{shape}, {rows} rows; per series {low} to {high} rows (median {median}); {freq}, season {season}",
                                    **facts))
    typer.echo(tf("train fits ONE model on every series: window {window}, horizon {horizon}, each series split in time and "
                  "scaled by its own training split", window=s["window"], horizon=s["horizon"]))
    if s.get("reading"):  # the single series card's `read` line (two-digit years read as steps, a title skipped ...)
        typer.echo(card_lines([f"read          {'; '.join(s['reading'])}"])[0])
    if s["left_out"]:
        more = tf(" and {n} more", n=len(s["left_out"]) - 8) if len(s["left_out"]) > 8 else ""
        typer.echo(tf("left out (too short for one window, or under half observed): {series}", series=", ".join(
            tf("{id} ({n} rows)" if s["left_out_observed"].get(i, n) == n else "{id} ({n} rows, {o} observed)", id=i, n=n,
               o=s["left_out_observed"].get(i)) for i, n in s["left_out"][:8])) + more)
    if s.get("missing_values"):
        most = s["missing_series"]
        typer.echo(tf("missing: {n} values ({share}) in {k} of {total} series; most in {most}", n=s["missing_values"],
                      share=f"{100 * s['missing_values'] / max(1, s['rows']):.1f}%", k=len(most), total=s["series"],
                      most=", ".join(tf("{id} ({n})", id=i, n=n) for i, n in most[:3])))
    typer.echo(tf("try: {command}", command=_try(file, column, time_column, delimiter, id_column, wide)))
    return True


def _try(file: Path, column, time_column, delimiter, id_column, wide: bool) -> str:
    """The `rnnlab train` line that reads the file as this card did: every choice made here (-c,
    -t, --delimiter, --id-column, --wide) as its --set, quoted for a shell where it needs to be."""
    import json
    import shlex

    from rnnlab.config import _parse_value

    def setting(key: str, value) -> str:
        text = str(value)
        # a value --set would read as a number, a date or a boolean goes as a TOML string (JSON's quoting is TOML's)
        bare = _parse_value(text) == text and text.isprintable() and text.strip() == text and not text.startswith(("'", '"'))
        return "--set " + shlex.quote(f"task.{key}={text if bare else json.dumps(text)}")

    parts = ["rnnlab train ts-lstm", setting("source", file)]
    for key, value in (("wide", "true" if wide else None), ("id_column", id_column), ("column", column),
                       ("time_column", time_column), ("delimiter", delimiter)):
        if value is not None:
            parts.append(f"--set task.{key}=true" if key == "wide" else setting(key, value))
    return " ".join(parts)


def _plain() -> bool:
    import sys

    return not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))


def _finish(plt) -> str:
    from rnnlab.cli.render import built, unstyled  # the same pipe rule as `show`; CJK cells as `show` keeps them

    text = built(plt)
    return unstyled(text) if _plain() else text


def _series_plot(card: dict) -> str:
    import plotext as plt

    from rnnlab import timeaxis
    from rnnlab.cli.render import downsample, plot_words, width as term_width

    # `positions`: the rows the card carries (all of them, or a spread for the plot)
    rows = card.get("positions") or list(range(len(card["values"])))
    xs = [r for r, v in zip(rows, card["values"]) if v is not None]
    ys = [v for v in card["values"] if v is not None]
    width = term_width()
    plt.clf()
    plt.plotsize(width, 15)
    if _plain():
        plt.theme("clear")
    from rnnlab.tui.i18n import t, tf

    plt.title(plot_words(tf("{column} ({rows} rows)", column=card["column"], rows=card["rows"])))
    xs, ys = downsample(xs, ys, PLOT_POINTS * width)
    plt.plot(xs, ys)
    ticks = timeaxis.ticks(card["times"], most=5)
    form = f"{card.get('time_form') or ''}:{card.get('time_pattern') or ''}".strip(":")
    if ticks and form:  # the file's own form on the axis too (`1960 Q1`, `Jan-50`), as on the card's span
        from rnnlab.tasks.timeseries.card import time_label

        ticks = [(p, time_label(card["times"][p], card["frequency"], form)) for p, _ in ticks]
    if ticks:
        plt.xticks([rows[p] for p, _ in ticks], [s for _, s in ticks])
    plt.xlabel(plot_words(t("date" if ticks else "row")))
    return _finish(plt)


def _acf_plot(card: dict) -> str:
    import plotext as plt

    from rnnlab.cli.render import plot_words, width

    acf = card["acf"]
    plt.clf()
    plt.plotsize(width(), 12)
    if _plain():
        plt.theme("clear")
    from rnnlab.tui.i18n import t, tf

    plt.title(plot_words(tf("ACF of the first differences, lags 1..{n}; lines at ±1.96/√n" if card["acf_of"] == "differences"
                            else "ACF of the series, lags 1..{n}; lines at ±1.96/√n", n=len(acf))))
    if acf:
        plt.bar(list(range(1, len(acf) + 1)), acf, width=0.3)
        band = 1.96 / math.sqrt(max(1, card.get("acf_rows", card["rows"])))
        plt.hline(band)
        plt.hline(-band)
    plt.xlabel(plot_words(t("lag")))
    return _finish(plt)


def register(app: typer.Typer) -> None:
    app.command("data")(data)
