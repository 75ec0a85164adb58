"""Triage: from the posterior, the must-not-miss mass, and red-flag rules; only ever raised.

The posterior level is the most urgent level that at least ``base_mass`` of the probability
needs (the "other cause" counts as routine). Each must-not-miss threshold raises the level when
the probability of dangerous conditions of that urgency or more reaches it. A fired red flag
raises the level to its own. The final level is the most urgent of these: nothing can lower it
below what a fired red flag demands.
"""

from __future__ import annotations

import numpy as np

from hipdx._types import TriageLevel
from hipdx.inference.answers import Answers
from hipdx.inference.assessment import FiredRedFlag, Triage, TriageReason, TriageReasonKind
from hipdx.inference.posterior import Posterior
from hipdx.kb.compiled import CompiledKB, FloatArray
from hipdx.kb.rules import evaluate
from hipdx.kb.schema import RedFlag

_MOST_URGENT_FIRST = sorted(TriageLevel, key=lambda level: -level.rank)
#: How many conditions a must-not-miss reason names.
_NAMED_CONDITIONS = 5


def fired_red_flags(kb: CompiledKB, answers: Answers) -> tuple[FiredRedFlag, ...]:
    return tuple(
        as_fired(flag)
        for flag in kb.knowledge.red_flags
        if evaluate(flag.when, answers.known) is True
    )


def as_fired(flag: RedFlag) -> FiredRedFlag:
    """The record of a red flag that holds on a case."""
    return FiredRedFlag(
        red_flag=flag.id,
        name=flag.name,
        level=flag.level,
        advice=flag.advice,
        suggests=tuple(flag.suggests),
        reference=flag.ref,
        grade=flag.grade,
    )


def decide(kb: CompiledKB, posterior: Posterior, flags: tuple[FiredRedFlag, ...]) -> Triage:
    """The triage level and every reason that asked for a level.

    Each must-not-miss threshold is checked on whichever of the posterior and its cautious
    version (unlinked findings neutral) gives dangerous conditions more probability, so a finding
    the knowledge base does not link to a dangerous condition never lowers triage."""
    probabilities = posterior.probabilities
    reasons = [_posterior_reason(kb, probabilities)]
    reasons += _must_not_miss_reasons(kb, probabilities, posterior.cautious_probabilities)
    reasons += [
        TriageReason(
            kind=TriageReasonKind.RED_FLAG,
            level=f.level,
            red_flag=f.red_flag,
            conditions=f.suggests,
        )
        for f in flags
    ]
    reasons.sort(key=lambda r: -r.level.rank)
    return Triage(
        level=TriageLevel.most_urgent(*(r.level for r in reasons)), reasons=tuple(reasons)
    )


def _posterior_reason(kb: CompiledKB, probabilities: FloatArray) -> TriageReason:
    assert kb.knowledge.triage is not None
    needed = kb.knowledge.triage.base_mass.value
    ranks = np.append(kb.urgency_rank, TriageLevel.ROUTINE.rank)
    for level in _MOST_URGENT_FIRST:
        mass = float(probabilities[ranks >= level.rank].sum())
        if mass >= needed or level is TriageLevel.SELF_CARE:
            return TriageReason(
                kind=TriageReasonKind.POSTERIOR, level=level, mass=min(mass, 1.0), threshold=needed
            )
    raise AssertionError("unreachable: self care always applies")


def _must_not_miss_reasons(
    kb: CompiledKB, probabilities: FloatArray, cautious: FloatArray
) -> list[TriageReason]:
    assert kb.knowledge.triage is not None
    reasons = []
    for threshold in kb.knowledge.triage.must_not_miss_thresholds:
        selected = kb.must_not_miss & (kb.urgency_rank >= threshold.level.rank)
        candidates = (probabilities[:-1], cautious[:-1])
        conditions = max(candidates, key=lambda p: float(p[selected].sum()))
        mass = float(conditions[selected].sum())
        if mass >= threshold.mass:
            order = np.argsort(-np.where(selected, conditions, -1.0), kind="stable")
            named = [i for i in order[:_NAMED_CONDITIONS] if selected[i] and conditions[i] > 0]
            reasons.append(
                TriageReason(
                    kind=TriageReasonKind.MUST_NOT_MISS,
                    level=threshold.level,
                    conditions=tuple(kb.condition_ids[i] for i in named),
                    probabilities=tuple(min(float(conditions[i]), 1.0) for i in named),
                    mass=min(mass, 1.0),
                    threshold=threshold.mass,
                )
            )
    return reasons
