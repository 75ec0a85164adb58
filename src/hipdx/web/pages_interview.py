"""The body map and the interview, one question at a time, saved answer by answer; an
interview that has stopped is assessed once and shown as its result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hipdx.exceptions import InvalidAnswerError
from hipdx.interview import InterviewSession
from hipdx.store import (
    StoredInterview,
    finish_interview,
    get_assessment,
    update_interview,
)
from hipdx.web import bodymap, views
from hipdx.web.app import (
    Web,
    WebDep,
    audit,
    check_origin,
    find_interview,
    not_found,
    save_result,
    see,
)

router = APIRouter(include_in_schema=False)


@router.get("/i/{interview_id}/where", response_class=HTMLResponse)
def where_page(interview_id: str, web: WebDep) -> HTMLResponse:
    with web.runtime.sessions() as db:
        stored = find_interview(db, interview_id)
    if stored is None:
        return not_found(web, "interview")
    session = web.engine.resume_interview(stored.state)
    lay = views.is_patient(session.asker)
    on_map, others = bodymap.places(web.engine.knowledge, lay=lay)
    before = _chosen_before(session, lay=lay, kb=web.engine.knowledge)
    return web.page(
        "where.html",
        interview=stored,
        lay=lay,
        views_=[(v, bodymap.shapes(v)) for v in bodymap.VIEWS],
        labels={p.key: p.label for p in on_map},
        on_map=on_map,
        others=others,
        before=before,
    )


def _chosen_before(session: InterviewSession, *, lay: bool, kb: Any) -> list[str]:
    """The regions chosen before (shown when the person comes back to the map)."""
    return [
        bodymap.label(r, lay=lay, kb=kb)
        for r, v in session.intake.items()
        if v and r != "pain_bilateral"
    ]


@router.post("/i/{interview_id}/where")
def choose_where(
    request: Request,
    interview_id: str,
    web: WebDep,
    spot: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_origin(request)
    return _change(
        request,
        web,
        interview_id,
        "regions",
        lambda s: _set_regions(s, spot or [], web.engine.knowledge),
    )


def _set_regions(session: InterviewSession, spots: list[str], kb: Any) -> None:
    regions, side = bodymap.chosen_regions(spots, kb)
    session.set_regions(regions or None, side)  # type: ignore[arg-type]


def _change(
    request: Request,
    web: Web,
    interview_id: str,
    action: str,
    change: Callable[[InterviewSession], object],
    value: Any = None,
) -> Response:
    with web.write() as db:
        stored = find_interview(db, interview_id, lock=True)
        if stored is None:
            return not_found(web, "interview")
        session = web.engine.resume_interview(stored.state)
        try:
            change(session)
        except InvalidAnswerError:
            # a stale form (answered twice, or from an older page): show where it stands
            return see(f"/i/{interview_id}")
        update_interview(
            db,
            interview_id=interview_id,
            question=action if action != "answer" else str(value[0]),
            value=None if action != "answer" else value[1],
            state=session.to_json(),
        )
        audit(db, request, action, interview_id)
    return see(f"/i/{interview_id}")


@router.get("/i/{interview_id}", response_class=HTMLResponse)
def question_page(request: Request, interview_id: str, web: WebDep) -> Response:
    with web.runtime.sessions() as db:
        stored = find_interview(db, interview_id)
    if stored is None:
        return not_found(web, "interview")
    session = web.engine.resume_interview(stored.state)
    if session.ended:
        return _finish(request, web, stored, session)
    document = session.document()
    lay = views.is_patient(session.asker)
    why = document["question"]["why"]
    return web.page(
        "question.html",
        interview=stored,
        doc=document,
        lay=lay,
        why=views.why_for_patient(why) if lay else None,
        why_lines=None if lay else views.why_for_clinician(why, web.engine.knowledge),
        emergency=[f for f in document["red_flags"] if f["level"] in ("emergency", "urgent")],
        level_words=views.CLINICIAN_LEVEL,
        history=len(session.history),
    )


@router.post("/i/{interview_id}/answer")
def answer(
    request: Request,
    interview_id: str,
    web: WebDep,
    question: Annotated[str, Form()],
    answer: Annotated[str, Form()],
) -> Response:
    check_origin(request)
    value: bool | str | None = {"yes": True, "no": False, "unknown": None}.get(answer, answer)
    return _change(
        request,
        web,
        interview_id,
        "answer",
        lambda s: s.answer(question, value),
        value=(question, value),
    )


@router.post("/i/{interview_id}/back")
def back(request: Request, interview_id: str, web: WebDep) -> Response:
    check_origin(request)
    with web.runtime.sessions() as db:
        stored = find_interview(db, interview_id)
    if stored is not None and not stored.state.get("history"):
        return see(f"/i/{interview_id}/where")
    return _change(request, web, interview_id, "back", lambda s: s.back())


def _finish(
    request: Request, web: Web, stored: StoredInterview, session: InterviewSession
) -> Response:
    """The interview has ended: assess what it learnt (once for the same answers) and show
    the result."""
    case = session.case()
    asker = "patient" if views.is_patient(session.asker) else "clinician"
    with web.write() as db:
        if stored.assessment_id is not None:
            earlier = get_assessment(db, assessment_id=stored.assessment_id)
            if earlier is not None and earlier.input == case.model_dump(mode="json"):
                return see(f"/a/{earlier.id}?for={asker}")
        assessment = web.engine.assess(case)
        saved = save_result(db, assessment, source="interview")
        finish_interview(db, interview_id=stored.id, assessment_id=saved)
        audit(db, request, "finish", stored.id, 201)
    return see(f"/a/{saved}?for={asker}")
