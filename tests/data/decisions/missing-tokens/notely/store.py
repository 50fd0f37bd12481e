"""Where notes live on disk."""


def store_dir():
    return '~/.notely'
