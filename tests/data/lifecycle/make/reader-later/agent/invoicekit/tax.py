"""Regional tax rules."""
from __future__ import annotations

from decimal import Decimal

from invoicekit.models import Line
from invoicekit.money import round_half_even

RATES: dict[str, Decimal] = {
    "DE": Decimal("0.19"),
    "FR": Decimal("0.20"),
    "UK": Decimal("0.20"),
    "NL": Decimal("0.21"),
    "US-CA": Decimal("0.0725"),

REDUCED: dict[str, Decimal] = {
    "DE": Decimal("0.07"),
    "FR": Decimal("0.055"),
    "UK": Decimal("0.05"),
    "NL": Decimal("0.09"),
}


def rate_for(region: str, tax_code: str = "std") -> Decimal:
    if tax_code == "zero":
        return Decimal(0)
    table = REDUCED if tax_code == "reduced" else RATES
    return table[region]


def tax_cents(line: Line, region: str) -> int:
    return round_half_even(Decimal(line.net_cents) * rate_for(region, line.tax_code))
