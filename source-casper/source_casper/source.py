"""SourceCasper: wires the configuration to the streams; behaviour lives in `streams.py` and `report.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.config_migration import ConfigModelSource
from source_casper.auth import authenticator_from_config, credential_hint
from source_casper.config import parse_config
from source_casper.report import CallDetailReport
from source_casper.streams import CloudDestinations, CloudProfiles, RingCxDirectory

# What the CDK says when a 429 outlasts the retries, without what the provider answered.
CDK_RATE_LIMIT_MESSAGE = "API rate limit exceeded."


def failure_message(error: AirbyteTracedException) -> str:
    """The user-facing message of a failed check, with RingCX's answer where the CDK leaves it out."""
    cause = getattr(error, "_exception", None)
    if error.message == CDK_RATE_LIMIT_MESSAGE and cause is not None:
        return f"{error.message} {cause}"
    return str(error.message)


class SourceCasper(ConfigModelSource, AbstractSource):
    """RingCentral RingCX cloud call detail records (report type CASPER_REPORT) and the setup behind them."""

    parse_config = staticmethod(parse_config)
    # The 0.2 spec already nested `credentials` under `auth_type`: nothing to migrate.
    config_migrations = ()

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Validate the configuration, log in, and prove the configured accounts are visible."""
        try:
            self.directory(config).account_ids()  # logs in, lists the accounts, names unknown configured ones
        except AirbyteTracedException as error:
            return False, failure_message(error)
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        directory = self.directory(config)
        parsed, hint, auth = directory.config, credential_hint(config), directory.authenticator
        return [
            directory.accounts,
            directory.users,
            CloudProfiles(parsed, hint, directory, authenticator=auth),
            CloudDestinations(parsed, hint, directory, authenticator=auth),
            CallDetailReport(parsed, hint, directory, authenticator=auth),
        ]

    def directory(self, config: Mapping[str, Any]) -> RingCxDirectory:
        parsed = self.parsed_config(config)
        return RingCxDirectory(
            parsed, credential_hint(config), authenticator_from_config(config, parsed.auth_url)
        )
