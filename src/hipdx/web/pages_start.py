"""The access code page and the start page: who is answering, age, sex, care setting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hipdx import Asker, Setting, Sex
from hipdx.exceptions import InvalidAnswerError, InvalidCaseError
from hipdx.store import save_interview
from hipdx.web.access import (
    ACCESS_COOKIE,
    ACCESS_SECONDS,
    access_token,
    code_matches,
)
from hipdx.web.app import (
    INTERVIEW_COOKIE,
    Web,
    WebDep,
    audit,
    check_origin,
    find_interview,
    local_path,
    message_of,
    parse_age,
    see,
)

router = APIRouter(include_in_schema=False)


# -- access -----------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    web: Web = request.app.state.web
    return web.page("login.html", next=local_path(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, code: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    web: Web = request.app.state.web
    expected = web.access_code
    ok = expected is not None and code_matches(expected, code)
    with web.write() as session:
        audit(session, request, "login", None, 200 if ok else 401)
    if not ok or expected is None:
        return web.page("login.html", status=401, next=local_path(next), failed=True)
    response = see(local_path(next))
    response.set_cookie(
        ACCESS_COOKIE,
        access_token(expected),
        max_age=ACCESS_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


# -- start ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request, web: WebDep) -> HTMLResponse:
    current = request.cookies.get(INTERVIEW_COOKIE)
    with web.runtime.sessions() as session:
        stored = find_interview(session, current) if current else None
    resumable = stored if stored is not None and stored.status == "open" else None
    return web.page("start.html", resumable=resumable)


@router.post("/start")
def start(
    request: Request,
    web: WebDep,
    asker: Annotated[str, Form()] = "patient",
    age: Annotated[str, Form()] = "",
    sex: Annotated[str, Form()] = "",
    setting: Annotated[str, Form()] = "primary_care",
    imaging: Annotated[str, Form()] = "",
) -> Response:
    check_origin(request)
    who = Asker.PATIENT if asker == "patient" else Asker.CLINICIAN
    if who is Asker.CLINICIAN and imaging:
        who = Asker.CLINICIAN_WITH_IMAGING
    try:
        session = web.engine.start_interview(asker=who, setting=Setting(setting))
        session.set_patient(age=parse_age(age), sex=Sex(sex) if sex else None)
    except (InvalidAnswerError, InvalidCaseError, ValueError) as exc:
        return web.page("start.html", status=422, resumable=None, error=message_of(exc))
    with web.write() as db:
        stored = save_interview(
            db, state=session.to_json(), kb_version=web.engine.version, api_key_id=None
        )
        audit(db, request, "start", stored.id, 201)
    response = see(f"/i/{stored.id}/where")
    response.set_cookie(INTERVIEW_COOKIE, stored.id, httponly=True, samesite="strict")
    return response
