"""Style labels for conditioned text (`[task] condition`): which part of a corpus is which style.

- `condition = "file"`: every file of a folder or glob source is its own style, named by its
  path inside the source without the suffix (`prose.txt` -> `prose`; with the suffix when two
  names would collide);
- `condition = "folder"`: every sub-folder of a folder source is a style, named by the
  sub-folder, holding the text files under it; `builtin:python-docs-and-code` has two, `docs`
  and `code`.

Each style is read as its own `CorpusStream`, capped at `max_chars` on its own, so one large
style cannot crowd the others out of the data.
"""

from __future__ import annotations

import glob as globlib
import os
from pathlib import Path
from typing import Optional

from rnnlab.errors import UserError
from rnnlab.tasks import corpus as corpus_mod
from rnnlab.tasks.corpus import CorpusStream

# one embedding row each; more than this is a typo'd source, not a set of styles
MAX_STYLES = 1000


def style_groups(source: str, condition: str, max_chars: Optional[int]) -> list[tuple[str, CorpusStream]]:
    """(style name, its text) for each style, in a stable order; a UserError line when the source
    cannot be split that way."""
    where = f'[task] condition = "{condition}"'
    if source in corpus_mod.BUILTINS:
        if condition != "folder" or source != corpus_mod.BUILTIN_DOCS_AND_CODE:
            raise UserError(f'{where}: {source} has no parts to use as styles; use source = '
                            f'"{corpus_mod.BUILTIN_DOCS_AND_CODE}" with condition = "folder", or a folder of your own')
        groups: dict[str, list] = {}
        for name, path in corpus_mod.builtin_files(source):
            groups.setdefault(name, []).append(path)
        parts = list(groups.items())
    else:
        root = Path(source).expanduser()
        if root.is_dir():
            files = list(corpus_mod.folder_files(root))
            if condition == "file":
                parts = [(p.relative_to(root).as_posix(), [p]) for p in files]
            else:
                loose = [p.name for p in files if p.parent == root]
                if loose:
                    shown = ", ".join(loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
                    raise UserError(f"{root}: {where} makes each sub-folder a style, but {shown} "
                                    "lie outside any; move them into a sub-folder or use condition = \"file\"")
                by_dir: dict[str, list] = {}
                for p in files:
                    by_dir.setdefault(p.relative_to(root).parts[0], []).append(p)
                parts = sorted(by_dir.items())
        elif corpus_mod.is_glob(source) and condition == "file":
            matches = sorted(p for p in globlib.glob(os.path.expanduser(source), recursive=True) if os.path.isfile(p))
            parts = [(p, [Path(p)]) for p in matches]
        elif corpus_mod.is_glob(source) or root.is_file():
            raise UserError(f"{source}: {where} needs "
                            + ("a folder whose sub-folders are the styles" if condition == "folder"
                               else "a folder or a glob of several files, one per style"))
        else:
            CorpusStream(source, max_chars)  # its own message for a missing source
            raise AssertionError("unreachable")  # pragma: no cover
        if condition == "file":
            parts = [(n, ps) for n, ps in zip(_file_names([n for n, _ in parts]), [ps for _, ps in parts])]
    if len(parts) < 2:
        found = f"only '{parts[0][0]}'" if parts else "none"
        raise UserError(f"{source}: {where} needs at least two styles, found {found}")
    if len(parts) > MAX_STYLES:
        raise UserError(f"{source}: {where} gives {len(parts)} styles, more than {MAX_STYLES}; "
                        "group the files into sub-folders and use condition = \"folder\"")
    return [(name, CorpusStream(source, max_chars, paths=paths)) for name, paths in parts]


def _file_names(paths: list[str]) -> list[str]:
    """Each path without its suffix, unless that would give two styles one name."""
    stems = [os.path.splitext(p)[0] for p in paths]
    return stems if len(set(stems)) == len(stems) else paths
