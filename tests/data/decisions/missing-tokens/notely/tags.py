"""Tags from `#word` markers."""


def parse_tags():
    return []
