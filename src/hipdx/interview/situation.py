"""Where an interview stands, as its safety rules see it: one value instead of a long list of
parameters passed from rule to rule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hipdx._types import Asker, TriageLevel
from hipdx.inference.answers import Answers
from hipdx.interview.bank import QuestionBank
from hipdx.interview.gains import candidates
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray


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

    @cached_property
    def open_questions(self) -> BoolArray:
        """The questions this asker can still be asked: unanswered and not skipped."""
        open_ = candidates(self.bank, self.answers, self.asker)
        open_ &= np.array([q.id not in self.skipped for q in self.bank.questions], dtype=bool)
        open_.setflags(write=False)  # shared by every rule that reads it
        return open_
