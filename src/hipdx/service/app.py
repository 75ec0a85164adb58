"""The FastAPI application: one runtime (database, knowledge base, limiter) per process."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hipdx import __version__
from hipdx.engine import Engine, default_engine
from hipdx.exceptions import InvalidAnswerError, InvalidCaseError
from hipdx.service.audit import audit_refusal
from hipdx.service.body_limit import BodySizeLimit
from hipdx.service.problems import Problem, ProblemError, problem_response, validation_issues
from hipdx.service.routes import assessments, health, interviews, parse
from hipdx.service.routes import knowledge as knowledge_routes
from hipdx.service.runtime import Runtime
from hipdx.service.settings import ServiceSettings
from hipdx.store import StoreUnavailableError

logger = logging.getLogger("hipdx.service")

DESCRIPTION = (
    "Differential diagnosis and triage for hip, groin, buttock and low-back pain. "
    "Decision support, not a diagnosis. Every route but /health needs an API key "
    "(`Authorization: Bearer …`, made with `hipdx keys create`)."
)


def create_app(settings: ServiceSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application over ``engine`` (the default engine unless given); the database must be
    at the schema head (else SchemaMismatchError)."""
    settings = settings or ServiceSettings()
    runtime = Runtime.start(settings, engine or default_engine())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Build the note reader (seconds) while the first requests are served, not inside the
        # first note's request; a note that arrives earlier waits for it under the engine's lock.
        threading.Thread(
            target=lambda: runtime.engine.parser, name="hipdx-reader", daemon=True
        ).start()
        yield
        runtime.close()

    app = FastAPI(
        title="hipdx",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    for module in (assessments, parse, interviews, knowledge_routes, health):
        app.include_router(module.router)
    if settings.web:
        from hipdx.web import mount_web

        mount_web(app, runtime, access_code=settings.web_access_code)
    _add_problem_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    _document_problem_schema(app)
    return app


def app_from_environment() -> FastAPI:
    """The app configured by ``HIPDX_*`` variables (for ``uvicorn --factory``)."""
    return create_app(ServiceSettings())


def _add_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        if exc.problem.status != 401:
            audit_refusal(request, exc.problem.status)
        return problem_response(exc.problem, request, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        issues = validation_issues(exc)
        detail = "the request is not valid: " + "; ".join(f"{i.where}: {i.message}" for i in issues)
        problem = Problem(title="Invalid request", status=422, detail=detail, issues=issues)
        _audit_if_known(request, 422)
        return problem_response(problem, request)

    async def on_invalid_case(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InvalidCaseError | InvalidAnswerError)
        summary = str(exc).splitlines()[0]
        problem = Problem(
            title=summary[:1].upper() + summary[1:],
            status=422,
            detail=f"{summary}: " + "; ".join(f"{i.where}: {i.message}" for i in exc.issues),
            issues=exc.issues,
        )
        _audit_if_known(request, 422)
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title, detail = _HTTP_PROBLEMS.get(exc.status_code, ("Error", str(exc.detail)))
        problem = Problem(title=title, status=exc.status_code, detail=detail or str(exc.detail))
        return problem_response(problem, request, dict(exc.headers or {}))

    async def on_database(request: Request, exc: Exception) -> JSONResponse:
        reason = database_reason(exc)
        logger.error("database unavailable in %s: %s", _route_name(request), reason)
        problem = Problem(
            title="Database unavailable",
            status=503,
            detail=f"the database cannot be used ({reason}); nothing was saved",
        )
        return problem_response(problem, request, {"Retry-After": "5"})

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The exception's text may quote the input: log its type only.
        logger.error("unexpected %s in %s", type(exc).__name__, _route_name(request))
        problem = Problem(title="Internal error", status=500, detail="an unexpected error")
        return problem_response(problem, request)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(InvalidCaseError, on_invalid_case)
    app.add_exception_handler(InvalidAnswerError, on_invalid_case)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OperationalError, on_database)
    app.add_exception_handler(StoreUnavailableError, on_database)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(Exception, on_unexpected)


#: Titles (and details, where Starlette's are not clear) of the errors the framework raises.
_HTTP_PROBLEMS = {
    400: ("Bad request", "the request body cannot be read: send UTF-8 JSON"),
    404: ("Not found", ""),
    405: ("Method not allowed", ""),
}


def database_reason(exc: Exception) -> str:
    """What the driver said, first line only: never the SQL or its parameters (they hold the
    case)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return (lines[0] if lines else type(original).__name__)[:200]


def _audit_if_known(request: Request, status: int) -> None:
    if getattr(request.state, "caller", None) is not None:
        audit_refusal(request, status)


def _route_name(request: Request) -> str:
    return getattr(request.scope.get("route"), "name", None) or request.url.path


def _document_problem_schema(app: FastAPI) -> None:
    """Put ``Problem`` in the OpenAPI components (the routes refer to it) and drop FastAPI's
    default 422 body, which this API never sends."""
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for model, definition in components["Problem"].pop("$defs", {}).items():
            components.setdefault(model, definition)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
