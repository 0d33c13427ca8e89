"""Emulator of the Acefone (Servetel) call detail records API (docs.acefone.in, api-docs.acefone.co.uk).

Endpoints, as documented and as a Laravel/JWT back end answers:

- `POST /v1/auth/login` `{"email", "password"}` (JSON or form) -> `{"access_token", "token_type":
  "bearer", "expires_in"}`; the token lives `token_ttl` seconds (divided by the time scale, so
  `expires_in` reports the real remaining lifetime). Wrong credentials: 401; missing fields: 422. With
  `login_field="login_id"` it plays a UK portal, whose body is `{"login_id", "password"}`
  (https://api-docs.acefone.co.uk/reference/getting-started).
- `POST /v1/auth/refresh` with `Authorization: Bearer <token>`: a token that is valid or expired less than
  `refresh_ttl` ago is exchanged for a new one (the old one is then blacklisted).
- `GET /v1/call/records`: Bearer token (a login token, or one of the static portal `api_tokens`);
  parameters and filters in `acefone_query.py`. Answer `{"count", "limit", "size", "page", "results"}`,
  newest call first; `count` is the number of matching calls (`count_mode="total"`) or of calls in this
  page (`count_mode="page"`), the two readings of the documentation. `limit` defaults to 20 and is clamped
  to `max_limit`; the answer echoes the limit applied. A page past the end has `results: []`.
  Unknown token: 401 `{"success": false, "message": "Unauthenticated."}`; expired token: 401
  `{"success": false, "message": "Token has expired"}`. With `records_shape="call_report"` it answers the
  older `/v1/call_report` page shape instead (an account still on the older generation).
- `GET /v1/call_report`, the older UK endpoint (`acefone_call_report.py`): the same calls and date
  parameters, `{"total_records", ..., "data"}` pages; a `limit` above 100 answers 422.
- Over `rate_limit_per_second` requests in a (scaled) second, all three answer 429
  `{"message": "Too many requests"}` with `Retry-After`.
- `GET /v1/users` (paged by `last_seen_id`) and `GET /v1/departments` (`acefone_directory.py`): the
  account's users and departments, the agents and departments the calls name; `users_shape` and
  `departments_shape` choose the documented variants, `ignore_last_seen_id(True)` (or `POST
  /__control/users_cursor` `{"ignored": true}`) makes `/v1/users` restart from the first user on every page.
- All six are faultable. `answer_oddly(kind, path)` (or `POST /__control/odd_answer` `{"kind", "path",
  "times"}`) makes the next answers of a records or directory endpoint a 200 that is no documented page: `empty` (no
  body), `html` (an HTML page), `no_records` (JSON without `results`/`data`), `error_body`
  (`{"success": false, "message"}`).

Only calls that have started by the virtual clock's `now()` exist. The default data set (5,000 calls over
the 60 days ending at 00:00 UTC today) is entirely in the past; `POST /__control/add_calls`
`{"count": N, "at": ISO8601}` adds calls starting at `at` (default: now), for instance to prove that a sync
fixed its upper bound when it started.
"""

from __future__ import annotations

import argparse
import copy
import threading
from collections import deque
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from .acefone_call_report import CALL_REPORT_MAX_LIMIT, call_report_page, call_report_record
from .acefone_calls import ACCOUNT_NAME, AcefoneDataset
from .acefone_directory import DEPARTMENTS_SHAPES, USERS_SHAPES, AcefoneDirectory
from .acefone_query import ValidationFailed, parse_call_records_query
from .base import EmulatorServer, Request, Response, retry_after_header
from .clock import parse_instant
from .tokens import IssuedToken, TokenIssuer, TokenState, jwt_shaped_token

DEFAULT_EMAIL = "demo@example.com"
DEFAULT_PASSWORD = "demo-password"
DEFAULT_API_TOKEN = "emulator-acefone-token"
COUNT_MODES = ("total", "page")
LOGIN_FIELDS = ("email", "login_id")
RECORDS_SHAPES = ("results", "call_report")
ODD_ANSWERS: dict[str, Response] = {
    "empty": Response(200, b"", "application/json"),
    "html": Response.html("<html><body><h1>Service temporarily unavailable</h1></body></html>", 200),
    "no_records": Response.json({"success": True, "message": "Request processed"}),
    "error_body": Response.json({"success": False, "message": "Something went wrong"}),
}

LOGIN_PATH = "/v1/auth/login"
REFRESH_PATH = "/v1/auth/refresh"
RECORDS_PATH = "/v1/call/records"
CALL_REPORT_PATH = "/v1/call_report"
USERS_PATH = "/v1/users"
DEPARTMENTS_PATH = "/v1/departments"
ODD_ANSWER_PATHS = (RECORDS_PATH, CALL_REPORT_PATH, USERS_PATH, DEPARTMENTS_PATH)


def default_end_date() -> date:
    """Today in UTC: the default data set ends at 00:00 UTC today."""
    return datetime.now(timezone.utc).date()


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _unauthenticated(message: str = "Unauthenticated.") -> Response:
    return Response.json({"success": False, "message": message}, 401)


class AcefoneEmulator(EmulatorServer):
    """The Acefone CDR API: login/refresh tokens, static API tokens, paged and filtered call records."""

    name = "acefone"

    def __init__(
        self,
        *,
        seed: int = 0,
        calls: int = 5000,
        days: int = 60,
        end_date: date | str | None = None,
        email: str = DEFAULT_EMAIL,
        password: str = DEFAULT_PASSWORD,
        api_tokens: Iterable[str] = (DEFAULT_API_TOKEN,),
        token_ttl: float = 3600,
        refresh_ttl: float = 14 * 86_400,
        max_limit: int = 100,
        count_mode: str = "total",
        login_field: str = "email",
        records_shape: str = "results",
        rate_limit_per_second: int = 10,
        account_name: str = ACCOUNT_NAME,
        extra_users: int = 5,
        users_shape: str = "numbers",
        departments_shape: str = "list",
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if count_mode not in COUNT_MODES:
            raise ValueError(f"count_mode must be one of {COUNT_MODES}, got {count_mode!r}")
        if login_field not in LOGIN_FIELDS:
            raise ValueError(f"login_field must be one of {LOGIN_FIELDS}, got {login_field!r}")
        if records_shape not in RECORDS_SHAPES:
            raise ValueError(f"records_shape must be one of {RECORDS_SHAPES}, got {records_shape!r}")
        if max_limit < 1:
            raise ValueError(f"max_limit must be at least 1, got {max_limit}")
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        last_day = (
            date.fromisoformat(end_date) if isinstance(end_date, str) else end_date or default_end_date()
        )
        self.data_end = _utc_midnight(last_day)
        self.data_start = self.data_end - timedelta(days=days)
        self.dataset = AcefoneDataset(seed, calls, self.data_start, self.data_end, account_name)
        self.directory = AcefoneDirectory(seed, extra_users, users_shape, departments_shape)
        self.email = email
        self.password = password
        self.api_tokens = frozenset(api_tokens)
        self.max_limit = max_limit
        self.count_mode = count_mode
        self.login_field = login_field
        self.records_shape = records_shape
        self._odd_answers: deque[tuple[str, str]] = deque()
        self._odd_lock = threading.Lock()
        self.tokens = TokenIssuer(self.clock, token_ttl, refresh_ttl, jwt_shaped_token)
        self.rate_limiter = self.new_rate_limiter(rate_limit_per_second, 1.0)
        self.add_route("POST", LOGIN_PATH, self.log_in, faultable=True, rate_limiter=self.rate_limiter)
        self.add_route(
            "POST", REFRESH_PATH, self.refresh_token, faultable=True, rate_limiter=self.rate_limiter
        )
        self.add_route(
            "GET", RECORDS_PATH, self.list_call_records, faultable=True, rate_limiter=self.rate_limiter
        )
        self.add_route(
            "GET", CALL_REPORT_PATH, self.list_call_report, faultable=True, rate_limiter=self.rate_limiter
        )
        for path, handler in ((USERS_PATH, self.list_users), (DEPARTMENTS_PATH, self.list_departments)):
            self.add_route("GET", path, handler, faultable=True, rate_limiter=self.rate_limiter)
        self.add_control_route("POST", "add_calls", self._control_add_calls)
        self.add_control_route("POST", "users_cursor", self._control_users_cursor)
        self.add_control_route("POST", "odd_answer", self._control_odd_answer)

    # ------------------------------------------------------------------------------------ endpoints

    def log_in(self, request: Request) -> Response:
        credentials = self._credentials(request)
        missing = {
            name: [f"The {_label(name)} field is required."]
            for name in (self.login_field, "password")
            if not credentials.get(name)
        }
        if missing:
            return ValidationFailed(missing).response()
        if (
            credentials[self.login_field].strip().lower() != self.email.lower()
            or credentials["password"] != self.password
        ):
            return Response.json(
                {"success": False, "message": f"Invalid {_label(self.login_field)} or password"}, 401
            )
        return self._token_response(self.tokens.issue(self.email))

    def refresh_token(self, request: Request) -> Response:
        value = request.bearer_token()
        if value is None:
            return _unauthenticated()
        if value in self.api_tokens:
            return _unauthenticated("Token could not be refreshed")
        renewed = self.tokens.refresh(value)
        if renewed is not None:
            return self._token_response(renewed)
        state = self.tokens.state_of(value)
        if state is TokenState.EXPIRED:
            return _unauthenticated("Token has expired and can no longer be refreshed")
        if state is TokenState.REVOKED:
            return _unauthenticated("The token has been blacklisted")
        return _unauthenticated()

    def list_call_records(self, request: Request) -> Response:
        refusal = self._refuse_unauthenticated(request) or self._odd_answer(RECORDS_PATH)
        if refusal is not None:
            return refusal
        try:
            query = parse_call_records_query(request, self.max_limit)
        except ValidationFailed as failure:
            return failure.response()
        candidates = self.dataset.started_between(query.first, query.last, int(self.clock.timestamp()))
        matching = [call for call in reversed(candidates) if query.filter.matches(call)]
        if self.records_shape == "call_report":
            return Response.json(
                call_report_page(matching, query.page, min(query.limit, CALL_REPORT_MAX_LIMIT))
            )
        offset = (query.page - 1) * query.limit
        results = [call.record for call in matching[offset : offset + query.limit]]
        count = len(matching) if self.count_mode == "total" else len(results)
        return Response.json(
            {
                "count": count,
                "limit": query.limit,
                "size": len(results),
                "page": query.page,
                "results": results,
            }
        )

    def list_call_report(self, request: Request) -> Response:
        """The older UK endpoint: the same calls and dates, the older page shape, `limit` 1 to 100."""
        refusal = self._refuse_unauthenticated(request) or self._odd_answer(CALL_REPORT_PATH)
        if refusal is not None:
            return refusal
        try:
            query = parse_call_records_query(request, max_limit=10**9)
        except ValidationFailed as failure:
            return failure.response()
        if query.limit > CALL_REPORT_MAX_LIMIT:
            message = f"The limit may not be greater than {CALL_REPORT_MAX_LIMIT}."
            return ValidationFailed({"limit": [message]}).response()
        candidates = self.dataset.started_between(query.first, query.last, int(self.clock.timestamp()))
        return Response.json(call_report_page(list(reversed(candidates)), query.page, query.limit))

    def list_users(self, request: Request) -> Response:
        refusal = self._refuse_unauthenticated(request) or self._odd_answer(USERS_PATH)
        if refusal is not None:
            return refusal
        try:
            return Response.json(self.directory.users_page(request, self.max_limit))
        except ValidationFailed as failure:
            return failure.response()

    def list_departments(self, request: Request) -> Response:
        refusal = self._refuse_unauthenticated(request) or self._odd_answer(DEPARTMENTS_PATH)
        return refusal or Response.json(self.directory.departments_answer())

    # ------------------------------------------------------------------------- provider-specific faults

    def expired_token_response(self, request: Request) -> Response:
        return _unauthenticated("Token has expired")

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response.json(
            {"message": "Too many requests"}, 429, {"Retry-After": retry_after_header(retry_after)}
        )

    # ---------------------------------------------------------------------------------- Python API

    def ground_truth(self) -> list[dict[str, Any]]:
        """Every call that exists now, newest first (the order of the API's pages), as fresh copies."""
        calls = self.dataset.started_until(int(self.clock.timestamp()))
        return [copy.deepcopy(call.record) for call in reversed(calls)]

    def users_ground_truth(self) -> list[dict[str, Any]]:
        """Every user as the documented `/v1/users` list shows it (numeric ids), ascending by id."""
        return self.directory.users_ground_truth()

    def departments_ground_truth(self) -> list[dict[str, Any]]:
        """Every department as `/v1/departments` lists it."""
        return self.directory.departments_ground_truth()

    def ignore_last_seen_id(self, ignored: bool = True) -> None:
        """Make `/v1/users` ignore `last_seen_id` (every page is the first page again), or stop doing so."""
        self.directory.ignore_last_seen_id = ignored

    def call_report_ground_truth(self) -> list[dict[str, Any]]:
        """Every call that exists now as `/v1/call_report` shows it, newest first."""
        calls = self.dataset.started_until(int(self.clock.timestamp()))
        return [call_report_record(call) for call in reversed(calls)]

    def answer_oddly(self, kind: str, path: str = RECORDS_PATH, times: int = 1) -> None:
        """Make the next `times` authenticated requests to `path` get the 200 answer `kind` (ODD_ANSWERS)."""
        if kind not in ODD_ANSWERS:
            raise ValueError(f"unknown odd answer {kind!r}; known: {', '.join(ODD_ANSWERS)}")
        if path not in ODD_ANSWER_PATHS:
            raise ValueError(f"odd answers are for {', '.join(ODD_ANSWER_PATHS)}, not {path!r}")
        with self._odd_lock:
            self._odd_answers.extend([(kind, path)] * times)

    def reset(self) -> None:
        super().reset()
        self.directory.ignore_last_seen_id = False
        with self._odd_lock:
            self._odd_answers.clear()

    def add_calls(self, count: int = 1, at: datetime | str | None = None) -> list[dict[str, Any]]:
        """Add `count` calls starting at `at` (default: the virtual now); returns their records."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        instant = parse_instant(at) if isinstance(at, str) else at or self.clock.now()
        return [copy.deepcopy(call.record) for call in self.dataset.add(count, instant)]

    def issue_access_token(self) -> str:
        """A fresh login token, as `POST /v1/auth/login` would return it."""
        return self.tokens.issue(self.email).value

    # ------------------------------------------------------------------------------------- helpers

    def _credentials(self, request: Request) -> dict[str, str]:
        content_type = (request.header("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" in content_type:
            return {name: values[0] for name, values in request.form().items() if values}
        body = request.json_object()
        return {
            name: str(body[name]) for name in (self.login_field, "password") if body.get(name) is not None
        }

    def _token_response(self, token: IssuedToken) -> Response:
        return Response.json(
            {
                "access_token": token.value,
                "token_type": "bearer",
                "expires_in": self.tokens.seconds_left(token),
            }
        )

    def _refuse_unauthenticated(self, request: Request) -> Response | None:
        value = request.bearer_token()
        if value is None:
            return _unauthenticated()
        if value in self.api_tokens:
            return None
        state = self.tokens.state_of(value)
        if state is TokenState.VALID:
            return None
        if state is TokenState.EXPIRED:
            return self.expired_token_response(request)
        return _unauthenticated()

    def _odd_answer(self, path: str) -> Response | None:
        with self._odd_lock:
            if self._odd_answers and self._odd_answers[0][1] == path:
                return ODD_ANSWERS[self._odd_answers.popleft()[0]]
        return None

    def _control_odd_answer(self, request: Request) -> Response:
        body = request.json_object()
        self.answer_oddly(
            str(body.get("kind")), str(body.get("path", RECORDS_PATH)), int(body.get("times", 1))
        )
        return Response.json({"queued": len(self._odd_answers)})

    def _control_users_cursor(self, request: Request) -> Response:
        self.ignore_last_seen_id(bool(request.json_object().get("ignored", True)))
        return Response.json({"ignored": self.directory.ignore_last_seen_id})

    def _control_add_calls(self, request: Request) -> Response:
        body = request.json_object()
        added = self.add_calls(int(body.get("count", 1)), body.get("at"))
        return Response.json(
            {"added": added, "total": len(self.dataset.started_until(int(self.clock.timestamp())))}
        )

    # -------------------------------------------------------------------------------- command line

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        data = parser.add_argument_group("Acefone data set")
        data.add_argument("--seed", type=int, default=0, help="seed of the synthetic data set")
        data.add_argument("--calls", type=int, default=5000, help="number of calls")
        data.add_argument(
            "--days", type=int, default=60, help="days of calls, ending at --end-date 00:00 UTC"
        )
        data.add_argument(
            "--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)"
        )
        data.add_argument("--account-name", default=ACCOUNT_NAME, help="the records' accountid")
        data.add_argument(
            "--extra-users", type=int, default=5, help="portal users without an agent, besides the 10 agents"
        )
        auth = parser.add_argument_group("Acefone authentication")
        auth.add_argument(
            "--api-token",
            action="append",
            default=None,
            help=f"static API token accepted as Bearer (repeatable; default {DEFAULT_API_TOKEN})",
        )
        auth.add_argument("--email", default=DEFAULT_EMAIL, help="login e-mail (or UK login ID)")
        auth.add_argument(
            "--login-field",
            choices=LOGIN_FIELDS,
            default="email",
            help="the login body's name field: email, or login_id as on UK portals",
        )
        auth.add_argument("--password", default=DEFAULT_PASSWORD, help="login password")
        auth.add_argument("--token-ttl", type=float, default=3600, help="login token lifetime in seconds")
        auth.add_argument(
            "--refresh-ttl",
            type=float,
            default=14 * 86_400,
            help="how long after expiry a token can be refreshed",
        )
        api = parser.add_argument_group("Acefone API behaviour")
        api.add_argument(
            "--max-limit", type=int, default=100, help="largest page size; larger limits are clamped"
        )
        api.add_argument(
            "--count-mode",
            choices=COUNT_MODES,
            default="total",
            help="count = all matching calls (total) or calls in this page (page)",
        )
        api.add_argument(
            "--records-shape",
            choices=RECORDS_SHAPES,
            default="results",
            help="what /v1/call/records answers: the current page shape, or the older /v1/call_report one",
        )
        api.add_argument(
            "--users-shape",
            choices=USERS_SHAPES,
            default="numbers",
            help="/v1/users ids as numbers (the list page's sample) or as text (the single-user page's)",
        )
        api.add_argument(
            "--departments-shape",
            choices=DEPARTMENTS_SHAPES,
            default="list",
            help="/v1/departments as a bare list (docs.acefone.in) or under data (the UK API's lists)",
        )
        api.add_argument(
            "--rate-limit-per-second",
            type=int,
            default=10,
            help="requests per second before 429 (0: no limit)",
        )

    @classmethod
    def options_from_arguments(cls, args: argparse.Namespace) -> dict[str, Any]:
        return {
            **super().options_from_arguments(args),
            "seed": args.seed,
            "calls": args.calls,
            "days": args.days,
            "end_date": args.end_date,
            "account_name": args.account_name,
            "extra_users": args.extra_users,
            "users_shape": args.users_shape,
            "departments_shape": args.departments_shape,
            "api_tokens": args.api_token or (DEFAULT_API_TOKEN,),
            "email": args.email,
            "password": args.password,
            "token_ttl": args.token_ttl,
            "refresh_ttl": args.refresh_ttl,
            "max_limit": args.max_limit,
            "count_mode": args.count_mode,
            "login_field": args.login_field,
            "records_shape": args.records_shape,
            "rate_limit_per_second": args.rate_limit_per_second,
        }
