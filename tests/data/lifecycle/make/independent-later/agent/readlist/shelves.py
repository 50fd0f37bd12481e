from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Shelf:
    name: str
    isbns: list[str] = field(default_factory=list)

    def add(self, isbn: str) -> None:
        if isbn not in self.isbns:
            self.isbns.append(isbn)

    def remove(self, isbn: str) -> None:
        self.isbns = [i for i in self.isbns if i != isbn]

    def move(self, isbn: str, index: int) -> None:
        self.remove(isbn)
        self.isbns.insert(index, isbn)


def shelves_from_rows(rows: list[dict]) -> list[Shelf]:
    return [Shelf(r["shelf"], list(r.get("isbns", []))) for r in rows if "shelf" in r]


def shelves_to_rows(shelves: list[Shelf]) -> list[dict]:
    return [{"shelf": s.name, "isbns": list(s.isbns)} for s in shelves]
