"""Docstrings and presets cite what a reader of the repository can find: papers, or an
explanation in place, not the author's private notes ("seed ch. N", DESIGN.md) that ship nowhere."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRIVATE = re.compile(r"seed ch\.|DESIGN\.md", re.IGNORECASE)


def test_no_citation_of_documents_outside_the_repository():
    found = [
        f"{p.relative_to(REPO)}:{i}: {line.strip()}"
        for folder in ("rnnlab", "presets", "benchmarks")
        for p in sorted((REPO / folder).rglob("*"))
        if p.suffix in (".py", ".toml", ".tcss", ".md")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE.search(line) and not (REPO / "DESIGN.md").exists()
    ]
    assert not found, "cites a document that is not in the repository:\n" + "\n".join(found)
