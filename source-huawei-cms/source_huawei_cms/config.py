"""The CC-CMS connector's configuration, checked once, with errors naming their field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdr_shared.config_migration import MoveIntoObject, migrated
from cdr_shared.credentials import chosen_credentials
from cdr_shared.errors import config_error
from cdr_shared.huawei_sign import HOST_FORMS, HOST_WITHOUT_PORT
from cdr_shared.rate_budget import concurrency_for
from cdr_shared.retention import DailyRetention
from cdr_shared.sync_range import SyncRange, sync_range_from_config
from cdr_shared.tls import ca_bundle_file
from cdr_shared.urls import validate_base_url

DEFAULT_TIMEZONE = "UTC"
DEFAULT_WINDOW_MINUTES = 60
# CC-CMS keeps one day (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html);
# a window longer than the whole retained span buys nothing.
MAX_WINDOW_MINUTES = 2 * 24 * 60
DEFAULT_LOOKBACK_MINUTES = 60
# No request rate limit is documented for the CC-CMS interfaces we use (querycalls,
# https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html, and querycalldetailbyid,
# https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html); the server is the customer's own
# and shared with their other clients, so the default budget is modest.
DEFAULT_REQUESTS_PER_SECOND = 10
MAX_REQUESTS_PER_SECOND = 1000
MAX_CALL_DETAILS_CONCURRENCY = 32
# The one way to authenticate: an AK/SK pair signing every request (auth-v2, "C2").
AUTH_TYPES = ("ak_sk",)
# 0.2 configs: the key pair at the top level. `cc_id` and `vdn` name the tenant, not a login: they stay.
CONFIG_MIGRATIONS = (MoveIntoObject("credentials", ("access_key", "secret_key"), ("auth_type", "ak_sk")),)


@dataclass(frozen=True)
class CmsConfig:
    base_url: str
    access_key: str
    secret_key: str
    ca_bundle: str | None
    """Path of a CA bundle trusting `ca_certificate` (None: the usual public roots)."""
    cc_id: int
    vdn: int
    sync_range: SyncRange
    retention: DailyRetention
    include_call_details: bool
    signed_host: str = HOST_WITHOUT_PORT
    """The form of the signed and sent `host`: the address alone (Huawei's demo) or `ip:port`."""
    requests_per_second: int = DEFAULT_REQUESTS_PER_SECOND
    """The client-side budget for every CC-CMS request (`advanced.requests_per_second`)."""
    call_details_concurrency: int = field(
        default_factory=lambda: concurrency_for(DEFAULT_REQUESTS_PER_SECOND)
    )
    """`call_details` lookups in flight at once (`advanced.call_details_concurrency`, else from the rate)."""


def parse_advanced(advanced: Any) -> tuple[int, int]:
    """`advanced`: the request rate and the detail concurrency (derived from the rate when not given)."""
    if not isinstance(advanced, Mapping):
        raise config_error("'advanced' must be an object.")
    rate = advanced.get("requests_per_second")
    rate = DEFAULT_REQUESTS_PER_SECOND if rate is None else rate
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= MAX_REQUESTS_PER_SECOND:
        raise config_error(
            f"'advanced.requests_per_second' must be a whole number from 1 to {MAX_REQUESTS_PER_SECOND}; got '{rate}'."
        )
    concurrency = advanced.get("call_details_concurrency")
    if concurrency is None:
        return rate, concurrency_for(rate)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= MAX_CALL_DETAILS_CONCURRENCY
    ):
        raise config_error(
            "'advanced.call_details_concurrency' must be a whole number from 1 to "
            f"{MAX_CALL_DETAILS_CONCURRENCY}; got '{concurrency}'."
        )
    return rate, concurrency


def _required_text(section: Mapping[str, Any], field: str, what: str) -> str:
    """`section`'s text at the last part of the dotted `field` (the name the message gives), trimmed."""
    value = section.get(field.rsplit(".", 1)[-1])
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"'{field}' is required: {what}.")
    return value.strip()


def _whole_number(config: Mapping[str, Any], field: str, low: int, high: int) -> int:
    value = config.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise config_error(f"'{field}' must be a whole number from {low} to {high}; got '{value}'.")
    return value


def _is_key_text(value: str) -> bool:
    """Huawei AK/SK are ASCII letters, digits and punctuation: no space, no control character."""
    return value.isascii() and value.isprintable() and not any(char.isspace() for char in value)


def parse_config(config: Mapping[str, Any]) -> CmsConfig:
    """Check every field; raise a config error naming the first one that is wrong.

    A 0.2 config (the key pair at the top level) is read in the current shape.
    """
    config = migrated(config, CONFIG_MIGRATIONS)
    if not config.get("base_url"):
        raise config_error(
            "'base_url' is required: the https://ip:port of CC-CMS or of the NSLB in front of it."
        )
    base_url = validate_base_url(config["base_url"])
    credentials = chosen_credentials(config, AUTH_TYPES, "the access key and secret key issued for CC-CMS")
    access_key = _required_text(
        credentials, "credentials.access_key", "the AK issued for the CC-CMS interfaces"
    )
    if "/" in access_key:
        raise config_error(
            "'credentials.access_key' must not contain '/': it is one segment of the auth-v2 signature header."
        )
    if not _is_key_text(access_key):
        raise config_error(
            "'credentials.access_key' must be printable ASCII without spaces (it is sent in the auth-v2 signature header); "
            "check that it was copied whole, as one line."
        )
    secret_key = _required_text(
        credentials, "credentials.secret_key", "the SK that belongs to the access key"
    )
    if not _is_key_text(secret_key):
        # Never quote it: the value is the secret.
        raise config_error(
            "'credentials.secret_key' must be printable ASCII without spaces or line breaks inside; check that it was "
            "copied whole, as one line."
        )
    cc_id = _whole_number(config, "cc_id", 1, 65535)
    vdn = _whole_number(config, "vdn", 1, 5000)
    include_call_details = config.get("include_call_details", True)
    if not isinstance(include_call_details, bool):
        raise config_error(f"'include_call_details' must be true or false; got '{include_call_details}'.")
    signed_host = config.get("signed_host") or HOST_WITHOUT_PORT
    if signed_host not in HOST_FORMS:
        raise config_error(f"'signed_host' must be one of {', '.join(HOST_FORMS)}; got '{signed_host}'.")
    sync_range = sync_range_from_config(
        config,
        default_timezone=DEFAULT_TIMEZONE,
        window_field="window_minutes",
        window_unit="minutes",
        default_window=DEFAULT_WINDOW_MINUTES,
        max_window=MAX_WINDOW_MINUTES,
        default_lookback_minutes=DEFAULT_LOOKBACK_MINUTES,
    )
    requests_per_second, call_details_concurrency = parse_advanced(config.get("advanced") or {})
    ca_bundle = ca_bundle_file(config["ca_certificate"]) if config.get("ca_certificate") else None
    return CmsConfig(
        base_url=base_url,
        access_key=access_key,
        secret_key=secret_key,
        ca_bundle=ca_bundle,
        cc_id=cc_id,
        vdn=vdn,
        sync_range=sync_range,
        retention=DailyRetention(sync_range.tz, days=1),
        include_call_details=include_call_details,
        signed_host=signed_host,
        requests_per_second=requests_per_second,
        call_details_concurrency=call_details_concurrency,
    )
