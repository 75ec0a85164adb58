"""The pages. Each form posts, is saved, and redirects to a page that reads what was saved, so a
reload (or a server restart) shows the same thing and never answers twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from hipdx import DISCLAIMER, Asker, Setting, Sex
from hipdx.engine import Engine
from hipdx.exceptions import InvalidAnswerError, InvalidCaseError
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case
from hipdx.interview import InterviewSession, region_choices
from hipdx.report.pdf import html_to_pdf
from hipdx.report.sentences import percent
from hipdx.store import (
    StoredInterview,
    finish_interview,
    get_assessment,
    get_interview,
    record_event,
    save_assessment,
    save_interview,
    update_interview,
)
from hipdx.web import bodymap, note, views
from hipdx.web.access import (
    ACCESS_COOKIE,
    ACCESS_SECONDS,
    AccessDeniedError,
    access_token,
    check_access,
    code_matches,
    same_origin,
)

#: The cookie naming the visitor's interview in progress (offered again on the start page).
INTERVIEW_COOKIE = "hipdx_interview"
ID_PATTERN = r"^[0-9a-f]{32}$"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SETTINGS = {
    Setting.PRIMARY_CARE: ("a family doctor (GP) or physiotherapist", "primary care"),
    Setting.SPORTS: ("a sports or physiotherapy clinic", "sports clinic"),
    Setting.EMERGENCY: ("an emergency department", "emergency department"),
}


class Backend(Protocol):
    """What the page needs of the service it is mounted in: its engine and its database."""

    @property
    def engine(self) -> Engine: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    def transaction(self) -> AbstractContextManager[Session]:
        """A write transaction, committed at the end."""
        ...

    def check_database_file(self) -> None: ...


@dataclass
class Web:
    """What the pages share: the service's database and knowledge, who may use the page (the
    access code), one engine, the templates."""

    runtime: Backend
    access_code: SecretStr | None
    engine: Engine
    templates: Environment

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(disclaimer=DISCLAIMER, **context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    @contextmanager
    def write(self) -> Iterator[Session]:
        self.runtime.check_database_file()
        with self.runtime.transaction() as session:
            yield session


def get_web(request: Request) -> Web:
    web: Web = request.app.state.web
    check_access(request, web.access_code)
    return web


WebDep = Annotated[Web, Depends(get_web)]
router = APIRouter(include_in_schema=False)


def mount_web(app: FastAPI, runtime: Backend, *, access_code: SecretStr | None) -> None:
    """Add the pages, their static files and their access check to ``app``; with no access
    code the pages answer loopback clients only."""
    app.state.web = Web(runtime, access_code, runtime.engine, _templates())
    static = Path(str(files("hipdx.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(router)
    app.add_exception_handler(AccessDeniedError, _on_denied)


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("hipdx.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = percent
    env.globals["settings_words"] = SETTINGS
    return env


async def _on_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDeniedError)
    if exc.login:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    web: Web = request.app.state.web
    return web.page("denied.html", status=403, reason=exc.reason)


def _audit(
    session: Session, request: Request, action: str, resource: str | None, status: int = 200
) -> None:
    """The audit trail: what was done to which record, never what it says."""
    record_event(
        session,
        action=f"web_{action}",
        status=status,
        api_key_id=None,
        resource_id=resource,
        client=request.client.host if request.client else None,
    )


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _check_origin(request: Request) -> None:
    if not same_origin(request):
        raise AccessDeniedError(login=False, reason="the form was sent from another site")


# -- access -----------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    web: Web = request.app.state.web
    return web.page("login.html", next=_local(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, code: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    web: Web = request.app.state.web
    expected = web.access_code
    ok = expected is not None and code_matches(expected, code)
    with web.write() as session:
        _audit(session, request, "login", None, 200 if ok else 401)
    if not ok or expected is None:
        return web.page("login.html", status=401, next=_local(next), failed=True)
    response = _see(_local(next))
    response.set_cookie(
        ACCESS_COOKIE,
        access_token(expected),
        max_age=ACCESS_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _local(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


# -- start ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request, web: WebDep) -> HTMLResponse:
    current = request.cookies.get(INTERVIEW_COOKIE)
    with web.runtime.sessions() as session:
        stored = _interview(session, current) if current else None
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
    _check_origin(request)
    who = Asker.PATIENT if asker == "patient" else Asker.CLINICIAN
    if who is Asker.CLINICIAN and imaging:
        who = Asker.CLINICIAN_WITH_IMAGING
    try:
        session = web.engine.start_interview(asker=who, setting=Setting(setting))
        session.set_patient(age=_age(age), sex=Sex(sex) if sex else None)
    except (InvalidAnswerError, InvalidCaseError, ValueError) as exc:
        return web.page("start.html", status=422, resumable=None, error=_message(exc))
    with web.write() as db:
        stored = save_interview(
            db, state=session.to_json(), kb_version=web.engine.version, api_key_id=None
        )
        _audit(db, request, "start", stored.id, 201)
    response = _see(f"/i/{stored.id}/where")
    response.set_cookie(INTERVIEW_COOKIE, stored.id, httponly=True, samesite="strict")
    return response


def _age(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidAnswerError("the age is not a number", []) from None


def _message(exc: Exception) -> str:
    issues = getattr(exc, "issues", None) or []
    details = "; ".join(f"{i.message} ({i.fix})" if i.fix else i.message for i in issues)
    return f"{exc}" + (f": {details}" if details else "")


# -- the interview ----------------------------------------------------------------------------


def _interview(db: Session, interview_id: str, *, lock: bool = False) -> StoredInterview | None:
    if len(interview_id) != 32 or not all(c in "0123456789abcdef" for c in interview_id):
        return None
    return get_interview(db, interview_id=interview_id, for_update=lock)


def _not_found(web: Web, what: str) -> HTMLResponse:
    return web.page("missing.html", status=404, what=what)


@router.get("/i/{interview_id}/where", response_class=HTMLResponse)
def where_page(interview_id: str, web: WebDep) -> HTMLResponse:
    with web.runtime.sessions() as db:
        stored = _interview(db, interview_id)
    if stored is None:
        return _not_found(web, "interview")
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
    _check_origin(request)
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
        stored = _interview(db, interview_id, lock=True)
        if stored is None:
            return _not_found(web, "interview")
        session = web.engine.resume_interview(stored.state)
        try:
            change(session)
        except InvalidAnswerError:
            # a stale form (answered twice, or from an older page): show where it stands
            return _see(f"/i/{interview_id}")
        update_interview(
            db,
            interview_id=interview_id,
            question=action if action != "answer" else str(value[0]),
            value=None if action != "answer" else value[1],
            state=session.to_json(),
        )
        _audit(db, request, action, interview_id)
    return _see(f"/i/{interview_id}")


@router.get("/i/{interview_id}", response_class=HTMLResponse)
def question_page(request: Request, interview_id: str, web: WebDep) -> Response:
    with web.runtime.sessions() as db:
        stored = _interview(db, interview_id)
    if stored is None:
        return _not_found(web, "interview")
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
    _check_origin(request)
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
    _check_origin(request)
    with web.runtime.sessions() as db:
        stored = _interview(db, interview_id)
    if stored is not None and not stored.state.get("history"):
        return _see(f"/i/{interview_id}/where")
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
                return _see(f"/a/{earlier.id}?for={asker}")
        assessment = web.engine.assess(case)
        saved = _save(db, assessment, source="interview")
        finish_interview(db, interview_id=stored.id, assessment_id=saved)
        _audit(db, request, "finish", stored.id, 201)
    return _see(f"/a/{saved}?for={asker}")


def _save(db: Session, assessment: Assessment, *, source: str) -> str:
    stored = save_assessment(
        db,
        source=source,
        input=assessment.input.model_dump(mode="json"),
        document=assessment.document(),
        kb_version=assessment.metadata.kb_version,
        hipdx_version=assessment.metadata.hipdx_version,
        api_key_id=None,
    )
    return stored.id


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
    _check_origin(request)
    if not text.strip():
        return web.page("note.html", status=422, text=text, error="paste a note first")
    parsed = web.engine.parse(text, setting=Setting(setting))
    with web.write() as db:
        _audit(db, request, "read_note", None)
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
    _check_origin(request)
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    kb = web.engine.knowledge
    findings, problems = note.corrected_case(fields, Case(), kb)
    try:
        case = Case(
            age=_age(fields.get("age", "")),
            sex=Sex(fields["sex"]) if fields.get("sex") else None,
            setting=Setting(fields.get("setting", "primary_care")),
            findings=findings,
        )
        assessment = web.engine.assess(case)
    except (InvalidCaseError, InvalidAnswerError, ValueError) as exc:
        return web.page("note.html", status=422, text="", error=_message(exc))
    with web.write() as db:
        saved = _save(db, assessment, source="note")
        _audit(db, request, "assess", saved, 201)
    suffix = "&problems=" + quote("; ".join(problems)) if problems else ""
    return _see(f"/a/{saved}?for=clinician{suffix}")


# -- results and reports ----------------------------------------------------------------------


def _assessment(web: Web, request: Request, assessment_id: str, action: str) -> Assessment | None:
    if len(assessment_id) != 32 or not all(c in "0123456789abcdef" for c in assessment_id):
        return None
    with web.write() as db:
        stored = get_assessment(db, assessment_id=assessment_id)
        if stored is None:
            return None
        _audit(db, request, action, stored.id)
    return Assessment.model_validate(stored.document)


def _context(web: Web, assessment: Assessment, audience: str) -> dict[str, Any]:
    kb = web.engine.knowledge
    if audience == "patient":
        labels = {f.id: bodymap.label(f.id, lay=True, kb=kb) for f in region_choices(kb)}
        return {
            "plain": views.patient_result(assessment, kb),
            "answers": views.patient_answers(assessment, kb, labels),
        }
    return {"result": views.clinician_result(assessment, kb)}


@router.get("/a/{assessment_id}", response_class=HTMLResponse)
def result_page(
    request: Request, assessment_id: str, web: WebDep, problems: str = ""
) -> HTMLResponse:
    audience = "patient" if request.query_params.get("for") == "patient" else "clinician"
    assessment = _assessment(web, request, assessment_id, "result")
    if assessment is None:
        return _not_found(web, "result")
    return web.page(
        f"result_{audience}.html",
        id=assessment_id,
        audience=audience,
        problems=problems,
        **_context(web, assessment, audience),
    )


@router.get("/a/{assessment_id}/report.pdf")
def report(request: Request, assessment_id: str, web: WebDep) -> Response:
    audience = "patient" if request.query_params.get("for") == "patient" else "clinician"
    assessment = _assessment(web, request, assessment_id, "report")
    if assessment is None:
        return _not_found(web, "result")
    css = (Path(str(files("hipdx.web") / "static")) / "report.css").read_text()
    html = web.templates.get_template(f"report_{audience}.html").render(
        disclaimer=DISCLAIMER,
        css=css,
        assessment=assessment,
        **_context(web, assessment, audience),
    )
    name = f"hipdx-{audience}-report-{assessment_id[:8]}.pdf"
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
