"""SourceHuaweiCms: wires the configuration to the streams; behaviour lives in `streams.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteConnectionStatus, Status
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.check_status import attempts_of, failed_check_message, failed_status
from cdr_shared.config_migration import ConfigModelSource
from source_huawei_cms.auth import authenticator_from_config
from source_huawei_cms.config import CONFIG_MIGRATIONS, parse_config
from source_huawei_cms.result_codes import PROVIDER
from source_huawei_cms.streams import CallDetails, Calls


class SourceHuaweiCms(ConfigModelSource, AbstractSource):
    """Huawei CEC CC-CMS: the calls of one VDN and, optionally, each call's detail record."""

    parse_config = staticmethod(parse_config)
    config_migrations = CONFIG_MIGRATIONS

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """`check_connection`'s verdict, its message as it is (the CDK would print the message's `repr`)."""
        succeeded, message = self.check_connection(logger, config)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED) if succeeded else failed_status(str(message))

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Validate the configuration, then prove URL, TLS trust, keys and tenant with one small request.

        Under the shared entry point the request is retried at most twice, within a minute
        (`cdr_shared.http_errors.check_budget`); a provider that keeps failing is quoted in the message.
        """
        try:
            parsed = self.parsed_config(config)
        except AirbyteTracedException as error:
            return False, error.message
        probe = Calls(parsed, authenticator=authenticator_from_config(parsed))
        try:
            probe.probe()
        except AirbyteTracedException as error:
            return False, failed_check_message(PROVIDER, error, attempts_of(probe, error))
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = self.parsed_config(config)
        authenticator = authenticator_from_config(parsed)
        streams: list[Stream] = [Calls(parsed, authenticator=authenticator)]
        if parsed.include_call_details:
            streams.append(CallDetails(parsed, authenticator=authenticator))
        return streams
