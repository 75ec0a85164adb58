"""Read-only lookups on a compiled knowledge base, for reports and interfaces."""

from __future__ import annotations

from collections.abc import Iterator

from hipdx.kb.compiled import CompiledKB, likelihood_ratios
from hipdx.kb.schema import Condition, EvidenceRow, Reference


def evidence_table_rows(kb: CompiledKB, condition: Condition) -> Iterator[tuple[str, ...]]:
    """(finding, Sn, Sp, LR+, LR-, grade, reference) per evidence row, strongest LR first."""

    def strength(row: EvidenceRow) -> float:
        lr_pos, lr_neg = likelihood_ratios(row)
        return max(lr_pos, 1 / lr_neg)

    for row in sorted(condition.evidence, key=strength, reverse=True):
        lr_pos, lr_neg = likelihood_ratios(row)
        yield (
            kb.finding(row.finding).clinician,
            _number(row.sensitivity),
            _number(row.specificity),
            f"{lr_pos:.2g}",
            f"{lr_neg:.2g}",
            row.grade.value,
            row.ref or "-",
        )


def cited_references(kb: CompiledKB, condition: Condition) -> list[Reference]:
    """Every reference the condition cites (its list, its priors, its evidence), in order."""
    ids = [*condition.references, *(p.ref for p in condition.priors.values() if p.ref)]
    ids += [r.ref for r in condition.evidence if r.ref]
    by_id = {r.id: r for r in kb.knowledge.references}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def conditions_citing_finding(
    kb: CompiledKB, finding_id: str
) -> list[tuple[Condition, EvidenceRow]]:
    return [(c, r) for c in kb.knowledge.conditions for r in c.evidence if r.finding == finding_id]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
