"""SourceHuaweiCms: wires the configuration to the streams; behaviour lives in `streams.py`, `calls.py`,
`missed_calls.py` and `call_traces.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airbyte_cdk.sources.streams import Stream

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.rate_budget import PatientAPIBudget, Quota
from cdr_shared.renamed_streams import RenamedStream
from cdr_shared.source import CdrSource
from source_huawei_cms.auth import authenticator_from_config
from source_huawei_cms.call_traces import CallTraces
from source_huawei_cms.calls import Calls
from source_huawei_cms.config import CONFIG_MIGRATIONS, CmsConfig, parse_config
from source_huawei_cms.missed_calls import MissedCalls
from source_huawei_cms.result_codes import PROVIDER
from source_huawei_cms.streams import CURSOR_FIELD, CallDetails, CallList

# Until 0.x the call list was the stream `calls`; that name is now the unified stream (cursor
# `started_at`). A saved state of the old `calls` (cursor `begin_at`) belongs to `call_list`.
RENAMED_STREAMS = (RenamedStream(old="calls", new="call_list", cursor_field=CURSOR_FIELD, version="0.x"),)

# A per-second budget never makes a request wait long; a wait this long means the server answered 429
# again and again, and the sync is better ended (transient) than left hanging.
MAX_QUOTA_WAIT_SECONDS = 600.0


class SourceHuaweiCms(ConfigModelSource, CdrSource):
    """Huawei CEC CC-CMS: the calls of one VDN, its missed calls, each call's legs and, optionally, each call's
    detail record."""

    provider = PROVIDER
    parse_config = staticmethod(parse_config)
    config_migrations = CONFIG_MIGRATIONS
    renamed_streams = RENAMED_STREAMS

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """One request for a single inbound call of the last few minutes: proves URL, TLS, keys and tenant."""
        parsed = self.parsed_config(config)
        CallList(parsed, authenticator=authenticator_from_config(parsed)).probe()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = self.parsed_config(config)
        authenticator = authenticator_from_config(parsed)
        budget = request_budget(parsed)
        call_list = CallList(parsed, authenticator=authenticator, api_budget=budget)
        streams: list[Stream] = [call_list]
        if parsed.include_call_details:
            details = CallDetails(parsed, parent=call_list, authenticator=authenticator, api_budget=budget)
            streams += [details, Calls(parsed, parent=details)]
        streams += [
            MissedCalls(parsed, authenticator=authenticator, api_budget=budget),
            CallTraces(parsed, parent=call_list, authenticator=authenticator, api_budget=budget),
        ]
        return streams


def request_budget(config: CmsConfig) -> PatientAPIBudget:
    """`advanced.requests_per_second` over every CC-CMS interface, spread evenly: one budget for every
    stream and every call-details and call-traces worker."""
    return PatientAPIBudget(
        [Quota("request", config.requests_per_second, timedelta(seconds=1), r"/rest/cmsapp/", spread=True)],
        provider=PROVIDER,
        max_wait_seconds=MAX_QUOTA_WAIT_SECONDS,
        max_wait_field="advanced.requests_per_second",
    )
