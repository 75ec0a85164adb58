"""Next-best questions, as specifications (tests/fixtures/tiny_kb and small generated KBs).

The tiny KB has no interview policy of its own, so each test passes the packaged one (or a variant):
the policy is a seam, not a global.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import hipdx
from hipdx import Asker, TriageLevel
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import compute_posterior
from hipdx.interview.bank import build_question_bank, interview_policy
from hipdx.interview.gains import Suggestion, expected_gains, rank_questions
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import InterviewPolicy

TINY = Path(__file__).parent / "fixtures" / "tiny_kb" / "tiny.yaml"


@pytest.fixture(scope="module")
def policy(kb: CompiledKB) -> InterviewPolicy:
    return interview_policy(kb)


def _suggest(
    kb: CompiledKB, policy: InterviewPolicy, case: dict[str, Any], asker: Asker, k: int = 5
) -> tuple[Suggestion, ...]:
    parsed = Case.model_validate(case)
    answers, _ = encode(parsed, kb)
    posterior = compute_posterior(kb, answers, parsed.setting, parsed.age, parsed.sex)
    bank = build_question_bank(kb, policy)
    return rank_questions(bank, answers, posterior.probabilities, asker=asker, k=k)


def _entropy(*p: float) -> float:
    return -sum(x * math.log2(x) for x in p if x > 0)


def test_the_expected_gain_of_fever_is_worked_out_by_hand(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """Fever has one row (B: Sn 0.5, Sp 0.9), so its background rate is 1 - 0.9 = 0.1.

    Priors A 0.2, B 0.1, C 0.1, other 0.6. P(yes) = 0.1·0.5 + 0.9·0.1 = 0.14.
    yes: B x LR+ 5 -> scores A .2, B .5, C .1, other .6 (sum 1.4).
    no:  B x LR- 0.5/0.9 -> B .0556 (sum .9556).
    Differential gain = H(prior) - 0.14·H(yes) - 0.86·H(no); must-not-miss (B or C) mass goes
    0.2 -> 0.6/1.4 (yes) or 0.1556/0.9556 (no).
    """
    bank = build_question_bank(tiny_kb, policy)
    prior = np.array([0.2, 0.1, 0.1, 0.6])
    gains = expected_gains(bank, prior)
    fever = bank.index("f_fever")
    assert gains.answer_probability[fever, :2] == pytest.approx([0.14, 0.86])
    no_b = 0.1 * (0.5 / 0.9)
    yes = [x / 1.4 for x in (0.2, 0.5, 0.1, 0.6)]
    no = [x / (0.9 + no_b) for x in (0.2, no_b, 0.1, 0.6)]
    expected = _entropy(0.2, 0.1, 0.1, 0.6) - 0.14 * _entropy(*yes) - 0.86 * _entropy(*no)
    assert gains.differential[fever] == pytest.approx(expected)
    danger_yes, danger_no = 0.6 / 1.4, (no_b + 0.1) / (0.9 + no_b)
    danger = _entropy(0.2, 0.8) - 0.14 * _entropy(danger_yes, 1 - danger_yes)
    danger -= 0.86 * _entropy(danger_no, 1 - danger_no)
    assert gains.must_not_miss[fever] == pytest.approx(danger)


def test_each_dangerous_condition_counts_on_its_own_weighted_by_its_urgency(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """B is an urgent must-not-miss condition, C an emergency one. Fever (as worked above)
    moves B from 0.1 to 0.5/1.4 (yes, 0.14) or 0.0556/0.9556 (no), and C, which has no fever
    row, from 0.1 to 0.1/1.4 or 0.1/0.9556. The dangerous-condition gain is the urgent weight
    times the expected fall in the entropy of "B is present" plus the emergency weight times
    that of "C is present": each dangerous condition counts on its own."""
    bank = build_question_bank(tiny_kb, policy)
    gains = expected_gains(bank, np.array([0.2, 0.1, 0.1, 0.6]))
    fever = bank.index("f_fever")
    no_b = 0.1 * (0.5 / 0.9)

    def fall(before: float, yes: float, no: float) -> float:
        return (
            _entropy(before, 1 - before)
            - 0.14 * _entropy(yes, 1 - yes)
            - 0.86 * _entropy(no, 1 - no)
        )

    b = fall(0.1, 0.5 / 1.4, no_b / (0.9 + no_b))
    c = fall(0.1, 0.1 / 1.4, 0.1 / (0.9 + no_b))
    urgent, emergency = (
        policy.urgent_condition_weight.value,
        policy.emergency_condition_weight.value,
    )
    assert gains.dangerous[fever] == pytest.approx(urgent * b + emergency * c)
    weight = policy.must_not_miss_weight.value
    assert gains.score[fever] == pytest.approx(
        gains.differential[fever] + weight * gains.must_not_miss[fever] + gains.dangerous[fever]
    )


def test_a_question_that_trades_one_emergency_for_another_is_still_worth_asking(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """When B and C are equally likely and a question's answer would only tell which of the
    two it is, the lumped must-not-miss mass does not move, but each condition's does."""
    bank = build_question_bank(tiny_kb, policy)
    gains = expected_gains(bank, np.array([0.0, 0.5, 0.5, 0.0]))
    test = bank.index("f_test")  # B x4 (present) or x0.5 (absent); C has no row
    assert gains.must_not_miss[test] == pytest.approx(0.0, abs=1e-12)
    assert gains.dangerous[test] > 0.05


def test_answer_probabilities_come_back_as_sensitivity_for_a_row_and_background_without(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """P(fever | B) = Sn 0.5; P(fever | A), P(fever | C), P(fever | other) = 1 - Sp = 0.1.
    f_test is given as LR+ 4, LR- 0.5: its implied rate in others is (1 - 0.5)/(4 - 0.5) = 1/7,
    and P(f_test | B) = 4/7."""
    bank = build_question_bank(tiny_kb, policy)
    fever, test = bank.index("f_fever"), bank.index("f_test")
    assert bank.answer_probability[fever, :, 0] == pytest.approx([0.1, 0.5, 0.1, 0.1])
    assert bank.answer_probability[test, :, 0] == pytest.approx([1 / 7, 4 / 7, 1 / 7, 1 / 7])


def test_an_exclusive_group_is_asked_as_one_multiple_choice_question(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    suggestions = _suggest(tiny_kb, policy, {"findings": {}}, Asker.PATIENT)
    onset = next(s for s in suggestions if s.question == "g_onset")
    assert onset.kind == "group"
    assert [o.answer for o in onset.outcomes] == ["f_sudden", "f_gradual"]
    assert sum(o.probability for o in onset.outcomes) == pytest.approx(1.0)
    assert "f_sudden" not in {s.question for s in suggestions}


def test_a_patient_is_never_asked_an_examination_finding(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    patient = {s.question for s in _suggest(tiny_kb, policy, {}, Asker.PATIENT)}
    clinician = {s.question for s in _suggest(tiny_kb, policy, {}, Asker.CLINICIAN)}
    assert "f_test" not in patient
    assert "f_test" in clinician


def test_answered_questions_are_not_asked_again(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    case = {"findings": {"f_fever": False, "f_gradual": True}}
    asked = {s.question for s in _suggest(tiny_kb, policy, case, Asker.CLINICIAN)}
    assert asked.isdisjoint({"f_fever", "g_onset"})


def test_each_suggestion_says_which_conditions_it_moves(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    fever = next(s for s in _suggest(tiny_kb, policy, {}, Asker.PATIENT) if s.question == "f_fever")
    assert fever.separates[0] == "cond_b"
    yes = next(o for o in fever.outcomes if o.answer == "present")
    assert yes.raises[0].condition == "cond_b"
    assert yes.raises[0].after == pytest.approx(0.5 / 1.4)


def _write_kb(directory: Path, conditions: list[dict[str, Any]], findings: list[str]) -> CompiledKB:
    """A KB with the tiny fixture's triage policy and the given conditions (priors for all
    settings) and patient findings."""
    base = yaml.safe_load(TINY.read_text())
    estimate = {"grade": "expert-estimate", "note": "test fixture number"}
    for condition in conditions:
        prior = {"value": condition.pop("prior"), **estimate}
        condition.update(
            icd10cm="M16.9",
            category="test",
            priors=dict.fromkeys(("primary_care", "sports", "emergency"), prior),
            summary="A condition that exists only in the tests.",
            plain_summary="A condition that exists only in the tests.",
            management={"first_line": ["rest"], "refer_when": ["never"], "massage": "fine"},
        )
        for row in condition["evidence"]:
            row.update(estimate)
    document = {
        "findings": [
            {"id": f, "kind": "symptom", "clinician": f, "lay": f"{f}?", "asker": "patient"}
            for f in findings
        ],
        "conditions": conditions,
        "triage": base["triage"],
    }
    (directory / "kb.yaml").write_text(yaml.safe_dump(document))
    return hipdx.load_knowledge(directory)


def test_a_question_that_can_rule_out_an_emergency_is_asked_before_one_that_separates_two_tendinopathies(  # noqa: E501
    tmp_path: Path, policy: InterviewPolicy
) -> None:
    """Two tendinopathies (30% each) are told apart by `separates` (Sn 0.9 / 0.1, Sp 0.5); an
    emergency (10%) is ruled in or out by `rules_out` (Sn 0.95, Sp 0.9).

    On the differential alone the tendinopathy question tells more (0.25 bit against 0.19), so
    an unweighted interview asks it first; weighted for the must-not-miss condition (0.19 bit
    about "an emergency is present", counted twice, and again for the emergency on its own),
    the emergency question comes first."""
    tendinopathy = {"urgency": "routine", "must_not_miss": False, "prior": 0.3}
    kb = _write_kb(
        tmp_path,
        [
            {
                **tendinopathy,
                "id": "tendinopathy_one",
                "name": "Tendinopathy one",
                "evidence": [{"finding": "separates", "sensitivity": 0.9, "specificity": 0.5}],
            },
            {
                **tendinopathy,
                "id": "tendinopathy_two",
                "name": "Tendinopathy two",
                "evidence": [{"finding": "separates", "sensitivity": 0.1, "specificity": 0.5}],
            },
            {
                "id": "emergency",
                "name": "An emergency",
                "urgency": "emergency",
                "must_not_miss": True,
                "prior": 0.05,
                "evidence": [{"finding": "rules_out", "sensitivity": 0.95, "specificity": 0.9}],
            },
        ],
        ["separates", "rules_out"],
    )
    danger = ("must_not_miss_weight", "emergency_condition_weight", "urgent_condition_weight")
    unweighted = policy.model_copy(
        update={name: getattr(policy, name).model_copy(update={"value": 0}) for name in danger}
    )
    assert _suggest(kb, unweighted, {}, Asker.PATIENT)[0].question == "separates"
    first = _suggest(kb, policy, {}, Asker.PATIENT)[0]
    assert first.question == "rules_out"
    assert first.must_not_miss_gain > 0
    assert "emergency" in first.separates


def test_red_flag_findings_are_screened_even_without_an_evidence_row(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """With pain present, fever completes the red flag "fever with pain": its screening gain is
    the entropy of "the flag fires" (fever predicted 14%), all of which the answer removes."""
    fever = next(
        s
        for s in _suggest(tiny_kb, policy, {"findings": {"f_pain": True}}, Asker.PATIENT)
        if s.question == "f_fever"
    )
    p_fever = fever.outcomes[0].probability
    assert fever.red_flag_gain == pytest.approx(_entropy(p_fever, 1 - p_fever))
    no_pain = _suggest(tiny_kb, policy, {"findings": {"f_pain": False}}, Asker.PATIENT)
    assert next(s for s in no_pain if s.question == "f_fever").red_flag_gain == 0


def test_the_public_api_ranks_questions_for_the_packaged_knowledge() -> None:
    suggestions = hipdx.next_questions({"age": 40, "findings": {"pain_buttock": True}}, k=3)
    assert len(suggestions) == 3
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    patient = hipdx.next_questions({"age": 40}, asker="patient", k=20)
    kb = hipdx.load_knowledge()
    assert all(kb.finding(s.findings[0]).asker == "patient" for s in patient)


def test_a_red_flag_already_matched_by_the_triage_level_earns_no_screening_gain(
    tiny_kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """With pain present, fever would fire "fever with pain" (urgent). Once the triage is urgent
    anyway, the answer would change nothing that is done: fever earns no screening gain."""
    case = Case.model_validate({"findings": {"f_pain": True}})
    answers, _ = encode(case, tiny_kb)
    probabilities = compute_posterior(tiny_kb, answers, case.setting, None, None).probabilities
    bank = build_question_bank(tiny_kb, policy)

    def fever(level: TriageLevel) -> Suggestion:
        ranked = rank_questions(
            bank, answers, probabilities, asker=Asker.PATIENT, k=10, level=level
        )
        return next(s for s in ranked if s.question == "f_fever")

    assert fever(TriageLevel.ROUTINE).red_flag_gain > 0
    assert fever(TriageLevel.URGENT).red_flag_gain == 0


def test_a_rare_red_flag_symptom_that_no_row_describes_is_expected_at_the_red_flag_rate(
    kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """Progressive weakness has no evidence row: the interview expects it in 3 patients in 100
    (`red_flag_finding_rate`), not at the 15% of an ordinary symptom, so a rare symptom that
    rows describe (saddle numbness, 1%) is not crowded out of the screening."""
    bank = build_question_bank(kb, policy)
    weakness = bank.index("progressive_weakness")
    assert not any(
        row.finding == "progressive_weakness" for c in kb.knowledge.conditions for row in c.evidence
    )
    expected = policy.red_flag_finding_rate.value
    assert bank.answer_probability[weakness, :, 0] == pytest.approx(expected)


def test_a_man_with_groin_pain_is_not_screened_for_pregnancy(
    kb: CompiledKB, policy: InterviewPolicy
) -> None:
    """The pregnancy red flags suggest only ectopic pregnancy, which a man cannot have: asking
    him whether he could be pregnant earns no screening gain. A woman is screened."""

    def pregnancy(sex: str) -> Suggestion:
        case = {"age": 34, "sex": sex, "findings": {"pain_groin": True}}
        ranked = _suggest(kb, policy, case, Asker.CLINICIAN, k=400)
        return next(s for s in ranked if s.question == "pregnancy_possible")

    assert pregnancy("male").red_flag_gain == 0
    assert pregnancy("female").red_flag_gain > 0
