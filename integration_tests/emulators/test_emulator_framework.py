"""Specification of the emulator framework itself: routing, requests, lifecycle, TLS, clock, quotas,
faults, tokens and control endpoints, on a minimal emulator defined here."""

from __future__ import annotations

import base64
import io
import json
import socket
import ssl
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from integration_tests.emulators import EMULATORS, emulator_class
from integration_tests.emulators.base import EmulatorServer, Request, Response
from integration_tests.emulators.clock import VirtualClock, parse_instant
from integration_tests.emulators.faults import FaultInjector, UnknownFaultKind
from integration_tests.emulators.rate_limit import MovingWindowRateLimiter
from integration_tests.emulators.tokens import TokenIssuer, TokenState, jwt_shaped_token

RECORDS = [{"id": 1}, {"id": 2}]


class ProbeEmulator(EmulatorServer):
    """A tiny provider: echoes what it received, with one faultable, rate-limited endpoint."""

    name = "probe"

    def __init__(self, **common: Any) -> None:
        super().__init__(**common)
        self.quota = self.new_rate_limiter(2, 60)
        self.add_route(
            "GET", "/accounts/{account_id}/items", self.list_items, faultable=True, rate_limiter=self.quota
        )
        self.add_route("POST", "/echo", self.echo)

    def list_items(self, request: Request) -> Response:
        return Response.json(
            {"account": request.path_params["account_id"], "tags": request.list_param("tag")}
        )

    def echo(self, request: Request) -> Response:
        return Response.json(request.json())

    def ground_truth(self) -> list[dict[str, Any]]:
        return [dict(record) for record in RECORDS]

    def expired_token_response(self, request: Request) -> Response:
        return Response.json({"error": "token expired"}, 401)


@pytest.fixture
def probe() -> Iterator[ProbeEmulator]:
    with ProbeEmulator() as emulator:
        assert isinstance(emulator, ProbeEmulator)
        yield emulator


# --------------------------------------------------------------------------------- routing, requests


def test_path_parameters_and_every_list_parameter_form_reach_the_handler(probe: ProbeEmulator) -> None:
    response = requests.get(probe.url("/accounts/42/items?tag=a,b&tag[]=c&tag[0]=d&tag="), timeout=5)

    assert response.json() == {"account": "42", "tags": ["a", "b", "c", "d"]}


def test_an_unknown_path_is_404_and_a_wrong_method_405_with_allow(probe: ProbeEmulator) -> None:
    missing = requests.get(probe.url("/nowhere"), timeout=5)
    wrong_method = requests.delete(probe.url("/echo"), timeout=5)

    assert missing.status_code == 404
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"


def test_a_body_that_is_not_json_is_answered_400(probe: ProbeEmulator) -> None:
    response = requests.post(probe.url("/echo"), data=b"{not json", timeout=5)

    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]


def test_a_chunked_request_body_is_read_whole(probe: ProbeEmulator) -> None:
    chunks = iter([b'{"a": ', b"[1, 2]}"])

    response = requests.post(probe.url("/echo"), data=chunks, timeout=5)

    assert response.json() == {"a": [1, 2]}


# ----------------------------------------------------------------------------------------- lifecycle


def test_port_zero_gives_each_emulator_its_own_free_port_on_loopback() -> None:
    with ProbeEmulator() as first, ProbeEmulator() as second:
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.port != second.port


def test_starting_twice_is_refused(probe: ProbeEmulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        probe.start()


def test_stop_closes_keep_alive_connections_too() -> None:
    emulator = ProbeEmulator()
    emulator.start()
    stats_url = emulator.url("/__control/stats")
    with requests.Session() as session:
        assert session.get(stats_url, timeout=5).status_code == 200

        emulator.stop()

        with pytest.raises(requests.ConnectionError):
            session.get(stats_url, timeout=5)
    assert not emulator.running


def test_the_registry_names_every_emulator_and_refuses_unknown_names() -> None:
    assert emulator_class("acefone") is EMULATORS["acefone"]
    with pytest.raises(KeyError, match="known: acefone"):
        emulator_class("nope")


def test_requests_are_logged_to_the_log_stream_when_one_is_given() -> None:
    stream = io.StringIO()
    with ProbeEmulator(log_stream=stream) as emulator:
        requests.get(emulator.url("/accounts/7/items"), timeout=5)

    assert "probe: GET /accounts/7/items -> 200" in stream.getvalue()


def test_https_is_served_with_the_given_tls_context() -> None:
    import trustme  # a dev dependency: the HTTPS emulators need it too

    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    with ProbeEmulator(ssl_context=context) as emulator, authority.cert_pem.tempfile() as ca_file:
        base_url = emulator.base_url
        response = requests.get(emulator.url("/accounts/1/items"), verify=ca_file, timeout=5)
        emulator.inject(["reset"])
        with pytest.raises(requests.ConnectionError):
            requests.get(emulator.url("/accounts/1/items"), verify=ca_file, timeout=5)

    assert base_url.startswith("https://127.0.0.1:")
    assert response.json()["account"] == "1"


# ------------------------------------------------------------------------------------------- faults


def test_a_reset_fault_sends_a_tcp_reset(probe: ProbeEmulator) -> None:
    probe.inject(["reset"])
    with socket.create_connection(("127.0.0.1", probe.port), timeout=5) as raw:
        raw.sendall(b"GET /accounts/1/items HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            while raw.recv(1024):
                continue


def test_faults_only_hit_faultable_routes(probe: ProbeEmulator) -> None:
    probe.set_random_faults(1.0, ["503"])

    assert requests.post(probe.url("/echo"), json={}, timeout=5).status_code == 200
    assert requests.get(probe.url("/accounts/1/items"), timeout=5).status_code == 503


def test_a_429_fault_reports_the_routes_quota_window_in_retry_after(probe: ProbeEmulator) -> None:
    probe.inject(["429"])

    response = requests.get(probe.url("/accounts/1/items"), timeout=5)

    assert response.status_code == 429 and response.headers["Retry-After"] == "60"


def test_the_quota_refuses_with_the_time_until_a_slot_frees(probe: ProbeEmulator) -> None:
    statuses = [requests.get(probe.url("/accounts/1/items"), timeout=5).status_code for _ in range(3)]
    refused = requests.get(probe.url("/accounts/1/items"), timeout=5)

    assert statuses == [200, 200, 429]
    assert 59 <= int(refused.headers["Retry-After"]) <= 60
    probe.reset()
    assert requests.get(probe.url("/accounts/1/items"), timeout=5).status_code == 200


def test_the_fault_injector_takes_queued_faults_in_order_and_by_path() -> None:
    injector = FaultInjector()
    injector.enqueue(["500"], path="/b")
    injector.enqueue(["reset", "slow"])

    drawn = [injector.draw("/a"), injector.draw("/a"), injector.draw("/a"), injector.draw("/b")]

    assert drawn == ["reset", "slow", None, "500"]
    assert injector.injected() == {"reset": 1, "slow": 1, "500": 1}


def test_random_faults_follow_the_seed_and_the_path_restriction() -> None:
    first = FaultInjector(rate=0.3, seed=11)
    second = FaultInjector(rate=0.3, seed=11)
    restricted = FaultInjector(rate=1.0, seed=11, paths=["/only"])

    assert [first.draw("/x") for _ in range(50)] == [second.draw("/x") for _ in range(50)]
    assert restricted.draw("/other") is None and restricted.draw("/only") is not None


@pytest.mark.parametrize(
    ("rate", "kinds", "error"), [(1.5, None, ValueError), (0.1, ["boom"], UnknownFaultKind)]
)
def test_invalid_random_fault_settings_are_refused(rate: float, kinds: list[str] | None, error: type) -> None:
    with pytest.raises(error):
        FaultInjector().set_random(rate, kinds)


# ------------------------------------------------------------------------------------- clock, quota


def test_the_virtual_clock_can_be_set_advanced_and_scaled() -> None:
    clock = VirtualClock(time_scale=60)

    clock.set("2024-05-31T23:59:30Z")
    assert abs((clock.now() - datetime(2024, 5, 31, 23, 59, 30, tzinfo=timezone.utc)).total_seconds()) < 1
    clock.advance(45)
    assert clock.now().date().isoformat() == "2024-06-01"
    assert clock.scaled(3600) == 60
    assert clock.describe()["time_scale"] == 60
    with pytest.raises(ValueError):
        clock.time_scale = 0


def test_instants_without_an_offset_are_utc() -> None:
    assert parse_instant("2024-05-01T10:00:00") == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_instant("2024-05-01T15:30:00+05:30") == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


def test_the_moving_window_counts_on_the_virtual_clock_and_scales() -> None:
    clock = VirtualClock(time_scale=2)
    limiter = MovingWindowRateLimiter(clock, limit=2, interval_seconds=10)

    decisions = [limiter.admit() for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert 4.9 < decisions[2].retry_after <= 5  # a 10 s window at time scale 2
    clock.advance(5)
    assert limiter.admit().allowed
    assert all(MovingWindowRateLimiter(clock, 0, 1).admit().allowed for _ in range(100))


def test_the_clock_control_endpoint_changes_the_time_scale(probe: ProbeEmulator) -> None:
    answer = requests.post(probe.url("/__control/clock"), json={"time_scale": 3600}, timeout=5).json()

    assert answer["time_scale"] == 3600 and probe.quota.window_seconds() == pytest.approx(60 / 3600)


def test_control_endpoints_refuse_bad_bodies_with_400(probe: ProbeEmulator) -> None:
    not_json = requests.post(probe.url("/__control/faults"), data=b"[", timeout=5)
    bad_clock = requests.post(probe.url("/__control/clock"), json={"now": "yesterday"}, timeout=5)

    assert not_json.status_code == 400 and bad_clock.status_code == 400


# -------------------------------------------------------------------------------------------- tokens


def test_tokens_expire_on_the_virtual_clock_and_refresh_within_the_grace_period() -> None:
    clock = VirtualClock()
    issuer = TokenIssuer(clock, lifetime_seconds=300, refresh_grace_seconds=60)
    token = issuer.issue("user")

    assert issuer.state_of(token.value) is TokenState.VALID
    clock.advance(301)
    assert issuer.state_of(token.value) is TokenState.EXPIRED
    renewed = issuer.refresh(token.value)
    assert renewed is not None and issuer.state_of(renewed.value) is TokenState.VALID
    assert issuer.state_of(token.value) is TokenState.REVOKED
    clock.advance(400)
    assert issuer.refresh(renewed.value) is None
    assert issuer.state_of("never-issued") is TokenState.UNKNOWN


def test_revoking_a_subject_invalidates_all_its_tokens() -> None:
    issuer = TokenIssuer(VirtualClock(), lifetime_seconds=60)
    tokens = [issuer.issue("user"), issuer.issue("user"), issuer.issue("other")]

    issuer.revoke_subject("user")

    assert [issuer.state_of(t.value) for t in tokens] == [
        TokenState.REVOKED,
        TokenState.REVOKED,
        TokenState.VALID,
    ]


def test_jwt_shaped_tokens_carry_the_expiry_claim() -> None:
    token = jwt_shaped_token("user", 1_700_000_000, 1_700_003_600)
    header, claims, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))

    assert payload["sub"] == "user" and payload["exp"] == 1_700_003_600 and signature
