"""`rnnlab lessons [N] [--run] [--quick] [--json]`: the course, one lesson per chapter of the
source document; list them, print one, or run one headless and check its expected result."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt

# the words around the lesson texts, in their language ($RNNLAB_LANG); commands, labels, metric
# names and numbers stay as they are typed and read
WORDS = {
    "en": {"ch": "ch. {}", "min": "~{} min", "race": "race of {}", "one": "1 run",
           "hint": "rnnlab lessons N: read one; rnnlab lessons N --run: run it (minutes are on a 2-core CPU)",
           "head": "Lesson {n} (ch. {ch}): {title}", "run": "run", "result": "Lesson {n}: {title}",
           "then": "then {n} characters from its best checkpoint with each sampler: ",
           "foot": "~{m} min on a 2-core CPU; expected: {e}"},
    "zh": {"ch": "第 {} 章", "min": "约 {} 分钟", "race": "{} 个运行竞赛", "one": "1 个运行",
           "hint": "rnnlab lessons N: 阅读第 N 课; rnnlab lessons N --run: 运行它 (分钟数按 2 核 CPU 计)",
           "head": "第 {n} 课 (第 {ch} 章): {title}", "run": "运行", "result": "第 {n} 课: {title}",
           "then": "然后用每种采样设置从其最佳检查点生成 {n} 个字符: ",
           "foot": "2 核 CPU 约 {m} 分钟; 预期: {e}"},
}


def _words() -> dict:
    from rnnlab.lessons import catalog

    return WORDS[catalog.lang()]


def lessons_command(
    # a string, parsed here: `rnnlab lessons abc` is then one error line like `rnnlab lessons 99`
    number: Annotated[Optional[str], typer.Argument(help="The lesson to show or run.", show_default=False)] = None,
    run: Annotated[bool, typer.Option("--run", help="Train the lesson's runs here (headless), then print what they measured.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Reduced size (seconds, same direction of effect); also $RNNLAB_LESSONS_QUICK=1.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object (a list without N).")] = False,
    runs_dir: RunsDirOpt = None,
) -> None:
    """List the lessons, show lesson N, or run it with --run."""
    from rnnlab.cli.common import print_json
    from rnnlab.errors import UserError
    from rnnlab.lessons import catalog, runner
    from rnnlab.runs import paths

    root = paths.runs_root(runs_dir)
    if number is None:
        if run:
            raise UserError("--run needs a lesson number, e.g. `rnnlab lessons 3 --run`; `rnnlab lessons` lists them")
        from rich.cells import cell_len

        done = runner.finished(root)
        rows = [{"number": x.number, "chapter": x.chapter, "title": catalog.pick(x.title), "minutes": x.minutes,
                 "runs": len(x.experiments), "finished": x.number in done} for x in catalog.LESSONS]
        if json_out:
            print_json(rows)
            return
        w = _words()

        def pad(text: str, width: int) -> str:  # CJK takes two cells
            return text + " " * max(0, width - cell_len(text))

        chapters = [w["ch"].format(r["chapter"]) for r in rows]
        minutes = [w["min"].format(f"{r['minutes']:g}") for r in rows]
        wc, wm = max(map(cell_len, chapters)), max(map(cell_len, minutes))
        for r, chapter, mins in zip(rows, chapters, minutes):
            mark = "✓" if r["finished"] else " "
            kind = w["race"].format(r["runs"]) if r["runs"] > 1 else w["one"]
            print(f"{mark} {r['number']:>2}  {pad(r['title'], 44)} {pad(chapter, wc)}  {pad(mins, wm)}  {kind}")
        print(w["hint"])
        return
    lesson = catalog.get(_number(number))
    quick = quick or runner.quick_from_env()
    if not run:
        if json_out:
            print_json(_describe(lesson))
            return
        _print_text(lesson)
        return
    progress = (lambda m: print(m, file=sys.stderr, flush=True))
    result = runner.run_lesson(lesson, root, quick=quick, progress=progress)
    result["quick"] = quick
    result["look"] = catalog.pick(lesson.look)
    if json_out:
        print_json(result)
    else:
        _print_result(lesson, result)
    if not result["passed"]:
        raise typer.Exit(1)


def _number(text: str) -> int:
    from rnnlab.errors import UserError
    from rnnlab.lessons import catalog

    if text.startswith("--"):  # an option click did not know, let through by ignore_unknown_options
        raise UserError(f"no such option {text.split('=')[0]}; `rnnlab lessons` takes N, --run, --quick, --json, --runs-dir")
    try:
        return int(text)
    except ValueError:
        raise UserError(f"lesson {text!r} is not a number; lessons are "
                        f"{', '.join(str(x.number) for x in catalog.LESSONS)} (see `rnnlab lessons`)") from None


def _describe(lesson) -> dict:
    from rnnlab.lessons import catalog

    return {
        "number": lesson.number, "chapter": lesson.chapter, "title": catalog.pick(lesson.title),
        "text": catalog.pick(lesson.text), "look": catalog.pick(lesson.look), "minutes": lesson.minutes,
        "panel": lesson.panel,
        # every --set the run gets at full size: the lesson's shared ones, then its own
        "experiments": [{"label": e.label, "preset": e.preset, "overrides": [*lesson.sets, *e.overrides]}
                        for e in lesson.experiments],
        **({"samplings": [{"label": x.label, "temperature": x.temperature, "top_k": x.top_k, "top_p": x.top_p}
                          for x in lesson.samplings]} if lesson.samplings else {}),
        "expects": [e.describe() for e in lesson.expects],
    }


def _print_text(lesson) -> None:
    from rnnlab.lessons import catalog

    d = _describe(lesson)
    w = _words()
    print(w["head"].format(n=d["number"], ch=d["chapter"], title=d["title"]))
    print(f"  {d['text']}")
    print(f"  {catalog.pick(catalog.LOOK)}: {d['look']}")
    for e in d["experiments"]:
        sets = "".join(f" --set {o}" for o in e["overrides"])
        print(f"  {w['run']} {e['label']}: rnnlab train {e['preset']}{sets}")
    if lesson.samplings:
        print("  " + w["then"].format(n=lesson.sample_length)
              + "; ".join(x.describe() for x in lesson.samplings))
    print("  " + w["foot"].format(m=f"{d['minutes']:g}", e="; ".join(d["expects"])))


def _print_result(lesson, result: dict) -> None:
    from rnnlab.lessons import catalog

    metric = result["metric"]
    print(_words()["result"].format(n=lesson.number, title=catalog.pick(lesson.title)) + (" (quick)" if result["quick"] else ""))
    print(f"  {catalog.pick(catalog.LOOK)}: {result['look']}")
    for r in result["runs"]:
        v = r["metrics"].get(metric)
        shown = f"{metric} {v:.4f}" if isinstance(v, float) else f"{metric} -"
        spike = r["max_grad_norm"]
        g = "" if spike is None else f"  max |g| {spike:.3g}" + (" then inf/NaN" if r["grad_norm_nonfinite"] else "")
        tps = f"  {r['tokens_per_s']:,.0f} tok/s" if r.get("tokens_per_s") else ""  # lesson 8's other half
        print(f"  {r['label']:<14} {r['status']:<9} step {r['step']:<6} {shown}{g}{tps}  ({r['run_id']})")
    samples = result.get("samples") or []
    if samples:
        print(f"  samples of {lesson.sample_length} chars from {result['runs'][0]['run_id']}'s best checkpoint:")
        print(f"    {'sampler':<10} {'distinct-4 (chars)':>18} {'own bpc':>8}  sample")
        for row in samples:
            # whitespace shown as one space (and a line break as ⏎), so a loop of blanks is visible
            text = " ".join(row["sample"].replace("\n", " ⏎ ").split())[:44] or repr(row["sample"][:20])
            print(f"    {row['label']:<10} {row['char_distinct_4']:>18.3f} {row['own_bpc']:>8.3f}  {text}")
    base = {k[: -len(metric) - 1]: v for k, v in (result["runs"][0]["baselines"] or {}).items() if k.endswith("_" + metric)}
    if base:
        print("  baselines: " + ", ".join(f"{k} {metric} {v:.4f}" for k, v in sorted(base.items())))
    for c in result["checks"]:
        print(f"  {'ok  ' if c['passed'] else 'FAIL'} {c['expect']}: {c['measured']}")


def register(app: typer.Typer) -> None:
    # `rnnlab lessons -1` reaches _number as a number (one error line) instead of click's usage block
    app.command("lessons", context_settings={"ignore_unknown_options": True})(lessons_command)
