"""The synthetic CC-CMS call data set: seeded calls of one call center and VDN, inbound and outbound.

Each call has two faces, as CC-CMS serves them:

- its entry in `POST /rest/cmsapp/v2/openapi/vdn/querycalls` (`summary`): `logDate`, `callId`, `callerNo`,
  `calleeNo`, `callType`, `waitBegin`, `ackBegin`, `callBegin`, `callEnd` (epoch milliseconds, UTC),
  `agentId`, `skillId`, `releaseCause`. The public page lists `logDate` (when the record was stored),
  the numbers, `callId`, `callType` and `waitBegin` before it is cut off; the other time fields follow the
  call-trace interface of the same product. Which instant `beginDate`/`endDate` select on is not
  documented; the emulator uses the call's first instant, `waitBegin`.
- its detail record from `POST /rest/cmsapp/v1/openapi/calldata/querycalldetailbyid` (`detail`), with the
  fields of the page's Table 4 (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html). About half the records carry the `"agentId "` key
  (trailing space) of that page's response example.
  Predicted and preempted outbound calls (callType 43 and 40) also carry `beginTime`/`endTime`
  (`yyyy-MM-dd HH:mm:ss`, tenant zone), `result`, `resultCode`, `busiResult`, `busiSubStatus`.

Two more faces, derived from the same call (no further randomness, so adding them changed no call):

- `missed`: for an inbound call nobody answered, its entry in `POST /rest/cmsapp/v1/callin/queryMissedCalls`
  ("Querying Information About Missed Calls in a Specified VDN",
  https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2582.html, Table 4): `callId`, `callerNo`,
  `calleeNo`, `waitBegin`, `callEnd` (epoch milliseconds; the emulator's `missed_time_form="text"` sends
  `yyyy-MM-dd HH:mm:ss` UTC instead: the page types them "Datetime" without a format), `mediaType`.
- `legs`: the call's track from `POST /rest/cmsapp/v1/openapi/vdn/querycalltracedetail` ("Querying the
  Call track Data in a Specific VDN", https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html):
  inbound calls pass an IVR, a skill queue and, when answered, an agent; outbound calls one agent leg.
  `callIdNum` counts 1, 2, ... and -1 for the last leg, which alone carries `releaseCause`. Enter/leave
  reasons come from the page's reason table (28 transferred to a queue, 16 released by the agent, 89
  customer hung up before the agent answered...). Every other call uses the example's spellings
  (`EnterReason`, `LeaveReason`, `CurrentSkillID`), the others the table's (`enterReason`...). The
  `deviceType` codes (1 agent, 2 queue, 3 IVR) are illustrative: the page's device table was not readable.

A call is stored, and so visible to queries, once its `logDate` has passed (a few seconds after it
ended). The set always holds boundary instants (local midnights, the first and last millisecond of an
hour, two calls in the same millisecond) and a few outbound calls that reuse an inbound call's id,
which is why the primary key is the id plus the direction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

INBOUND_TYPES = (0, 0, 0, 0, 0, 6, 51, 52, 53)
OUTBOUND_TYPES = (7, 7, 7, 7, 40, 41, 43, 43, 44, 45)
PREDICTED_OR_PREEMPTED = (40, 43)
RELEASE_CAUSES_ANSWERED = (0, 0, 0, 0, 0, 0, 0, 0)
RELEASE_CAUSES_UNANSWERED = (8, 9, 47, 49)
SKILLS = (1, 2, 3, 5, 8)
AGENTS = tuple(range(101, 131))


def millis(instant: datetime) -> int:
    return int(round(instant.timestamp() * 1000))


@dataclass
class CmsCall:
    """One call as both CC-CMS interfaces return it."""

    call_id: str
    inbound: bool
    entered_ms: int
    logged_ms: int
    summary: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    missed: dict[str, Any] | None = None
    legs: list[dict[str, Any]] = field(default_factory=list)


class CmsDataset:
    """`count` calls entering between `start` and `end` (UTC instants), reproducible from `seed`."""

    def __init__(
        self,
        seed: int,
        count: int,
        start: datetime,
        end: datetime,
        cc_id: int,
        vdn: int,
        tenant_zone: str,
    ) -> None:
        self.rng = random.Random(seed)
        self.cc_id = cc_id
        self.vdn = vdn
        self.zone = ZoneInfo(tenant_zone)
        self._sequence = 0
        self.calls: list[CmsCall] = []
        for instant in self._instants(count, start, end):
            self.calls.append(self._call(instant))
        self._reuse_some_ids()
        self.calls.sort(key=lambda call: (call.entered_ms, call.call_id, call.inbound))
        for index, call in enumerate(self.calls):
            call.missed = _missed(call)
            call.legs = _legs(call, table_spelling=index % 2 == 1)
        self._by_key = {(call.call_id, call.inbound): call for call in self.calls}

    # ------------------------------------------------------------------------------- generation

    def _instants(self, count: int, start: datetime, end: datetime) -> list[datetime]:
        span = (end - start).total_seconds()
        instants = [start + timedelta(seconds=self.rng.random() * span) for _ in range(count)]
        boundaries = [start, end - timedelta(milliseconds=1)]
        local = start.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        while local.astimezone(timezone.utc) < end:
            midnight = local.astimezone(timezone.utc)
            if midnight >= start:
                boundaries += [midnight, midnight - timedelta(milliseconds=1)]
            local = (local + timedelta(days=1, hours=2)).replace(hour=0)
        hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=5)
        if hour < end:
            boundaries += [hour, hour, hour - timedelta(milliseconds=1)]
        boundaries = [instant for instant in boundaries if start <= instant < end]
        boundaries = boundaries[:count]
        return sorted(boundaries + instants[: count - len(boundaries)])

    def _call(self, entered: datetime) -> CmsCall:
        rng = self.rng
        inbound = rng.random() < 0.6
        call_type = rng.choice(INBOUND_TYPES if inbound else OUTBOUND_TYPES)
        answered = rng.random() < 0.8
        self._sequence += 1
        call_id = f"{int(entered.timestamp())}-{self._sequence}"
        queue_wait = rng.randint(0, 90) if inbound else 0
        ivr_time = rng.randint(0, 40) if inbound else 0
        ring = rng.randint(1, 20)
        talk = rng.randint(5, 900) if answered else 0
        wait_begin = millis(entered)
        ack_begin = wait_begin + (queue_wait + ivr_time) * 1000 if answered else 0
        call_begin = ack_begin + ring * 1000 if answered else 0
        call_end = (
            (call_begin + talk * 1000) if answered else wait_begin + (queue_wait + ivr_time + ring) * 1000
        )
        logged = call_end + rng.randint(1, 5) * 1000
        agent = rng.choice(AGENTS) if answered else 0
        skill = rng.choice(SKILLS)
        release = rng.choice(RELEASE_CAUSES_ANSWERED if answered else RELEASE_CAUSES_UNANSWERED)
        customer = f"1{rng.randint(3000000000, 9999999999)}"
        access_code = f"{rng.choice((95511, 95588, 40080))}"
        caller, callee = (customer, access_code) if inbound else (access_code, customer)
        if call_type in (6, 51, 52, 53):
            caller, callee = str(agent or rng.choice(AGENTS)), str(rng.choice(AGENTS))
        summary = {
            "logDate": logged,
            "callId": call_id,
            "callerNo": caller,
            "calleeNo": callee,
            "callType": call_type,
            "waitBegin": wait_begin,
            "ackBegin": ack_begin,
            "callBegin": call_begin,
            "callEnd": call_end,
            "agentId": agent,
            "skillId": skill,
            "releaseCause": release,
        }
        agent_key = "agentId " if rng.random() < 0.5 else "agentId"
        detail: dict[str, Any] = {
            "vdn": self.vdn,
            "callId": call_id,
            "callerNo": caller,
            "calleeNo": callee,
            "callType": call_type,
            agent_key: agent,
            "skillId": skill,
        }
        if inbound:
            detail["anonyCall"] = 1 if rng.random() < 0.05 else 0
        detail.update(
            {
                "queueWaitTime": queue_wait,
                "ivrCallTime": ivr_time,
                "ackTime": ring,
                "callTime": talk,
                "releaseCause": release,
            }
        )
        if not inbound and call_type in PREDICTED_OR_PREEMPTED:
            began = datetime.fromtimestamp(wait_begin / 1000, timezone.utc).astimezone(self.zone)
            ended = datetime.fromtimestamp(call_end / 1000, timezone.utc).astimezone(self.zone)
            detail.update(
                {
                    "beginTime": began.strftime("%Y-%m-%d %H:%M:%S"),
                    "endTime": ended.strftime("%Y-%m-%d %H:%M:%S"),
                    "result": "0900" if answered else "0101",
                    "resultCode": "" if answered else "00613",
                    "busiResult": "B01" if answered else "",
                    "busiSubStatus": "S01" if answered else "",
                }
            )
        return CmsCall(call_id, inbound, wait_begin, logged, summary, detail)

    def _reuse_some_ids(self) -> None:
        """A few outbound calls carry the id of an inbound call (a callback on the same call record)."""
        inbound = [call for call in self.calls if call.inbound]
        targets = [call for call in self.calls if not call.inbound][::50][:3]
        for target, source in zip(
            targets, self.rng.sample(inbound, min(len(inbound), len(targets))), strict=False
        ):
            target.call_id = source.call_id
            target.summary["callId"] = source.call_id
            target.detail["callId"] = source.call_id

    # ----------------------------------------------------------------------------------- queries

    def visible(self, now_ms: int) -> list[CmsCall]:
        """Calls stored by `now_ms`, in entry order."""
        return [call for call in self.calls if call.logged_ms <= now_ms]

    def find(self, call_id: str, inbound: bool) -> CmsCall | None:
        return self._by_key.get((call_id, inbound))


def _missed(call: CmsCall) -> dict[str, Any] | None:
    """The `missedCalls` entry of an inbound call nobody answered; None for every other call."""
    summary = call.summary
    if not call.inbound or summary["ackBegin"]:
        return None
    return {
        "callId": summary["callId"],
        "callerNo": summary["callerNo"],
        "calleeNo": summary["calleeNo"],
        "waitBegin": summary["waitBegin"],
        "callEnd": summary["callEnd"],
        "mediaType": 5,
    }


def _legs(call: CmsCall, table_spelling: bool) -> list[dict[str, Any]]:
    """The call's track: (device type, device number, enter reason, leave reason, wait begin, end) per leg."""
    summary, detail = call.summary, call.detail
    wait, ack, begin, end = (summary[name] for name in ("waitBegin", "ackBegin", "callBegin", "callEnd"))
    answered = bool(ack)
    skill, agent = summary["skillId"], summary["agentId"]
    hangup = 15 if summary["releaseCause"] == 0 else 16
    if call.inbound:
        ivr_end = wait + int(detail.get("ivrCallTime") or 0) * 1000
        parts = [(3, "85001", 0, 28, wait, 0, 0, ivr_end)]
        if answered:
            parts += [
                (2, str(skill), 28, 0, ivr_end, 0, 0, ack),
                (1, str(agent), 0, hangup, ack, ack, begin, end),
            ]
        else:
            parts += [(2, str(skill), 28, 89, ivr_end, 0, 0, end)]
    else:
        parts = [(1, str(agent or 101), 0, hangup if answered else 26, wait, ack, begin, end)]
    enter, leave, current = (
        ("enterReason", "leaveReason", "currentSkillId")
        if table_spelling
        else ("EnterReason", "LeaveReason", "CurrentSkillID")
    )
    legs = []
    for number, (device_type, device_no, entered, left, waited, acked, began, ended) in enumerate(parts, 1):
        last = number == len(parts)
        leg: dict[str, Any] = {
            "callId": summary["callId"],
            "mediaType": 5,
            "callIdNum": -1 if last else number,
            "callerNo": summary["callerNo"],
            "calleeNo": summary["calleeNo"],
            "waitBegin": waited,
            "ackBegin": acked,
            "callBegin": began,
            "callEnd": ended,
            "subCcNo": 0,
            "deviceType": device_type,
            "deviceNo": device_no,
            "callType": summary["callType"],
            enter: entered,
            leave: left,
            current: skill,
        }
        if last:
            leg["releaseCause"] = summary["releaseCause"]
        legs.append(leg)
    return legs
