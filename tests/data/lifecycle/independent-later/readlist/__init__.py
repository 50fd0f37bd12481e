"""readlist: keep a reading list in a JSON file."""
