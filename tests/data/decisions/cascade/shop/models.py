"""Order and line models."""
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Line:
    sku: str
    qty: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Order:
    id: int
    customer: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((l.total for l in self.lines), Decimal("0"))
