"""Intake: clinical free text -> findings, with negation, history, laterality and numbers.

Built on medspaCy (target matcher + ConText) over a blank English pipeline; the finding lexicon
comes from the knowledge base, the context and measurement rules from ``resources/``.
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
from hipdx.intake._parser import MAX_TEXT_CHARS, Parser, default_parser, parse

__all__ = [
    "MAX_TEXT_CHARS",
    "Conflict",
    "Measurement",
    "Mention",
    "ParsedCase",
    "Parser",
    "Side",
    "Span",
    "Status",
    "default_parser",
    "parse",
]
