"""The synthetic Acefone call data set: seeded, realistic call detail records.

Every record carries every field of the sample response on
https://docs.acefone.in/reference/call-detail-records-2 (same key order) with values shaped like the real ones: 24-hex `id` (an ObjectId: creation time, then random), `call_id` "<start epoch>.<platform
sequence>", 13-hex `uuid` (PHP uniqid at the call flow's init), IST `date`/`time`/`end_stamp`, a `call_flow`
whose elements vary in shape (init with a string `time`, Ivr, Department, Agent with `num` or `number`,
ClickToCall, Dialer, Broadcast, Voicemail, a type-less `{"anstime", "time"}`, hangup).

Timing follows the sample: the flow's init comes 0-5 s after the call start (`date` + `time`),
`call_duration` runs from init to hangup (so `end_stamp` = start + setup + `call_duration`) and
`answered_seconds` from the answer (`anstime`) to hangup. Missed calls have no recording, no answered
seconds and, when the caller left in the IVR, no agent.

Scenarios: inbound answered / missed by agents / abandoned in the IVR / voicemail / from a blocked number,
outbound click-to-call answered or missed, predictive-dialer and broadcast calls. Start instants follow
office hours in IST, and the set always contains boundary instants (00:00:00 and 23:59:59 IST, 00:00:00
UTC and the second before it, the first and last second of the range, two calls in the same second) so
that window and time-zone bugs show.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")
DAY = 86_400
ACCOUNT_NAME = "Demo Account"
RECORDING_BASE = "https://customer.servetel.in/file/recording"


@dataclass(frozen=True)
class Department:
    id: str
    name: str


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    number: str
    department: Department
    sip_id: str | None = None

    @property
    def number_with_prefix(self) -> str:
        return "+919" + self.number[3:]

    def as_missed_agent(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "number": self.number}


@dataclass(frozen=True)
class Ivr:
    id: str
    name: str


@dataclass(frozen=True)
class Broadcast:
    id: str
    name: str


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str


SALES = Department("2011", "Sales")
SUPPORT = Department("2012", "Support")
BILLING = Department("2013", "Billing")
COLLECTIONS = Department("2014", "Collections")
DEPARTMENTS = (SALES, SUPPORT, BILLING, COLLECTIONS)

AGENTS = (
    Agent("050109590016", "Priya Sharma", "+919888889999", SALES, "1001"),
    Agent("050109590017", "Rahul Verma", "+919811122233", SALES),
    Agent("050109590018", "Ananya Iyer", "+919845012345", SALES, "1003"),
    Agent("050109590019", "Vikram Singh", "+919910045678", SUPPORT),
    Agent("050109590020", "Sneha Kulkarni", "+919822098765", SUPPORT, "1005"),
    Agent("050109590021", "Arjun Nair", "+919895034567", SUPPORT),
    Agent("050109590022", "Kavya Reddy", "+919849076543", BILLING),
    Agent("050109590023", "Mohit Gupta", "+919717023456", BILLING, "1008"),
    Agent("050109590024", "Deepa Menon", "+919946054321", COLLECTIONS),
    Agent("050109590025", "Sanjay Patel", "+919825067890", COLLECTIONS, "1010"),
)

MAIN_MENU = Ivr("3101", "Main Menu")
SUPPORT_LINE = Ivr("3102", "Support Line")
AFTER_HOURS = Ivr("3103", "After Hours")
IVRS = (MAIN_MENU, SUPPORT_LINE, AFTER_HOURS)

BROADCASTS = (
    Broadcast("3432", "Diwali Offer"),
    Broadcast("3433", "Payment Reminder"),
    Broadcast("3434", "Service Survey"),
)
CAMPAIGNS = (Campaign("501", "Renewals Q2"), Campaign("502", "New Leads"))
DID_NUMBERS = ("+918069858731", "+918069858732", "+912261234500", "+911140845600")
OPERATORS = ("Jio", "Airtel", "Vodafone Idea", "BSNL")
CIRCLES = (
    "Delhi",
    "Mumbai",
    "Karnataka",
    "Maharashtra",
    "Tamil Nadu",
    "Gujarat",
    "Kerala",
    "UP East",
    "West Bengal",
)
CONTACT_NAMES = (
    "Rohit Agarwal",
    "Meera Joshi",
    "Imran Khan",
    "Lakshmi Rao",
    "Nikhil Bansal",
    "Farah Siddiqui",
    "Gaurav Malhotra",
    "Pooja Desai",
    "Suresh Babu",
    "Neha Kapoor",
    "Amit Chauhan",
    "Divya Pillai",
)
NOTES = (
    "Customer asked for a callback tomorrow",
    "Shared pricing on email",
    "Complaint logged",
    "Payment promised",
)
DISPOSITIONS = (("Interested", "Demo scheduled"), ("Not interested", "Price"), ("Resolved", "First call"))
CUSTOM_STATUSES = ("Follow-up", "Converted", "Not interested")
SIP_TRUNK_USER = "20607011215773"

# Relative call volume per IST hour of day.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 15, 17, 18, 16, 14, 11, 8, 5, 3, 2, 1)


def ist_text(epoch: int, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(epoch, IST).strftime(pattern)


def ist_midnight_on_or_after(epoch: int) -> int:
    local = datetime.fromtimestamp(epoch, IST)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight.timestamp() < epoch:
        midnight += timedelta(days=1)
    return int(midnight.timestamp())


def boundary_instants(start: int, end: int) -> list[int]:
    """Start instants that sit on window and day edges, most telling first, all in [start, end)."""
    instants = [start, end - 1]
    first_ist_midnight = ist_midnight_on_or_after(start)
    ist_midnights = list(range(first_ist_midnight, end, DAY))
    if ist_midnights:
        picked = sorted({ist_midnights[0], ist_midnights[len(ist_midnights) // 2], ist_midnights[-1]})
        instants += picked
        instants += [midnight - 1 for midnight in picked]
        instants.append(picked[0])  # two calls in the very same second
    first_utc_midnight = -(-start // DAY) * DAY
    utc_midnights = list(range(first_utc_midnight, end, DAY))
    if utc_midnights:
        instants += [utc_midnights[len(utc_midnights) // 2], utc_midnights[len(utc_midnights) // 2] - 1]
    return [instant for instant in instants if start <= instant < end]


class _Timeline:
    """The call flow of one call as it unfolds, second by second."""

    def __init__(self, call_id: str, init: int) -> None:
        self.now = init
        self.answered_at: int | None = None
        self.flow: list[dict[str, Any]] = [
            {"type": "init", "value": call_id, "time": str(init), "readableTime": self._readable(init)}
        ]

    @staticmethod
    def _readable(epoch: int) -> str:
        return ist_text(epoch, "%d-%m-%Y %H:%M:%S")

    def wait(self, seconds: int) -> None:
        self.now += seconds

    def add(self, entry: dict[str, Any]) -> None:
        self.flow.append({**entry, "time": self.now, "readableTime": self._readable(self.now)})

    def answer(self) -> None:
        self.answered_at = self.now

    def hang_up(self) -> None:
        if self.answered_at is not None:
            self.flow.append({"anstime": self.answered_at, "time": self.now})
        self.flow.append({"type": "hangup", "time": self.now, "readableTime": self._readable(self.now)})


@dataclass
class _Story:
    """What happened in one call, beyond its timeline; turned into a record by `CallFactory`."""

    direction: str
    description: str
    reason: str
    hangup_cause: str
    services: list[str]
    call_hint: str
    detailed_description: str | None = None
    agent: Agent | None = None
    missed_agents: list[Agent] = field(default_factory=list)
    transfer_missed_agents: list[Agent] = field(default_factory=list)
    department: Department | None = None
    ivr: Ivr | None = None
    broadcast: Broadcast | None = None
    campaign: Campaign | None = None
    dtmf_input: str | None = None
    agent_ring_seconds: int | None = None
    legs: int = 1
    blocked_number_id: str | None = None
    voicemail: bool = False
    from_broadcast: bool = False
    support_api_call: bool = False


@dataclass(frozen=True)
class AcefoneCall:
    """One call: the record exactly as the API returns it, plus the facts its filters look at."""

    record: dict[str, Any]
    start: int
    sequence: int
    agent_ids: frozenset[str]
    department: Department | None
    ivr: Ivr | None
    broadcast: Broadcast | None
    services: frozenset[str]

    @property
    def key(self) -> tuple[int, int]:
        return (self.start, self.sequence)


class CallFactory:
    """Builds realistic calls from one seeded random generator (deterministic for a seed and history)."""

    def __init__(self, rng: random.Random, account_name: str = ACCOUNT_NAME) -> None:
        self.rng = rng
        self.account_name = account_name
        self.sequence = 11_900_000 + rng.randrange(100_000)
        self.customers = [self._new_customer() for _ in range(800)]
        self._ids: set[str] = set()
        self._uuids: set[str] = set()
        self._scenarios: list[tuple[Callable[[_Timeline, int], _Story], int]] = [
            (self._inbound_answered, 38),
            (self._inbound_missed_by_agents, 12),
            (self._inbound_abandoned_in_ivr, 8),
            (self._inbound_voicemail, 3),
            (self._inbound_blocked, 1),
            (self._click_to_call_answered, 22),
            (self._click_to_call_missed, 8),
            (self._dialer_call, 5),
            (self._broadcast_call, 3),
        ]

    def _new_customer(self) -> tuple[str, str]:
        number = "+91" + str(self.rng.choice("6789")) + "".join(str(self.rng.randrange(10)) for _ in range(9))
        return number, self.rng.choice(CONTACT_NAMES)

    def build(self, start: int) -> AcefoneCall:
        """A new call starting at `start` (epoch seconds), with the next platform sequence number."""
        self.sequence += self.rng.randint(3, 60)
        call_id = f"{start}.{self.sequence}"
        timeline = _Timeline(call_id, start + self.rng.randint(0, 5))
        scenario = self.rng.choices([s for s, _ in self._scenarios], [w for _, w in self._scenarios])[0]
        story = scenario(timeline, start)
        timeline.hang_up()
        record = self._record(call_id, start, timeline, story)
        agents = ([story.agent] if story.agent else []) + story.missed_agents
        return AcefoneCall(
            record=record,
            start=start,
            sequence=self.sequence,
            agent_ids=frozenset(agent.id for agent in agents),
            department=story.department,
            ivr=story.ivr,
            broadcast=story.broadcast,
            services=frozenset(service.lower() for service in story.services),
        )

    # --------------------------------------------------------------------------------- scenarios

    def _ivr_for(self, start: int) -> Ivr:
        hour = datetime.fromtimestamp(start, IST).hour
        if hour < 9 or hour >= 21:
            return AFTER_HOURS
        return self.rng.choice((MAIN_MENU, MAIN_MENU, SUPPORT_LINE))

    def _pass_ivr_and_department(self, timeline: _Timeline, start: int, story: _Story) -> list[Agent]:
        story.ivr = self._ivr_for(start)
        timeline.add({"type": "Ivr", "id": story.ivr.id, "name": story.ivr.name})
        timeline.wait(self.rng.randint(5, 40))
        story.dtmf_input = str(self.rng.randint(1, 4)) if self.rng.random() < 0.7 else None
        story.department = SUPPORT if story.ivr is SUPPORT_LINE else self.rng.choice(DEPARTMENTS)
        timeline.add({"type": "Department", "id": story.department.id, "name": story.department.name})
        return [agent for agent in AGENTS if agent.department is story.department]

    def _ring_agents_without_answer(
        self, timeline: _Timeline, candidates: list[Agent], story: _Story
    ) -> None:
        ringing = self.rng.sample(candidates, self.rng.randint(1, len(candidates)))
        for agent in ringing:
            timeline.add(
                {"type": "Agent", "id": agent.id, "name": agent.name, "dialst": "Missed", "num": agent.number}
            )
            ring = self.rng.randint(15, 30)
            timeline.wait(ring)
            story.agent_ring_seconds = (story.agent_ring_seconds or 0) + ring
        story.missed_agents = ringing
        story.agent = ringing[-1]

    def _inbound_answered(self, timeline: _Timeline, start: int) -> _Story:
        story = _Story(
            "inbound",
            "Call answered by agent",
            self._answered_reason(),
            "Normal clearing",
            ["IVR", "Department", "Agent"],
            "incoming",
        )
        candidates = self._pass_ivr_and_department(timeline, start, story)
        story.agent = self.rng.choice(candidates)
        story.agent_ring_seconds = self.rng.randint(3, 25)
        timeline.wait(story.agent_ring_seconds)
        timeline.add(
            {
                "type": "Agent",
                "id": story.agent.id,
                "name": story.agent.name,
                "dialst": "Answered",
                "num": story.agent.number,
            }
        )
        timeline.answer()
        timeline.wait(self._talk_seconds())
        if self.rng.random() < 0.05:
            story.transfer_missed_agents = [self.rng.choice([a for a in AGENTS if a is not story.agent])]
        story.from_broadcast = self.rng.random() < 0.03
        return story

    def _inbound_missed_by_agents(self, timeline: _Timeline, start: int) -> _Story:
        reason, cause, description = self.rng.choice(
            (
                ("agent_not_answered", "No answer", "Call missed by agent"),
                ("caller_disconnected", "Originator cancel", "Caller disconnected while ringing agents"),
            )
        )
        story = _Story("inbound", description, reason, cause, ["IVR", "Department", "Agent"], "incoming")
        story.detailed_description = (
            "No agent answered within the ring timeout" if reason == "agent_not_answered" else None
        )
        self._ring_agents_without_answer(
            timeline, self._pass_ivr_and_department(timeline, start, story), story
        )
        return story

    def _inbound_abandoned_in_ivr(self, timeline: _Timeline, start: int) -> _Story:
        story = _Story(
            "inbound",
            "Caller disconnected in IVR",
            "caller_disconnected",
            "Originator cancel",
            ["IVR"],
            "incoming",
        )
        story.ivr = self._ivr_for(start)
        timeline.add({"type": "Ivr", "id": story.ivr.id, "name": story.ivr.name})
        timeline.wait(self.rng.randint(3, 45))
        return story

    def _inbound_voicemail(self, timeline: _Timeline, start: int) -> _Story:
        story = _Story(
            "inbound",
            "Voicemail left by caller",
            "voicemail",
            "Normal clearing",
            ["IVR", "Department", "Voicemail"],
            "incoming",
        )
        self._ring_agents_without_answer(
            timeline, self._pass_ivr_and_department(timeline, start, story), story
        )
        timeline.add(
            {
                "type": "Voicemail",
                "id": story.department.id if story.department else None,
                "name": "Default Voicemail",
            }
        )
        timeline.wait(self.rng.randint(10, 60))
        story.voicemail = True
        return story

    def _inbound_blocked(self, timeline: _Timeline, start: int) -> _Story:
        story = _Story(
            "inbound",
            "Call from blocked number",
            "blocked_number",
            "Call rejected",
            ["Blocked Number"],
            "incoming",
        )
        story.blocked_number_id = str(self.rng.randint(100, 999))
        return story

    def _dial_out(self, timeline: _Timeline, story: _Story) -> None:
        agent = self.rng.choice(AGENTS)
        story.agent = agent
        timeline.add(
            {"type": "Agent", "id": agent.id, "name": agent.name, "dialst": "Dialed", "num": agent.number}
        )
        trunk = f"SIP/+{SIP_TRUNK_USER}@TATA-BLR-UNLIMITED-8069182000_{self.rng.getrandbits(44):011x}"
        timeline.add({"type": "ClickToCall", "name": trunk})

    def _click_to_call_answered(self, timeline: _Timeline, start: int) -> _Story:
        story = _Story(
            "outbound",
            "Call answered by customer",
            self._answered_reason(),
            "Normal clearing",
            ["Agent"],
            "clicktocall",
            legs=2,
            support_api_call=self.rng.random() < 0.1,
        )
        self._dial_out(timeline, story)
        timeline.wait(self.rng.randint(5, 30))
        timeline.add(
            {"type": "Agent", "id": None, "name": None, "number": SIP_TRUNK_USER, "dialst": "Answered"}
        )
        timeline.answer()
        timeline.wait(self._talk_seconds())
        return story

    def _click_to_call_missed(self, timeline: _Timeline, start: int) -> _Story:
        reason, cause, description, dialst = self.rng.choice(
            (
                ("customer_not_answered", "No answer", "Call not answered by customer", "No Answer"),
                ("customer_busy", "User busy", "Customer was busy", "Busy"),
            )
        )
        story = _Story(
            "outbound",
            description,
            reason,
            cause,
            ["Agent"],
            "clicktocall",
            support_api_call=self.rng.random() < 0.1,
        )
        self._dial_out(timeline, story)
        timeline.wait(self.rng.randint(20, 45) if dialst == "No Answer" else self.rng.randint(2, 8))
        timeline.add({"type": "Agent", "id": None, "name": None, "number": SIP_TRUNK_USER, "dialst": dialst})
        return story

    def _dialer_call(self, timeline: _Timeline, start: int) -> _Story:
        answered = self.rng.random() < 0.7
        story = _Story(
            "outbound",
            "Call answered by customer" if answered else "Call not answered by customer",
            self._answered_reason() if answered else "customer_not_answered",
            "Normal clearing" if answered else "No answer",
            ["Dialer", "Agent"],
            "dialer",
            legs=2,
        )
        story.campaign = self.rng.choice(CAMPAIGNS)
        story.agent = self.rng.choice(AGENTS)
        timeline.add({"type": "Dialer", "id": story.campaign.id, "name": story.campaign.name})
        timeline.wait(self.rng.randint(5, 30))
        timeline.add(
            {
                "type": "Agent",
                "id": None,
                "name": None,
                "number": SIP_TRUNK_USER,
                "dialst": "Answered" if answered else "No Answer",
            }
        )
        if answered:
            timeline.answer()
            timeline.add(
                {
                    "type": "Agent",
                    "id": story.agent.id,
                    "name": story.agent.name,
                    "dialst": "Answered",
                    "num": story.agent.number,
                }
            )
            timeline.wait(self._talk_seconds())
        return story

    def _broadcast_call(self, timeline: _Timeline, start: int) -> _Story:
        answered = self.rng.random() < 0.75
        story = _Story(
            "outbound",
            "Broadcast answered by customer" if answered else "Broadcast not answered",
            "broadcast_completed" if answered else "customer_not_answered",
            "Normal clearing" if answered else "No answer",
            ["Broadcast"],
            "broadcast",
        )
        story.broadcast = self.rng.choice(BROADCASTS)
        timeline.add({"type": "Broadcast", "id": story.broadcast.id, "name": story.broadcast.name})
        timeline.wait(self.rng.randint(5, 30))
        if answered:
            timeline.answer()
            timeline.wait(self.rng.randint(15, 40))
            story.dtmf_input = "1" if self.rng.random() < 0.2 else None
        return story

    def _answered_reason(self) -> str:
        return self.rng.choice(
            ("disconnected_by_caller", "disconnected_by_agent", "disconnected_by_customer")
        )

    def _talk_seconds(self) -> int:
        return min(3600, max(5, int(self.rng.lognormvariate(4.6, 0.9))))

    # ------------------------------------------------------------------------------------ record

    def _unique_hex(self, prefix: str, random_digits: int, seen: set[str]) -> str:
        while True:
            value = prefix + f"{self.rng.getrandbits(random_digits * 4):0{random_digits}x}"
            if value not in seen:
                seen.add(value)
                return value

    def _record(self, call_id: str, start: int, timeline: _Timeline, story: _Story) -> dict[str, Any]:
        rng = self.rng
        init = int(timeline.flow[0]["time"])
        end = timeline.now
        answered = timeline.answered_at is not None
        call_duration = end - init
        minutes = story.legs * math.ceil(call_duration / 60) if call_duration else 0
        customer_number, customer_name = rng.choice(self.customers)
        did = rng.choice(DID_NUMBERS)
        agent = story.agent
        return {
            "id": self._unique_hex(f"{end + rng.randint(1, 4):08x}", 16, self._ids),
            "call_id": call_id,
            "uuid": self._unique_hex(f"{init:08x}", 5, self._uuids),
            "direction": story.direction,
            "description": story.description,
            "detailed_description": story.detailed_description,
            "status": "answered" if answered else "missed",
            "blocked_number_id": story.blocked_number_id,
            "recording_url": (
                f"{RECORDING_BASE}?callId={call_id}&type=rec&token={rng.getrandbits(128):032x}"
                if answered
                else None
            ),
            "service": ",".join(story.services),
            "date": ist_text(start, "%Y-%m-%d"),
            "time": ist_text(start, "%H:%M:%S"),
            "end_stamp": ist_text(end),
            "broadcast_id": story.broadcast.id if story.broadcast else None,
            "dtmf_input": story.dtmf_input,
            "call_duration": call_duration,
            "answered_seconds": end - timeline.answered_at if timeline.answered_at is not None else 0,
            "minutes_consumed": minutes,
            "charges": round(minutes * 0.6, 2) if minutes and rng.random() < 0.2 else 0,
            "department_name": story.department.name if story.department else None,
            "agent_number": agent.number if agent else None,
            "agent_number_with_prefix": agent.number_with_prefix if agent else None,
            "agent_name": agent.name if agent else None,
            "client_number": customer_number,
            "did_number": did,
            "reason": story.reason,
            "hangup_cause": story.hangup_cause,
            "notes": self._note(end, agent) if answered and rng.random() < 0.1 else None,
            "contact_details": {"name": customer_name, "number": customer_number}
            if rng.random() < 0.3
            else None,
            "missed_agents": [missed.as_missed_agent() for missed in story.missed_agents],
            "call_flow": timeline.flow,
            "accountid": self.account_name,
            "agent_ring_time": (
                ist_duration(story.agent_ring_seconds) if story.agent_ring_seconds is not None else "N.A."
            ),
            "circle": {"operator": rng.choice(OPERATORS), "circle": rng.choice(CIRCLES)},
            "agent_hangup_data": self._disposition() if answered and agent and rng.random() < 0.15 else None,
            "transfer_missed_agent": [missed.as_missed_agent() for missed in story.transfer_missed_agents],
            "call_hint": story.call_hint,
            "support_api_call": story.support_api_call,
            "lead_id": str(rng.randint(10_000, 99_999)) if story.campaign else None,
            "is_incoming_from_broadcast": story.from_broadcast,
            "caller_id_num": did if story.direction == "outbound" else customer_number,
            "sip_agent_ids": [agent.sip_id] if answered and agent and agent.sip_id else None,
            "dialer_call_details": (
                {
                    "campaign_id": story.campaign.id,
                    "campaign_name": story.campaign.name,
                    "attempt": rng.randint(1, 3),
                }
                if story.campaign
                else None
            ),
            "custom_status": rng.choice(CUSTOM_STATUSES) if answered and rng.random() < 0.1 else None,
            "voicemail_recording": story.voicemail,
            "aws_call_recording_identifier": f"{rng.getrandbits(128):032x}" if answered else None,
        }

    def _note(self, end: int, agent: Agent | None) -> dict[str, Any]:
        return {
            "note": self.rng.choice(NOTES),
            "created_by": agent.name if agent else None,
            "created_at": ist_text(end + self.rng.randint(5, 300)),
        }

    def _disposition(self) -> dict[str, Any]:
        disposition, sub_disposition = self.rng.choice(DISPOSITIONS)
        return {"disposition": disposition, "sub_disposition": sub_disposition, "remarks": ""}


def ist_duration(seconds: int) -> str:
    """Seconds as the "00:00:12" form of `agent_ring_time`."""
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _office_hours_instant(rng: random.Random, start: int, end: int) -> int:
    top = max(HOUR_WEIGHTS)
    while True:
        instant = rng.randrange(start, end)
        if rng.random() * top < HOUR_WEIGHTS[datetime.fromtimestamp(instant, IST).hour]:
            return instant


class AcefoneDataset:
    """The calls one Acefone emulator serves: generated from a seed, kept sorted by start, growable."""

    def __init__(
        self, seed: int, calls: int, start: datetime, end: datetime, account_name: str = ACCOUNT_NAME
    ) -> None:
        if calls < 0:
            raise ValueError(f"calls must not be negative, got {calls}")
        if end <= start:
            raise ValueError(f"the data range must not be empty: {start.isoformat()} .. {end.isoformat()}")
        self.start, self.end = start, end
        rng = random.Random(seed)
        self._factory = CallFactory(rng, account_name)
        first, last = int(start.timestamp()), int(end.timestamp())
        instants = boundary_instants(first, last)[:calls]
        instants += [_office_hours_instant(rng, first, last) for _ in range(calls - len(instants))]
        self._calls = [self._factory.build(instant) for instant in sorted(instants)]
        self._keys = [call.key for call in self._calls]
        self._lock = threading.Lock()

    def add(self, count: int, at: datetime) -> list[AcefoneCall]:
        """Add `count` calls starting at `at` (later sequence numbers than every call so far)."""
        instant = int(at.timestamp())
        with self._lock:
            added = [self._factory.build(instant) for _ in range(count)]
            for call in added:
                index = bisect.bisect_right(self._keys, call.key)
                self._keys.insert(index, call.key)
                self._calls.insert(index, call)
        return added

    def started_between(self, first: int, last: int, now: int) -> list[AcefoneCall]:
        """Calls whose start lies in [first, last] and not after `now`, oldest first."""
        upper = min(last, now)
        with self._lock:
            low = bisect.bisect_left(self._keys, (first, -1))
            high = bisect.bisect_right(self._keys, (upper, math.inf))
            return self._calls[low:high]

    def started_until(self, now: int) -> list[AcefoneCall]:
        """Every call that has started by `now`, oldest first."""
        with self._lock:
            return self._calls[: bisect.bisect_right(self._keys, (now, math.inf))]
