"""Invoices for placed orders."""
from shop.models import Order


def invoice_text(order: Order) -> str:
    lines = [f"{l.sku} x{l.qty} {l.total}" for l in order.lines]
    return "\n".join([f"Invoice for {order.customer}", *lines, f"Total {order.total}"])
