"""Invoice totals: net, tax per rate, gross."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from invoicekit.models import Invoice
from invoicekit.tax import rate_for, tax_cents


@dataclass(frozen=True)
class Totals:
    net_cents: int
    tax_cents: int
    gross_cents: int
    by_rate: dict[Decimal, int]


def invoice_totals(invoice: Invoice) -> Totals:
    net = 0
    by_rate: dict[Decimal, int] = defaultdict(int)
    for line in invoice.lines:
        net += line.net_cents
        by_rate[rate_for(invoice.region, line.tax_code)] += tax_cents(line, invoice.region)
    tax = sum(by_rate.values())
    return Totals(net_cents=net, tax_cents=tax, gross_cents=net + tax, by_rate=dict(by_rate))
