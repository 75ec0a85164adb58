"""What the pages share, and how they are mounted in the service's application: the
backend (database and engine), the templates, the access check, the audit trail, redirects.

Each form posts, is saved, and redirects to a page that reads what was saved, so a reload (or
a server restart) shows the same thing and never answers twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from hipdx import DISCLAIMER, Setting
from hipdx.engine import Engine
from hipdx.exceptions import InvalidAnswerError
from hipdx.inference.assessment import Assessment
from hipdx.report.sentences import percent
from hipdx.store import (
    StoredInterview,
    get_interview,
    record_event,
    save_assessment,
)
from hipdx.web.access import (
    AccessDeniedError,
    check_access,
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


def mount_web(app: FastAPI, runtime: Backend, *, access_code: SecretStr | None) -> None:
    """Add the pages, their static files and their access check to ``app``; with no access
    code the pages answer loopback clients only."""
    app.state.web = Web(runtime, access_code, runtime.engine, templates())
    static = Path(str(files("hipdx.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    from hipdx.web import pages_interview, pages_note, pages_result, pages_start

    for pages in (pages_start, pages_interview, pages_note, pages_result):
        app.include_router(pages.router)
    app.add_exception_handler(AccessDeniedError, on_denied)


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("hipdx.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = percent
    env.globals["settings_words"] = SETTINGS
    return env


async def on_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDeniedError)
    if exc.login:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    web: Web = request.app.state.web
    return web.page("denied.html", status=403, reason=exc.reason)


def audit(
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


def see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def check_origin(request: Request) -> None:
    if not same_origin(request):
        raise AccessDeniedError(login=False, reason="the form was sent from another site")


def local_path(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


def parse_age(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidAnswerError("the age is not a number", []) from None


def message_of(exc: Exception) -> str:
    issues = getattr(exc, "issues", None) or []
    details = "; ".join(f"{i.message} ({i.fix})" if i.fix else i.message for i in issues)
    return f"{exc}" + (f": {details}" if details else "")


def find_interview(db: Session, interview_id: str, *, lock: bool = False) -> StoredInterview | None:
    if len(interview_id) != 32 or not all(c in "0123456789abcdef" for c in interview_id):
        return None
    return get_interview(db, interview_id=interview_id, for_update=lock)


def not_found(web: Web, what: str) -> HTMLResponse:
    return web.page("missing.html", status=404, what=what)


def save_result(db: Session, assessment: Assessment, *, source: str) -> str:
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
