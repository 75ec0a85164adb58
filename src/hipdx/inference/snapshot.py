"""Where a case stands: the answers, the posterior, the red flags that fire and the triage.

The one place the pipeline answers → posterior → red flags → triage is assembled; the
assessment (`hipdx.inference.assess`) and the interview's step (`hipdx.interview.step`) both
start from a `Snapshot`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipdx._types import Setting, Sex
from hipdx.inference.answers import Answers
from hipdx.inference.assessment import FiredRedFlag, Triage
from hipdx.inference.posterior import Posterior, compute_posterior
from hipdx.inference.triage import decide, fired_red_flags
from hipdx.kb.compiled import CompiledKB


@dataclass(frozen=True)
class Patient:
    """The demographics and setting that set the priors."""

    setting: Setting
    age: float | None
    sex: Sex | None


@dataclass(frozen=True)
class Snapshot:
    answers: Answers
    posterior: Posterior
    red_flags: tuple[FiredRedFlag, ...]
    triage: Triage


def take_snapshot(kb: CompiledKB, answers: Answers, patient: Patient) -> Snapshot:
    """The posterior, the fired red flags and the triage they decide, for ``answers``."""
    posterior = compute_posterior(kb, answers, patient.setting, patient.age, patient.sex)
    flags = fired_red_flags(kb, answers)
    return Snapshot(answers, posterior, flags, decide(kb, posterior, flags))
