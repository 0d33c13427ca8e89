"""The RingCX connector's configuration, checked once, with errors naming their field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cdr_shared.errors import config_error
from cdr_shared.sync_range import SyncRange, sync_range_from_config
from cdr_shared.urls import validate_base_url

DEFAULT_BASE_URL = "https://ringcx.ringcentral.com/voice"
DEFAULT_PLATFORM_URL = "https://platform.ringcentral.com"
DEFAULT_TIMEZONE = "UTC"
GROUP_BY = ("PROFILE", "DESTINATION")
# No documented maximum span for one report; a month keeps a single CSV (and a retried window) bounded.
MAX_WINDOW_DAYS = 31


@dataclass(frozen=True)
class IntegrationLimits:
    """The `advanced` section: the CX integration API's quota as this sync keeps it, and how long to wait."""

    max_wait_seconds: float = 7200.0
    time_scale: float = 1.0
    """Divides every quota period; only the emulator tests set it (not in the spec)."""


@dataclass(frozen=True)
class CasperConfig:
    base_url: str
    """The API root, e.g. `https://ringcx.ringcentral.com/voice` (endpoints are under `/api/v1`)."""
    auth_url: str
    """Scheme and host of `base_url`: the RingCX token exchange lives at `/api/auth` on the same host."""
    sync_range: SyncRange
    timezone_name: str
    account_ids: tuple[str, ...] | None
    group_by: str
    group_ids: tuple[int | None, ...] | None
    object_ids: tuple[int, ...] | None
    user_id: str | None
    rc_account_id: str | None = None
    """The RingCentral account ID of the CX integration API paths; None: from each account's listing."""
    limits: IntegrationLimits = field(default_factory=IntegrationLimits)


def parse_limits(advanced: Any) -> IntegrationLimits:
    """`advanced`: whole numbers in range, a positive time scale; errors name the field."""
    if advanced is None:
        return IntegrationLimits()
    if not isinstance(advanced, Mapping):
        raise config_error("'advanced' must be an object.")

    wait = advanced.get("max_rate_limit_wait_minutes", 120)
    if isinstance(wait, bool) or not isinstance(wait, int) or not 1 <= wait <= 24 * 60:
        raise config_error(
            f"'advanced.max_rate_limit_wait_minutes' must be a whole number from 1 to 1440; got '{wait}'."
        )
    scale = advanced.get("rate_limit_time_scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        raise config_error(f"'advanced.rate_limit_time_scale' must be a positive number; got '{scale}'.")
    return IntegrationLimits(max_wait_seconds=60.0 * wait, time_scale=float(scale))


def origin_of(url: str) -> str:
    """`https://host[:port]` of a validated URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _digit_strings(config: Mapping[str, Any], field: str) -> tuple[str, ...] | None:
    values = config.get(field)
    if values in (None, []):
        return None
    if not isinstance(values, list):
        raise config_error(
            f"'{field}' must be a list of RingCX account IDs such as [\"15300001\"]; got '{values}'."
        )
    result = []
    for value in values:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit():
            raise config_error(f"'{field}' entries must be numeric RingCX IDs; got '{value}'.")
        result.append(text)
    return tuple(dict.fromkeys(result))


def _integer_list(config: Mapping[str, Any], field: str, allow_null: bool) -> tuple[Any, ...] | None:
    values = config.get(field)
    if values in (None, []):
        return None
    if not isinstance(values, list):
        raise config_error(f"'{field}' must be a list of whole numbers; got '{values}'.")
    for value in values:
        if value is None and allow_null:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            shown = "whole numbers or null" if allow_null else "whole numbers"
            raise config_error(f"'{field}' entries must be {shown}; got '{value}'.")
    return tuple(dict.fromkeys(values))


def parse_config(config: Mapping[str, Any]) -> CasperConfig:
    """Check every field; raise a config error naming the first one that is wrong."""
    base_url = validate_base_url(config.get("base_url") or DEFAULT_BASE_URL)
    sync_range = sync_range_from_config(config, default_timezone=DEFAULT_TIMEZONE, max_window=MAX_WINDOW_DAYS)
    group_by = config.get("group_by") or "PROFILE"
    if group_by not in GROUP_BY:
        raise config_error(f"'group_by' must be 'PROFILE' or 'DESTINATION'; got '{group_by}'.")
    group_ids = _integer_list(config, "group_ids", allow_null=True)
    object_ids = _integer_list(config, "object_ids", allow_null=False)
    if group_ids is not None and object_ids is None:
        raise config_error(
            "'object_ids' is required when 'group_ids' is set: RingCX reports only on the listed "
            "profiles or destinations. Set both, or neither to report on everything."
        )
    user_id = config.get("user_id")
    if user_id not in (None, ""):
        user_id = str(user_id).strip()
        if not user_id.isdigit():
            raise config_error(f"'user_id' must be a numeric RingCX user ID; got '{config.get('user_id')}'.")
    else:
        user_id = None
    rc_account_id = config.get("rc_account_id")
    if rc_account_id not in (None, ""):
        rc_account_id = str(rc_account_id).strip()
        if not rc_account_id.isdigit():
            raise config_error(
                f"'rc_account_id' must be a numeric RingCentral account ID; got '{config.get('rc_account_id')}'."
            )
    else:
        rc_account_id = None
    return CasperConfig(
        base_url=base_url,
        auth_url=origin_of(base_url),
        sync_range=sync_range,
        timezone_name=config.get("timezone") or DEFAULT_TIMEZONE,
        account_ids=_digit_strings(config, "account_ids"),
        group_by=group_by,
        group_ids=group_ids,
        object_ids=object_ids,
        user_id=user_id,
        rc_account_id=rc_account_id,
        limits=parse_limits(config.get("advanced")),
    )
