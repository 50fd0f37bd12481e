"""Integer-cent money helpers."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction


def round_half_even(cents: Fraction | Decimal) -> int:
    if isinstance(cents, Fraction):
        cents = Decimal(cents.numerator) / Decimal(cents.denominator)
    return int(cents.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def parse_amount(text: str) -> int:
    value = Decimal(text.strip()).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return int(value * 100)


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
