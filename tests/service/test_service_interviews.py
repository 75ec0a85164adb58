"""Interviews over HTTP: driven to their end they ask the same questions and reach the same
assessment as the same answers given to the engine in Python; errors are problems."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import hipdx
from hipdx.service.local import Service

INTAKE = {
    "asker": "patient",
    "setting": "sports",
    "age": 31,
    "sex": "female",
    "regions": ["pain_groin", "pain_buttock"],
    "side": "left",
}


def reply(kind: str, question: str, members: list[str], findings: dict[str, Any]) -> Any:
    """What a patient with ``findings`` answers: yes/no as known, the option that holds, or
    don't know."""
    if kind == "finding":
        return findings.get(question)
    chosen = [m for m in members if findings.get(m) is True]
    return chosen[0] if chosen else None


def drive_in_python(findings: dict[str, Any]) -> tuple[list[str], hipdx.Assessment]:
    session = hipdx.default_engine().start_interview(asker="patient", setting=hipdx.Setting.SPORTS)
    session.set_patient(age=31, sex=hipdx.Sex.FEMALE)
    session.set_regions(INTAKE["regions"], "left")
    asked = []
    while (question := session.step().question) is not None:
        asked.append(question.question)
        value = reply(question.kind.value, question.question, list(question.findings), findings)
        session.answer(question.question, value)
    return asked, hipdx.default_engine().assess(session.case())


def drive_over_http(client: httpx.Client, findings: dict[str, Any]) -> tuple[list[str], dict]:
    started = client.post("/v1/interviews", json=INTAKE)
    assert started.status_code == 201, started.text
    location = started.headers["location"]
    record = started.json()
    asked = []
    while record["status"] == "open":
        question = record["interview"]["question"]
        assert question["why"]["separates"] or question["why"]["score"] >= 0
        asked.append(question["id"])
        value = reply(question["kind"], question["id"], question["why"]["findings"], findings)
        answered = client.post(
            f"{location}/answers", json={"question": question["id"], "answer": value}
        )
        assert answered.status_code == 200, answered.text
        record = answered.json()
    assert record["interview"]["stop"] is not None
    assert client.get(location).json()["status"] == "finished"
    return asked, record


def test_an_interview_over_http_matches_the_same_answers_in_python(
    service: Service, seed_case: dict[str, Any]
) -> None:
    findings = seed_case["findings"]
    expected_questions, expected = drive_in_python(findings)
    with httpx.Client(base_url=service.url, headers=service.headers(), timeout=60) as client:
        questions, record = drive_over_http(client, findings)
        saved = client.get(f"/v1/assessments/{record['assessment_id']}").json()
    assert questions == expected_questions
    assert len(questions) >= 3
    assert saved["source"] == "interview"
    ranked = saved["assessment"]["results"]["differential"]
    assert [r["condition"] for r in ranked] == [r.condition for r in expected.differential]
    assert [r["probability"] for r in ranked] == pytest.approx(
        [r.probability for r in expected.differential]
    )
    assert saved["assessment"]["results"]["triage"]["level"] == expected.triage.level.value


def test_interview_answers_that_do_not_fit_are_problems(service: Service) -> None:
    with httpx.Client(base_url=service.url, headers=service.headers(), timeout=60) as client:
        started = client.post("/v1/interviews", json=INTAKE)
        location = started.headers["location"]
        question = started.json()["interview"]["question"]
        nothing = client.post(f"{location}/back")
        wrong = client.post(f"{location}/answers", json={"question": "fever_x", "answer": True})
        unfit = client.post(
            f"{location}/answers", json={"question": question["id"], "answer": "maybe"}
        )
        regions = client.post("/v1/interviews", json={"regions": ["pain_elbow"]})
        missing = client.get("/v1/interviews/0123456789abcdef0123456789abcdef")
        first = client.post(
            f"{location}/answers", json={"question": question["id"], "answer": None}
        )
        back = client.post(f"{location}/back")
    assert nothing.status_code == 409
    assert wrong.status_code == 422
    assert wrong.json()["issues"][0]["fix"] == f"answer {question['id']!r}"
    assert unfit.status_code == 422 and "does not fit" in unfit.json()["detail"]
    assert regions.status_code == 422
    assert regions.json()["issues"][0]["where"] == "regions.pain_elbow"
    assert missing.status_code == 404
    assert first.json()["interview"]["asked"] == 1
    assert back.json()["interview"]["question"]["id"] == question["id"]
    assert back.json()["answers"] == 2


def test_a_finished_interview_takes_no_more_answers(service: Service) -> None:
    with httpx.Client(base_url=service.url, headers=service.headers(), timeout=60) as client:
        started = client.post("/v1/interviews", json={**INTAKE, "budget": 1})
        location = started.headers["location"]
        question = started.json()["interview"]["question"]
        done = client.post(f"{location}/answers", json={"question": question["id"], "answer": None})
        again = client.post(
            f"{location}/answers", json={"question": question["id"], "answer": None}
        )
    assert done.json()["status"] == "finished"
    assert done.json()["interview"]["stop"]["reason"] == "budget"
    assert again.status_code == 409
    assert done.json()["assessment_id"] in again.json()["detail"]
