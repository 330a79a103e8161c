"""What the lab remembers about a runs root between sessions: the runs table's hyperparameter
columns. One small JSON file in the runs root (`.rnnlab-lab.json`: a dot name, so no listing
takes it for a run), beside the runs it describes, so a root shared over SSH keeps its view.
A file that cannot be read is ignored (the defaults), one that cannot be written is said once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rnnlab.errors import UserError

FILE = ".rnnlab-lab.json"


def load(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(root) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def columns(root: Path) -> list[str]:
    cols = load(root).get("columns")
    return [c for c in cols if isinstance(c, str)] if isinstance(cols, list) else []


def save(root: Path, **values: Any) -> None:
    """Merge `values` into the file (written whole, then renamed: a reader never sees half)."""
    path = Path(root) / FILE
    data = {**load(root), **values}
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot save the lab's settings ({err.strerror}); the columns last this session only") from None
