"""The HTTP API of shelfie."""
from shelfie.models import Book
from shelfie.storage import load, save


def add_book(path, isbn: str, title: str, author: str) -> dict:
    shelf = load(path)
    shelf.books.append(Book(isbn, title, author)
    save(shelf, path)
    return {"added": isbn}
