#!/usr/bin/env python3
"""Offline stand-in for `codex exec --json -`: reads the prompt on stdin, writes the file it
names (a correct implementation for the demo's files), and prints a codex JSON event stream."""
import json
import re
import sys
import time
import uuid

IMPLEMENTATIONS = {
    "notes/render.py": '''from notes.model import Note


def render(note: Note) -> str:
    """Render a note as Markdown: title, body, then its tags."""
    tags = " ".join(f"#{t}" for t in note.tags)
    return f"# {note.title}\\n\\n{note.body}\\n\\n{tags}".rstrip() + "\\n"
''',
}


def emit(event):
    print(json.dumps(event), flush=True)


def main():
    prompt = sys.stdin.read()
    target = sys.argv[1] if len(sys.argv) > 1 else None
    m = re.search(r"^File to create:\s*(\S+)", prompt, re.M)
    if m:
        target = m.group(1)
    emit({"type": "thread.started", "thread_id": str(uuid.uuid4())})
    emit({"type": "turn.started"})
    emit({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": f"**Writing {target}**"}})
    time.sleep(0.3)
    body = IMPLEMENTATIONS.get(target, '"""Generated module."""\n')
    with open(target, "w", encoding="utf-8") as f:
        f.write(body)
    emit({"type": "item.completed", "item": {"id": "item_1", "type": "file_change", "changes": [{"path": target, "kind": "update"}], "status": "completed"}})
    emit({"type": "item.completed", "item": {"id": "item_2", "type": "agent_message", "text": f"Rewrote {target}."}})
    emit({"type": "turn.completed", "usage": {"input_tokens": 4100 + len(prompt) // 4, "cached_input_tokens": 2048, "output_tokens": 380}})


if __name__ == "__main__":
    main()
