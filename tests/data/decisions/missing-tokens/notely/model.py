"""Notes: title, body, tags."""


def new_note():
    return {'title': '', 'body': '', 'tags': []}
