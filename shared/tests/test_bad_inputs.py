"""Issue 10, shared part: bad files, oneOf branches, catalogs, dates, states and secrets through the
shared entry point and helpers, each refused naming what to fix, with no traceback and no secret out."""

import base64
import json
import logging
from urllib.parse import quote

import pendulum
import pytest
from airbyte_cdk.logger import AirbyteLogFormatter
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.airbyte_secrets_utils import update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from tests.example_spec import SPEC

from cdr_shared.entrypoint import trim_secrets
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import (
    CHECK_MAX_WAIT_SECONDS,
    ProviderErrorHandler,
    bounded_for_check,
    check_backoff,
    provider_message,
)
from cdr_shared.secrets import SecretValueFilter, drop_secret_keys, mask_secret_values, register_secret
from cdr_shared.sync_range import LATEST_END, sync_range_from_config
from cdr_shared.testing.bad_inputs import (
    MISSING,
    BadInput,
    ConfigBuilder,
    catalog_of,
    run_command,
    run_connector,
    run_with_loopback,
    state_of,
)
from cdr_shared.windowed_state import WindowedCursor

TOKEN = "canary-shared-token-a41f09"
PASSWORD = "canary-shared-pass-77d3e2"

BASE = ConfigBuilder(
    {"credentials": {"auth_type": "api_token", "api_token": TOKEN}, "start_date": "2024-05-01"}
)
LOGIN = BASE.set("credentials", {"auth_type": "login", "email": "a@example.com", "password": PASSWORD})
SEEN: list[dict] = []


class Calls(Stream):
    primary_key = "id"
    cursor_field = "started_at"
    source_defined_cursor = True

    def get_json_schema(self):
        return {"type": "object", "properties": {"id": {"type": "string"}, "started_at": {"type": "string"}}}

    def read_records(self, *args, **kwargs):
        yield {"id": "1", "started_at": "2024-05-01T00:00:00+00:00"}


class Agents(Stream):
    primary_key = "id"

    def get_json_schema(self):
        return {"type": "object"}

    def read_records(self, *args, **kwargs):
        yield {"id": "a"}


class EchoSource(AbstractSource):
    """Echoes its secrets, in every encoding, from `check`: only the shared masking stands between them
    and the output."""

    def spec(self, logger):
        return SPEC

    def check_connection(self, logger, config):
        SEEN.append(config)
        secret = config["credentials"].get("api_token") or config["credentials"].get("password")
        logger.info(f"Sending {json.dumps(secret)} and {quote(secret)}")
        return False, f"refused {secret!r} {base64.b64encode(secret.encode()).decode()} {quote(secret)}"

    def streams(self, config):
        return [Calls(), Agents()]


@pytest.fixture(autouse=True)
def fresh():
    SEEN.clear()
    yield
    update_secrets([])


def run(case, tmp_path):
    return run_connector(
        EchoSource, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of("calls")
    )


@pytest.mark.parametrize(
    "case",
    [
        BadInput("config not JSON", "--config", config_text='{"start_date": '),
        BadInput("config an array", "--config", config_text="[]"),
        BadInput("config a string", "--config", config_text='"x"'),
        BadInput("config missing", "--config", config_text=MISSING),
        BadInput("discover: config missing", "--config", command="discover", config_text=MISSING),
        BadInput("read: config not JSON", "--config", command="read", config_text="nope"),
        BadInput("catalog not JSON", "--catalog", command="read", catalog_text="{"),
        BadInput("catalog an array", "--catalog", command="read", catalog_text="[]"),
        BadInput("catalog missing", "--catalog", command="read", catalog_text=MISSING),
        BadInput(
            "catalog with a bad mode", "calls", command="read", catalog=catalog_of("calls", "sometimes")
        ),
        BadInput("state not JSON", "--state", command="read", state_text="[{"),
        BadInput("state a string", "--state", command="read", state_text='"x"'),
        BadInput("state legacy object", "--state", command="read", state_text='{"calls": {}}'),
        BadInput("state missing", "--state", command="read", state_text=MISSING),
        BadInput("stream state not an object", "calls", command="read", state=state_of("calls", [1])),
    ],
    ids=lambda case: case.id,
)
def test_given_an_unusable_file_then_one_config_error_naming_the_argument(case, tmp_path):
    result = run(case, tmp_path)
    result.assert_refused(case.names, canaries=[TOKEN])
    assert result.exit_code == 1
    assert len([e for e in result.errors() if e["failure_type"] == "config_error"]) == 1


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (BASE.drop("credentials.api_token"), "credentials.api_token"),
        (BASE.drop("credentials.password", LOGIN), "credentials.password"),
        (BASE.drop("credentials.email", LOGIN), "credentials.email"),
        (BASE.set("credentials.api_token", 5), "credentials.api_token"),
        (BASE.set("credentials.auth_type", "oauth"), "credentials.auth_type"),
        (BASE.drop("credentials.auth_type"), "credentials.auth_type"),
    ],
)
def test_given_a_oneof_branch_then_the_message_names_the_field_of_the_chosen_branch(config, field, tmp_path):
    result = run(BadInput("oneOf", field, config=config), tmp_path)
    result.assert_refused(field, canaries=[TOKEN, PASSWORD])
    assert "is not valid under any of the given schemas" not in result.refusal()
    assert not SEEN  # refused before the connector's own check


@pytest.mark.parametrize("pasted", [f"{TOKEN}\n", f"  {TOKEN}  ", f"\t{TOKEN}\r\n"])
def test_given_a_secret_pasted_with_whitespace_then_trimmed_and_masked_in_every_form(pasted, tmp_path):
    result = run(BadInput("pasted", "config", config=BASE.set("credentials.api_token", pasted)), tmp_path)
    assert SEEN[0]["credentials"]["api_token"] == TOKEN
    result.assert_no_canary([TOKEN, pasted])
    assert "****" in result.refusal()


@pytest.mark.parametrize("pasted", [" ", "\n", " \t\r\n "])
def test_given_a_secret_of_whitespace_alone_then_it_is_emptied_and_not_registered_for_masking(pasted):
    # Registered, it would mask every space or line break of every message.
    trimmed, registered = trim_secrets(
        BASE.set("credentials.api_token", pasted), SPEC.connectionSpecification
    )
    assert trimmed["credentials"]["api_token"] == "" and registered == []
    assert trim_secrets(BASE.set("credentials.api_token", f" {TOKEN}\n"), SPEC.connectionSpecification)[
        1
    ] == [f" {TOKEN}\n"]


def test_a_login_password_is_masked_raw_url_encoded_json_escaped_and_base64(tmp_path):
    password = 'canary pass/"+&=9f'
    result = run(
        BadInput("login", "config", config=BASE.set("credentials.password", password, LOGIN)), tmp_path
    )
    result.assert_no_canary([password])
    assert result.statuses()[-1]["status"] == "FAILED"


@pytest.mark.parametrize(
    ("catalog", "stream"),
    [
        (catalog_of("calls_v2"), "calls_v2"),
        (catalog_of("agents", "incremental"), "agents"),
        (catalog_of("calls", "incremental", cursor_field=["id"]), "calls"),
    ],
    ids=["unknown stream", "unsupported sync mode", "wrong cursor field"],
)
def test_given_a_catalog_the_source_cannot_serve_then_a_config_error_naming_the_stream(
    catalog, stream, tmp_path
):
    result = run(BadInput("catalog", stream, command="read", catalog=catalog), tmp_path)
    result.assert_refused(stream, canaries=[TOKEN])
    assert not [m for m in result.messages if m.get("type") == "RECORD"]


def test_run_with_loopback_points_the_placeholder_at_the_counting_server_keeping_the_path(tmp_path):
    config = BASE.merge(base_url="http://127.0.0.1:9/voice")
    result, connections = run_with_loopback(
        EchoSource,
        BadInput("loopback", "calls", config=config),
        tmp_path,
        placeholder_url="http://127.0.0.1:9",
        default_config=BASE.build(),
    )
    used = json.loads((tmp_path / "config.json").read_text())["base_url"]
    assert used.startswith("http://127.0.0.1:") and used.endswith("/voice") and ":9/" not in used
    assert connections == 0 and result.exit_code == 0


def test_given_a_good_catalog_then_records_are_read(tmp_path):
    catalog = catalog_of("calls", "incremental", cursor_field=["started_at"])
    result = run(BadInput("good", "calls", command="read", catalog=catalog), tmp_path)
    assert result.exit_code == 0
    assert [m["record"]["data"]["id"] for m in result.messages if m.get("type") == "RECORD"] == ["1"]


def test_given_a_catalog_selecting_no_stream_then_a_config_error_naming_the_catalog(tmp_path):
    result = run(BadInput("empty", "--catalog", command="read", catalog={"streams": []}), tmp_path)
    result.assert_refused("--catalog", canaries=[TOKEN])
    assert "calls, agents" in result.refusal()


def test_given_a_state_of_a_stream_the_source_does_not_have_then_ignored_with_a_warning(tmp_path):
    catalog = catalog_of("calls", "incremental", cursor_field=["started_at"])
    state = [*state_of("calls_v1", {"started_at": "2024-05-01T00:00:00+00:00"})]
    result = run(BadInput("unknown", "calls", command="read", catalog=catalog, state=state), tmp_path)
    assert result.exit_code == 0
    warnings = [
        m["log"]["message"] for m in result.messages if m.get("type") == "LOG" and m["log"]["level"] == "WARN"
    ]
    assert any("'calls_v1'" in w and "ignored" in w for w in warnings), warnings
    assert [m["record"]["data"]["id"] for m in result.messages if m.get("type") == "RECORD"] == ["1"]


def test_a_config_error_raised_during_read_has_no_traceback(tmp_path):
    class Failing(EchoSource):
        def streams(self, config):
            raise AirbyteTracedException(
                message="'window_days' is wrong.", failure_type=FailureType.config_error
            )

    result = run_connector(
        Failing,
        BadInput("x", "window_days", command="read"),
        tmp_path,
        default_config=BASE.build(),
        default_catalog=catalog_of("calls"),
    )
    result.assert_refused("window_days", canaries=[TOKEN])
    assert "stack_trace" not in result.stdout


# --- dates -----------------------------------------------------------------------------------------

NOW = pendulum.datetime(2024, 5, 10, 12, tz="UTC")


def sync_range(**config):
    return sync_range_from_config(
        {"start_date": "2024-05-01", **config}, default_timezone="Asia/Kolkata", now=NOW
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"start_date": "2024-05-01T00:00:00+25:00"}, "start_date"),
        ({"start_date": "2024-05-01T00:00:00+24:00"}, "start_date"),
        ({"start_date": "2024-05-01T00:00:00-9999"}, "start_date"),
        ({"end_date": "2024-05-02T00:00:00+99:00"}, "end_date"),
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"start_date": "1969-12-31"}, "start_date"),
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"start_date": "2024-02-30"}, "start_date"),
        ({"end_date": "2024-04-30"}, "end_date"),
        ({"end_date": "2024-13-01"}, "end_date"),
    ],
)
def test_a_date_the_pattern_accepts_but_that_cannot_work_is_a_config_error_naming_it(config, field):
    with pytest.raises(AirbyteTracedException) as raised:
        sync_range(**config)
    assert raised.value.failure_type == FailureType.config_error
    assert f"'{field}'" in raised.value.message


@pytest.mark.parametrize("end", ["9999-12-31", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00"])
def test_an_end_date_in_year_9999_means_no_end_and_windows_never_overflow(end):
    rng = sync_range(end_date=end, lookback_window_minutes=44640)
    assert rng.end == LATEST_END
    c = WindowedCursor("calls", "started_at", rng, LagHorizon(pendulum.duration(0)), clock=lambda: NOW)
    c.load({"started_at": "2024-05-09T00:00:00+00:00"})
    assert c.plan(incremental=True)[-1].end == NOW


# --- state -----------------------------------------------------------------------------------------


def cursor():
    rng = sync_range_from_config({"start_date": "2024-05-01T00:00:00Z"}, default_timezone="UTC", now=NOW)
    return WindowedCursor("calls", "started_at", rng, LagHorizon(pendulum.duration(0)), clock=lambda: NOW)


def test_a_state_two_minutes_ahead_is_clock_skew_and_accepted():
    c = cursor()
    c.load({"started_at": NOW.add(minutes=2).isoformat()})
    assert c.value == NOW.add(minutes=2)


def test_a_state_ten_minutes_ahead_is_refused_naming_the_stream():
    with pytest.raises(AirbyteTracedException) as raised:
        cursor().load({"started_at": NOW.add(minutes=10).isoformat()})
    assert "'calls'" in raised.value.message and "future" in raised.value.message


@pytest.mark.parametrize(
    "state",
    [
        ["2024-05-01"],
        "2024-05-01",
        {"started_at": 1715000000},
        {"started_at": ["2024-05-01T00:00:00Z"]},
        {"started_at": "2024-05-01"},
        {"started_at": "2024-05-01T00:00:00+25:00"},
        {"started_at": "9999-12-31T23:59:59+00:00"},
    ],
)
def test_a_malformed_state_is_a_config_error_naming_the_stream(state):
    with pytest.raises(AirbyteTracedException) as raised:
        cursor().load(state)
    assert raised.value.failure_type == FailureType.config_error and "'calls'" in raised.value.message


def test_a_state_of_another_shape_without_a_cursor_is_ignored_with_a_warning(caplog):
    c = cursor()
    with caplog.at_level(logging.WARNING):
        c.load(
            {"states": [{"partition": {"account": "1"}, "cursor": {"started_at": "2024-05-05T00:00:00Z"}}]}
        )
    assert c.value is None and c.plan(incremental=True)[0].start == pendulum.datetime(2024, 5, 1, tz="UTC")
    assert "'calls'" in caplog.text and "ignored" in caplog.text


def test_a_state_before_the_epoch_reads_from_start_date_without_overflow():
    c = cursor()
    c.load({"started_at": "0001-01-01T00:00:00+00:00"})
    assert c.plan(incremental=True)[0].start == pendulum.datetime(2024, 5, 1, tz="UTC")


# --- secrets in debug logs and records -------------------------------------------------------------

RINGCX_ACCOUNT = {
    "accountId": "15210001",
    "accountName": "Support",
    "crmPwd": "canary-crm-3f1a",
    "ftpPwd": "canary-ftp-8b2c",
    "securityKey": "canary-sec-44de",
    "apiToken": "canary-tok-91aa",
    "client_secret": "canary-cs-0d0d",
    "keyCount": 3,
    "settings": {"ftpPassword": "canary-ftp2-7e7e", "passwordPolicy": None},
}
RINGCX_CANARIES = [
    "canary-crm-3f1a",
    "canary-ftp-8b2c",
    "canary-sec-44de",
    "canary-tok-91aa",
    "canary-cs-0d0d",
    "canary-ftp2-7e7e",
]


def test_secret_looking_values_are_masked_in_json_bodies_escaped_or_not_and_forms():
    body = json.dumps([RINGCX_ACCOUNT])
    for text in (body, json.dumps(body), "user=me&password=canary-crm-3f1a&secret_key=canary-sec-44de"):
        masked = mask_secret_values(text)
        assert not [c for c in RINGCX_CANARIES if c in masked]
    assert '"accountName": "Support"' in mask_secret_values(body) and '"keyCount": 3' in mask_secret_values(
        body
    )


def test_secret_looking_values_are_masked_in_python_reprs_as_the_cdk_logs_a_failed_response():
    parsed = {"crmPwd": "canary-crm-3f1a", "nested": {"apiToken": "canary-sec-44de"}, "keyCount": 3}
    quoted = {**parsed, "ftpPwd": "it's canary-ftp-9e0d"}  # a value with an apostrophe: repr uses "..."
    for text in (str(quoted), repr(str(parsed)), repr(f"Response (body): '{parsed}'")):
        masked = mask_secret_values(text)
        assert not [c for c in ("canary-crm-3f1a", "canary-sec-44de", "canary-ftp-9e0d") if c in masked], (
            masked
        )
        assert "keyCount" in masked and ": 3" in masked


def test_a_trace_line_masks_secret_looking_values_of_a_quoted_response_body():
    from cdr_shared.entrypoint import scrub_line

    body = {"resultDesc": {"sessionToken": "canary-trace-token-0b7c"}}
    quoted = f"Response (body): '{body}'"
    error = {"message": repr(RuntimeError(quoted)), "internal_message": quoted}
    trace = json.dumps({"type": "TRACE", "trace": {"type": "ERROR", "error": error}}, separators=(",", ":"))
    assert "canary-trace-token-0b7c" in trace
    assert "canary-trace-token-0b7c" not in scrub_line(trace)
    assert json.loads(scrub_line(trace))["trace"]["error"]["internal_message"].startswith("Response (body)")
    record = '{"type":"RECORD","record":{"data":{"token":"kept-as-sent"}}}'
    assert scrub_line(record) == record
    # The trace `launch` prints for an error that ends the run is masked the same way.
    from cdr_shared.entrypoint import trace_line

    ended = AirbyteTracedException(message=repr(RuntimeError(quoted)), failure_type=FailureType.config_error)
    assert "canary-trace-token-0b7c" not in trace_line(ended)


def test_a_debug_response_log_line_of_the_cdk_masks_secret_looking_values():
    record = logging.LogRecord("airbyte", logging.DEBUG, __file__, 1, "Receiving response", None, None)
    record.body = json.dumps({"accounts": [RINGCX_ACCOUNT]})
    record.headers = {"Authorization": "Bearer canary-tok-91aa", "Content-Type": "application/json"}
    SecretValueFilter().filter(record)
    line = AirbyteLogFormatter().format(record)
    assert not [c for c in RINGCX_CANARIES if c in line] and "Support" in line


def test_debug_masking_is_installed_by_launch_on_the_console(tmp_path):
    class Chatty(EchoSource):
        def check_connection(self, logger, config):
            logger.debug("Receiving response", extra={"body": json.dumps(RINGCX_ACCOUNT)})
            return True, None

    out, err, code = run_command(
        lambda args: __import__("cdr_shared.entrypoint", fromlist=["launch"]).launch(Chatty(), args),
        ["check", "--debug", "--config", str(_config_file(tmp_path))],
    )
    assert code == 0 and "Receiving response" in out
    assert not [c for c in RINGCX_CANARIES if c in out + err]


def _config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(BASE.build()))
    return path


def test_records_lose_secret_looking_string_keys_at_any_depth():
    cleaned = drop_secret_keys({"accounts": [RINGCX_ACCOUNT]})
    account = cleaned["accounts"][0]
    assert set(account) == {"accountId", "accountName", "keyCount", "settings"}
    assert account["settings"] == {"passwordPolicy": None}


# --- the shared error helper scrubs by itself ------------------------------------------------------


def test_provider_error_bodies_are_scrubbed_of_registered_secrets_by_the_helper_itself():
    import requests

    update_secrets([])
    register_secret("canary-runtime-tok/3c")
    response = requests.Response()
    response.status_code = 400
    response._content = json.dumps(
        {"message": "token canary-runtime-tok/3c (canary-runtime-tok%2F3c) is bad"}
    ).encode()
    resolution = ProviderErrorHandler("Acme", "Check the token.").interpret_response(response)
    assert "canary-runtime-tok" not in resolution.error_message and "is bad" in resolution.error_message
    assert "canary-runtime-tok" not in provider_message(response)


# --- check under persistent faults -----------------------------------------------------------------


def test_check_budget_caps_retries_time_and_every_wait():
    import requests

    handler = bounded_for_check(ProviderErrorHandler("Acme", "hint", max_retries=8, max_time=1800))
    assert handler.max_retries == 2 and handler.max_time <= 30
    response = requests.Response()
    response.status_code = 503
    response.headers["Retry-After"] = "3600"
    response._content = b"<html>Service Unavailable</html>"
    backoff = check_backoff()
    waits = [backoff.backoff_time(response, attempt) for attempt in range(1, handler.max_retries + 1)]
    assert all(wait <= CHECK_MAX_WAIT_SECONDS for wait in waits) and sum(waits) < 60
    assert "Service Unavailable" in handler.interpret_response(response).error_message


def test_inside_the_check_budget_every_shared_handler_and_backoff_is_bounded():
    import requests

    from cdr_shared.http_errors import RetryAfterBackoff, check_budget

    handler = ProviderErrorHandler("Acme", "hint", max_retries=8, max_time=1800)
    backoff = RetryAfterBackoff(base=2.0, cap=60.0)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "600"
    with check_budget():
        assert handler.max_retries == 2 and handler.max_time == 30
        assert backoff.backoff_time(response, 1) == CHECK_MAX_WAIT_SECONDS
        assert backoff.backoff_time(None, 6) == CHECK_MAX_WAIT_SECONDS
    assert handler.max_retries == 8 and backoff.backoff_time(response, 1) == 600


def test_check_through_the_entry_point_runs_inside_the_budget(tmp_path):
    from cdr_shared.http_errors import in_check

    seen = []

    class Probe(EchoSource):
        def check_connection(self, logger, config):
            seen.append(in_check())
            return True, None

    run_connector(Probe, BadInput("ok", "x"), tmp_path, default_config=BASE.build())
    assert seen == [True] and not in_check()


def test_log_records_about_given_up_retries_or_config_errors_carry_no_traceback():
    import requests
    from airbyte_cdk.sources.streams.http.exceptions import DefaultBackoffException

    from cdr_shared.entrypoint import ConfigErrorTracebackFilter

    response = requests.Response()
    response.status_code = 502
    for error in (
        DefaultBackoffException(
            request=requests.Request("GET", "http://127.0.0.1/").prepare(),
            response=response,
            error_message="Acme answered HTTP 502",
        ),
        AirbyteTracedException(message="'start_date' is wrong.", failure_type=FailureType.config_error),
    ):
        try:
            raise error
        except Exception:
            import sys

            record = logging.LogRecord(
                "airbyte", logging.ERROR, __file__, 1, "Retries exhausted.", None, sys.exc_info()
            )
        ConfigErrorTracebackFilter().filter(record)
        assert "Traceback" not in AirbyteLogFormatter().format(record)
