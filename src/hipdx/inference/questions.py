"""Next-best questions: expected information gain on the differential, for all questions at once.

Every question is one categorical variable: an independent finding has two answers (present,
absent), an exclusive group one answer per member. The compiled knowledge base gives each
answer a log likelihood ratio per condition (the "other cause" class has the unlinked one of
`hipdx.kb.compiled`, 0 for groups), and the posterior
after an answer is the engine's own update: P'(c) ∝ P(c)·LR(c, answer).

To predict how likely each answer is, every question gets a *background* distribution, the
answer probabilities in patients whose pain has another cause: for a finding, the mean rate
(1 - LR-) / (LR+ - LR-) implied by its evidence rows (exactly 1 - specificity for a row given
as sensitivity and specificity), or the policy's ``background_rate`` when no row implies one;
for a group, the mean of its rows' P(answer | other conditions), or uniform. Then

    P(answer | c)     = background(answer)·LR(c, answer) / Σ_a background(a)·LR(c, a)
    P(answer | other) = background(answer)·LR(other, answer) / Σ_a background(a)·LR(other, a)
    P(answer)         = Σ_c P(c)·P(answer | c)

which gives back sensitivity for a row with sensitivity and specificity, and for a class without
a row the background (LR 1) or, where unlinked findings count, ``rate_ratio`` times it.
The score of a question is the expected fall in entropy (bits) of
the differential plus ``must_not_miss_weight`` times the expected fall in entropy of the binary
variable "a must-not-miss condition is present", plus, for each urgent or emergency must-not-miss
condition on its own, its urgency's weight times the expected fall in entropy of "this condition
is present". See docs/interview.md.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from hipdx._types import Asker, TriageLevel
from hipdx.exceptions import KnowledgeBaseError
from hipdx.inference.answers import Answers
from hipdx.inference.screening import screening_gains
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import InterviewPolicy, RedFlag

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: The two answers of an independent finding.
PRESENT, ABSENT = "present", "absent"
#: How many conditions an answer's outcome names as raised and as lowered.
_NAMED = 3
#: A likelihood ratio closer to 1 than this (in log) carries no information.
_FLAT = 1e-9


class QuestionKind(StrEnum):
    FINDING = "finding"  # one finding, answered yes / no
    GROUP = "group"  # an exclusive group, answered with one of its members


@dataclass(frozen=True)
class Question:
    id: str  # the finding id, or the group id
    kind: QuestionKind
    answers: tuple[str, ...]  # (PRESENT, ABSENT), or the group's member ids
    findings: tuple[str, ...]  # the findings an answer sets
    asker: Asker


@dataclass(frozen=True)
class QuestionBank:
    """Every question of a knowledge base as arrays, built once per knowledge base."""

    questions: tuple[Question, ...]
    log_lr: FloatArray  # (questions, conditions + 1, answers); 0 for padding
    answer_probability: FloatArray  # (questions, conditions + 1, answers); 0 for padding
    asker_rank: npt.NDArray[np.int64]  # (questions,)
    must_not_miss: BoolArray  # (conditions + 1,)
    danger_weight: FloatArray  # (conditions + 1,): the weight of each condition's own danger term
    condition_ids: tuple[str, ...]
    policy: InterviewPolicy
    red_flags: tuple[RedFlag, ...] = ()

    def index(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConditionShift(_Record):
    condition: str
    before: Probability
    after: Probability


class AnswerOutcome(_Record):
    """What one answer would do: how likely it is and which conditions it moves most."""

    answer: str  # PRESENT / ABSENT, or a group member id
    probability: Probability
    raises: tuple[ConditionShift, ...]
    lowers: tuple[ConditionShift, ...]
    must_not_miss_after: Probability


class Suggestion(_Record):
    """A question worth asking next, and why: its expected gains and what each answer would do."""

    question: str
    kind: QuestionKind
    findings: tuple[str, ...]
    asker: Asker
    score: float  # differential + weighted must-not-miss and red-flag gains, in bits
    differential_gain: float  # expected fall in entropy of the differential, bits
    must_not_miss_gain: float  # expected fall in entropy of "a must-not-miss condition", bits
    dangerous_gain: float  # weighted falls in entropy of each urgent/emergency condition, bits
    red_flag_gain: float  # expected fall in entropy of "a red flag fires", bits (screening)
    separates: tuple[str, ...]  # the conditions whose probability it is expected to move most
    outcomes: tuple[AnswerOutcome, ...]


@dataclass(frozen=True)
class Gains:
    """Expected gains of every question, with the predicted answers and posteriors."""

    score: FloatArray  # (questions,)
    differential: FloatArray  # (questions,)
    must_not_miss: FloatArray  # (questions,)
    dangerous: FloatArray  # (questions,): weighted sum over dangerous conditions, each alone
    red_flag: FloatArray  # (questions,): zero unless `with_screening` added it
    answer_probability: FloatArray  # (questions, answers)
    posterior_after: FloatArray  # (questions, conditions + 1, answers)


def interview_policy(kb: CompiledKB) -> InterviewPolicy:
    if kb.knowledge.interview is None:
        raise KnowledgeBaseError("the knowledge base has no 'interview' policy", [])
    return kb.knowledge.interview


_BANKS: dict[int, tuple[weakref.ref[CompiledKB], QuestionBank]] = {}


def question_bank(kb: CompiledKB) -> QuestionBank:
    """The question bank of ``kb`` with its own interview policy, built once per compiled
    knowledge base (building it costs more than ranking the questions); the bank is immutable,
    so callers share it."""
    key = id(kb)
    cached = _BANKS.get(key)
    if cached is not None and cached[0]() is kb:
        return cached[1]
    bank = build_question_bank(kb)
    _BANKS[key] = (weakref.ref(kb, lambda _: _BANKS.pop(key, None)), bank)
    return bank


def build_question_bank(kb: CompiledKB, policy: InterviewPolicy | None = None) -> QuestionBank:
    """The arrays of every question of ``kb`` (its own interview policy by default)."""
    policy = policy or interview_policy(kb)
    blocks = [
        _finding_block(kb, _default_rates(kb, policy)),
        *(_group_block(kb, g) for g in range(len(kb.groups))),
    ]
    width = max(block[1].shape[2] for block in blocks)
    questions = tuple(q for block in blocks for q in block[0])
    log_lr = np.concatenate([_pad(block[1], width) for block in blocks])
    answer_probability = np.concatenate([_pad(block[2], width) for block in blocks])
    order = list(Asker)
    return QuestionBank(
        questions=questions,
        log_lr=log_lr,
        answer_probability=answer_probability,
        asker_rank=np.array([order.index(q.asker) for q in questions], dtype=np.int64),
        must_not_miss=np.append(kb.must_not_miss, False),
        danger_weight=np.append(_danger_weights(kb, policy), 0.0),
        condition_ids=kb.condition_ids,
        policy=policy,
        red_flags=kb.knowledge.red_flags,
    )


_Block = tuple[list[Question], FloatArray, FloatArray]


def _danger_weights(kb: CompiledKB, policy: InterviewPolicy) -> FloatArray:
    """Per condition, the weight of "this condition is present" in the score: the policy's
    emergency or urgent condition weight for a must-not-miss condition of that urgency, else 0."""
    emergency = kb.must_not_miss & (kb.urgency_rank >= TriageLevel.EMERGENCY.rank)
    urgent = kb.must_not_miss & (kb.urgency_rank == TriageLevel.URGENT.rank)
    weights = np.zeros(len(kb.condition_ids))
    weights[emergency] = policy.emergency_condition_weight.value
    weights[urgent] = policy.urgent_condition_weight.value
    return weights


def _default_rates(kb: CompiledKB, policy: InterviewPolicy) -> FloatArray:
    """Per finding, its rate in others when no evidence row implies one: ``background_rate``, or
    ``red_flag_finding_rate`` for a finding a red-flag rule mentions (a rare symptom)."""
    flagged = {f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when)}
    rare, usual = policy.red_flag_finding_rate.value, policy.background_rate.value
    return np.array([rare if f in flagged else usual for f in kb.finding_ids], dtype=np.float64)


def _finding_block(kb: CompiledKB, default: FloatArray) -> _Block:
    """Independent findings: answers (present, absent), shape (findings, conditions + 1, 2)."""
    log_lr = np.stack([kb.log_lr_present.T, kb.log_lr_absent.T], axis=2)
    other = np.stack([kb.other_present, kb.other_absent], axis=1)[:, None, :]
    log_lr = np.concatenate([log_lr, other], axis=1)
    background = implied_background(kb.log_lr_present, kb.log_lr_absent, default)
    prior = np.stack([background, 1 - background], axis=1)  # (findings, 2)
    questions = [
        Question(f, QuestionKind.FINDING, (PRESENT, ABSENT), (f,), kb.finding(f).asker)
        for f in kb.finding_ids
    ]
    return questions, log_lr, _answer_given_class(prior, log_lr)


def implied_background(
    log_lr_present: FloatArray, log_lr_absent: FloatArray, default: float | FloatArray
) -> FloatArray:
    """Per finding, the mean over its rows of the rate in others, (1 - LR-) / (LR+ - LR-)."""
    lr_pos, lr_neg = np.exp(log_lr_present), np.exp(log_lr_absent)
    spread = lr_pos - lr_neg
    informative = np.abs(spread) > _FLAT
    rate = np.divide(1 - lr_neg, spread, out=np.zeros_like(spread), where=informative)
    usable = informative & (rate > 0) & (rate < 1)
    count = usable.sum(axis=0)
    mean = np.where(usable, rate, 0.0).sum(axis=0) / np.maximum(count, 1)
    return np.asarray(np.where(count > 0, mean, default), dtype=np.float64)


def _group_block(kb: CompiledKB, index: int) -> _Block:
    compiled = kb.groups[index]
    p, q = compiled.p_given_condition, compiled.p_given_other
    log_lr = np.log(p) - np.log(q)
    has_rows = (np.abs(log_lr) > _FLAT).any(axis=1)
    size = len(compiled.members)
    background = q[has_rows].mean(axis=0) if has_rows.any() else np.full(size, 1.0 / size)
    log_lr = np.vstack([log_lr, np.zeros((1, size))])[None]
    members = tuple(compiled.members)
    askers = [kb.finding(m).asker for m in members]
    asker = max(askers, key=list(Asker).index)
    question = Question(compiled.group.id, QuestionKind.GROUP, members, members, asker)
    return [question], log_lr, _answer_given_class(background[None], log_lr)


def _answer_given_class(background: FloatArray, log_lr: FloatArray) -> FloatArray:
    """P(answer | class) ∝ background(answer)·LR(class, answer); (questions, classes, answers)."""
    weights = background[:, None, :] * np.exp(log_lr)
    return np.asarray(weights / weights.sum(axis=2, keepdims=True), dtype=np.float64)


def _pad(array: FloatArray, width: int) -> FloatArray:
    """``array`` with zero answers appended up to ``width`` (np.pad is slow for small arrays)."""
    if array.shape[2] == width:
        return array
    padded = np.zeros((*array.shape[:2], width))
    padded[:, :, : array.shape[2]] = array
    return padded


def expected_gains(bank: QuestionBank, probabilities: FloatArray) -> Gains:
    """Expected gains of every question of ``bank`` from the current posterior (conditions + 1)."""
    weights = probabilities[None, :, None] * np.exp(bank.log_lr)
    after = weights / weights.sum(axis=1, keepdims=True)
    p_answer = np.einsum("c,qca->qa", probabilities, bank.answer_probability)
    differential = _entropy(probabilities, axis=0) - (p_answer * _entropy(after, axis=1)).sum(1)
    danger_now = float(probabilities[bank.must_not_miss].sum())
    danger_after = after[:, bank.must_not_miss, :].sum(axis=1)
    danger = _binary_entropy(np.array(danger_now)) - (p_answer * _binary_entropy(danger_after)).sum(
        axis=1
    )
    dangerous = _dangerous_gains(bank, probabilities, after, p_answer)
    score = differential + bank.policy.must_not_miss_weight.value * danger + dangerous
    return Gains(score, differential, danger, dangerous, np.zeros_like(score), p_answer, after)


def _dangerous_gains(
    bank: QuestionBank, probabilities: FloatArray, after: FloatArray, p_answer: FloatArray
) -> FloatArray:
    """Per question, Σ over urgent and emergency must-not-miss conditions of the condition's
    weight times the expected fall in entropy of "this condition is present" (bits)."""
    selected = bank.danger_weight > 0
    if not selected.any():
        return np.zeros(len(bank.questions))
    before = _binary_entropy(probabilities[selected])  # (dangerous,)
    expected = np.einsum("qa,qda->qd", p_answer, _binary_entropy(after[:, selected, :]))
    return np.asarray((before[None, :] - expected) @ bank.danger_weight[selected], np.float64)


def triage_raising_flags(
    bank: QuestionBank, probabilities: FloatArray, level: TriageLevel | None
) -> tuple[RedFlag, ...]:
    """The red flags whose firing would change what is done: above ``level`` (all when None),
    and not suggesting only conditions this patient cannot have (an ectopic pregnancy in a man:
    probability 0 for the sex or age)."""
    impossible = {c for c, p in zip(bank.condition_ids, probabilities, strict=False) if p <= 0}
    return tuple(
        flag
        for flag in bank.red_flags
        if (level is None or flag.level.rank > level.rank)
        and not (flag.suggests and impossible.issuperset(flag.suggests))
    )


def with_screening(
    bank: QuestionBank,
    gains: Gains,
    answers: Answers,
    open_: BoolArray,
    flags: tuple[RedFlag, ...] | None = None,
) -> Gains:
    """``gains`` with the weighted red-flag screening gain (`hipdx.inference.screening`) added,
    over ``flags`` (by default every red flag; see `triage_raising_flags`)."""
    findings = [q.findings for q in bank.questions]
    flags = bank.red_flags if flags is None else flags
    red_flag = screening_gains(flags, answers, findings, gains.answer_probability, open_)
    score = gains.score + bank.policy.red_flag_weight.value * red_flag
    return replace(gains, score=score, red_flag=red_flag)


def _entropy(p: FloatArray, axis: int) -> FloatArray:
    logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
    return np.asarray(-(p * logs).sum(axis=axis), dtype=np.float64)


def _binary_entropy(p: FloatArray) -> FloatArray:
    p = np.clip(p, 0.0, 1.0)
    q = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + q * np.log2(q))
    return np.asarray(np.nan_to_num(h, nan=0.0), dtype=np.float64)  # 0·log 0 = 0


def candidates(bank: QuestionBank, answers: Answers, asker: Asker) -> BoolArray:
    """The questions this asker can answer that are not answered yet (in any member)."""
    allowed = bank.asker_rank <= list(Asker).index(asker)
    open_ = np.array(
        [all(answers.known(f) is None for f in q.findings) for q in bank.questions], dtype=bool
    )
    return np.asarray(allowed & open_, dtype=np.bool_)


def rank_questions(
    bank: QuestionBank,
    answers: Answers,
    probabilities: FloatArray,
    *,
    asker: Asker,
    k: int,
    exclude: frozenset[str] = frozenset(),
    level: TriageLevel | None = None,
) -> tuple[Suggestion, ...]:
    """The ``k`` open questions with the largest score, best first, each with its reasons.
    ``level`` is the current triage level: only red flags that could raise it are screened."""
    mask = candidates(bank, answers, asker)
    mask &= np.array([q.id not in exclude for q in bank.questions], dtype=bool)
    flags = triage_raising_flags(bank, probabilities, level)
    gains = with_screening(bank, expected_gains(bank, probabilities), answers, mask, flags)
    order = [i for i in np.argsort(-gains.score, kind="stable") if mask[i]][:k]
    return tuple(suggestion(bank, gains, probabilities, int(i)) for i in order)


def suggestion(
    bank: QuestionBank, gains: Gains, probabilities: FloatArray, index: int
) -> Suggestion:
    question = bank.questions[index]
    after = gains.posterior_after[index]  # (conditions + 1, answers)
    p_answer = gains.answer_probability[index]
    outcomes = tuple(
        _outcome(bank, answer, float(p_answer[a]), probabilities, after[:, a])
        for a, answer in enumerate(question.answers)
    )
    movement = (np.abs(after[:-1] - probabilities[:-1, None]) * p_answer[None, :]).sum(axis=1)
    separates = tuple(
        bank.condition_ids[c] for c in np.argsort(-movement, kind="stable")[:_NAMED] if movement[c]
    )
    return Suggestion(
        question=question.id,
        kind=question.kind,
        findings=question.findings,
        asker=question.asker,
        score=float(gains.score[index]),
        differential_gain=float(gains.differential[index]),
        must_not_miss_gain=float(gains.must_not_miss[index]),
        dangerous_gain=float(gains.dangerous[index]),
        red_flag_gain=float(gains.red_flag[index]),
        separates=separates,
        outcomes=outcomes,
    )


def _outcome(
    bank: QuestionBank, answer: str, probability: float, before: FloatArray, after: FloatArray
) -> AnswerOutcome:
    shift = after[:-1] - before[:-1]
    order = np.argsort(-shift, kind="stable")

    def shifts(indices: list[int]) -> tuple[ConditionShift, ...]:
        return tuple(
            ConditionShift(
                condition=bank.condition_ids[i],
                before=float(before[i]),
                after=float(min(after[i], 1.0)),
            )
            for i in indices
        )

    raised = [int(i) for i in order[:_NAMED] if shift[i] > _FLAT]
    lowered = [int(i) for i in order[::-1][:_NAMED] if shift[i] < -_FLAT]
    return AnswerOutcome(
        answer=answer,
        probability=min(probability, 1.0),
        raises=shifts(raised),
        lowers=shifts(lowered),
        must_not_miss_after=float(min(after[bank.must_not_miss].sum(), 1.0)),
    )
