"""Errors as RFC 9457 problem details (``application/problem+json``), with the same issues
(where, message, fix) the command line prints."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from hipdx.issues import Issue, error, shorten

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """What went wrong (RFC 9457), and each problem found in the input."""

    model_config = ConfigDict(extra="forbid")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    issues: list[Issue] = []


class ProblemError(Exception):
    """Raised by a route to answer with a problem."""

    def __init__(
        self, status: int, title: str, detail: str, issues: list[Issue] | None = None
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(title=title, status=status, detail=detail, issues=issues or [])
        self.headers: dict[str, str] = {}


def problem_response(
    problem: Problem, request: Request, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = problem.model_copy(update={"instance": request.url.path}).model_dump(mode="json")
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def validation_issues(exc: RequestValidationError) -> list[Issue]:
    """One issue per pydantic error, located like the CLI does (``findings.pain_groin``)."""
    return [_issue(e) for e in exc.errors()]


def _issue(e: Any) -> Issue:
    location = [shorten(str(part)) for part in e.get("loc", ())]  # a huge key is not echoed
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:] if location[0] == "body" else location
    where = ".".join(location) or "request"
    if e.get("type") == "json_invalid":
        reason = (e.get("ctx") or {}).get("error", "")
        return error(where, f"not valid JSON: {reason}".rstrip(": "), "send a JSON body")
    return error(where, str(e.get("msg", "invalid value")))


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer with."""
    described = {
        400: "The request cannot be read",
        401: "No API key, or not a valid one",
        404: "No such resource",
        409: "The request conflicts with the resource's state",
        413: "The request body is too large",
        422: "The input is not valid (each problem in issues)",
        429: "Too many requests for this API key",
        503: "The database is not available; nothing was saved",
    }
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": described[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }
