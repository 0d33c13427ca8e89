"""SourceHuaweiCms: wires the configuration to the streams; behaviour lives in `streams.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_huawei_cms.auth import authenticator_from_config
from source_huawei_cms.config import parse_config
from source_huawei_cms.streams import CallDetails, Calls


class SourceHuaweiCms(AbstractSource):
    """Huawei CEC CC-CMS: the calls of one VDN and, optionally, each call's detail record."""

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Validate the configuration, then prove URL, TLS trust, keys and tenant with one small request."""
        try:
            parsed = parse_config(config)
            Calls(parsed, authenticator=authenticator_from_config(parsed)).probe()
        except AirbyteTracedException as error:
            return False, error.message
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = parse_config(config)
        authenticator = authenticator_from_config(parsed)
        streams: list[Stream] = [Calls(parsed, authenticator=authenticator)]
        if parsed.include_call_details:
            streams.append(CallDetails(parsed, authenticator=authenticator))
        return streams
