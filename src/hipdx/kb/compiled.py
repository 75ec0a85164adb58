"""The knowledge base compiled once into arrays indexed by condition and finding.

Independent boolean findings become two (conditions x findings) matrices of log likelihood
ratios, one for "present" and one for "absent". Where no evidence row links a condition to a
finding, the entry is 0 (LR 1), or, for the finding kinds the policy's ``unlinked_findings``
names, the LR of a finding that occurs in the condition at ``rate_ratio`` times its rate among
other presenters; ``linked`` marks the entries that come from rows. The "other cause" class
links no finding, so for those kinds it gets the unlinked LR too (``other_present`` and
``other_absent``; 0 elsewhere). Each exclusive
group becomes one categorical variable: P(answer | condition) and P(answer | other conditions)
per answer. A condition with evidence on some answers of a group lumps the remaining probability
evenly over the answers it has no row for; a condition with no row in a group gets the same
distribution in both, so the group says nothing about it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from hipdx._types import Setting, Sex
from hipdx.kb.loader import KnowledgeBase
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import Condition, EvidenceRow, Finding, FindingGroup

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CompiledGroup:
    group: FindingGroup
    members: tuple[str, ...]
    p_given_condition: FloatArray  # (conditions, members)
    p_given_other: FloatArray  # (conditions, members)
    _log_lrs: dict[tuple[bool, ...], FloatArray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def log_lr(self, allowed: tuple[bool, ...]) -> FloatArray:
        """Per condition, log(P(one of the allowed answers | condition) / P(one of them | other
        conditions)): what the answers to this group say. Worked out once per mask (a group
        of n answers has fewer than 2**n) and kept, read-only."""
        column = self._log_lrs.get(allowed)
        if column is None:
            mask = np.array(allowed)
            in_condition = self.p_given_condition[:, mask].sum(axis=1)
            in_others = self.p_given_other[:, mask].sum(axis=1)
            column = np.log(in_condition) - np.log(in_others)
            column.setflags(write=False)
            self._log_lrs[allowed] = column
        return column


@dataclass(frozen=True)
class CompiledKB:
    knowledge: KnowledgeBase
    condition_ids: tuple[str, ...]
    finding_ids: tuple[str, ...]  # independent boolean findings (not in a group, not numeric)
    log_lr_present: FloatArray  # (conditions, finding_ids)
    log_lr_absent: FloatArray  # (conditions, finding_ids)
    linked: BoolArray  # (conditions, finding_ids): an evidence row gives the entry
    other_present: FloatArray  # (finding_ids,): log LR of "present" for the other-cause class
    other_absent: FloatArray  # (finding_ids,)
    groups: tuple[CompiledGroup, ...]
    log_prior: dict[Setting, FloatArray]  # (conditions + 1,): the last entry is "other cause"
    allowed_for_sex: dict[Sex, BoolArray]  # (conditions,)
    age_min: FloatArray  # (conditions,), -inf when open
    age_max: FloatArray  # (conditions,), +inf when open
    must_not_miss: BoolArray  # (conditions,)
    urgency_rank: npt.NDArray[np.int64]  # (conditions,)

    #: (conditions,): each condition's place among the ids in alphabetical order (to break ties)
    condition_id_order: npt.NDArray[np.intp] = field(init=False, repr=False)
    #: per red flag (in the knowledge base's order): the findings its rule mentions
    red_flag_findings: tuple[frozenset[str], ...] = field(init=False, repr=False)
    _conditions: dict[str, Condition] = field(init=False, repr=False)
    _findings: dict[str, Finding] = field(init=False, repr=False)
    _finding_column: dict[str, int] = field(init=False, repr=False)
    _group_of: dict[str, tuple[CompiledGroup, int]] = field(init=False, repr=False)
    _evidence: dict[tuple[str, str], EvidenceRow] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        knowledge = self.knowledge
        by_id = sorted(range(len(self.condition_ids)), key=self.condition_ids.__getitem__)
        order = np.empty(len(by_id), dtype=np.intp)
        order[by_id] = np.arange(len(by_id))
        lookups: dict[str, object] = {
            "condition_id_order": order,
            "red_flag_findings": tuple(
                frozenset(rule_findings(flag.when)) for flag in knowledge.red_flags
            ),
            "_conditions": {c.id: c for c in knowledge.conditions},
            "_findings": {f.id: f for f in knowledge.findings},
            "_finding_column": {f: i for i, f in enumerate(self.finding_ids)},
            "_group_of": {m: (g, i) for g in self.groups for i, m in enumerate(g.members)},
            "_evidence": {(c.id, r.finding): r for c in knowledge.conditions for r in c.evidence},
        }
        for name, value in lookups.items():
            object.__setattr__(self, name, value)

    @property
    def version(self) -> str:
        return self.knowledge.version

    def condition(self, condition_id: str) -> Condition:
        return self._conditions[condition_id]

    def finding(self, finding_id: str) -> Finding:
        return self._findings[finding_id]

    def has_finding(self, finding_id: str) -> bool:
        return finding_id in self._findings

    def finding_column(self, finding_id: str) -> int | None:
        return self._finding_column.get(finding_id)

    def group_of(self, finding_id: str) -> tuple[CompiledGroup, int] | None:
        return self._group_of.get(finding_id)

    def evidence(self, condition_id: str, finding_id: str) -> EvidenceRow | None:
        return self._evidence.get((condition_id, finding_id))


def compile_knowledge(kb: KnowledgeBase) -> CompiledKB:
    """Arrays for the engine; ``kb`` must have passed `validate`."""
    conditions = kb.conditions
    grouped = {m for g in kb.groups for m in g.members}
    finding_ids = tuple(f.id for f in kb.findings if f.id not in grouped and f.numeric is None)
    present, absent, linked = _independent_matrices(conditions, finding_ids)
    other_present, other_absent = _unlinked_log_lrs(kb, finding_ids)
    unlinked = ~linked & ~_linked_through_family(kb, finding_ids)
    present[unlinked] = np.broadcast_to(other_present, present.shape)[unlinked]
    absent[unlinked] = np.broadcast_to(other_absent, absent.shape)[unlinked]
    return CompiledKB(
        knowledge=kb,
        condition_ids=tuple(c.id for c in conditions),
        finding_ids=finding_ids,
        log_lr_present=present,
        log_lr_absent=absent,
        linked=linked,
        other_present=other_present,
        other_absent=other_absent,
        groups=tuple(_compile_group(g, conditions) for g in kb.groups),
        log_prior={s: _log_priors(kb, s) for s in Setting},
        allowed_for_sex={
            s: np.array([c.applies.sex in (None, s) for c in conditions]) for s in Sex
        },
        age_min=np.array([_bound(c.applies.age_min, -math.inf) for c in conditions]),
        age_max=np.array([_bound(c.applies.age_max, math.inf) for c in conditions]),
        must_not_miss=np.array([c.must_not_miss for c in conditions], dtype=bool),
        urgency_rank=np.array([c.urgency.rank for c in conditions], dtype=np.int64),
    )


def likelihood_ratios(row: EvidenceRow) -> tuple[float, float]:
    """(LR+, LR-) of an evidence row; a missing LR counts as 1 (no information)."""
    if row.sensitivity is not None and row.specificity is not None:
        return row.sensitivity / (1 - row.specificity), (1 - row.sensitivity) / row.specificity
    return row.lr_pos or 1.0, row.lr_neg or 1.0


def _independent_matrices(
    conditions: tuple[Condition, ...], finding_ids: tuple[str, ...]
) -> tuple[FloatArray, FloatArray, BoolArray]:
    column = {f: i for i, f in enumerate(finding_ids)}
    present = np.zeros((len(conditions), len(finding_ids)))
    absent = np.zeros((len(conditions), len(finding_ids)))
    linked = np.zeros((len(conditions), len(finding_ids)), dtype=bool)
    for row_index, condition in enumerate(conditions):
        for row in condition.evidence:
            if row.finding in column:
                lr_pos, lr_neg = likelihood_ratios(row)
                present[row_index, column[row.finding]] = math.log(lr_pos)
                absent[row_index, column[row.finding]] = math.log(lr_neg)
                linked[row_index, column[row.finding]] = True
    return present, absent, linked


def _linked_through_family(kb: KnowledgeBase, finding_ids: tuple[str, ...]) -> BoolArray:
    """Condition x finding: the condition has a row for a finding derived from this one, for one
    this one is derived from, or for another source of the same derived finding (CRP and ESR of
    "inflammatory markers raised"). Such a pair is not "unlinked": the related row already carries
    the evidence (a raised CRP is linked to an infection through "inflammatory markers raised"),
    and counting the missing row against the condition would take back what the related row
    gives."""
    column = {f: i for i, f in enumerate(finding_ids)}
    relatives: dict[str, set[str]] = {}
    for finding in kb.findings:
        if finding.derived is None:
            continue
        members = {finding.id, *rule_findings(finding.derived)}
        for member in members:
            relatives.setdefault(member, set()).update(members - {member})
    rows = {(c.id, r.finding) for c in kb.conditions for r in c.evidence}
    family = np.zeros((len(kb.conditions), len(finding_ids)), dtype=bool)
    for finding_id, others in relatives.items():
        if finding_id not in column:
            continue
        for i, condition in enumerate(kb.conditions):
            family[i, column[finding_id]] = any((condition.id, o) in rows for o in others)
    return family


def comparator_rates(kb: KnowledgeBase) -> dict[str, float]:
    """Per finding, the median over its rows with sensitivity and specificity of the rate among
    other presenters (1 - specificity); findings with no such row are left out."""
    rates: dict[str, list[float]] = {}
    for condition in kb.conditions:
        for row in condition.evidence:
            if row.sensitivity is not None and row.specificity is not None:
                rates.setdefault(row.finding, []).append(1.0 - row.specificity)
    # rounded so that a specificity of 0.70 gives 0.3, not 0.30000000000000004 (which would
    # put a finding at the cap on the wrong side of it)
    return {finding: round(float(np.median(values)), 9) for finding, values in rates.items()}


def _unlinked_log_lrs(
    kb: KnowledgeBase, finding_ids: tuple[str, ...]
) -> tuple[FloatArray, FloatArray]:
    """Per finding, the log LRs (present, absent) of a class with no row for it: for the kinds
    the policy's ``unlinked_findings`` names, a rate of ``rate_ratio`` times the finding's rate
    among other presenters; 0 (LR 1) for the other kinds, for findings with no
    sensitivity-and-specificity row, and without a policy. Red-flag findings count like any
    other: triage and the interview's safety checks also read the cautious posterior, in which
    every unlinked LR is 1 (`hipdx.inference.posterior`), so this cannot lower triage."""
    present = np.zeros(len(finding_ids))
    absent = np.zeros(len(finding_ids))
    policy = kb.triage.unlinked_findings if kb.triage is not None else None
    if policy is None:
        return present, absent
    kinds = set(policy.kinds)
    kind_of = {f.id: f.kind for f in kb.findings}
    rates = comparator_rates(kb)
    ratio = policy.rate_ratio
    for column, finding_id in enumerate(finding_ids):
        rate = rates.get(finding_id)
        if rate is None or rate > policy.max_comparator_rate:
            continue
        if kind_of[finding_id] in kinds:
            present[column] = math.log(ratio)
            absent[column] = math.log((1.0 - ratio * rate) / (1.0 - rate))
    return present, absent


def _compile_group(group: FindingGroup, conditions: tuple[Condition, ...]) -> CompiledGroup:
    size = len(group.members)
    p = np.full((len(conditions), size), 1.0 / size)
    q = np.full((len(conditions), size), 1.0 / size)
    for row_index, condition in enumerate(conditions):
        rows = {r.finding: r for r in condition.evidence if r.finding in group.members}
        if rows:
            p[row_index] = _distribution(group, rows, lambda r: r.sensitivity or 0.0)
            q[row_index] = _distribution(group, rows, lambda r: 1.0 - (r.specificity or 1.0))
    return CompiledGroup(
        group=group, members=tuple(group.members), p_given_condition=p, p_given_other=q
    )


def _distribution(
    group: FindingGroup, rows: dict[str, EvidenceRow], prob: Callable[[EvidenceRow], float]
) -> FloatArray:
    known = np.array([prob(rows[m]) if m in rows else np.nan for m in group.members])
    unrowed = np.isnan(known)
    if unrowed.any():
        known[unrowed] = max(1.0 - float(np.nansum(known)), 1e-9) / int(unrowed.sum())
    return np.asarray(known / known.sum(), dtype=np.float64)


def with_prior_weight(kb: CompiledKB, weight: float) -> CompiledKB:
    """The same knowledge with the setting priors weighed by ``weight`` instead of the policy's
    ``prior_weight``: 1 takes the priors as written, 0 makes every condition equally likely
    beforehand (the other-cause class keeps its share in every case). An analysis tool: it shows
    how much of a ranking comes from the priors and how much from the evidence."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"a prior weight is between 0 and 1, not {weight}")
    log_prior = {s: _log_priors(kb.knowledge, s, weight) for s in Setting}
    return replace(kb, log_prior=log_prior)


def prior_weight(kb: KnowledgeBase) -> float:
    """The policy's prior weight; 1 (priors as written) when it names none."""
    policy = kb.triage.prior_weight if kb.triage is not None else None
    return 1.0 if policy is None else policy.value


def _log_priors(kb: KnowledgeBase, setting: Setting, weight: float | None = None) -> FloatArray:
    """Log priors of the conditions and, last, the other cause, summing to 1. Each condition's
    prior is raised to the weight (the policy's unless given) and the conditions are scaled
    back to their share; the other cause keeps its share of the priors as written."""
    assert kb.triage is not None, "validated knowledge has a triage policy"
    written = np.array([c.priors[setting].value for c in kb.conditions])
    other = kb.triage.other_cause.priors[setting].value
    other_share = other / (float(written.sum()) + other)
    weighed = written ** (prior_weight(kb) if weight is None else weight)
    conditions = weighed / weighed.sum() * (1.0 - other_share)
    return np.asarray(np.log(np.append(conditions, other_share)), dtype=np.float64)


def _bound(value: float | None, default: float) -> float:
    return default if value is None else value
