"""A lesson's text pinned beside the dashboard or compare view it opened, and its verdict when
its runs end: each check's expected value, the measured one, pass or fail, at quick or full size.

The Lessons screen mounts it on the screen it opens (`pin`); `t` (an app key, shown only where a
pin is) hides and shows it. It polls the runs' status off the UI thread and, once all have ended,
reads the lesson's report there too (a lesson with after-training measurements, the samples of
lesson 6 or the softmax of lesson 13, takes them then: torch in that thread, never at import).
`verdict_text` is shared with the Lessons screen, which shows the last verdict under the text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from rnnlab.lessons import catalog
from rnnlab.tui.wrap import CellWrap

# the pin's own words, in the lesson texts' language
WORDS = {
    "en": {"expect": "Expected", "wait": "Result: when the runs end ({n} of {m} ended)",
           "result": "Result", "passed": "PASSED", "failed": "FAILED", "quick": "quick", "full": "full",
           "measured": "measured", "ended": "a run stopped before its end: no verdict",
           "variation": "variation {k}: {what}", "toggle": "t hides this text",
           "unchecked": "checked at full size only", "at": "{status} @ {step}", "next": "p(next | {p!r}): {e:.2f} bits (unigram {u:.2f})"},
    "zh": {"expect": "预期", "wait": "结果: 运行结束后显示 (已结束 {n}/{m})",
           "result": "结果", "passed": "通过", "failed": "未通过", "quick": "快速", "full": "完整",
           "measured": "实测", "ended": "有运行提前停止: 没有结论",
           "variation": "变体 {k}: {what}", "toggle": "按 t 隐藏本文",
           "unchecked": "只在完整规模下检查", "at": "{status} (第 {step} 步)",
           "next": "p(下一个 | {p!r}): {e:.2f} 比特 (一元分布 {u:.2f})"},
}


def words() -> dict[str, str]:
    return WORDS[catalog.lang()]


def expected_text(lesson: catalog.Lesson) -> Text:
    w = words()
    out = Text()
    out.append(f"{w['expect']}:\n", style="bold")
    for e in lesson.expects:
        out.append(f"  • {e.describe()}\n")
    return out


def verdict_text(lesson: catalog.Lesson, report: dict[str, Any]) -> Text:
    """Measured against expected, one line each, and the verdict with its size."""
    w = words()
    out = Text()
    ok = report["passed"]
    size = w["quick"] if report.get("quick") else w["full"]
    out.append(f"{w['result']} ({size}): ", style="bold")
    out.append(w["passed"] if ok else w["failed"], style="bold green" if ok else "bold red")
    out.append("\n")
    for c in report["checks"]:
        out.append("  ✓ " if c["passed"] else "  ✗ ", style="green" if c["passed"] else "red")
        out.append(f"{c['expect']}\n")
        out.append(f"      {w['measured']}: {c['measured']}\n", style="dim")
    for e in report.get("full_size_only", ()):
        out.append(f"  – {e} ({w['unchecked']})\n", style="dim")
    metric = report["metric"]
    for r in report["runs"]:
        shown = "  ".join(f"{m} {r['metrics'][m]:.4g}" for m in (metric, *report.get("also", ()))
                          if isinstance(r["metrics"].get(m), float))
        tps = f"  {r['tokens_per_s']:,.0f} tok/s" if r.get("tokens_per_s") else ""
        out.append(f"  {r['label']}: {w['at'].format(status=r['status'], step=r['step'])}  {shown}{tps}\n", style="dim")
    probe = report.get("next_token")
    if probe:
        out.append("  " + w["next"].format(p=probe["prefix"].strip(), e=probe["entropy_bits"],
                                           u=probe["unigram_entropy_bits"]) + "\n")
        for ch, p in probe["top"][:6]:
            out.append(f"    {ch!r:>6} {p:5.2f} {'█' * round(p * 20)}\n")
    for row in report.get("samples", ()):
        bits = "".join(f"  {k.split('/', 1)[1]} {v:+.2f}" for k, v in row.items() if k.startswith("style_bits/"))
        out.append(f"  {row['label']:<10} d4 {row['char_distinct_4']:.2f}  bpc {row['own_bpc']:.2f}{bits}\n", style="dim")
    for row in report.get("members", ()):  # the forecast's members and their fusion (test MASE)
        if isinstance(row.get("test_mase"), float):
            out.append(f"  {row['label']:<15} test MASE {row['test_mase']:.3f}\n", style="bold" if row["label"] == "fused" else "dim")
    return out


def lesson_text(lesson: catalog.Lesson, try_: int = 0) -> Text:
    body = Text()
    body.append(f"{lesson.number}. {catalog.pick(lesson.title)}\n", style="bold")
    if try_:
        body.append(words()["variation"].format(k=try_, what=catalog.pick(lesson.tries[try_ - 1].what)) + "\n",
                    style="italic")
    body.append(catalog.pick(lesson.text) + "\n")
    body.append(catalog.pick(catalog.LOOK) + ": ", style="bold")
    body.append(catalog.pick(lesson.look) + "\n")
    return body


class LessonPin(VerticalScroll, can_focus=False):
    """The lesson beside what it opened; its verdict below once the runs have ended."""

    def __init__(self, number: int, run_dirs: list[Path], try_: int = 0) -> None:
        super().__init__(id="lesson-pin")
        self.lesson = catalog.get(number)
        self.run_dirs = [Path(d) for d in run_dirs]
        self.try_ = try_
        self.report: Optional[dict[str, Any]] = None

    def compose(self):
        # the result first: at 80x24 the text runs below the fold, the verdict should not
        yield Static(id="lesson-pin-result")
        yield Static(id="lesson-pin-text")

    def on_mount(self) -> None:
        self._text()
        self.query_one("#lesson-pin-result", Static).update(
            Text(words()["wait"].format(n=0, m=len(self.run_dirs)), style="italic"))
        self._timer = self.set_interval(2.0, self.poll)
        self.poll()

    def _text(self) -> None:
        text = lesson_text(self.lesson, self.try_)
        text.append_text(expected_text(self.lesson))
        text.append(words()["toggle"], style="dim italic")
        self.query_one("#lesson-pin-text", Static).update(CellWrap(text))  # Chinese wraps at any character

    def relabel(self) -> None:
        """The text and the verdict in the interface language (the lab's language switch):
        the report's lines are said in the language it was made in, so it is made again."""
        self._text()
        self.report = None  # its result line again, whatever it said (waiting, ended, a verdict)
        self.poll()

    @work(thread=True, group="lesson-pin", exclusive=True, exit_on_error=False)
    def poll(self) -> None:
        from rnnlab.lessons import runner
        from rnnlab.runs.reader import read_info

        if self.report is not None:
            return
        infos = [read_info(d) for d in self.run_dirs]
        ended = sum(not i.live for i in infos)
        if ended < len(infos):
            self.app.call_from_thread(self._waiting, ended)
            return
        if not all(i.status in ("finished", "diverged") for i in infos):
            self.app.call_from_thread(self._no_verdict)
            return
        report = runner.report(self.lesson, self.run_dirs, self.try_)
        self.app.call_from_thread(self._show, report)

    def _waiting(self, ended: int) -> None:
        self.query_one("#lesson-pin-result", Static).update(
            Text(words()["wait"].format(n=ended, m=len(self.run_dirs)), style="italic"))

    def _no_verdict(self) -> None:
        self._timer.stop()
        self.query_one("#lesson-pin-result", Static).update(Text(words()["ended"], style="yellow"))

    def _show(self, report: dict[str, Any]) -> None:
        self.report = report
        self._timer.stop()
        self.query_one("#lesson-pin-result", Static).update(CellWrap(verdict_text(self.lesson, report)))


def pin(screen: Screen, number: int, run_dirs: list[Path], try_: int = 0, tries: int = 50) -> None:
    """Mount the lesson's pin on `screen` as soon as the screen is mounted (it was just pushed)."""
    if not screen.is_attached or not screen.is_mounted:
        if tries > 0:
            screen.app.set_timer(0.05, lambda: pin(screen, number, run_dirs, try_, tries - 1))
        return
    if not screen.query("#lesson-pin"):
        screen.mount(LessonPin(number, run_dirs, try_))


def toggle(screen: Screen) -> bool:
    """Hide or show the screen's pin; False when it has none."""
    found = screen.query("#lesson-pin")
    if not found:
        return False
    widget = found.first()
    widget.display = not widget.display
    return True
