"""CSV export of invoice lines (no tax columns)."""
from __future__ import annotations

import csv
import io

from invoicekit.models import Invoice
from invoicekit.money import format_cents

HEADER = ["number", "customer", "description", "quantity", "unit", "net"]


def lines_csv(invoices: list[Invoice]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for inv in invoices:
        for line in inv.lines:
            writer.writerow([
                inv.number,
                inv.customer,
                line.description,
                line.quantity,
                format_cents(line.unit_cents),
                format_cents(line.net_cents),
            ])
    return buf.getvalue()
