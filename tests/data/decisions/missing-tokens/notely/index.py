"""A word index over notes."""


def build_index():
    return {}
