"""Emulator of RingCentral RingCX (formerly Engage Voice): login, admin lists, and the Call Detail Report
(vendor page: github.com/ringcentral/engage-voice-api-docs, docs/analytics/reports/DEPRECATED-call-detail-report.md).

One server plays the three hosts involved (paths as documented; the connector's `base_url` is `<url>/voice`
and its `platform_url` is `<url>`):

- `POST /restapi/oauth/token` (RingCentral platform): HTTP Basic client id/secret, form
  `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>` -> `{"access_token", "token_type",
  "expires_in": 3600, "refresh_token", ...}`; a wrong client is 401 `invalid_client`, a wrong JWT 400 `invalid_grant`.
- `POST /api/auth/login/rc/accesstoken?includeRefresh=true`, form `rcAccessToken`, `rcTokenType` -> `{"accessToken",
  "refreshToken", "tokenType", "mainAccountId", "agentDetails", "adminId", ...}`. RingCX access tokens are JWTs
  living `token_ttl` seconds (5 minutes; divided by the time scale); at most `exchange_per_minute` (5) calls per
  scaled minute, then 429.
- `POST /api/auth/token/refresh`, form `refresh_token` -> a new pair; a refresh token works once.
- `POST /api/auth/login/admin` (legacy login without a RingCentral app, vendor page docs/authentication/
  auth-engage.md): `username`, `password`, optional `platformId` -> the same token pair. `legacy_login_style`
  says where the server reads them: `query` (the page today) or `form` (the page's first version); fields
  sent elsewhere are 400 "Required request parameter 'username' ... is not present"; a wrong password 401.
- `GET /voice/api/v1/admin/accounts`, `GET /voice/api/v1/admin/users` (JSON lists; accounts carry the settings
  `crmPwd`, `ftpPwd`, `securityKey`, `phoneRecordingPin` as the real model does). Users are nested under their
  parent unless `flatten=true`; with `users_permission=False` (no MANAGE_USERS) the users list is 403
  `access.denied.exception`, as the Admin User and Permission APIs page shows. With `user_secrets=True` every
  user also carries canary credentials (`password`, `apiToken`, `integrations[].clientSecret`): not vendor
  fields, but the secret-looking keys a connector must drop from records and mask in debug logs.
- Account `startDate`/`endDate` and user `creationDate` are written as the API's examples write dates
  (`2021-01-15T08:30:00.000+0000`), or as epoch milliseconds with `date_style="millis"` (the models type them
  as a Joda DateTime, specs/engage-voice_openapi3.json).
- An account ID the login cannot see, on the per-account endpoints, is HTTP 400 `Invalid accountId <id>` in
  the Spring error shape; `GET /admin/accounts` lists only the visible accounts (the vendor pages document
  no other answer for an unknown account).
- `GET /voice/api/v1/admin/accounts/{accountId}/users/{userId}/reports/inputControls?accountIds=..&products=
  CLOUD_PROFILE|CLOUD_DESTINATION`: groups and objects, in the shape `input_controls_shape` names (`nested`
  list of groups with `children`, `keyed` by product, `flat` objects carrying their group, or `unknown`).
- `POST /voice/api/v1/admin/accounts/{accountId}/reportsStreaming`: validates the body like the vendor page describes
  (report type names, account ids, groupBy against the id lists, objIds belonging to the groupIds sent,
  `yyyy-MM-dd HH:mm:ss[.SSSS]` timestamps, TZ database zone) and answers 400 `{"message": ...}` otherwise;
  streams the CSV (`text/csv`, chunked, `chunk_rows` rows per chunk, `chunk_delay` seconds between chunks).
  Both timestamps are inclusive, read in `timezoneName`.

API calls take `Authorization: Bearer <RingCX token>` or `X-Auth-Token: <permanent API token>`; an expired
token is 401 `"Jwt is expired"`. A report is authorized when it starts: it keeps streaming after its token
expires (that is what lets a long report outlive a 5-minute token).

The interaction-metadata API (one record per call segment) lives in `ringcx_interactions.py` (options
through `interactions={...}`, ground truth `interactions.truth()`).

Report answers (`report_answer`, for every report request or the next `report_answer_times` ones): `csv` (the
report), `empty` (200 with no body), `html` (200 with an HTML page), `foreign_header` (200 CSV of another report
template, the Agent Session report's columns), `ragged` (the report with ragged rows: a call whose index is 3
mod 7 leaves out its trailing empty cells, one whose index is 5 mod 11 carries two cells beyond the header; the
ground truth lists those as `_surplus`).

The aggregate statistics reports (`agg-queue-stats`, `agg-agent-extended-stats`) live in `ringcx_stats.py`
(options through `stats={...}`, ground truth `stats_reports.truth(...)`).

Faults: every route but the platform token endpoint is faultable. `truncated` on the report cuts the CSV
mid-row halfway through: `truncated_style="connection"` drops the connection without the closing chunk,
`"clean"` ends the chunked body properly after the cut row (a provider that writes a short file),
`"one_column"` ends it cleanly after that row without its last cell and line break (exactly one column short).
"""

from __future__ import annotations

import argparse
import base64
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from datetime import time as day_time
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import Channel, EmulatorServer, Reply, Request, Response, Route, retry_after_header
from .ringcx_data import ADMIN_ID, MAIN_ACCOUNT_ID, RingCxDataset, csv_lines, header
from .ringcx_interactions import RingCxInteractions, add_interactions_arguments, interactions_options
from .ringcx_stats import RingCxStats, add_stats_arguments, stats_options
from .tokens import TokenIssuer, TokenState, jwt_shaped_token, opaque_token

DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"
DEFAULT_JWT = "emulator-jwt-credential"
DEFAULT_API_TOKEN = "aws80:emulator-permanent-token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHAPES = ("nested", "keyed", "flat", "unknown")
TRUNCATED_STYLES = ("connection", "clean", "one_column")
REPORT_ANSWERS = ("csv", "empty", "html", "foreign_header", "ragged")
LEGACY_LOGIN_STYLES = ("query", "form")
# How account and user dates are written: `iso` as the API's examples (`2020-04-18T01:49:32.000+0000`),
# `millis` as epoch milliseconds (the models type them as a Joda DateTime, which Jackson can write so).
DATE_STYLES = ("iso", "millis")
ACCOUNT_DATES = ("startDate", "endDate")
USER_DATES = ("creationDate",)
DEFAULT_USERNAME = "admin@example.com"
DEFAULT_PASSWORD = "emulator-password"
DEFAULT_PLATFORM_ID = "NA1"
# Columns of another report template (the Agent Session report, docs/analytics/reports/
# DEPRECATED-agent-session-report.md): what a mixed-up report request could answer instead.
FOREIGN_HEADER = ["Agent ID", "Last Name", "First Name", "Username", "Phone", "Login DTS", "Logout DTS"]
MAINTENANCE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>RingCX</title></head><body>Down for maintenance</body></html>\n"
)
PRODUCTS = {"CLOUD_PROFILE": "PROFILE", "CLOUD_DESTINATION": "DESTINATION"}

PLATFORM_TOKEN_PATH = "/restapi/oauth/token"
EXCHANGE_PATH = "/api/auth/login/rc/accesstoken"
REFRESH_PATH = "/api/auth/token/refresh"
LEGACY_LOGIN_PATH = "/api/auth/login/admin"
API = "/voice/api/v1/admin"
ACCOUNTS_PATH = f"{API}/accounts"
USERS_PATH = f"{API}/users"
INPUT_CONTROLS_PATH = f"{API}/accounts/{{accountId}}/users/{{userId}}/reports/inputControls"
REPORT_PATH = f"{API}/accounts/{{accountId}}/reportsStreaming"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, day_time(0, 0), tzinfo=timezone.utc)


def spring_error(status: int, error: str, message: str, path: str) -> Response:
    """An error body as the RingCX (Spring) back end writes it."""
    return Response.json(
        {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "status": status,
            "error": error,
            "message": message,
            "path": path,
        },
        status,
    )


class ReportRequestInvalid(Exception):
    """A report body the API refuses with 400; the message is the provider's."""


class StreamedCsv:
    """A `text/csv` answer sent with chunked transfer encoding while its rows are rendered."""

    status = 200

    def __init__(
        self,
        lines: Iterator[str],
        chunk_rows: int,
        chunk_delay: float,
        count_rows: Callable[[], int],
    ) -> None:
        self.lines = lines
        self.chunk_rows = max(1, chunk_rows)
        self.chunk_delay = chunk_delay
        self.count_rows = count_rows
        self.cut_after_rows: int | None = None
        self.cut_style = "connection"
        self.content_type = "text/csv"

    def cut_halfway(self, style: str) -> StreamedCsv:
        """The same answer, cut in the middle of the row after half of the rows."""
        self.cut_after_rows = self.count_rows() // 2
        self.cut_style = style
        return self

    def deliver(self, channel: Channel) -> None:
        channel.send_response(200)
        channel.send_header("Content-Type", self.content_type)
        channel.send_header("Transfer-Encoding", "chunked")
        channel.end_headers()
        if channel.command == "HEAD":
            return
        pending: list[str] = []
        rows = -1  # the header is not a row
        for line in self.lines:
            if self.cut_after_rows is not None and rows == self.cut_after_rows:
                if self.cut_style == "one_column":
                    pending.append(line.rstrip("\n")[: line.rstrip("\n").rfind(",")])
                else:
                    pending.append(line[: max(1, len(line) // 2)])
                self._write_chunk(channel, "".join(pending))
                if self.cut_style in ("clean", "one_column"):
                    channel.wfile.write(b"0\r\n\r\n")
                channel.wfile.flush()
                channel.close_connection = True
                return
            pending.append(line)
            rows += 1
            if len(pending) >= self.chunk_rows:
                self._write_chunk(channel, "".join(pending))
                pending = []
                if self.chunk_delay:
                    time.sleep(self.chunk_delay)
        if pending:
            self._write_chunk(channel, "".join(pending))
        channel.wfile.write(b"0\r\n\r\n")
        channel.wfile.flush()

    @staticmethod
    def _write_chunk(channel: Channel, text: str) -> None:
        data = text.encode("utf-8")
        if data:
            channel.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
            channel.wfile.flush()


def ragged(index: int, row: list[str]) -> list[str]:
    """Call `index`'s row as the `ragged` answer writes it: trailing empty cells left out (index 3 mod 7) or
    two cells beyond the header (index 5 mod 11); other rows unchanged."""
    if index % 7 == 3:
        trimmed = list(row)
        while trimmed and trimmed[-1] == "":
            trimmed.pop()
        return trimmed
    if index % 11 == 5:
        return [*row, "", f"extra-{index}"]
    return row


class RingCxEmulator(EmulatorServer):
    """RingCX: RingCentral JWT login and token exchange, admin lists, inputControls, streamed CASPER report."""

    name = "ringcx"

    def __init__(
        self,
        *,
        seed: int = 0,
        accounts: int = 2,
        calls: int = 3000,
        days: int = 30,
        end_date: date | str | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        jwt: str = DEFAULT_JWT,
        api_tokens: tuple[str, ...] | list[str] = (DEFAULT_API_TOKEN,),
        token_ttl: float = 300,
        refresh_ttl: float = 86_400,
        exchange_per_minute: int = 5,
        input_controls_shape: str = "nested",
        chunk_rows: int = 500,
        chunk_delay: float = 0.0,
        truncated_style: str = "connection",
        report_answer: str = "csv",
        report_answer_times: int | None = None,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        platform_id: str | None = DEFAULT_PLATFORM_ID,
        legacy_login_style: str = "query",
        users_permission: bool = True,
        user_secrets: bool = False,
        interactions: dict[str, Any] | None = None,
        date_style: str = "iso",
        stats: dict[str, Any] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if report_answer not in REPORT_ANSWERS:
            raise ValueError(f"report_answer must be one of {REPORT_ANSWERS}, got {report_answer!r}")
        if legacy_login_style not in LEGACY_LOGIN_STYLES:
            raise ValueError(
                f"legacy_login_style must be one of {LEGACY_LOGIN_STYLES}, got {legacy_login_style!r}"
            )
        if input_controls_shape not in SHAPES:
            raise ValueError(f"input_controls_shape must be one of {SHAPES}, got {input_controls_shape!r}")
        if date_style not in DATE_STYLES:
            raise ValueError(f"date_style must be one of {DATE_STYLES}, got {date_style!r}")
        if truncated_style not in TRUNCATED_STYLES:
            raise ValueError(f"truncated_style must be one of {TRUNCATED_STYLES}, got {truncated_style!r}")
        last_day = (
            date.fromisoformat(end_date)
            if isinstance(end_date, str)
            else end_date or datetime.now(timezone.utc).date()
        )
        self.data_end = _utc_midnight(last_day)
        self.data_start = self.data_end - timedelta(days=days)
        self.dataset = RingCxDataset(seed, accounts, calls, self.data_start, self.data_end)
        self.client_id, self.client_secret, self.jwt = client_id, client_secret, jwt
        self.api_tokens = frozenset(api_tokens)
        self.input_controls_shape = input_controls_shape
        self.chunk_rows, self.chunk_delay = chunk_rows, chunk_delay
        self.truncated_style = truncated_style
        self.report_answer, self.report_answer_times = report_answer, report_answer_times
        self.username, self.password, self.platform_id = username, password, platform_id
        self.legacy_login_style = legacy_login_style
        self.users_permission = users_permission
        self.user_secrets = user_secrets
        self.date_style = date_style
        self._settings_lock = threading.Lock()
        self.platform_tokens = TokenIssuer(self.clock, 3600)
        self.tokens = TokenIssuer(self.clock, token_ttl, mint=jwt_shaped_token)
        self.refresh_tokens = TokenIssuer(self.clock, refresh_ttl, mint=opaque_token)
        self.exchange_limiter = self.new_rate_limiter(exchange_per_minute, 60.0)
        self.add_route("POST", PLATFORM_TOKEN_PATH, self.platform_token)
        self.add_route(
            "POST", EXCHANGE_PATH, self.exchange, faultable=True, rate_limiter=self.exchange_limiter
        )
        self.add_route("POST", REFRESH_PATH, self.refresh, faultable=True)
        self.add_route("POST", LEGACY_LOGIN_PATH, self.legacy_login, faultable=True)
        self.add_route("GET", ACCOUNTS_PATH, self.list_accounts, faultable=True)
        self.add_route("GET", USERS_PATH, self.list_users, faultable=True)
        self.add_route("GET", INPUT_CONTROLS_PATH, self.input_controls, faultable=True)
        self.interactions = RingCxInteractions(self, **(interactions or {}))  # interaction-metadata
        self.add_route("POST", REPORT_PATH, self.report, faultable=True)
        self.add_control_route("POST", "settings", self._control_settings)
        self.stats_reports = RingCxStats(self, **(stats or {}))  # agg-queue-stats, agg-agent-extended-stats

    # --------------------------------------------------------------------------------- login

    def platform_token(self, request: Request) -> Response:
        scheme, _, encoded = (request.header("Authorization") or "").partition(" ")
        try:
            client = base64.b64decode(encoded.strip()).decode("utf-8") if scheme.lower() == "basic" else ""
        except ValueError:
            client = ""
        if client != f"{self.client_id}:{self.client_secret}":
            return Response.json(
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client: unknown client id or wrong secret",
                },
                401,
            )
        form = {name: values[0] for name, values in request.form().items() if values}
        if form.get("grant_type") != JWT_GRANT:
            return Response.json(
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}, 400
            )
        if form.get("assertion") != self.jwt:
            return Response.json({"error": "invalid_grant", "error_description": "Invalid token"}, 400)
        token = self.platform_tokens.issue("platform")
        return Response.json(
            {
                "access_token": token.value,
                "token_type": "bearer",
                "expires_in": self.platform_tokens.seconds_left(token),
                "refresh_token": opaque_token("", 0, 0),
                "refresh_token_expires_in": 604800,
                "scope": "ReadAccounts",
                "owner_id": "222222",
                "endpoint_id": "emulator-endpoint",
            }
        )

    def exchange(self, request: Request) -> Response:
        form = {name: values[0] for name, values in request.form().items() if values}
        rc_token = form.get("rcAccessToken")
        if not rc_token or self.platform_tokens.state_of(rc_token) is not TokenState.VALID:
            return spring_error(401, "Unauthorized", "Invalid RingCentral access token", request.path)
        return self._token_pair(include_refresh=(request.param("includeRefresh") or "").lower() == "true")

    def legacy_login(self, request: Request) -> Response:
        if self.legacy_login_style == "query":
            fields = {name: values[0] for name, values in request.query.items() if values}
        else:
            fields = {name: values[0] for name, values in request.form().items() if values}
        for name in ("username", "password"):
            if name not in fields:
                return spring_error(
                    400,
                    "Bad Request",
                    f"Required request parameter '{name}' for method parameter type String is not present",
                    request.path,
                )
        platform_ok = self.platform_id is None or fields.get("platformId") in (None, self.platform_id)
        if fields["username"] != self.username or fields["password"] != self.password or not platform_ok:
            return spring_error(401, "Unauthorized", "Bad credentials", request.path)
        return self._token_pair(include_refresh=True)

    def refresh(self, request: Request) -> Response:
        form = {name: values[0] for name, values in request.form().items() if values}
        value = form.get("refresh_token") or request.param("refresh_token")
        if not value or self.refresh_tokens.state_of(value) is not TokenState.VALID:
            return spring_error(401, "Unauthorized", "Invalid refresh token", request.path)
        self.refresh_tokens.revoke(value)
        return self._token_pair(include_refresh=True)

    def _token_pair(self, include_refresh: bool) -> Response:
        access = self.tokens.issue(str(ADMIN_ID))
        refresh = self.refresh_tokens.issue(str(ADMIN_ID)).value if include_refresh else None
        return Response.json(
            {
                "refreshToken": refresh,
                "accessToken": access.value,
                "tokenType": "Bearer",
                "mainAccountId": MAIN_ACCOUNT_ID,
                "agentDetails": [
                    {
                        "agentId": 111111,
                        "firstName": "John",
                        "lastName": "Wang",
                        "email": "john.wang@example.com",
                        "username": "john.wang@example.com",
                        "agentType": "AGENT",
                        "rcUserId": 222222,
                        "accountId": self.dataset.accounts[0].account_id,
                        "accountName": self.dataset.accounts[0].name,
                        "agentGroupId": None,
                        "allowLoginControl": True,
                        "allowLoginUpdates": True,
                    }
                ],
                "adminId": ADMIN_ID,
                "adminUrl": "/voice/admin/",
                "agentUrl": "/voice/agent/",
                "ssoLogin": True,
            }
        )

    def issue_access_token(self) -> str:
        """A fresh RingCX access token, as the exchange would return it."""
        return self.tokens.issue(str(ADMIN_ID)).value

    # ---------------------------------------------------------------------------------- admin API

    def list_accounts(self, request: Request) -> Response:
        return self._refuse_unauthenticated(request) or Response.json(
            [
                self.interactions.listed_account(self._dated(account.record(), ACCOUNT_DATES))
                for account in self.dataset.accounts
            ]
        )

    def _dated(self, record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        """`record` with its dates in `date_style` (nested users too)."""
        if self.date_style == "iso":
            return record
        result = dict(record)
        for field in fields:
            if isinstance(result.get(field), str):
                result[field] = int(
                    datetime.strptime(result[field], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000
                )
        if isinstance(result.get("children"), list):
            result["children"] = [self._dated(child, fields) for child in result["children"]]
        return result

    def list_users(self, request: Request) -> Response:
        refusal = self._refuse_unauthenticated(request)
        if refusal is not None:
            return refusal
        if not self.users_permission:
            return Response.json(
                {
                    "errorCode": "access.denied.exception",
                    "generalMessage": "You do not have permission to access this resource",
                    "timestamp": int(self.clock.timestamp() * 1000),
                },
                403,
            )
        users = (
            self.flat_users() if (request.param("flatten") or "").lower() == "true" else self.dataset.users
        )
        users = [self._dated(user, USER_DATES) for user in users]
        return Response.json(
            [self._with_planted_secrets(user) for user in users] if self.user_secrets else users
        )

    def _with_planted_secrets(self, user: dict[str, Any]) -> dict[str, Any]:
        """`user` with canary credentials (`user_secrets`): secret-looking keys a connector must never emit."""
        user_id = user["userId"]
        return {
            **user,
            "password": f"user-password-{user_id}",
            "apiToken": f"user-api-token-{user_id}",
            "integrations": [{"name": "crm", "clientSecret": f"user-client-secret-{user_id}"}],
            "children": [self._with_planted_secrets(child) for child in user.get("children", [])],
        }

    def flat_users(self) -> list[dict[str, Any]]:
        """Every user once, parents before their children, none nested: the `flatten=true` answer."""
        flat: list[dict[str, Any]] = []
        pending = list(self.dataset.users)
        while pending:
            user = pending.pop(0)
            pending[:0] = user.get("children", [])
            flat.append({**user, "children": []})
        return flat

    def input_controls(self, request: Request) -> Response:
        refusal = self._refuse_unauthenticated(request)
        if refusal is not None:
            return refusal
        account = self.dataset.by_id.get(request.path_params["accountId"])
        if account is None:
            return spring_error(
                400, "Bad Request", f"Invalid accountId {request.path_params['accountId']}", request.path
            )
        if request.path_params["userId"] != str(ADMIN_ID) and not any(
            str(child["userId"]) == request.path_params["userId"]
            for child in self.dataset.users[0]["children"]
        ):
            return spring_error(
                404, "Not Found", f"User {request.path_params['userId']} not found", request.path
            )
        product = request.param("products")
        if product not in PRODUCTS:
            return spring_error(400, "Bad Request", f"Invalid products value: {product}", request.path)
        if request.list_param("accountIds") != [account.account_id]:
            return spring_error(
                400, "Bad Request", "accountIds must name the account of the path", request.path
            )
        objects = account.profiles if product == "CLOUD_PROFILE" else account.destinations
        return Response.json(self._controls_body(objects, product))

    def _controls_body(self, objects: tuple, product: str) -> Any:
        if self.input_controls_shape == "flat":
            return [
                {
                    "objId": item.object_id,
                    "objName": item.name,
                    "groupId": item.group_id,
                    "groupName": item.group_name,
                }
                for item in objects
            ]
        groups: dict[Any, dict[str, Any]] = {}
        for item in objects:
            group = groups.setdefault(
                item.group_id, {"groupId": item.group_id, "groupName": item.group_name, "children": []}
            )
            group["children"].append({"objId": item.object_id, "objName": item.name})
        nested = list(groups.values())
        if self.input_controls_shape == "keyed":
            return {product: nested}
        if self.input_controls_shape == "unknown":
            return {"result": {"items": [{"id": item.object_id, "label": item.name} for item in objects]}}
        return nested

    # ------------------------------------------------------------------------------------ report

    def report(self, request: Request) -> Reply:
        refusal = self._refuse_unauthenticated(request)
        if refusal is not None:
            return refusal
        try:
            account_id, group_by, object_ids, first, last, tz = self._validated_report(request)
        except ReportRequestInvalid as invalid:
            return spring_error(400, "Bad Request", str(invalid), request.path)
        now = self.clock.timestamp()
        answer = self._next_report_answer()

        def rows() -> Iterator[list[str]]:
            found = self.dataset.report_rows(account_id, group_by, object_ids, first, last, now, tz)
            return (
                (ragged(index, row) for index, row in found)
                if answer == "ragged"
                else (row for _, row in found)
            )

        if answer == "empty":
            return StreamedCsv(iter(()), self.chunk_rows, 0.0, lambda: 0)
        if answer == "html":
            page = StreamedCsv(iter([MAINTENANCE_PAGE]), self.chunk_rows, 0.0, lambda: 0)
            page.content_type = "text/html; charset=utf-8"
            return page
        if answer == "foreign_header":
            agents = (
                [str(111000 + n), "Smith", f"Agent{n}", f"agent{n}@example.com", "", "", ""] for n in range(3)
            )
            return StreamedCsv(csv_lines(chain([FOREIGN_HEADER], agents)), self.chunk_rows, 0.0, lambda: 3)
        lines = csv_lines(chain([header(group_by)], rows()))
        return StreamedCsv(lines, self.chunk_rows, self.chunk_delay, lambda: sum(1 for _ in rows()))

    def _next_report_answer(self) -> str:
        """The answer the next report request gets, counting down `report_answer_times`."""
        with self._settings_lock:
            answer = self.report_answer
            if self.report_answer_times is not None:
                self.report_answer_times -= 1
                if self.report_answer_times <= 0:
                    self.report_answer, self.report_answer_times = "csv", None
            return answer

    def _validated_report(self, request: Request) -> tuple[str, str, set[int], float, float, ZoneInfo]:
        body = request.json_object()
        account_id = request.path_params["accountId"]
        account = self.dataset.by_id.get(account_id)
        if account is None:
            raise ReportRequestInvalid(f"Invalid accountId {account_id}")
        for key, expected in (
            ("reportType", "CASPER_REPORT"),
            ("reportTypeName", "Cloud_Call_Detail_Download"),
        ):
            if body.get(key) != expected:
                raise ReportRequestInvalid(f"Unsupported {key}: {body.get(key)}")
        criteria = body.get("reportCriteria")
        if not isinstance(criteria, dict):
            raise ReportRequestInvalid("reportCriteria is required")
        for key, expected in (
            ("criteriaType", "CASPER_CRITERIA"),
            ("reportName", "Cloud_Call_Detail_Download"),
            ("returnType", "CSV"),
        ):
            if criteria.get(key) != expected:
                raise ReportRequestInvalid(f"Unsupported reportCriteria.{key}: {criteria.get(key)}")
        if (criteria.get("schedule") or {}).get("repeatOption") != "ONCE":
            raise ReportRequestInvalid(
                "reportCriteria.schedule.repeatOption must be ONCE for a streamed report"
            )
        account_ids = criteria.get("accountIds")
        if not isinstance(account_ids, list) or account_id not in account_ids:
            raise ReportRequestInvalid(
                f"reportCriteria.accountIds must include the account of the path ({account_id})"
            )
        unknown = [value for value in account_ids if value not in self.dataset.by_id]
        if unknown:
            raise ReportRequestInvalid(f"Invalid accountIds: {unknown}")
        group_by = criteria.get("groupBy")
        if group_by not in ("PROFILE", "DESTINATION"):
            raise ReportRequestInvalid(f"Invalid groupBy: {group_by}; expected PROFILE or DESTINATION")
        prefix, other = (
            ("cloudProfile", "cloudDestination")
            if group_by == "PROFILE"
            else ("cloudDestination", "cloudProfile")
        )
        group_ids, object_ids = criteria.get(f"{prefix}GroupIds"), criteria.get(f"{prefix}Ids")
        if (
            not isinstance(group_ids, list)
            or not isinstance(object_ids, list)
            or not group_ids
            or not object_ids
        ):
            raise ReportRequestInvalid(f"groupBy {group_by} requires {prefix}GroupIds and {prefix}Ids")
        if criteria.get(f"{other}GroupIds") or criteria.get(f"{other}Ids"):
            raise ReportRequestInvalid(f"groupBy {group_by} does not take {other}GroupIds or {other}Ids")
        known = {
            item.object_id: item
            for listed in (self.dataset.by_id[value] for value in account_ids)
            for item in (listed.profiles if group_by == "PROFILE" else listed.destinations)
        }
        for object_id in object_ids:
            if isinstance(object_id, bool) or not isinstance(object_id, int) or object_id not in known:
                raise ReportRequestInvalid(f"Invalid {prefix}Ids value: {object_id}")
            if known[object_id].group_id not in group_ids:
                raise ReportRequestInvalid(
                    f"{prefix}Ids value {object_id} does not belong to the {prefix}GroupIds sent"
                )
        zone_name = criteria.get("timezoneName")
        try:
            tz = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ReportRequestInvalid(f"Invalid timezoneName: {zone_name}") from None
        first = self._timestamp(criteria, "startTimestamp", tz)
        last = self._timestamp(criteria, "endTimestamp", tz)
        if last < first:
            raise ReportRequestInvalid("endTimestamp must not be before startTimestamp")
        return account_id, group_by, set(object_ids), first, last, tz

    @staticmethod
    def _timestamp(criteria: dict[str, Any], key: str, tz: ZoneInfo) -> float:
        text = criteria.get(key)
        if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
            raise ReportRequestInvalid(f"Unparseable {key}: '{text}'; expected yyyy-MM-dd HH:mm:ss[.SSSS]")
        return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()

    # ------------------------------------------------------------------------------- faults, auth

    def expired_token_response(self, request: Request) -> Response:
        return spring_error(401, "Unauthorized", "Jwt is expired", request.path)

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response.json(
            {"status": 429, "error": "Too Many Requests", "message": "Rate limit exceeded"},
            429,
            {"Retry-After": retry_after_header(retry_after)},
        )

    def _answer_with_fault(self, kind: str, route: Route, request: Request) -> Any:
        outcome = super()._answer_with_fault(kind, route, request)
        if kind == "truncated" and isinstance(outcome.reply, StreamedCsv):
            return outcome._replace(reply=outcome.reply.cut_halfway(self.truncated_style))
        return outcome

    def _refuse_unauthenticated(self, request: Request) -> Response | None:
        api_token = request.header("X-Auth-Token")
        if api_token is not None:
            return (
                None
                if api_token in self.api_tokens
                else spring_error(401, "Unauthorized", "Invalid API token", request.path)
            )
        value = request.bearer_token()
        if value is None:
            return spring_error(
                401, "Unauthorized", "Full authentication is required to access this resource", request.path
            )
        state = self.tokens.state_of(value)
        if state is TokenState.VALID:
            return None
        if state is TokenState.EXPIRED:
            return self.expired_token_response(request)
        return spring_error(401, "Unauthorized", "Invalid JWT", request.path)

    # ------------------------------------------------------------------------------- Python API

    def ground_truth(self, timezone_name: str = "UTC", group_by: str = "PROFILE") -> list[dict[str, Any]]:
        """Every call enqueued by now, as report rows (header -> cell) in `timezone_name`, plus `account_id`,
        in enqueue order: what full reports over all profiles (or destinations) of every account return."""
        tz = ZoneInfo(timezone_name)
        columns = header(group_by)
        truth = []
        for index in self.dataset.indices_between(float("-inf"), float("inf"), self.clock.timestamp()):
            call = self.dataset.call(index)
            if group_by == "DESTINATION" and call.destination is None:
                continue
            row = {
                "account_id": call.account.account_id,
                **dict(zip(columns, call.row(group_by, tz), strict=True)),
            }
            surplus = ragged(index, call.row(group_by, tz))[len(columns) :]
            if self.report_answer == "ragged" and surplus:
                row["_surplus"] = surplus
            truth.append(row)
        return truth

    def calls_truth(self) -> list[dict[str, Any]]:
        """Every call enqueued by now as the emulator made it, in the unified `calls` vocabulary, in enqueue
        order: the enqueue instant (to the second), the seconds it queued, talked and lasted, whether a
        destination answered or the caller abandoned, the numbers, the profile and the recording."""
        truth = []
        for index in self.dataset.indices_between(float("-inf"), float("inf"), self.clock.timestamp()):
            call = self.dataset.call(index)
            fields = call.fields
            answered = call.destination is not None
            truth.append(
                {
                    "account": call.account.account_id,
                    "call_id": fields["uii"].removeprefix("'"),
                    "enqueued": datetime.fromtimestamp(call.enqueued, timezone.utc),
                    "outcome": "answered" if answered else "abandoned",
                    "queue_seconds": int(fields["queue_time"]),
                    "talk_seconds": int(fields["connected_duration"]) if answered else None,
                    "duration_seconds": int(fields["inbound_duration"]),
                    "caller_number": fields["ani"],
                    "called_number": call.profile.number,
                    "queue": call.profile.name,
                    "recording_url": fields["recording_url"] or None,
                }
            )
        return truth

    def _control_settings(self, request: Request) -> Response:
        body = request.json_object()
        if "input_controls_shape" in body:
            if body["input_controls_shape"] not in SHAPES:
                raise ValueError(f"input_controls_shape must be one of {SHAPES}")
            self.input_controls_shape = body["input_controls_shape"]
        if "truncated_style" in body:
            if body["truncated_style"] not in TRUNCATED_STYLES:
                raise ValueError(f"truncated_style must be one of {TRUNCATED_STYLES}")
            self.truncated_style = body["truncated_style"]
        if "chunk_delay" in body:
            self.chunk_delay = float(body["chunk_delay"])
        if "report_answer" in body:
            if body["report_answer"] not in REPORT_ANSWERS:
                raise ValueError(f"report_answer must be one of {REPORT_ANSWERS}")
            times = body.get("report_answer_times")
            with self._settings_lock:
                self.report_answer = body["report_answer"]
                self.report_answer_times = int(times) if times is not None else None
        if "legacy_login_style" in body:
            if body["legacy_login_style"] not in LEGACY_LOGIN_STYLES:
                raise ValueError(f"legacy_login_style must be one of {LEGACY_LOGIN_STYLES}")
            self.legacy_login_style = body["legacy_login_style"]
        if "users_permission" in body:
            self.users_permission = bool(body["users_permission"])
        if "date_style" in body:
            if body["date_style"] not in DATE_STYLES:
                raise ValueError(f"date_style must be one of {DATE_STYLES}")
            self.date_style = body["date_style"]
        return Response.json(
            {
                "input_controls_shape": self.input_controls_shape,
                "truncated_style": self.truncated_style,
                "chunk_delay": self.chunk_delay,
                "report_answer": self.report_answer,
                "report_answer_times": self.report_answer_times,
                "legacy_login_style": self.legacy_login_style,
                "users_permission": self.users_permission,
                "date_style": self.date_style,
            }
        )

    # ------------------------------------------------------------------------------ command line

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        add_interactions_arguments(parser)
        data = parser.add_argument_group("RingCX data set")
        data.add_argument("--seed", type=int, default=0, help="seed of the synthetic data set")
        data.add_argument("--accounts", type=int, default=2, help="number of RingCX accounts")
        data.add_argument("--calls", type=int, default=3000, help="number of calls over all accounts")
        data.add_argument(
            "--days", type=int, default=30, help="days of calls, ending at --end-date 00:00 UTC"
        )
        data.add_argument(
            "--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)"
        )
        auth = parser.add_argument_group("RingCX authentication")
        auth.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
        auth.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
        auth.add_argument("--jwt", default=DEFAULT_JWT, help="the RingCentral JWT credential accepted")
        auth.add_argument(
            "--api-token",
            action="append",
            default=None,
            help=f"permanent API token (repeatable; default {DEFAULT_API_TOKEN})",
        )
        auth.add_argument(
            "--token-ttl", type=float, default=300, help="RingCX access token lifetime in seconds"
        )
        auth.add_argument(
            "--refresh-ttl", type=float, default=86_400, help="refresh token lifetime in seconds"
        )
        auth.add_argument(
            "--exchange-per-minute",
            type=int,
            default=5,
            help="token exchanges per (scaled) minute; 0: no limit",
        )
        api = parser.add_argument_group("RingCX API behaviour")
        api.add_argument("--input-controls-shape", choices=SHAPES, default="nested")
        api.add_argument(
            "--chunk-rows", type=int, default=500, help="CSV rows per chunk of the streamed report"
        )
        api.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between report chunks")
        api.add_argument("--truncated-style", choices=TRUNCATED_STYLES, default="connection")
        api.add_argument(
            "--report-answer", choices=REPORT_ANSWERS, default="csv", help="what report requests get"
        )
        api.add_argument(
            "--report-answer-times",
            type=int,
            default=None,
            help="only the next N report requests (default: all)",
        )
        api.add_argument("--legacy-login-style", choices=LEGACY_LOGIN_STYLES, default="query")
        api.add_argument("--username", default=DEFAULT_USERNAME, help="legacy login user name")
        api.add_argument("--password", default=DEFAULT_PASSWORD, help="legacy login password")
        api.add_argument("--platform-id", default=DEFAULT_PLATFORM_ID, help="legacy login platformId")
        api.add_argument(
            "--no-users-permission",
            action="store_true",
            help="the login lacks MANAGE_USERS: users answers 403",
        )
        api.add_argument(
            "--date-style",
            choices=DATE_STYLES,
            default="iso",
            help="account and user dates as ISO 8601 (+0000) or epoch milliseconds",
        )
        api.add_argument(
            "--user-secrets",
            action="store_true",
            help="plant canary credentials (password, apiToken, clientSecret) in every user record",
        )
        add_stats_arguments(parser)

    @classmethod
    def options_from_arguments(cls, args: argparse.Namespace) -> dict[str, Any]:
        return {
            **super().options_from_arguments(args),
            "interactions": interactions_options(args),
            "seed": args.seed,
            "accounts": args.accounts,
            "calls": args.calls,
            "days": args.days,
            "end_date": args.end_date,
            "client_id": args.client_id,
            "client_secret": args.client_secret,
            "jwt": args.jwt,
            "api_tokens": tuple(args.api_token or (DEFAULT_API_TOKEN,)),
            "token_ttl": args.token_ttl,
            "refresh_ttl": args.refresh_ttl,
            "exchange_per_minute": args.exchange_per_minute,
            "input_controls_shape": args.input_controls_shape,
            "chunk_rows": args.chunk_rows,
            "chunk_delay": args.chunk_delay,
            "truncated_style": args.truncated_style,
            "report_answer": args.report_answer,
            "report_answer_times": args.report_answer_times,
            "legacy_login_style": args.legacy_login_style,
            "username": args.username,
            "password": args.password,
            "platform_id": args.platform_id,
            "users_permission": not args.no_users_permission,
            "user_secrets": args.user_secrets,
            "date_style": args.date_style,
            "stats": stats_options(args),
        }
