"""Where an interview stands, as its safety rules see it: one value instead of a long list of
parameters passed from rule to rule, holding what every rule of one step reads (the open
questions, the gains of every question, the suggestions built) so that it is computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from hipdx._types import Asker, TriageLevel
from hipdx.inference.answers import Answers
from hipdx.interview.bank import QuestionBank
from hipdx.interview.gains import (
    Gains,
    Suggestion,
    best_questions,
    candidates,
    expected_gains,
    mass_after,
    posteriors_after,
    predicted_answers,
    suggestion,
    triage_raising_flags,
    with_screening,
)
from hipdx.interview.screening_plan import known_findings
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray
from hipdx.kb.schema import RedFlag


@dataclass(frozen=True)
class Situation:
    """The knowledge base and its questions, the answers so far, the posterior the safety rules
    read (conditions + 1), the current triage level, who answers and what was skipped."""

    kb: CompiledKB
    bank: QuestionBank
    answers: Answers
    probabilities: FloatArray
    level: TriageLevel
    asker: Asker
    skipped: frozenset[str] = frozenset()
    _suggestions: dict[int, Suggestion] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def open_questions(self) -> BoolArray:
        """The questions this asker can still be asked: unanswered and not skipped."""
        open_ = candidates(self.bank, self.answers, self.asker) & ~self.bank.mask(self.skipped)
        open_.setflags(write=False)  # shared by every rule that reads it
        return open_

    @cached_property
    def flags(self) -> tuple[RedFlag, ...]:
        """The red flags whose firing would raise the triage level (`triage_raising_flags`)."""
        return triage_raising_flags(self.bank, self.probabilities, self.level)

    @cached_property
    def expected(self) -> Gains:
        """Every question's gains from this posterior, without red-flag screening."""
        known = self.__dict__  # what the safety hold may have computed already
        return expected_gains(
            self.bank,
            self.probabilities,
            after=known.get("after"),
            p_answer=known.get("answer_probability"),
        )

    @cached_property
    def answer_probability(self) -> FloatArray:
        """P(answer) of every question, (questions, answers) (`predicted_answers`)."""
        if "expected" in self.__dict__:
            return self.expected.answer_probability
        return predicted_answers(self.bank, self.probabilities)

    @cached_property
    def after(self) -> tuple[FloatArray, ...]:
        """The posterior after each answer, per block of the bank (`posteriors_after`)."""
        if "expected" in self.__dict__:
            return self.expected.after
        return posteriors_after(self.bank, self.probabilities)

    def mass_after(self, selected: BoolArray) -> FloatArray:
        """The probability of the ``selected`` classes after each answer (`mass_after`)."""
        shape = self.answer_probability.shape
        return mass_after(self.bank.blocks, self.after, selected, shape)

    @cached_property
    def gains(self) -> Gains:
        """Every question's gains from this posterior, screening ``flags`` (`with_screening`)."""
        return with_screening(
            self.bank,
            self.expected,
            self.answers,
            self.open_questions,
            self.flags,
            undecided=self.undecided,
        )

    @cached_property
    def known(self) -> tuple[BoolArray, BoolArray]:
        """Per finding of the red-flag rules (`RuleCircuit.findings`): answered present,
        answered absent."""
        return known_findings(self.bank.screening.circuit, self.answers)

    @cached_property
    def undecided(self) -> BoolArray:
        """Per red flag of the bank: whether the answers leave its rule undecided."""
        return ~self.bank.screening.circuit.decided(*self.known)

    def suggestion(self, index: int) -> Suggestion:
        """Question ``index`` with its reasons, built once."""
        if index not in self._suggestions:
            built = suggestion(self.bank, self.gains, self.probabilities, index)
            self._suggestions[index] = built
        return self._suggestions[index]

    def best(self, k: int, among: BoolArray | None = None) -> tuple[Suggestion, ...]:
        """The ``k`` open questions (of ``among``) with the largest score, best first."""
        allowed = self.open_questions if among is None else self.open_questions & among
        return tuple(self.suggestion(i) for i in best_questions(self.gains.score, allowed, k))
