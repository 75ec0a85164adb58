"""One assessment: encode the case, update the odds, rank, explain, triage."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from hipdx.exceptions import InvalidCaseError
from hipdx.inference.answers import Answers, encode
from hipdx.inference.assessment import (
    Assessment,
    Differential,
    Explanation,
    Metadata,
    RankedCondition,
    Results,
)
from hipdx.inference.case import Case
from hipdx.inference.explanation import ExplanationTable
from hipdx.inference.posterior import Posterior
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.issues import Issue, errors_in
from hipdx.kb.compiled import CompiledKB


def assess_case(
    case: Case, kb: CompiledKB, *, version: str, now: datetime | None = None
) -> Assessment:
    """Assess ``case`` against ``kb``; raises `InvalidCaseError` when the case cannot be used."""
    answers, warnings = _encode_valid(case, kb)
    now_known = take_snapshot(kb, answers, Patient(case.setting, case.age, case.sex))
    posterior = now_known.posterior
    ranked = _ranked(kb, posterior)
    results = Results(
        differential=Differential(source=_Ranking(kb, posterior, ranked)),
        other_cause_probability=posterior.other_cause_probability,
        triage=now_known.triage,
        red_flags=now_known.red_flags,
        must_not_miss=tuple(kb.condition_ids[i] for i in ranked if kb.must_not_miss[i]),
        warnings=tuple(warnings),
    )
    metadata = Metadata(
        hipdx_version=version,
        kb_version=kb.version,
        created=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        options={"setting": case.setting.value},
    )
    return Assessment(input=case, metadata=metadata, results=results)


def answers_of(case: Case, kb: CompiledKB) -> Answers:
    """The encoded answers of a valid case (raises `InvalidCaseError` otherwise)."""
    return _encode_valid(case, kb)[0]


def _encode_valid(case: Case, kb: CompiledKB) -> tuple[Answers, list[Issue]]:
    """The answers and the warnings; raises `InvalidCaseError` on any error."""
    answers, issues = encode(case, kb)
    errors = errors_in(issues)
    if errors:
        raise InvalidCaseError("the case cannot be assessed", errors)
    return answers, [i for i in issues if i not in errors]


def _ranked(kb: CompiledKB, posterior: Posterior) -> list[int]:
    """The indices of the possible conditions, most probable first (ties by id)."""
    probabilities = posterior.condition_probabilities
    possible = np.flatnonzero(np.isfinite(posterior.log_prior[:-1]))
    by_id = kb.condition_id_order[possible]
    return list(possible[np.lexsort((by_id, -probabilities[possible]))].tolist())


class _Ranking:
    """The ranked conditions of one posterior, each built when read (an `ItemSource`), with its
    explanation built when that is read."""

    def __init__(self, kb: CompiledKB, posterior: Posterior, ranked: list[int]) -> None:
        self.kb, self.posterior, self.ranked = kb, posterior, ranked
        self.pretest = posterior.pretest_probabilities.tolist()
        self.posttest = posterior.condition_probabilities.tolist()
        self._explanations: ExplanationTable | None = None

    def __len__(self) -> int:
        return len(self.ranked)

    def items(self) -> tuple[RankedCondition, ...]:
        return tuple(self.item(position) for position in range(len(self.ranked)))

    def item(self, position: int) -> RankedCondition:
        index = self.ranked[position]
        condition = self.kb.knowledge.conditions[index]
        if self._explanations is None:
            self._explanations = ExplanationTable.of(self.kb, self.posterior)
        return RankedCondition(
            condition=condition.id,
            name=condition.name,
            rank=position + 1,
            pretest_probability=self.pretest[index],
            probability=self.posttest[index],
            must_not_miss=condition.must_not_miss,
            urgency=condition.urgency,
            explanation=Explanation(source=self._explanations.of_condition(index)),
        )
