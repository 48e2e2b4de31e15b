"""One exception type per way a source file can be unusable.

Each carries the file and a reason a user can act on; the CLI prints
``<file>: <reason>`` on one line and exits 2 at the end of the run.
"""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """A source file cannot be ingested."""

    reason = "cannot be read"

    def __init__(self, path: str | Path, detail: str | None = None) -> None:
        self.path = str(path)
        self.detail = detail
        super().__init__(f"{self.path}: {self.message}")

    @property
    def message(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


class EmptyFileError(SourceError):
    reason = "empty file (0 bytes)"


class NotAPDFError(SourceError):
    reason = "not a PDF (no %PDF header)"


class DamagedPDFError(SourceError):
    reason = "truncated or damaged PDF"


class EncryptedPDFError(SourceError):
    reason = "encrypted PDF: password required (pass --password)"


class WrongPasswordError(SourceError):
    reason = "encrypted PDF: the password given does not open it"


class NoPagesError(SourceError):
    reason = "PDF has no pages"


class NoTextError(SourceError):
    reason = "no extractable text (a scanned PDF? it would need OCR)"


class UnsupportedFileError(SourceError):
    reason = "unsupported file type (expected .pdf, .txt or .md)"
