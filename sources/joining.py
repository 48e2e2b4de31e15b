"""Line joining and content hashing shared by the PDF and text readers (no pypdf here)."""

from __future__ import annotations

import hashlib
import re

_HYPHEN_END = re.compile(r"([A-Za-zÀ-ÿ]+)-$")
_WORD_START = re.compile(r"^([a-zà-ÿ][\w'-]*)")


def join_lines(lines: list[str], vocab: set[str] | None = None) -> str:
    """Join lines broken by the layout into running text, undoing end-of-line hyphenation.

    ``foo-`` + ``bar`` becomes ``foobar`` unless the document prints ``foo-bar`` elsewhere
    (a real compound) or never prints ``foobar`` but both halves are words of their own.
    """
    vocab = vocab or set()
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith("\xad"):  # a soft hyphen marks where a word was broken, always
            out = out[:-1].rstrip() + line
            continue
        m = _HYPHEN_END.search(out)
        n = _WORD_START.match(line)
        if m and n and not out.endswith("--"):
            head, tail = m.group(1), n.group(1).rstrip(".,;:)")
            joined, compound = (head + tail).lower(), f"{head}-{tail}".lower()
            if compound in vocab and joined not in vocab:
                out += line
            elif joined in vocab or head.lower() not in vocab or tail.lower() not in vocab:
                out = out[:-1] + line
            else:
                out += line
        elif out.endswith("/"):
            out += line
        else:
            out += " " + line
    return re.sub(r"[ \t]+", " ", out.replace("\xad", ""))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
