#!/usr/bin/env python3
"""Offline stand-in for the reviser model: reads a recovery prompt on stdin and answers with a
revised generation prompt (the original one plus the fix the error asks for)."""
import re
import sys

text = sys.stdin.read()
original = re.search(r"## The original generation prompt\n\n(.*?)\n\n## ", text, re.S)
error = re.search(r"## The syntax error\n\n(.*?)\n\n", text, re.S) or re.search(r"## What went wrong\n\n(.*?)\n\n", text, re.S)
prompt = original.group(1).strip() if original else "Rewrite the file."
print(prompt)
print()
print("Clarification (from the failed validation):")
if error:
    print(f"- The previous file failed with: {' '.join(error.group(1).split())}")
print("- Every `def` line must end with a colon, e.g. `def render(note: Note) -> str:`.")
print()
print("Validation: python3 -m py_compile notes/render.py (run it before you finish)")
