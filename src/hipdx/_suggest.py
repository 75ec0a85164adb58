"""'Did you mean …?' for unknown ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike (0-1, difflib ratio) a known id must be to be suggested.
_SIMILARITY = 0.5
#: Words longer than this get no suggestion (no id is that long, and comparing costs time).
_LONGEST = 100


def closest(word: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` known ids that look most like ``word``."""
    if len(word) > _LONGEST:
        return []
    return difflib.get_close_matches(word, list(known), n=n, cutoff=_SIMILARITY)


def did_you_mean(word: str, known: Iterable[str], otherwise: str) -> str:
    close = closest(word, known)
    return f"did you mean {', '.join(close)}?" if close else otherwise
