"""No health data reaches the logs or the audit trail; the audit trail says who did what."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from hipdx.service.local import Service
from hipdx.store import open_engine

#: Words that can only come from the requests below.
NOTE = (
    "Quixotic zebrafarmer, 52, with left groin pain after the Kilimanjaro ultramarathon; "
    "denies fever; positive FADIR."
)
MARKERS = ["Quixotic", "zebrafarmer", "Kilimanjaro", "ultramarathon", "FADIR"]
CASE_FINDINGS = {"pain_groin": True, "night_pain": True, "fever": False}
UNKNOWN = "xylophonic_gait"


def audit_rows(service: Service) -> list[dict[str, object]]:
    engine = open_engine(service.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM audit_log ORDER BY id"))
            return [dict(row) for row in rows.mappings()]
    finally:
        engine.dispose()


def test_no_note_text_or_finding_reaches_the_logs_or_the_audit_trail(service: Service) -> None:
    headers = service.headers()
    with httpx.Client(base_url=service.url, headers=headers, timeout=120) as client:
        noted = client.post("/v1/assess", json={"note": NOTE})
        parsed = client.post("/v1/parse", json={"note": NOTE})
        cased = client.post("/v1/assess", json={"case": {"findings": CASE_FINDINGS}})
        refused = client.post("/v1/assess", json={"case": {"findings": {UNKNOWN: True}}})
    assert [r.status_code for r in (noted, parsed, cased, refused)] == [201, 200, 201, 422]
    rows = audit_rows(service)
    stored = " ".join(str(value) for row in rows for value in row.values())
    logged = service.server.output()
    for secret in [*MARKERS, *CASE_FINDINGS, UNKNOWN]:
        assert secret not in stored, secret
        assert secret not in logged, secret
    assert len(logged) > 0


def test_the_audit_trail_records_who_did_what_and_how_it_ended(service: Service) -> None:
    with httpx.Client(base_url=service.url, headers=service.headers(), timeout=120) as client:
        created = client.post("/v1/assess", json={"case": {"findings": {"pain_groin": True}}})
        client.get(created.headers["location"])
        client.get("/v1/assessments/ffffffffffffffffffffffffffffffff")
    last = audit_rows(service)[-3:]
    assessment_id = created.json()["id"]
    assert [(r["action"], r["status"], r["resource_id"]) for r in last] == [
        ("assess", 201, assessment_id),
        ("read_assessment", 200, assessment_id),
        ("read_assessment", 404, None),
    ]
    assert all(r["api_key_id"] == last[0]["api_key_id"] is not None for r in last)
    assert all(r["client"] == "127.0.0.1" for r in last)
