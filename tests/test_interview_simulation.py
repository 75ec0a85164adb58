"""The interview simulation (`hipdx.evaluation`): simulated patients answer as the knowledge base
says, runs are reproducible, and misses and over-triage are counted as docs/interview.md says."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hipdx import Asker, Setting, Sex
from hipdx.evaluation import (
    SimulatedPatient,
    Strategy,
    evaluate_interviews,
    interview_table,
    missed,
    over_triage,
    run_strategies,
    sample_patient,
    sex_specific_findings,
    simulated_patients,
    simulation_model,
    vignette_patients,
)
from hipdx.inference.posterior import applicable
from hipdx.interview.bank import QuestionBank, build_question_bank, interview_policy
from hipdx.kb.compiled import CompiledKB

VIGNETTES = Path(__file__).parent / "vignettes"


@pytest.fixture(scope="module")
def tiny_bank(tiny_kb: CompiledKB, kb: CompiledKB) -> QuestionBank:
    """The tiny KB's questions (f_pain, f_test, f_fever, the onset group) under the packaged
    interview policy (the tiny KB has none)."""
    return build_question_bank(tiny_kb, interview_policy(kb))


def _patients(
    kb: CompiledKB, bank: QuestionBank, condition: str, n: int, seed: int = 1
) -> list[SimulatedPatient]:
    model = simulation_model(kb, bank)
    rng = np.random.default_rng(seed)
    index = kb.condition_ids.index(condition)
    drawn = [sample_patient(kb, bank, model, index, rng) for _ in range(n)]
    return [p for p in drawn if p is not None]


def _share(patients: list[SimulatedPatient], has: Callable[[SimulatedPatient], bool]) -> float:
    return sum(has(p) for p in patients) / len(patients)


@pytest.mark.parametrize(
    ("condition", "finding", "expected"),
    [
        ("cond_a", "f_pain", 0.8),  # cond_a's row: sensitivity 0.8 (a region: in the intake)
        ("cond_a", "f_gradual", 0.9),  # cond_a's row in the onset group: sensitivity 0.9
        ("cond_a", "f_fever", 0.1),  # no row for cond_a: 1 - specificity of cond_b's row (0.9)
        ("cond_b", "f_fever", 0.5),  # cond_b's row: sensitivity 0.5
        ("cond_b", "f_test", 4 / 7),  # LR+ 4, LR- 0.5: background 1/7, so 4/7 with cond_b
        ("cond_b", "f_pain", 0.4),  # no row for cond_b: 1 - specificity of cond_a's row (0.6)
    ],
)
def test_simulated_answers_follow_the_knowledge_base(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank, condition: str, finding: str, expected: float
) -> None:
    """Within four standard errors of the rate the tiny KB's rows give, on 600 patients."""
    patients = _patients(tiny_kb, tiny_bank, condition, 600)
    share = _share(patients, lambda p: {**p.intake, **p.answers}.get(finding) is True)
    assert share == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / 600))


def test_the_pain_regions_are_the_intake_and_the_rest_are_answers(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank
) -> None:
    for patient in _patients(tiny_kb, tiny_bank, "cond_a", 20):
        assert set(patient.intake) == {"f_pain"}
        assert set(patient.answers) == {"f_test", "f_fever", "f_sudden", "f_gradual"}
        assert (patient.truth, patient.expected) == ("cond_a", ("cond_a",))
        assert patient.setting is Setting.PRIMARY_CARE


def test_a_patient_has_exactly_one_answer_in_each_exclusive_group(kb: CompiledKB) -> None:
    bank = build_question_bank(kb)
    patients = [p for c in kb.condition_ids[:8] for p in _patients(kb, bank, c, 2, seed=len(c))]
    asked = [g for g in kb.knowledge.groups if g.members[0] in patients[0].answers]
    assert len(asked) >= 2  # onset, duration (age and sex are the intake's, not answers)
    for patient in patients:
        for group in asked:
            assert sum(patient.answers[m] for m in group.members) == 1, group.id


def test_a_patient_never_has_a_finding_of_the_other_sex(kb: CompiledKB) -> None:
    """Pregnancy and vaginal bleeding only in women, painful ejaculation only in men."""
    bank = build_question_bank(kb)
    specific = sex_specific_findings(kb)
    assert specific["pregnancy_test_positive"] is Sex.FEMALE
    both = [c.id for c in kb.knowledge.conditions if c.applies.sex is None][:10]
    # a seed of its own per condition: with one seed for all, the draws are the same six
    patients = [p for i, c in enumerate(both) for p in _patients(kb, bank, c, 6, seed=i + 1)]
    assert {p.sex for p in patients} >= {Sex.FEMALE, Sex.MALE}
    for patient in patients:
        other = [f for f, sex in specific.items() if sex is not patient.sex]
        assert not any(patient.answers.get(f) for f in other), (patient.sex, patient.truth)


def test_the_age_and_sex_drawn_allow_the_true_condition(kb: CompiledKB) -> None:
    bank = build_question_bank(kb)
    only = [c for c in kb.knowledge.conditions if c.applies != type(c.applies)()][:8]
    assert only, "the packaged KB has conditions limited by age or sex"
    for condition in only:
        for patient in _patients(kb, bank, condition.id, 3):
            possible = applicable(kb, patient.age, patient.sex)
            assert possible[kb.condition_ids.index(condition.id)], (condition.id, patient)


def test_simulated_patients_come_per_condition_in_knowledge_base_order(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank
) -> None:
    patients = list(simulated_patients(tiny_kb, tiny_bank, 2, np.random.default_rng(3)))
    assert [p.truth for p in patients] == [
        "cond_a",
        "cond_a",
        "cond_b",
        "cond_b",
        "cond_c",
        "cond_c",
    ]


def test_a_simulation_is_the_same_for_the_same_seed(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank
) -> None:
    """Two patients per condition: the same seed gives the same runs (the random order too), and
    another seed other random orders."""
    patients = list(simulated_patients(tiny_kb, tiny_bank, 2, np.random.default_rng(5)))
    assert patients == list(simulated_patients(tiny_kb, tiny_bank, 2, np.random.default_rng(5)))

    def run(seed: int) -> list[list[str]]:
        runs = run_strategies(
            tiny_kb, tiny_bank, patients, asker=Asker.CLINICIAN, budget=4, seed=seed
        )
        return [r.asked for s in Strategy for r in runs.runs[s]]

    assert run(7) == run(7)
    assert run(7) != run(8)
    once = evaluate_interviews(
        tiny_kb, tiny_bank, patients, asker=Asker.CLINICIAN, budget=4, seed=7
    )
    assert once == evaluate_interviews(
        tiny_kb, tiny_bank, patients, asker=Asker.CLINICIAN, budget=4, seed=7
    )


def test_the_adaptive_run_stops_where_the_interview_stops(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank
) -> None:
    """Fever with pain fires the urgent red flag: a patient who has both in the first answers
    stops there; the curves go on to the budget."""
    patient = SimulatedPatient(
        truth="cond_b",
        expected=("cond_b",),
        age=None,
        sex=None,
        setting=Setting.PRIMARY_CARE,
        intake={"f_pain": True},
        answers={"f_fever": True, "f_test": True, "f_sudden": True, "f_gradual": False},
    )
    runs = run_strategies(tiny_kb, tiny_bank, [patient], asker=Asker.CLINICIAN, budget=4, seed=1)
    adaptive = runs.runs[Strategy.ADAPTIVE][0]
    assert adaptive.stop_reason == "red_flag"
    assert adaptive.asked[adaptive.stop_at - 1] == "f_fever"
    assert len(adaptive.top_rank) == len(adaptive.triage) == 5
    assert runs.full[0].red_flags == ("rf_fever_pain",)


def _patient(truth: str) -> SimulatedPatient:
    return SimulatedPatient(truth, (truth,), None, None, Setting.PRIMARY_CARE, {}, {})


# urgency in the tiny KB: cond_a routine; cond_b urgent, must-not-miss; cond_c emergency, mnm
# ranks: emergency 4, urgent 3, soon 2, routine 1
@pytest.mark.parametrize(
    ("truth", "level", "full", "raw", "catchable", "below_full"),
    [
        ("cond_c", 3, 4, True, True, True),  # emergency given urgent, full caught it
        ("cond_c", 3, 2, True, False, False),  # the full questionnaire did not catch it either
        ("cond_b", 3, 4, False, False, True),  # urgent is what it needs, though full said more
        ("cond_b", 2, 4, True, True, True),  # soon for an urgent condition
        ("cond_a", 1, 4, False, False, False),  # not a dangerous condition
    ],
)
def test_misses_are_counted_as_documented(
    tiny_kb: CompiledKB,
    truth: str,
    level: int,
    full: int,
    raw: bool,
    catchable: bool,
    below_full: bool,
) -> None:
    misses = missed(tiny_kb, [_patient(truth)], [level], [full])
    assert (bool(misses["raw"]), bool(misses["catchable"]), bool(misses["below_full"])) == (
        raw,
        catchable,
        below_full,
    )


def test_over_triage_counts_calm_patients_sent_urgently(tiny_kb: CompiledKB) -> None:
    patients = [_patient("cond_a"), _patient("cond_a"), _patient("cond_c")]
    counted = over_triage(tiny_kb, patients, levels=[3, 1, 4], full=[1, 3, 3])
    assert counted == {"patients": 2, "urgent": 1, "full_urgent": 1, "above_full": 2}


def test_the_table_has_a_row_per_strategy_and_a_cell_per_column(
    tiny_kb: CompiledKB, tiny_bank: QuestionBank
) -> None:
    patients = list(simulated_patients(tiny_kb, tiny_bank, 2, np.random.default_rng(5)))
    summary = evaluate_interviews(
        tiny_kb, tiny_bank, patients, asker=Asker.CLINICIAN, budget=10, seed=7
    )
    lines = interview_table("Tiny", summary).splitlines()
    assert lines[0].startswith("Tiny: 6 patients, budget 10,")
    rows = [line for line in lines if line.startswith("| ")]
    assert [r.split(" | ")[0] for r in rows[1:]] == ["| adaptive", "| fixed", "| random"]
    assert {r.count("|") for r in rows} == {lines[2].count("|")}


def test_a_vignette_answers_what_it_states_and_nothing_else(kb: CompiledKB) -> None:
    patients, issues = vignette_patients(kb, sorted(VIGNETTES.glob("*.jsonl")))
    lines = sum(
        1 for p in VIGNETTES.glob("*.jsonl") for line in p.read_text().splitlines() if line.strip()
    )
    assert issues == []
    assert len(patients) == lines
    first = patients[0]
    assert first.truth is None and first.expected
    assert not set(first.intake) - set(first.answers)  # the regions it states are answers too
    assert len(first.answers) < len(kb.finding_ids)  # it does not know everything
