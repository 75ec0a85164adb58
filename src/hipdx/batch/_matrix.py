"""Many structured cases at once: the answers, the posterior and the triage as matrices.

The same steps as one assessment (`hipdx.inference`), one array operation over a chunk of cases
each: age and sex set their findings, numbers set the findings their thresholds name, an answer
of an exclusive group rules the others out, derived findings follow from their rules (three-valued,
to a fixed point), then prior times the likelihood ratios in log space (one matrix product), the
cautious posterior (unlinked findings neutral), red flags, the must-not-miss thresholds and the
posterior level. A case the matrix path does not take as it is (a contradiction, a value out of
range, an unknown finding, every answer of a group "no") is marked, and its caller assesses it
one at a time, which reports the problem exactly as `hipdx.assess` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hipdx._types import Setting, Sex, TriageLevel
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.schema import Absent, AllOf, AnyOf, Rule

IntArray = npt.NDArray[np.intp]
#: Triage levels by rank (0 self care ... 4 emergency).
LEVELS = sorted(TriageLevel, key=lambda level: level.rank)
#: Closer than this (relative for probabilities, absolute for masses), too close to call.
_CLOSE = 1e-12


@dataclass(frozen=True)
class CaseMatrix:
    """A chunk of structured cases as columns: per finding id answered in the chunk, a float
    column (1 present, 0 absent, NaN unanswered; the number for a measured finding)."""

    age: FloatArray  # (cases,), NaN when not given
    sex: list[Sex | None]
    setting: list[Setting]
    answers: dict[str, FloatArray]

    def __len__(self) -> int:
        return len(self.age)


@dataclass(frozen=True)
class Encoded:
    present: BoolArray  # (cases, findings of the knowledge base)
    absent: BoolArray
    usable: BoolArray  # (cases,): taken by the matrix path as it is


@dataclass(frozen=True)
class Scores:
    """Per case: the top conditions (indices into the knowledge base's conditions, -1 past the
    possible ones) with their probabilities, the other-cause probability, the triage level (its
    rank) and the red flags that fired (per flag, a column)."""

    top: IntArray  # (cases, k)
    top_probability: FloatArray  # (cases, k)
    other_cause: FloatArray  # (cases,)
    triage_rank: IntArray  # (cases,)
    red_flags: BoolArray  # (cases, red flags)
    #: (cases,): too close to call in floating point (two of the top k + 1 probabilities, or a
    #: mass and its triage threshold, within 1e-12 of each other), where the sums of one case
    #: at a time, added in another order, may come out the other way: assess those one by one
    close: BoolArray


def encode_matrix(kb: CompiledKB, cases: CaseMatrix) -> Encoded:
    """The present / absent answers of every case, as `hipdx.inference.answers.encode` sets them."""
    index = {f.id: i for i, f in enumerate(kb.knowledge.findings)}
    size = len(cases)
    # column by column (Fortran order): every step below reads and sets whole findings
    present = np.zeros((size, len(index)), dtype=bool, order="F")
    absent = np.zeros((size, len(index)), dtype=bool, order="F")
    usable = np.ones(size, dtype=bool)

    def put(finding: str, yes: BoolArray, no: BoolArray) -> None:
        column = index[finding]
        usable[(yes & absent[:, column]) | (no & present[:, column])] = False  # contradictions
        present[:, column] |= yes
        absent[:, column] |= no

    for sex, finding in SEX_FINDINGS.items():
        if finding in index:
            put(
                finding,
                np.array([s is not None and s.value == sex for s in cases.sex], dtype=bool),
                _none(size),
            )
    answers = dict(cases.answers)
    if AGE_FINDING in index:
        given = answers.get(AGE_FINDING)
        if given is not None:
            usable[~np.isnan(given) & ~np.isnan(cases.age) & (given != cases.age)] = False
            answers[AGE_FINDING] = np.where(np.isnan(cases.age), given, cases.age)
        else:
            answers[AGE_FINDING] = cases.age
    for finding, values in answers.items():
        known = ~np.isnan(values)
        if finding not in index:
            usable[known] = False  # an unknown finding: the case reports it
            continue
        spec = kb.finding(finding).numeric
        if spec is None:
            usable[known & (values != 0) & (values != 1)] = False
            put(finding, known & (values == 1), known & (values == 0))
            continue
        plausible = (spec.plausible_min <= values) & (values <= spec.plausible_max)
        usable[known & ~plausible] = False
        distinct, inverse = np.unique(values, return_inverse=True)
        for threshold in spec.derive:
            inside = np.array([threshold.contains(v) for v in distinct.tolist()], dtype=bool)
            inside = inside[inverse]
            put(threshold.finding, known & plausible & inside, known & plausible & ~inside)
    _apply_groups(kb, index, present, absent, usable)
    _apply_derived(kb, index, present, absent, usable)
    return Encoded(present, absent, usable)


def _none(size: int) -> BoolArray:
    return np.zeros(size, dtype=bool)


def _apply_groups(
    kb: CompiledKB, index: dict[str, int], present: BoolArray, absent: BoolArray, usable: BoolArray
) -> None:
    for compiled in kb.groups:
        columns = [index[m] for m in compiled.members]
        chosen = present[:, columns]
        count = chosen.sum(axis=1)
        usable[count > 1] = False
        usable[(count == 0) & absent[:, columns].all(axis=1)] = False
        one = count == 1
        for column in columns:  # an answer rules the others out (where not answered already)
            absent[:, column] |= one & ~present[:, column]


def _apply_derived(
    kb: CompiledKB, index: dict[str, int], present: BoolArray, absent: BoolArray, usable: BoolArray
) -> None:
    derived = [f for f in kb.knowledge.findings if f.derived is not None]
    for _ in range(len(derived) + 1):
        changed = False
        for finding in derived:
            assert finding.derived is not None
            true, false = _evaluate(finding.derived, index, present, absent)
            column = index[finding.id]
            unset = ~present[:, column] & ~absent[:, column]
            usable[(true & absent[:, column]) | (false & present[:, column])] = False
            new_true, new_false = true & unset, false & unset
            changed = changed or bool(new_true.any() or new_false.any())
            present[:, column] |= new_true
            absent[:, column] |= new_false
        if not changed:
            return


def _evaluate(
    rule: Rule, index: dict[str, int], present: BoolArray, absent: BoolArray
) -> tuple[BoolArray, BoolArray]:
    """Where the rule holds and where it cannot hold (`hipdx.kb.rules.evaluate`, per case)."""
    if isinstance(rule, str):
        return present[:, index[rule]], absent[:, index[rule]]
    if isinstance(rule, Absent):
        return absent[:, index[rule.absent]], present[:, index[rule.absent]]
    if isinstance(rule, AllOf):
        parts = [_evaluate(p, index, present, absent) for p in rule.all]
        return np.logical_and.reduce([t for t, _ in parts]), np.logical_or.reduce(
            [f for _, f in parts]
        )
    if isinstance(rule, AnyOf):
        parts = [_evaluate(p, index, present, absent) for p in rule.any]
        return np.logical_or.reduce([t for t, _ in parts]), np.logical_and.reduce(
            [f for _, f in parts]
        )
    parts = [_evaluate(p, index, present, absent) for p in rule.of]
    holding = np.sum([t for t, _ in parts], axis=0)
    open_ = np.sum([~t & ~f for t, f in parts], axis=0)
    return holding >= rule.at_least, holding + open_ < rule.at_least


def score_matrix(kb: CompiledKB, cases: CaseMatrix, encoded: Encoded, *, k: int) -> Scores:
    """The posterior, top ``k`` conditions, triage and red flags of every case (rows that are
    not ``usable`` get values too, which callers must not use)."""
    index = {f.id: i for i, f in enumerate(kb.knowledge.findings)}
    columns = [index[f] for f in kb.finding_ids]
    log_prior = _log_priors(kb, cases)
    conditions = len(kb.condition_ids)
    sums = _answer_sums(kb, encoded.present[:, columns], encoded.absent[:, columns])
    groups = _group_log_lrs(kb, index, encoded)
    scores = log_prior.copy()
    scores[:, :-1] += sums[:, :conditions] + groups
    scores[:, -1] += sums[:, -1]
    cautious = log_prior.copy()
    cautious[:, :-1] += sums[:, conditions:-1] + groups
    probabilities, cautious_probabilities = _softmax(scores), _softmax(cautious)
    top, top_probability, tied = _top(kb, probabilities, np.isfinite(log_prior[:, :-1]), k)
    fired = _red_flags(kb, index, encoded)
    rank, borderline = _triage(kb, probabilities, cautious_probabilities, fired)
    return Scores(top, top_probability, probabilities[:, -1], rank, fired, tied | borderline)


def _answer_table(kb: CompiledKB) -> FloatArray:
    """Per answer (each independent finding present, then each absent): its log LR for every
    condition, the same with unlinked entries neutral, and the other-cause class's."""
    linked = kb.linked
    rows = []
    for lr, other in ((kb.log_lr_present, kb.other_present), (kb.log_lr_absent, kb.other_absent)):
        rows.append(np.hstack([lr.T, np.where(linked, lr, 0.0).T, other[:, None]]))
    return np.ascontiguousarray(np.vstack(rows))


def _answer_sums(kb: CompiledKB, present: BoolArray, absent: BoolArray) -> FloatArray:
    """(cases, 2 conditions + 1): Σ over each case's answers of `_answer_table`'s rows, as a
    sparse product (a case answers a few findings of hundreds)."""
    from scipy import sparse

    by_answer = np.vstack([present.T, absent.T])  # contiguous when the answers are by finding
    answers, cases = np.nonzero(by_answer)  # by answer, then by case
    pointers = np.zeros(len(by_answer) + 1, dtype=np.int64)
    np.cumsum(np.bincount(answers, minlength=len(by_answer)), out=pointers[1:])
    shape = (len(present), len(by_answer))
    answered = sparse.csc_matrix((np.ones(len(cases)), cases, pointers), shape=shape)
    return np.asarray(answered @ _answer_table(kb), dtype=np.float64)


def _log_priors(kb: CompiledKB, cases: CaseMatrix) -> FloatArray:
    settings = list(Setting)
    table = np.stack([kb.log_prior[s] for s in settings])  # (settings, conditions + 1)
    log_prior = table[[settings.index(s) for s in cases.setting]]
    possible = np.ones((len(cases), len(kb.condition_ids)), dtype=bool)
    for sex in Sex:
        rows = np.array([s is sex for s in cases.sex], dtype=bool)
        possible[rows] &= kb.allowed_for_sex[sex]
    age = cases.age[:, None]
    known = ~np.isnan(age)
    possible &= ~known | ((kb.age_min <= age) & (age <= kb.age_max))
    log_prior[:, :-1][~possible] = -np.inf
    return log_prior


def _group_log_lrs(kb: CompiledKB, index: dict[str, int], encoded: Encoded) -> FloatArray:
    """Σ over answered groups of each group's log LR, from the group's own table per mask."""
    total = np.zeros((len(encoded.usable), len(kb.condition_ids)))
    for compiled in kb.groups:
        ruled_out = encoded.absent[:, [index[m] for m in compiled.members]]
        answered = ruled_out.any(axis=1)
        if not answered.any():
            continue
        codes = ruled_out[answered] @ (1 << np.arange(len(compiled.members)))
        masks, inverse = np.unique(codes, return_inverse=True)
        columns = np.stack(
            [
                compiled.log_lr(
                    tuple(not (int(code) >> j) & 1 for j in range(len(compiled.members)))
                )
                for code in masks
            ]
        )
        total[answered] += columns[inverse]
    return total


def _softmax(scores: FloatArray) -> FloatArray:
    top = np.max(np.where(np.isfinite(scores), scores, -np.inf), axis=1, keepdims=True)
    weights = np.exp(scores - top)
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), dtype=np.float64)


def _top(
    kb: CompiledKB, probabilities: FloatArray, possible: BoolArray, k: int
) -> tuple[IntArray, FloatArray, BoolArray]:
    """The ``k`` most probable possible conditions (ties by id), -1 / NaN past the possible,
    and where two of the first k + 1 are too close to order (or to choose)."""
    by_id = np.argsort(kb.condition_id_order)  # condition indices in id order
    keys = np.where(possible, probabilities[:, :-1], -1.0)[:, by_id]
    first = min(k + 1, keys.shape[1])
    candidates = np.argpartition(-keys, first - 1, axis=1)[:, :first]
    candidate_keys = np.take_along_axis(keys, candidates, axis=1)
    ranked = np.take_along_axis(
        candidates, np.lexsort((candidates, -candidate_keys), axis=1), axis=1
    )
    order = by_id[ranked[:, :k]]
    chosen = np.take_along_axis(probabilities[:, :-1], order, axis=1)
    valid = np.take_along_axis(possible, order, axis=1)
    sorted_keys = np.take_along_axis(keys, ranked, axis=1)
    tied = (np.abs(np.diff(sorted_keys, axis=1)) <= _CLOSE * np.abs(sorted_keys[:, 1:])).any(axis=1)
    return np.where(valid, order, -1), np.where(valid, chosen, np.nan), tied


def _red_flags(kb: CompiledKB, index: dict[str, int], encoded: Encoded) -> BoolArray:
    flags = kb.knowledge.red_flags
    fired = np.zeros((len(encoded.usable), len(flags)), dtype=bool)
    for j, flag in enumerate(flags):
        fired[:, j] = _evaluate(flag.when, index, encoded.present, encoded.absent)[0]
    return fired


def _triage(
    kb: CompiledKB, probabilities: FloatArray, cautious: FloatArray, fired: BoolArray
) -> tuple[IntArray, BoolArray]:
    """The triage level's rank: the most urgent of the posterior level, each must-not-miss
    threshold reached and each fired red flag (`hipdx.inference.triage.decide`); and where a
    mass is too close to its threshold to tell."""
    policy = kb.knowledge.triage
    assert policy is not None
    ranks = np.append(kb.urgency_rank, TriageLevel.ROUTINE.rank)
    level = np.full(len(probabilities), TriageLevel.SELF_CARE.rank)
    undecided = np.ones(len(probabilities), dtype=bool)
    close = np.zeros(len(probabilities), dtype=bool)
    needed = policy.base_mass.value
    for rank in range(TriageLevel.EMERGENCY.rank, TriageLevel.SELF_CARE.rank, -1):
        mass = probabilities[:, ranks >= rank].sum(axis=1)
        close |= undecided & (np.abs(mass - needed) <= _CLOSE)
        reached = undecided & (mass >= needed)
        level[reached] = rank
        undecided &= ~reached
    for threshold in policy.must_not_miss_thresholds:
        selected = kb.must_not_miss & (kb.urgency_rank >= threshold.level.rank)
        mass = np.maximum(
            probabilities[:, :-1][:, selected].sum(axis=1),
            cautious[:, :-1][:, selected].sum(axis=1),
        )
        close |= np.abs(mass - threshold.mass) <= _CLOSE
        level = np.where(mass >= threshold.mass, np.maximum(level, threshold.level.rank), level)
    flag_levels = np.array([f.level.rank for f in kb.knowledge.red_flags], dtype=np.intp)
    if len(flag_levels):
        level = np.maximum(level, np.where(fired, flag_levels, 0).max(axis=1))
    return np.asarray(level, dtype=np.intp), close
