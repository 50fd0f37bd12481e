"""Tests of invoice text."""
from decimal import Decimal

from shop.db import Session
from shop.invoices import invoice_text
from shop.models import Line, Order


def test_invoice_lists_lines_and_total():
    order = Order(id=1, customer="ada", lines=[Line("A1", 2, Decimal("1.50"))])
    assert invoice_text(order).endswith("Total 3.00")
