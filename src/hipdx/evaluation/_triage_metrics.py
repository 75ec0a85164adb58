"""Safety and its price: the dangerous patients a strategy missed, and the calm ones it sent
urgently (docs/interview.md, "Emergencies missed").

A level is a triage level's rank (`TriageLevel.rank`, larger is more urgent); ``levels`` are a
strategy's, ``full`` the full questionnaire's, one per patient in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from hipdx._types import TriageLevel
from hipdx.evaluation._interview_runs import InterviewRun
from hipdx.evaluation._simulated_patients import SimulatedPatient
from hipdx.evaluation._strategies import FullQuestionnaire
from hipdx.kb.compiled import CompiledKB

_URGENT = TriageLevel.URGENT.rank


class Misses(TypedDict):
    """Indices of the dangerous patients missed, three ways (see `missed`)."""

    raw: list[int]
    catchable: list[int]
    below_full: list[int]


class OverTriage(TypedDict):
    patients: int  # patients whose true condition needs less than urgent care
    urgent: int  # of them, triaged urgent or higher by the strategy
    full_urgent: int  # of them, triaged urgent or higher by the full questionnaire
    above_full: int  # all patients triaged above the full questionnaire's level


class MissBreakdown(TypedDict):
    condition: dict[str, int]
    stop: dict[str, int]
    full_caught_by: dict[str, int]


def need(kb: CompiledKB, patient: SimulatedPatient) -> int:
    """The triage rank the true condition needs when it is an urgent or emergency must-not-miss
    condition, else -1 (not a patient the safety target is about)."""
    if patient.truth is None:
        return -1
    condition = kb.condition(patient.truth)
    urgent = condition.must_not_miss and condition.urgency.rank >= _URGENT
    return condition.urgency.rank if urgent else -1


def missed(
    kb: CompiledKB, patients: Sequence[SimulatedPatient], levels: list[int], full: list[int]
) -> Misses:
    """Which patients with an urgent or emergency must-not-miss condition a strategy missed.

    * ``raw``: triaged below what the condition needs (emergency for cauda equina, urgent for a
      psoas abscess), whatever the full questionnaire did;
    * ``catchable`` (issue 5's target): those of them whose full questionnaire triages urgent or
      higher, and whose triage is below what the full questionnaire gives, up to what the
      condition needs (a false alarm that sends a psoas abscess to the emergency department
      does not make "urgent" a miss);
    * ``below_full``: the full questionnaire triages urgent or higher and the strategy lower,
      however much the condition needs (the figure reported before; it counts chance red flags
      of other conditions).
    """
    result = Misses(raw=[], catchable=[], below_full=[])
    for i, patient in enumerate(patients):
        needed = need(kb, patient)
        if needed < 0:
            continue
        if levels[i] < needed:
            result["raw"].append(i)
        if full[i] >= _URGENT and levels[i] < min(full[i], needed):
            result["catchable"].append(i)
        if full[i] >= _URGENT and levels[i] < full[i]:
            result["below_full"].append(i)
    return result


def over_triage(
    kb: CompiledKB, patients: Sequence[SimulatedPatient], levels: list[int], full: list[int]
) -> OverTriage:
    """The price of safety: patients whose true condition needs less than urgent care (no
    urgent or emergency must-not-miss condition) triaged urgent or higher, beside the full
    questionnaire's own count, and patients triaged above the full questionnaire's level."""
    calm = [i for i, p in enumerate(patients) if p.truth is not None and need(kb, p) < 0]
    return OverTriage(
        patients=len(calm),
        urgent=sum(levels[i] >= _URGENT for i in calm),
        full_urgent=sum(full[i] >= _URGENT for i in calm),
        above_full=sum(levels[i] > full[i] for i in range(len(patients))),
    )


def miss_breakdown(
    kb: CompiledKB,
    patients: Sequence[SimulatedPatient],
    runs: list[InterviewRun],
    full: list[FullQuestionnaire],
) -> MissBreakdown:
    """The catchable misses of a strategy with a stop rule, by true condition, by stop reason,
    and by what made the full questionnaire triage them: a red flag that suggests the
    condition, another red flag (a chance finding), or the must-not-miss probability mass."""
    flags = {flag.id: flag for flag in kb.knowledge.red_flags}
    levels = [r.triage[r.stop_at] for r in runs]
    full_levels = [f.level for f in full]
    breakdown = MissBreakdown(condition={}, stop={}, full_caught_by={})
    for i in missed(kb, patients, levels, full_levels)["catchable"]:
        target = min(full_levels[i], need(kb, patients[i]))
        high = [flags[f] for f in full[i].red_flags if flags[f].level.rank >= target]
        caught_by = (
            "red flag suggesting it"
            if any(patients[i].truth in f.suggests for f in high)
            else "another red flag"
            if high
            else "must-not-miss mass"
        )
        for counts, key in (
            (breakdown["condition"], str(patients[i].truth)),
            (breakdown["stop"], runs[i].stop_reason),
            (breakdown["full_caught_by"], caught_by),
        ):
            counts[key] = counts.get(key, 0) + 1
    return breakdown
