"""The index stage's errors: each a message a user can act on, printed as one line.

Why one module: the catalog, the caches, the local folder and the Chroma server all
raise them, and the CLI turns every ``CasebookIndexError`` into one line on stderr.
"""

from __future__ import annotations


class CasebookIndexError(Exception):
    """Base class for index errors a user can act on (the CLI prints the message, no traceback)."""


class IndexOpenError(CasebookIndexError):
    """The folder is missing, foreign or corrupt: it cannot be opened as a casebook index."""


class IndexSettingsMismatch(CasebookIndexError):
    """The index was built with other settings (model, chunking) than this run asks for."""


class ServerError(IndexOpenError):
    """The Chroma server cannot be reached, went away, or refused a request."""


class EmptyServerIndex(IndexOpenError):
    """The Chroma server has no casebook index of that name (a reader cannot create one)."""


class FilterNoMatch(CasebookIndexError):
    """A --case / --document filter matched nothing in the index."""


class AmbiguousDocument(CasebookIndexError):
    """A sha256 prefix matched more than one document."""
