"""Next-best questions: expected information gain on the differential, for all questions at once.

The posterior after an answer is the engine's own update: P'(c) ∝ P(c)·LR(c, answer), and
``P(answer) = Σ_c P(c)·P(answer | c)`` with the answer model of `hipdx.interview.bank`.
The score of a question is the expected fall in entropy (bits) of
the differential plus ``must_not_miss_weight`` times the expected fall in entropy of the binary
variable "a must-not-miss condition is present", plus, for each urgent or emergency must-not-miss
condition on its own, its urgency's weight times the expected fall in entropy of "this condition
is present", plus ``red_flag_weight`` times the screening gain of the red flags that could still
raise the triage (`hipdx.interview.screening`). See docs/interview.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hipdx._types import Asker, TriageLevel
from hipdx.inference.answers import Answers
from hipdx.interview.bank import AnswerBlock, QuestionBank, QuestionKind
from hipdx.interview.screening_plan import all_screening_gains
from hipdx.kb.compiled import BoolArray, FloatArray
from hipdx.kb.schema import RedFlag

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: How many conditions an answer's outcome names as raised and as lowered.
_NAMED = 3
#: A probability shift smaller than this is no shift.
_FLAT = 1e-9


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
    blocks: tuple[AnswerBlock, ...]  # the bank's questions by number of answers
    after: tuple[FloatArray, ...]  # per block: the posterior after each answer (c + 1, q, a)

    def posterior_after(self, index: int) -> FloatArray:
        """The posterior after each answer of question ``index``, (conditions + 1, answers)."""
        for block, after in zip(self.blocks, self.after, strict=True):
            position = int(np.searchsorted(block.questions, index))
            if position < len(block.questions) and block.questions[position] == index:
                return after[:, position, :]
        raise IndexError(index)

    def mass_after(self, selected: BoolArray) -> FloatArray:
        """The probability of the ``selected`` classes after each answer, (questions, answers);
        0 for the padding answers."""
        return mass_after(self.blocks, self.after, selected, self.answer_probability.shape)


def mass_after(
    blocks: tuple[AnswerBlock, ...],
    after: tuple[FloatArray, ...],
    selected: BoolArray,
    shape: tuple[int, ...],
) -> FloatArray:
    """The probability of the ``selected`` classes after each answer, (questions, answers),
    from the posteriors after each answer of each block (`posteriors_after`); 0 for padding."""
    mass = np.zeros(shape)
    for block, posterior in zip(blocks, after, strict=True):
        mass[block.questions, : posterior.shape[2]] = posterior[selected].sum(axis=0)
    return mass


def posteriors_after(bank: QuestionBank, probabilities: FloatArray) -> tuple[FloatArray, ...]:
    """Per block of the bank, the posterior after each answer (conditions + 1, q, a)."""
    return tuple(_posterior_after(block, probabilities) for block in bank.blocks)


def expected_gains(
    bank: QuestionBank,
    probabilities: FloatArray,
    *,
    after: tuple[FloatArray, ...] | None = None,
    p_answer: FloatArray | None = None,
) -> Gains:
    """Expected gains of every question of ``bank`` from the current posterior (conditions + 1);
    ``after`` (`posteriors_after`) and ``p_answer`` (`predicted_answers`) when already known.

    The posteriors after each answer are computed per `AnswerBlock`, laid out conditions first,
    so that every sum over the conditions adds whole slabs in order; what is summed over the
    answers is then put back in the padded (questions, answers) layout, zero for the padding
    (which has no probability), and summed there."""
    p_answer = predicted_answers(bank, probabilities) if p_answer is None else p_answer
    after = posteriors_after(bank, probabilities) if after is None else after
    selected = bank.danger_weight > 0
    entropy_after, danger_after = np.zeros(p_answer.shape), np.zeros(p_answer.shape)
    # (questions, dangerous), dangerous conditions outermost in memory as `einsum` lays out the
    # expectation over the padded answers: the product in `_dangerous_gains` then adds in the
    # same order
    expected = np.zeros((len(bank.questions), int(selected.sum())), order="F")
    with np.errstate(divide="ignore", invalid="ignore"):  # 0·log 0, set to 0 below
        for block, posterior in zip(bank.blocks, after, strict=True):
            questions, width = block.questions, posterior.shape[2]
            entropy_after[questions, :width] = _entropy(posterior, axis=0)
            danger_after[questions, :width] = posterior[bank.must_not_miss].sum(axis=0)
            dangerous = _binary_entropy(posterior[selected])  # (dangerous, q, a)
            expected[questions] = _expected(p_answer[questions], dangerous)
        danger_now = _binary_entropy(np.array(float(probabilities[bank.must_not_miss].sum())))
        danger_later = _binary_entropy(danger_after)
        before = _binary_entropy(probabilities[selected])  # (dangerous,)
    differential = _entropy(probabilities, axis=0) - (p_answer * entropy_after).sum(1)
    danger = danger_now - (p_answer * danger_later).sum(axis=1)
    dangerous_gain = _dangerous_gains(bank, before, expected)
    score = differential + bank.policy.must_not_miss_weight.value * danger + dangerous_gain
    return Gains(
        score,
        differential,
        danger,
        dangerous_gain,
        np.zeros_like(score),
        p_answer,
        bank.blocks,
        after,
    )


def _expected(p_answer: FloatArray, entropy: FloatArray) -> FloatArray:
    """Σ_a P(a)·H(d | a) per question and dangerous condition, (questions, dangerous), as
    ``einsum("qa,qda->qd")`` over the padded answers adds it: ``p_answer`` (questions, padded
    answers), ``entropy`` (dangerous, questions, answers)."""
    if entropy.shape[2] == 2:  # yes / no: the two terms, the padding adds nothing
        both = p_answer[None, :, 0] * entropy[:, :, 0] + p_answer[None, :, 1] * entropy[:, :, 1]
        return np.asarray(both.T, dtype=np.float64)
    padded = np.zeros((entropy.shape[0], *p_answer.shape))
    padded[:, :, : entropy.shape[2]] = entropy
    return np.asarray(np.einsum("qa,qda->qd", p_answer, padded.transpose(1, 0, 2)), np.float64)


def predicted_answers(bank: QuestionBank, probabilities: FloatArray) -> FloatArray:
    """P(answer) = Σ_c P(c)·P(answer | c) of every question, (questions, answers), 0 for the
    padding: per block, conditions outermost, the sum over them in order (as
    ``einsum("c,qca->qa", probabilities, bank.answer_probability)`` adds them)."""
    p_answer = np.zeros(bank.answer_probability.shape[::2])
    for block in bank.blocks:
        width = block.answer_probability.shape[2]
        p_answer[block.questions, :width] = np.einsum(
            "c,cqa->qa", probabilities, block.answer_probability
        )
    return p_answer


def _posterior_after(block: AnswerBlock, probabilities: FloatArray) -> FloatArray:
    """P(c | answer) ∝ P(c)·LR(c, answer) for every question and answer of ``block``."""
    after = probabilities[:, None, None] * block.likelihood
    after /= after.sum(axis=0)
    return after


def _dangerous_gains(bank: QuestionBank, before: FloatArray, expected: FloatArray) -> FloatArray:
    """Per question, Σ over urgent and emergency must-not-miss conditions of the condition's
    weight times the expected fall in entropy of "this condition is present" (bits), from the
    entropy of each ``before`` (dangerous,) and its expectation after each question's answer
    (questions, dangerous)."""
    selected = bank.danger_weight > 0
    if not selected.any():
        return np.zeros(len(bank.questions))
    return np.asarray((before[None, :] - expected) @ bank.danger_weight[selected], np.float64)


def triage_raising_flags(
    bank: QuestionBank, probabilities: FloatArray, level: TriageLevel | None
) -> tuple[RedFlag, ...]:
    """The red flags whose firing would change what is done: above ``level`` (all when None),
    and not suggesting only conditions this patient cannot have (an ectopic pregnancy in a man:
    probability 0 for the sex or age)."""
    flags = bank.flag_arrays
    possible = ~(probabilities[: len(bank.condition_ids)] <= 0)
    raising = flags.rank > (-1 if level is None else level.rank)
    raising &= ~flags.checked | (flags.suggests & possible).any(axis=1)
    return tuple(bank.red_flags[i] for i in np.flatnonzero(raising))


def with_screening(
    bank: QuestionBank,
    gains: Gains,
    answers: Answers,
    open_: BoolArray,
    flags: tuple[RedFlag, ...] | None = None,
    *,
    undecided: BoolArray | None = None,
) -> Gains:
    """``gains`` with the weighted red-flag screening gain (`hipdx.inference.screening`) added,
    over ``flags`` (by default every red flag; see `triage_raising_flags`); ``undecided``, per
    red flag of the bank, whether the answers leave it undecided, when already known."""
    flags = bank.red_flags if flags is None else flags
    red_flag = all_screening_gains(
        bank.screening, flags, answers, gains.answer_probability, open_, undecided=undecided
    )
    score = gains.score + bank.policy.red_flag_weight.value * red_flag
    return replace(gains, score=score, red_flag=red_flag)


def _entropy(p: FloatArray, axis: int) -> FloatArray:
    logs = np.log2(np.where(p > 0, p, 1.0))  # log 1 = 0: 0·log 0 counts 0
    logs *= p
    return np.asarray(-logs.sum(axis=axis), dtype=np.float64)


def _binary_entropy(p: FloatArray) -> FloatArray:
    """Elementwise, in bits; 0 at 0 and 1. Call it where NumPy's divide and invalid warnings
    are off (``np.errstate``): 0·log 0 is computed as NaN, then set to 0."""
    p = np.clip(p, 0.0, 1.0)
    q = 1.0 - p
    h = -(p * np.log2(p) + q * np.log2(q))
    # p·log p is finite for p > 0, so NaN is the only value to mend
    return np.asarray(np.where(np.isnan(h), 0.0, h), dtype=np.float64)


def candidates(bank: QuestionBank, answers: Answers, asker: Asker) -> BoolArray:
    """The questions this asker can answer that are not answered yet (in any member)."""
    allowed = bank.asker_rank <= list(Asker).index(asker)
    answered = bank.asking_about(answers.present) | bank.asking_about(answers.absent)
    return np.asarray(allowed & ~answered, dtype=np.bool_)


def question_gains(
    bank: QuestionBank,
    answers: Answers,
    probabilities: FloatArray,
    open_: BoolArray,
    level: TriageLevel | None,
) -> Gains:
    """Every question's gains, with the screening of the red flags that could raise ``level``
    (`triage_raising_flags`). A question's gains do not depend on which others are open: one
    computation serves every choice among the ``open_`` questions (`best_questions`)."""
    flags = triage_raising_flags(bank, probabilities, level)
    return with_screening(bank, expected_gains(bank, probabilities), answers, open_, flags)


def best_questions(score: FloatArray, allowed: BoolArray, k: int) -> list[int]:
    """The ``k`` ``allowed`` questions with the largest score, best first (the first of equal
    scores first)."""
    order = np.argsort(-score, kind="stable")
    return [int(i) for i in order[allowed[order]][:k]]


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
    mask = candidates(bank, answers, asker) & ~bank.mask(exclude)
    gains = question_gains(bank, answers, probabilities, mask, level)
    return tuple(
        suggestion(bank, gains, probabilities, i) for i in best_questions(gains.score, mask, k)
    )


def suggestion(
    bank: QuestionBank, gains: Gains, probabilities: FloatArray, index: int
) -> Suggestion:
    question = bank.questions[index]
    after = gains.posterior_after(index)  # (conditions + 1, answers)
    p_answer = gains.answer_probability[index, : after.shape[1]]
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
    order = np.argsort(-shift, kind="stable").tolist()
    shifts, was, now = shift.tolist(), before.tolist(), after.tolist()

    def moved(indices: list[int]) -> tuple[ConditionShift, ...]:
        return tuple(
            ConditionShift(condition=bank.condition_ids[i], before=was[i], after=min(now[i], 1.0))
            for i in indices
        )

    raised = [i for i in order[:_NAMED] if shifts[i] > _FLAT]
    lowered = [i for i in order[::-1][:_NAMED] if shifts[i] < -_FLAT]
    return AnswerOutcome(
        answer=answer,
        probability=min(probability, 1.0),
        raises=moved(raised),
        lowers=moved(lowered),
        must_not_miss_after=float(min(after[bank.must_not_miss].sum(), 1.0)),
    )
