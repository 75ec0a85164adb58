"""Schemathesis on the served OpenAPI schema: generated requests, valid and invalid, to every
operation give no server error, and every answer matches the schema (status code, content
type, body). Bounded: a few dozen examples per operation and mode."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hipdx.service.local import Service

#: Examples per operation and mode: enough to reach each error path, few enough to be quick.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_the_api_keeps_to_its_schema(sqlite_service: Service, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{sqlite_service.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call_and_validate(
                headers=sqlite_service.headers(), checks=CHECKS, timeout=60
            )
            calls.append(response.status_code)

        try:
            call()
        except Unsatisfiable:  # no invalid input exists (an operation without parameters)
            assert mode is GenerationMode.NEGATIVE
    assert not any(status >= 500 for status in calls)
    print(f"schemathesis {mode.value}: {len(calls)} calls over {len(operations)} operations")
