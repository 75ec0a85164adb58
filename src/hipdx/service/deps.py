"""Dependencies of the routes, as ``Annotated`` aliases: the runtime, the caller (an API key,
checked and rate-limited), a database session, the engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hipdx.engine import Engine
from hipdx.service.problems import ProblemError
from hipdx.service.runtime import Runtime
from hipdx.store import ApiKey

logger = logging.getLogger("hipdx.service")
_bearer = HTTPBearer(auto_error=False, description="An API key from `hipdx keys create`.")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_engine(runtime: RuntimeDep) -> Engine:
    return runtime.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: their key and network address (for the audit log)."""

    key: ApiKey
    client: str | None


def get_caller(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller's key, or 401; 429 when the key has used up its rate."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    key = runtime.key_for(credentials.credentials)
    if key is None:
        raise _unauthorized("the API key is not known or has been revoked")
    caller = Caller(key=key, client=request.client.host if request.client else None)
    request.state.caller = caller
    allowed, retry_after = runtime.allow(key)
    if not allowed:
        error = ProblemError(
            429,
            "Too many requests",
            f"this API key may make {runtime.settings.rate_limit} requests; "
            f"try again in {retry_after} s",
        )
        error.headers["Retry-After"] = str(retry_after)
        raise error
    return caller


def _unauthorized(detail: str) -> ProblemError:
    error = ProblemError(401, "Not authenticated", detail)
    error.headers["WWW-Authenticate"] = "Bearer"
    return error


CallerDep = Annotated[Caller, Depends(get_caller)]
