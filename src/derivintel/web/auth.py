"""Access control for the dashboard: loopback binds may run open; anything wider needs a bearer token."""

from __future__ import annotations

import ipaddress
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

from derivintel.core.errors import UserInputError

TOKEN_ENV = "DERIVINTEL_TOKEN"
TOKEN_QUERY = "token"
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for ``127.0.0.0/8``, ``::1`` and ``localhost``; False for ``0.0.0.0``, ``::`` and real interfaces."""
    name = host.strip().strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse (``UserInputError``) to serve beyond loopback without a token, or with a weak one."""
    if token is not None and len(token) < 16:
        raise UserInputError(
            "the dashboard token must be at least 16 characters (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(24))')"
        )
    if not is_loopback(host) and not token:
        raise UserInputError(
            f"refusing to bind {host}: serving beyond loopback needs a token (--token or ${TOKEN_ENV}); "
            "every request must then carry 'Authorization: Bearer <token>' or '?token=<token>'"
        )


def request_token(scope: Scope) -> str | None:
    """The token a request carries: ``Authorization: Bearer …`` first, else the ``token`` query parameter."""
    from urllib.parse import parse_qs

    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                return credential.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get(TOKEN_QUERY)
    return values[-1] if values else None


class TokenAuthMiddleware:
    """ASGI middleware: every HTTP request must carry ``token``, else 401 (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = request_token(scope)
        if given is not None and secrets.compare_digest(given.encode(), self._token):
            await self.app(scope, receive, send)
            return
        body, content_type = _unauthorised_body(scope)
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="derivintel"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_UNAUTHORISED_PAGE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>401 \xc2\xb7 derivintel</title></head>'
    b"<body><main><h1>401 not authorised</h1><p>missing or invalid token: open the dashboard as "
    b"<code>/?token=&lt;token&gt;</code> or send <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
    b"</main></body></html>"
)


def _unauthorised_body(scope: Scope) -> tuple[bytes, bytes]:
    """JSON for the API and scripts; an HTML page for a browser asking for a page (``Accept: text/html``)."""
    path = str(scope.get("path", ""))
    accept = next((v for k, v in scope.get("headers", ()) if k == b"accept"), b"")
    if b"text/html" in accept and not path.startswith("/api/") and path not in ("/health", "/openapi.json"):
        return _UNAUTHORISED_PAGE, b"text/html; charset=utf-8"
    return b'{"detail":"missing or invalid token"}', b"application/json"
