"""SourceOzonetel: wires the configuration to the streams and the shared quota budget.

Behaviour lives in `streams.py`; this module decides which streams a configuration offers and makes
every stream (and the token endpoint) draw from one `PatientAPIBudget`, so the documented limits hold
across streams.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.call_rate import LimiterSession

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.rate_budget import PatientAPIBudget, Quota
from cdr_shared.source import CdrSource
from source_ozonetel.auth import TOKEN_LIFETIME_SECONDS, OzonetelTokenAuth
from source_ozonetel.calls import OzonetelCalls, calls_parent
from source_ozonetel.check import check_credentials
from source_ozonetel.config import CONFIG_MIGRATIONS, OzonetelConfig, parse_config
from source_ozonetel.errors import PROVIDER, quota_spent
from source_ozonetel.streams import AgentStateSummary, CallDetails, CallLogs, CdrReports

MAX_WAIT_FIELD = "advanced.max_rate_limit_wait_minutes"


def quota_budget(config: OzonetelConfig) -> PatientAPIBudget:
    """The documented limits (or the user's overrides), on the paths they apply to."""
    limits = config.limits
    return PatientAPIBudget(
        [
            Quota("call-log", limits.call_logs_per_hour, timedelta(hours=1), r"/getCallLogs$"),
            Quota(
                "CDR-by-UCID", limits.call_details_per_minute, timedelta(minutes=1), r"/fetchCdrByUCID\.php$"
            ),
            # Each reports API has its own documented limit; no page says they are counted together.
            Quota(
                "CDR-reports",
                limits.cdr_reports_per_minute,
                timedelta(minutes=1),
                r"/ca_reports/fetchCDRDetails$",
            ),
            Quota(
                "agent-state-summary",
                limits.agent_state_summary_per_minute,
                timedelta(minutes=1),
                r"/ca_reports/summaryReport$",
            ),
            # A new token invalidates the previous one: never more than one an hour.
            Quota("reports-token", 1, timedelta(hours=1), r"/generateToken$"),
        ],
        provider=PROVIDER,
        max_wait_seconds=limits.max_wait_seconds,
        max_wait_field=MAX_WAIT_FIELD,
        exhausted_when=quota_spent,
        time_scale=limits.time_scale,
    )


class SourceOzonetel(ConfigModelSource, CdrSource):
    """Ozonetel CloudAgent call logs, CDR by UCID, the CDR reports API and the Agent State Summary."""

    provider = PROVIDER
    parse_config = staticmethod(parse_config)
    config_migrations = CONFIG_MIGRATIONS

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """The cheapest request that still works, within a minute (see `check.py` for the order, what each
        costs and the deadline): a few requests, each at most twice, no quota consulted or exceeded."""
        check_credentials(self.parsed_config(config), requests.Session(), logger)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = self.parsed_config(config)
        budget = quota_budget(parsed)
        call_logs = CallLogs(parsed, api_budget=budget)
        streams: list[Stream] = [call_logs]
        if parsed.include_call_details:
            # call_logs is the parent: call_details replays the windows call_logs read in this sync.
            streams.append(CallDetails(parsed, parent=call_logs, api_budget=budget))
        cdr_reports = None
        if parsed.cdr_reports_mode != "disabled":
            # One authenticator for the reports APIs: a new token revokes the one the other stream holds.
            reports_auth = reports_authenticator(parsed, budget)
            cdr_reports = CdrReports(parsed, api_budget=budget, authenticator=reports_auth)
            streams.append(cdr_reports)
            streams.append(AgentStateSummary(parsed, api_budget=budget, authenticator=reports_auth))
        # The unified `calls`, mapped from the reports API when configured, else from the call logs: it
        # replays the windows its parent read in this sync (no request of its own).
        streams.append(OzonetelCalls(parsed, parent=calls_parent(call_logs, cdr_reports)))
        return streams


def reports_authenticator(config: OzonetelConfig, budget: PatientAPIBudget) -> OzonetelTokenAuth | None:
    """Token mode: a bearer token whose requests draw from the same budget; basic mode: a header."""
    if config.cdr_reports_mode != "token":
        return None
    return OzonetelTokenAuth(
        config.base_url,
        config.user_name,
        config.api_key,
        LimiterSession(api_budget=budget),
        lifetime=TOKEN_LIFETIME_SECONDS / config.limits.time_scale,
    )
