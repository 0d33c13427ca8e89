"""`interaction_metadata`: one record per call segment (agent leg) from RingCX's interaction-metadata API, the
vendor's path forward from the deprecated CASPER report.

`POST {base}/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/interaction-metadata`
with `{"segmentEndTime": "YYYY-MM-DD HH:mm:ss", "timeInterval": <seconds>, "timeZone": <TZ name>}`; the answer
is a JSON array of segments (github.com/ringcentral/engage-voice-api-docs: docs/integration/reports.md,
"Agent Segment Metadata Report", and specs/engage-voice_openapi3.json, operation `getInteractionMetadata`).

- Windows: the API searches forward from `segmentEndTime` for `timeInterval` seconds, at most 10800 (3 hours,
  the reference since August 2026); the guide page still says 3600. A 400 that names `timeInterval` makes the
  rest of the sync ask in one-hour pieces (a window completes when all its pieces are read).
- Asked in UTC (`timeZone: UTC`), like the report: no wall time is ambiguous around a daylight-saving change.
  Which segment time the window selects is not written down; the parameter's name says the segment's end,
  so the cursor is `segment_end_at` (UTC, from `segmentEndTimeMs`). State moves by whole windows, so a
  server that selects by another time loses nothing either.
- Settled horizon: 15 minutes before now. The pages ask for a time period at least 5 minutes before now
  and recommend a 15-minute window for completed interactions and their recordings.
- Per sub-account (the connector's accounts); `rcAccountId` comes from `rc_account_id` or the account listing.
- Quota (per sub-account, documented as 3 per 60 s and 9 per 15 min in the reference, 2 a minute per node in the
  guide): one request every 100 s per configured account, or over all accounts together when the config
  names none (`integration_budget`).
- The answer is parsed while it arrives (ijson): memory stays flat whatever the window holds. A 200 that is
  not a JSON array (empty body, HTML page, an object) or a body that breaks off is read again, up to
  `ATTEMPTS` times, then fails the sync naming the account and window. Segments emitted before a break are
  not emitted twice (their keys are remembered for the window).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pendulum
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.dates import format_local, iso_utc
from cdr_shared.errors import config_error, transient_error
from cdr_shared.http_errors import ProviderErrorHandler, fail, provider_message
from cdr_shared.rate_budget import PatientAPIBudget, Quota
from cdr_shared.reread import reread_attempts
from cdr_shared.secrets import REDACTED, is_secret_name
from cdr_shared.windowed_state import Clock, WindowedCursor, utc_now
from cdr_shared.windowed_stream import WindowedHttpStream, window_of
from cdr_shared.windows import Window, split_windows
from source_casper.config import CasperConfig, IntegrationLimits
from source_casper.json_array import ArrayCutOff, NotTheArray, json_array_objects
from source_casper.report import describe_window
from source_casper.streams import INTEGRATION_API, PROVIDER, RingCxDirectory, RingCxEndpoint, ringcx_instant

STREAM = "interaction_metadata"
INTEGRATION_PATHS = r"/api/cx/integration/v1/accounts/[^/]+/sub-accounts/[^/]+/"
MAX_INTERVAL_SECONDS = 10_800
GUIDE_MAX_INTERVAL_SECONDS = 3_600
SETTLE_LAG = pendulum.duration(minutes=15)
QUERY_ZONE_NAME = "UTC"
QUERY_ZONE = pendulum.timezone(QUERY_ZONE_NAME)
ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 1.0
WEM_ACCESS = (
    "interaction_metadata: RingCX refused the interaction-metadata API (HTTP 403: {said}). It needs the "
    "sub-account to have WEM Access (ask your RingCentral Customer Success Manager) and the login READ on "
    "Account; until then deselect the interaction_metadata stream."
)

# Fields of the two documented shapes: the guide (docs/integration/reports.md: `segmentID`,
# `segmentRecordingURL`, `interactionRecordingLocation`) and the reference (WEMDialogSegmentMetaData:
# `segmentId`, `dialogEndTimeMs`, dispositions, `hasRecording`). Unknown fields are kept as sent.
TEXT_FIELDS = (
    "subAccountId",
    "dialogId",
    "interactionId",
    "channelId",
    "channelType",
    "channelClass",
    "channelEndpointAddress",
    "contactEndpointAddress",
    "dialogOrigination",
    "segmentId",
    "segmentID",
    "segmentType",
    "segmentParticipantId",
    "segmentParticipantRcExtensionId",
    "segmentAgentGroupId",
    "systemDisposition",
    "agentDisposition",
    "agentNotes",
)
INTEGER_FIELDS = ("dialogDurationMs", "segmentDurationMs")
BOOLEAN_FIELDS = ("hasRecording", "hasTranscript")
URL_FIELDS = ("segmentRecordingURL", "interactionRecordingLocation")
TIMES = {
    "dialogStartTimeMs": "dialog_start_at",
    "dialogEndTimeMs": "dialog_end_at",
    "segmentStartTimeMs": "segment_start_at",
    "segmentEndTimeMs": "segment_end_at",
}
EVENT_TIMES = {"eventTimeMs": "event_at", "clientEventTimeMs": "client_event_at"}
RAW_VALUES = "raw_values"
RECORDING_PATH = (
    "api/cx/integration/v1/accounts/{rc}/sub-accounts/{sub}/recordings/dialogs/{dialog}/segments/{segment}"
)


class SettledHorizon:
    """15 minutes before now, on a whole second (the request carries seconds)."""

    def __call__(self, now: pendulum.DateTime) -> pendulum.DateTime:
        return (now - SETTLE_LAG).replace(microsecond=0)


def interaction_cursor(config: CasperConfig, clock: Clock = utc_now) -> WindowedCursor:
    """Windows of at most 3 hours (the API's maximum `timeInterval`), lookback, horizon 15 minutes ago."""
    size = pendulum.duration(seconds=MAX_INTERVAL_SECONDS)
    return WindowedCursor(
        STREAM,
        "segment_end_at",
        config.sync_range,
        SettledHorizon(),
        clock=clock,
        splitter=lambda start, end: split_windows(start, end, size),
    )


def integration_budget(limits: IntegrationLimits, account_ids: tuple[str, ...] | None) -> PatientAPIBudget:
    """The CX integration API's quota (interaction metadata, aggregate statistics) per sub-account: 9 requests
    per 15 minutes, one every 100 s (so the 3-per-minute and 2-per-minute limits hold too); one quota per
    configured account, and one shared by every account the config does not name (stricter, never looser)."""
    quotas = [
        Quota(
            f"CX integration ({account})", 9, timedelta(minutes=15), rf"/sub-accounts/{account}/", spread=True
        )
        for account in account_ids or ()
    ]
    quotas.append(Quota("CX integration", 9, timedelta(minutes=15), INTEGRATION_PATHS, spread=True))
    return PatientAPIBudget(
        quotas,
        provider=PROVIDER,
        max_wait_seconds=limits.max_wait_seconds,
        max_wait_field="advanced.max_rate_limit_wait_minutes",
        time_scale=limits.time_scale,
    )


def request_body(piece: Window) -> dict[str, Any]:
    """The body for one piece of a window: from its first whole second, long enough to reach its end."""
    start = piece.start.replace(microsecond=0)
    return {
        "segmentEndTime": format_local(start, QUERY_ZONE),
        "timeInterval": max(1, math.ceil((piece.end - start).total_seconds())),
        "timeZone": QUERY_ZONE_NAME,
    }


class _IntervalRefused(Exception):
    """RingCX refused the `timeInterval` (400 naming it): this server takes shorter pieces."""

    def __init__(self, said: str) -> None:
        super().__init__(said)
        self.said = said


class InteractionErrorHandler(ProviderErrorHandler):
    """A 200 is accepted unread (it streams; `json_array_objects` checks it); 403 is a missing WEM Access; 404 an
    unknown account pair; a 400 naming `timeInterval` is passed to the stream, which asks in shorter pieces."""

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        return ErrorResolution(response_action=ResponseAction.SUCCESS)

    def interpret_client_error(self, response: requests.Response) -> ErrorResolution:
        said = provider_message(response)
        status = response.status_code
        if status == 400 and "timeinterval" in said.lower():
            return ErrorResolution(ResponseAction.IGNORE, None, said)
        if status == 404:
            return fail(
                FailureType.config_error,
                f"interaction_metadata: RingCX answered HTTP 404 ({said}) for {response.request.path_url}: "
                "the RingCentral account ID ('rc_account_id', or the account's listed rcAccountId) and the "
                "sub-account do not belong together.",
            )
        return super().interpret_client_error(response)

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response, requests.Response) and response.status_code == 403:
            return fail(FailureType.config_error, WEM_ACCESS.format(said=provider_message(response)))
        return super().interpret_response(response)


def _text(value: Any) -> Any:
    """A documented text field: numbers become their text; strings, null and anything else stay."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def segment_instant(value: Any) -> pendulum.DateTime | None:
    """A segment time in UTC: ISO 8601 with offset, epoch milliseconds, or (the guide: "time zone is in UTC")
    an ISO date-time without offset taken as UTC."""
    instant = ringcx_instant(value)
    if instant is None and isinstance(value, str) and value.strip():
        instant = ringcx_instant(value.strip().replace(" ", "T") + "Z")
    return instant


def keep_off_secrets(url: Any) -> Any:
    """A recording URL as RingCX sent it, with the value of any secret-looking query parameter (a token, a
    key, a signature secret) masked: recordings are reached with the reader's own login, never a credential."""
    if not isinstance(url, str) or "?" not in url:
        return url
    base, _, query = url.partition("?")
    pairs = [pair.partition("=") for pair in query.split("&")]
    masked = [
        f"{name}={REDACTED}" if sep and is_secret_name(unquote(name)) else name + sep + value
        for name, sep, value in pairs
    ]
    return f"{base}?{'&'.join(masked)}"


def shape_segment(
    item: Mapping[str, Any], account_id: str, rc_account_id: str, base_url: str
) -> dict[str, Any] | None:
    """One segment as emitted: RingCX's fields as sent (numbers in text fields as text, recording URLs without
    secrets), plus `account_id`, `dialog_id`, `segment_id`, the UTC `*_at` times and `recording_url`.
    Values that do not fit their documented type are null, their text in `raw_values`. None without keys."""
    record: dict[str, Any] = dict(item)
    raw: dict[str, str] = {}
    for name in TEXT_FIELDS:
        if name in record:
            record[name] = _text(record[name])
            if record[name] is not None and not isinstance(record[name], str):
                raw[name] = json.dumps(record[name])
                record[name] = None
    for name in INTEGER_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            record[name] = int(value)
        elif isinstance(value, float) and value.is_integer():
            record[name] = int(value)
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raw[name] = value if isinstance(value, str) else json.dumps(value)
            record[name] = None
    for name in BOOLEAN_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            record[name] = value.strip().lower() == "true"
        elif value is not None and not isinstance(value, bool):
            raw[name] = value if isinstance(value, str) else json.dumps(value)
            record[name] = None
    for name in URL_FIELDS:
        if name in record:
            record[name] = keep_off_secrets(_text(record[name]))
    for source, derived in TIMES.items():
        if source in record:
            record[source] = _text(record[source])
            instant = segment_instant(record[source])
            record[derived] = iso_utc(instant) if instant is not None else None
    events = record.get("segmentEvents")
    if isinstance(events, list) and all(isinstance(event, Mapping) for event in events):
        record["segmentEvents"] = [shaped_event(event) for event in events]
    elif events is not None:
        raw["segmentEvents"] = json.dumps(events, default=str)
        record["segmentEvents"] = None
    dialog = record.get("dialogId") or record.get("interactionId")
    segment = record.get("segmentId") or record.get("segmentID")
    if not dialog or not segment:
        return None
    record["account_id"] = account_id
    record["dialog_id"] = dialog
    record["segment_id"] = segment
    record["recording_url"] = record.get("segmentRecordingURL") or recording_endpoint(
        record, base_url, rc_account_id, account_id
    )
    if raw:
        record[RAW_VALUES] = raw
    return record


def recording_endpoint(
    record: Mapping[str, Any], base_url: str, rc_account_id: str, account_id: str
) -> str | None:
    """Where a segment's recording is downloaded (docs/workforce/call-recording/index.md) when the reference
    shape says it has one (`hasRecording`) and sends no URL; None otherwise."""
    if record.get("hasRecording") is not True:
        return None
    return f"{base_url}/" + RECORDING_PATH.format(
        rc=rc_account_id,
        sub=record.get("subAccountId") or account_id,
        dialog=record["dialog_id"],
        segment=record["segment_id"],
    )


def shaped_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A recording event with its times kept as text and added in UTC (`event_at`, `client_event_at`)."""
    shaped = dict(event)
    for source, derived in EVENT_TIMES.items():
        if source in shaped:
            shaped[source] = _text(shaped[source])
            instant = segment_instant(shaped[source])
            shaped[derived] = iso_utc(instant) if instant is not None else None
    return shaped


class InteractionMetadata(RingCxEndpoint, WindowedHttpStream):
    """Every call segment of every sub-account, incremental on `segment_end_at`."""

    name = STREAM
    primary_key = ["account_id", "dialog_id", "segment_id"]
    http_method = "POST"
    api_root = INTEGRATION_API
    path_template = "accounts/{rc_account_id}/sub-accounts/{account_id}/interaction-metadata"
    timeout_seconds = (10.0, 300.0)

    def __init__(
        self, config: CasperConfig, auth_hint: str, directory: RingCxDirectory, **kwargs: Any
    ) -> None:
        self.config, self.auth_hint, self.directory = config, auth_hint, directory
        self.max_interval = MAX_INTERVAL_SECONDS  # lowered to an hour if RingCX refuses longer pieces
        super().__init__(interaction_cursor(config), **kwargs)

    def get_error_handler(self) -> ErrorHandler:
        return InteractionErrorHandler(PROVIDER, self.auth_hint)

    def partitions(self) -> list[dict[str, Any]]:
        """One partition per sub-account, with the RingCentral account it belongs to."""
        return [
            {"account_id": account_id, "rc_account_id": self.directory.rc_account_id(account_id)}
            for account_id in self.directory.account_ids()
        ]

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        yield from self._read_window(stream_slice, window_of(stream_slice), set())

    def _read_window(
        self, stream_slice: Mapping[str, Any], window: Window, emitted: set[tuple[str, str]]
    ) -> Iterator[Mapping[str, Any]]:
        for piece in split_windows(window.start, window.end, pendulum.duration(seconds=self.max_interval)):
            try:
                yield from self._read_piece(stream_slice, piece, emitted)
            except _IntervalRefused as refused:
                if (piece.end - piece.start).total_seconds() <= GUIDE_MAX_INTERVAL_SECONDS:
                    raise config_error(
                        f"interaction_metadata: RingCX refused a window of one hour or less ({refused.said})."
                    ) from None
                self.max_interval = GUIDE_MAX_INTERVAL_SECONDS
                self.logger.warning(
                    f"{self.name}: RingCX takes at most {GUIDE_MAX_INTERVAL_SECONDS} s per request here "
                    f"({refused.said}); asking in one-hour pieces for the rest of this sync."
                )
                yield from self._read_window(stream_slice, piece, emitted)

    def _read_piece(
        self, stream_slice: Mapping[str, Any], piece: Window, emitted: set[tuple[str, str]]
    ) -> Iterator[Mapping[str, Any]]:
        """One request's worth, read again when the answer is not the array or breaks off."""
        account_id, rc_account_id = str(stream_slice["account_id"]), str(stream_slice["rc_account_id"])
        where = describe_window(piece, self.config.sync_range.tz)
        problem = ""
        for attempt in reread_attempts(ATTEMPTS, BACKOFF_BASE_SECONDS):
            response = self.send(
                "POST",
                self.path(stream_slice=stream_slice),
                json=request_body(piece),
                headers={"Accept": "application/json"},
                request_kwargs={"stream": True},
            )
            try:
                if response.status_code == 400:
                    raise _IntervalRefused(provider_message(response))
                for item in json_array_objects(response, "segments"):
                    record = shape_segment(item, account_id, rc_account_id, self.config.base_url)
                    if record is None:
                        self.skip("segment(s) without a dialogId/interactionId or a segmentId")
                        continue
                    key = (record["dialog_id"], record["segment_id"])
                    if key in emitted:
                        continue
                    emitted.add(key)
                    yield record
                return
            except NotTheArray as error:
                problem = f"RingCX answered with {error}"
            except (ArrayCutOff, requests.RequestException) as error:
                problem = str(error) if isinstance(error, ArrayCutOff) else type(error).__name__
                problem = f"the answer broke off ({problem})"
            finally:
                response.close()
            self.logger.warning(
                f"{self.name}: account {account_id}, {where}: {problem}; attempt {attempt} of {ATTEMPTS}."
            )
        raise transient_error(
            f"RingCX's interaction metadata for account {account_id}, {where}, could not be read in {ATTEMPTS} "
            f"attempts ({problem}); nothing of this window is taken as complete and the next sync reads it again."
        )
