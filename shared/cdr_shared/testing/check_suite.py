"""One `check` suite for every connector: each fills the tables, the suite holds the tests.

What every connector's `check` promises (architecture.md, "Errors"), tested the same way for all four:

- a config that is wrong on its face fails naming the field, before any request;
- the provider's answers to the probe give the right verdict: good credentials succeed; refused ones fail
  naming the credential fields and quoting the provider, never echoing a secret (`CheckCase`);
- a provider that keeps failing fails within check's budget (a few short attempts, bounded waits), through
  the real entry point, quoting its last answer, with no traceback and no secret (`PersistentFault`).

Usage, in a connector's `unit_tests/test_check.py`::

    class TestCheck(CheckSuite):
        source = SourceAcefone
        config_builder = AcefoneConfig()
        now = NOW
        secrets = (TOKEN,)
        bad_configs = [BadConfig("end_date", {"start_date": "2024-05-09", "end_date": "2024-05-01"}), ...]
        cases = [CheckCase("valid token", [get(PROBE, page([]))], succeeds=True), ...]
        persistent_faults = [PersistentFault("503", SERVICE_UNAVAILABLE, says="HTTP 503"), ...]

Every table must have rows: an empty one is a collection error, not a skipped test. Where a connector
falls short of the contract today (`check_request_timeout = None`), its table says so and the suite pins
that, so the table must change when the code does.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
import requests
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from freezegun import freeze_time

from cdr_shared.http_errors import CHECK_MAX_RETRIES, CHECK_MAX_WAIT_SECONDS
from cdr_shared.secrets import secret_forms
from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.console import run_entry_point

LOGGER = logging.getLogger("check-suite")
TRACEBACK = "Traceback (most recent call last)"
ANY_TIMEOUT = object()
"""As `CheckSuite.check_request_timeout`: every check request has some timeout."""


@dataclass(frozen=True)
class BadConfig:
    """A config wrong on its face (`overrides` of top-level fields) and the field the refusal must name."""

    field: str
    overrides: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.field}={json.dumps(self.overrides, default=str)[:60]}"


@dataclass(frozen=True)
class Exchange:
    """A request `check` must send and what the provider answers it (one answer, or one per attempt)."""

    method: str
    request: HttpRequest
    answers: HttpResponse | Sequence[HttpResponse]


def get(request: HttpRequest, answers: HttpResponse | Sequence[HttpResponse]) -> Exchange:
    return Exchange("get", request, answers)


def post(request: HttpRequest, answers: HttpResponse | Sequence[HttpResponse]) -> Exchange:
    return Exchange("post", request, answers)


@dataclass(frozen=True)
class CheckCase:
    """Given these exchanges (and `config`, else the suite's), `check` succeeds or fails saying `says`."""

    id: str
    exchanges: Sequence[Exchange]
    succeeds: bool
    says: Sequence[str] = ()
    never_says: Sequence[str] = ()
    config: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FaultAnswer:
    """What a failing provider answers every request with: an HTTP answer, or an exception of `requests`."""

    status: int = 503
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    raises: type[Exception] | None = None

    def respond(self, request: requests.PreparedRequest) -> requests.Response:
        if self.raises is not None:
            # with the request attached, as requests' HTTP adapter raises its exceptions
            raise self.raises("raised by the check suite's failing provider", request=request)
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body.encode()
        response.headers.update(self.headers)
        response.request, response.url = request, request.url or ""
        return response


SERVICE_UNAVAILABLE = FaultAnswer(503, "Service Unavailable")
RATE_LIMITED_FOR_AN_HOUR = FaultAnswer(
    429, json.dumps({"message": "Too Many Requests"}), {"Retry-After": "3600"}
)
LOGIN_PAGE = FaultAnswer(200, "<html><title>Single sign-on</title></html>", {"Content-Type": "text/html"})
READ_TIMEOUT = FaultAnswer(raises=requests.exceptions.ReadTimeout)


@dataclass(frozen=True)
class PersistentFault:
    """A provider answering every request with `answer`: the FAILED message must hold `says`, and end with
    `ends` when given (the provider's answer, quoted last)."""

    id: str
    answer: FaultAnswer
    says: str = ""
    ends: str = ""
    attempts: int | None = None
    """How many requests check makes in all (None: the suite's `check_attempts`)."""
    waits: bool = True
    """Whether check waits (a bounded backoff) between attempts; False where it gives up at once."""


class CheckSuite:
    """The tests; a connector's `TestCheck(CheckSuite)` gives the tables and the connector's facts."""

    source: ClassVar[Callable[[], Any]]
    config_builder: ClassVar[ConfigBuilder]
    now: ClassVar[str]
    secrets: ClassVar[Sequence[str]] = ()
    bad_configs: ClassVar[Sequence[BadConfig]] = ()
    cases: ClassVar[Sequence[CheckCase]] = ()
    persistent_faults: ClassVar[Sequence[PersistentFault]] = ()
    fault_message_starts: ClassVar[str] = ""
    """How every FAILED message under a persistent fault starts (empty: not asserted)."""
    check_attempts: ClassVar[int] = CHECK_MAX_RETRIES + 1
    """How many requests `check` makes against a provider that keeps failing."""
    check_request_timeout: ClassVar[Any] = ANY_TIMEOUT
    """The timeout every check request is sent with (`ANY_TIMEOUT`: only that each has one; None: a known gap,
    the requests carry no timeout, pinned so that the table changes when the code does)."""

    def config(self, **overrides: Any) -> dict[str, Any]:
        return self.config_builder.with_fields(**overrides).build()

    def clock(self) -> AbstractContextManager[Any]:
        """The clock `check` runs under."""
        return freeze_time(self.now)

    def fault_clock(self) -> AbstractContextManager[Any]:
        """The clock of the persistent-fault runs: it moves, so the CDK's retry time budget can run out."""
        return freeze_time(self.now, tick=True)

    def check(self, config: Mapping[str, Any]) -> Any:
        return self.source().check(LOGGER, config)

    def shown(self, message: str | None) -> str:
        """The message a FAILED status carries, as the user reads it."""
        text = message or ""
        assert not (text[:1] in ("'", '"') and text[-1:] == text[:1]), f"the message is a Python repr: {text}"
        return text

    def assert_no_secret(self, text: str) -> None:
        for secret in self.secrets:
            for form in secret_forms(secret):
                assert form not in text, f"the secret {secret!r} appears as {form!r} in: {text[-2000:]}"

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        tables = {"bad_config": self.bad_configs, "case": self.cases, "fault": self.persistent_faults}
        for name, rows in tables.items():
            if name in metafunc.fixturenames:
                if not rows:
                    raise pytest.UsageError(
                        f"{type(self).__name__}: the '{name}' table of the check suite is empty"
                    )
                metafunc.parametrize(name, rows, ids=[row.id for row in rows])

    def test_given_a_bad_config_when_check_then_failed_naming_the_field_before_any_request(
        self, bad_config: BadConfig
    ) -> None:
        with self.clock(), HttpMocker():  # any request would fail the test: none is mocked
            status = self.check(self.config(**bad_config.overrides))
        assert status.status == Status.FAILED
        message = self.shown(status.message)
        assert f"'{bad_config.field}'" in message, message
        self.assert_no_secret(message)

    def test_given_the_providers_answers_when_check_then_the_status_says_what_to_fix(
        self, case: CheckCase
    ) -> None:
        with self.clock(), HttpMocker() as http:
            for exchange in case.exchanges:
                getattr(http, exchange.method)(exchange.request, exchange.answers)
            status = self.check(case.config if case.config is not None else self.config())
        assert status.status == (Status.SUCCEEDED if case.succeeds else Status.FAILED), status.message
        message = self.shown(status.message) if not case.succeeds else ""
        for words in case.says:
            assert words in message, message
        for words in case.never_says:
            assert words not in message, message
        self.assert_no_secret(message)

    def test_given_a_persistent_fault_when_check_then_failed_within_the_check_budget_quoting_the_answer(
        self, fault: PersistentFault, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        timeouts = failing_provider(monkeypatch, fault.answer)
        sleeps = recorded_sleeps(monkeypatch)
        with self.fault_clock():
            run = run_entry_point(self.source, "check", self.config())
        assert run.returncode == 0 and len(run.statuses) == 1, run.output[-2000:]
        assert run.statuses[0]["status"] == "FAILED"
        message = self.shown(run.statuses[0]["message"])
        assert message.startswith(self.fault_message_starts), message
        assert fault.says in message and message.endswith(fault.ends), message
        assert len(timeouts) == (fault.attempts or self.check_attempts), timeouts
        if self.check_request_timeout is ANY_TIMEOUT:
            assert all(timeout for timeout in timeouts), (
                f"every check request must have a timeout: {timeouts}"
            )
        else:
            assert set(timeouts) == {self.check_request_timeout}, timeouts
        # Every wait between attempts is bounded (a Retry-After of an hour included; the CDK adds a second).
        assert bool(sleeps) == fault.waits and max(sleeps, default=0) <= CHECK_MAX_WAIT_SECONDS + 1, sleeps
        assert TRACEBACK not in run.output
        self.assert_no_secret(run.output)


def failing_provider(monkeypatch: pytest.MonkeyPatch, answer: FaultAnswer) -> list[Any]:
    """Every request `requests` sends gets `answer`; returns the timeout of each attempt, in order."""
    timeouts: list[Any] = []

    def send(adapter: Any, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        timeouts.append(kwargs.get("timeout"))
        return answer.respond(request)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return timeouts


def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every `time.sleep` from now on is recorded, then passed to the `time.sleep` in place (a test stub)."""
    recorded: list[float] = []
    current = time.sleep

    def sleep(seconds: float) -> None:
        recorded.append(seconds)
        current(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return recorded
