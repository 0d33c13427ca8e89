"""The synthetic RingCX data set: accounts, admin users, cloud profiles and destinations, and calls.

Calls are rendered as rows of the cloud Call Detail Report (CASPER_REPORT) exactly in the form of the
vendor page's example (github.com/ringcentral/engage-voice-api-docs, docs/analytics/reports/DEPRECATED-call-detail-report.md):

    cloud_profile_id,profile_name,uii,ani,dnis,...,enqueue_time,dequeue_time,queue_time,call_state,...
    1111,DTE,'202004250912250132110000003150,2312866364,8889918278,,,,,,,,0,4/20/20 6:12 AM,...,COMPLETE            ,...

- `uii` with the leading `'` spreadsheet guard; 30 digits: the enqueue instant (UTC, 14 digits), `0132`, a
  2-digit account index and a 10-digit sequence, so every call has its own;
- times as `M/D/YY h:mm AM` in the report's zone (minutes only; the call's real instant has seconds);
- `call_state` padded to 20 characters (a fixed-width database column), empty media columns, `media_length`
  `0`, the `attempt_2_*` columns empty unless a first attempt failed; one profile name holds a comma, so
  its cells are quoted.

Only the sorted enqueue instants are stored; every other field of call `i` is drawn from an RNG seeded with
`(seed, i)` when the call is rendered, so a data set of a million calls costs a few megabytes.
"""

from __future__ import annotations

import bisect
import csv
import io
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

PROFILE_COLUMNS = ("cloud_profile_id", "profile_name")
DESTINATION_COLUMNS = ("cloud_destination_id", "destination_name")
COMMON_COLUMNS = (
    "uii",
    "ani",
    "dnis",
    "outbound_externid",
    "media_isci",
    "media_network",
    "media_market",
    "media_code",
    "media_format",
    "media_version",
    "media_length",
    "enqueue_time",
    "dequeue_time",
    "queue_time",
    "call_state",
    "is_cellular",
    "dequeue_attempts",
    "call_result",
    "inbound_duration",
    "recording_url",
    "connected_id",
    "connected_name",
    "connected_route",
    "connected_duration",
    "attempt_1_id",
    "attempt_1_name",
    "attempt_1_route",
    "attempt_1_disp",
    "attempt_2_id",
    "attempt_2_name",
    "attempt_2_route",
    "attempt_2_disp",
)
CALL_STATE_WIDTH = 20
MAIN_ACCOUNT_ID = "15300000"
ADMIN_ID = 1111
PROFILE_NAMES = ("DTE", "IT TFN", "Billing, Tier 2", "Sales Inbound", "Support", "Spanish Line", "Retention")
DESTINATION_NAMES = ("DTE", "IT TFN", "Billing Team", "Sales Floor", "Support Queue", "Overflow")


@dataclass(frozen=True)
class CloudObject:
    """A cloud profile or destination of one account, in a group (`group_id` None: ungrouped)."""

    object_id: int
    name: str
    group_id: int | None
    group_name: str | None
    number: str
    """Profiles: the toll-free number (dnis) routed through them; destinations: the number they ring."""


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    index: int
    profiles: tuple[CloudObject, ...]
    destinations: tuple[CloudObject, ...]

    def record(self) -> dict[str, Any]:
        """The account as `GET /admin/accounts` lists it (with the settings that are credentials elsewhere)."""
        return {
            "accountId": self.account_id,
            "accountName": self.name,
            "mainAccountId": MAIN_ACCOUNT_ID,
            "mainAccountName": "Emulated Main Account",
            "rcAccountId": "37439510",
            "archivedAccount": False,
            "enableCloudRouting": True,
            "enableInbound": True,
            "enableOutbound": True,
            "enableChat": False,
            "dataRetentionDays": 365,
            "audioRetentionDays": 90,
            "primaryTimezone": 9,
            "databaseShardId": "shard-2",
            "crmUid": "crm-sync",
            "crmPwd": f"crm-password-{self.account_id}",
            "ftpUid": "ftp-export",
            "ftpPwd": f"ftp-password-{self.account_id}",
            "securityKey": f"security-key-{self.account_id}",
            "phoneRecordingPin": 4242,
            "rcAccountAccess": "ENABLED",
            "recordingAccessMode": "ACCOUNT",
            "startDate": f"2021-0{self.index % 9 + 1}-15T08:30:00.000+0000",
            "endDate": None,
        }


def _digits(rng: random.Random, count: int, first: str = "") -> str:
    return first + "".join(rng.choice("0123456789") for _ in range(count - len(first)))


def build_accounts(seed: int, count: int) -> list[Account]:
    """`count` accounts, each with two profile groups, two destination groups and ungrouped objects."""
    rng = random.Random(f"accounts:{seed}")
    accounts = []
    for index in range(count):
        account_id = str(int(MAIN_ACCOUNT_ID) + index + 1)
        base = (index + 1) * 1000
        profile_groups = [
            (base // 10 + 11, "Inbound Marketing"),
            (base // 10 + 12, "Customer Care"),
            (None, None),
        ]
        profiles = tuple(
            CloudObject(
                base + 111 * (position + 1),
                PROFILE_NAMES[(position + index) % len(PROFILE_NAMES)],
                *profile_groups[position % len(profile_groups)],
                _digits(rng, 10, "888"),
            )
            for position in range(5)
        )
        destination_groups = [(base // 10 + 31, "Agents East"), (None, None)]
        destinations = tuple(
            CloudObject(
                base + 500 + position,
                DESTINATION_NAMES[(position + index) % len(DESTINATION_NAMES)],
                *destination_groups[position % len(destination_groups)],
                _digits(rng, 10, "585"),
            )
            for position in range(4)
        )
        accounts.append(Account(account_id, f"Emulated Account {index + 1}", index, profiles, destinations))
    return accounts


def build_users(accounts: list[Account]) -> list[dict[str, Any]]:
    """The admin users: the root admin (the JWT login's `adminId`) with two users below it."""
    children = [
        {
            "userId": ADMIN_ID + number,
            "userName": f"supervisor{number}@example.com",
            "firstName": f"Supervisor{number}",
            "lastName": "Example",
            "fullName": f"Supervisor{number} Example",
            "enabled": True,
            "rootUser": False,
            "rcUserId": 222222 + number,
            "rcAccountId": "37439510",
            "userManagedByRC": True,
            "phoneNumber": None,
            "parentPath": f"/{ADMIN_ID}/",
            "creationDate": "2023-02-01T10:00:00.000+0000",
            "roles": [{"roleType": "USER", "description": "User"}],
            "children": [],
        }
        for number in (1, 2)
    ]
    return [
        {
            "userId": ADMIN_ID,
            "userName": "john.wang@example.com",
            "firstName": "John",
            "lastName": "Wang",
            "fullName": "John Wang",
            "enabled": True,
            "rootUser": True,
            "rcUserId": 222222,
            "rcAccountId": "37439510",
            "userManagedByRC": True,
            "phoneNumber": "6505550100",
            "phoneNumberE164": "+16505550100",
            "phoneNumbersI18nEnabled": False,
            "parentPath": "/",
            "creationDate": "2023-01-15T09:30:00.000+0000",
            "regionalSettings": {"timezone": 9, "language": "en-US", "timeFormat": "12h"},
            "roles": [{"roleType": "SUPER_USER", "description": "Super user"}],
            "children": children,
            "accountIds": [account.account_id for account in accounts],
        }
    ]


def report_time(instant: int, tz: ZoneInfo) -> str:
    """`4/20/20 6:12 AM`: month/day/2-digit year, 12-hour clock, no seconds, in `tz`."""
    local = datetime.fromtimestamp(instant, tz)
    hour = local.hour % 12 or 12
    return f"{local.month}/{local.day}/{local:%y} {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


@dataclass(frozen=True)
class Call:
    """One call, enough to render its report row in any zone and grouping."""

    index: int
    enqueued: int
    account: Account
    profile: CloudObject
    destination: CloudObject | None
    fields: dict[str, str]

    def row(self, group_by: str, tz: ZoneInfo) -> list[str]:
        if group_by == "PROFILE":
            head = [str(self.profile.object_id), self.profile.name]
        else:
            assert self.destination is not None
            head = [str(self.destination.object_id), self.destination.name]
        values = dict(self.fields)
        values["enqueue_time"] = report_time(self.enqueued, tz)
        dequeued = values.pop("_dequeued")
        values["dequeue_time"] = report_time(int(dequeued), tz) if dequeued else ""
        return head + [values[column] for column in COMMON_COLUMNS]


class RingCxDataset:
    """Accounts and calls of one emulator: the calls' instants are stored, the rest is drawn per call."""

    def __init__(self, seed: int, accounts: int, calls: int, start: datetime, end: datetime) -> None:
        if calls < 0 or accounts < 1:
            raise ValueError("calls must not be negative and there must be at least one account")
        if end <= start:
            raise ValueError(f"the data range must not be empty: {start.isoformat()} .. {end.isoformat()}")
        self.seed = seed
        self.accounts = build_accounts(seed, accounts)
        self.by_id = {account.account_id: account for account in self.accounts}
        self.users = build_users(self.accounts)
        rng = random.Random(f"instants:{seed}")
        first, last = int(start.timestamp()), int(end.timestamp())
        # Boundary instants first: the range's first and last second, and two calls in one second.
        boundary = [first, last - 1, first + 3600, first + 3600][: min(calls, 4)]
        self.instants = array(
            "q", sorted(boundary + [rng.randrange(first, last) for _ in range(calls - len(boundary))])
        )

    def call(self, index: int) -> Call:
        """Call `index` (in enqueue order), drawn from its own seeded RNG."""
        enqueued = self.instants[index]
        rng = random.Random(f"call:{self.seed}:{index}")
        account = self.accounts[rng.randrange(len(self.accounts))]
        profile = rng.choice(account.profiles)
        outcome = rng.random()
        queue_time = rng.randint(0, 240)
        attempts = rng.randint(1, 3)
        fields = {column: "" for column in COMMON_COLUMNS}
        utc = datetime.fromtimestamp(enqueued, timezone.utc)
        fields["uii"] = f"'{utc:%Y%m%d%H%M%S}0132{account.index:02d}{index:010d}"
        fields["ani"] = _digits(rng, 10, rng.choice("23456789"))
        fields["dnis"] = profile.number
        fields["media_length"] = "0"
        fields["queue_time"] = str(queue_time)
        fields["is_cellular"] = rng.choice(("Yes", "No"))
        fields["dequeue_attempts"] = str(attempts)
        destination = None
        if outcome < 0.8:
            destination = rng.choice(account.destinations)
            talk = rng.randint(5, 900)
            fields["call_state"] = "COMPLETE".ljust(CALL_STATE_WIDTH)
            fields["call_result"] = "CONNECTED"
            fields["inbound_duration"] = str(queue_time + talk)
            fields["connected_id"] = str(destination.object_id)
            fields["connected_name"] = destination.name
            fields["connected_route"] = destination.number
            fields["connected_duration"] = str(talk)
            fields["attempt_1_id"] = str(destination.object_id)
            fields["attempt_1_name"] = destination.name
            fields["attempt_1_route"] = _digits(rng, 10, destination.number[:6])
            fields["attempt_1_disp"] = f"ANSWER({rng.randint(2, 9)})"
            if attempts > 2:
                other = rng.choice(account.destinations)
                fields["attempt_2_id"] = str(other.object_id)
                fields["attempt_2_name"] = other.name
                fields["attempt_2_route"] = other.number
                fields["attempt_2_disp"] = f"NOANSWER({rng.randint(15, 30)})"
            if rng.random() < 0.3:
                fields["recording_url"] = (
                    f"https://recordings.ringcx.example/{account.account_id}/{index}.wav"
                )
            dequeued: int | None = enqueued + queue_time
        else:
            fields["call_state"] = "ABANDON".ljust(CALL_STATE_WIDTH)
            fields["call_result"] = "ABANDONED"
            fields["inbound_duration"] = str(queue_time)
            fields["dequeue_attempts"] = "0"
            dequeued = None
        fields["_dequeued"] = str(dequeued) if dequeued is not None else ""
        return Call(index, enqueued, account, profile, destination, fields)

    def indices_between(self, first: float, last: float, now: float) -> range:
        """Indices of the calls enqueued in [first, last] and not after `now`."""
        low = bisect.bisect_left(self.instants, first)
        high = bisect.bisect_right(self.instants, min(last, now))
        return range(low, max(low, high))

    def report_rows(
        self,
        account_id: str,
        group_by: str,
        object_ids: set[int],
        first: float,
        last: float,
        now: float,
        tz: ZoneInfo,
    ) -> Iterator[tuple[int, list[str]]]:
        """The report's rows (without header) for one account, in enqueue order, with each call's index."""
        for index in self.indices_between(first, last, now):
            call = self.call(index)
            if call.account.account_id != account_id:
                continue
            chosen = call.profile if group_by == "PROFILE" else call.destination
            if chosen is None or chosen.object_id not in object_ids:
                continue
            yield index, call.row(group_by, tz)


def header(group_by: str) -> list[str]:
    return list((PROFILE_COLUMNS if group_by == "PROFILE" else DESTINATION_COLUMNS) + COMMON_COLUMNS)


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """Rows as CSV lines (CRLF-free `\\n` endings, quoting only where needed, as the report does)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
