"""Tests of placing orders."""
from shop.db import Session
from shop.orders import place
from shop.models import Order


def test_place_returns_an_id(tmp_path):
    with Session(tmp_path / "t.db"):
        assert place(Order(id=0, customer="ada"), str(tmp_path / "t.db")) == 1
