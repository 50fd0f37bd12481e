"""Statistics."""


def weekly_stats():
    pass
