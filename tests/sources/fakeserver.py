"""A local HTTP server that plays every provider from ``tests/fixtures`` with per-provider fault injection.

Provider ``p`` lives under ``http://127.0.0.1:<port>/<p>``; point the real connectors at it with
``FakeVenues.config()``. Requests are routed with the endpoint declarations of ``sources.registry``: path plus the
literal (non-template) query parameters or JSON body fields. Faults (``FakeVenues.faults[provider] = name``):

- ``timeout``: sleep ``sleep_s`` before answering; ``429``: HTTP 429 with ``Retry-After``; ``500``, ``451``,
  ``403``: that status;
- ``truncated``: the first half of the body; ``renamed``: every JSON object key renamed (CSV: value column);
- ``null`` / ``empty`` / ``nan``: every scalar value in the JSON replaced by ``null`` / ``""`` / ``"NaN"``
  (CSV: every value cell).

Keyed providers (Coinglass, CryptoQuant) are served too: ``required_keys[provider] = (header, value)`` makes the
server answer 401 (echoing the presented header value, as careless APIs do) unless the request carries it.
History endpoints (``HISTORY_ENDPOINTS`` of the venues) and the instrument lists (``INSTRUMENT_ENDPOINTS``) are
routed as well; ``handlers[(provider, dataset)]``
generates a body from the query arguments (paging tests) instead of the fixture file, or ``(status, body)`` to
answer one request with an error (per-account faults in the positions poller tests).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from derivintel.sources import registry
from derivintel.sources.config import SourceConfig
from derivintel.sources.declarations import Endpoint, literal_items
from derivintel.sources.history_fetch import HISTORY_ENDPOINTS
from derivintel.sources.hyperliquid.positions import POSITION_ENDPOINTS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAULTS = ("timeout", "429", "500", "451", "403", "truncated", "renamed", "null", "empty", "nan")
# A generated answer: the body, or (status, body) to fail one request.
AnswerFn = Callable[[Mapping[str, Any]], bytes | tuple[int, bytes]]
_SCALAR_FAULTS = {"null": None, "empty": "", "nan": "NaN"}


def _declared_keys(ep: Endpoint) -> list[str]:
    """Request keys an endpoint declares (query parameters, or the flattened JSON body fields)."""
    template = ep.body if ep.method == "POST" else ep.params
    out: list[str] = []
    for key, value in (template or {}).items():
        out += [f"{key}.{sub}" for sub in value] if isinstance(value, Mapping) else [key]
    return out


def fixture_path(ep: Endpoint) -> Path:
    return FIXTURES / registry.FIXTURE_DIR[ep.provider] / ep.fixture_name


def _mangle(obj: Any, fault: str) -> Any:
    if isinstance(obj, dict):
        if fault == "renamed":
            return {f"{k}_renamed": _mangle(v, fault) for k, v in obj.items()}
        return {k: _mangle(v, fault) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mangle(v, fault) for v in obj]
    if fault in _SCALAR_FAULTS and not isinstance(obj, bool):
        return _SCALAR_FAULTS[fault]
    return obj


def apply_fault(body: bytes, fault: str, *, csv: bool) -> bytes:
    """The body as served under ``fault`` (content faults only)."""
    if fault == "truncated":
        return body[: len(body) // 2]
    if csv:
        lines = body.decode().splitlines()
        header, rows = lines[0], lines[1:]
        if fault == "renamed":
            return (header.split(",")[0] + ",RENAMED\n" + "\n".join(rows) + "\n").encode()
        value = {"null": "", "empty": "", "nan": "NaN"}[fault]
        return (header + "\n" + "\n".join(f"{r.split(',')[0]},{value}" for r in rows) + "\n").encode()
    return json.dumps(_mangle(json.loads(body), fault)).encode()


@dataclass
class FakeVenues:
    """Threaded fake of every provider. Use as a context manager; ``faults`` and ``sleep_s`` may change live."""

    faults: dict[str, str] = field(default_factory=dict)
    sleep_s: float = 1.0
    latency_s: float = 0.0  # added to every answer (benchmarks: a realistic round trip)
    retry_after: str = "7"
    hits: list[tuple[str, str]] = field(default_factory=list)
    overrides: dict[tuple[str, str], bytes] = field(default_factory=dict)
    required_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    handlers: dict[tuple[str, str], AnswerFn] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    seen_headers: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Bybit's instrument list shares its path with the per-symbol instruments-info (told apart by the parameter
        # names sent, ``route``). Binance's instrument list and the snapshot's ``exchangeInfo`` are one request: the
        # snapshot's fixture (perps and quarterlies) answers both.
        self._routes = [
            (ep, literal_items(ep.params if ep.method == "GET" else ep.body))
            for ep in (*registry.ENDPOINTS, *registry.INSTRUMENT_ENDPOINTS)
        ]
        self._routes += [
            (ep, literal_items(ep.params))
            for ep in (*registry.KEYED_ENDPOINTS, *HISTORY_ENDPOINTS, *registry.BULK_ENDPOINTS)
        ]
        self._routes += [
            (ep, literal_items(ep.body if ep.method == "POST" else ep.params)) for ep in registry.SCAN_ENDPOINTS
        ]
        self._routes += [(ep, literal_items(ep.body)) for ep in POSITION_ENDPOINTS]
        self._server: ThreadingHTTPServer | None = None

    # -- routing -------------------------------------------------------------------------------------------
    @staticmethod
    def _path_matches(template: str, path: str) -> bool:
        """``path`` is ``template`` with each ``{name}`` segment filled (``/contracts/{symbol}``)."""
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
        return re.fullmatch(pattern, path) is not None

    def route(self, provider: str, method: str, path: str, args: Mapping[str, Any]) -> Endpoint | None:
        """The endpoint of a request: same path (templates filled), literal parameters equal, and every templated
        GET parameter present (a per-symbol endpoint is not the bulk one on the same path). Among several: the one
        declaring exactly the parameter names sent (``/premiumIndex`` with and without ``symbol`` are two datasets),
        else the most specific (most literals: ``currency=USDC&kind=option`` is not taken by ``currency={coin}``)."""
        matches = []
        for ep, literal in self._routes:
            same_path = ep.provider == provider and ep.method == method and self._path_matches(ep.path, path)
            templated = [k for k, v in ep.params.items() if isinstance(v, str) and "{" in v] if method == "GET" else []
            if (
                same_path
                and all(str(args.get(k)) == str(v) for k, v in literal.items())
                and all(k in args for k in templated)
            ):
                matches.append((len(literal), ep))
        if method == "GET":
            exact = [m for m in matches if set(m[1].params) == set(args)]
            if exact:
                matches = exact
        return max(matches, key=lambda m: m[0])[1] if matches else None
        self._routes += [
            (ep, literal_items(ep.body if ep.method == "POST" else ep.params)) for ep in registry.SCAN_ENDPOINTS
        ]

    def config(self, **overrides: Any) -> SourceConfig:
        """A ``SourceConfig`` aiming every provider at this server, with short timeouts and backoff."""
        settings: dict[str, Any] = {
            "base_urls": {name: f"{self.url}/{name}" for name in registry.ALL_PROVIDERS},
            "timeout_s": 2.0,  # generous: a loaded CI machine must not time out healthy answers
            "max_retries": 1,
            "backoff_base_s": 0.01,
            "backoff_max_s": 0.02,
            "retry_after_cap_s": 0.01,
            "rate_limit_scale": 1000.0,
        }
        settings.update(overrides)
        return SourceConfig(**settings)

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- lifecycle -----------------------------------------------------------------------------------------
    def __enter__(self) -> FakeVenues:
        venues = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _answer(self, status: int, body: bytes, headers: Mapping[str, str] = {}) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                provider, _, rest = parts.path.lstrip("/").partition("/")
                path = "/" + rest
                if method == "POST":
                    length = int(self.headers.get("Content-Length", "0"))
                    raw = self.rfile.read(length)
                    try:
                        body = json.loads(raw or b"{}")
                    except json.JSONDecodeError:
                        body = {}
                    args = {}
                    for k, v in body.items():
                        if isinstance(v, dict):
                            args.update({f"{k}.{sub}": inner for sub, inner in v.items()})
                        else:
                            args[k] = v
                else:
                    args = dict(parse_qsl(parts.query))
                ep = venues.route(provider, method, path, args)
                if ep is None:
                    self._answer(404, b'{"error":"no fixture route"}')
                    return
                venues.hits.append((provider, ep.dataset))
                venues.requests.append((provider, ep.dataset, dict(args)))
                venues.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
                required = venues.required_keys.get(provider)
                if required is not None and self.headers.get(required[0]) != required[1]:
                    shown = json.dumps({"code": "401", "msg": f"invalid key: {self.headers.get(required[0])}"})
                    self._answer(401, shown.encode(), {"X-Echo-Key": str(self.headers.get(required[0]))})
                    return
                if venues.latency_s:
                    time.sleep(venues.latency_s)
                fault = venues.faults.get(provider)
                if fault == "timeout":
                    time.sleep(venues.sleep_s)
                elif fault in ("429", "500", "451", "403"):
                    headers = {"Retry-After": venues.retry_after} if fault == "429" else {}
                    self._answer(int(fault), b'{"error":"injected"}', headers)
                    return
                handler = venues.handlers.get((provider, ep.dataset))
                if handler is not None:
                    data = handler(args)
                    if isinstance(data, tuple):  # (status, body): per-request faults (one account's 429)
                        status, data = data
                        if status != 200:
                            self._answer(status, data, {"Retry-After": venues.retry_after} if status == 429 else {})
                            return
                else:
                    data = venues.overrides.get((provider, ep.dataset)) or fixture_path(ep).read_bytes()
                if fault in ("truncated", "renamed", "null", "empty", "nan"):
                    data = apply_fault(data, fault, csv=ep.fixture_name.endswith(".csv"))
                self._answer(200, data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog of 5 drops bursts of concurrent connects
            daemon_threads = True

        server = Server(("127.0.0.1", 0), Handler)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
