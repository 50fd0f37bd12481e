"""The weekly report."""
from __future__ import annotations

from datetime import date, timedelta

from focustimer.history import Entry

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def weekly(entries: list[Entry], week_of: date) -> dict[str, int]:
    monday = week_of - timedelta(days=week_of.weekday())
    report = {d: 0 for d in DAYS}
    for e in entries:
        day = e.started.date()
        if monday <= day < monday + timedelta(days=7):
            report[DAYS[day.weekday()]] += e.minutes
    return report


def render(report: dict[str, int]) -> str:
    return "\n".join(f"{day} {'#' * (minutes // 25):<20} {minutes:>4} min" for day, minutes in report.items()) + "\n"
