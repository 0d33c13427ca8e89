"""The RingCX admin API streams that describe the setup: `accounts`, `users`, `cloud_profiles`, `cloud_destinations`
(the report itself, `call_detail_report`, is in `report.py`; `interaction_metadata` in `interactions.py`; the
interval statistics in `stats.py`).

| stream | provider API | sync |
|---|---|---|
| `accounts` | `GET admin/accounts` | full refresh |
| `users` | `GET admin/users?flatten=true` | full refresh |
| `cloud_profiles`, `cloud_destinations` | `GET admin/accounts/{id}/users/{id}/reports/inputControls`, per account | full refresh |
| `call_detail_report` | `POST admin/accounts/{id}/reportsStreaming` (CSV), per account and local day(s) | incremental on `enqueue_at`, full refresh |
| `calls` | none: the report's rows mapped to the shared shape (`calls.py`) | incremental on `started_at`, full refresh |
| `interaction_metadata` | `POST cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{id}/interaction-metadata` (JSON), per sub-account and 3-hour window (`interactions.py`) | incremental on `segment_end_at`, full refresh |
| `queue_stats`, `agent_stats` | `POST cx/integration/v1/accounts/{rcId}/sub-accounts/{id}/agg-queue-stats` (`agg-agent-extended-stats`), JSON, per account and 3-hour window of whole intervals (`stats.py`) | incremental on `interval_start_at`, full refresh |


- `accounts`: `GET {base}/api/v1/admin/accounts`, every account the login can see;
- `users`: `GET {base}/api/v1/admin/users?flatten=true`, every admin user as one record (the vendor's Admin
  User and Permission APIs page, docs/users/admin-users-and-permissions.md in
  github.com/ringcentral/engage-voice-api-docs). Listing users needs the MANAGE_USERS or SUPER_USER
  permission: a 403 skips the stream with a warning, and the sync goes on;
- `cloud_profiles`, `cloud_destinations`: `GET {base}/api/v1/admin/accounts/{accountId}/users/{userId}/
  reports/inputControls?accountIds={accountId}&products=CLOUD_PROFILE|CLOUD_DESTINATION`, one record per
  profile or destination with its group (the null group of ungrouped objects included).

`RingCxDirectory` answers the questions the report needs (which accounts, which user, which objects) with
these same streams, so every request shares one authenticator, error mapping and backoff.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pendulum
import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.dates import epoch_millis_to_utc, iso_utc, parse_utc_instant
from cdr_shared.errors import config_error
from cdr_shared.http_errors import ProviderErrorHandler, RetryAfterBackoff, json_body
from cdr_shared.http_stream import ProviderHttpStream
from cdr_shared.secrets import drop_secret_keys
from source_casper.config import CasperConfig
from source_casper.input_controls import (
    PRODUCTS,
    InputControls,
    InputControlsShapeError,
    parse_input_controls,
    shape_error,
)

PROVIDER = "RingCX"
BACKOFF_BASE_SECONDS = 1.0
# The CX integration APIs (interaction-metadata, the aggregate statistics), beside the admin API.
INTEGRATION_API = "api/cx/integration/v1/"
# Account settings RingCX returns with the account that are credentials for other systems; never emitted.
# Any other key that looks secret (password, secret, token, key) with a string value is dropped too
# (`cdr_shared.secrets.drop_secret_keys`); `phoneRecordingPin` is a number, so it is named here.
ACCOUNT_SECRET_FIELDS = ("crmPwd", "ftpPwd", "securityKey", "phoneRecordingPin")


# RingCX's Account and User models type these as a Joda `DateTime` (specs/engage-voice_openapi3.json in
# github.com/ringcentral/engage-voice-api-docs); the API's examples send them as ISO 8601 with a `+0000`
# offset (`"startDate":"2020-04-18T01:49:32.000+0000"`, code-samples/routing/queue-group-*.json), a Jackson
# server may send epoch milliseconds, and the spec's bean form carries `millis`. All become UTC ISO 8601.
ACCOUNT_DATES = ("startDate", "endDate")
USER_DATES = ("creationDate",)
RAW_SUFFIX = "_raw"
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def ringcx_instant(value: Any) -> pendulum.DateTime | None:
    """A RingCX date (ISO 8601 with offset, epoch milliseconds, or `{"millis": ...}`) in UTC; None otherwise."""
    if isinstance(value, Mapping):
        value = value.get("millis")
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return epoch_millis_to_utc(int(value))
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return epoch_millis_to_utc(int(text))
            return parse_utc_instant(_COMPACT_OFFSET.sub(r"\1:\2", text))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def with_utc_dates(record: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """`record` with its date `fields` as UTC ISO 8601; a value that is not a date is kept in `<field>_raw`
    (as text) and the field is null, so nothing RingCX sent is lost."""
    result = dict(record)
    for field in fields:
        value = result.get(field)
        if value is None:
            continue
        parsed = ringcx_instant(value)
        result[field] = iso_utc(parsed) if parsed is not None else None
        if parsed is None:
            result[field + RAW_SUFFIX] = value if isinstance(value, str) else json.dumps(value, default=str)
    return result


def without_secrets(record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` without the credentials it carries for other systems (at any depth)."""
    cleaned = drop_secret_keys(record, ACCOUNT_SECRET_FIELDS)
    return {key: value for key, value in cleaned.items() if key not in ACCOUNT_SECRET_FIELDS}


class RingCxEndpoint:
    """What every RingCX request declares alike: the API under `base_url` (`api_root`), the path filled from
    the slice (`path_template`, e.g. `accounts/{account_id}/...`), RingCX's backoff (honours Retry-After)."""

    config: CasperConfig
    api_root = "api/v1/admin/"
    path_template = ""

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/{self.api_root}"

    def path(self, *, stream_slice: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        return self.path_template.format(**(stream_slice or {}))

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)


class RingCxStream(RingCxEndpoint, ProviderHttpStream):
    """A RingCX admin API stream: base URL, error contract, backoff; answers are JSON lists."""

    primary_key: str | list[str] | None = None

    def __init__(self, config: CasperConfig, auth_hint: str, **kwargs: Any) -> None:
        self.config = config
        self.auth_hint = auth_hint
        super().__init__(**kwargs)

    def get_error_handler(self) -> ErrorHandler:
        return ProviderErrorHandler(PROVIDER, self.auth_hint)

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None  # these endpoints answer with the whole list at once

    def listed(self, response: requests.Response) -> list[Any]:
        body = json_body(response)
        if not isinstance(body, list):
            raise config_error(
                f"RingCX answered {self.path()} with {type(body).__name__} instead of a list; check 'base_url' "
                "(it should end with /voice, e.g. https://ringcx.ringcentral.com/voice)."
            )
        return body


class Accounts(RingCxStream):
    """Every RingCX account the login can see."""

    name = "accounts"
    primary_key = "accountId"

    def path(self, **kwargs: Any) -> str:
        return "accounts"

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        for account in self.listed(response):
            if isinstance(account, Mapping):
                yield with_utc_dates(without_secrets(account), ACCOUNT_DATES)


class UsersErrorHandler(ProviderErrorHandler):
    """403 on `GET /admin/users` is a missing permission (MANAGE_USERS), not refused credentials."""

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response, requests.Response) and response.status_code == 403:
            return ErrorResolution(ResponseAction.IGNORE, None, USERS_FORBIDDEN)
        return super().interpret_response(response)


USERS_FORBIDDEN = (
    "users: RingCX refused to list the admin users (HTTP 403): the login lacks the MANAGE_USERS (or "
    "SUPER_USER) permission. The users stream is skipped; the other streams sync normally."
)


class Users(RingCxStream):
    """Every RingCX admin user, one record each (`flatten=true`; a nested answer is flattened here too)."""

    name = "users"
    primary_key = "userId"
    forbidden = False

    def path(self, **kwargs: Any) -> str:
        return "users"

    def request_params(self, **kwargs: Any) -> dict[str, Any]:
        return {"flatten": "true"}

    def get_error_handler(self) -> ErrorHandler:
        return UsersErrorHandler(PROVIDER, self.auth_hint)

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        if response.status_code == 403:
            self.forbidden = True
            self.logger.warning(USERS_FORBIDDEN)
            return
        seen: set[Any] = set()
        pending = [user for user in self.listed(response) if isinstance(user, Mapping)]
        while pending:
            user = pending.pop(0)
            children = user.get("children")
            nested = (
                [child for child in children if isinstance(child, Mapping)]
                if isinstance(children, list)
                else []
            )
            pending[:0] = nested  # depth first, in the order RingCX lists them
            if user.get("userId") in seen:
                continue
            seen.add(user.get("userId"))
            yield with_utc_dates(
                without_secrets(
                    {key: value for key, value in user.items() if key != "children"} if nested else user
                ),
                USER_DATES,
            )


class InputControlsStream(RingCxStream):
    """The objects of one report product per account, from `reports/inputControls`."""

    primary_key = ["account_id", "object_id"]
    product = ""

    def __init__(
        self, config: CasperConfig, auth_hint: str, directory: RingCxDirectory, **kwargs: Any
    ) -> None:
        self.directory = directory
        super().__init__(config, auth_hint, **kwargs)

    def stream_slices(self, **kwargs: Any) -> Iterable[Mapping[str, Any] | None]:
        for account_id in self.directory.account_ids():
            yield {"account_id": account_id, "user_id": self.directory.user_id()}

    def path(self, *, stream_slice: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        assert stream_slice is not None
        return f"accounts/{stream_slice['account_id']}/users/{stream_slice['user_id']}/reports/inputControls"

    def request_params(self, stream_slice: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        assert stream_slice is not None
        return {"accountIds": stream_slice["account_id"], "products": self.product}

    def controls(self, response: requests.Response, account_id: str) -> InputControls:
        try:
            return parse_input_controls(json_body(response), self.product)
        except InputControlsShapeError as error:
            raise shape_error(account_id, self.product, error) from error

    def parse_response(
        self, response: requests.Response, *, stream_slice: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Iterable[Mapping[str, Any]]:
        assert stream_slice is not None
        account_id = stream_slice["account_id"]
        for item in self.controls(response, account_id).objects:
            yield {
                "account_id": account_id,
                "object_id": item.object_id,
                "object_name": item.object_name,
                "group_id": item.group_id,
                "group_name": item.group_name,
                "product": self.product,
            }

    def fetch(self, account_id: str) -> InputControls:
        """The groups and objects of one account (for the report's criteria)."""
        stream_slice = {"account_id": account_id, "user_id": self.directory.user_id()}
        return self.controls(self.request_page(stream_slice), account_id)


class CloudProfiles(InputControlsStream):
    """Cloud profiles (`CLOUD_PROFILE`) with their groups, per account."""

    name = "cloud_profiles"
    product = PRODUCTS["PROFILE"]


class CloudDestinations(InputControlsStream):
    """Cloud destinations (`CLOUD_DESTINATION`) with their groups, per account."""

    name = "cloud_destinations"
    product = PRODUCTS["DESTINATION"]


SHOWN_ACCOUNTS = 20


def unknown_accounts_error(missing: list[str], visible: list[str]) -> Exception:
    """The config error naming configured accounts that RingCX does not list for this login."""
    shown = ", ".join(visible[:SHOWN_ACCOUNTS]) or "none"
    if len(visible) > SHOWN_ACCOUNTS:
        shown += f" and {len(visible) - SHOWN_ACCOUNTS} more"
    return config_error(
        f"'account_ids' names RingCX account(s) that do not exist or that this login cannot see: "
        f"{', '.join(missing)}. Accounts this login can see: {shown}. Remove them from 'account_ids', "
        "or leave 'account_ids' empty to sync every account the login can see."
    )


class RingCxDirectory:
    """What the report needs to know about the setup: accounts, the user for inputControls, report objects."""

    def __init__(self, config: CasperConfig, auth_hint: str, authenticator: requests.auth.AuthBase) -> None:
        self.config = config
        self.authenticator = authenticator
        self.accounts = Accounts(config, auth_hint, authenticator=authenticator)
        self.users = Users(config, auth_hint, authenticator=authenticator)
        self._controls = {
            group_by: stream_class(config, auth_hint, self, authenticator=authenticator)
            for group_by, stream_class in (("PROFILE", CloudProfiles), ("DESTINATION", CloudDestinations))
        }
        self._account_ids: list[str] | None = None
        self.account_records: dict[str, Mapping[str, Any]] = {}
        self._user_id: str | None = config.user_id

    def visible_account_ids(self) -> list[str]:
        """The accounts the login can see (one request); their records stay in `account_records`."""
        records = self.accounts.read_records(SyncMode.full_refresh)
        self.account_records = {
            str(account["accountId"]): account for account in records if account.get("accountId") is not None
        }
        return list(self.account_records)

    def account_ids(self) -> list[str]:
        """The configured accounts, or every account the login can see (one request, once per run).

        Configured accounts are checked against `GET /admin/accounts`: RingCX answers a request for an
        account the login cannot see with an HTTP 400 (`Invalid accountId ...`) on every per-account
        endpoint, so an unknown ID is named here, once, as a config error instead.
        """
        if self._account_ids is None:
            visible = self.visible_account_ids()
            configured = self.config.account_ids
            if configured is None:
                self._account_ids = visible
            else:
                missing = [account for account in configured if account not in visible]
                if missing:
                    raise unknown_accounts_error(missing, visible)
                self._account_ids = list(configured)
        return self._account_ids

    def user_id(self) -> str:
        """`user_id` from the config, else the admin the JWT login belongs to, else the first listed user."""
        if self._user_id is None:
            log_in = getattr(self.authenticator, "token", None)
            if callable(log_in):
                log_in()  # the JWT login's exchange answer names its admin (`adminId`)
            self._user_id = getattr(self.authenticator, "admin_id", None) or self._first_user_id()
        return self._user_id

    def _first_user_id(self) -> str:
        for user in self.users.read_records(SyncMode.full_refresh):
            if user.get("userId") is not None:
                return str(user["userId"])
        if self.users.forbidden:
            raise config_error(
                "reports/inputControls needs a RingCX user ID, and this login may not list users (no "
                "MANAGE_USERS permission); set 'user_id'."
            )
        raise config_error(
            "RingCX lists no admin user for this login, and reports/inputControls needs one; set 'user_id'."
        )

    def controls(self, account_id: str, group_by: str) -> InputControls:
        """The groups and objects an account offers for `group_by` (PROFILE or DESTINATION)."""
        return self._controls[group_by].fetch(account_id)

    def rc_account_id(self, account_id: str) -> str:
        """The RingCentral account an account belongs to (the CX integration API's `rcAccountId` path value):
        `rc_account_id` from the config, else the account's listing (`rcAccountId`, or `mainAccount.rcAccountId`
        as specs/engage-voice_openapi3.json types the Account model)."""
        if self.config.rc_account_id is not None:
            return self.config.rc_account_id
        self.account_ids()
        listed = self.account_records.get(account_id) or {}
        main = listed.get("mainAccount")
        for value in (
            listed.get("rcAccountId"),
            main.get("rcAccountId") if isinstance(main, Mapping) else None,
        ):
            if value not in (None, "") and str(value).strip().isdigit():
                return str(value).strip()
        raise config_error(
            f"RingCX does not say which RingCentral account account {account_id} belongs to (no rcAccountId in "
            "its listing); set 'rc_account_id' (the `id` of GET /restapi/v1.0/account/~ on the RingCentral platform)."
        )
