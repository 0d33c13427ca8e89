"""RingCX's interaction-metadata API, for the RingCX emulator (github.com/ringcentral/engage-voice-api-docs:
specs/engage-voice_openapi3.json, operation `getInteractionMetadata`; docs/integration/reports.md, "Agent
Segment Metadata Report"):

    POST /voice/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/interaction-metadata
    {"segmentEndTime": "2026-10-01 06:00:00", "timeInterval": 10800, "timeZone": "UTC"}

The segments come from the same synthetic calls as the Call Detail Report, so the two agree: every answered
call has an AGENT segment from the end of its queue time (`queue_time`) for its talk time
(`connected_duration`), its `interactionId` is the report's `uii`, its dialog spans the report's
`inbound_duration`, the cloud destination that answered plays the agent (`segmentParticipantId`), and it has a
recording when the report has a `recording_url`. Every 13th call (by index) was transferred: its talk time is
split between two agents (two segments). Abandoned calls never reached an agent: no segment (inference: the
API lists agent, bot and IVR segments; the emulator plays agent segments only).

Behaviour played (documented; where the pages disagree, both ways by option):
- A segment is listed in the window its end falls in, `[segmentEndTime, segmentEndTime + timeInterval)` read
  in `timeZone` (inference from the parameter's name), once it ended `delay_seconds` ago (processing time).
- `shape`: `reference` (WEMDialogSegmentMetaData: `segmentId`, `dialogEndTimeMs`, dispositions, `hasRecording`,
  ISO times) or `guide` (docs/integration/reports.md: `segmentID` as a sequence number from 2,
  `segmentRecordingURL` and `interactionRecordingLocation`, the participant as a number).
- `max_interval`: 10800 (the reference since August 2026) or 3600 (the guide); more is 400 naming
  `timeInterval`. A window ending later than 5 minutes before now, a bad `segmentEndTime` or zone: 400, in
  the spec's `Errors` shape.
- Per sub-account 3 requests a minute and 9 per 15 minutes (periods divided by `time_scale`; 0 switches a
  limit off): 429 with `Retry-After`. An `rcAccountId` other than the accounts' is 404; `wem_access=False` 403.
- `answer` (every request, or the next `answer_times`): `json`, `empty` (200 without body), `html`,
  `object` (a JSON object, not the array), `cut` (the array cut off mid-record).
- `rc_account_style`: how `GET /admin/accounts` names the RingCentral account: `top` (`rcAccountId`, as the
  AccountView model), `nested` (`mainAccount.rcAccountId`, as the Account model), or `absent`.
- The base machinery's faults (5xx, 429, reset, truncated, html, slow, expired token) apply to the route.
"""

from __future__ import annotations

import argparse
import random
import re
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import Request, Response
from .ringcx_integration import (
    RC_ACCOUNT_ID,
    CxIntegrationApi,
    RequestInvalid,
    add_quota_arguments,
    quota_options,
)

PATH = "/voice/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/interaction-metadata"
SHAPES = ("reference", "guide")
RC_ACCOUNT_STYLES = ("top", "nested", "absent")
SETTLING_SECONDS = 300
LONGEST_CALL_SECONDS = 240 + 900 + 60  # queue time + talk time of the data set, and a margin
TRANSFER_EVERY = 13
DISPOSITIONS = ("Success", "Callback Requested", "Not Interested", "Left Message")
_SEGMENT_END_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def iso_millis(instant: float) -> str:
    """`2024-07-22T11:24:40.000Z`, as the reference's example writes times."""
    return datetime.fromtimestamp(instant, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


class InteractionsRequestInvalid(RequestInvalid):
    """A body the API refuses with 400."""


class RingCxInteractions(CxIntegrationApi):
    """The interaction-metadata API of one `RingCxEmulator` (its data set, clock, auth and faults)."""

    control_name = "interactions_settings"
    defaults = {
        "shape": "reference",
        "max_interval": 10_800,
        "rc_account_style": "top",
        "delay_seconds": 600.0,
    }
    choices = {"shape": SHAPES, "rc_account_style": RC_ACCOUNT_STYLES}

    def __init__(self, emulator: Any, **options: Any) -> None:
        super().__init__(emulator, **options)
        emulator.add_route("POST", PATH, self.interaction_metadata, faultable=True)

    # ------------------------------------------------------------------------------ accounts list

    def listed_account(self, record: dict[str, Any]) -> dict[str, Any]:
        """An account of `GET /admin/accounts` with its RingCentral account where `rc_account_style` puts it."""
        style = self.settings["rc_account_style"]
        if style == "top":
            return record
        result = {key: value for key, value in record.items() if key != "rcAccountId"}
        if style == "nested":
            result["mainAccount"] = {
                "mainAccountId": record.get("mainAccountId"),
                "rcAccountId": RC_ACCOUNT_ID,
            }
        return result

    # ------------------------------------------------------------------------------------ answering

    def interaction_metadata(self, request: Request) -> Response:
        return self.answer(request, self.segments_asked)

    def segments_asked(self, request: Request) -> list[dict[str, Any]]:
        first, last = self.parse(request)
        account_id = request.path_params["subAccountId"]
        return self.segments(account_id, first, last, self.emulator.clock.timestamp())

    def parse(self, request: Request) -> tuple[float, float]:
        """The window `[first, last)` (epoch seconds) of a valid body."""
        try:
            body = request.json_object()
        except ValueError as error:
            raise InteractionsRequestInvalid(f"Unreadable body: {error}") from None
        try:
            tz = ZoneInfo(str(body.get("timeZone")))
        except (ZoneInfoNotFoundError, ValueError):
            raise InteractionsRequestInvalid(f"Invalid timeZone: {body.get('timeZone')}") from None
        text = body.get("segmentEndTime")
        if not isinstance(text, str) or not _SEGMENT_END_TIME.fullmatch(text):
            raise InteractionsRequestInvalid(
                f"Invalid segmentEndTime: '{text}'; expected YYYY-MM-DD HH:mm:ss"
            )
        interval, most = body.get("timeInterval"), self.settings["max_interval"]
        if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= most:
            raise InteractionsRequestInvalid(f"timeInterval must be between 1 and {most}; got {interval}")
        first = datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()
        if first + interval > self.emulator.clock.timestamp() - SETTLING_SECONDS:
            raise InteractionsRequestInvalid("The time period must end at least 5 minutes before now")
        return first, first + interval

    def segments(self, account_id: str, first: float, last: float, now: float) -> list[dict[str, Any]]:
        """The account's segments that ended in `[first, last)` and by `now - delay_seconds`, by end."""
        ready = now - self.settings["delay_seconds"]
        found = []
        for index in self.emulator.dataset.indices_between(first - LONGEST_CALL_SECONDS, last, now):
            call = self.emulator.dataset.call(index)
            if call.account.account_id != account_id:
                continue
            for ended, segment in self.segments_of(call):
                if first <= ended < last and ended <= ready:
                    found.append((ended, index, segment))
        return [segment for _, _, segment in sorted(found, key=lambda item: item[:2])]

    def segments_of(self, call: Any) -> list[tuple[float, dict[str, Any]]]:
        """(end instant, segment as the API answers it) for each agent segment of `call`, in order."""
        if call.destination is None:
            return []
        fields = call.fields
        rng = random.Random(f"segments:{self.emulator.dataset.seed}:{call.index}")
        start = call.enqueued + int(fields["queue_time"])
        talk = int(fields["connected_duration"])
        dialog_end = call.enqueued + int(fields["inbound_duration"])
        agents = [call.destination]
        legs = [(start, start + talk)]
        if call.index % TRANSFER_EVERY == 0 and talk >= 2:
            others = [d for d in call.account.destinations if d != call.destination] or [call.destination]
            agents.append(rng.choice(others))
            legs = [(start, start + talk // 2), (start + talk // 2, start + talk)]
        dialog_id = f"s-v-{rng.getrandbits(128):032x}-{call.enqueued * 1000}"
        uii = fields["uii"].removeprefix("'")
        recorded = bool(fields["recording_url"])
        guide = self.settings["shape"] == "guide"
        result = []
        for position, (agent, (begins, ends)) in enumerate(zip(agents, legs, strict=True)):
            segment: dict[str, Any] = {
                "subAccountId": call.account.account_id,
                "dialogId": dialog_id,
                "interactionId": uii,
                "channelId": call.profile.number,
                "channelType": "VOICE",
                "channelClass": "VOICE",
                "channelEndpointAddress": fields["ani"],
                "contactEndpointAddress": call.profile.number,
                "dialogOrigination": "INBOUND",
                "dialogStartTimeMs": iso_millis(call.enqueued),
                "dialogDurationMs": (dialog_end - call.enqueued) * 1000,
                "segmentType": "AGENT",
                "segmentParticipantId": agent.object_id if guide else str(agent.object_id),
                "segmentParticipantRcExtensionId": str(900_000_000 + agent.object_id),
                "segmentStartTimeMs": iso_millis(begins),
                "segmentEndTimeMs": iso_millis(ends),
                "segmentDurationMs": (ends - begins) * 1000,
                "segmentAgentGroupId": str(call.account.index * 100 + 76),
            }
            events = (
                [
                    {
                        "eventTimeMs": iso_millis(begins),
                        "clientEventTimeMs": iso_millis(begins),
                        "eventType": "REC_START",
                    },
                    {
                        "eventTimeMs": iso_millis(ends),
                        "clientEventTimeMs": iso_millis(ends),
                        "eventType": "REC_STOP",
                    },
                ]
                if recorded
                else None
            )
            if guide:
                segment["segmentID"] = (
                    position + 2
                )  # "most records will start with 2" (the caller's leg is 1)
                segment["segmentRecordingURL"] = (
                    f"https://c02-recordings.virtualacd.biz/api/v1/calls/recordings/?v=1&accountId="
                    f"{call.account.account_id}&bucket=c02-recordings&region=us-east-1&compliance=false&file="
                    f"{call.account.account_id}/{uii}-{position + 2}.WAV"
                    if recorded
                    else ""
                )
                segment["interactionRecordingLocation"] = fields["recording_url"]
                segment["segmentEvents"] = events or []
            else:
                segment["segmentId"] = f"p-v-{dialog_id[4:36]}-{call.enqueued * 1000}-{position + 1:x}"
                segment["dialogEndTimeMs"] = iso_millis(dialog_end)
                segment["systemDisposition"] = "ANSWER"
                segment["agentDisposition"] = rng.choice(DISPOSITIONS)
                segment["agentNotes"] = rng.choice(("", "called back next day", "asked for a quote"))
                segment["hasRecording"] = recorded
                segment["hasTranscript"] = recorded
                segment["segmentEvents"] = events
            result.append((float(ends), segment))
        return result

    # ---------------------------------------------------------------------------------- ground truth

    def truth(self) -> list[dict[str, Any]]:
        """Every segment of every account that the API lists by now, as the API answers it, plus
        `account_id`, by account and end: what reading all windows returns."""
        now = self.emulator.clock.timestamp()
        ready = now - self.settings["delay_seconds"]
        truth = []
        for account in self.emulator.dataset.accounts:
            for index in self.emulator.dataset.indices_between(float("-inf"), float("inf"), now):
                call = self.emulator.dataset.call(index)
                if call.account.account_id == account.account_id:
                    truth += [
                        {"account_id": account.account_id, **segment}
                        for ended, segment in self.segments_of(call)
                        if ended <= ready
                    ]
        return truth


def add_interactions_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("RingCX interaction metadata")
    group.add_argument("--interactions-shape", choices=SHAPES, default="reference")
    group.add_argument(
        "--interactions-max-interval", type=int, default=10_800, help="largest timeInterval (s)"
    )
    group.add_argument("--interactions-rc-account-style", choices=RC_ACCOUNT_STYLES, default="top")
    add_quota_arguments(group, "interactions", "interaction-metadata")


def interactions_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "shape": args.interactions_shape,
        "max_interval": args.interactions_max_interval,
        "rc_account_style": args.interactions_rc_account_style,
        **quota_options(args, "interactions"),
    }
