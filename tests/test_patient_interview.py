"""The interview a patient meets and the result a patient is given (issue 15), as sentences."""

from __future__ import annotations

import textstat

import hipdx
from hipdx._types import Asker, Sex, TriageLevel
from hipdx.inference.assessment import Contribution, ContributionKind
from hipdx.interview.reasons import URGENT_CARE
from hipdx.interview.relevance import denied_region_findings, needed_by_red_flag
from hipdx.interview.session import InterviewSession
from hipdx.kb.compiled import CompiledKB
from hipdx.report.patient import patient_result, render_patient_text
from hipdx.report.sentences import explanation_order

_DRUGS = ("ibuprofen", "naproxen", "nsaid", "paracetamol", "opioid", "steroid injection")


def _woman_with_buttock_pain_on_sitting(engine: hipdx.Engine) -> InterviewSession:
    session = engine.start_interview(asker=Asker.PATIENT)
    session.set_patient(age=38, sex=Sex.FEMALE)
    session.set_regions(["pain_buttock"], "right")
    session.set_complaints(["worse_sitting"])
    return session


def _run(session: InterviewSession, yes: frozenset[str] = frozenset()) -> list[dict]:  # type: ignore[type-arg]
    """Answer every question (yes to ``yes``, no otherwise, don't know to a choice)."""
    asked = []
    while (document := session.document(differential=False))["question"] is not None:
        question = document["question"]
        asked.append(question)
        value = None if question["kind"] == "group" else question["id"] in yes
        session.answer(question["id"], value)
    return asked


def test_a_woman_with_buttock_pain_on_sitting_who_denies_back_pain_is_never_asked_about_it(
    engine: hipdx.Engine, kb: CompiledKB
) -> None:
    back_only = {
        f.id
        for f in kb.knowledge.findings
        if f.regions == ["pain_low_back"] and not needed_by_red_flag(kb, f.id)
    }
    assert {"supine_sign_positive", "night_waking_second_half"} <= back_only
    session = _woman_with_buttock_pain_on_sitting(engine)
    asked = _run(session, frozenset({"pain_ischial"}))
    assert not back_only & {q["id"] for q in asked}
    assert "worse_sitting" not in {q["id"] for q in asked}  # her complaint is not asked again
    assert all(q["why_lay"] for q in asked)  # every question says why, in plain words
    assert all("%" not in q["why_lay"] and "LR" not in q["why_lay"] for q in asked)


def test_questions_about_a_denied_region_are_dropped_unless_a_red_flag_needs_them(
    engine: hipdx.Engine, kb: CompiledKB
) -> None:
    session = _woman_with_buttock_pain_on_sitting(engine)
    denied = denied_region_findings(kb, session.answers())
    assert "supine_sign_positive" in denied  # its red flag is itself about back pain
    assert "alternating_buttock_pain" not in denied  # the buttock was chosen


def test_red_flag_screening_says_it_checks_for_signs_that_need_urgent_care(
    engine: hipdx.Engine,
) -> None:
    session = engine.start_interview(asker=Asker.PATIENT)
    session.set_patient(age=44, sex=Sex.MALE)
    session.set_regions(["pain_low_back", "bilateral_sciatica"], "both")
    asked = _run(session)
    screening = [q for q in asked if q["id"] in ("saddle_anaesthesia", "bladder_bowel_dysfunction")]
    assert screening and all(q["why_lay"] == URGENT_CARE for q in screening)


def test_a_woman_of_childbearing_age_with_groin_pain_is_asked_about_pregnancy_first(
    engine: hipdx.Engine,
) -> None:
    session = engine.start_interview(asker=Asker.PATIENT)
    session.set_patient(age=27, sex=Sex.FEMALE)
    session.set_regions(["pain_groin"], "right")
    document = session.document(differential=False)
    assert document["question"]["id"] == "pregnancy_possible"
    assert "pregnant" in document["question"]["why_lay"]
    result = patient_result(engine.assess(session.case()), engine.knowledge)
    assert any("pregnant" in c for c in result.cautions)  # the result says so too
    session.answer("pregnancy_possible", False)
    assert not patient_result(engine.assess(session.case()), engine.knowledge).cautions


def test_a_man_or_an_older_woman_is_not_told_pregnancy_is_not_excluded(
    engine: hipdx.Engine,
) -> None:
    for age, sex in ((27, "male"), (67, "female")):
        case = {"age": age, "sex": sex, "findings": {"pain_groin": True}}
        assert not patient_result(engine.assess(case), engine.knowledge).cautions


def test_the_patient_document_hides_the_differential(engine: hipdx.Engine) -> None:
    session = _woman_with_buttock_pain_on_sitting(engine)
    hidden = session.document(differential=False)
    assert hidden["differential"] == [] and hidden["other_cause_probability"] is None
    assert session.document()["differential"]  # a clinician interface still gets it


def test_complaints_not_chosen_stay_unanswered(engine: hipdx.Engine) -> None:
    session = _woman_with_buttock_pain_on_sitting(engine)
    findings = session.case().findings
    assert findings["worse_sitting"] is True and "worse_running" not in findings
    session.set_regions(["pain_buttock", "pain_ischial"], "right")  # the complaint survives
    assert session.case().findings["worse_sitting"] is True


TYPICAL = [
    {
        "age": 38,
        "sex": "female",
        "findings": {
            "pain_buttock": True,
            "pain_low_back": False,
            "worse_sitting": True,
            "pain_ischial": True,
        },
    },
    {
        "age": 67,
        "sex": "male",
        "findings": {
            "pain_groin": True,
            "worse_weight_bearing": True,
            "morning_stiffness_short": True,
        },
    },
    {
        "age": 45,
        "sex": "male",
        "findings": {"pain_low_back": True, "pain_below_knee": True, "worse_cough_sneeze": True},
    },
    {
        "age": 55,
        "sex": "female",
        "findings": {"pain_lateral_hip": True, "worse_lying_on_side": True},
    },
]


def test_typical_patient_results_read_at_school_grade_8_or_below(engine: hipdx.Engine) -> None:
    for case in TYPICAL:
        text = render_patient_text(patient_result(engine.assess(case), engine.knowledge))
        assert textstat.flesch_kincaid_grade(text) <= 8, text


def test_the_patient_result_has_no_figures_no_rare_dangers_and_no_drugs(
    engine: hipdx.Engine,
) -> None:
    for case in TYPICAL:
        result = patient_result(engine.assess(case), engine.knowledge)
        text = render_patient_text(result)
        assert 1 <= len(result.causes) <= 3
        assert "%" not in text and "LR" not in text
        assert not any(drug in text.lower() for drug in _DRUGS)
        assert result.what_to_do and result.questions_for_clinician and result.notice


def test_back_pain_with_sciatica_is_told_when_to_go_to_an_emergency_department(
    engine: hipdx.Engine, kb: CompiledKB
) -> None:
    result = patient_result(engine.assess(TYPICAL[2]), engine.knowledge)
    assert (
        result.level.rank < TriageLevel.URGENT.rank
    )  # no same-day care, safety-netting all the same
    assert kb.finding("saddle_anaesthesia").lay in result.emergency_if
    assert kb.finding("bladder_bowel_dysfunction").lay in result.emergency_if


def test_every_condition_has_a_plain_name(kb: CompiledKB) -> None:
    assert all(c.plain_name for c in kb.knowledge.conditions)


def test_the_explanation_leads_with_findings_the_evidence_names() -> None:
    def contribution(finding: str, kind: ContributionKind, log_lr: float) -> Contribution:
        return Contribution(
            finding=finding, kind=kind, log_lr=log_lr, likelihood_ratio=2.718**log_lr
        )

    penalty = contribution("limp", ContributionKind.UNLINKED_PRESENT, -1.2)
    linked = contribution("worse_sitting", ContributionKind.PRESENT, 0.4)
    strong = contribution("pain_ischial", ContributionKind.PRESENT, 0.9)
    assert explanation_order([penalty, linked, strong]) == [strong, linked, penalty]


def test_the_clinician_assessment_says_pregnancy_has_not_been_excluded() -> None:
    from typer.testing import CliRunner

    from hipdx.cli import app

    note = "A 27-year-old woman with right groin pain for two days."
    result = CliRunner().invoke(app, ["assess", "--text", note])
    assert result.exit_code == 0, result.output
    assert "Pregnancy has not been excluded" in result.output


def test_a_patient_who_showed_where_it_hurts_is_not_asked_whether_it_is_hip_pain(
    engine: hipdx.Engine,
) -> None:
    """ "Hip pain" names no part of the hip: the body map asks for the parts, so the vaguer
    question is neither offered on it nor asked after it."""
    from hipdx.interview.session import region_choices

    assert "pain_hip" not in {f.id for f in region_choices(engine.knowledge)}
    assert "pain_thigh" not in {f.id for f in region_choices(engine.knowledge)}
    session = _woman_with_buttock_pain_on_sitting(engine)
    asked = _run(session)
    assert "pain_hip" not in {q["id"] for q in asked}
    assert "pain_hip" not in session.case().findings
