"""`rnnlab lessons [N] [--run] [--quick] [--try K] [--json]`: the course, in the order of the
source document; list them (with each one's verdict: ✓ passed or ✗ failed, at quick or full
size), print one, or run one (or its variation K) headless and check its expected result."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt

# the words around the lesson texts, in their language ($RNNLAB_LANG); commands, labels, metric
# names and numbers stay as they are typed and read
WORDS = {
    "en": {"ch": "§ {}", "min": "~{} min", "race": "race of {}", "one": "1 run",
           "hint": "rnnlab lessons N: read one; rnnlab lessons N --run [--quick]: run it (minutes are on a 2-core CPU)",
           "head": "Lesson {n} (§ {ch}): {title}", "run": "run", "result": "Lesson {n}: {title}",
           "then": "then {n} characters from its best checkpoint with each sampler: ",
           "probe": "then the next-character softmax after {p!r}",
           "foot": "~{m} min on a 2-core CPU; expected: {e}",
           "try": "try {k}: {what}  (rnnlab lessons {n} --run --try {k})",
           "verdict": {True: "PASSED", False: "FAILED"}, "size": {True: "quick", False: "full"},
           "variation": "variation {k}: {what}", "unchecked": "checked at full size only",
           "members": "the forecast's members and their fusion ({r}):"},
    "zh": {"ch": "第 {} 节", "min": "约 {} 分钟", "race": "{} 个运行竞赛", "one": "1 个运行",
           "hint": "rnnlab lessons N: 阅读第 N 课; rnnlab lessons N --run [--quick]: 运行它 (分钟数按 2 核 CPU 计)",
           "head": "第 {n} 课 (第 {ch} 节): {title}", "run": "运行", "result": "第 {n} 课: {title}",
           "then": "然后用每种采样设置从其最佳检查点生成 {n} 个字符: ",
           "probe": "然后给出 {p!r} 之后下一个字符的 softmax",
           "foot": "2 核 CPU 约 {m} 分钟; 预期: {e}",
           "try": "试试 {k}: {what}  (rnnlab lessons {n} --run --try {k})",
           "verdict": {True: "通过", False: "未通过"}, "size": {True: "快速", False: "完整"},
           "variation": "变体 {k}: {what}", "unchecked": "只在完整规模下检查",
           "members": "预测的各个成员及其融合 ({r}):"},
}


def _words() -> dict:
    from rnnlab.lessons import catalog

    return WORDS[catalog.lang()]


def lessons_command(
    # a string, parsed here: `rnnlab lessons abc` is then one error line like `rnnlab lessons 99`
    number: Annotated[Optional[str], typer.Argument(help="The lesson to show or run.", show_default=False)] = None,
    run: Annotated[bool, typer.Option("--run", help="Train the lesson's runs here (headless), then print what they measured.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Reduced size (seconds, same direction of effect); also $RNNLAB_LESSONS_QUICK=1.")] = False,
    try_: Annotated[int, typer.Option("--try", help="With --run: the lesson's variation K to try next (see `rnnlab lessons N`).", show_default=False)] = 0,
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
        verdicts = runner.verdicts(root)
        rows = [{"number": x.number, "chapter": x.chapter, "title": catalog.pick(x.title), "minutes": x.minutes,
                 "runs": len(x.experiments), "finished": x.number in done,
                 # the newest runs' checks: "passed", "failed", "running", "ended" or null (never run)
                 "verdict": verdicts[x.number].state if x.number in verdicts else None,
                 "quick": verdicts[x.number].quick if x.number in verdicts else None} for x in catalog.LESSONS]
        if json_out:
            print_json(rows)
            return
        w = _words()

        def pad(text: str, width: int) -> str:  # CJK takes two cells
            return text + " " * max(0, width - cell_len(text))

        chapters = [w["ch"].format(r["chapter"]) for r in rows]
        minutes = [w["min"].format(f"{r['minutes']:g}") for r in rows]
        wc, wm = max(map(cell_len, chapters)), max(map(cell_len, minutes))
        marks = [verdicts[r["number"]].mark if r["number"] in verdicts else "" for r in rows]
        wk = max(map(cell_len, marks))
        for r, chapter, mins, mark in zip(rows, chapters, minutes, marks):
            kind = w["race"].format(r["runs"]) if r["runs"] > 1 else w["one"]
            print(f"{pad(mark, wk)} {r['number']:>2}  {pad(r['title'], 44)} {pad(chapter, wc)}  {pad(mins, wm)}  {kind}")
        print(w["hint"])
        return
    lesson = catalog.get(_number(number))
    quick = quick or runner.quick_from_env()
    if try_:
        runner.experiments(lesson, try_)  # an unknown variation: one error line before anything runs
        if not run:
            raise UserError(f"--try {try_} needs --run, e.g. `rnnlab lessons {lesson.number} --run --try {try_}`")
    if not run:
        if json_out:
            print_json(_describe(lesson))
            return
        _print_text(lesson)
        return
    progress = (lambda m: print(m, file=sys.stderr, flush=True))
    result = runner.run_lesson(lesson, root, quick=quick, progress=progress, try_=try_)
    result["quick"] = quick
    result["look"] = catalog.pick(lesson.look)
    if json_out:
        print_json(result)
    else:
        _print_result(lesson, result)
    if not result["passed"] and not try_:  # a variation asks a question; it has no verdict to fail
        raise typer.Exit(1)


def _number(text: str) -> int:
    from rnnlab.errors import UserError
    from rnnlab.lessons import catalog

    if text.startswith("--"):  # an option click did not know, let through by ignore_unknown_options
        raise UserError(f"no such option {text.split('=')[0]}; `rnnlab lessons` takes N, --run, --quick, --try, --json, --runs-dir")
    try:
        return int(text)
    except ValueError:
        raise UserError(f"lesson {text!r} is not a number; lessons are "
                        f"{', '.join(str(n) for n in sorted(x.number for x in catalog.LESSONS))} (see `rnnlab lessons`)") from None


def _describe(lesson) -> dict:
    from rnnlab.lessons import catalog
    from rnnlab.lessons.runner import COURSE_SETS

    return {
        "number": lesson.number, "chapter": lesson.chapter, "title": catalog.pick(lesson.title),
        "text": catalog.pick(lesson.text), "look": catalog.pick(lesson.look), "minutes": lesson.minutes,
        "panel": lesson.panel,
        # every --set the run gets at full size: the course's, the lesson's shared ones, then its own
        "experiments": [{"label": e.label, "preset": e.preset, "overrides": [*COURSE_SETS, *lesson.sets, *e.overrides]}
                        for e in lesson.experiments],
        **({"samplings": [{"label": x.label, "temperature": x.temperature, "top_k": x.top_k, "top_p": x.top_p}
                          for x in lesson.samplings]} if lesson.samplings else {}),
        **({"probe": lesson.probe} if lesson.probe else {}),
        "expects": [e.describe() for e in lesson.expects],
        "tries": [{"try": i + 1, "what": catalog.pick(v.what), "sets": list(v.sets), "only": list(v.only)}
                  for i, v in enumerate(lesson.tries)],
        "question": catalog.pick(lesson.question) if lesson.question else None,
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
    if lesson.probe:
        print("  " + w["probe"].format(p=lesson.probe))
    print("  " + w["foot"].format(m=f"{d['minutes']:g}", e="; ".join(d["expects"])))
    if d["tries"]:
        print(f"  {catalog.pick(catalog.TRY)}:")
        for t in d["tries"]:
            print("    " + w["try"].format(k=t["try"], what=t["what"], n=lesson.number))
    if d["question"]:
        print(f"  {catalog.pick(catalog.ASK)}: {d['question']}")


def _print_result(lesson, result: dict) -> None:
    from rnnlab.lessons import catalog

    w = _words()
    metric = result["metric"]
    print(w["result"].format(n=lesson.number, title=catalog.pick(lesson.title)) + f" ({w['size'][result['quick']]})")
    if result.get("try"):
        print("  " + w["variation"].format(k=result["try"], what=catalog.pick(lesson.tries[result["try"] - 1].what)))
    print(f"  {catalog.pick(catalog.LOOK)}: {result['look']}")
    for r in result["runs"]:
        shown = "  ".join(f"{m} {r['metrics'][m]:.4f}" if isinstance(r["metrics"].get(m), float) else f"{m} -"
                          for m in (metric, *result.get("also", ())))
        spike = r["max_grad_norm"]
        g = "" if spike is None else f"  max |g| {spike:.3g}" + (" then inf/NaN" if r["grad_norm_nonfinite"] else "")
        tps = f"  {r['tokens_per_s']:,.0f} tok/s" if r.get("tokens_per_s") else ""  # lesson 8's other half
        print(f"  {r['label']:<14} {r['status']:<9} step {r['step']:<6} {shown}{g}{tps}  ({r['run_id']})")
    samples = result.get("samples") or []
    if samples:
        print(f"  samples of {lesson.sample_length} chars from {result['runs'][0]['run_id']}'s best checkpoint:")
        # a style-conditioned lesson's samples: how typical of each style their characters are
        styles = sorted({k for row in samples for k in row if k.startswith("style_bits/")})
        extra = "".join(f" {'bits ' + k.split('/', 1)[1]:>10}" for k in styles)
        print(f"    {'sampler':<10} {'distinct-4 (chars)':>18} {'own bpc':>8}{extra}  sample")
        for row in samples:
            # whitespace shown as one space (and a line break as ⏎), so a loop of blanks is visible
            text = " ".join(row["sample"].replace("\n", " ⏎ ").split())[:44] or repr(row["sample"][:20])
            bits = "".join(f" {row[k]:>10.3f}" for k in styles)
            print(f"    {row['label']:<10} {row['char_distinct_4']:>18.3f} {row['own_bpc']:>8.3f}{bits}  {text}")
    members = result.get("members") or []
    if members:
        print("  " + w["members"].format(r=result["runs"][0]["run_id"]))
        print(f"    {'member':<15} {'val MASE':>9} {'test MASE':>10}")
        for row in members:
            cells = "".join(f" {row[m]:>{w}.3f}" if isinstance(row.get(m), float) else f" {'-':>{w}}"
                            for m, w in (("val_mase", 9), ("test_mase", 10)))
            print(f"    {row['label']:<15}{cells}")
    probe = result.get("next_token")
    if probe:
        print(f"  p(next char | {probe['prefix']!r}) from {result['runs'][0]['run_id']}'s best checkpoint: "
              f"entropy {probe['entropy_bits']:.2f} bits (unigram {probe['unigram_entropy_bits']:.2f}, "
              f"uniform {probe['uniform_bits']:.2f})")
        for ch, p in probe["top"]:
            print(f"    {ch!r:>6} {p:6.3f} {'█' * round(p * 40)}")
    base = {k[: -len(metric) - 1]: v for k, v in (result["runs"][0]["baselines"] or {}).items() if k.endswith("_" + metric)}
    if base:
        print("  baselines: " + ", ".join(f"{k} {metric} {v:.4f}" for k, v in sorted(base.items())))
    for c in result["checks"]:
        print(f"  {'ok  ' if c['passed'] else 'FAIL'} {c['expect']}: {c['measured']}")
    for e in result.get("full_size_only", ()):
        print(f"  --   {e}: {w['unchecked']}")
    if result["checks"]:
        print(f"  => {w['verdict'][result['passed']]} ({w['size'][result['quick']]})")


def register(app: typer.Typer) -> None:
    # `rnnlab lessons -1` reaches _number as a number (one error line) instead of click's usage block
    app.command("lessons", context_settings={"ignore_unknown_options": True})(lessons_command)
