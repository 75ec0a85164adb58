"""Plain sentences made from result records, for every interface (terminal, web page, PDF):
no styling here, so none of them has to import a terminal library or copy the wording."""

from __future__ import annotations

from collections.abc import Iterable

from hipdx._types import TriageLevel
from hipdx.inference.assessment import (
    Contribution,
    ContributionKind,
    TriageReason,
    TriageReasonKind,
)
from hipdx.kb.compiled import CompiledKB

LEVEL_MEANING = {
    TriageLevel.EMERGENCY: "EMERGENCY - seek emergency care now",
    TriageLevel.URGENT: "URGENT - be seen today",
    TriageLevel.SOON: "SOON - see a clinician within days",
    TriageLevel.ROUTINE: "ROUTINE - book a routine appointment",
    TriageLevel.SELF_CARE: "SELF-CARE - self-management is reasonable; seek care if it worsens",
}


def describe_reason(reason: TriageReason, kb: CompiledKB) -> str:
    """One line per triage reason; a must-not-miss or unresolved reason gives the total
    probability of the dangerous conditions of that urgency, then each named one's own."""
    if reason.kind is TriageReasonKind.RED_FLAG:
        flag = next(f for f in kb.knowledge.red_flags if f.id == reason.red_flag)
        return f"red flag ({reason.level.value}): {flag.name}"
    names = named_conditions(reason, kb)
    if reason.kind is TriageReasonKind.MUST_NOT_MISS:
        return (
            f"must-not-miss ({reason.level.value}): {percent(reason.mass)} probability in all "
            f"(threshold {percent(reason.threshold)}), most from {names}"
        )
    if reason.kind is TriageReasonKind.UNRESOLVED:
        return (
            f"not settled when the interview ended ({reason.level.value}): "
            f"{percent(reason.mass)} probability in all (at least {percent(reason.threshold)}), "
            f"most from {names}, which the questions not asked could still raise"
        )
    return (
        f"urgency of the likely causes: {reason.level.value} ({percent(reason.mass)} of the "
        f"probability is {reason.level.value} or more urgent)"
    )


def named_conditions(reason: TriageReason, kb: CompiledKB) -> str:
    """The conditions a reason names, each with its own probability when it has one."""
    if len(reason.probabilities) != len(reason.conditions):
        return ", ".join(kb.condition(c).name for c in reason.conditions)
    return ", ".join(
        f"{kb.condition(c).name} {percent(p)}"
        for c, p in zip(reason.conditions, reason.probabilities, strict=True)
    )


_UNLINKED = frozenset({ContributionKind.UNLINKED_PRESENT, ContributionKind.UNLINKED_ABSENT})


def explanation_order(contributions: Iterable[Contribution]) -> list[Contribution]:
    """The contributions to show, those of findings the condition's evidence names first (then
    the unlinked-finding penalties), each part by the size of its effect; the order of
    display only, the probabilities are not touched."""
    return sorted(contributions, key=lambda c: (c.kind in _UNLINKED, -abs(c.log_lr)))


def describe_contribution(contribution: Contribution, kb: CompiledKB) -> str:
    finding = kb.finding(contribution.finding).clinician
    arrow = "↑" if contribution.log_lr > 0 else "↓"
    if contribution.kind in (ContributionKind.ABSENT, ContributionKind.UNLINKED_ABSENT):
        finding = f"no {finding[0].lower()}{finding[1:]}"
    elif contribution.kind is ContributionKind.ANSWERS_RULED_OUT:
        finding = f"not {finding[0].lower()}{finding[1:]}"
    source = f" [{', '.join(contribution.references)}]" if contribution.references else ""
    if contribution.kind in (ContributionKind.UNLINKED_PRESENT, ContributionKind.UNLINKED_ABSENT):
        source = " [not a feature of it in the knowledge base]"
    return f"{arrow} {finding} (LR {contribution.likelihood_ratio:.2g}){source}"


def percent(value: float | None) -> str:
    """A probability as a percentage with one decimal; below 0.1 % says so."""
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if value >= 0.001 else "<0.1%"
