"""The service's only way into the engine: assess a case, read a note.

A thin wrapper over the public ``hipdx`` functions, so the routes hold no domain logic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import hipdx
from hipdx._types import Setting
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case
from hipdx.kb.compiled import CompiledKB
from hipdx.service.problems import ProblemError

if TYPE_CHECKING:
    from hipdx.intake import ParsedCase


def assess(case: Case, knowledge: CompiledKB) -> Assessment:
    """The assessment of ``case`` (InvalidCaseError when it cannot be assessed)."""
    return hipdx.assess(case, knowledge=knowledge)


def parse(note: str, *, setting: Setting) -> ParsedCase:
    """What intake reads in ``note`` (503 when the text reader is not installed)."""
    try:
        return hipdx.parse(note, setting=setting)
    except ImportError as exc:
        raise ProblemError(
            503,
            "Text reader not installed",
            "reading notes needs the 'nlp' extra (pip install 'hipdx[nlp]'); "
            "send a structured case instead",
        ) from exc
