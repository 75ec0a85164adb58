"""The engine and the interview session: one object every interface shares, one safety-aware
step for `next_questions` and the interview, and a session that saves and restores exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hipdx
from hipdx import Asker, Engine, InterviewSession, InvalidAnswerError, InvalidCaseError, Sex
from hipdx.interview import QuestionKind, StopReason, region_choices

VIGNETTES = [
    json.loads(line)
    for path in sorted((Path(__file__).parent / "vignettes").glob("*.jsonl"))
    for line in path.read_text().splitlines()
    if line.strip()
]


def _presentation(vignette: dict[str, Any]) -> dict[str, Any]:
    return {k: vignette[k] for k in ("age", "sex", "setting")} | {"findings": vignette["findings"]}


def _answer_from(vignette: dict[str, Any], session: InterviewSession) -> bool | str | None:
    """What the vignette says to the question asked (don't know when it is silent)."""
    question = session.step().question
    assert question is not None
    known = {**vignette["findings"], **vignette.get("workup_findings", {})}
    if question.kind is QuestionKind.GROUP:
        return next((m for m in question.findings if known.get(m) is True), None)
    value = known.get(question.question)
    return value if isinstance(value, bool) else None


def _interview(engine: Engine, vignette: dict[str, Any], *, asker: Asker) -> InterviewSession:
    session = engine.start_interview(asker=asker, setting=vignette["setting"])
    session.set_patient(age=vignette["age"], sex=Sex(vignette["sex"]))
    regions = {f.id for f in region_choices(engine.knowledge)}
    session.set_regions([f for f, v in vignette["findings"].items() if f in regions and v is True])
    return session


def test_the_default_engine_is_built_once_and_shares_its_knowledge_base() -> None:
    engine = hipdx.default_engine()
    assert hipdx.default_engine() is engine
    assert engine.question_bank is engine.question_bank
    assert hipdx.assess({"age": 40}).metadata.kb_version == engine.version


@pytest.mark.parametrize("asker", [Asker.PATIENT, Asker.CLINICIAN])
def test_next_questions_asks_what_the_interview_asks_on_every_self_test_vignette(
    engine: Engine, asker: Asker
) -> None:
    """The public function and the interview take the same step, safety hold and reserve
    included (they once chose a different first question in 17 of 68 vignettes)."""
    for vignette in VIGNETTES:
        session = _interview(engine, vignette, asker=asker)
        for _ in range(3):
            step = session.step()
            if step.question is None:
                break
            suggested = hipdx.next_questions(
                session.case(), asker=asker, k=1, knowledge=engine.knowledge
            )
            same = engine.next_questions(
                session.case(), asker=asker, k=1, asked=session.asked, skipped=session.skipped
            )
            assert same[0].question == step.question.question, vignette["id"]
            if session.asked == 0:
                assert suggested[0].question == step.question.question, vignette["id"]
            session.answer(step.question.question, _answer_from(vignette, session))


def test_a_session_saved_at_any_point_resumes_with_the_same_question_and_result(
    engine: Engine,
) -> None:
    vignette = next(v for v in VIGNETTES if v["expected"] == ["ischiofemoral_impingement"])
    session = _interview(engine, vignette, asker=Asker.CLINICIAN_WITH_IMAGING)
    while session.step().question is not None:
        saved = json.loads(json.dumps(session.to_json()))
        restored = engine.resume_interview(saved)
        assert restored.to_json() == saved
        assert restored.step().question == session.step().question
        session.answer(session.step().question.question, _answer_from(vignette, session))
    stop = session.step().stop
    assert stop is not None
    restored = engine.resume_interview(session.to_json())
    assert restored.step().stop == stop
    assert restored.document()["differential"] == session.document()["differential"]
    assert engine.assess(restored.case()).differential[0].condition == "ischiofemoral_impingement"


def test_back_takes_the_last_answer_back_and_asks_it_again(engine: Engine) -> None:
    session = engine.start_interview(asker=Asker.PATIENT)
    session.set_patient(age=38, sex=Sex.FEMALE)
    session.set_regions(["pain_buttock"], side="right")
    first = session.step().question
    assert first is not None
    session.answer(first.question, None if first.kind is QuestionKind.GROUP else True)
    assert session.asked == 1
    assert session.back() == first.question
    assert session.asked == 0 and session.step().question == first
    assert session.back() is None


def test_skip_is_dont_know_and_the_question_is_not_asked_again(engine: Engine) -> None:
    session = engine.start_interview(asker=Asker.CLINICIAN)
    session.set_patient(age=60, sex=Sex.MALE)
    first = session.step().question
    assert first is not None
    session.skip()
    assert first.question in session.skipped
    assert session.step().question is not None
    assert session.step().question.question != first.question


def test_an_answer_that_does_not_fit_is_refused_and_changes_nothing(engine: Engine) -> None:
    session = engine.start_interview(asker=Asker.CLINICIAN)
    session.set_patient(age=50, sex=Sex.FEMALE)
    current = session.step().question
    assert current is not None
    before = session.to_json()
    with pytest.raises(InvalidAnswerError, match="not the question being asked"):
        session.answer("no_such_question", True)
    with pytest.raises(InvalidAnswerError, match="does not fit"):
        session.answer(current.question, "maybe")
    with pytest.raises(InvalidAnswerError, match="pain regions"):
        session.set_regions(["pain_in_the_elbow"])
    with pytest.raises(InvalidAnswerError, match="age"):
        session.set_patient(age=-5, sex=None)
    assert session.to_json() == before


def test_a_red_flag_ends_the_session_and_further_answers_are_refused(engine: Engine) -> None:
    session = engine.start_interview(asker=Asker.PATIENT)
    session.set_patient(age=45, sex=Sex.FEMALE)
    session.set_regions(["pain_low_back", "pain_buttock"], side="both")
    for _ in range(40):
        question = session.step().question
        if question is None:
            break
        session.answer(
            question.question, question.findings[0] if question.kind == "group" else True
        )
    stop = session.step().stop
    assert stop is not None and stop.reason is StopReason.RED_FLAG
    assert session.document()["triage"]["level"] == "emergency"
    with pytest.raises(InvalidAnswerError, match="ended"):
        session.answer("fever", True)


def test_a_damaged_saved_session_is_refused_with_the_reason(engine: Engine) -> None:
    session = engine.start_interview(asker=Asker.PATIENT)
    saved = session.to_json()
    with pytest.raises(InvalidAnswerError, match="not a saved interview session"):
        engine.resume_interview({**saved, "asker": "robot"})
    with pytest.raises(InvalidAnswerError, match="does not fit this knowledge base"):
        engine.resume_interview({**saved, "intake": {"pain_in_the_elbow": True}})


def test_the_session_document_asks_in_the_askers_words_and_says_why(engine: Engine) -> None:
    patient = engine.start_interview(asker=Asker.PATIENT)
    patient.set_patient(age=30, sex=Sex.MALE)
    document = json.loads(json.dumps(patient.document()))
    question = document["question"]
    finding_or_group = question["id"]
    lay = {f.id: f.lay for f in engine.knowledge.knowledge.findings}
    lay |= {g.id: g.lay for g in engine.knowledge.knowledge.groups}
    assert question["text"] == lay[finding_or_group]
    assert question["options"][-1] == {"answer": None, "text": "don't know"}
    assert question["why"]["question"] == finding_or_group
    assert document["stop"] is None and document["asked"] == 0
    assert sum(row["probability"] for row in document["differential"]) <= 1.0


def test_bad_requests_to_the_engine_are_input_errors(engine: Engine) -> None:
    with pytest.raises(InvalidCaseError, match="asker"):
        engine.next_questions({"age": 40}, asker="robot")
    with pytest.raises(InvalidCaseError, match="cannot suggest"):
        engine.next_questions({"age": 40}, k=-1)
    with pytest.raises(InvalidCaseError, match="not a valid case"):
        engine.assess({"age": "forty"})
    with pytest.raises(InvalidCaseError, match="not a valid case"):
        engine.assess(["not", "a", "case"])  # type: ignore[arg-type]
    with pytest.raises(InvalidCaseError, match="budget"):
        engine.start_interview(budget=0)


def test_the_parts_of_a_combination_answered_no_are_not_asked(engine: Engine) -> None:
    """'Peritoneal signs or cervical motion tenderness: no' settles each part: asking one could
    only repeat the answer or contradict it (a simulated patient once did, and the session was
    stuck on a contradiction)."""
    rule = engine.knowledge.finding("peritoneal_signs_or_cmt").derived
    parts = [p for p in getattr(rule, "any", []) if isinstance(p, str)]
    assert parts
    session = engine.start_interview(asker=Asker.CLINICIAN_WITH_IMAGING, budget=400)
    session.set_patient(age=28, sex=Sex.FEMALE)
    session.history.append(("peritoneal_signs_or_cmt", {"peritoneal_signs_or_cmt": False}))
    asked = {s.question for s in session.step(k=1000).suggestions}
    assert asked and not asked & set(parts)


def test_an_answer_that_contradicts_an_earlier_one_is_refused_and_not_recorded(
    engine: Engine,
) -> None:
    rule = engine.knowledge.finding("peritoneal_signs_or_cmt").derived
    first, second = [p for p in getattr(rule, "any", []) if isinstance(p, str)][:2]
    session = engine.start_interview(asker=Asker.CLINICIAN_WITH_IMAGING)
    session.history += [("peritoneal_signs_or_cmt", {"peritoneal_signs_or_cmt": True})]
    session.history += [(first, {first: False})]
    before = session.to_json()
    with pytest.raises(InvalidAnswerError, match="contradicts an earlier answer"):
        session._check_consistent(second, {second: False})
    assert session.to_json() == before
    session._check_consistent(second, {second: True})  # consistent: accepted
