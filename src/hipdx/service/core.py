"""The service's only way into the engine: assess a case, read a note.

Thin: the routes hold no domain logic, and the engine raises the errors the API reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hipdx._types import Setting
from hipdx.engine import Engine
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case

if TYPE_CHECKING:
    from hipdx.intake import ParsedCase


def assess(engine: Engine, case: Case) -> Assessment:
    """The assessment of ``case`` (InvalidCaseError when it cannot be assessed)."""
    return engine.assess(case)


def parse(engine: Engine, note: str, *, setting: Setting) -> ParsedCase:
    """What intake reads in ``note``."""
    return engine.parse(note, setting=setting)
