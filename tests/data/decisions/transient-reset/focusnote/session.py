"""Focus sessions."""


def start_session():
    pass
