"""JSON storage of shelves."""
import json
from pathlib import Path

from shelfie.models import Book, Shelf


def save(shelf: Shelf, path: Path) -> None:
    data = {"name": shelf.name, "books": [vars(b) for b in shelf.books]}
    path.write_text(json.dumps(data, indent=2))


def load(path: Path) -> Shelf:
    data = json.loads(path.read_text())
    return Shelf(data["name"], [Book(**b) for b in data["books"]])
