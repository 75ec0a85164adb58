"""Why each condition moved: the explanation, computed as arrays, read as records.

For every condition at once, one sort of the posterior's log-LR matrix gives which answers moved
its odds (|log LR| of at least 1e-12) and in what order (strongest first, then by finding id).
The `Contribution` records of a condition are built only when they are read (`Explanation` takes
them from a `ConditionExplanation`), so an assessment costs the same whether it shows one
explanation or all of them, and the records are exactly those the whole explanation would hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter

from hipdx._types import Grade
from hipdx.inference.assessment import Contribution, ContributionKind
from hipdx.inference.posterior import Observation, Posterior
from hipdx.kb.compiled import CompiledKB, FloatArray
from hipdx.kb.schema import EvidenceRow
from hipdx.kb.views import row_references

#: A log LR smaller than this in magnitude moved nothing and is left out.
NEGLIGIBLE_LOG_LR = 1e-12
#: Evidence grades, strongest first: a contribution reports the weakest grade behind it.
_GRADE_STRENGTH = list(Grade)


@dataclass(frozen=True)
class ExplanationTable:
    """The explanations of every condition of one posterior, as arrays."""

    kb: CompiledKB
    posterior: Posterior
    order: npt.NDArray[np.intp]  # (conditions, observations): columns, strongest first
    counts: list[int]  # per condition: how many columns moved its odds
    likelihood_ratio: FloatArray  # (conditions, observations): exp(log LR)

    @classmethod
    def of(cls, kb: CompiledKB, posterior: Posterior) -> ExplanationTable:
        magnitude = np.abs(posterior.log_lr)
        names = [o.finding for o in posterior.observations]
        rank = {name: i for i, name in enumerate(sorted(set(names)))}
        by_name = np.broadcast_to(
            np.array([rank[n] for n in names], dtype=np.intp), magnitude.shape
        )
        order = np.lexsort((by_name, -magnitude), axis=-1) if names else by_name.astype(np.intp)
        counts = (magnitude >= NEGLIGIBLE_LOG_LR).sum(axis=1).tolist()
        return cls(kb, posterior, order, counts, np.exp(posterior.log_lr))

    def of_condition(self, index: int) -> ConditionExplanation:
        return ConditionExplanation(self, index)


@dataclass(frozen=True)
class ConditionExplanation:
    """The contributions of one condition (an `ItemSource`): one at a time, or all at once."""

    table: ExplanationTable
    index: int

    def __len__(self) -> int:
        return self.table.counts[self.index]

    def item(self, position: int) -> Contribution:
        return Contribution(**self._fields(int(self.table.order[self.index, position])))

    def items(self) -> tuple[Contribution, ...]:
        columns = self.table.order[self.index, : len(self)].tolist()
        return _CONTRIBUTIONS.validate_python([self._fields(c) for c in columns])

    def _fields(self, column: int) -> dict[str, Any]:
        table, index = self.table, self.index
        observation = table.posterior.observations[column]
        kind, references, grade = why(table.kb, table.kb.condition_ids[index], observation)
        return {
            "finding": observation.finding,
            "question": observation.group,
            "kind": kind,
            "log_lr": float(table.posterior.log_lr[index, column]),
            "likelihood_ratio": float(table.likelihood_ratio[index, column]),
            "references": references,
            "grade": grade,
        }


_CONTRIBUTIONS = TypeAdapter(tuple[Contribution, ...])


def contribution(
    kb: CompiledKB, condition_id: str, observation: Observation, log_lr: float
) -> Contribution:
    """The record of one answer's effect on one condition."""
    kind, references, grade = why(kb, condition_id, observation)
    return Contribution(
        finding=observation.finding,
        question=observation.group,
        kind=kind,
        log_lr=log_lr,
        likelihood_ratio=float(np.exp(log_lr)),
        references=references,
        grade=grade,
    )


def why(
    kb: CompiledKB, condition_id: str, observation: Observation
) -> tuple[ContributionKind, tuple[str, ...], Grade | None]:
    """Why an answer's LR applies to a condition (the match type), the references of the rows
    behind it, and the weakest grade among them."""
    row = kb.evidence(condition_id, observation.finding)
    if observation.group is None:
        if row is None:  # no row: the unlinked LR of `hipdx.kb.compiled`
            unlinked = observation.present
            kind = (
                ContributionKind.UNLINKED_PRESENT if unlinked else ContributionKind.UNLINKED_ABSENT
            )
            return kind, (), None
        kind = ContributionKind.PRESENT if observation.present else ContributionKind.ABSENT
        return kind, tuple(row_references(row)), row.grade
    rows: list[EvidenceRow]
    if not observation.present:
        kind = ContributionKind.ANSWERS_RULED_OUT
        rows = [r for m in observation.excluded if (r := kb.evidence(condition_id, m)) is not None]
    elif row is not None:
        kind, rows = ContributionKind.ANSWER, [row]
    else:
        kind = ContributionKind.ANSWER_BY_COMPLEMENT
        group = kb.group_of(observation.finding)
        members = group[0].members if group else ()
        rows = [r for m in members if (r := kb.evidence(condition_id, m)) is not None]
    references = tuple(dict.fromkeys(ref for r in rows for ref in row_references(r)))
    weakest = max((r.grade for r in rows), key=_GRADE_STRENGTH.index, default=None)
    return kind, references, weakest
