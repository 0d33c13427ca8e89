"""`check` under a provider that keeps failing: at most three attempts, short request timeouts, and a
FAILED status that quotes what CC-CMS answered (through the shared entry point, as Airbyte runs it)."""

from __future__ import annotations

import json

import pytest
import requests
from freezegun import freeze_time

from cdr_shared.entrypoint import launch
from cdr_shared.http_errors import CHECK_MAX_RETRIES, CHECK_MAX_WAIT_SECONDS
from cdr_shared.testing.bad_inputs import run_command
from source_huawei_cms import SourceHuaweiCms, streams
from unit_tests.conftest import NOW, SECRET_KEY, config


def answer(request, status, body, headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers or {})
    response.request, response.url = request, request.url
    return response


def failing_cms(fault):
    """A CC-CMS that answers every request with `fault`; records each attempt's timeout."""
    timeouts: list[float] = []

    def send(adapter, request, *args, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        if fault == "timeout":
            raise requests.exceptions.ReadTimeout("read timed out", request=request)  # as the adapter does
        if fault == "html200":
            return answer(
                request, 200, "<html><title>Single sign-on</title></html>", {"Content-Type": "text/html"}
            )
        if fault == "429":
            return answer(request, 429, json.dumps({"message": "Too Many Requests"}), {"Retry-After": "3600"})
        if fault == "0100999":
            return answer(
                request, 200, json.dumps({"resultCode": "0100999", "resultDesc": "Unknown exception."})
            )
        return answer(request, 503, "Service Unavailable")

    return send, timeouts


@pytest.mark.parametrize(
    ("fault", "quoted"),
    [
        ("503", "CC-CMS answered HTTP 503 ('Service Unavailable')."),
        ("html200", "with HTTP 200 and '<html><title>Single sign-on</title></html>', not JSON."),
        ("429", "CC-CMS kept answering HTTP 429: 'Too Many Requests' (its rate limit)."),
        ("timeout", "CC-CMS could not be reached or dropped the connection (ReadTimeout)."),
        ("0100999", "resultCode 0100999 (unknown exception: Unknown exception.)."),
    ],
)
@freeze_time(NOW, tick=True)
def test_given_a_persistent_fault_then_check_fails_after_three_short_attempts_quoting_the_answer(
    fault, quoted, tmp_path, monkeypatch, sleeps
):
    send, timeouts = failing_cms(fault)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config()))
    stdout, stderr, code = run_command(
        lambda args: launch(SourceHuaweiCms(), args), ["check", "--config", str(path)]
    )
    statuses = [
        json.loads(line)["connectionStatus"] for line in stdout.splitlines() if "CONNECTION_STATUS" in line
    ]
    assert code == 0 and len(statuses) == 1, stdout[-2000:]
    assert statuses[0]["status"] == "FAILED"
    message = statuses[0]["message"]
    assert message.startswith("CC-CMS gave no usable answer to the check request in 3 attempts"), message
    assert message.endswith(quoted), message
    assert len(timeouts) == CHECK_MAX_RETRIES + 1
    assert set(timeouts) == {streams.CHECK_REQUEST_TIMEOUT_SECONDS}
    # Every wait between attempts is bounded (a Retry-After of an hour included; the CDK adds a second).
    assert sleeps and max(sleeps) <= CHECK_MAX_WAIT_SECONDS + 1
    assert "Traceback" not in stdout + stderr and SECRET_KEY not in stdout + stderr


def test_a_sync_keeps_the_long_request_timeout():
    from source_huawei_cms.config import parse_config

    with freeze_time(NOW):
        calls = streams.Calls(parse_config(config()))
    assert (
        calls.request_kwargs()["timeout"]
        == streams.REQUEST_TIMEOUT_SECONDS
        > streams.CHECK_REQUEST_TIMEOUT_SECONDS
    )
