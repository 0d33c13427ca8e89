"""SourceCasper: wires the configuration to the streams; behaviour lives in `streams.py`, `report.py` and
`interactions.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources.streams import Stream

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.source import CdrSource
from source_casper.auth import PROVIDER, authenticator_from_config, credential_hint
from source_casper.calls import RingCxCalls
from source_casper.config import parse_config
from source_casper.interactions import InteractionMetadata, integration_budget
from source_casper.report import CallDetailReport
from source_casper.stats import stats_settings, stats_streams
from source_casper.streams import CloudDestinations, CloudProfiles, RingCxDirectory


class SourceCasper(ConfigModelSource, CdrSource):
    """RingCentral RingCX cloud call detail records (report type CASPER_REPORT) and the setup behind them."""

    provider = PROVIDER
    parse_config = staticmethod(parse_config)
    # The 0.2 spec already nested `credentials` under `auth_type`: nothing to migrate.
    config_migrations = ()

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """Log in and list the accounts: proves the credentials and names configured accounts not visible."""
        stats_settings(config)  # the statistics streams' fields, checked before any request
        self.directory(config).account_ids()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        directory = self.directory(config)
        parsed, hint, auth = directory.config, credential_hint(config), directory.authenticator
        report = CallDetailReport(parsed, hint, directory, authenticator=auth)
        # One quota per sub-account for every CX integration API request (interaction metadata, statistics).
        integration = integration_budget(parsed.limits, parsed.account_ids)
        return [
            directory.accounts,
            directory.users,
            CloudProfiles(parsed, hint, directory, authenticator=auth),
            CloudDestinations(parsed, hint, directory, authenticator=auth),
            report,
            RingCxCalls(parsed, report),
            InteractionMetadata(parsed, hint, directory, authenticator=auth, api_budget=integration),
            *stats_streams(config, parsed, hint, directory, integration),
        ]

    def directory(self, config: Mapping[str, Any]) -> RingCxDirectory:
        parsed = self.parsed_config(config)
        return RingCxDirectory(
            parsed, credential_hint(config), authenticator_from_config(config, parsed.auth_url)
        )
