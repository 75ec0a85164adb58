"""Read-only lookups on a compiled knowledge base, for reports and interfaces."""

from __future__ import annotations

from collections.abc import Iterator

from hipdx._types import Grade
from hipdx.kb.compiled import CompiledKB, likelihood_ratios
from hipdx.kb.loader import KnowledgeBase
from hipdx.kb.schema import Condition, EvidenceRow, FindingKind, Reference


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
            _grade_cell(row),
            ", ".join(row_references(row)) or "-",
        )


def _grade_cell(row: EvidenceRow) -> str:
    sensitivity, specificity = row.number_grades()
    if sensitivity is specificity:
        return row.grade.value
    return f"Sn {sensitivity.value}, Sp {specificity.value}"


def row_references(row: EvidenceRow) -> list[str]:
    """The references behind a row's numbers: its own, then each number's, once each."""
    sources = (row.sensitivity_source, row.specificity_source)
    refs = [row.ref, *(s.ref for s in sources if s is not None)]
    return list(dict.fromkeys(r for r in refs if r is not None))


def cited_references(kb: CompiledKB, condition: Condition) -> list[Reference]:
    """Every reference the condition cites (its list, its priors, its evidence), in order."""
    ids = [*condition.references, *(p.ref for p in condition.priors.values() if p.ref)]
    ids += [ref for row in condition.evidence for ref in row_references(row)]
    by_id = {r.id: r for r in kb.knowledge.references}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def conditions_citing_finding(
    kb: CompiledKB, finding_id: str
) -> list[tuple[Condition, EvidenceRow]]:
    return [(c, r) for c in kb.knowledge.conditions for r in c.evidence if r.finding == finding_id]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


#: The kinds of finding that are results of the workup (imaging, procedures and laboratory).
WORKUP_KINDS = (FindingKind.IMAGING, FindingKind.LAB)


def workup_citation(knowledge: KnowledgeBase) -> dict[str, float | int]:
    """How many evidence rows on workup findings cite a study, meta-analysis or guideline: for
    every number of the row, for its sensitivity (or LR+), and for at least one number."""
    kinds = {finding.id: finding.kind for finding in knowledge.findings}
    grades = [
        row.number_grades()
        for condition in knowledge.conditions
        for row in condition.evidence
        if kinds.get(row.finding) in WORKUP_KINDS
    ]
    cited = [tuple(g is not Grade.EXPERT_ESTIMATE for g in pair) for pair in grades]
    total = len(cited) or 1
    return {
        "rows": len(cited),
        "every_number_cited": sum(all(pair) for pair in cited) / total,
        "sensitivity_cited": sum(pair[0] for pair in cited) / total,
        "a_number_cited": sum(any(pair) for pair in cited) / total,
    }
