"""The question bank: every question of a knowledge base as arrays, built once per knowledge base.

Every question is one categorical variable: an independent finding has two answers (present,
absent), an exclusive group one answer per member. The compiled knowledge base gives each
answer a log likelihood ratio per condition (the "other cause" class has the unlinked one of
`hipdx.kb.compiled`, 0 for groups).

To predict how likely each answer is, every question gets a *background* distribution, the
answer probabilities in patients whose pain has another cause: for a finding, the mean rate
(1 - LR-) / (LR+ - LR-) implied by its evidence rows (exactly 1 - specificity for a row given
as sensitivity and specificity), or the policy's ``background_rate`` when no row implies one;
for a group, the mean of its rows' P(answer | other conditions), or uniform. Then

    P(answer | c)     = background(answer)·LR(c, answer) / Σ_a background(a)·LR(c, a)
    P(answer | other) = background(answer)·LR(other, answer) / Σ_a background(a)·LR(other, a)

which gives back sensitivity for a row with sensitivity and specificity, and for a class without
a row the background (LR 1) or, where unlinked findings count, ``rate_ratio`` times it.
How the questions are scored is `hipdx.interview.gains`. See docs/interview.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from hipdx._types import Asker, TriageLevel
from hipdx.exceptions import KnowledgeBaseError
from hipdx.interview.relevance import NotAsked, not_asked
from hipdx.interview.screening import FlagScreen, flag_screen
from hipdx.interview.screening_plan import ScreeningPlan, screening_plan
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import InterviewPolicy, RedFlag

#: The two answers of an independent finding.
PRESENT, ABSENT = "present", "absent"
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
class AnswerBlock:
    """Questions as arrays without most of the padding answers: the yes / no questions (most
    of them: a third of the padded width), and the others at the padded width."""

    questions: npt.NDArray[np.intp]  # (questions,): their indices in the bank, ascending
    likelihood: FloatArray  # (conditions + 1, questions, answers): the likelihood ratios
    answer_probability: FloatArray  # (conditions + 1, questions, answers): P(answer | class)


def answer_blocks(
    questions: tuple[Question, ...], log_lr: FloatArray, answer_probability: FloatArray
) -> tuple[AnswerBlock, ...]:
    """The bank's yes / no questions, then the others (none of either: no block)."""
    padded = log_lr.shape[2]
    widths = np.array([2 if len(q.answers) == 2 else padded for q in questions], dtype=np.intp)
    ratios = np.exp(log_lr)
    blocks = []
    for width in sorted(set(widths.tolist())):
        indices = np.flatnonzero(widths == width)
        likelihood = ratios[indices, :, :width].transpose(1, 0, 2)
        chances = answer_probability[indices, :, :width].transpose(1, 0, 2)
        blocks.append(
            AnswerBlock(indices, np.ascontiguousarray(likelihood), np.ascontiguousarray(chances))
        )
    return tuple(blocks)


@dataclass(frozen=True)
class FlagArrays:
    """The red flags as arrays: per flag, its level's rank, and the conditions it suggests
    (``checked``: it suggests some, all of them conditions of the bank)."""

    rank: npt.NDArray[np.int64]  # (flags,)
    suggests: BoolArray  # (flags, conditions)
    checked: BoolArray  # (flags,)


def flag_arrays(red_flags: tuple[RedFlag, ...], condition_ids: tuple[str, ...]) -> FlagArrays:
    position = {c: i for i, c in enumerate(condition_ids)}
    suggests = np.zeros((len(red_flags), len(condition_ids)), dtype=bool)
    checked = np.zeros(len(red_flags), dtype=bool)
    for index, flag in enumerate(red_flags):
        suggests[index, [position[c] for c in flag.suggests if c in position]] = True
        checked[index] = bool(flag.suggests) and all(c in position for c in flag.suggests)
    rank = np.array([flag.level.rank for flag in red_flags], dtype=np.int64)
    return FlagArrays(rank, suggests, checked)


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
    #: the findings not to ask whatever their scores (`hipdx.interview.relevance.NotAsked`)
    not_asked: NotAsked = field(default_factory=NotAsked)
    #: exp(log_lr), the likelihood ratios themselves, by number of answers (`AnswerBlock`)
    blocks: tuple[AnswerBlock, ...] = field(init=False, repr=False, compare=False)
    #: per red flag id: what screening it needs (`hipdx.interview.screening.FlagScreen`)
    screens: dict[str, FlagScreen] = field(init=False, repr=False, compare=False)
    #: every red flag's screening at once (`hipdx.interview.screening.ScreeningPlan`)
    screening: ScreeningPlan = field(init=False, repr=False, compare=False)
    #: the red flags' levels and suggested conditions as arrays
    flag_arrays: FlagArrays = field(init=False, repr=False, compare=False)
    #: (questions, answers): which answers are real, not padding; every finding a question sets
    real_answers: BoolArray = field(init=False, repr=False, compare=False)
    findings: frozenset[str] = field(init=False, repr=False, compare=False)
    #: per question id, its index; per finding, the questions whose answers set it
    positions: dict[str, int] = field(init=False, repr=False, compare=False)
    asking: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        blocks = answer_blocks(self.questions, self.log_lr, self.answer_probability)
        object.__setattr__(self, "blocks", blocks)
        findings = [q.findings for q in self.questions]
        screens = {flag.id: flag_screen(flag.when, findings) for flag in self.red_flags}
        object.__setattr__(self, "screens", screens)
        width = self.answer_probability.shape[2]
        plan = screening_plan(self.red_flags, screens, findings, width)
        object.__setattr__(self, "screening", plan)
        object.__setattr__(self, "flag_arrays", flag_arrays(self.red_flags, self.condition_ids))
        object.__setattr__(self, "real_answers", self.answer_probability.max(axis=1) > 0)
        object.__setattr__(
            self, "findings", frozenset(f for q in self.questions for f in q.findings)
        )
        object.__setattr__(self, "positions", {q.id: i for i, q in enumerate(self.questions)})
        asking: dict[str, list[int]] = {}
        for index, question in enumerate(self.questions):
            for finding in question.findings:
                asking.setdefault(finding, []).append(index)
        object.__setattr__(self, "asking", {f: tuple(i) for f, i in asking.items()})

    def index(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)

    def mask(self, question_ids: Iterable[str]) -> BoolArray:
        """Per question: whether its id is one of ``question_ids`` (unknown ids are ignored)."""
        chosen = np.zeros(len(self.questions), dtype=bool)
        chosen[[self.positions[q] for q in question_ids if q in self.positions]] = True
        return chosen

    def asking_about(self, findings: Iterable[str]) -> BoolArray:
        """Per question: whether an answer to it sets one of ``findings``."""
        chosen = np.zeros(len(self.questions), dtype=bool)
        chosen[[i for f in findings for i in self.asking.get(f, ())]] = True
        return chosen


def interview_policy(kb: CompiledKB) -> InterviewPolicy:
    if kb.knowledge.interview is None:
        raise KnowledgeBaseError("the knowledge base has no 'interview' policy", [])
    return kb.knowledge.interview


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
        not_asked=not_asked(kb),
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
