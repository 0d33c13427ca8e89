"""The Acefone connector's configuration, checked once, with errors naming their field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cdr_shared.errors import config_error
from cdr_shared.sync_range import SyncRange, sync_range_from_config
from cdr_shared.urls import validate_base_url
from source_acefone.pages import CALL_REPORT_MAX_LIMIT

DEFAULT_BASE_URL = "https://api.acefone.in"
# The records endpoint of every region (https://docs.acefone.in/reference/call-detail-records-2), and the
# older UK one some accounts still have (https://api-docs.acefone.co.uk/reference/get_v1-call-report).
CALL_RECORDS_ENDPOINT = "v1/call/records"
CALL_REPORT_ENDPOINT = "v1/call_report"
RECORDS_ENDPOINTS = (CALL_RECORDS_ENDPOINT, CALL_REPORT_ENDPOINT)
DEFAULT_TIMEZONE = "Asia/Kolkata"
MAX_PAGE_SIZE = 1000
DURATION_OPERATORS = (">", "<", ">=", "<=", "!=")
_AGENT = re.compile(r"^[^|]+\|[^|]+$")
_ARRAY_FILTERS = ("agents", "department", "ivr")
_TEXT_FILTERS = ("callerid", "destination", "did_number", "broadcast")
FILTER_NAMES = (*_ARRAY_FILTERS, "call_type", "direction", "duration", "operator", "services", *_TEXT_FILTERS)


@dataclass(frozen=True)
class AcefoneConfig:
    base_url: str
    sync_range: SyncRange
    page_size: int
    filter_params: tuple[tuple[str, str], ...]
    records_endpoint: str = CALL_RECORDS_ENDPOINT

    @property
    def request_limit(self) -> int:
        """The `limit` sent: `page_size`, capped at 100 on `/v1/call_report`, whose page says "maximum: 100"."""
        if self.records_endpoint == CALL_REPORT_ENDPOINT:
            return min(self.page_size, CALL_REPORT_MAX_LIMIT)
        return self.page_size


def filter_params(filters: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The documented record filters as query parameters (arrays as `name[]`, services comma-joined)."""
    if not isinstance(filters, Mapping):
        raise config_error('\'filters\' must be an object such as {"direction": "inbound"}.')
    unknown = sorted(str(name) for name in filters if name not in FILTER_NAMES)
    if unknown:
        # Sent or not, a filter the connector does not know would not narrow the sync as the user expects.
        raise config_error(
            f"'filters.{unknown[0]}' is not a filter of {CALL_RECORDS_ENDPOINT}; its filters are "
            f"{', '.join(FILTER_NAMES)}."
        )
    params: list[tuple[str, str]] = []
    for name in _ARRAY_FILTERS:
        values = filters.get(name) or []
        if isinstance(values, str):
            values = [values]
        for value in values:
            value = str(value).strip().lower() if name != "agents" else str(value).strip()
            if name == "agents" and not _AGENT.match(value):
                raise config_error(f"'filters.agents' entries must look like 'agent|<id>'; got '{value}'.")
            params.append((f"{name}[]", value))
    call_type = filters.get("call_type")
    if call_type:
        if call_type not in ("c", "m"):
            raise config_error(
                f"'filters.call_type' must be 'c' (answered) or 'm' (missed); got '{call_type}'."
            )
        params.append(("call_type", call_type))
    direction = filters.get("direction")
    if direction:
        if direction not in ("inbound", "outbound"):
            raise config_error(f"'filters.direction' must be 'inbound' or 'outbound'; got '{direction}'.")
        params.append(("direction", direction))
    services = filters.get("services") or []
    if services:
        params.append(("services", ",".join(str(s).strip() for s in services)))
    for name in _TEXT_FILTERS:
        if filters.get(name) not in (None, ""):
            params.append((name, str(filters[name]).strip()))
    duration, operator = filters.get("duration"), filters.get("operator")
    if (duration is None) != (operator is None):
        raise config_error("'filters.duration' and 'filters.operator' go together: set both or neither.")
    if duration is not None:
        if operator not in DURATION_OPERATORS:
            raise config_error(
                f"'filters.operator' must be one of {', '.join(DURATION_OPERATORS)}; got '{operator}'."
            )
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
            raise config_error(f"'filters.duration' must be a whole number of seconds; got '{duration}'.")
        params.extend([("duration", str(duration)), ("operator", operator)])
    return tuple(params)


def parse_config(config: Mapping[str, Any]) -> AcefoneConfig:
    """Check every field; raise a config error naming the first one that is wrong."""
    base_url = validate_base_url(config.get("base_url") or DEFAULT_BASE_URL)
    if urlsplit(base_url).path.lower().startswith("/v1"):
        # The connector adds the API path (/v1/...) itself; the documented hosts carry no path.
        raise config_error(
            f"'base_url' must be the API host without the API path, such as '{DEFAULT_BASE_URL}'; got "
            f"'{base_url}'."
        )
    sync_range = sync_range_from_config(config, default_timezone=DEFAULT_TIMEZONE, max_window=31)
    page_size = config.get("page_size", 100)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise config_error(
            f"'page_size' must be a whole number from 1 to {MAX_PAGE_SIZE}; got '{page_size}'."
        )
    endpoint = config.get("records_endpoint") or CALL_RECORDS_ENDPOINT
    if endpoint not in RECORDS_ENDPOINTS:
        raise config_error(
            f"'records_endpoint' must be one of {', '.join(RECORDS_ENDPOINTS)}; got '{endpoint}'."
        )
    filters = filter_params(config.get("filters") or {})
    if filters and endpoint == CALL_REPORT_ENDPOINT:
        # /v1/call_report documents other filter names (did, dest_num, call_status...), not these.
        raise config_error(
            f"'filters' apply to {CALL_RECORDS_ENDPOINT} only; remove them or set 'records_endpoint' to "
            f"{CALL_RECORDS_ENDPOINT}."
        )
    return AcefoneConfig(base_url, sync_range, page_size, filters, endpoint)
