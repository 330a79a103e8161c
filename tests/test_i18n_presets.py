"""The shipped presets' descriptions in Chinese (rnnlab/tui/i18n_presets.py): one for every preset
and none for a preset that is gone, carrying every number of the English text (a measured figure
edited in a preset must be edited in Chinese too), shown by `rnnlab presets` under RNNLAB_LANG=zh
in a pipe, while `presets --json` keeps the TOML's own text in both languages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rnnlab import config, presets
from rnnlab.tui.i18n_presets import ZH, description

REPO = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _english() -> dict[str, str]:
    return {name: config.validate(config.read_toml(path), str(path)).description for name, path in presets.available().items()}


def test_every_preset_has_a_chinese_description_with_the_english_numbers():
    english = _english()
    assert sorted(ZH) == sorted(english)
    for name, text in english.items():
        missing = [n for n in NUMBER.findall(text) if n not in NUMBER.findall(ZH[name])]
        assert not missing, f"{name}: the Chinese description lacks {missing} of the English one"
        assert re.search(r"[\u4e00-\u9fff]", ZH[name]), name


def test_description_falls_back_to_english():
    assert description("adding-lstm", "English text", "en") == "English text"
    assert description("adding-lstm", "English text", "zh") == ZH["adding-lstm"]
    assert description("my-own-preset", "English text", "zh") == "English text"


def _presets(lang: str, *args: str) -> str:
    env = {**os.environ, "RNNLAB_LANG": lang, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "rnnlab", "presets", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_presets_lists_chinese_descriptions_and_its_json_is_the_same_in_both_languages():
    zh, en = _presets("zh"), _presets("en")
    line = next(ln for ln in zh.splitlines() if ln.startswith("adding-lstm "))
    assert line.endswith(ZH["adding-lstm"])
    english = _english()
    assert next(ln for ln in en.splitlines() if ln.startswith("adding-lstm ")).endswith(english["adding-lstm"])
    as_json = _presets("zh", "--json")
    assert as_json == _presets("en", "--json")
    assert {r["name"]: r["description"] for r in json.loads(as_json)} == english
