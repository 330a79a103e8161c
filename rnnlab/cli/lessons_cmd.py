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
           "step": "step", "then_inf": " then inf/NaN", "ok": "ok  ", "fail": "FAIL", "baselines": "baselines",
           "samples": "samples of {n} chars from {run}'s best checkpoint:",
           "sample_head": ("sampler", "distinct-4 (chars)", "own bpc", "sample"),
           "probe_head": "p(next char | {p!r}) from {run}'s best checkpoint: entropy {e:.2f} bits "
                         "(unigram {u:.2f}, uniform {f:.2f})",
           "no_number": "--run needs a lesson number, e.g. `rnnlab lessons 3 --run`; `rnnlab lessons` lists them",
           "try_needs_run": "--try {k} needs --run, e.g. `rnnlab lessons {n} --run --try {k}`",
           "not_number": "lesson {text!r} is not a number; lessons are {all} (see `rnnlab lessons`)",
           "no_lesson": "no lesson {n}; lessons are {all} (see `rnnlab lessons`)",
           "no_try": "lesson {n} has no variation {k}; it has {has} (see `rnnlab lessons {n}`)", "none": "none",
           "no_option": "no such option {o}; `rnnlab lessons` takes N, --run, --quick, --try, --json, --runs-dir",
           "members": "the forecast's members and their fusion ({r}):",
           "member_head": ("member", "val MASE", "test MASE"), "bits": "bits {s}"},
    "zh": {"ch": "第 {} 节", "min": "约 {} 分钟", "race": "{} 个运行竞赛", "one": "1 个运行",
           "hint": "rnnlab lessons N: 阅读第 N 课; rnnlab lessons N --run [--quick]: 运行它 (分钟数按 2 核 CPU 计)",
           "head": "第 {n} 课 (第 {ch} 节): {title}", "run": "运行", "result": "第 {n} 课: {title}",
           "then": "然后用每种采样设置从其最佳检查点生成 {n} 个字符: ",
           "probe": "然后给出 {p!r} 之后下一个字符的 softmax",
           "foot": "2 核 CPU 约 {m} 分钟; 预期: {e}",
           "try": "试试 {k}: {what}  (rnnlab lessons {n} --run --try {k})",
           "verdict": {True: "通过", False: "未通过"}, "size": {True: "快速", False: "完整"},
           "variation": "变体 {k}: {what}", "unchecked": "只在完整规模下检查",
           "step": "步", "then_inf": " 随后 inf/NaN", "ok": "通过", "fail": "失败", "baselines": "基线",
           "samples": "从 {run} 的最佳检查点采样的 {n} 个字符:",
           "sample_head": ("采样设置", "distinct-4 (字符)", "自身 bpc", "样本"),
           "probe_head": "{run} 的最佳检查点给出的 p(下一个字符 | {p!r}): 熵 {e:.2f} 比特 "
                         "(一元分布 {u:.2f}, 均匀分布 {f:.2f})",
           "no_number": "--run 需要课程编号, 例如 `rnnlab lessons 3 --run`; `rnnlab lessons` 列出所有课程",
           "try_needs_run": "--try {k} 需要与 --run 一起使用, 例如 `rnnlab lessons {n} --run --try {k}`",
           "not_number": "课程 {text!r} 不是数字; 课程编号为 {all} (见 `rnnlab lessons`)",
           "no_lesson": "没有第 {n} 课; 课程编号为 {all} (见 `rnnlab lessons`)",
           "no_try": "第 {n} 课没有变体 {k}; 它有 {has} (见 `rnnlab lessons {n}`)", "none": "无",
           "no_option": "没有选项 {o}; `rnnlab lessons` 接受 N, --run, --quick, --try, --json, --runs-dir",
           "members": "预测的各个成员及其融合 ({r}):",
           "member_head": ("成员", "val MASE", "test MASE"), "bits": "{s} 比特"},
}


def _words() -> dict:
    from rnnlab.lessons import catalog

    return WORDS[catalog.lang()]


def lessons_command(
    # a string, parsed here: `rnnlab lessons abc` is then one error line like `rnnlab lessons 99`
    number: Annotated[Optional[str], typer.Argument(help="The lesson to show or run.", show_default=False)] = None,
    run: Annotated[bool, typer.Option("--run", help="Train the lesson's runs here (headless), then print what they measured.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Reduced size (seconds, same direction of effect); also $RNNLAB_LESSONS_QUICK=1.")] = False,
    try_: Annotated[Optional[int], typer.Option("--try", help="With --run: the lesson's variation K to try next (see `rnnlab lessons N`).", show_default=False)] = None,
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
            raise UserError(_words()["no_number"])
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
    lesson = _lesson(_number(number))
    quick = quick or runner.quick_from_env()
    if try_ is not None:  # --try 0 too: variations count from 1, and 0 is not the main lesson
        if not 1 <= try_ <= len(lesson.tries):  # an unknown variation: one error line before anything runs
            raise UserError(_words()["no_try"].format(
                n=lesson.number, k=try_, has=", ".join(str(i + 1) for i in range(len(lesson.tries))) or _words()["none"]))
        if not run:
            raise UserError(_words()["try_needs_run"].format(k=try_, n=lesson.number))
    if not run:
        if json_out:
            print_json(_describe(lesson))
            return
        _print_text(lesson)
        return
    progress = (lambda m: print(m, file=sys.stderr, flush=True))
    result = runner.run_lesson(lesson, root, quick=quick, progress=progress, try_=try_ or 0)
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
        raise UserError(_words()["no_option"].format(o=text.split("=")[0]))
    try:
        return int(text)
    except ValueError:
        raise UserError(_words()["not_number"].format(text=text, all=_all_numbers())) from None


def _all_numbers() -> str:
    from rnnlab.lessons import catalog

    return ", ".join(str(n) for n in sorted(x.number for x in catalog.LESSONS))


def _lesson(number: int):
    """catalog.get, its error line in the lesson texts' language."""
    from rnnlab.errors import UserError
    from rnnlab.lessons import catalog

    if not any(x.number == number for x in catalog.LESSONS):
        raise UserError(_words()["no_lesson"].format(n=number, all=_all_numbers()))
    return catalog.get(number)


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


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` in `width` terminal cells (CJK takes two), left- or right-aligned."""
    from rich.cells import cell_len

    gap = " " * max(0, width - cell_len(text))
    return gap + text if right else text + gap


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
        g = "" if spike is None else f"  max |g| {spike:.3g}" + (w["then_inf"] if r["grad_norm_nonfinite"] else "")
        tps = f"  {r['tokens_per_s']:,.0f} tok/s" if r.get("tokens_per_s") else ""  # lesson 8's other half
        print(f"  {r['label']:<14} {r['status']:<9} {w['step']} {r['step']:<6} {shown}{g}{tps}  ({r['run_id']})")
    samples = result.get("samples") or []
    if samples:
        print("  " + w["samples"].format(n=lesson.sample_length, run=result["runs"][0]["run_id"]))
        # a style-conditioned lesson's samples: how typical of each style their characters are
        styles = sorted({k for row in samples for k in row if k.startswith("style_bits/")})
        extra = "".join(" " + pad(w["bits"].format(s=k.split("/", 1)[1]), 10, right=True) for k in styles)
        h = w["sample_head"]
        print(f"    {pad(h[0], 10)} {pad(h[1], 18, right=True)} {pad(h[2], 8, right=True)}{extra}  {h[3]}")
        for row in samples:
            # whitespace shown as one space (and a line break as ⏎), so a loop of blanks is visible
            text = " ".join(row["sample"].replace("\n", " ⏎ ").split())[:44] or repr(row["sample"][:20])
            bits = "".join(f" {row[k]:>10.3f}" for k in styles)
            print(f"    {row['label']:<10} {row['char_distinct_4']:>18.3f} {row['own_bpc']:>8.3f}{bits}  {text}")
    members = result.get("members") or []
    if members:
        print("  " + w["members"].format(r=result["runs"][0]["run_id"]))
        mh = w["member_head"]
        print(f"    {pad(mh[0], 15)} {pad(mh[1], 9, right=True)} {pad(mh[2], 10, right=True)}")
        for row in members:
            cells = "".join(f" {row[m]:>{width}.3f}" if isinstance(row.get(m), float) else f" {'-':>{width}}"
                            for m, width in (("val_mase", 9), ("test_mase", 10)))
            print(f"    {row['label']:<15}{cells}")
    probe = result.get("next_token")
    if probe:
        print("  " + w["probe_head"].format(p=probe["prefix"], run=result["runs"][0]["run_id"], e=probe["entropy_bits"],
                                            u=probe["unigram_entropy_bits"], f=probe["uniform_bits"]))
        for ch, p in probe["top"]:
            print(f"    {ch!r:>6} {p:6.3f} {'█' * round(p * 40)}")
    base = {k[: -len(metric) - 1]: v for k, v in (result["runs"][0]["baselines"] or {}).items() if k.endswith("_" + metric)}
    if base:
        print(f"  {w['baselines']}: " + ", ".join(f"{k} {metric} {v:.4f}" for k, v in sorted(base.items())))
    for c in result["checks"]:
        print(f"  {w['ok'] if c['passed'] else w['fail']} {c['expect']}: {c['measured']}")
    for e in result.get("full_size_only", ()):
        print(f"  --   {e}: {w['unchecked']}")
    if result["checks"]:
        print(f"  => {w['verdict'][result['passed']]} ({w['size'][result['quick']]})")


def register(app: typer.Typer) -> None:
    # `rnnlab lessons -1` reaches _number as a number (one error line) instead of click's usage block
    app.command("lessons", context_settings={"ignore_unknown_options": True})(lessons_command)
