"""The clinician's note: pasted, read (highlighted), corrected, then assessed."""

from __future__ import annotations

import threading
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hipdx import Setting, Sex
from hipdx.exceptions import InvalidAnswerError, InvalidCaseError
from hipdx.inference.case import Case
from hipdx.web import note
from hipdx.web.app import (
    WebDep,
    audit,
    check_origin,
    message_of,
    parse_age,
    save_result,
    see,
)

router = APIRouter(include_in_schema=False)


# -- the clinician's note ---------------------------------------------------------------------


@router.get("/note", response_class=HTMLResponse)
def note_page(web: WebDep) -> HTMLResponse:
    # The note reader takes seconds to build: start on it while the note is being pasted.
    threading.Thread(target=lambda: web.engine.parser, name="hipdx-reader", daemon=True).start()
    return web.page("note.html", text="", error=None)


@router.post("/note", response_class=HTMLResponse)
def read_note(
    request: Request,
    web: WebDep,
    text: Annotated[str, Form(max_length=20_000)] = "",
    setting: Annotated[str, Form()] = "primary_care",
) -> Response:
    check_origin(request)
    if not text.strip():
        return web.page("note.html", status=422, text=text, error="paste a note first")
    parsed = web.engine.parse(text, setting=Setting(setting))
    with web.write() as db:
        audit(db, request, "read_note", None)
    kb = web.engine.knowledge
    return web.page(
        "review.html",
        pieces=note.pieces(parsed, kb),
        read=note.read_findings(parsed, kb),
        case=parsed.case,
        unmapped=[s.text for s in parsed.unmapped][:20],
        findings=sorted(kb.knowledge.findings, key=lambda f: f.clinician.lower()),
        setting=setting,
    )


@router.post("/note/assess")
async def assess_note(request: Request, web: WebDep) -> Response:
    check_origin(request)
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    kb = web.engine.knowledge
    findings, problems = note.corrected_case(fields, Case(), kb)
    try:
        case = Case(
            age=parse_age(fields.get("age", "")),
            sex=Sex(fields["sex"]) if fields.get("sex") else None,
            setting=Setting(fields.get("setting", "primary_care")),
            findings=findings,
        )
        assessment = web.engine.assess(case)
    except (InvalidCaseError, InvalidAnswerError, ValueError) as exc:
        return web.page("note.html", status=422, text="", error=message_of(exc))
    with web.write() as db:
        saved = save_result(db, assessment, source="note")
        audit(db, request, "assess", saved, 201)
    suffix = "&problems=" + quote("; ".join(problems)) if problems else ""
    return see(f"/a/{saved}?for=clinician{suffix}")
