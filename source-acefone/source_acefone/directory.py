"""The account's directory: `users` and `departments`, both full refresh.

- `users`: `GET /v1/users?last_seen_id=<id>&limit=<n>` (https://docs.acefone.in/reference/fetch-multiple-users,
  the same on https://docs.acefone.co.uk/reference/fetch-multiple-users) answers
  `{has_more, count, last_seen_id, data}`: the users whose id is above `last_seen_id`, ascending; the next
  page is asked with the answer's `last_seen_id` ("reference id of last user in the current page"). The
  fetch-single-user page of the same docs sends a user's `id` as text ("288256"), so a text id is read too.
- `departments`: `GET /v1/departments` (https://docs.acefone.in/reference/fetch-details-of-all-departments,
  the same on https://docs.servetel.in/reference/fetch-details-of-all-departments) answers a bare JSON list,
  in one answer (no paging parameter is documented). The UK API wraps its lists in `{"data": [...]}`
  (https://api-docs.acefone.co.uk/reference/get_v1-ring-groups); that departments answer the same there is
  an inference, so both are read.

A 200 that is not the documented shape is retried, then fails naming the stream; records keep every field
Acefone sends except secret-looking ones (`cdr_shared.secrets.drop_secret_keys`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.http_errors import (
    ProviderErrorHandler,
    RetryAfterBackoff,
    json_body,
    looks_truncated,
    provider_message,
    retry,
    unexpected,
)
from cdr_shared.http_stream import ProviderHttpStream
from cdr_shared.secrets import drop_secret_keys
from source_acefone.auth import PROVIDER
from source_acefone.pages import as_int
from source_acefone.streams import CallRecords

USERS_PATH = "v1/users"
DEPARTMENTS_PATH = "v1/departments"
BACKOFF_BASE_SECONDS = 2.0


def users_page(body: Any) -> list[Mapping[str, Any]] | None:
    """The users of a `/v1/users` page, or None when the body is not one (no `data` list of users with ids)."""
    if not isinstance(body, Mapping) or body.get("success") is False:
        return None
    users = body.get("data")
    if not isinstance(users, list):
        return None
    if not all(isinstance(user, Mapping) and as_int(user.get("id")) is not None for user in users):
        return None
    return users


def departments_list(body: Any) -> list[Mapping[str, Any]] | None:
    """The departments of a `/v1/departments` answer (a bare list, or the list under `data`), or None."""
    if isinstance(body, Mapping) and body.get("success") is not False:
        body = body.get("data")
    if not isinstance(body, list) or not all(isinstance(item, Mapping) for item in body):
        return None
    return body


class DirectoryErrorHandler(ProviderErrorHandler):
    """The suite's error contract, and a 200 must carry the stream's documented shape: anything else is
    retried, then reported naming the stream."""

    def __init__(self, stream: str, shape: str, records_of: Any, auth_hint: str, max_retries: int) -> None:
        super().__init__(PROVIDER, auth_hint, max_retries=max_retries)
        self.stream = stream
        self.shape = shape
        self.records_of = records_of

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        try:
            records = self.records_of(json_body(response))
        except ValueError:
            if looks_truncated(response):
                return retry(f"{self.stream}: Acefone sent a cut-off JSON body; retrying.")
            return unexpected(
                f"{self.stream}: Acefone answered with {self.answer(response)}, not {self.shape}."
            )
        if records is None:
            return unexpected(
                f"{self.stream}: Acefone answered with JSON that is not {self.shape}: {self.answer(response)}."
            )
        return ErrorResolution(response_action=ResponseAction.SUCCESS)

    @staticmethod
    def answer(response: requests.Response) -> str:
        """What Acefone said, quoted (secrets masked), for an error message."""
        return f"'{provider_message(response)}'" if provider_message(response) else "an empty body"


class DirectoryStream(ProviderHttpStream):
    """A full-refresh list of the account's setup, declared by `api_path`, `shape` and `records_of`; it
    reads with the host, credentials (the same authenticator: one login) and retries of `call_records`."""

    primary_key = "id"
    api_path = ""
    shape = ""
    """What a documented answer is, for error messages."""

    def __init__(self, call_records: CallRecords) -> None:
        self.config = call_records.config
        self.auth_hint = call_records.auth_hint
        self.max_retries_per_request = call_records.max_retries_per_request
        super().__init__(authenticator=call_records.authenticator)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def path(self, **kwargs: Any) -> str:
        return self.api_path

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)

    def get_error_handler(self) -> ErrorHandler:
        return DirectoryErrorHandler(
            self.name, self.shape, self.records_of, self.auth_hint, self.max_retries_per_request
        )

    @staticmethod
    @abstractmethod
    def records_of(body: Any) -> list[Mapping[str, Any]] | None:
        """The records of a documented answer, None for an answer that is not one (each stream declares it)."""

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        for record in self.records_of(json_body(response)) or []:
            yield self.emitted(record)

    def emitted(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as Acefone sent it, without secret-looking fields."""
        return drop_secret_keys(dict(record))


class Users(DirectoryStream):
    """Every portal user (with the agent behind it, if any), paged by `last_seen_id`."""

    name = "users"
    api_path = USERS_PATH
    shape = "a users page ({has_more, count, last_seen_id, data}, as /v1/users documents)"
    records_of = staticmethod(users_page)

    def request_params(
        self, next_page_token: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """`limit`, and from the second page on the `last_seen_id` to read after."""
        return {"limit": self.config.page_size, **(next_page_token or {})}

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        """The page's users, unless it lists none past the id it was asked for (a page read before)."""
        after = requested_last_seen_id(response)
        ids = [as_int(user.get("id")) or 0 for user in users_page(json_body(response)) or []]
        if after is not None and ids and max(ids) <= after:
            raise not_advancing(after, max(ids))
        yield from super().parse_response(response, **kwargs)

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        """The page after this one's last user, unless this page is empty, says `has_more: false`, or (no
        `has_more` given) is short. A `last_seen_id` that does not grow stops the sync."""
        body = json_body(response)
        users = users_page(body) or []
        if not users or body.get("has_more") is False:
            return None
        if body.get("has_more") is None and len(users) < self.config.page_size:
            return None
        after = requested_last_seen_id(response)
        last = as_int(body.get("last_seen_id"))
        if last is None:
            last = max(as_int(user.get("id")) or 0 for user in users)
        if after is not None and last <= after:
            raise not_advancing(after, last)
        return {"last_seen_id": last}

    def emitted(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The user as sent, `id` as the integer the page types it (some answers send it as text)."""
        user = super().emitted(record)
        user["id"] = as_int(record.get("id"))
        return user


class Departments(DirectoryStream):
    """Every department (call queue) with its agents, in one answer."""

    name = "departments"
    api_path = DEPARTMENTS_PATH
    shape = "a list of departments (as /v1/departments documents)"
    records_of = staticmethod(departments_list)

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None  # one answer holds every department

    def emitted(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The department as sent, `id` as the text the page types it."""
        department = super().emitted(record)
        if isinstance(record.get("id"), int) and not isinstance(record.get("id"), bool):
            department["id"] = str(record["id"])
        return department


def not_advancing(after: int, last: int) -> AirbyteTracedException:
    """The error of a `/v1/users` page that does not move past the id it was asked for."""
    return AirbyteTracedException(
        message=(
            f"users: Acefone answered the page after user id {after} with users up to id {last} again, so "
            "last_seen_id paging does not advance; the sync stops rather than read the same page forever. "
            "Try again later, or report it to Acefone."
        ),
        failure_type=FailureType.system_error,
    )


def requested_last_seen_id(response: requests.Response) -> int | None:
    """The `last_seen_id` the response answers (None on the first page)."""
    values = parse_qs(urlsplit(response.request.url or "").query).get("last_seen_id")
    return as_int(values[0]) if values else None
