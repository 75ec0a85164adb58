"""Intake: clinical free text -> findings, with negation, history, laterality and numbers.

Built on medspaCy (target matcher + ConText, both prefiltered by the note's words) over a blank
English pipeline; the finding lexicon comes from the knowledge base, the context and measurement
words from ``knowledge/language/``. A `Parser` is built for one knowledge base (about a second);
`hipdx.Engine.parser` holds one.
"""

from __future__ import annotations

from hipdx.intake._models import (
    Conflict,
    Measurement,
    Mention,
    ParsedCase,
    Side,
    Span,
    Status,
)
from hipdx.intake._parser import MAX_TEXT_CHARS, Parser
from hipdx.intake._text import CleanText, clean_text

__all__ = [
    "MAX_TEXT_CHARS",
    "CleanText",
    "Conflict",
    "Measurement",
    "Mention",
    "ParsedCase",
    "Parser",
    "Side",
    "Span",
    "Status",
    "clean_text",
]
