"""The Bayesian update: prior odds times the likelihood ratio of every answer, in log space.

Every answered independent finding contributes log LR+ (present) or log LR- (absent) to each
condition; every answered exclusive group contributes log(P(answers | condition) /
P(answers | other conditions)), one variable however many of its answers are given. The
"other cause" class links no finding: it gets the unlinked LR of `hipdx.kb.compiled` for the
finding kinds the policy names, and LR 1 for the others (risk factors, demographics, groups).
Conditions impossible for the age or sex get probability 0. One `logsumexp` turns scores into
probabilities.

A finding the knowledge base does not link to a condition counts against it (see
`hipdx.kb.compiled`). That is only as good as the knowledge base is complete, so the posterior
also carries ``cautious_probabilities``, computed with unlinked findings neutral (LR 1) for
every class, as if a missing row said nothing; triage
uses the larger must-not-miss mass of the two, so a missing link never lowers triage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipdx._types import Setting, Sex
from hipdx.inference.answers import Answers
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray


@dataclass(frozen=True)
class Observation:
    """One answered variable: a finding, or the answers given to one exclusive group."""

    finding: str  # the finding, or for a group the answer given (or the first excluded one)
    present: bool
    group: str | None
    excluded: tuple[str, ...]  # for a group answered only with "no"s: the answers ruled out


@dataclass(frozen=True)
class Posterior:
    observations: tuple[Observation, ...]
    log_lr: FloatArray  # (conditions, observations)
    log_prior: FloatArray  # (conditions + 1,), -inf where impossible; last is "other cause"
    probabilities: FloatArray  # (conditions + 1,), sums to 1
    cautious_probabilities: FloatArray  # the same with unlinked findings neutral (LR 1)

    @property
    def condition_probabilities(self) -> FloatArray:
        return self.probabilities[:-1]

    @property
    def other_cause_probability(self) -> float:
        return float(self.probabilities[-1])

    @property
    def pretest_probabilities(self) -> FloatArray:
        return _softmax(self.log_prior)


def applicable(kb: CompiledKB, age: float | None, sex: Sex | None) -> BoolArray:
    """Which conditions are possible for this age and sex."""
    mask = np.ones(len(kb.condition_ids), dtype=bool)
    if sex is not None:
        mask &= kb.allowed_for_sex[sex]
    if age is not None:
        mask &= (kb.age_min <= age) & (age <= kb.age_max)
    return mask


def compute_posterior(
    kb: CompiledKB, answers: Answers, setting: Setting, age: float | None, sex: Sex | None
) -> Posterior:
    log_prior = kb.log_prior[setting].copy()
    log_prior[:-1][~applicable(kb, age, sex)] = -np.inf
    observations, columns, cautious_columns, other = _independent(kb, answers)
    group_observations, group_columns = _grouped(kb, answers)
    log_lr = _stack(columns, group_columns)
    return Posterior(
        observations=tuple(observations + group_observations),
        log_lr=log_lr,
        log_prior=log_prior,
        probabilities=_softmax(_scores(log_prior, log_lr, other)),
        cautious_probabilities=_softmax(
            _scores(log_prior, _stack(cautious_columns, group_columns), 0.0)
        ),
    )


def _stack(independent: FloatArray, grouped: list[FloatArray]) -> FloatArray:
    """(conditions, observations): the independent findings' columns, then the groups'; laid
    out row by row (C order), as the sums over each row assume (a sum's rounding depends on the
    order it adds in)."""
    columns = independent if not grouped else np.hstack([independent, np.column_stack(grouped)])
    return np.ascontiguousarray(columns)


def _scores(log_prior: FloatArray, log_lr: FloatArray, other: float) -> FloatArray:
    scores = log_prior.copy()
    scores[:-1] += log_lr.sum(axis=1)
    scores[-1] += other
    return scores


def _independent(
    kb: CompiledKB, answers: Answers
) -> tuple[list[Observation], FloatArray, FloatArray, float]:
    """The observations of independent findings (by id), their log-LR columns, the same
    columns with unlinked entries neutral, and the other-cause class's summed log LR."""
    observations: list[Observation] = []
    columns: list[int] = []
    other = 0.0
    for finding in sorted(answers.present | answers.absent):
        column = kb.finding_column(finding)
        if column is None:
            continue
        present = finding in answers.present
        observations.append(Observation(finding, present, None, ()))
        columns.append(column)
        other += float((kb.other_present if present else kb.other_absent)[column])
    chosen = np.array(columns, dtype=np.intp)
    present_mask = np.array([o.present for o in observations], dtype=bool)
    log_lr = np.where(present_mask, kb.log_lr_present[:, chosen], kb.log_lr_absent[:, chosen])
    cautious = np.where(kb.linked[:, chosen], log_lr, 0.0)
    return observations, log_lr, cautious, other


def _grouped(kb: CompiledKB, answers: Answers) -> tuple[list[Observation], list[FloatArray]]:
    observations: list[Observation] = []
    columns: list[FloatArray] = []
    for compiled in kb.groups:
        excluded = tuple(m for m in compiled.members if m in answers.absent)
        if not excluded:
            continue  # nothing answered in this group (an answer rules the others out)
        allowed = tuple(m not in answers.absent for m in compiled.members)
        chosen = next((m for m in compiled.members if m in answers.present), None)
        label = chosen if chosen is not None else excluded[0]
        observations.append(Observation(label, chosen is not None, compiled.group.id, excluded))
        columns.append(compiled.log_lr(allowed))
    return observations, columns


def _softmax(scores: FloatArray) -> FloatArray:
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        raise ValueError("no condition and no other cause is possible")
    top = finite.max()
    weights = np.exp(scores - top)
    return np.asarray(weights / weights.sum(), dtype=np.float64)
