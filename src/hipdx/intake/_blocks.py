"""A long text read in blocks: where to cut it, and moving positions back into the whole text.

ConText pairs every trigger with every match of a document, so one huge document would take
quadratic time; `Parser.parse` reads a long text in blocks that end at a paragraph or sentence.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from hipdx.intake._models import Measurement, Mention, Span

#: A long text is read in blocks of about this many characters (see `Parser.parse`).
BLOCK_CHARS = 4_000
#: Where a block may end: after a blank line, or after a sentence's closing punctuation.
_BLOCK_END = re.compile(r"\n\s*\n|(?<=[.!?;])\s+")


def blocks(text: str, size: int) -> list[tuple[int, str]]:
    """``text`` cut into (offset, block) pieces of at most about ``size`` characters, each
    ending at a paragraph or sentence boundary where there is one."""
    if len(text) <= size:
        return [(0, text)]
    blocks = []
    start = 0
    while len(text) - start > size:
        ends = [m.end() for m in _BLOCK_END.finditer(text, start + 1, start + size)]
        end = ends[-1] if ends else start + size
        blocks.append((start, text[start:end]))
        start = end
    blocks.append((start, text[start:]))
    return [(offset, block) for offset, block in blocks if block.strip()]


_Shiftable = TypeVar("_Shiftable", Mention, Measurement, Span)


def shifted(item: _Shiftable, offset: int) -> _Shiftable:
    """``item`` with every character position moved by ``offset`` (a block's start)."""
    if offset == 0:
        return item
    if isinstance(item, Span):
        return item.model_copy(update={"start": item.start + offset, "end": item.end + offset})
    update: dict[str, Any] = {"span": shifted(item.span, offset)}
    extra = item.trigger if isinstance(item, Mention) else item.cue
    if extra is not None:
        update["trigger" if isinstance(item, Mention) else "cue"] = shifted(extra, offset)
    return item.model_copy(update=update)
