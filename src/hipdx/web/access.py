"""Who may use the web page.

On the default install the server listens on loopback and the page answers this computer only:
no code, no key. Served anywhere else, an access code (``HIPDX_WEB_ACCESS_CODE``) is required
(`hipdx serve` refuses to start without one) and asked of everyone; the browser then holds a
cookie made from the code, never the code itself and never an API key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from fastapi import Request
from pydantic import SecretStr

#: The cookie that says the access code was given.
ACCESS_COOKIE = "hipdx_access"
#: How long it lasts (seconds): a working day.
ACCESS_SECONDS = 12 * 3600


class AccessDeniedError(Exception):
    """The request may not use the page (``login`` says whether a code would let it in)."""

    def __init__(self, *, login: bool, reason: str) -> None:
        super().__init__(reason)
        self.login = login
        self.reason = reason


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this computer only."""
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access_token(code: SecretStr) -> str:
    """The cookie value for ``code``: a keyed hash, so the cookie does not reveal the code and
    changing the code signs everybody out."""
    secret = code.get_secret_value().encode()
    return hmac.new(secret, b"hipdx-web-access-v1", hashlib.sha256).hexdigest()


def code_matches(code: SecretStr, given: str) -> bool:
    return hmac.compare_digest(code.get_secret_value().encode(), given.encode())


def check_access(request: Request, code: SecretStr | None) -> None:
    """Raise `AccessDeniedError` unless the request may use the page."""
    if code is None:
        client = request.client.host if request.client else ""
        if not is_loopback(client):
            raise AccessDeniedError(
                login=False,
                reason="this page answers only the computer it runs on; to serve it to others, "
                "set an access code (HIPDX_WEB_ACCESS_CODE)",
            )
        return
    given = request.cookies.get(ACCESS_COOKIE, "")
    if not hmac.compare_digest(given.encode(), access_token(code).encode()):
        raise AccessDeniedError(login=True, reason="the access code is needed")


def same_origin(request: Request) -> bool:
    """A form post must come from this site's own pages (a cross-site form is refused)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")
