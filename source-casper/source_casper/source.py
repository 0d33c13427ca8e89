"""SourceCasper: wires the configuration to the streams; behaviour lives in `streams.py` and `report.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_casper.auth import authenticator_from_config, credential_hint
from source_casper.config import parse_config
from source_casper.report import CallDetailReport
from source_casper.streams import CloudDestinations, CloudProfiles, RingCxDirectory


class SourceCasper(AbstractSource):
    """RingCentral RingCX cloud call detail records (report type CASPER_REPORT) and the setup behind them."""

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Validate the configuration, log in, and prove the configured accounts are visible."""
        try:
            self.directory(config).account_ids()  # logs in, lists the accounts, names unknown configured ones
        except AirbyteTracedException as error:
            return False, error.message
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

    @staticmethod
    def directory(config: Mapping[str, Any]) -> RingCxDirectory:
        parsed = parse_config(config)
        return RingCxDirectory(
            parsed, credential_hint(config), authenticator_from_config(config, parsed.auth_url)
        )
