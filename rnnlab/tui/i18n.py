"""The lab's interface strings in Chinese under `RNNLAB_LANG=zh`; English stays the default.

`t(s)` returns the translation of the English string `s`, or `s` itself when there is none, so a
string not yet translated still reads (in English) and a key can be translated later without
touching the screen that shows it. The language is read from the environment on every call (a
test or a switch in the lab can change it). Lesson texts carry their own languages
(rnnlab/lessons/catalog.py); this table is for the words around them.
"""

from __future__ import annotations

import os


def lang() -> str:
    """`zh` or `en`: $RNNLAB_LANG, read as rnnlab/lessons/catalog.py reads it."""
    v = os.environ.get("RNNLAB_LANG", "en").strip().lower()
    return "zh" if v.startswith("zh") else "en"


def t(text: str) -> str:
    """`text` in the interface language (itself where no translation exists)."""
    if lang() != "zh" or not text:
        return text
    return ZH.get(text, text)


ZH: dict[str, str] = {}
