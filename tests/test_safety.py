"""The safety hold, as specifications: the interview does not stop for a clear leader while a
probable urgent or emergency must-not-miss condition could still be raised by an open question."""

from __future__ import annotations

from typing import Any

import pytest

from hipdx import Asker, Setting, Sex, TriageLevel
from hipdx.cli.render import describe_reason
from hipdx.inference.answers import encode
from hipdx.inference.assessment import TriageReasonKind
from hipdx.inference.case import Case
from hipdx.inference.snapshot import Patient
from hipdx.interview.bank import build_question_bank, interview_policy
from hipdx.interview.safety import can_fire
from hipdx.interview.step import InterviewStep, StopReason, interview_step
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import rule_findings
from hipdx.kb.schema import InterviewPolicy


def _eager(policy: InterviewPolicy) -> InterviewPolicy:
    """The packaged policy, except that any leader counts as clear: the interview would stop at
    once unless the safety hold keeps it going."""
    leader = policy.leader_probability.model_copy(update={"value": 0.01})
    return policy.model_copy(update={"leader_probability": leader})


def _step(
    knowledge: CompiledKB,
    policy: InterviewPolicy,
    findings: dict[str, Any],
    *,
    asker: Asker = Asker.PATIENT,
    age: float | None = 45,
    sex: Sex | None = Sex.MALE,
) -> InterviewStep:
    bank = build_question_bank(knowledge, policy)
    case = Case(age=age, sex=sex, findings=findings)
    answers, _ = encode(case, knowledge)
    return interview_step(
        knowledge,
        bank,
        answers,
        Patient(Setting.PRIMARY_CARE, age, sex),
        asker=asker,
        asked=len(findings),
    )


GROIN_AND_FLEXED_HIP = {"pain_groin": True, "hip_held_flexed": True}


def test_the_interview_does_not_stop_while_fever_is_unasked_in_a_patient_with_groin_pain_and_a_flexed_hip(  # noqa: E501
    kb: CompiledKB,
) -> None:
    """Fever with a hip held flexed is the psoas abscess red flag: the leader is "clear" under
    the eager policy, yet the interview goes on, held by the dangerous conditions that are still
    plausible, and fever is asked before it stops (answering each held question no)."""
    policy = _eager(interview_policy(kb))
    findings: dict[str, Any] = dict(GROIN_AND_FLEXED_HIP)
    step = _step(kb, policy, findings)
    assert step.stop is None
    assert step.hold is not None
    assert "psoas_abscess" in step.hold.conditions
    assert "fever" in step.hold.questions
    asked: list[str] = []
    while step.question is not None and "fever" not in asked and len(asked) < 20:
        assert step.hold is not None and step.question.question in step.hold.questions
        asked.append(step.question.question)
        findings[step.question.question] = False
        step = _step(kb, policy, findings)
    assert "fever" in asked


def test_once_fever_is_answered_no_that_red_flag_no_longer_holds_the_interview(
    kb: CompiledKB,
) -> None:
    step = _step(kb, _eager(interview_policy(kb)), GROIN_AND_FLEXED_HIP | {"fever": False})
    assert step.hold is None or "fever_hip_held_flexed" not in step.hold.red_flags
    assert step.question is None or step.question.question != "fever"


def test_a_fired_urgent_red_flag_is_shown_at_once_but_an_emergency_is_still_screened(
    kb: CompiledKB,
) -> None:
    """Fever with a flexed hip fires (urgent): the triage says so now, and the interview goes on
    only to questions that could still raise it to an emergency."""
    step = _step(kb, _eager(interview_policy(kb)), GROIN_AND_FLEXED_HIP | {"fever": True})
    assert "fever_hip_held_flexed" in {f.red_flag for f in step.red_flags}
    assert step.triage.level.rank >= TriageLevel.URGENT.rank
    if step.stop is None:
        assert step.hold is not None and step.question is not None
        assert step.question.question in step.hold.questions
        assert all(
            next(f for f in kb.knowledge.red_flags if f.id == r).level is TriageLevel.EMERGENCY
            for r in step.hold.red_flags
        )
    else:
        assert step.stop.reason is StopReason.RED_FLAG


def test_an_emergency_red_flag_ends_the_interview_at_once(kb: CompiledKB) -> None:
    step = _step(kb, interview_policy(kb), {"pain_low_back": True, "saddle_anaesthesia": True})
    assert step.stop is not None and step.stop.reason is StopReason.RED_FLAG
    assert "cauda_equina_signs" in step.stop.red_flags


def test_a_question_that_could_push_must_not_miss_mass_over_a_threshold_holds_the_interview(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """Tiny KB: B (urgent) and C (emergency), both must-not-miss, at 10% each; the urgent
    threshold is 30%. No red flag mentions the test; but a positive test (B x4) would lift
    B + C to 0.5 / 1.3 = 38%, so the test is still to be asked."""
    step = _step(
        tiny_kb,
        _eager(interview_policy(kb)),
        {},
        asker=Asker.CLINICIAN,
        age=None,
        sex=None,
    )
    assert step.stop is None and step.hold is not None
    flags = {f.id: f for f in tiny_kb.knowledge.red_flags}
    assert all("f_test" not in rule_findings(flags[r].when) for r in step.hold.red_flags)
    assert "f_test" in step.hold.questions
    assert step.question is not None and step.question.question in step.hold.questions


def test_a_question_the_asker_cannot_answer_does_not_hold_the_interview(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """The test needs a clinician: a patient interview may stop."""
    step = _step(
        tiny_kb,
        _eager(interview_policy(kb)),
        {},
        asker=Asker.PATIENT,
        age=None,
        sex=None,
    )
    assert step.hold is None or "f_test" not in step.hold.questions


def test_without_a_probable_dangerous_condition_or_a_possible_red_flag_the_leader_rule_stops(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """An adult man: B (women only) and C (children only) do not apply; without fever the red
    flag "fever with pain" can no longer fire, so nothing holds."""
    step = _step(tiny_kb, _eager(interview_policy(kb)), {"f_fever": False}, age=40, sex=Sex.MALE)
    assert step.hold is None
    assert step.stop is not None and step.stop.reason is StopReason.LEADER_CLEAR


@pytest.mark.parametrize(
    ("known", "askable", "fires"),
    [
        ({}, {"fever", "hip_held_flexed"}, True),
        ({"hip_held_flexed": False}, {"fever", "psoas_sign_positive"}, True),
        ({"hip_held_flexed": False}, {"fever"}, False),  # the psoas sign needs a clinician
        ({"fever": False}, {"hip_held_flexed", "psoas_sign_positive"}, False),
        ({"fever": True, "hip_held_flexed": True}, set(), True),
    ],
)
def test_a_red_flag_can_fire_only_through_findings_that_can_still_be_asked(
    known: dict[str, bool], askable: set[str], fires: bool, kb: CompiledKB
) -> None:
    flag = next(f for f in kb.knowledge.red_flags if f.id == "fever_hip_held_flexed")
    assert can_fire(flag.when, known.get, askable) is fires


def _with_policy(policy: InterviewPolicy, name: str, value: float) -> InterviewPolicy:
    number = getattr(policy, name).model_copy(update={"value": value})
    return policy.model_copy(update={name: number})


def test_a_red_flag_that_could_still_fire_holds_the_interview_even_when_nothing_suggests_it(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """An adult man with pain: no dangerous condition applies, but fever (predicted in about
    one patient in ten) would fire "fever with pain", an urgent red flag. The full
    questionnaire would send him the same day if he had a fever, so the interview asks first."""
    step = _step(tiny_kb, _eager(interview_policy(kb)), {"f_pain": True}, age=40, sex=Sex.MALE)
    assert step.stop is None and step.hold is not None
    assert step.hold.conditions == ()
    assert step.hold.red_flags == ("rf_fever_pain",)
    assert step.question is not None and step.question.question == "f_fever"


def test_a_red_flag_less_likely_than_the_policy_s_floor_does_not_hold_the_interview(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """The same man, under a policy that screens only red flags at least as likely as 50%."""
    policy = _with_policy(_eager(interview_policy(kb)), "triage_rise_probability", 0.5)
    step = _step(tiny_kb, policy, {"f_pain": True}, age=40, sex=Sex.MALE)
    assert step.hold is None
    assert step.stop is not None and step.stop.reason is StopReason.LEADER_CLEAR


def test_a_patient_whose_answers_leave_cauda_equina_possible_is_asked_about_saddle_numbness_and_bladder_before_the_interview_stops(  # noqa: E501
    kb: CompiledKB,
) -> None:
    """A 44-year-old man answering for himself: low back pain and sciatica in both legs, without
    weakness or numbness. The urgent red flag fires, but cauda equina (an emergency) is still
    possible. Whatever the leader, the interview goes on until saddle numbness and bladder or
    bowel problems are asked. (With nothing but the back pain and sciatica in both legs, cauda
    equina is likely enough to triage an emergency at once: see the next test.)"""
    policy = _eager(interview_policy(kb))
    findings: dict[str, Any] = {
        "pain_low_back": True,
        "bilateral_sciatica": True,
        "leg_weakness": False,
        "numbness_paresthesia": False,
    }
    asked: list[str] = []
    for _ in range(20):
        step = _step(kb, policy, findings, asker=Asker.PATIENT, age=44, sex=Sex.MALE)
        if step.question is None:
            break
        assert step.hold is not None
        asked.append(step.question.question)
        findings[step.question.question] = False
    assert step.triage.level is TriageLevel.URGENT
    assert {"saddle_anaesthesia", "bladder_bowel_dysfunction"} <= set(asked)


def test_back_pain_with_sciatica_in_both_legs_and_nothing_else_is_triaged_an_emergency(
    kb: CompiledKB,
) -> None:
    """Sciatica in both legs is a warning sign of cauda equina: with only back pain beside it,
    cauda equina holds enough of the probability for an emergency triage, and there is no
    question left that could raise it."""
    findings: dict[str, Any] = {"pain_low_back": True, "bilateral_sciatica": True}
    step = _step(kb, _eager(interview_policy(kb)), findings, asker=Asker.CLINICIAN, age=44)
    assert step.triage.level is TriageLevel.EMERGENCY
    assert step.question is None


def test_once_saddle_numbness_and_bladder_are_answered_no_the_sciatica_patient_may_stop(
    kb: CompiledKB,
) -> None:
    """The same man, with every cauda equina sign a clinician can check answered no: the
    emergency flag can no longer fire, so it no longer holds the interview."""
    signs = ("saddle_anaesthesia", "bladder_bowel_dysfunction", "reduced_anal_tone")
    findings: dict[str, Any] = {"pain_low_back": True, "bilateral_sciatica": True}
    findings |= dict.fromkeys(signs, False)
    step = _step(kb, _eager(interview_policy(kb)), findings, asker=Asker.CLINICIAN, age=44)
    assert step.hold is None or "cauda_equina_signs" not in step.hold.red_flags


def _budget_step(
    knowledge: CompiledKB, policy: InterviewPolicy, findings: dict[str, Any], asked: int
) -> InterviewStep:
    bank = build_question_bank(knowledge, policy)
    answers, _ = encode(Case(age=40, sex=Sex.MALE, findings=findings), knowledge)
    return interview_step(
        knowledge,
        bank,
        answers,
        Patient(Setting.PRIMARY_CARE, 40, Sex.MALE),
        asker=Asker.CLINICIAN,
        asked=asked,
        budget=20,
    )


def test_the_last_questions_of_the_budget_go_to_a_red_flag_that_could_still_fire(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """An adult man with pain, under a policy that gives red-flag screening no weight: early in
    the interview the onset (which separates A from other causes) comes before fever, which
    tells nothing about the differential. In the last ``safety_reserve`` questions of the
    budget, fever comes first: "fever with pain" could still send him the same day."""
    policy = _with_policy(interview_policy(kb), "red_flag_weight", 0.0)
    reserve = policy.safety_reserve.value
    early = _budget_step(tiny_kb, policy, {"f_pain": True}, asked=0)
    assert early.question is not None and early.question.question == "g_onset"
    assert not early.reserved
    late = _budget_step(tiny_kb, policy, {"f_pain": True}, asked=20 - reserve)
    assert late.reserved and late.hold is not None
    assert late.question is not None and late.question.question == "f_fever"


def test_the_reserve_is_not_spent_on_red_flags_that_can_no_longer_fire(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """The same man without pain: "fever with pain" cannot fire, so the reserve changes
    nothing and the interview asks what it would have asked anyway."""
    policy = _with_policy(interview_policy(kb), "red_flag_weight", 0.0)
    late = _budget_step(tiny_kb, policy, {"f_pain": False}, asked=19)
    assert not late.reserved and late.hold is None


def _woman_step(tiny_kb: CompiledKB, kb: CompiledKB, findings: dict[str, Any], asked: int):  # type: ignore[no-untyped-def]
    bank = build_question_bank(tiny_kb, interview_policy(kb))
    answers, _ = encode(Case(age=40, sex=Sex.FEMALE, findings=findings), tiny_kb)
    patient = Patient(Setting.PRIMARY_CARE, 40, Sex.FEMALE)
    return interview_step(
        tiny_kb, bank, answers, patient, asker=Asker.CLINICIAN, asked=asked, budget=3
    )


def test_an_interview_cut_short_with_an_urgent_condition_not_settled_ends_urgent(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """A 40-year-old woman: B (urgent, must-not-miss) is at 0.1 / 0.9 = 11%, below the tiny
    KB's urgent threshold (30%). The questions not asked could still push it over 30% with a
    chance of up to 11 / 30 = 37% (their expected mass is 11%), at least the policy's 30%: when
    the budget ends the interview, she is sent the same day, and the reason says why."""
    step = _woman_step(tiny_kb, kb, {}, asked=3)
    assert step.stop is not None and step.stop.reason is StopReason.BUDGET
    assert step.triage.level is TriageLevel.URGENT
    reason = step.triage.reasons[0]
    assert reason.kind is TriageReasonKind.UNRESOLVED and reason.conditions == ("cond_b",)
    assert reason.mass == pytest.approx(0.1 / 0.9)
    bar = interview_policy(kb).unresolved_probability.value
    assert reason.threshold == pytest.approx(0.3 * bar)


def test_while_the_interview_goes_on_an_unsettled_condition_does_not_raise_the_triage(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    step = _woman_step(tiny_kb, kb, {}, asked=0)
    assert step.stop is None
    assert step.triage.level.rank < TriageLevel.URGENT.rank


def test_a_negative_test_settles_the_urgent_condition_and_the_interview_ends_as_the_posterior_says(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """The test negative (B x0.5): B falls to 0.05 / 0.85 = 5.9%, a chance of at most 20% of
    crossing 30%: below the policy's bar, so the budget ends the interview without raising."""
    step = _woman_step(tiny_kb, kb, {"f_test": False}, asked=3)
    assert step.stop is not None
    assert step.triage.level.rank < TriageLevel.URGENT.rank
    assert all(r.kind is not TriageReasonKind.UNRESOLVED for r in step.triage.reasons)


def test_the_unsettled_reason_says_which_condition_the_unasked_questions_could_still_raise(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    step = _woman_step(tiny_kb, kb, {}, asked=3)
    text = describe_reason(step.triage.reasons[0], tiny_kb)
    assert text.startswith("not settled when the interview ended (urgent)")
    assert "11.1% probability in all (at least 9.0%), most from Condition B 11.1%" in text
