"""SourceAcefone: wires the configuration to the streams; behaviour lives in `streams.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.http_errors import check_failure_message
from source_acefone.auth import authenticator_from_config, credential_hint
from source_acefone.config import parse_config
from source_acefone.streams import CallRecords

# `check` answers a person waiting at a form: a few retries, not the minutes a sync may wait out.
CHECK_MAX_RETRIES = 2


class SourceAcefone(ConfigModelSource, AbstractSource):
    """Acefone (and Servetel) call detail records."""

    parse_config = staticmethod(parse_config)
    # The 0.2 spec already nested `credentials` under `auth_type`: nothing to migrate.
    config_migrations = ()

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Validate the configuration, then prove the credentials with one one-record request."""
        try:
            self.call_records(config, max_retries=CHECK_MAX_RETRIES).probe()
        except AirbyteTracedException as error:
            return False, check_failure_message(error)
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [self.call_records(config)]

    def call_records(self, config: Mapping[str, Any], max_retries: int = 8) -> CallRecords:
        parsed = self.parsed_config(config)
        return CallRecords(
            parsed,
            auth_hint=credential_hint(config),
            max_retries=max_retries,
            authenticator=authenticator_from_config(config, parsed.base_url),
        )
