"""The invoice data model."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_cents: int
    tax_code: str = "std"

    @property
    def net_cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass(frozen=True)
class Invoice:
    number: str
    customer: str
    region: str
    lines: tuple[Line, ...]
