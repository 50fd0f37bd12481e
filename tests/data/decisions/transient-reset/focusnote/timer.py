"""Timer."""


def countdown():
    pass
