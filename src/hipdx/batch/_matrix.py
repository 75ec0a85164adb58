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

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, reduce

import numpy as np
import numpy.typing as npt

from hipdx._types import Setting, Sex, TriageLevel
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.schema import Absent, AllOf, AnyOf, Rule

IntArray = npt.NDArray[np.intp]
StrArray = npt.NDArray[np.str_]
#: Triage levels by rank (0 self care ... 4 emergency).
LEVELS = sorted(TriageLevel, key=lambda level: level.rank)
#: Closer than this (relative for probabilities, absolute for masses), too close to call.
_CLOSE = 1e-12


@dataclass(frozen=True)
class CaseMatrix:
    """A chunk of structured cases as columns: per finding id answered in the chunk, a float
    column (1 present, 0 absent, NaN unanswered; the number for a measured finding)."""

    age: FloatArray  # (cases,), NaN when not given
    #: per case, a `Sex` or None; or an array of their values ("" or any other: not given)
    sex: Sequence[Sex | None] | StrArray
    #: per case, a `Setting`; or an array of their values (any other: primary care)
    setting: Sequence[Setting] | StrArray
    answers: dict[str, FloatArray]

    def __len__(self) -> int:
        return len(self.age)

    @cached_property
    def sex_codes(self) -> IntArray:
        """Each case's sex as its place in `Sex`, -1 when not given."""
        return _codes(self.sex, list(Sex))

    @cached_property
    def setting_codes(self) -> IntArray:
        """Each case's setting as its place in `Setting` (primary care when not given)."""
        codes = _codes(self.setting, list(Setting))
        codes[codes < 0] = list(Setting).index(Setting.PRIMARY_CARE)
        return codes


@dataclass(frozen=True)
class Encoded:
    present: BoolArray  # (cases, findings of the knowledge base)
    absent: BoolArray
    usable: BoolArray  # (cases,): taken by the matrix path as it is

    @classmethod
    def empty(cls, cases: int, findings: int) -> Encoded:
        """No answers yet: present and absent are views of one (2 x findings, cases) array,
        each finding's cases side by side (`answers`)."""
        answers = np.zeros((2 * findings, cases), dtype=bool)
        return cls(answers[:findings].T, answers[findings:].T, np.ones(cases, dtype=bool))

    @property
    def answers(self) -> BoolArray:
        """(2 x findings, cases): present then absent, by finding."""
        base = self.present.base
        findings = self.present.shape[1]
        if (
            isinstance(base, np.ndarray)
            and base is self.absent.base
            and base.shape == (2 * findings, len(self.usable))
            and base.flags.c_contiguous
            and self.present.ctypes.data == base.ctypes.data
            and self.absent.ctypes.data == base[findings:].ctypes.data
            and self.present.strides == self.absent.strides == base.strides[::-1]
        ):
            return base
        return np.vstack([self.present.T, self.absent.T])


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
    """The present / absent answers of every case, as `hipdx.inference.answers.encode` sets them:
    the yes / no answers of the chunk in one step, then age, sex and numbers, exclusive groups
    and derived findings, each one array operation over the chunk."""
    index = _finding_index(kb)
    encoded = Encoded.empty(len(cases), len(index))
    present, absent, usable = encoded.present, encoded.absent, encoded.usable
    answers = _with_age(cases, index, usable)
    for finding, values in answers.items():
        if finding not in index:
            usable[~np.isnan(values)] = False  # an unknown finding: the case reports it
    yes_no = [f for f in answers if f in index and kb.finding(f).numeric is None]
    _put_yes_no(encoded.answers, [index[f] for f in yes_no], [answers[f] for f in yes_no], usable)

    def put(finding: str, yes: BoolArray, no: BoolArray) -> None:
        column = index[finding]
        usable[(yes & absent[:, column]) | (no & present[:, column])] = False  # contradictions
        present[:, column] |= yes
        absent[:, column] |= no

    for code, sex in enumerate(Sex):
        sex_finding = SEX_FINDINGS.get(sex.value)
        if sex_finding is not None and sex_finding in index:
            put(sex_finding, cases.sex_codes == code, np.zeros(len(cases), dtype=bool))
    for finding, values in answers.items():
        spec = kb.finding(finding).numeric if finding in index else None
        if spec is None:
            continue
        known = ~np.isnan(values)
        plausible = (spec.plausible_min <= values) & (values <= spec.plausible_max)
        usable[known & ~plausible] = False
        distinct, inverse = np.unique(values, return_inverse=True)
        for threshold in spec.derive:
            inside = np.array([threshold.contains(v) for v in distinct.tolist()], dtype=bool)
            inside = inside[inverse]
            put(threshold.finding, known & plausible & inside, known & plausible & ~inside)
    _apply_groups(kb, index, present, absent, usable)
    _apply_derived(kb, index, present, absent, usable)
    return encoded


def _finding_index(kb: CompiledKB) -> dict[str, int]:
    return {f.id: i for i, f in enumerate(kb.knowledge.findings)}


def _with_age(cases: CaseMatrix, index: dict[str, int], usable: BoolArray) -> dict[str, FloatArray]:
    """The answers, the age finding set from the age column (a different age given as the
    finding too is a contradiction)."""
    answers = dict(cases.answers)
    if AGE_FINDING in index:
        given = answers.get(AGE_FINDING)
        if given is not None:
            usable[~np.isnan(given) & ~np.isnan(cases.age) & (given != cases.age)] = False
            answers[AGE_FINDING] = np.where(np.isnan(cases.age), given, cases.age)
        else:
            answers[AGE_FINDING] = cases.age
    return answers


def _put_yes_no(
    answers: BoolArray, columns: list[int], values: list[FloatArray], usable: BoolArray
) -> None:
    """The yes / no answers of the chunk (1 / 0 / NaN columns), set all at once before anything
    else is, each finding once; a value other than 0 or 1 makes its case unusable."""
    if not columns:
        return
    block = np.stack(values)  # (answered findings, cases)
    yes, no = block == 1, block == 0
    usable &= ~(~np.isnan(block) & ~yes & ~no).any(axis=0)
    findings = answers.shape[0] // 2
    answers[columns] = yes
    answers[[c + findings for c in columns]] = no


def _codes(values: Sequence[object] | StrArray, kinds: Sequence[StrEnum]) -> IntArray:
    """Each value's place in ``kinds`` (a member or its value), -1 for None or another value."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        codes = np.full(len(values), -1, dtype=np.intp)
        for i, kind in enumerate(kinds):
            codes[values == kind.value] = i
        return codes
    lookup: dict[object, int] = {kind.value: i for i, kind in enumerate(kinds)}
    return np.fromiter((lookup.get(v, -1) for v in values), dtype=np.intp, count=len(values))


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
        return _all([t for t, _ in parts]), _any([f for _, f in parts])
    if isinstance(rule, AnyOf):
        parts = [_evaluate(p, index, present, absent) for p in rule.any]
        return _any([t for t, _ in parts]), _all([f for _, f in parts])
    parts = [_evaluate(p, index, present, absent) for p in rule.of]
    holding = np.zeros(len(present), dtype=np.intp)
    open_ = np.zeros(len(present), dtype=np.intp)
    for true, false in parts:
        holding += true
        open_ += ~true & ~false
    return holding >= rule.at_least, holding + open_ < rule.at_least


def _all(columns: list[BoolArray]) -> BoolArray:
    return reduce(np.logical_and, columns)


def _any(columns: list[BoolArray]) -> BoolArray:
    return reduce(np.logical_or, columns)


def score_matrix(kb: CompiledKB, cases: CaseMatrix, encoded: Encoded, *, k: int) -> Scores:
    """The posterior, top ``k`` conditions, triage and red flags of every case (rows that are
    not ``usable`` get values too, which callers must not use)."""
    index = _finding_index(kb)
    log_prior = _log_priors(kb, cases)
    conditions = len(kb.condition_ids)
    sums = _answer_sums(kb, index, encoded)
    groups = _group_log_lrs(kb, index, encoded)
    sums[:, :conditions] += groups
    sums[:, conditions + 1 :] += groups
    scores = sums[:, : conditions + 1]  # the same sums as prior + (answers + groups): a + b = b + a
    scores += log_prior
    cautious = log_prior
    cautious[:, :-1] += sums[:, conditions + 1 :]
    possible = np.isfinite(scores[:, :-1])
    probabilities, cautious_probabilities = _softmax(scores), _softmax(cautious)
    top, top_probability, tied = _top(kb, probabilities, possible, k)
    fired = _red_flags(kb, index, encoded)
    rank, borderline = _triage(kb, probabilities, cautious_probabilities, fired)
    return Scores(top, top_probability, probabilities[:, -1], rank, fired, tied | borderline)


def _answer_table(kb: CompiledKB, index: dict[str, int]) -> FloatArray:
    """Per answer (each finding present, then each absent, in the knowledge base's order): its
    log LR for every condition, the other-cause class's, and the conditions' with unlinked
    entries neutral; zero for the findings that are not independent (groups, numbers)."""
    width = len(index)
    table = np.zeros((2 * width, 2 * len(kb.condition_ids) + 1))
    rows = np.array([index[f] for f in kb.finding_ids], dtype=np.intp)
    linked = kb.linked
    for offset, lr, other in (
        (0, kb.log_lr_present, kb.other_present),
        (width, kb.log_lr_absent, kb.other_absent),
    ):
        table[rows + offset] = np.hstack([lr.T, other[:, None], np.where(linked, lr, 0.0).T])
    return table


def _answer_sums(kb: CompiledKB, index: dict[str, int], encoded: Encoded) -> FloatArray:
    """(cases, 2 conditions + 1): Σ over each case's answers of `_answer_table`'s rows, as one
    sparse product (a case answers a few findings of hundreds), its indicator matrix read off
    the non-zero places of the answers array in one step."""
    from scipy import sparse

    answers = encoded.answers
    width, size = answers.shape
    answer, case = np.divmod(np.flatnonzero(answers), size)  # by answer, then by case
    pointers = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(np.bincount(answer, minlength=width), out=pointers[1:])
    indicator = sparse.csc_matrix((np.ones(len(case)), case, pointers), shape=(size, width))
    return np.asarray(indicator.tocsr() @ _answer_table(kb, index), dtype=np.float64)


def _log_priors(kb: CompiledKB, cases: CaseMatrix) -> FloatArray:
    table = np.stack([kb.log_prior[s] for s in Setting])  # (settings, conditions + 1)
    log_prior = table[cases.setting_codes]
    by_sex = np.stack(
        [kb.allowed_for_sex[s] for s in Sex] + [np.ones(len(kb.condition_ids), dtype=bool)]
    )
    possible = by_sex[cases.sex_codes]  # not given (-1): the last row, every condition
    age = cases.age[:, None]
    known = ~np.isnan(age)
    possible &= ~known | ((kb.age_min <= age) & (age <= kb.age_max))
    log_prior[:, :-1][~possible] = -np.inf
    return log_prior


def _group_log_lrs(kb: CompiledKB, index: dict[str, int], encoded: Encoded) -> FloatArray:
    """Σ over answered groups of each group's log LR, from the group's own table per mask of
    ruled-out answers (a zero row for nothing ruled out, and for everything ruled out: a case
    the matrix path does not take)."""
    total = np.zeros((len(encoded.usable), len(kb.condition_ids)))
    for compiled in kb.groups:
        size = len(compiled.members)
        codes = np.zeros(len(encoded.usable), dtype=np.intp)
        for j, member in enumerate(compiled.members):
            codes |= encoded.absent[:, index[member]].astype(np.intp) << j
        masks, inverse = np.unique(codes, return_inverse=True)
        if masks[-1] == 0:
            continue
        columns = np.stack(
            [
                compiled.log_lr(tuple(not (int(code) >> j) & 1 for j in range(size)))
                if 0 < code < (1 << size) - 1
                else np.zeros(len(kb.condition_ids))
                for code in masks
            ]
        )
        total += columns[inverse]
    return total


def _softmax(scores: FloatArray) -> FloatArray:
    """exp(scores - max) / Σ, row by row, in place (the other-cause class is always finite)."""
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _top(
    kb: CompiledKB, probabilities: FloatArray, possible: BoolArray, k: int
) -> tuple[IntArray, FloatArray, BoolArray]:
    """The ``k`` most probable possible conditions, -1 / NaN past the possible, and where two
    of the first k + 1 are too close to order (or to choose): k + 1 rounds of taking each row's
    largest and setting it aside. Equal probabilities are too close, so their order (by id in
    `hipdx.assess`) never reaches the output: those cases go to the engine."""
    del kb  # the order among equals is the engine's to give
    keys = probabilities[:, :-1].copy()
    np.copyto(keys, -1.0, where=~possible)
    size, width = keys.shape
    first = min(k + 1, width)
    flat, offsets = keys.reshape(-1), np.arange(size) * width
    ranked = np.empty((size, first), dtype=np.intp)
    sorted_keys = np.empty((size, first))
    for place in range(first):
        chosen = keys.argmax(axis=1)
        ranked[:, place] = chosen
        sorted_keys[:, place] = flat[offsets + chosen]
        flat[offsets + chosen] = -np.inf
    order = ranked[:, :k]
    chosen_probability = np.take_along_axis(probabilities[:, :-1], order, axis=1)
    valid = np.take_along_axis(possible, order, axis=1)
    tied = (np.abs(np.diff(sorted_keys, axis=1)) <= _CLOSE * np.abs(sorted_keys[:, 1:])).any(axis=1)
    return np.where(valid, order, -1), np.where(valid, chosen_probability, np.nan), tied


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
    levels = range(TriageLevel.EMERGENCY.rank, TriageLevel.SELF_CARE.rank, -1)
    # every mass in one product: per level, the classes at least that urgent
    masses = probabilities @ np.stack([ranks >= rank for rank in levels], axis=1).astype(float)
    level = np.full(len(probabilities), TriageLevel.SELF_CARE.rank)
    undecided = np.ones(len(probabilities), dtype=bool)
    close = np.zeros(len(probabilities), dtype=bool)
    needed = policy.base_mass.value
    for column, rank in enumerate(levels):
        mass = masses[:, column]
        close |= undecided & (np.abs(mass - needed) <= _CLOSE)
        reached = undecided & (mass >= needed)
        level[reached] = rank
        undecided &= ~reached
    thresholds = policy.must_not_miss_thresholds
    selected = np.zeros((len(kb.condition_ids), len(thresholds)))
    for column, threshold in enumerate(thresholds):
        selected[:, column] = kb.must_not_miss & (kb.urgency_rank >= threshold.level.rank)
    alarm = np.maximum(probabilities[:, :-1] @ selected, cautious[:, :-1] @ selected)
    for column, threshold in enumerate(thresholds):
        mass = alarm[:, column]
        close |= np.abs(mass - threshold.mass) <= _CLOSE
        level = np.where(mass >= threshold.mass, np.maximum(level, threshold.level.rank), level)
    flag_levels = np.array([f.level.rank for f in kb.knowledge.red_flags], dtype=np.intp)
    if len(flag_levels):
        level = np.maximum(level, np.where(fired, flag_levels, 0).max(axis=1))
    return np.asarray(level, dtype=np.intp), close
