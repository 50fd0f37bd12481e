"""Finished sessions, one JSON line each."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    started: datetime
    minutes: int
    label: str


def append(path: Path, entry: Entry) -> None:
    line = json.dumps({"started": entry.started.isoformat(), "minutes": entry.minutes, "label": entry.label})
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read(path: Path) -> list[Entry]:
    out: list[Entry] = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            d = json.loads(line)
            out.append(Entry(datetime.fromisoformat(d["started"]), int(d["minutes"]), str(d["label"])))
        except (ValueError, KeyError, TypeError):
            continue
    return out
