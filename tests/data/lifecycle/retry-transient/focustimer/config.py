"""User settings, read from a TOML file."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    work_min: int = 25
    short_break_min: int = 5
    long_break_min: int = 15
    long_every: int = 4


def load_settings(path: Path) -> Settings:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: int(v) for k, v in data.items() if k in known})
