"""Books and shelves."""
from dataclasses import dataclass, field


@dataclass
class Book:
    isbn: str
    title: str
    author: str
    read: bool = False


@dataclass
class Shelf:
    name: str
    books: list[Book] = field(default_factory=list)
