"""Wrapping by terminal cells (rnnlab/tui/wrap.py): Chinese breaks between any two characters
(not before ，。 or after （), English at spaces, lines as full as the width allows; and in the
lab, a Chinese lesson text fills its lines (Rich alone broke them at the spaces only)."""

from __future__ import annotations

import asyncio

import pytest
from rich.cells import cell_len
from rich.text import Text

from rnnlab.tui.wrap import NO_END, NO_START, wrap_text

ZH = ("当雅可比矩阵的范数大于 1 时, 梯度反而按几何级数增长: 一步 SGD 就会把权重推得很远, 损失变成 inf/NaN。"
      "按范数裁剪 (Pascanu 等 2013) 保持方向不变; 按值裁剪把每个分量限制在 [-v, v], 会改变方向, 但同样限制了步长。"
      "遗忘门接近 1 的单元，把记忆保存得更久。")


@pytest.mark.parametrize("width", [20, 33, 40, 76])
def test_chinese_fills_each_line_and_breaks_only_where_allowed(width):
    lines = wrap_text(ZH, width).plain.split("\n")
    assert all(cell_len(line) <= width for line in lines)
    # every line but the last is full to within one word of Latin text (the longest here: 9 cells)
    assert all(cell_len(line) >= width - 9 for line in lines[:-1]), [cell_len(x) for x in lines]
    assert "".join(lines).replace(" ", "") == ZH.replace(" ", "")  # nothing lost but spaces at breaks
    for line in lines[1:]:
        assert line[0] not in NO_START
    for line in lines[:-1]:
        assert line[-1] not in NO_END


def test_rich_alone_was_ragged_on_the_same_text():
    from rich.console import Console

    lines = [x.plain.rstrip() for x in Text(ZH).wrap(Console(width=40), 40)]
    assert min(cell_len(x) for x in lines[:-1]) <= 30  # what the issue saw: lines ending at spaces


def test_english_breaks_at_spaces_and_styles_survive():
    text = Text("the quick brown fox jumps over the lazy dog")
    text.stylize("bold", 4, 9)  # "quick"
    out = wrap_text(text, 16)
    assert out.plain.split("\n") == ["the quick brown", "fox jumps over", "the lazy dog"]
    assert any(out.plain[s.start:s.end] == "quick" and str(s.style) == "bold" for s in out.spans)
    assert wrap_text("abcdefghij", 4).plain.split("\n") == ["abcd", "efgh", "ij"]  # a long word folds


def test_a_chinese_lesson_text_fills_its_lines_in_the_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_LANG", "zh")

    async def go():
        from textual.widgets import Static

        from rnnlab.tui.app import LabApp

        app = LabApp(tmp_path / "runs")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("L", "down", "down")  # lesson 3: the exploding-gradient text above
            await pilot.pause(0.5)
            box = app.screen.query_one("#lesson-text", Static)
            width = box.content_region.width
            return width, [box.render_line(y).text.rstrip() for y in range(box.size.height)]

    width, lines = asyncio.run(go())
    body = [x.strip() for x in lines if x.strip()]
    assert len(body) >= 4 and all(cell_len(x) <= width for x in body)
    # the lesson's paragraph (after its two-line title, up to the "观察" label) has full inner
    # lines; only its last line may be short
    end = next(i for i, x in enumerate(body) if x.startswith("观察"))
    para = body[2:end]
    assert len(para) >= 3 and all(cell_len(x) >= width - 9 for x in para[:-1]), (width, para)
