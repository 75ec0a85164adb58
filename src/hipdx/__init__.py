"""hipdx: evidence-based differential diagnosis and triage for hip, groin, buttock and
low-back pain. Decision support, not a diagnosis."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from hipdx._types import Asker, Grade, Setting, Sex, TriageLevel
from hipdx.exceptions import HipdxError, InvalidCaseError, KnowledgeBaseError
from hipdx.inference.assessment import DISCLAIMER, Assessment
from hipdx.inference.case import Case
from hipdx.inference.questions import Suggestion
from hipdx.issues import Issue
from hipdx.kb.compiled import CompiledKB
from hipdx.knowledge_base import load_knowledge, packaged_knowledge

if TYPE_CHECKING:
    from hipdx.intake import ParsedCase

try:
    __version__ = version("hipdx")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "DISCLAIMER",
    "Asker",
    "Assessment",
    "Case",
    "CompiledKB",
    "Grade",
    "HipdxError",
    "InvalidCaseError",
    "Issue",
    "KnowledgeBaseError",
    "Setting",
    "Sex",
    "TriageLevel",
    "__version__",
    "assess",
    "load_knowledge",
    "next_questions",
    "parse",
]


def assess(
    case: Case | Mapping[str, Any],
    *,
    knowledge: CompiledKB | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Rank the conditions that could explain ``case``, explain them, and triage it."""
    from hipdx.inference.engine import assess_case

    parsed = case if isinstance(case, Case) else Case.model_validate(case)
    return assess_case(parsed, knowledge or packaged_knowledge(), version=__version__, now=now)


def next_questions(
    case: Case | Mapping[str, Any],
    *,
    asker: Asker | str = Asker.CLINICIAN,
    k: int = 3,
    knowledge: CompiledKB | None = None,
) -> tuple[Suggestion, ...]:
    """The ``k`` unanswered questions worth asking next, best first, each with why.

    Only questions ``asker`` can answer (``patient``: history; ``clinician``: history and
    examination; ``clinician_with_imaging``: everything). Exclusive groups are one question.
    """
    from hipdx.inference.engine import answers_of
    from hipdx.inference.posterior import compute_posterior
    from hipdx.inference.questions import question_bank, rank_questions
    from hipdx.inference.triage import decide, fired_red_flags

    parsed = case if isinstance(case, Case) else Case.model_validate(case)
    kb = knowledge or packaged_knowledge()
    answers = answers_of(parsed, kb)
    posterior = compute_posterior(kb, answers, parsed.setting, parsed.age, parsed.sex)
    probabilities = posterior.probabilities
    flags = fired_red_flags(kb, answers)
    level = decide(kb, posterior, flags).level
    bank = question_bank(kb)
    return rank_questions(bank, answers, probabilities, asker=Asker(asker), k=k, level=level)


def parse(text: str, *, setting: Setting = Setting.PRIMARY_CARE) -> ParsedCase:
    """Read clinical free text into findings (negation, history, side, numbers); the result's
    ``.case`` is what `assess` takes. Needs the ``nlp`` extra (medspaCy)."""
    from hipdx.intake import parse as parse_text

    return parse_text(text, setting=setting)
