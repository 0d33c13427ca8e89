"""Emulator of Huawei CEC CC-CMS call data, with auth-v2 signatures.

Vendor pages: "Querying Call Information in a Specified VDN (V2)" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html),
"Querying CDRs of a Specified Call ID" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html),
"Querying Information About Missed Calls in a Specified VDN" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2582.html) and
"Querying the Call track Data in a Specific VDN" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html).

Endpoints (all `POST`, JSON, `Content-Type: application/json;charset=UTF-8`):

- `/rest/cmsapp/v2/openapi/vdn/querycalls`: body `{"ccId", "vdn", "isCallIn": "true"|"false",
  "beginDate", "endDate", "limit", "offset"}` (dates epoch milliseconds, both inclusive). Answer
  `{"resultCode": "0100000", "resultDesc": {"data": [...], "count": N}}` (`layout="flat"` puts `data` and
  `count` beside `resultCode`, the other reading of the documentation's table). `count` is the number of
  matching calls; `offset` skips that many; `limit` at most `max_limit` (default 100).
  Rules: `beginDate` not earlier than 00:00 of the previous day and `endDate` not later than 23:59:59.999
  of today, both in the tenant's zone (data is kept one day); `beginDate <= endDate`.
- `/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid`: body `{"queryParam": {"ccId", "isCallin",
  "callId"}}`. Answer `{"result": "0", "resultCode": "0100000", "resultDatas": {...}, "resultDesc": {...}}`
  like the page's example (`detail_layout` "desc" or "datas" sends only one of the two). A call that is unknown or
  no longer held answers success with empty objects.
- `/rest/cmsapp/v1/callin/queryMissedCalls`: body `{"vdn", "offset", "limit", "beginTime", "endTime"}`
  (`limit` 1..5000 and `offset` required; times `yyyy-MM-dd HH:mm:ss` UTC, optional, both inclusive to the
  second: an inference, the page does not say). Answer `{"returnCode": "0", "returnDesc", "total",
  "missedCalls": [...]}`; failures `{"returnCode": <code>, "returnDesc": ...}`. Selects on `waitBegin`;
  only calls still held (one-day retention, as the call list: an inference) are returned.
- `/rest/cmsapp/v1/openapi/vdn/querycalltracedetail`: body `{"ccId", "vdn", "callId", "logDate"}` (all
  required). Answer `{"resultCode": "0100000", "resultDesc": [legs]}`; an unknown call answers an empty
  list. When outbound and inbound calls share the id, the one whose `logDate` is the one sent is traced.

Every request must carry a valid `auth-v2` signature (`huawei_cms_auth.py`); otherwise HTTP 401. Bad
input answers HTTP 200 with the documented result codes: `0100002` (invalid parameter, naming it),
`0101003` (the access key has no permission for that call center or VDN). `POST /__control/result_codes`
`{"queue": ["0100999", ...], "path": optional}` makes the next requests answer those codes (for
`0100001` call failed / `0100999` unknown exception, which clients retry). The generic faults of
`faults.py` apply to both endpoints; `expired_token` answers the 401 of a stale signature.

Variants real servers are known or suspected to play (each selectable per test):

- `host_form` (`--host-form`): which `host` the signature must carry. Huawei's demo code
  (github.com/Huawei/CloudIPCC_huaweicloud_hpsdemo, `HpsRequest.setHeaders`) signs and sends the address
  without the port; a server behind an NSLB may expect `ip:port`. `without_port` or `with_port` demand
  that form (HTTP 401 otherwise); `any` (the default) accepts whatever was signed.
- `paging` (`--paging`): `offset` honours `offset`; `ignores_offset` answers every page from the first
  call of the period, as a server that does not implement paging would.
- `count` (`--count`): `sent` puts `count` in the answer; `omitted` leaves it out.
- `number_form` (`--number-form`): `integers` sends the codes, IDs, durations and epoch milliseconds as
  JSON numbers, as the pages' tables type them; `text` sends them as digit strings, as the response
  example of "Querying the Call track Data in a Specific VDN"
  (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html) shows (`"waitBegin": "1615717765000"`).
- `extra_fields` (`--extra-field name=value`, repeatable): fields every call-list entry and detail record
  carries besides the documented ones, as a deployment with customised CDRs might send (secret-looking
  ones such as `agentPassword` test that the connector drops them from records and masks them in logs).
- odd HTTP-200 answers, queued for the next requests (`inject_odd_answers`, `POST /__control/odd_answers`
  `{"queue": [kinds], "path": optional}`): `no_data` (success `resultCode` without the `data` list, or
  without `resultDesc`/`resultDatas` on the detail page), `text_desc` (success with `resultDesc` a string),
  `html` (an HTML page, as a single-sign-on proxy sends), `empty` (no body at all).

HTTPS: `tls=True` (`--tls`) serves with a certificate for 127.0.0.1 issued by a throwaway CA whose PEM is
written to `ca_file` (`--ca-file`; a temporary file otherwise) and kept in `ca_certificate_pem`, for
clients to pass as `ca_certificate`. Without it the emulator speaks plain HTTP on loopback.

Data: `calls` calls from `start` (default 00:00 two days ago, tenant zone, so part of the set is already
past retention) to `end` (default an hour ago); see `huawei_cms_calls.py`. `ground_truth()` is every call
the API still holds, in entry order, as `{"isCallIn", "call", "detail"}` with the records exactly as the
two endpoints return them.
"""

from __future__ import annotations

import argparse
import copy
import os
import ssl
import tempfile
import threading
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .base import LOOPBACK, EmulatorServer, Request, RequestBodyError, Response
from .clock import parse_instant
from .huawei_cms_auth import TIMESTAMP_MODES, SignatureChecker, SignatureRejected
from .huawei_cms_calls import CmsDataset, millis

QUERY_CALLS_PATH = "/rest/cmsapp/v2/openapi/vdn/querycalls"
CALL_DETAIL_PATH = "/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"
MISSED_CALLS_PATH = "/rest/cmsapp/v1/callin/queryMissedCalls"
CALL_TRACE_PATH = "/rest/cmsapp/v1/openapi/vdn/querycalltracedetail"
MISSED_CALLS_LIMIT = 5000
UTC_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_ACCESS_KEY = "emulator-cms-ak"
DEFAULT_SECRET_KEY = "emulator-cms-sk"
SUCCESS = "0100000"
INVALID_PARAMETER = "0100002"
NO_PERMISSION = "0101003"
RESULT_DESCRIPTIONS = {
    "0100001": "Call failed.",
    INVALID_PARAMETER: "Invalid parameter.",
    "0100003": "The CTI version does not match.",
    "0100999": "Unknown exception.",
    "0101001": "QC interface error.",
    "0101002": "The number is not in the UAP.",
    NO_PERMISSION: "Insufficient permission.",
}
LAYOUTS = ("nested", "flat")
DETAIL_LAYOUTS = ("both", "desc", "datas")
HOST_FORMS = ("any", "without_port", "with_port")
PAGING = ("offset", "ignores_offset")
COUNT = ("sent", "omitted")
NUMBER_FORMS = ("integers", "text")
MISSED_TIME_FORMS = ("millis", "text")
ODD_ANSWERS = ("no_data", "text_desc", "html", "empty")
LOGIN_PAGE = "<html><head><title>Login</title></head><body><form action='/sso/login'></form></body></html>"


class ResultCodeError(Exception):
    """A request CC-CMS answers with HTTP 200 and a failure `resultCode`."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def response(self, path: str | None = None) -> Response:
        """The failure as the interface answers it (`queryMissedCalls` has its own `returnCode` keys)."""
        if path == MISSED_CALLS_PATH:
            return Response.json({"returnCode": self.code, "returnDesc": self.description})
        return Response.json({"resultCode": self.code, "resultDesc": self.description})


def invalid(parameter: str, problem: str) -> ResultCodeError:
    return ResultCodeError(INVALID_PARAMETER, f"Invalid parameter: {parameter} {problem}")


def _integer(
    body: dict[str, Any], name: str, low: int, high: int | None, required: bool = True
) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, "is required")
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, f"must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f">= {low}"
        raise invalid(name, f"must be in {limit}, got {value}")
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value not in ("true", "false"):
        raise invalid(name, f'must be the string "true" or "false", got {value!r}')
    return value == "true"


def _throwaway_tls(ca_file: str | None) -> tuple[ssl.SSLContext, str, str]:
    """A server context for 127.0.0.1 from a brand-new CA; the CA's PEM and where it was written."""
    import trustme  # a test-only dependency, needed only when HTTPS is asked for

    authority = trustme.CA(organization_name="CC-CMS emulator private CA")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    pem = authority.cert_pem.bytes().decode("ascii")
    if ca_file is None:
        handle, ca_file = tempfile.mkstemp(prefix="cms-emulator-ca-", suffix=".pem")
        os.close(handle)
    with open(ca_file, "w", encoding="ascii") as out:
        out.write(pem)
    return context, pem, ca_file


class HuaweiCmsEmulator(EmulatorServer):
    """Huawei CEC CC-CMS: VDN call query and call detail by id, auth-v2 signatures, one-day retention."""

    name = "huawei-cms"

    def __init__(
        self,
        *,
        seed: int = 0,
        calls: int = 600,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        tenant_timezone: str = "UTC",
        cc_id: int = 1,
        vdn: int = 1,
        access_key: str = DEFAULT_ACCESS_KEY,
        secret_key: str = DEFAULT_SECRET_KEY,
        timestamp_mode: str = "seconds",
        signed_headers: tuple[str, ...] = ("host",),
        max_skew_minutes: float = 15,
        max_limit: int = 100,
        layout: str = "nested",
        detail_layout: str = "both",
        host_form: str = "any",
        paging: str = "offset",
        count: str = "sent",
        number_form: str = "integers",
        missed_time_form: str = "millis",
        rate_limit_per_second: int = 0,
        extra_fields: dict[str, Any] | None = None,
        tls: bool = False,
        ca_file: str | None = None,
        **common: Any,
    ) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        if detail_layout not in DETAIL_LAYOUTS:
            raise ValueError(f"detail_layout must be one of {DETAIL_LAYOUTS}, got {detail_layout!r}")
        for name, value, choices in (
            ("host_form", host_form, HOST_FORMS),
            ("paging", paging, PAGING),
            ("count", count, COUNT),
            ("number_form", number_form, NUMBER_FORMS),
            ("missed_time_form", missed_time_form, MISSED_TIME_FORMS),
        ):
            if value not in choices:
                raise ValueError(f"{name} must be one of {choices}, got {value!r}")
        self.ca_certificate_pem: str | None = None
        self.ca_file: str | None = None
        if tls:
            common["ssl_context"], self.ca_certificate_pem, self.ca_file = _throwaway_tls(ca_file)
        super().__init__(**common)
        self.zone = ZoneInfo(tenant_timezone)
        now = self.clock.now()
        local_today = now.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        first = _instant(start) or (local_today - timedelta(days=2)).astimezone(timezone.utc)
        last = _instant(end) or (now - timedelta(hours=1)).replace(second=0, microsecond=0)
        if last <= first:
            raise ValueError(f"end ({last.isoformat()}) must be after start ({first.isoformat()})")
        self.cc_id = cc_id
        self.vdn = vdn
        self.max_limit = max_limit
        self.layout = layout
        self.detail_layout = detail_layout
        self.host_form = host_form
        self.paging = paging
        self.count = count
        self.dataset = CmsDataset(seed, calls, first, last, cc_id, vdn, tenant_timezone)
        for call in self.dataset.calls:
            if number_form == "text":
                call.summary, call.detail = _as_text(call.summary), _as_text(call.detail)
            if call.missed is not None and missed_time_form == "text":
                for name in ("waitBegin", "callEnd"):
                    call.missed[name] = _utc_text(call.missed[name])
            if number_form == "text":
                call.legs = [_as_text(leg) for leg in call.legs]
                if call.missed is not None:
                    call.missed = _as_text(call.missed)
            call.summary.update(copy.deepcopy(extra_fields or {}))
            call.detail.update(copy.deepcopy(extra_fields or {}))
        self.signatures = SignatureChecker(
            {access_key: secret_key},
            timestamp_mode,
            frozenset(name.lower() for name in signed_headers),
            max_skew_minutes * 60,
        )
        self._result_codes: deque[tuple[str, str | None]] = deque()
        self._odd_answers: deque[tuple[str, str | None]] = deque()
        self.odd_answers_served: list[str] = []
        """The kinds of odd answers sent so far, in order, cleared by reset()."""
        self._result_codes_lock = threading.Lock()
        self.received_queries: list[dict[str, Any]] = []
        """Every valid `querycalls` body answered (the request log has no bodies), cleared by reset()."""
        limiter = self.new_rate_limiter(rate_limit_per_second, 1.0)
        self.add_route("POST", QUERY_CALLS_PATH, self.query_calls, faultable=True, rate_limiter=limiter)
        self.add_route("POST", CALL_DETAIL_PATH, self.call_detail, faultable=True, rate_limiter=limiter)
        self.add_route("POST", MISSED_CALLS_PATH, self.missed_calls, faultable=True, rate_limiter=limiter)
        self.add_route("POST", CALL_TRACE_PATH, self.call_trace, faultable=True, rate_limiter=limiter)
        self.add_control_route("POST", "result_codes", self._control_result_codes)
        self.add_control_route("POST", "odd_answers", self._control_odd_answers)
        self.add_control_route("GET", "ca_certificate", self._control_ca_certificate)

    # ------------------------------------------------------------------------------------ endpoints

    def query_calls(self, request: Request) -> Response:
        try:
            odd, body = self._admit(request, QUERY_CALLS_PATH)
            self._check_tenant(body)
            inbound = _flag(body, "isCallIn")
            begin = _integer(body, "beginDate", 0, None)
            end = _integer(body, "endDate", 0, None)
            # The documented cap is 100; a smaller `max_limit` plays a server that silently pages shorter.
            limit = min(_integer(body, "limit", 1, 100, required=False) or 100, self.max_limit)
            offset = _integer(body, "offset", 0, None, required=False) or 0
            self._check_period(begin, end)  # type: ignore[arg-type]
            with self._result_codes_lock:
                self.received_queries.append(body)
        except SignatureRejected as refusal:
            return self.signature_refused(str(refusal))
        except ResultCodeError as failure:
            return failure.response()
        matching = [
            call
            for call in self.dataset.visible(self._now_ms())
            if call.inbound == inbound and begin <= call.entered_ms <= end  # type: ignore[operator]
        ]
        if self.paging == "ignores_offset":
            offset = 0
        page: dict[str, Any] = {
            "data": [copy.deepcopy(call.summary) for call in matching[offset : offset + limit]]
        }
        if self.count == "sent":
            page["count"] = len(matching)
        if odd is not None:
            return _odd_response(odd, {"resultCode": SUCCESS, "resultDesc": {"count": len(matching)}})
        if self.layout == "flat":
            return Response.json({"resultCode": SUCCESS, **page})
        return Response.json({"resultCode": SUCCESS, "resultDesc": page})

    def call_detail(self, request: Request) -> Response:
        try:
            odd, body = self._admit(request, CALL_DETAIL_PATH)
            query = body.get("queryParam")
            if not isinstance(query, dict):
                raise invalid("queryParam", "is required and must be an object")
            self._check_tenant(query, with_vdn=False)
            inbound = _flag(query, "isCallin")
            call_id = query.get("callId")
            if not isinstance(call_id, str) or not call_id.strip():
                raise invalid("callId", "is required")
        except SignatureRejected as refusal:
            return self.signature_refused(str(refusal))
        except ResultCodeError as failure:
            return failure.response()
        if odd is not None:
            return _odd_response(odd, {"result": "0", "resultCode": SUCCESS})
        call = self.dataset.find(call_id, inbound)
        held = call is not None and self._held(call.entered_ms) and call.logged_ms <= self._now_ms()
        record = copy.deepcopy(call.detail) if held and call is not None else {}
        body: dict[str, Any] = {"result": "0", "resultCode": SUCCESS}
        if self.detail_layout in ("both", "datas"):
            body["resultDatas"] = record
        if self.detail_layout in ("both", "desc"):
            body["resultDesc"] = copy.deepcopy(record)
        return Response.json(body)

    def missed_calls(self, request: Request) -> Response:
        try:
            odd, body = self._admit(request, MISSED_CALLS_PATH)
            if _integer(body, "vdn", 1, 5000) != self.vdn:
                raise ResultCodeError(
                    NO_PERMISSION, "Insufficient permission: the access key may not query this vdn."
                )
            offset = _integer(body, "offset", 0, None)
            limit = _integer(body, "limit", 1, MISSED_CALLS_LIMIT)
            begin = _utc_text_millis(body, "beginTime")
            end = _utc_text_millis(body, "endTime")
        except SignatureRejected as refusal:
            return self.signature_refused(str(refusal))
        except ResultCodeError as failure:
            return failure.response(MISSED_CALLS_PATH)
        first = begin if begin is not None else 0
        last = end + 999 if end is not None else self._now_ms()  # inclusive to the second
        matching = [
            call
            for call in self.dataset.visible(self._now_ms())
            if call.missed is not None and self._held(call.entered_ms) and first <= call.entered_ms <= last
        ]
        if odd is not None:
            return _odd_response(odd, {"returnCode": "0", "total": len(matching)})
        if self.paging == "ignores_offset":
            offset = 0
        page = [copy.deepcopy(call.missed) for call in matching[offset : offset + limit]]  # type: ignore[operator]
        return Response.json(
            {"returnCode": "0", "returnDesc": "success", "total": len(matching), "missedCalls": page}
        )

    def call_trace(self, request: Request) -> Response:
        try:
            odd, body = self._admit(request, CALL_TRACE_PATH)
            self._check_tenant(body)
            call_id = body.get("callId")
            if not isinstance(call_id, str) or not call_id.strip():
                raise invalid("callId", "is required")
            log_date = _integer(body, "logDate", 0, None)
        except SignatureRejected as refusal:
            return self.signature_refused(str(refusal))
        except ResultCodeError as failure:
            return failure.response()
        if odd is not None:
            return _odd_response(odd, {"resultCode": SUCCESS})
        same_id = [call for call in self.dataset.visible(self._now_ms()) if call.call_id == call_id]
        chosen = [call for call in same_id if call.logged_ms == log_date] or same_id
        legs = copy.deepcopy(chosen[0].legs) if chosen else []
        return Response.json({"resultCode": SUCCESS, "resultDesc": legs})

    # -------------------------------------------------------------------------------- provider rules

    def signature_refused(self, reason: str) -> Response:
        return Response.json({"message": f"Authentication failed: {reason}"}, 401)

    def expired_token_response(self, request: Request) -> Response:
        return self.signature_refused("timestamp is more than 15 minutes away from server time")

    def _admit(self, request: Request, path: str) -> tuple[str | None, dict[str, Any]]:
        """What every endpoint does first: check the signature, play an injected result code, take the odd
        answer queued for `path` (if any) and read the JSON body."""
        self._authenticate(request)
        self._raise_injected(path)
        return self._odd_answer(path), self._json_body(request)

    def _authenticate(self, request: Request) -> None:
        self.signatures.verify(
            request.method, request.path, request.raw_query, request.headers, request.body, self.clock.now()
        )
        self._check_host(request.headers.get("Host") or "")

    def _check_host(self, sent: str) -> None:
        """With `host_form` set, the signed `host` must be this server's address in that form."""
        if self.host_form == "any":
            return
        expected = LOOPBACK if self.host_form == "without_port" else f"{LOOPBACK}:{self.port}"
        if sent != expected:
            raise SignatureRejected(f"signed host {sent!r} is not {expected!r} ({self.host_form})")

    def _json_body(self, request: Request) -> dict[str, Any]:
        try:
            return request.json_object()
        except RequestBodyError as error:
            raise invalid("body", str(error)) from error

    def _check_tenant(self, body: dict[str, Any], with_vdn: bool = True) -> None:
        cc_id = _integer(body, "ccId", 1, 65535)
        vdn = _integer(body, "vdn", 1, 5000) if with_vdn else self.vdn
        if cc_id != self.cc_id or vdn != self.vdn:
            raise ResultCodeError(
                NO_PERMISSION, "Insufficient permission: the access key may not query this ccId/vdn."
            )

    def earliest_held(self) -> datetime:
        """00:00 of the previous day in the tenant's zone: the oldest instant still queryable."""
        local_now = self.clock.now().astimezone(self.zone)
        today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        return (today - timedelta(days=1)).astimezone(timezone.utc)

    def latest_allowed(self) -> datetime:
        """23:59:59.999 today in the tenant's zone: the latest `endDate` accepted."""
        local_now = self.clock.now().astimezone(self.zone)
        tomorrow = (local_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return tomorrow.astimezone(timezone.utc) - timedelta(milliseconds=1)

    def _check_period(self, begin: int, end: int) -> None:
        if begin < millis(self.earliest_held()):
            raise invalid("beginDate", "cannot be earlier than 00:00:00 of the previous day")
        if end > millis(self.latest_allowed()):
            raise invalid("endDate", "cannot be later than 23:59:59 of the current day")
        if begin > end:
            raise invalid("beginDate", "must not be later than endDate")

    def _held(self, entered_ms: int) -> bool:
        return entered_ms >= millis(self.earliest_held())

    def _now_ms(self) -> int:
        return millis(self.clock.now())

    def _raise_injected(self, path: str) -> None:
        with self._result_codes_lock:
            for index, (code, only_path) in enumerate(self._result_codes):
                if only_path is None or only_path == path:
                    del self._result_codes[index]
                    raise ResultCodeError(code, RESULT_DESCRIPTIONS.get(code, "Failure."))

    def _odd_answer(self, path: str) -> str | None:
        with self._result_codes_lock:
            for index, (kind, only_path) in enumerate(self._odd_answers):
                if only_path is None or only_path == path:
                    del self._odd_answers[index]
                    self.odd_answers_served.append(kind)
                    return kind
        return None

    # ---------------------------------------------------------------------------------- Python API

    def ground_truth(self) -> list[dict[str, Any]]:
        """Every call still held: its call-list entry, detail, missed-call entry (None unless it is one) and legs."""
        now = self._now_ms()
        return [
            {
                "isCallIn": call.inbound,
                "call": copy.deepcopy(call.summary),
                "detail": copy.deepcopy(call.detail),
                "missed": copy.deepcopy(call.missed),
                "legs": copy.deepcopy(call.legs),
            }
            for call in self.dataset.visible(now)
            if self._held(call.entered_ms)
        ]

    def expired_calls(self) -> list[dict[str, Any]]:
        """Calls of the data set past retention (no query can return them any more), shaped like ground truth."""
        return [
            {
                "isCallIn": call.inbound,
                "call": copy.deepcopy(call.summary),
                "detail": copy.deepcopy(call.detail),
            }
            for call in self.dataset.calls
            if not self._held(call.entered_ms)
        ]

    def inject_result_codes(self, codes: list[str], path: str | None = None) -> None:
        """The next requests (to `path` only, if given) answer these result codes, in order."""
        with self._result_codes_lock:
            self._result_codes.extend((str(code), path) for code in codes)

    def inject_odd_answers(self, kinds: list[str], path: str | None = None) -> None:
        """The next requests (to `path` only, if given) get these undocumented HTTP-200 answers, in order."""
        unknown = [kind for kind in kinds if kind not in ODD_ANSWERS]
        if unknown:
            raise ValueError(f"unknown odd answer {unknown[0]!r}; known: {', '.join(ODD_ANSWERS)}")
        with self._result_codes_lock:
            self._odd_answers.extend((kind, path) for kind in kinds)

    def reset(self) -> None:
        super().reset()
        with self._result_codes_lock:
            self._result_codes.clear()
            self._odd_answers.clear()
            self.odd_answers_served.clear()
            self.received_queries.clear()

    def _control_result_codes(self, request: Request) -> Response:
        body = request.json_object()
        if not isinstance(body.get("queue"), list):
            raise ValueError('"queue" must be a list of result codes')
        self.inject_result_codes(body["queue"], body.get("path"))
        return Response.json({"queued": len(self._result_codes)})

    def _control_odd_answers(self, request: Request) -> Response:
        body = request.json_object()
        if not isinstance(body.get("queue"), list):
            raise ValueError('"queue" must be a list of odd answer kinds')
        self.inject_odd_answers([str(kind) for kind in body["queue"]], body.get("path"))
        return Response.json({"queued": len(self._odd_answers)})

    def _control_ca_certificate(self, request: Request) -> Response:
        if self.ca_certificate_pem is None:
            raise ValueError("this emulator serves plain HTTP; start it with --tls for a private CA")
        return Response.text(self.ca_certificate_pem, content_type="application/x-pem-file")

    # -------------------------------------------------------------------------------- command line

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        data = parser.add_argument_group("CC-CMS data set")
        data.add_argument("--seed", type=int, default=0, help="seed of the synthetic data set")
        data.add_argument("--calls", type=int, default=600, help="number of calls")
        data.add_argument(
            "--start", default=None, help="ISO 8601 start (default: 00:00 two days ago, tenant zone)"
        )
        data.add_argument("--end", default=None, help="ISO 8601 end (default: an hour ago)")
        data.add_argument("--tenant-timezone", default="UTC", help="tenant zone of the retention rule")
        data.add_argument("--cc-id", type=int, default=1, help="the call center id the key may query")
        data.add_argument("--vdn", type=int, default=1, help="the VDN the key may query")
        auth = parser.add_argument_group("CC-CMS signatures and TLS")
        auth.add_argument("--access-key", default=DEFAULT_ACCESS_KEY)
        auth.add_argument("--secret-key", default=DEFAULT_SECRET_KEY)
        auth.add_argument("--timestamp-mode", choices=TIMESTAMP_MODES, default="seconds")
        auth.add_argument(
            "--signed-headers",
            type=lambda text: tuple(name for name in text.split(",") if name),
            default=("host",),
            help="comma-separated headers that must be signed (default: host)",
        )
        auth.add_argument("--max-skew-minutes", type=float, default=15)
        auth.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway private CA")
        auth.add_argument("--ca-file", default=None, help="where to write the private CA's PEM (with --tls)")
        api = parser.add_argument_group("CC-CMS API behaviour")
        api.add_argument("--max-limit", type=int, default=100)
        api.add_argument("--layout", choices=LAYOUTS, default="nested")
        api.add_argument("--detail-layout", choices=DETAIL_LAYOUTS, default="both")
        api.add_argument("--host-form", choices=HOST_FORMS, default="any", help="the signed host demanded")
        api.add_argument("--paging", choices=PAGING, default="offset")
        api.add_argument("--count", choices=COUNT, default="sent")
        api.add_argument("--number-form", choices=NUMBER_FORMS, default="integers")
        api.add_argument(
            "--missed-time-form",
            choices=MISSED_TIME_FORMS,
            default="millis",
            help="how queryMissedCalls sends waitBegin/callEnd: epoch milliseconds or yyyy-MM-dd HH:mm:ss UTC",
        )
        api.add_argument("--rate-limit-per-second", type=int, default=0, help="0: no limit")
        api.add_argument(
            "--extra-field",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a field every call and detail record carries besides the documented ones (repeatable)",
        )

    @classmethod
    def options_from_arguments(cls, args: argparse.Namespace) -> dict[str, Any]:
        return {
            **super().options_from_arguments(args),
            "seed": args.seed,
            "calls": args.calls,
            "start": args.start,
            "end": args.end,
            "tenant_timezone": args.tenant_timezone,
            "cc_id": args.cc_id,
            "vdn": args.vdn,
            "access_key": args.access_key,
            "secret_key": args.secret_key,
            "timestamp_mode": args.timestamp_mode,
            "signed_headers": args.signed_headers,
            "max_skew_minutes": args.max_skew_minutes,
            "tls": args.tls,
            "ca_file": args.ca_file,
            "max_limit": args.max_limit,
            "layout": args.layout,
            "detail_layout": args.detail_layout,
            "host_form": args.host_form,
            "paging": args.paging,
            "count": args.count,
            "number_form": args.number_form,
            "missed_time_form": args.missed_time_form,
            "rate_limit_per_second": args.rate_limit_per_second,
            "extra_fields": dict(item.split("=", 1) for item in args.extra_field),
        }


def _as_text(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with every integer value sent as its decimal text."""
    return {
        key: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in record.items()
    }


def _utc_text(millis_value: int) -> str:
    return datetime.fromtimestamp(millis_value / 1000, timezone.utc).strftime(UTC_TEXT_FORMAT)


def _utc_text_millis(body: dict[str, Any], name: str) -> int | None:
    """An optional `yyyy-MM-dd HH:mm:ss` UTC field of `queryMissedCalls` as epoch milliseconds."""
    value = body.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.strptime(str(value), UTC_TEXT_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError as error:
        raise invalid(name, f"must be yyyy-MM-dd HH:mm:ss, got {value!r}") from error
    return millis(parsed)


def _odd_response(kind: str, without_data: dict[str, Any]) -> Response:
    """An HTTP-200 answer of `kind` that the pages do not document."""
    if kind == "no_data":
        return Response.json(without_data)
    if kind == "text_desc":
        return Response.json({"resultCode": SUCCESS, "resultDesc": "success"})
    if kind == "html":
        return Response.html(LOGIN_PAGE, 200)
    return Response.text("", content_type="application/json;charset=UTF-8")


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_instant(value)
