from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

DEFAULT = Path.home() / ".readlist.json"


def load(path: Path = DEFAULT) -> list[dict]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []


def save(path: Path, rows: list[dict]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".readlist-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)
