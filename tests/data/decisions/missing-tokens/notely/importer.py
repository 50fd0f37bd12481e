"""Import notes from a Markdown folder."""
from pathlib import Path


def import_folder(folder: Path) -> list[dict]:
    notes = []
    for p in sorted(folder.glob("*.md")):
        text = p.read_text()
        title, _, body = text.partition("\n")
        notes.append({"title": title.lstrip("# "), "body": body.strip(), "tags": []}
    return notes
