"""SourceAcefone: wires the configuration to the streams; behaviour lives in `streams.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.streams import Stream

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.source import CdrSource
from source_acefone.auth import PROVIDER, authenticator_from_config, credential_hint
from source_acefone.calls import AcefoneCalls
from source_acefone.config import parse_config
from source_acefone.directory import Departments, Users
from source_acefone.streams import CallRecords, calls_cursor

# `check` answers a person waiting at a form: a few retries, not the minutes a sync may wait out.
CHECK_MAX_RETRIES = 2


class SourceAcefone(ConfigModelSource, CdrSource):
    """Acefone (and Servetel) call detail records."""

    provider = PROVIDER
    parse_config = staticmethod(parse_config)
    # The 0.2 spec already nested `credentials` under `auth_type`: nothing to migrate.
    config_migrations = ()

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """One one-record request for the last day: proves the host and the credentials."""
        self.call_records(config, max_retries=CHECK_MAX_RETRIES).probe()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        call_records = self.call_records(config)
        return [
            call_records,
            AcefoneCalls(call_records.config, parent=call_records, cursor=calls_cursor(call_records.config)),
            Users(call_records),
            Departments(call_records),
        ]

    def call_records(self, config: Mapping[str, Any], max_retries: int = 8) -> CallRecords:
        parsed = self.parsed_config(config)
        return CallRecords(
            parsed,
            auth_hint=credential_hint(config),
            max_retries=max_retries,
            authenticator=authenticator_from_config(config, parsed.base_url),
        )
