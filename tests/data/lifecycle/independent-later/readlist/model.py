from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class State(Enum):
    WANT = "want"
    READING = "reading"
    READ = "read"


@dataclass(frozen=True)
class Book:
    isbn: str
    title: str
    author: str
    state: State
    rating: int | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
