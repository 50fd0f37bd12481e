"""Plain-text invoice."""
from __future__ import annotations

from invoicekit.models import Invoice
from invoicekit.money import format_cents
from invoicekit.totals import invoice_totals

WIDTH = 12


def _amount(cents: int) -> str:
    return format_cents(cents).rjust(WIDTH)


def render_text(invoice: Invoice) -> str:
    out = [f"Invoice {invoice.number}", f"Customer: {invoice.customer}", ""]
    for line in invoice.lines:
        out.append(f"{line.description[:40]:<40} {line.quantity:>4} x {_amount(line.unit_cents)} {_amount(line.net_cents)}")
    totals = invoice_totals(invoice)
    out.append("")
    out.append(f"{'Net':<60}{_amount(totals.net_cents)}")
    for rate, cents in sorted(totals.by_rate.items()):
        out.append(f"{'Tax ' + format(rate * 100, 'f').rstrip('0').rstrip('.') + '%':<60}{_amount(cents)}")
    out.append(f"{'Gross':<60}{_amount(totals.gross_cents)}")
    return "\n".join(out) + "\n"
