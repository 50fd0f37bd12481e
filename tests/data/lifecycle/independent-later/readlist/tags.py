from __future__ import annotations

import re
from collections import Counter

from readlist.model import Book


def normalize_tag(text: str) -> str:
    text = re.sub(r"[^\w\s-]", "", text.strip().lower())
    return re.sub(r"\s+", "-", text)


def with_tag(books: list[Book], tag: str) -> list[Book]:
    wanted = normalize_tag(tag)
    return [b for b in books if wanted in {normalize_tag(t) for t in b.tags}]


def all_tags(books: list[Book]) -> dict[str, int]:
    return dict(Counter(normalize_tag(t) for b in books for t in b.tags))
