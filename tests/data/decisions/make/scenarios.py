"""The decision scenarios: projects, batches, jobs, what each agent writes (see build.py)."""
import json
import os
import subprocess


def job(id, output, task, reqs, content, tokens, reads=(), outcome=None, message=None, command=None):
    return dict(id=id, output=output, task=task, reqs=reqs, content=content, tokens=list(tokens),
                reads=list(reads), outcome=outcome, message=message, command=command)


def init(pkg):
    return {f"{pkg}/__init__.py": f'"""{pkg}."""\n', "pyproject.toml":
            f'[project]\nname = "{pkg}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'}


# ---------------------------------------------------------------------------------------------
# interface-mismatch: batch 2's tests call RateLimiter(rate=..., burst=...), but batch 1 defined
# RateLimiter(rate, capacity). pytest: TypeError ... unexpected keyword argument 'burst'.
LIMITER = '''"""Token-bucket rate limiting."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


class RateLimiter:
    """Allow `rate` events per second, bursting up to `capacity`."""

    def __init__(self, rate: float, capacity: int) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._tokens = float(capacity)
        self._last = time.monotonic()

    def allow(self, cost: float = 1.0) -> bool:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False
'''
CLOCK = '''"""Clocks the limiter can use."""
import time


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
'''
MIDDLEWARE = '''"""WSGI middleware that answers 429 when a client exceeds its rate."""
from ratelimit.limiter import RateLimiter


class RateLimitMiddleware:
    def __init__(self, app, rate: float = 5.0, capacity: int = 10) -> None:
        self.app = app
        self.rate = rate
        self.capacity = capacity
        self.limiters: dict[str, RateLimiter] = {}

    def __call__(self, environ, start_response):
        client = environ.get("REMOTE_ADDR", "-")
        limiter = self.limiters.setdefault(client, RateLimiter(self.rate, self.capacity))
        if not limiter.allow():
            start_response("429 Too Many Requests", [("Retry-After", "1")])
            return [b"rate limited"]
        return self.app(environ, start_response)
'''
TEST_LIMITER = '''"""Tests of the token bucket."""
from ratelimit.limiter import RateLimiter


def test_allows_up_to_the_burst():
    limiter = RateLimiter(rate=5.0, burst=3)
    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]


def test_rejects_a_zero_rate():
    import pytest

    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)
'''

# ---------------------------------------------------------------------------------------------
# cascade: two batches' tests import `Session` from shop.db, which batch 1 never defined.
MODELS_SHOP = '''"""Order and line models."""
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Line:
    sku: str
    qty: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Order:
    id: int
    customer: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((l.total for l in self.lines), Decimal("0"))
'''
DB_SHOP = '''"""SQLite storage for orders."""
import sqlite3
from contextlib import contextmanager


def connect(path: str = "shop.db") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer TEXT)")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection):
    try:
        yield conn
        conn.commit()
    except Exception:
        conn.rollback()
        raise
'''
ORDERS = '''"""Placing and listing orders."""
from shop.db import connect, transaction
from shop.models import Order


def place(order: Order, path: str = "shop.db") -> int:
    conn = connect(path)
    with transaction(conn):
        cur = conn.execute("INSERT INTO orders (customer) VALUES (?)", (order.customer,))
    return cur.lastrowid
'''
TEST_ORDERS = '''"""Tests of placing orders."""
from shop.db import Session
from shop.orders import place
from shop.models import Order


def test_place_returns_an_id(tmp_path):
    with Session(tmp_path / "t.db"):
        assert place(Order(id=0, customer="ada"), str(tmp_path / "t.db")) == 1
'''
INVOICES = '''"""Invoices for placed orders."""
from shop.models import Order


def invoice_text(order: Order) -> str:
    lines = [f"{l.sku} x{l.qty} {l.total}" for l in order.lines]
    return "\\n".join([f"Invoice for {order.customer}", *lines, f"Total {order.total}"])
'''
TEST_INVOICES = '''"""Tests of invoice text."""
from decimal import Decimal

from shop.db import Session
from shop.invoices import invoice_text
from shop.models import Line, Order


def test_invoice_lists_lines_and_total():
    order = Order(id=1, customer="ada", lines=[Line("A1", 2, Decimal("1.50"))])
    assert invoice_text(order).endswith("Total 3.00")
'''

# ---------------------------------------------------------------------------------------------
# declared-manifest: b3-report's prompt names shelfie/api.py (inferred: it would re-run), but
# run.json declares it independent; b3-cli's prompt names nothing of batch 2, but run.json
# declares it depends on b2-api.
SHELF_MODELS = '''"""Books and shelves."""
from dataclasses import dataclass, field


@dataclass
class Book:
    isbn: str
    title: str
    author: str
    read: bool = False


@dataclass
class Shelf:
    name: str
    books: list[Book] = field(default_factory=list)
'''
SHELF_STORAGE = '''"""JSON storage of shelves."""
import json
from pathlib import Path

from shelfie.models import Book, Shelf


def save(shelf: Shelf, path: Path) -> None:
    data = {"name": shelf.name, "books": [vars(b) for b in shelf.books]}
    path.write_text(json.dumps(data, indent=2))


def load(path: Path) -> Shelf:
    data = json.loads(path.read_text())
    return Shelf(data["name"], [Book(**b) for b in data["books"]])
'''
SHELF_API = '''"""The HTTP API of shelfie."""
from shelfie.models import Book
from shelfie.storage import load, save


def add_book(path, isbn: str, title: str, author: str) -> dict:
    shelf = load(path)
    shelf.books.append(Book(isbn, title, author)
    save(shelf, path)
    return {"added": isbn}
'''
SHELF_SEARCH = '''"""Search books on a shelf."""
from shelfie.models import Shelf


def search(shelf: Shelf, text: str) -> list:
    t = text.lower()
    return [b for b in shelf.books if t in b.title.lower() or t in b.author.lower()]
'''
SHELF_REPORT = '''"""A reading report (plain text), from the storage layer only."""
from shelfie.storage import load


def report(path) -> str:
    shelf = load(path)
    done = sum(1 for b in shelf.books if b.read)
    return f"{shelf.name}: {done} of {len(shelf.books)} read"
'''
SHELF_CLI = '''"""Command line: shelfie add|list|report."""
import argparse
from pathlib import Path

from shelfie import plugins


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="shelfie")
    p.add_argument("command", choices=["add", "list", "report"])
    p.add_argument("--shelf", type=Path, default=Path("shelf.json"))
    args, rest = p.parse_known_args(argv)
    return plugins.run(args.command, args.shelf, rest)
'''


def declare_in_manifest(root):
    """What the user did after the run: import the logs into run.json, then declare by hand that
    b3-report reads nothing of batch 2 and that b3-cli (through the plugin registry) calls the API."""
    binary = os.environ.get("RECOVER_TUI", "recover-tui")
    subprocess.run([binary, "import", root, "-o", f"{root}/run.json"], check=True)
    m = json.load(open(f"{root}/run.json"))
    for b in m["batches"]:
        for j in b["jobs"]:
            if j["id"] == "b3-report":
                j["depends_on"] = []
            if j["id"] == "b3-cli":
                j["depends_on"] = ["b2-api"]
    open(f"{root}/run.json", "w").write(json.dumps(m, indent=2) + "\n")


def mod(name, doc, body="    pass\n"):
    return f'"""{doc}"""\n\n\ndef {name}():\n{body}'


SCENARIOS = {
    "interface-mismatch": dict(
        project="ratelimit", phase="Phase 2", skel={**init("ratelimit"), "tests/__init__.py": ""},
        batches=[
            dict(number=1, name="core", jobs=[
                job("b1-limiter", "ratelimit/limiter.py", "Create the token-bucket limiter",
                    ["`RateLimiter(rate: float, capacity: int)` with `allow(cost=1.0) -> bool`",
                     "Raise ValueError for a non-positive rate or capacity"], LIMITER, (31877, 24064, 1688)),
                job("b1-clock", "ratelimit/clock.py", "Create the clocks",
                    ["`MonotonicClock` and `FakeClock` with `now()`"], CLOCK, (22410, 17408, 904)),
            ]),
            dict(number=2, name="middleware and tests", pytest=True, jobs=[
                job("b2-middleware", "ratelimit/middleware.py", "Create the WSGI middleware",
                    ["Use RateLimiter from ratelimit/limiter.py, one per client address",
                     "Answer 429 with Retry-After when the limiter refuses"], MIDDLEWARE, (27302, 20480, 1211),
                    reads=["ratelimit/limiter.py"]),
                job("b2-tests", "tests/test_limiter.py", "Write the limiter tests",
                    ["Test RateLimiter from ratelimit/limiter.py: a burst of `burst` events passes, the next fails",
                     "Test that a zero rate is refused"], TEST_LIMITER, (25119, 19456, 1034)),
            ]),
            dict(number=3, name="docs", ran=False, jobs=[
                job("b3-docs", "docs/USAGE.md", "Document the limiter and the middleware",
                    ["Show RateLimiter and RateLimitMiddleware in use"], None, (0, 0, 0)),
            ]),
        ]),
    "cascade": dict(
        project="shop", phase="Phase 3", skel={**init("shop"), "tests/__init__.py": ""},
        batches=[
            dict(number=1, name="models and storage", jobs=[
                job("b1-models", "shop/models.py", "Create the order models",
                    ["`Line(sku, qty, price)` and `Order(id, customer, lines)` dataclasses with totals"],
                    MODELS_SHOP, (28211, 21504, 1377)),
                job("b1-db", "shop/db.py", "Create the storage layer",
                    ["`connect(path)` and a `transaction(conn)` context manager over sqlite3"], DB_SHOP,
                    (26033, 19968, 1102)),
            ]),
            dict(number=2, name="orders", pytest=True, jobs=[
                job("b2-orders", "shop/orders.py", "Create order placement",
                    ["`place(order, path) -> int` using shop/db.py"], ORDERS, (24877, 18944, 998), reads=["shop/db.py"]),
                job("b2-orders-tests", "tests/test_orders.py", "Test order placement",
                    ["Open the database with the `Session` of shop/db.py", "Test `place` returns the new id"],
                    TEST_ORDERS, (23309, 17920, 871)),
            ]),
            dict(number=3, name="invoices", pytest=True, jobs=[
                job("b3-invoices", "shop/invoices.py", "Create invoice text",
                    ["`invoice_text(order) -> str`"], INVOICES, (21870, 16896, 790)),
                job("b3-invoices-tests", "tests/test_invoices.py", "Test invoice text",
                    ["Use the `Session` of shop/db.py as the other tests do", "Test the total line"],
                    TEST_INVOICES, (22514, 17408, 842)),
            ]),
        ]),
    "declared-manifest": dict(
        project="shelfie", phase="Phase 1", skel=init("shelfie"), after=declare_in_manifest,
        batches=[
            dict(number=1, name="models and storage", jobs=[
                job("b1-models", "shelfie/models.py", "Create the models", ["`Book` and `Shelf` dataclasses"],
                    SHELF_MODELS, (25871, 19968, 1120)),
                job("b1-storage", "shelfie/storage.py", "Create the JSON storage",
                    ["`save(shelf, path)` and `load(path)` using shelfie/models.py"], SHELF_STORAGE,
                    (27118, 20992, 1233), reads=["shelfie/models.py"]),
            ]),
            dict(number=2, name="api and search", jobs=[
                job("b2-api", "shelfie/api.py", "Create the API handlers",
                    ["`add_book(path, isbn, title, author)` using shelfie/storage.py"], SHELF_API, (29940, 23040, 1391),
                    reads=["shelfie/storage.py"]),
                job("b2-search", "shelfie/search.py", "Create the search", ["`search(shelf, text)`"], SHELF_SEARCH,
                    (21077, 16384, 802)),
            ]),
            dict(number=3, name="report and cli", jobs=[
                job("b3-report", "shelfie/report.py", "Create the reading report",
                    ["Read shelves with shelfie/storage.py only; do not go through shelfie/api.py"], SHELF_REPORT,
                    (22733, 17408, 913)),
                job("b3-cli", "shelfie/cli.py", "Create the command line",
                    ["Dispatch every command to `shelfie.plugins.run`"], SHELF_CLI, (23561, 17920, 988)),
            ]),
        ]),
}

# ---------------------------------------------------------------------------------------------
# missing-tokens: GNU parallel with --timeout; b3-export hangs and is killed (no usage at all),
# b3-import writes a syntax error. Every other job has its tokens.
NOTE_MODEL = mod("new_note", "Notes: title, body, tags.", "    return {'title': '', 'body': '', 'tags': []}\n")
NOTE_STORE = mod("store_dir", "Where notes live on disk.", "    return '~/.notely'\n")
NOTE_INDEX = mod("build_index", "A word index over notes.", "    return {}\n")
NOTE_TAGS = mod("parse_tags", "Tags from `#word` markers.", "    return []\n")
NOTE_IMPORT = '''"""Import notes from a Markdown folder."""
from pathlib import Path


def import_folder(folder: Path) -> list[dict]:
    notes = []
    for p in sorted(folder.glob("*.md")):
        text = p.read_text()
        title, _, body = text.partition("\\n")
        notes.append({"title": title.lstrip("# "), "body": body.strip(), "tags": []}
    return notes
'''
NOTE_EXPORT = mod("export_folder", "Export notes to a Markdown folder.", "    return 0\n")

# ---------------------------------------------------------------------------------------------
# late-costly: a long phase (5 batches) fails in batch 5's CLI; everything before is kept.
def big(name, doc):
    return mod(name, doc, "    " + "\n    ".join(f"step_{i} = {i}" for i in range(12)) + "\n    return step_11\n")


ETL_CLI = '''"""Command line of the pipeline."""
import argparse

from etlkit.pipeline import run_pipeline


def main(argv=None) -> int
    p = argparse.ArgumentParser(prog="etlkit")
    p.add_argument("config")
    args = p.parse_args(argv)
    return run_pipeline(args.config)
'''

# ---------------------------------------------------------------------------------------------
# transient-reset: batch 2's `b2-notify` hit the plan's usage limit with a reset time.
USAGE_LIMIT = ("You've hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit "
               "https://chatgpt.com/codex/settings/usage to purchase more credits or try again at 4:20 PM.")

SCENARIOS.update({
    "missing-tokens": dict(
        project="notely", phase="Phase 2", skel=init("notely"), runner="parallel", timeout=4,
        batches=[
            dict(number=1, name="model and storage", jobs=[
                job("b1-model", "notely/model.py", "Create the note model", ["`new_note()`"], NOTE_MODEL, (28400, 21504, 1600)),
                job("b1-store", "notely/store.py", "Create the store", ["`store_dir()`"], NOTE_STORE, (26100, 19968, 1400)),
            ]),
            dict(number=2, name="index and tags", jobs=[
                job("b2-index", "notely/index.py", "Create the word index", ["`build_index()`"], NOTE_INDEX, (30800, 23552, 1200)),
                job("b2-tags", "notely/tags.py", "Create tag parsing", ["`parse_tags()`"], NOTE_TAGS, (24500, 18432, 1000)),
            ]),
            dict(number=3, name="import and export", jobs=[
                job("b3-import", "notely/importer.py", "Create the Markdown import",
                    ["`import_folder(folder) -> list[dict]`"], NOTE_IMPORT, (27300, 20480, 1300)),
                job("b3-export", "notely/exporter.py", "Create the Markdown export",
                    ["`export_folder(notes, folder) -> int`"], NOTE_EXPORT, (0, 0, 0), outcome="hang",
                    command="python -m pytest -q --maxfail=1 tests/"),
            ]),
            dict(number=4, name="cli", ran=False, jobs=[
                job("b4-cli", "notely/cli.py", "Create the command line", ["`main()`"], None, (0, 0, 0)),
            ]),
        ]),
    "late-costly": dict(
        project="etlkit", phase="Phase 4", skel=init("etlkit"),
        batches=[
            dict(number=1, name="sources", jobs=[
                job("b1-csv", "etlkit/sources/csv_source.py", "Create the CSV source", ["`read_csv()`"],
                    big("read_csv", "CSV source."), (148200, 120832, 6900)),
                job("b1-json", "etlkit/sources/json_source.py", "Create the JSON source", ["`read_json()`"],
                    big("read_json", "JSON source."), (139900, 114688, 6400)),
            ]),
            dict(number=2, name="transforms", jobs=[
                job("b2-clean", "etlkit/transforms/clean.py", "Create the cleaning transforms", ["`clean()`"],
                    big("clean", "Cleaning."), (171300, 139264, 8100)),
                job("b2-dedupe", "etlkit/transforms/dedupe.py", "Create de-duplication", ["`dedupe()`"],
                    big("dedupe", "De-duplication."), (158600, 129024, 7300)),
            ]),
            dict(number=3, name="sinks", jobs=[
                job("b3-sqlite", "etlkit/sinks/sqlite_sink.py", "Create the SQLite sink", ["`write_sqlite()`"],
                    big("write_sqlite", "SQLite sink."), (162400, 131072, 7700)),
                job("b3-parquet", "etlkit/sinks/parquet_sink.py", "Create the Parquet sink", ["`write_parquet()`"],
                    big("write_parquet", "Parquet sink."), (155100, 126976, 7000)),
            ]),
            dict(number=4, name="pipeline", jobs=[
                job("b4-pipeline", "etlkit/pipeline.py", "Create the pipeline runner",
                    ["`run_pipeline(config) -> int` wiring the sources, transforms and sinks"],
                    big("run_pipeline", "The pipeline."), (183700, 149504, 8800)),
                job("b4-config", "etlkit/config.py", "Create the config loader", ["`load_config()`"],
                    big("load_config", "Config."), (141800, 116736, 6500)),
            ]),
            dict(number=5, name="cli and docs", jobs=[
                job("b5-cli", "etlkit/cli.py", "Create the command line",
                    ["`main(argv) -> int` calling `run_pipeline` of etlkit/pipeline.py"], ETL_CLI, (36200, 28672, 1500),
                    reads=["etlkit/pipeline.py"]),
                job("b5-docs", "etlkit/README_USAGE.py", "Create the usage examples module", ["`examples()`"],
                    big("examples", "Usage examples."), (33800, 26624, 1400)),
            ]),
        ]),
    "transient-reset": dict(
        project="focusnote", phase="Phase 2", skel=init("focusnote"),
        batches=[
            dict(number=1, name="sessions", jobs=[
                job("b1-session", "focusnote/session.py", "Create the focus session", ["`start_session()`"],
                    mod("start_session", "Focus sessions."), (24100, 18432, 1100)),
                job("b1-timer", "focusnote/timer.py", "Create the timer", ["`countdown()`"],
                    mod("countdown", "Timer."), (22900, 17408, 950)),
            ]),
            dict(number=2, name="notify and stats", jobs=[
                job("b2-notify", "focusnote/notify.py", "Create desktop notifications", ["`notify(text)`"], None,
                    (0, 0, 0), outcome="usage_limit", message=USAGE_LIMIT),
                job("b2-stats", "focusnote/stats.py", "Create session statistics", ["`weekly_stats()`"],
                    mod("weekly_stats", "Statistics."), (23700, 17920, 1020)),
            ]),
            dict(number=3, name="cli", ran=False, jobs=[
                job("b3-cli", "focusnote/cli.py", "Create the command line", ["`main()`"], None, (0, 0, 0)),
            ]),
        ]),
})
