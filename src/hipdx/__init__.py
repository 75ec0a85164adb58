"""hipdx: evidence-based differential diagnosis and triage for hip, groin, buttock and
low-back pain. Decision support, not a diagnosis.

`Engine` is the object every interface shares; `assess`, `parse` and `next_questions` are thin
functions on the default engine (the packaged knowledge base), or on an engine built for the
``knowledge`` given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hipdx._types import Asker, Grade, Setting, Sex, TriageLevel
from hipdx.engine import HIPDX_VERSION, Engine, default_engine
from hipdx.exceptions import HipdxError, InvalidAnswerError, InvalidCaseError, KnowledgeBaseError
from hipdx.inference.assessment import DISCLAIMER, Assessment
from hipdx.inference.case import Case
from hipdx.issues import Issue
from hipdx.kb.build import load_knowledge
from hipdx.kb.compiled import CompiledKB

if TYPE_CHECKING:
    from hipdx.intake import ParsedCase
    from hipdx.interview.gains import Suggestion
    from hipdx.interview.session import InterviewSession

__version__ = HIPDX_VERSION

__all__ = [
    "DISCLAIMER",
    "Asker",
    "Assessment",
    "Case",
    "CompiledKB",
    "Engine",
    "Grade",
    "HipdxError",
    "InterviewSession",
    "InvalidAnswerError",
    "InvalidCaseError",
    "Issue",
    "KnowledgeBaseError",
    "Setting",
    "Sex",
    "Suggestion",
    "TriageLevel",
    "__version__",
    "assess",
    "default_engine",
    "load_knowledge",
    "next_questions",
    "parse",
]


def _engine(knowledge: CompiledKB | None) -> Engine:
    engine = default_engine()
    return engine if knowledge is None or knowledge is engine.knowledge else Engine(knowledge)


def assess(
    case: Case | Mapping[str, Any],
    *,
    knowledge: CompiledKB | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Rank the conditions that could explain ``case``, explain them, and triage it."""
    return _engine(knowledge).assess(case, now=now)


def next_questions(
    case: Case | Mapping[str, Any],
    *,
    asker: Asker | str = Asker.CLINICIAN,
    k: int = 3,
    knowledge: CompiledKB | None = None,
) -> tuple[Suggestion, ...]:
    """The ``k`` unanswered questions worth asking next, best first, each with why: the
    interview's own safety-aware step (`Engine.next_questions`).

    Only questions ``asker`` can answer (``patient``: history; ``clinician``: history and
    examination; ``clinician_with_imaging``: everything). Exclusive groups are one question.
    """
    return _engine(knowledge).next_questions(case, asker=asker, k=k)


def parse(text: str, *, setting: Setting = Setting.PRIMARY_CARE) -> ParsedCase:
    """Read clinical free text into findings (negation, history, side, numbers); the result's
    ``.case`` is what `assess` takes."""
    return default_engine().parse(text, setting=setting)


def __getattr__(name: str) -> Any:
    """The interview's classes, imported when first asked for (an assessment does not need them)."""
    if name == "InterviewSession":
        from hipdx.interview.session import InterviewSession

        return InterviewSession
    if name == "Suggestion":
        from hipdx.interview.gains import Suggestion

        return Suggestion
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
