"""The Ozonetel connector's configuration, checked once, with errors naming their field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pendulum

from cdr_shared.config_migration import MoveIntoObject, RenameKey, migrated
from cdr_shared.credentials import chosen_credentials
from cdr_shared.errors import config_error
from cdr_shared.secrets import register_secret
from cdr_shared.sync_range import SyncRange, sync_range_from_config
from cdr_shared.urls import validate_base_url

DEFAULT_BASE_URL = "https://in1-ccaas-api.ozonetel.com"
# The APIs speak the account's reporting time: IST for Indian accounts, possibly another zone for
# international ones (api.ccaas.ozonetel.com), so the zone is a setting with IST as its default.
OZONETEL_TIMEZONE = "Asia/Kolkata"
# After the 03:00 publication, how long to wait before yesterday counts as settled: this machine's clock
# may run ahead of Ozonetel's, and a day read early is a day read incomplete.
DEFAULT_SETTLE_MARGIN_MINUTES = 15
MAX_WINDOW_DAYS = 30
CDR_REPORTS_MODES = ("disabled", "basic", "token")
# The one way to authenticate: the account name and its API key (every Ozonetel API takes both).
AUTH_TYPES = ("api_key",)
# 0.2 configs: credentials at the top level, the reports API's selector named `auth_mode`.
CONFIG_MIGRATIONS = (
    MoveIntoObject("credentials", ("user_name", "api_key"), ("auth_type", "api_key")),
    RenameKey("cdr_reports", "auth_mode", "auth_type"),
)


@dataclass(frozen=True)
class Limits:
    """The provider's documented quotas (overridable in `advanced`) and the longest wait accepted."""

    call_logs_per_hour: int = 10
    call_details_per_minute: int = 50
    cdr_reports_per_minute: int = 2
    agent_state_summary_per_minute: int = 5
    max_wait_seconds: float = 2 * 3600.0
    time_scale: float = 1.0
    settle_margin_minutes: int = DEFAULT_SETTLE_MARGIN_MINUTES


@dataclass(frozen=True)
class OzonetelConfig:
    user_name: str
    api_key: str
    base_url: str
    sync_range: SyncRange
    campaign_name: str | None
    include_call_details: bool
    cdr_reports_mode: str
    limits: Limits

    @property
    def tz(self) -> pendulum.Timezone:
        """The account's reporting zone: every request parameter and provider timestamp is in it."""
        return self.sync_range.tz


def _whole_number(section: Mapping[str, Any], field: str, default: int, minimum: int, maximum: int) -> int:
    value = section.get(field, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise config_error(
            f"'advanced.{field}' must be a whole number from {minimum} to {maximum}; got '{value}'."
        )
    return value


def parse_limits(advanced: Mapping[str, Any]) -> Limits:
    """The `advanced` section: quotas no higher than documented would be accepted by the provider."""
    if not isinstance(advanced, Mapping):
        raise config_error("'advanced' must be an object.")
    scale = advanced.get("rate_limit_time_scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        raise config_error(f"'advanced.rate_limit_time_scale' must be a positive number; got '{scale}'.")
    return Limits(
        call_logs_per_hour=_whole_number(advanced, "call_logs_requests_per_hour", 10, 1, 1000),
        call_details_per_minute=_whole_number(advanced, "call_details_requests_per_minute", 50, 1, 1000),
        cdr_reports_per_minute=_whole_number(advanced, "cdr_reports_requests_per_minute", 2, 1, 1000),
        agent_state_summary_per_minute=_whole_number(
            advanced, "agent_state_summary_requests_per_minute", 5, 1, 1000
        ),
        max_wait_seconds=60.0 * _whole_number(advanced, "max_rate_limit_wait_minutes", 120, 1, 24 * 60),
        time_scale=float(scale),
        settle_margin_minutes=_whole_number(
            advanced, "settle_margin_minutes", DEFAULT_SETTLE_MARGIN_MINUTES, 10, 180
        ),
    )


def _required_text(section: Mapping[str, Any], field: str, what: str) -> str:
    value = section.get(field)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"'credentials.{field}' is required: {what}.")
    return value.strip()


def parse_config(config: Mapping[str, Any]) -> OzonetelConfig:
    """Check every field; raise a config error naming the first one that is wrong.

    A 0.2 config (credentials at the top level, `cdr_reports.auth_mode`) is read in the current shape.
    """
    config = migrated(config, CONFIG_MIGRATIONS)
    credentials = chosen_credentials(config, AUTH_TYPES, "the CloudAgent account name and its API key")
    user_name = _required_text(credentials, "user_name", "the CloudAgent account name")
    api_key = _required_text(credentials, "api_key", "the API key from the CloudAgent admin login")
    # The key travels in query strings, where it appears URL-encoded: mask every form of it.
    register_secret(api_key)
    base_url = validate_base_url(config.get("base_url") or DEFAULT_BASE_URL)
    sync_range = sync_range_from_config(
        config,
        default_timezone=OZONETEL_TIMEZONE,
        default_window=MAX_WINDOW_DAYS,
        max_window=MAX_WINDOW_DAYS,
    )
    campaign = config.get("campaign_name")
    if campaign is not None and not isinstance(campaign, str):
        raise config_error(f"'campaign_name' must be text; got '{campaign}'.")
    include_details = config.get("include_call_details", False)
    if not isinstance(include_details, bool):
        raise config_error(f"'include_call_details' must be true or false; got '{include_details}'.")
    reports = config.get("cdr_reports") or {}
    if not isinstance(reports, Mapping):
        raise config_error("'cdr_reports' must be an object.")
    mode = reports.get("auth_type", "disabled")
    if mode not in CDR_REPORTS_MODES:
        raise config_error(
            f"'cdr_reports.auth_type' must be one of {', '.join(CDR_REPORTS_MODES)}; got '{mode}'."
        )
    return OzonetelConfig(
        user_name=user_name,
        api_key=api_key,
        base_url=base_url,
        sync_range=sync_range,
        campaign_name=(campaign or "").strip() or None,
        include_call_details=include_details,
        cdr_reports_mode=mode,
        limits=parse_limits(config.get("advanced") or {}),
    )
