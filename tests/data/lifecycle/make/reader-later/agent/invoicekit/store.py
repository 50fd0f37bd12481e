"""JSON storage for invoices, one file per invoice."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from invoicekit.models import Invoice, Line


def save(invoice: Invoice, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{invoice.number}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".invoice-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(invoice), fh, indent=2)
    os.replace(tmp, target)
    return target


def load(path: Path) -> Invoice:
    data = json.loads(path.read_text(encoding="utf-8"))
    lines = tuple(Line(**line) for line in data.pop("lines"))
    return Invoice(lines=lines, **data)


def load_all(folder: Path) -> list[Invoice]:
    return sorted((load(p) for p in folder.glob("*.json")), key=lambda inv: inv.number)
