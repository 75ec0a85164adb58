"""Simulated patients: answers drawn from the knowledge base's own answer model.

For every condition, patients whose answers follow the question bank's answer model
(`QuestionBank.answer_probability`, docs/interview.md): a finding with an evidence row for the
true condition from the row (its sensitivity), any other finding from its background rate in
others (the row-implied 1 - specificity), one draw per exclusive group (one age band, one sex,
one onset). Each patient gives age, sex and where it hurts (the intake), and answers every other
question from what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hipdx._types import Setting, Sex
from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.inference.posterior import applicable
from hipdx.interview.bank import QuestionBank, QuestionKind, implied_background
from hipdx.kb.compiled import CompiledKB, FloatArray
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import FindingKind

#: Which quantile of the row-implied background rates of red-flag findings `rare_rate` takes.
RARE_RATE_QUANTILE = 0.25
#: `rare_rate` of a knowledge base whose red-flag findings no row describes.
RARE_RATE_FALLBACK = 0.01
#: The upper end of an open-ended age band (``age >= 65``), in years.
OLDEST_AGE = 90.0
#: How often a patient is drawn again when the sampled age or sex excludes the condition.
REJECTION_TRIES = 100


@dataclass(frozen=True)
class SimulatedPatient:
    """A patient who answers questions: the intake given first, the answers when asked."""

    truth: str | None  # the condition simulated (None for a vignette with several expected)
    expected: tuple[str, ...]
    age: float | None
    sex: Sex | None
    setting: Setting
    intake: dict[str, bool]  # the pain regions, given before the first question
    answers: dict[str, bool]  # every finding the patient can report when asked


def rare_rate(kb: CompiledKB) -> float:
    """How often a red-flag finding that no evidence row describes is present by chance: the
    lower quartile of the row-implied rates in others (1 - specificity) of the red-flag findings
    that rows do describe (rare symptoms such as saddle numbness have rates of 1-3%)."""
    flagged = _red_flag_findings(kb)
    implied = implied_background(kb.log_lr_present, kb.log_lr_absent, -1.0)
    rates = [r for f, r in zip(kb.finding_ids, implied, strict=True) if f in flagged and r >= 0]
    return float(np.quantile(rates, RARE_RATE_QUANTILE)) if rates else RARE_RATE_FALLBACK


def simulation_model(kb: CompiledKB, bank: QuestionBank) -> FloatArray:
    """P(answer | true condition) for a simulated patient, (questions, conditions, answers).

    The answer model of the question bank, with one change: a finding that a red-flag rule
    mentions but no evidence row describes would get the default background (15%), far too
    often for symptoms such as a new visual disturbance or progressive weakness; it gets
    `rare_rate` instead.
    """
    model = bank.answer_probability[:, :-1, :].copy()
    flagged = _red_flag_findings(kb)
    implied = implied_background(kb.log_lr_present, kb.log_lr_absent, -1.0)
    rate = rare_rate(kb)
    for f, background in zip(kb.finding_ids, implied, strict=True):
        if f in flagged and background < 0:  # no row anywhere in the knowledge base
            q = bank.index(f)
            model[q, :, 0], model[q, :, 1] = rate, 1 - rate
    return model


def simulated_patients(
    kb: CompiledKB, bank: QuestionBank, per_condition: int, rng: np.random.Generator
) -> Iterator[SimulatedPatient]:
    """``per_condition`` patients of every condition, in knowledge-base order (a condition no
    sampled age and sex allows has fewer)."""
    model = simulation_model(kb, bank)
    for index in range(len(kb.condition_ids)):
        for _ in range(per_condition):
            patient = sample_patient(kb, bank, model, index, rng)
            if patient is not None:
                yield patient


def sample_patient(
    kb: CompiledKB, bank: QuestionBank, model: FloatArray, index: int, rng: np.random.Generator
) -> SimulatedPatient | None:
    """One patient with condition ``index`` drawn from ``model`` (`simulation_model`); None
    when no draw gives an age and sex the condition allows."""
    for _ in range(REJECTION_TRIES):
        answers = _draw_answers(bank, model, index, rng)
        age, sex = _demographics(kb, answers, rng)
        if applicable(kb, age, sex)[index]:
            for finding, only in sex_specific_findings(kb).items():
                if sex is not None and sex is not only:
                    answers[finding] = False  # no "possible pregnancy" in a man
            break
    else:
        return None
    regions = {f.id for f in kb.knowledge.findings if f.kind is FindingKind.REGION}
    intake = {f: v for f, v in answers.items() if f in regions}
    for finding in (*SEX_FINDINGS.values(), *_age_bands(kb)):
        answers.pop(finding, None)
    condition = kb.condition_ids[index]
    return SimulatedPatient(
        truth=condition,
        expected=(condition,),
        age=age,
        sex=sex,
        setting=Setting.PRIMARY_CARE,
        intake=intake,
        answers={f: v for f, v in answers.items() if f not in regions},
    )


def _draw_answers(
    bank: QuestionBank, model: FloatArray, index: int, rng: np.random.Generator
) -> dict[str, bool]:
    """One answer per question: every member of a group is set, exactly one of them present."""
    answers: dict[str, bool] = {}
    for q, question in enumerate(bank.questions):
        distribution = model[q, index, : len(question.answers)]
        choice = int(rng.choice(len(question.answers), p=distribution / distribution.sum()))
        if question.kind is QuestionKind.GROUP:
            answers.update({m: m == question.answers[choice] for m in question.answers})
        else:
            answers[question.id] = choice == 0
    return answers


def sex_specific_findings(kb: CompiledKB) -> dict[str, Sex]:
    """Findings whose evidence rows all belong to conditions of one sex (pregnancy, vaginal
    bleeding): a simulated patient of the other sex does not have them."""
    sexes: dict[str, set[Sex | None]] = {}
    for condition in kb.knowledge.conditions:
        for row in condition.evidence:
            sexes.setdefault(row.finding, set()).add(condition.applies.sex)
    return {
        f: sex
        for f, s in sexes.items()
        if len(s) == 1 and (sex := next(iter(s))) is not None  # one sex, not "any"
    }


def _red_flag_findings(kb: CompiledKB) -> set[str]:
    return {f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when)}


def _age_bands(kb: CompiledKB) -> dict[str, tuple[float, float]]:
    """The age-band findings derived from the age, each with its range in years."""
    if not kb.has_finding(AGE_FINDING):
        return {}
    spec = kb.finding(AGE_FINDING).numeric
    if spec is None:
        return {}
    return {
        t.finding: (
            t.lower if t.lower is not None else spec.plausible_min,
            t.upper if t.upper is not None else OLDEST_AGE,
        )
        for t in spec.derive
    }


def _demographics(
    kb: CompiledKB, answers: dict[str, bool], rng: np.random.Generator
) -> tuple[float | None, Sex | None]:
    """The age (whole years, uniform within the drawn band) and sex the draw gave."""
    age = None
    for finding, (low, high) in _age_bands(kb).items():
        if answers.get(finding):
            age = float(math.floor(rng.uniform(low, high)))
    sex = next((Sex(s) for s, f in SEX_FINDINGS.items() if answers.get(f)), None)
    return age, sex
