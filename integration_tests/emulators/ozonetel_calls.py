"""The synthetic Ozonetel CloudAgent call data set: seeded calls, each shown in the three record shapes the
three APIs use.

- `log_record`: what `getCallLogs` returns (the legacy getCDR shape: `UCID`, `monitorUCID`, IST
  `StartTime`/`EndTime` as `YYYY-MM-DD HH:MM:SS`, `HH:MM:SS` durations, the account's `Apikey`).
- `ucid_record`: what `fetchCdrByUCID.php` returns (the page's older sample: no `UCID` key, `Apikey`,
  `CallDuration`, `ConfDuration`...).
- `spaced_record`: the same call in the current page's spaced keys (`Start Time`, `Audio Download`...);
- `report_record`: what `/ca_reports/fetchCDRDetails` returns (`CallDate` plus time-only `StartTime`,
  `EndTime` and `PickupTime`, numeric `UCID` and `CallID`).

Calls follow office hours in IST, and the set always holds boundary calls: one that starts at 23:58:30
IST and ends after midnight (the "late call" of the provider's scenario 2), one at 00:00:00 IST, one at
23:59:59 IST and one at 02:59:59 IST on every day of the range, so day-edge and horizon bugs show.
"""

from __future__ import annotations

import bisect
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")
DAY = 86_400
ACCOUNT_USER = "demo_user"
RECORDING_BASE = "https://s3.ap-southeast-1.amazonaws.com/recordings.kookoo.in/demo_user"

CAMPAIGNS = ("Inbound_918047190000", "Renewals_Progressive", "Support_Inbound")
SKILLS = ("General", "Billing", "Support", "Sales")
LOCATIONS = ("Bangalore", "Hyderabad", "Mumbai", "")
AGENTS = (
    ("priya", "Priya Sharma", "9888889999", "711"),
    ("rahul", "Rahul Verma", "9811122233", "712"),
    ("ananya", "Ananya Iyer", "9845012345", "713"),
    ("vikram", "Vikram Singh", "9910045678", "714"),
    ("sneha", "Sneha Kulkarni", "9822098765", "715"),
)
DIDS = ("918047190000", "918047190001", "914066778800")
DISPOSITIONS = ("", "Interested", "Call back later", "Resolved", "Wrap up time exceeded :1")
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 15, 17, 18, 16, 14, 11, 8, 5, 3, 2, 1)


def local_text(epoch: int, tz: tzinfo, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(epoch, tz).strftime(pattern)


def hms(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def ist_day_start(epoch: float, tz: tzinfo = IST) -> int:
    """The epoch of local midnight (IST unless `tz` says otherwise) on the local day containing `epoch`."""
    local = datetime.fromtimestamp(epoch, tz)
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


@dataclass(frozen=True)
class OzonetelCall:
    """One call's facts and its three record shapes."""

    ucid: str
    start: int
    end: int
    campaign: str
    log_record: dict[str, Any]
    ucid_record: dict[str, Any]
    report_record: dict[str, Any]
    ist_day: int
    """Local midnight of the call's day (the account's zone)."""
    spaced_record: dict[str, Any]
    """The CDR-by-UCID record in the current vendor page's spaced keys."""
    truth: dict[str, Any] = field(default_factory=dict)
    """What the call was, in the emulator's own terms (`ground_truth_calls`): epochs, seconds, parties."""


class CallFactory:
    """Builds realistic calls from one seeded generator."""

    def __init__(self, rng: random.Random, api_key: str, user_name: str, tz: tzinfo = IST) -> None:
        self.rng = rng
        self.tz = tz
        self.api_key = api_key
        self.user_name = user_name
        self._ucids: set[str] = set()

    def _ucid(self, start: int) -> str:
        while True:
            value = f"{self.rng.randint(1, 9)}{start % 10**7:07d}{self.rng.randrange(10**8):08d}"
            if value not in self._ucids:
                self._ucids.add(value)
                return value

    def build(self, start: int, talk_seconds: int | None = None) -> OzonetelCall:
        rng = self.rng
        tz = self.tz

        def ist(epoch: int, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
            return local_text(epoch, tz, pattern)

        ucid = self._ucid(start)
        answered = rng.random() < 0.75 or talk_seconds is not None
        ring = rng.randint(2, 25)
        talk = talk_seconds if talk_seconds is not None else (rng.randint(20, 900) if answered else 0)
        hold = rng.choice((0, 0, 0, rng.randint(5, 60))) if answered else 0
        wrap = rng.randint(0, 30) if answered else 0
        end = start + ring + talk + hold
        agent_id, agent_name, agent_phone, agent_unique = rng.choice(AGENTS)
        campaign = rng.choice(CAMPAIGNS)
        call_type = "InBound" if campaign != "Renewals_Progressive" else "Progressive"
        caller = "+91" + str(rng.choice("6789")) + "".join(str(rng.randrange(10)) for _ in range(9))
        did = rng.choice(DIDS)
        skill = rng.choice(SKILLS)
        location = rng.choice(LOCATIONS)
        status = "Answered" if answered else "NotAnswered"
        dial_status = "answered" if answered else rng.choice(("Not Answered", "busy", "NoAnswer"))
        hangup = rng.choice(("UserHangup", "AgentHangup")) if answered else "UserHangup"
        audio = f"{RECORDING_BASE}/TXR{ucid}.mp3" if answered else ""
        disposition = rng.choice(DISPOSITIONS) if answered else ""
        transfer = rng.random() < 0.05 and answered
        transfer_type = "Blind Transfer" if transfer else "No Transfers"
        transferred_to = rng.choice(AGENTS)[0] if transfer else ""
        uui = rng.choice(("", "", "lead-" + str(rng.randint(1000, 9999))))
        time_to_answer = hms(ring) if answered else ""
        log_record = {
            "UCID": ucid,
            "monitorUCID": ucid,
            "UUI": uui,
            "Did": did,
            "Location": location,
            "CampaignName": campaign,
            "CallerID": caller,
            "PhoneName": agent_unique,
            "Skill": skill,
            "StartTime": ist(start),
            "EndTime": ist(end),
            "TimeToAnswer": time_to_answer,
            "Duration": hms(end - start) if answered else None,
            "CallDuration": hms(end - start),
            "FallBackRule": "AgentDial",
            "DialedNumber": agent_phone,
            "Type": call_type,
            "AgentID": agent_id,
            "AgentUniqueID": agent_unique,
            "AgentName": agent_name,
            "Disposition": disposition,
            "HangupBy": hangup,
            "Status": status,
            "AudioFile": audio,
            "TransferType": transfer_type,
            "TransferredTo": transferred_to,
            "Comments": "",
            "DialStatus": dial_status,
            "Apikey": self.api_key,
            "AgentStatus": dial_status,
            "CustomerStatus": "answered" if answered else "NotDialed",
            "TalkTime": hms(talk),
            "HoldDuration": hms(hold),
            "WrapUpDuration": hms(wrap) if answered else None,
        }
        ucid_record = {
            "monitorUCID": ucid,
            "UUI": uui,
            "Did": did,
            "CampaignName": campaign,
            "Location": location,
            "CallerID": caller,
            "PhoneName": "0" + agent_phone,
            "Skill": skill,
            "StartTime": ist(start),
            "EndTime": ist(end),
            "TimeToAnswer": time_to_answer or "00:00:00",
            "CallDuration": hms(end - start),
            "Duration": hms(talk + hold),
            "FallBackRule": "AgentDial",
            "DialedNumber": "0" + agent_phone,
            "Type": call_type.lower() if call_type == "Progressive" else "inbound",
            "AgentID": agent_id,
            "AgentPhoneNumber": "0" + agent_phone,
            "AgentUniqueID": agent_unique,
            "AgentName": agent_name,
            "Disposition": disposition,
            "HangupBy": hangup,
            "Status": status,
            "AudioFile": audio,
            "TransferType": transfer_type,
            "TransferredTo": transferred_to,
            "Comments": "",
            "DialStatus": dial_status,
            "Apikey": self.api_key,
            "AgentStatus": dial_status,
            "CustomerStatus": "answered" if answered else "NotDialed",
            "UserName": self.user_name,
            "CallerConfAudioFile": "",
            "ConfDuration": "00:00:00",
            "CampaignStatus": "ONLINE",
            "DataUniqueId": "",
            "CallCompleted": "TRUE",
            "ConferenceData": None,
        }
        report_record = {
            "AgentDialStatus": dial_status,
            "AgentID": agent_id,
            "AgentName": agent_name,
            "CallAudio": audio,
            "CallDate": ist(start, "%Y-%m-%d"),
            "CallID": int(ucid),
            "CallerConfAudioFile": "",
            "CallerID": caller,
            "CampaignName": campaign,
            "Comments": "",
            "ConferenceDuration": "00:00:00",
            "CustomerDialStatus": "answered" if answered else "NotDialed",
            "CustomerRingTime": hms(ring),
            "DID": did,
            "DialOutName": "",
            "DialStatus": dial_status,
            "DialedNumber": agent_phone,
            "Disposition": disposition,
            "Duration": hms(end - start),
            "DynamicDID": "",
            "E164": caller,
            "EndTime": ist(end, "%H:%M:%S"),
            "Event": "AgentDial",
            "HandlingTime": hms(end - start + wrap),
            "HangupBy": hangup,
            "HoldDuration": hms(hold),
            "Location": location,
            "PickupTime": ist(start + ring, "%H:%M:%S") if answered else "",
            "Rating": 0,
            "RatingComments": "",
            "Skill": skill,
            "StartTime": ist(start, "%H:%M:%S"),
            "Status": status,
            "TalkTime": hms(talk),
            "TimeToAnswer": time_to_answer or "00:00:00",
            "TransferType": "" if not transfer else transfer_type,
            "TransferredTo": transferred_to,
            "Type": call_type,
            "UCID": int(ucid),
            "UUI": uui,
            "WrapupDuration": hms(wrap),
        }
        # The current sample of https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php.
        spaced_record = {
            "CallID": int(ucid),
            "UCID": ucid,
            "UUI": uui,
            "Campaign Name": campaign,
            "Location": location,
            "Caller Id": caller,
            "Skill": skill,
            "Call Date": ist(start, "%Y-%m-%d"),
            "Start Time": ist(start),
            "Time to Answer": time_to_answer or "00:00:00",
            "End Time": ist(end),
            "TalkTime": hms(talk),
            "Duration": hms(talk + hold),
            "Customer Ring Time": hms(ring),
            "FallBack Rule": "AgentDial",
            "Dialed Number": "0" + agent_phone,
            "Type": call_type.lower() if call_type == "Progressive" else "inbound",
            "Agent": agent_id,
            "Disposition": disposition,
            "Status": status,
            "Hangup By": hangup,
            "Transfer": transfer_type,
            "Transferred To": transferred_to,
            "comments": "",
            "DialStatus": dial_status,
            "CustomerStatus": "answered" if answered else "NotDialed",
            "AgentStatus": dial_status,
            "Wrapup Time": hms(wrap),
            "Rating": 0,
            "RatingComments": "",
            "Audio Download": audio,
        }
        if answered:
            outcome = "answered"
        elif call_type == "InBound":
            outcome = "abandoned"  # the caller hung up before an agent answered
        else:
            outcome = "busy" if dial_status == "busy" else "missed"
        truth = {
            "call_id": ucid,
            "direction": "inbound" if call_type == "InBound" else "outbound",
            "start": start,
            "end": end,
            "answered": start + ring if answered else None,
            "ring_seconds": ring if answered else None,
            "talk_seconds": talk,
            "customer_number": caller,
            "campaign_number": did,
            "agent_id": agent_id,
            "agent_name": agent_name,
            "campaign": campaign,
            "outcome": outcome,
            "hung_up_by": "customer" if hangup == "UserHangup" else "agent",
            "disposition": disposition or None,
            "recording_url": audio or None,
        }
        return OzonetelCall(
            ucid,
            start,
            end,
            campaign,
            log_record,
            ucid_record,
            report_record,
            ist_day_start(start, tz),
            spaced_record,
            truth,
        )


def boundary_starts(start: int, end: int, tz: tzinfo = IST) -> list[tuple[int, int | None]]:
    """(start instant, talk seconds or None) of the boundary calls inside [start, end)."""
    starts: list[tuple[int, int | None]] = [(start, None), (end - 1, None)]
    day = ist_day_start(start, tz)
    while day < end:
        starts += [
            (day, None),
            (day + DAY - 1, None),
            (day + 3 * 3600 - 1, None),
            # A call starting before midnight that ends after it (provider scenario 2).
            (day + DAY - 90, 180),
        ]
        day += DAY
    return [(instant, talk) for instant, talk in starts if start <= instant < end]


class OzonetelDataset:
    """All calls, sorted by start; thread-safe for the emulator's request threads."""

    def __init__(
        self,
        seed: int,
        count: int,
        start: int,
        end: int,
        api_key: str,
        user_name: str = ACCOUNT_USER,
        tz: tzinfo = IST,
    ) -> None:
        self.rng = random.Random(seed)
        self.factory = CallFactory(self.rng, api_key, user_name, tz)
        self._lock = threading.Lock()
        instants = boundary_starts(start, end, tz)
        remaining = max(0, count - len(instants))
        days = max(1, (end - start) // DAY + 1)
        while remaining > 0:
            day = ist_day_start(start, tz) + self.rng.randrange(days) * DAY
            hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
            instant = day + hour * 3600 + self.rng.randrange(3600)
            if start <= instant < end:
                instants.append((instant, None))
                remaining -= 1
        instants.sort(key=lambda item: item[0])
        self._calls = [self.factory.build(instant, talk) for instant, talk in instants[: max(count, 0)]]
        self._calls.sort(key=lambda call: (call.start, call.ucid))
        self._starts = [call.start for call in self._calls]
        self._by_ucid = {call.ucid: call for call in self._calls}

    def add(self, count: int, at: int) -> list[OzonetelCall]:
        """`count` new calls starting at `at`."""
        with self._lock:
            added = [self.factory.build(at) for _ in range(count)]
            for call in added:
                index = bisect.bisect_right(self._starts, call.start)
                self._calls.insert(index, call)
                self._starts.insert(index, call.start)
                self._by_ucid[call.ucid] = call
            return added

    def started_between(self, first: int, last: int) -> list[OzonetelCall]:
        """Calls whose start lies in [first, last] (seconds, inclusive)."""
        with self._lock:
            low = bisect.bisect_left(self._starts, first)
            high = bisect.bisect_right(self._starts, last)
            return list(self._calls[low:high])

    def all(self) -> list[OzonetelCall]:
        with self._lock:
            return list(self._calls)

    def by_ucid(self, ucid: str) -> OzonetelCall | None:
        with self._lock:
            return self._by_ucid.get(ucid)
