from __future__ import annotations

from collections import Counter

from readlist.model import Book, State


def counts_by_state(books: list[Book]) -> dict[State, int]:
    counts = Counter(b.state for b in books)
    return {s: counts.get(s, 0) for s in State}


def average_rating(books: list[Book]) -> float | None:
    rated = [b.rating for b in books if b.rating is not None]
    return sum(rated) / len(rated) if rated else None


def top_authors(books: list[Book], n: int = 5) -> list[tuple[str, int]]:
    return Counter(b.author for b in books if b.state is State.READ).most_common(n)
