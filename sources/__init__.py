"""sources/: find casebook files and read them into pages (the only stage that reads files)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.types import Document
from sources.errors import NotAPDFError, SourceError, UnsupportedFileError

# Which files are texts; kept here (not imported from sources.text) so that importing the
# package for its errors does not import pypdf: the query path catches SourceError too.
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}

SUFFIXES = {".pdf", *TEXT_SUFFIXES}
BUNDLED_DIR = Path(__file__).resolve().parent / "casebooks"

__all__ = ["SUFFIXES", "SourceError", "bundled_casebooks", "discover", "load"]


def bundled_casebooks() -> list[Path]:
    """The casebook PDFs shipped inside the project, for a first run with no arguments."""
    return sorted(BUNDLED_DIR.glob("*.pdf"))


def discover(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to ingest: each file as given, and every supported file under each folder."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
            )
        else:
            yield p


def load(path: str | Path, password: str | None = None) -> Document:
    """Read one source file; a ``SourceError`` says why it cannot be used."""
    from sources.pdf import read_pdf
    from sources.text import read_text

    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text(path)
    if suffix == ".pdf":
        return read_pdf(path, password=password)
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" in head:
        return read_pdf(path, password=password)
    if suffix:
        raise UnsupportedFileError(path)
    raise NotAPDFError(path)
