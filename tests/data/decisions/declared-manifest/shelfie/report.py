"""A reading report (plain text), from the storage layer only."""
from shelfie.storage import load


def report(path) -> str:
    shelf = load(path)
    done = sum(1 for b in shelf.books if b.read)
    return f"{shelf.name}: {done} of {len(shelf.books)} read"
