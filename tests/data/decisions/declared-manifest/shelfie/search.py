"""Search books on a shelf."""
from shelfie.models import Shelf


def search(shelf: Shelf, text: str) -> list:
    t = text.lower()
    return [b for b in shelf.books if t in b.title.lower() or t in b.author.lower()]
