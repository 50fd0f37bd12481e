"""Command line: shelfie add|list|report."""
import argparse
from pathlib import Path

from shelfie import plugins


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="shelfie")
    p.add_argument("command", choices=["add", "list", "report"])
    p.add_argument("--shelf", type=Path, default=Path("shelf.json"))
    args, rest = p.parse_known_args(argv)
    return plugins.run(args.command, args.shelf, rest)
