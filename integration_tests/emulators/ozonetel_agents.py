"""The Agent State Summary of the synthetic Ozonetel account (`/ca_reports/summaryReport`,
https://docs.ozonetel.com/reference/get_ca-reports-summaryreport): one record per agent, day and mode, in
the page's sample keys (`AgentIncrID`, `AgentName`, `AgentUniqueID`, `CallDate`, `ModeType` and six
`HH:MM:SS` totals).

The totals follow from the calls the emulator holds, so they agree with the call records: busy time is
the talk and hold time of the agent's calls, dial time the ringing of its outbound (progressive) calls,
wrap-up the wrap-up after each call; idle and pause time are drawn per agent, day and mode from the data
set's seed (scaled to the part of the day asked for); login time is their sum.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from .ozonetel_calls import AGENTS, DAY, OzonetelCall, hms

# The agents' numeric ids in the account (the sample's `AgentIncrID`, a number here).
INCR_IDS = {unique: 4100 + index for index, (_, _, _, unique) in enumerate(AGENTS)}
NAMES = {agent_id: (name, unique) for agent_id, name, _, unique in AGENTS}
MODES = {"InBound": "Inbound", "Progressive": "Progressive"}
# What `modeType` may name (the page: "inbound, and outbound modes ... Progressive, Preview, Chat etc.").
KNOWN_MODES = ("inbound", "progressive", "preview", "predictive", "manual", "chat", "outbound")


def seconds_of(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def summaries(
    calls: Iterable[OzonetelCall], first: int, last: int, tz: tzinfo, seed: int
) -> list[dict[str, Any]]:
    """The records for the calls started in [first, last] (epochs, inclusive), by day, agent and mode."""
    totals: dict[tuple[int, str, str], dict[str, int]] = {}
    for call in calls:
        if not first <= call.start <= last:
            continue
        record = call.report_record
        key = (call.ist_day, record["AgentID"], MODES.get(record["Type"], record["Type"]))
        total = totals.setdefault(key, {"busy": 0, "dial": 0, "wrap": 0})
        total["busy"] += seconds_of(record["TalkTime"]) + seconds_of(record["HoldDuration"])
        total["wrap"] += seconds_of(record["WrapupDuration"])
        if key[2] != "Inbound":
            total["dial"] += seconds_of(record["CustomerRingTime"])
    records = []
    for (day, agent_id, mode), total in sorted(totals.items()):
        covered = min(last + 1, day + DAY) - max(first, day)
        draw = random.Random(f"{seed}:{day}:{agent_id}:{mode}")
        idle = draw.randint(900, 7200) * covered // DAY
        pause = draw.randint(0, 1800) * covered // DAY
        name, unique = NAMES[agent_id]
        records.append(
            {
                "AgentIncrID": INCR_IDS[unique],
                "AgentName": name,
                "AgentUniqueID": unique,
                "CallDate": datetime.fromtimestamp(day, tz).strftime("%Y-%m-%d"),
                "ModeType": mode,
                "TotalBusyTime": hms(total["busy"]),
                "TotalDialTime": hms(total["dial"]),
                "TotalIdleTime": hms(idle),
                "TotalLoginDuration": hms(total["busy"] + total["dial"] + total["wrap"] + idle + pause),
                "TotalPauseTime": hms(pause),
                "TotalWrapupTime": hms(total["wrap"]),
                "_agent_id": agent_id,
            }
        )
    return records


def filtered(records: list[dict[str, Any]], agents: list[str], modes: list[str]) -> list[dict[str, Any]]:
    """The records of the agents (login ids) and modes asked for (all when none is), without helper keys."""
    wanted_modes = {mode.lower() for mode in modes}
    return [
        {key: value for key, value in record.items() if not key.startswith("_")}
        for record in records
        if (not agents or record["_agent_id"] in agents)
        and (not wanted_modes or record["ModeType"].lower() in wanted_modes)
    ]
