"""The base of the index stage's errors: a message a user can act on, printed as one line."""

from __future__ import annotations


class CasebookIndexError(Exception):
    """Base class for index errors a user can act on (the CLI prints the message, no traceback)."""
