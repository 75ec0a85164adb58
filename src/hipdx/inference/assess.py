"""One assessment: encode the case, update the odds, rank, explain, triage."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from hipdx._types import Grade
from hipdx.exceptions import InvalidCaseError
from hipdx.inference.answers import Answers, encode
from hipdx.inference.assessment import (
    Assessment,
    Contribution,
    ContributionKind,
    Metadata,
    RankedCondition,
    Results,
)
from hipdx.inference.case import Case
from hipdx.inference.posterior import Observation, Posterior
from hipdx.inference.snapshot import Patient, take_snapshot
from hipdx.issues import Issue, errors_in
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import EvidenceRow

#: Evidence grades, strongest first: a contribution reports the weakest grade behind it.
_GRADE_STRENGTH = list(Grade)


def assess_case(
    case: Case, kb: CompiledKB, *, version: str, now: datetime | None = None
) -> Assessment:
    """Assess ``case`` against ``kb``; raises `InvalidCaseError` when the case cannot be used."""
    answers, warnings = _encode_valid(case, kb)
    now_known = take_snapshot(kb, answers, Patient(case.setting, case.age, case.sex))
    posterior = now_known.posterior
    differential = _rank(kb, posterior)
    results = Results(
        differential=differential,
        other_cause_probability=posterior.other_cause_probability,
        triage=now_known.triage,
        red_flags=now_known.red_flags,
        must_not_miss=tuple(r.condition for r in differential if r.must_not_miss),
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


def _rank(kb: CompiledKB, posterior: Posterior) -> tuple[RankedCondition, ...]:
    probabilities = posterior.condition_probabilities
    pretest = posterior.pretest_probabilities
    possible = [i for i in range(len(kb.condition_ids)) if np.isfinite(posterior.log_prior[i])]
    possible.sort(key=lambda i: (-probabilities[i], kb.condition_ids[i]))
    ranked = []
    for rank, index in enumerate(possible, start=1):
        condition = kb.condition(kb.condition_ids[index])
        ranked.append(
            RankedCondition(
                condition=condition.id,
                name=condition.name,
                rank=rank,
                pretest_probability=float(pretest[index]),
                probability=float(probabilities[index]),
                must_not_miss=condition.must_not_miss,
                urgency=condition.urgency,
                explanation=_explain(kb, posterior, index),
            )
        )
    return tuple(ranked)


def _explain(kb: CompiledKB, posterior: Posterior, index: int) -> tuple[Contribution, ...]:
    condition_id = kb.condition_ids[index]
    contributions = []
    for column, observation in enumerate(posterior.observations):
        log_lr = float(posterior.log_lr[index, column])
        if abs(log_lr) < 1e-12:
            continue
        contributions.append(_contribution(kb, condition_id, observation, log_lr))
    contributions.sort(key=lambda c: (-abs(c.log_lr), c.finding))
    return tuple(contributions)


def _contribution(
    kb: CompiledKB, condition_id: str, observation: Observation, log_lr: float
) -> Contribution:
    row = kb.evidence(condition_id, observation.finding)
    rows: list[EvidenceRow]
    if observation.group is None:
        present = observation.present
        if row is None:  # no row: the unlinked LR of `hipdx.kb.compiled`
            kind = (
                ContributionKind.UNLINKED_PRESENT if present else ContributionKind.UNLINKED_ABSENT
            )
        else:
            kind = ContributionKind.PRESENT if present else ContributionKind.ABSENT
        rows = [row] if row is not None else []
    elif not observation.present:
        kind = ContributionKind.ANSWERS_RULED_OUT
        rows = [r for m in observation.excluded if (r := kb.evidence(condition_id, m)) is not None]
    elif row is not None:
        kind, rows = ContributionKind.ANSWER, [row]
    else:
        kind = ContributionKind.ANSWER_BY_COMPLEMENT
        group = kb.group_of(observation.finding)
        members = group[0].members if group else ()
        rows = [r for m in members if (r := kb.evidence(condition_id, m)) is not None]
    references = tuple(dict.fromkeys(r.ref for r in rows if r.ref is not None))
    weakest = max((r.grade for r in rows), key=_GRADE_STRENGTH.index, default=None)
    return Contribution(
        finding=observation.finding,
        question=observation.group,
        kind=kind,
        log_lr=log_lr,
        likelihood_ratio=float(np.exp(log_lr)),
        references=references,
        grade=weakest,
    )
