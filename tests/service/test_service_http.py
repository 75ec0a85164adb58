"""Every endpoint and every error, over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import hipdx
from hipdx.exceptions import InvalidCaseError
from hipdx.kb.compiled import CompiledKB
from hipdx.service.local import Service

PROBLEM = "application/problem+json"


def http(service: Service, key: str | None = "valid") -> httpx.Client:
    return httpx.Client(base_url=service.url, headers=service.headers(key), timeout=120)


SEED_NOTE = (
    "31-year-old female marathon runner with 18 months of left groin and buttock pain, worse "
    "with running and long strides. No fever. No numbness."
)
ROUTES = [
    ("POST", "/v1/assess"),
    ("POST", "/v1/parse"),
    ("GET", "/v1/assessments/0123456789abcdef0123456789abcdef"),
    ("GET", "/v1/conditions"),
    ("GET", "/v1/conditions/hip_osteoarthritis"),
    ("GET", "/v1/findings"),
]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def cli_issues(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues the core (and so the CLI) reports for ``case``."""
    with pytest.raises(InvalidCaseError) as caught:
        hipdx.assess(case)
    return [issue.model_dump(mode="json") for issue in caught.value.issues]


def test_health_needs_no_key_and_names_the_versions(service: Service, kb: CompiledKB) -> None:
    with http(service, key=None) as client:
        body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["kb_version"] == kb.version
    assert body["schema_revision"] == "0001"
    assert body["database"] == service.backend


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_a_missing_or_unknown_key(
    service: Service, method: str, path: str
) -> None:
    for key in (None, "hipdx_not-a-key"):
        with http(service, key=key) as client:
            response = client.request(method, path, json={})
        body = assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API key" in body["detail"]


def test_a_case_is_assessed_saved_and_read_back(
    service: Service, seed_case: dict[str, Any]
) -> None:
    with http(service) as client:
        created = client.post("/v1/assess", json={"case": seed_case})
        assert created.status_code == 201, created.text
        record = created.json()
        assert created.headers["location"] == f"/v1/assessments/{record['id']}"
        assert record["source"] == "case"
        read = client.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json() == record
    expected = hipdx.assess(seed_case)
    ranked = record["assessment"]["results"]["differential"]
    assert [r["condition"] for r in ranked] == [r.condition for r in expected.differential]
    assert ranked[0]["probability"] == pytest.approx(expected.differential[0].probability)
    assert record["assessment"]["metadata"]["kb_version"] == expected.metadata.kb_version


def test_a_note_is_read_then_assessed(service: Service) -> None:
    with http(service) as client:
        created = client.post("/v1/assess", json={"note": SEED_NOTE, "setting": "sports"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["source"] == "note"
    findings = record["assessment"]["input"]["findings"]
    assert findings["pain_groin"] is True
    assert findings["fever"] is False
    assert record["assessment"]["input"]["setting"] == "sports"


def test_parse_shows_what_the_note_says(service: Service) -> None:
    with http(service) as client:
        response = client.post("/v1/parse", json={"note": SEED_NOTE})
    assert response.status_code == 200, response.text
    parsed = response.json()
    assert parsed["case"]["findings"]["fever"] is False
    negated = [m for m in parsed["mentions"] if m["finding"] == "fever"]
    assert negated[0]["status"] == "absent"
    assert negated[0]["trigger"]["text"] == "No"


@pytest.mark.parametrize(
    "case",
    [
        {"findings": {"pain_groin": True, "fevr": True}},  # unknown id: closest ids suggested
        {"findings": {"onset_sudden": True, "onset_gradual": True}},  # contradiction
        {"findings": {"pain_groin": 3}},  # a number for a yes/no finding
        {"findings": {"temperature_celsius": 80}},  # implausible value
        {"findings": {"onset": True}},  # a question's id instead of an answer
    ],
    ids=["unknown-id", "contradiction", "bad-type", "implausible", "question-id"],
)
def test_a_case_that_cannot_be_assessed_gets_the_clis_issues(
    service: Service, case: dict[str, Any]
) -> None:
    with http(service) as client:
        response = client.post("/v1/assess", json={"case": case})
    body = assert_problem(response, 422)
    assert body["issues"] == cli_issues(case)
    assert body["detail"].startswith("the case cannot be assessed: findings.")


def test_the_unknown_id_problem_names_the_closest_ids(service: Service) -> None:
    with http(service) as client:
        response = client.post("/v1/assess", json={"case": {"findings": {"fevr": True}}})
    (issue,) = assert_problem(response, 422)["issues"]
    assert issue == {
        "level": "error",
        "where": "findings.fevr",
        "message": "unknown finding id 'fevr'",
        "fix": "did you mean fever?",
    }


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        ({}, "request", "give either 'case' or 'note'"),
        ({"case": {}, "note": "hip pain"}, "request", "give either 'case' or 'note'"),
        (
            {"case": {"findings": {"pain_groin": "yes"}}},
            "case.findings.pain_groin",
            "give true, false or a number",
        ),
        ({"case": {"age": 300}}, "case.age", "from 0 to 120 years"),
        ({"case": {"sex": "x"}}, "case.sex", "'female' or 'male'"),
        ({"case": {"findings": {}, "colour": 1}}, "case.colour", "Extra inputs"),
        ({"note": ""}, "note", "at least 1 character"),
    ],
)
def test_a_malformed_request_says_where_and_what(
    service: Service, body: dict[str, Any], where: str, message: str
) -> None:
    with http(service) as client:
        response = client.post("/v1/assess", json=body)
    issues = assert_problem(response, 422)["issues"]
    assert any(i["where"].startswith(where) and message in i["message"] for i in issues), issues


def test_a_body_that_is_not_json_is_refused_clearly(service: Service) -> None:
    with http(service) as client:
        response = client.post(
            "/v1/assess", content=b"{not json", headers={"content-type": "application/json"}
        )
    (issue,) = assert_problem(response, 422)["issues"]
    assert issue["message"].startswith("not valid JSON")


def test_a_body_over_the_limit_is_refused_before_it_is_read(service: Service) -> None:
    note = "groin pain " * 30_000  # 330 kB > 256 KiB
    with http(service) as client:
        response = client.post("/v1/parse", json={"note": note})
    assert "larger than" in assert_problem(response, 413)["detail"]


def test_a_streamed_body_over_the_limit_is_refused_too(service: Service) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"note": "'
        for _ in range(40):
            yield b"groin pain " * 1000
        yield b'"}'

    with http(service) as client:
        response = client.post(
            "/v1/parse", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "larger than" in assert_problem(response, 413)["detail"]


def test_an_unknown_assessment_is_not_found(service: Service) -> None:
    with http(service) as client:
        missing = client.get("/v1/assessments/0123456789abcdef0123456789abcdef")
        malformed = client.get("/v1/assessments/not-an-id")
    assert "no assessment" in assert_problem(missing, 404)["detail"]
    assert_problem(malformed, 422)


def test_conditions_are_listed_and_shown_with_their_evidence(
    service: Service, kb: CompiledKB
) -> None:
    with http(service) as client:
        listed = client.get("/v1/conditions").json()
        shown = client.get("/v1/conditions/ischiofemoral_impingement").json()
        unknown = client.get("/v1/conditions/ischiofemoral_impingment")
    ids = [c["id"] for c in listed]
    assert ids == sorted(ids) and len(ids) == len(kb.condition_ids)
    assert shown["id"] == "ischiofemoral_impingement" and shown["evidence"]
    (issue,) = assert_problem(unknown, 404)["issues"]
    assert issue["fix"].startswith("did you mean ischiofemoral_impingement,")


def test_findings_are_filtered_by_who_can_answer_them(service: Service) -> None:
    with http(service) as client:
        patient = client.get("/v1/findings", params={"asker": "patient"}).json()
        everyone = client.get("/v1/findings").json()
        wrong = client.get("/v1/findings", params={"asker": "nurse"})
    assert {f["asker"] for f in patient["findings"]} == {"patient"}
    assert len(everyone["findings"]) > len(patient["findings"])
    assert {g["id"] for g in patient["groups"]} <= {g["id"] for g in everyone["groups"]}
    assert assert_problem(wrong, 422)["issues"][0]["where"] == "query.asker"


def test_unknown_routes_and_methods_are_problems_too(service: Service) -> None:
    with http(service) as client:
        assert_problem(client.get("/v1/nothing"), 404)
        assert_problem(client.delete("/v1/conditions"), 405)


def test_cors_is_off_by_default(service: Service) -> None:
    with http(service, key=None) as client:
        preflight = client.options(
            "/v1/assess",
            headers={"Origin": "https://clinic.example", "Access-Control-Request-Method": "POST"},
        )
    assert "access-control-allow-origin" not in preflight.headers


def test_a_huge_key_in_a_malformed_request_is_not_echoed_whole() -> None:
    """Problem details name where the error is, each part of the path shortened (issue 13)."""
    from fastapi.exceptions import RequestValidationError

    from hipdx.service.problems import validation_issues

    key = "x" * 100_000
    error = {"loc": ("body", "case", "findings", key), "msg": "bad", "type": "value_error"}
    (issue,) = validation_issues(RequestValidationError([error]))
    assert issue.where.startswith("case.findings.") and len(issue.where) < 200
