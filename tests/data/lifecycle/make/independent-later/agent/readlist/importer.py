from __future__ import annotations

import csv
import io

from readlist.model import Book, State

SHELVES = {"to-read": State.WANT, "currently-reading": State.READING, "read": State.READ}


def _isbn(raw: str) -> str:
    # Goodreads writes ISBNs as ="9780441172719"
    return raw.strip().lstrip("=").strip('"')


def import_csv(text: str) -> list[Book]:
    books: list[Book] = []
    for row in csv.DictReader(io.StringIO(text)):
        title = row.get("Title", "").strip()
        if not title:
            continue
        rating = int(row.get("My Rating") or 0)
        tags = frozenset(t.strip() for t in row.get("Bookshelves", "").split(",") if t.strip())
        books.append(
            Book(
                isbn=_isbn(row.get("ISBN13", "")),
                title=title,
                author=row.get("Author", "").strip(),
                state=SHELVES.get(row.get("Exclusive Shelf", ""), State.WANT),
                rating=rating or None,
                tags=tags,
        )
    return books
