"""Framework for provider emulators: small HTTP servers that behave like a provider's API.

Every emulator is an `EmulatorServer` subclass. The base class gives it:

- an HTTP/1.1 server (`ThreadingHTTPServer`, keep-alive) on 127.0.0.1 only; port 0 picks a free port.
  `start()` serves from a background thread and returns the base URL, `stop()` ends it and closes open
  keep-alive connections; the server is also a context manager. Pass an `ssl.SSLContext` for HTTPS.
- routing: `add_route(method, pattern, handler, faultable=..., rate_limiter=...)`. Patterns may hold
  `{name}` segments (`/api/v1/admin/accounts/{accountId}/reportsStreaming`); their values arrive in
  `Request.path_params`. A handler takes a `Request` and returns a `Response` (`Response.json(...)`,
  `Response.text(...)`).
- a `VirtualClock` (`self.clock`): real time plus an offset tests can set; its `time_scale` divides every
  rate-limit window and token lifetime. Emulators read time only from it.
- rate limits: `self.new_rate_limiter(limit, interval_seconds)` returns a moving-window limiter on that
  clock; attach it to routes and the base answers over-quota requests with `rate_limited_response()`.
- fault injection (`self.faults`, see `faults.py` for the kinds): only routes registered with
  `faultable=True` consult it, in random mode (`fault_rate`, `fault_kinds`, `fault_seed`) or from a
  deterministic queue. Network-level faults (reset, truncated body, slow answer, HTML 502) are generic;
  the emulator supplies what a provider-specific fault looks like (`expired_token_response`,
  `rate_limited_response`, `server_error_response`).
- a traffic log with per-path counters, shown by `stats()` and `request_log()`.
- control endpoints under `/__control/` (never faulted, never rate limited, not counted):

  ====== ======================= ===================================================================
  GET    /__control/ground_truth every record exactly as the API would return it, in a stable order
  GET    /__control/stats        requests per path, responses per status, faults injected, 429s
  GET    /__control/requests     the request log (``?path=`` to filter)
  GET    /__control/clock        the virtual clock
  POST   /__control/clock        ``{"now": ISO8601}``, ``{"advance_seconds": N}``, ``{"time_scale": x}``
  GET    /__control/faults       the fault settings
  POST   /__control/faults       ``{"queue": [kinds], "path": optional}``, ``{"rate": r, "kinds": [...],
                                 "seed": s, "paths": [...]}``, ``{"slow_seconds": s}``, ``{"clear": true}``
  POST   /__control/reset        clear stats, request log, faults and rate-limit windows
  ====== ======================= ===================================================================

  The Python API has the same powers: `ground_truth()`, `stats()`, `request_log()`, `inject()`,
  `set_random_faults()`, `clear_faults()`, `reset()`, `clock.set()`, `clock.advance()`.
- a command line: `add_arguments()` declares the common flags and `options_from_arguments()` turns
  them into constructor options; a subclass extends both with its own flags. `python -m
  integration_tests.emulators <name> --port 0` runs any emulator listed in `emulators/__init__.py`.

Writing a new emulator:

1. Subclass `EmulatorServer`, set `name`, accept your options as keyword arguments plus `**common`
   (forwarded to `super().__init__`), build the seeded data set, register routes with `add_route` and
   any extra control routes with `add_control_route`.
2. Implement `ground_truth()` and `expired_token_response()`; override `rate_limited_response()`,
   `server_error_response()` or `not_found_response()` where the provider answers differently (for
   example an HTTP 200 body that says "Max Limit Exceeded"); extend `reset()` (calling `super().reset()`)
   if it must also forget emulator state.
3. Extend `add_arguments` / `options_from_arguments`, add the class to `EMULATORS`, and a fixture in
   `integration_tests/conftest.py`.
"""

from __future__ import annotations

import abc
import argparse
import json
import math
import re
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, NamedTuple, Protocol, TextIO
from urllib.parse import parse_qs, urlsplit

from .clock import VirtualClock
from .faults import DEFAULT_RANDOM_FAULT_KINDS, FaultInjector, validated_kinds
from .rate_limit import MovingWindowRateLimiter

LOOPBACK = "127.0.0.1"
CONTROL_PREFIX = "/__control"

BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class RequestBodyError(ValueError):
    """A request body the endpoint cannot use (not JSON, not an object...)."""


# --------------------------------------------------------------------------------------------- requests


@dataclass
class Request:
    """One HTTP request as an emulator handler sees it."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None when absent."""
        values = self.query.get(name)
        return values[0] if values else None

    def list_param(self, name: str) -> list[str]:
        """Every value of a list parameter in the forms PHP back ends accept: `name=a,b`,
        `name[]=a&name[]=b` and `name[0]=a`. Values are split on commas and stripped; empty ones dropped."""
        indexed = re.compile(rf"{re.escape(name)}\[\d*\]")
        values: list[str] = []
        for key, raw_values in self.query.items():
            if key == name or indexed.fullmatch(key):
                for raw in raw_values:
                    values.extend(part.strip() for part in raw.split(","))
        return [value for value in values if value]

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def bearer_token(self) -> str | None:
        """The token of an `Authorization: Bearer <token>` header, or None."""
        scheme, _, token = (self.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def json(self) -> Any:
        """The body parsed as JSON; RequestBodyError if it is empty or not JSON."""
        if not self.body.strip():
            raise RequestBodyError("the request body is empty; a JSON body is required")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RequestBodyError(f"the request body is not valid JSON: {error}") from error

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body counts as `{}`."""
        if not self.body.strip():
            return {}
        payload = self.json()
        if not isinstance(payload, dict):
            raise RequestBodyError("the request body must be a JSON object")
        return payload

    def form(self) -> dict[str, list[str]]:
        """The body parsed as `application/x-www-form-urlencoded`."""
        return parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)


# -------------------------------------------------------------------------------------------- responses


class Channel(Protocol):
    """What a reply writes to: the live HTTP exchange (a `BaseHTTPRequestHandler`)."""

    command: str
    connection: socket.socket
    close_connection: bool
    rfile: Any
    wfile: Any

    def send_response(self, code: int, message: str | None = None) -> None: ...
    def send_header(self, keyword: str, value: str) -> None: ...
    def end_headers(self) -> None: ...


class Reply(Protocol):
    """Anything a request can be answered with: a response, a truncated response, a reset."""

    @property
    def status(self) -> int | None: ...

    def deliver(self, channel: Channel) -> None: ...


def retry_after_header(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


@dataclass
class Response:
    """A complete HTTP response."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return cls(status, body, "application/json", dict(headers or {}))

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Response:
        return cls(status, text.encode("utf-8"), content_type, dict(headers or {}))

    @classmethod
    def html(cls, page: str, status: int) -> Response:
        return cls.text(page, status, "text/html; charset=utf-8")

    def deliver(self, channel: Channel) -> None:
        self.send_head(channel)
        if channel.command != "HEAD":
            channel.wfile.write(self.body)

    def send_head(self, channel: Channel) -> None:
        """Status line and headers, with the full Content-Length."""
        channel.send_response(self.status)
        channel.send_header("Content-Type", self.content_type)
        channel.send_header("Content-Length", str(len(self.body)))
        for name, value in self.headers.items():
            channel.send_header(name, value)
        channel.end_headers()


@dataclass
class TruncatedResponse:
    """A response whose headers promise the whole body but whose connection closes halfway through it."""

    response: Response

    @property
    def status(self) -> int:
        return self.response.status

    def deliver(self, channel: Channel) -> None:
        self.response.send_head(channel)
        body = self.response.body
        channel.wfile.write(body[: len(body) // 2])
        channel.wfile.flush()
        channel.close_connection = True


class ConnectionReset:
    """No response at all: the TCP connection is reset (SO_LINGER 0, then close sends RST)."""

    status = None

    def deliver(self, channel: Channel) -> None:
        channel.close_connection = True
        sock = channel.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            return
        # The socket only really closes once the handler's read stream lets go of it.
        channel.rfile.close()
        sock.close()


# ----------------------------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern, handler and how the base treats it."""

    method: str
    pattern: str
    handler: Callable[[Request], Reply]
    faultable: bool = False
    rate_limiter: MovingWindowRateLimiter | None = None
    control: bool = False

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters if `path` fits the pattern, else None."""
        found = _compiled_pattern(self.pattern).fullmatch(path)
        return found.groupdict() if found else None


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled_pattern(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERN_CACHE.get(pattern)
    if compiled is None:
        parts = re.split(r"\{(\w+)\}", pattern)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts)
        )
        compiled = _PATTERN_CACHE.setdefault(pattern, re.compile(regex))
    return compiled


class Router:
    """The routes of one emulator, matched in registration order."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, route: Route) -> None:
        self._routes.append(route)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            params = route.match(path)
            if params is not None and route.method == method:
                return route, params
        return None

    def methods_for(self, path: str) -> list[str]:
        """The methods some route accepts for `path` (empty when no route has that path)."""
        return sorted({route.method for route in self._routes if route.match(path) is not None})


# ------------------------------------------------------------------------------------------------ traffic


@dataclass(frozen=True)
class LoggedRequest:
    """One answered (non-control) request, as the request log keeps it."""

    at: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int | None
    fault: str | None
    rate_limited: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "status": self.status,
            "fault": self.fault,
            "rate_limited": self.rate_limited,
        }


class TrafficLog:
    """Counters per path and status, and the most recent requests (bounded), for stats and assertions."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=capacity)
        self._per_path: Counter[str] = Counter()
        self._per_status: Counter[str] = Counter()
        self._rate_limited = 0

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)
            self._per_path[entry.path] += 1
            self._per_status["reset" if entry.status is None else str(entry.status)] += 1
            self._rate_limited += int(entry.rate_limited)

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": sum(self._per_path.values()),
                "requests": dict(self._per_path),
                "responses": dict(self._per_status),
                "rate_limited": self._rate_limited,
            }

    def entries(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [entry.as_dict() for entry in self._entries if path is None or entry.path == path]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._per_path.clear()
            self._per_status.clear()
            self._rate_limited = 0


# ------------------------------------------------------------------------------------------ HTTP plumbing


class _ExchangeHandler(BaseHTTPRequestHandler):
    """Reads one request, lets the emulator answer it, delivers the reply."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients wait ~40 ms for each.
    disable_nagle_algorithm = True
    server: _EmulatorHTTPServer

    def do_GET(self) -> None:
        request = self._read_request()
        self.server.emulator.handle(request).deliver(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the emulator keeps its own request log."""

    def _read_request(self) -> Request:
        target = urlsplit(self.path)
        return Request(
            method=self.command,
            path=target.path,
            raw_query=target.query,
            query=parse_qs(target.query, keep_blank_values=True),
            headers=self.headers,
            body=self._read_body(),
        )

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    continue
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()


class _EmulatorHTTPServer(ThreadingHTTPServer):
    """The listening socket of one emulator, optionally with TLS; tracks live connections for stop()."""

    daemon_threads = True

    def __init__(self, emulator: EmulatorServer, port: int, ssl_context: ssl.SSLContext | None) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _ExchangeHandler)
        if ssl_context is not None:
            # The handshake happens in the connection's own thread (finish_request), not in accept().
            self.socket = ssl_context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve a host name (getfqdn); on loopback we know it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = LOOPBACK, self.server_address[1]

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._live_lock:
            self._live.add(request)
        try:
            if self.ssl_context is not None and not self._handshake(request):
                return
            super().finish_request(request, client_address)
        finally:
            with self._live_lock:
                self._live.discard(request)

    def close_live_connections(self) -> None:
        with self._live_lock:
            live = list(self._live)
        for connection in live:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-exchange (the injected faults provoke exactly that) are not emulator bugs.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    @staticmethod
    def _handshake(connection: ssl.SSLSocket) -> bool:
        try:
            connection.do_handshake()
        except (ssl.SSLError, OSError):
            return False
        return True


def server_ssl_context(certificate_file: str, key_file: str | None = None) -> ssl.SSLContext:
    """A server-side TLS context from PEM files (key inside the certificate file when `key_file` is None)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_file, key_file)
    return context


def _fault_kind_list(text: str) -> tuple[str, ...]:
    try:
        return validated_kinds(kind for kind in text.split(",") if kind.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


class _Outcome(NamedTuple):
    reply: Reply
    rate_limited: bool


# ---------------------------------------------------------------------------------------- the emulator


class EmulatorServer(abc.ABC):
    """Base of every provider emulator: server lifecycle, routing, clock, rate limits, faults, control."""

    name: ClassVar[str] = "emulator"

    def __init__(
        self,
        *,
        port: int = 0,
        time_scale: float = 1.0,
        fault_rate: float = 0.0,
        fault_kinds: Sequence[str] = DEFAULT_RANDOM_FAULT_KINDS,
        fault_seed: int = 0,
        fault_paths: Iterable[str] | None = None,
        slow_seconds: float = 2.0,
        ssl_context: ssl.SSLContext | None = None,
        log_stream: TextIO | None = None,
    ) -> None:
        self.clock = VirtualClock(time_scale)
        self.faults = FaultInjector(fault_rate, fault_kinds, fault_seed, slow_seconds, fault_paths)
        self.traffic = TrafficLog()
        self.ssl_context = ssl_context
        self.log_stream = log_stream
        self._requested_port = port
        self._router = Router()
        self._rate_limiters: list[MovingWindowRateLimiter] = []
        self._http: _EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._register_control_routes()

    # ------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        """Bind 127.0.0.1 (the requested port, or a free one for 0), serve in a background thread and
        return the base URL."""
        if self._http is not None:
            raise RuntimeError(f"the {self.name} emulator is already running at {self.base_url}")
        self._http = _EmulatorHTTPServer(self, self._requested_port, self.ssl_context)
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-emulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the listening socket and any open keep-alive connections."""
        if self._http is None:
            return
        http, thread = self._http, self._thread
        self._http = self._thread = None
        http.shutdown()
        http.close_live_connections()
        http.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._http is not None

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError(f"the {self.name} emulator is not running")
        return int(self._http.server_address[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this emulator."""
        return self.base_url + path

    # --------------------------------------------------------------------------------- registration

    def add_route(
        self,
        method: str,
        pattern: str,
        handler: Callable[[Request], Reply],
        *,
        faultable: bool = False,
        rate_limiter: MovingWindowRateLimiter | None = None,
    ) -> None:
        """Serve `method pattern` with `handler`; faultable routes take injected faults, a rate limiter
        is checked before the handler runs."""
        self._router.add(Route(method.upper(), pattern, handler, faultable, rate_limiter))

    def add_control_route(self, method: str, name: str, handler: Callable[[Request], Reply]) -> None:
        """Serve `method /__control/<name>`: never faulted, rate limited or counted; a ValueError raised
        by the handler becomes a 400 naming the problem."""
        self._router.add(Route(method.upper(), f"{CONTROL_PREFIX}/{name}", handler, control=True))

    def new_rate_limiter(self, limit: int, interval_seconds: float) -> MovingWindowRateLimiter:
        """A moving-window limiter on this emulator's clock, forgotten by `reset()`."""
        limiter = MovingWindowRateLimiter(self.clock, limit, interval_seconds)
        self._rate_limiters.append(limiter)
        return limiter

    # ------------------------------------------------------------------- what a subclass must define

    @abc.abstractmethod
    def ground_truth(self) -> list[dict[str, Any]]:
        """Every record exactly as the API would return it (fresh copies), in a stable order."""

    @abc.abstractmethod
    def expired_token_response(self, request: Request) -> Response:
        """The provider's answer to a request whose token has expired."""

    # ------------------------------------------------------------- answers a subclass may override

    def rate_limited_response(self, retry_after: float) -> Response:
        """The provider's answer to a request over its quota (`retry_after` real seconds until a slot)."""
        return Response.json(
            {"message": "Too Many Requests"}, 429, {"Retry-After": retry_after_header(retry_after)}
        )

    def server_error_response(self, status: int) -> Response:
        """The provider's answer when it fails with a 5xx status."""
        return Response.json({"message": HTTPStatus(status).phrase}, status)

    def not_found_response(self, request: Request) -> Response:
        return Response.json({"message": "Not Found"}, 404)

    def method_not_allowed_response(self, request: Request, allowed: Sequence[str]) -> Response:
        return Response.json({"message": "Method Not Allowed"}, 405, {"Allow": ", ".join(allowed)})

    # ------------------------------------------------------------------------------- Python control

    def stats(self) -> dict[str, Any]:
        """Requests per path, responses per status, faults injected per kind, rate-limited answers."""
        injected = self.faults.injected()
        return {**self.traffic.counters(), "faults": injected, "faults_total": sum(injected.values())}

    def request_log(self, path: str | None = None) -> list[dict[str, Any]]:
        """The logged requests (all, or those to `path`), oldest first."""
        return self.traffic.entries(path)

    def inject(self, kinds: Iterable[str], path: str | None = None) -> None:
        """Give the next faultable requests these faults, in order; with `path` (a route pattern as
        registered, e.g. "/v1/call/records"), only requests to that route take them."""
        self.faults.enqueue(kinds, path)

    def set_random_faults(
        self,
        rate: float,
        kinds: Sequence[str] | None = None,
        seed: int | None = None,
        paths: Iterable[str] | None = None,
    ) -> None:
        """Fail faultable requests at random with probability `rate`."""
        self.faults.set_random(rate, kinds, seed=seed, paths=paths)

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset(self) -> None:
        """Clear stats, the request log, queued and random faults and rate-limit windows."""
        self.traffic.clear()
        self.faults.clear()
        self.faults.forget_counts()
        for limiter in self._rate_limiters:
            limiter.reset()

    # ------------------------------------------------------------------------------------- dispatch

    def handle(self, request: Request) -> Reply:
        """Answer one request: route it, apply a fault or the rate limit, call the handler, log it."""
        found = self._router.find(request.method, request.path)
        if found is None:
            outcome = _Outcome(self._unrouted_response(request), False)
            fault = None
        else:
            route, request.path_params = found
            if route.control:
                return self._answer_control(route, request)
            fault = self.faults.draw(route.pattern) if route.faultable else None
            outcome = (
                self._answer_with_fault(fault, route, request) if fault else self._answer(route, request)
            )
        if not request.path.startswith(CONTROL_PREFIX):
            self._log(request, outcome, fault)
        return outcome.reply

    def _unrouted_response(self, request: Request) -> Response:
        allowed = self._router.methods_for(request.path)
        if allowed:
            return self.method_not_allowed_response(request, allowed)
        return self.not_found_response(request)

    def _answer(self, route: Route, request: Request) -> _Outcome:
        if route.rate_limiter is not None:
            decision = route.rate_limiter.admit()
            if not decision.allowed:
                return _Outcome(self.rate_limited_response(decision.retry_after), True)
        return _Outcome(self._call_handler(route, request), False)

    def _call_handler(self, route: Route, request: Request) -> Reply:
        try:
            return route.handler(request)
        except RequestBodyError as error:
            return Response.json({"message": str(error)}, 400)
        except Exception as error:
            return self._emulator_bug_response(error)

    @staticmethod
    def _emulator_bug_response(error: Exception) -> Response:
        """Show a bug in the emulator itself on stderr and answer like a crashed server would."""
        traceback.print_exc(file=sys.stderr)
        return Response.json({"message": "Server Error", "emulator_error": repr(error)}, 500)

    def _answer_with_fault(self, kind: str, route: Route, request: Request) -> _Outcome:
        if kind == "slow":
            time.sleep(self.faults.slow_seconds)
            return self._answer(route, request)
        if kind == "truncated":
            outcome = self._answer(route, request)
            if isinstance(outcome.reply, Response):
                return _Outcome(TruncatedResponse(outcome.reply), outcome.rate_limited)
            return outcome
        if kind == "reset":
            return _Outcome(ConnectionReset(), False)
        if kind == "html":
            return _Outcome(Response.html(BAD_GATEWAY_PAGE, 502), False)
        if kind == "429":
            window = route.rate_limiter.window_seconds() if route.rate_limiter is not None else 1.0
            return _Outcome(self.rate_limited_response(window), True)
        if kind == "expired_token":
            return _Outcome(self.expired_token_response(request), False)
        return _Outcome(self.server_error_response(int(kind)), False)

    def _answer_control(self, route: Route, request: Request) -> Reply:
        try:
            return route.handler(request)
        except (ValueError, TypeError) as error:
            return Response.json({"error": str(error)}, 400)
        except Exception as error:
            return self._emulator_bug_response(error)

    def _log(self, request: Request, outcome: _Outcome, fault: str | None) -> None:
        entry = LoggedRequest(
            at=self.clock.now().isoformat(),
            method=request.method,
            path=request.path,
            query=request.query,
            headers=dict(request.headers.items()),
            status=outcome.reply.status,
            fault=fault,
            rate_limited=outcome.rate_limited,
        )
        self.traffic.record(entry)
        if self.log_stream is not None:
            query = f"?{request.raw_query}" if request.raw_query else ""
            shown = "reset" if entry.status is None else entry.status
            note = f" fault={fault}" if fault else ""
            print(
                f"{self.name}: {request.method} {request.path}{query} -> {shown}{note}", file=self.log_stream
            )

    # ----------------------------------------------------------------------------- control routes

    def _register_control_routes(self) -> None:
        self.add_control_route("GET", "ground_truth", lambda request: Response.json(self.ground_truth()))
        self.add_control_route("GET", "stats", lambda request: Response.json(self.stats()))
        self.add_control_route("GET", "requests", self._control_request_log)
        self.add_control_route("GET", "clock", lambda request: Response.json(self.clock.describe()))
        self.add_control_route("POST", "clock", self._control_clock)
        self.add_control_route("GET", "faults", lambda request: Response.json(self.faults.describe()))
        self.add_control_route("POST", "faults", self._control_faults)
        self.add_control_route("POST", "reset", self._control_reset)

    def _control_request_log(self, request: Request) -> Response:
        return Response.json(self.request_log(request.param("path")))

    def _control_clock(self, request: Request) -> Response:
        body = request.json_object()
        if "time_scale" in body:
            self.clock.time_scale = float(body["time_scale"])
        if "now" in body:
            self.clock.set(str(body["now"]))
        if "advance_seconds" in body:
            self.clock.advance(float(body["advance_seconds"]))
        return Response.json(self.clock.describe())

    def _control_faults(self, request: Request) -> Response:
        body = request.json_object()
        if body.get("clear"):
            self.faults.clear()
        if "slow_seconds" in body:
            self.faults.slow_seconds = float(body["slow_seconds"])
        if "rate" in body:
            self.faults.set_random(
                float(body["rate"]), body.get("kinds"), body.get("seed"), body.get("paths")
            )
        if "queue" in body:
            if not isinstance(body["queue"], list):
                raise ValueError('"queue" must be a list of fault kinds')
            self.faults.enqueue(body["queue"], body.get("path"))
        return Response.json(self.faults.describe())

    def _control_reset(self, request: Request) -> Response:
        self.reset()
        return Response.json({"reset": True, "stats": self.stats()})

    # ------------------------------------------------------------------------------- command line

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Declare the flags every emulator accepts; subclasses call this and add their own."""
        common = parser.add_argument_group("server, clock and faults (all emulators)")
        common.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free port)")
        common.add_argument(
            "--time-scale",
            type=float,
            default=1.0,
            help="divide every rate-limit window and token lifetime by this factor",
        )
        common.add_argument("--fault-rate", type=float, default=0.0, help="probability of a random fault")
        common.add_argument(
            "--fault-kinds",
            type=_fault_kind_list,
            default=",".join(DEFAULT_RANDOM_FAULT_KINDS),
            help="comma-separated fault kinds for random faults (default: %(default)s)",
        )
        common.add_argument("--fault-seed", type=int, default=0, help="seed of the random-fault generator")
        common.add_argument(
            "--fault-paths",
            type=lambda text: [path for path in text.split(",") if path],
            default=None,
            help="comma-separated route paths random faults are limited to (default: all faultable routes)",
        )
        common.add_argument("--slow-seconds", type=float, default=2.0, help="delay of the 'slow' fault")
        common.add_argument("--tls-cert", help="PEM certificate (chain) to serve HTTPS")
        common.add_argument("--tls-key", help="PEM private key, if not inside --tls-cert")
        common.add_argument("--verbose", action="store_true", help="log every request to stderr")

    @classmethod
    def options_from_arguments(cls, args: argparse.Namespace) -> dict[str, Any]:
        """Constructor options from the parsed common flags; subclasses extend the dict."""
        return {
            "port": args.port,
            "time_scale": args.time_scale,
            "fault_rate": args.fault_rate,
            "fault_kinds": args.fault_kinds,
            "fault_seed": args.fault_seed,
            "fault_paths": args.fault_paths,
            "slow_seconds": args.slow_seconds,
            "ssl_context": server_ssl_context(args.tls_cert, args.tls_key) if args.tls_cert else None,
            "log_stream": sys.stderr if args.verbose else None,
        }

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> EmulatorServer:
        return cls(**cls.options_from_arguments(args))
