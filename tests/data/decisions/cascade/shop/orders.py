"""Placing and listing orders."""
from shop.db import connect, transaction
from shop.models import Order


def place(order: Order, path: str = "shop.db") -> int:
    conn = connect(path)
    with transaction(conn):
        cur = conn.execute("INSERT INTO orders (customer) VALUES (?)", (order.customer,))
    return cur.lastrowid
