"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`).

Inputs that only look wrong (a secret key pasted with a newline, a year-9999 end, a PEM with Windows line
ends) must work: they are run against a stand-in CC-CMS that verifies the auth-v2 signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import requests
import requests.certs
from freezegun import freeze_time

from cdr_shared.entrypoint import launch
from cdr_shared.huawei_sign import canonical_request, percent_encode
from cdr_shared.secrets import secret_forms
from cdr_shared.testing import bad_inputs
from cdr_shared.testing.bad_input_suite import BadInputSuite
from cdr_shared.testing.bad_inputs import ABSENT, MISSING, BadInput, bad_values, catalog_of, state_of
from cdr_shared.testing.config_builder import ConfigBuilder
from source_huawei_cms import SourceHuaweiCms

SECRET = "canary-huawei-sk-6a03f2"
ACCESS_KEY = "ak-bad-inputs-19e4"
NOW = "2024-05-10T12:00:00Z"
BASE_URL = "https://10.20.30.40:28443"
CALLS, DETAILS = "call_list", "call_details"
# CC-CMS holds calls since 00:00 yesterday (2024-05-09 UTC at NOW).
BASE = ConfigBuilder(
    {
        "credentials": {"auth_type": "ak_sk", "access_key": ACCESS_KEY, "secret_key": SECRET},
        "base_url": BASE_URL,
        "cc_id": 7,
        "vdn": 21,
        "start_date": "2024-05-10T08:00:00Z",
    }
)
# The 0.2 shape (the key pair at the top level): migrated, then refused naming the field where it now lives.
OLD = ConfigBuilder({**BASE.drop("credentials"), "access_key": ACCESS_KEY, "secret_key": SECRET})
# A start after the settled horizon (now - 10 min): a read plans no window and makes no request.
QUIET = BASE.merge(start_date="2024-05-10T11:55:00Z")


def _public_root_pem() -> str:
    """A real CA certificate (the first of the public roots `requests` trusts)."""
    with open(requests.certs.where(), encoding="ascii") as roots:
        text = roots.read()
    end = "-----END CERTIFICATE-----"
    start = text.index("-----BEGIN CERTIFICATE-----")
    return text[start : text.index(end, start) + len(end)]


PEM = _public_root_pem()
PEM_BODY = PEM.splitlines()[1:-1]
BEGIN, END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
AK, SK = "credentials.access_key", "credentials.secret_key"

CONFIGS = [
    # --- credentials: the oneOf, its one branch, and the same mistakes in a 0.2 config
    *bad_values(BASE, "credentials", ABSENT, SECRET, None),
    *bad_values(BASE, "credentials.auth_type", ABSENT, "aksk", 1),
    *bad_values(BASE, AK, ABSENT, "", "   ", 12345, "ak/1", "ak-1\nX-Injected: 1", "ak 1", "ak-schlüssel"),
    *bad_values(
        BASE, SK, ABSENT, "", " \n\t ", " ", 987654321, {"value": SECRET}, "canary-huawei\nsk-6a03f2"
    ),
    *bad_values(OLD, "access_key", ABSENT, "", "ak/1", names=AK),
    *bad_values(OLD, "secret_key", ABSENT, 987654321, names=SK),
    # --- required fields missing or empty, wrong types, out of range
    *bad_values(BASE, "base_url", ABSENT, "", 443),
    *bad_values(BASE, "start_date", ABSENT, "", 20240510),
    *bad_values(BASE, "cc_id", ABSENT, "7", 7.5, True, None, 0, 65536),
    *bad_values(BASE, "vdn", ABSENT, "21", [21], 0, 5001, -1),
    *bad_values(BASE, "ca_certificate", 1),
    *bad_values(BASE, "timezone", 8),
    *bad_values(BASE, "end_date", ["2024-05-10"]),
    *bad_values(BASE, "lookback_window_minutes", "60", -1, 44641),
    *bad_values(BASE, "window_minutes", 1.5, 0, 2881),
    *bad_values(BASE, "include_call_details", "yes"),
    *bad_values(BASE, "signed_host", 1, "port"),
    # --- base_url
    *bad_values(
        BASE,
        "base_url",
        "http://10.20.30.40:28080",
        "10.20.30.40:28443",
        "ftp://10.20.30.40",
        "https://",
        "https://10.20.30.40:28443/?tenant=1",
        f"https://{ACCESS_KEY}:{SECRET}@10.20.30.40:28443",
        "https://10.20.30.40:port",
        "https://10.20.30.40:99999",
        "https://10.20.30.40:0",
    ),
    # --- ca_certificate
    *bad_values(
        BASE,
        "ca_certificate",
        "my company CA",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg==\n-----END PRIVATE KEY-----",
        f"{BEGIN}\nnot base64 at all!\n{END}",
        "\n".join([BEGIN, *PEM_BODY[: len(PEM_BODY) // 2]]),  # cut off
        "\n".join([BEGIN, *PEM_BODY[2:], END]),  # body damaged
        PEM.replace("\n", "\\n"),  # escaped newlines
        PEM.replace(PEM_BODY[3], "Zertifizierungsstelle Ä"),
        BEGIN,
    ),
    # --- dates and zone
    *bad_values(BASE, "timezone", "Asia/Beijing", "+08:00"),
    *bad_values(
        BASE,
        "start_date",
        "yesterday",
        "2024-02-30",
        "2024-13-01",
        "2024-05-10T25:00:00Z",
        "0000-01-01",
        "1969-12-31",
        "9999-12-31",
        "2024-05-10T12:30:00Z",
        "2024-05-10T08:00:00+25:00",
        "2024-05-10T08:00:00-2400",
    ),
    *bad_values(
        BASE,
        "end_date",
        "2024-05-10T10:00:00+99:99",
        "tomorrow",
        "2024-04-31",
        "2024-05-10T07:00:00Z",
        "2024-05-10T16:00:00+08:00",
    ),
    *bad_values(BASE, "end_date", "2024-05-09", base=BASE.merge(start_date="2024-05-10")),
    # --- the files
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text='["base_url"]'),
    BadInput("config a string", "--config", config_text='"https://10.20.30.40"'),
    BadInput("config empty file", "--config", config_text=""),
    BadInput("config missing", "--config", config_text=MISSING),
    # --- other commands
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    *bad_values(BASE, SK, ABSENT, command="discover"),
    *bad_values(OLD, "secret_key", ABSENT, names=SK, command="discover"),
    *bad_values(BASE, "ca_certificate", "x", command="discover"),
    *bad_values(BASE, "end_date", "2024-05-01", command="read"),
    *bad_values(BASE, "timezone", "Mars/Olympus", command="read"),
    *bad_values(BASE, "cc_id", "seven", command="read"),
    *bad_values(OLD, "access_key", "ak/1", names=AK, command="read"),
]


def _read(case: str, names: str, stream: str = CALLS, config: dict | None = None, **kwargs) -> BadInput:
    catalog = kwargs.pop("catalog", catalog_of(stream))
    return BadInput(case, names, command="read", config=config or QUIET, catalog=catalog, **kwargs)


STATES = [
    *(
        bad
        for stream in (CALLS, DETAILS)
        for bad in (
            _read(
                f"{stream}: cursor not a date", stream, stream, state=state_of(stream, {"begin_at": "soon"})
            ),
            _read(
                f"{stream}: cursor a number", stream, stream, state=state_of(stream, {"begin_at": 1715000000})
            ),
            _read(
                f"{stream}: cursor an object", stream, stream, state=state_of(stream, {"begin_at": {"ms": 1}})
            ),
            _read(
                f"{stream}: cursor 10 min ahead",
                stream,
                stream,
                state=state_of(stream, {"begin_at": "2024-05-10T12:10:00+00:00"}),
            ),
            _read(
                f"{stream}: cursor year 9999",
                stream,
                stream,
                state=state_of(stream, {"begin_at": "9999-12-31T00:00:00+00:00"}),
            ),
            _read(
                f"{stream}: cursor offset beyond 24 h",
                stream,
                stream,
                state=state_of(stream, {"begin_at": "2024-05-10T08:00:00+25:00"}),
            ),
            _read(
                f"{stream}: state a list", stream, stream, state=state_of(stream, ["2024-05-10T08:00:00Z"])
            ),
            _read(
                f"{stream}: state a string", stream, stream, state=state_of(stream, "2024-05-10T08:00:00Z")
            ),
        )
    ),
    _read(
        "both streams, the second one bad",
        DETAILS,
        catalog={"streams": [*catalog_of(CALLS)["streams"], *catalog_of(DETAILS)["streams"]]},
        state=[
            *state_of(CALLS, {"begin_at": "2024-05-10T09:00:00+00:00"}),
            *state_of(DETAILS, {"begin_at": "later"}),
        ],
    ),
    _read("state not JSON", "--state", state_text="[{"),
    _read(
        "state a legacy object", "--state", state_text='{"call_list": {"begin_at": "2024-05-10T08:00:00Z"}}'
    ),
    _read("state a number", "--state", state_text="42"),
    _read("state missing", "--state", state_text=MISSING),
    _read("state message without stream", "--state", state_text='[{"type": "STREAM"}]'),
    _read(
        "state message of an unknown type",
        "--state",
        state_text='[{"type": "SOMETIMES", "stream": {"stream_descriptor": {"name": "call_list"}}}]',
    ),
]

CATALOGS = [
    _read("unknown stream", "agent_status", catalog=catalog_of("agent_status")),
    _read(
        "call_details while include_call_details is off",
        DETAILS,
        catalog=catalog_of(DETAILS),
        config={**QUIET, "include_call_details": False},
    ),
    _read("calls on a wrong cursor", CALLS, catalog=catalog_of(CALLS, cursor_field=["callId"])),
    _read("call_details on a wrong cursor", DETAILS, catalog=catalog_of(DETAILS, cursor_field=["end_time"])),
    _read("unknown sync mode", "--catalog", catalog=catalog_of(CALLS, sync_mode="sometimes")),
    _read("no stream selected", "--catalog", catalog={"streams": []}),
    *bad_inputs.UNREADABLE_CATALOGS,
]


class TestBadInputs(BadInputSuite):
    source = SourceHuaweiCms
    now = NOW
    canaries = (SECRET,)
    default_config = QUIET  # base_url is a private-range address: requests are blocked, never sent
    default_catalog = catalog_of(CALLS)
    configs, states, catalogs = CONFIGS, STATES, CATALOGS


# ------------------------------------------------------------------ states that lose nothing: ignored


@pytest.mark.parametrize(
    "stream_state",
    [
        {
            "states": [
                {"partition": {"direction": "inbound"}, "cursor": {"begin_at": "2024-05-10T09:00:00+00:00"}}
            ]
        },
        {"direction": "inbound", "begin_at_ms": 1715331600000},
        {"start_time": "2024-05-10T09:00:00+00:00"},
    ],
    ids=["per-partition", "old keys", "another cursor name"],
)
@pytest.mark.parametrize("stream", [CALLS, DETAILS])
@freeze_time(NOW)
def test_given_state_of_another_shape_then_ignored_with_a_warning_naming_the_stream(
    stream, stream_state, tmp_path
):
    case = _read("another shape", stream, stream, state=state_of(stream, stream_state))
    run = bad_inputs.run_connector(SourceHuaweiCms, case, tmp_path, default_config=QUIET)
    assert run.exit_code == 0, run.stdout[-2000:]
    run.assert_no_traceback()
    warnings = [
        m["log"]["message"] for m in run.messages if m.get("type") == "LOG" and m["log"]["level"] == "WARN"
    ]
    assert any(f"'{stream}'" in w and "read from 'start_date'" in w for w in warnings), warnings


@freeze_time(NOW)
def test_given_state_of_a_stream_this_source_does_not_have_then_ignored_with_a_warning(tmp_path):
    case = _read(
        "unknown stream in state",
        CALLS,
        state=[*state_of("agent_status", {"begin_at": "2024-05-10T09:00:00+00:00"})],
    )
    run = bad_inputs.run_connector(SourceHuaweiCms, case, tmp_path, default_config=QUIET)
    assert run.exit_code == 0, run.stdout[-2000:]
    run.assert_no_traceback()
    warnings = [
        m["log"]["message"] for m in run.messages if m.get("type") == "LOG" and m["log"]["level"] == "WARN"
    ]
    assert any("'agent_status'" in w for w in warnings), warnings


@pytest.mark.parametrize(("ahead", "accepted"), [("12:02:00", True), ("12:10:00", False)])
@pytest.mark.parametrize("stream", [CALLS, DETAILS])
@freeze_time(NOW)
def test_future_state_tolerance_at_its_edge(stream, ahead, accepted, tmp_path):
    case = _read("ahead", stream, stream, state=state_of(stream, {"begin_at": f"2024-05-10T{ahead}+00:00"}))
    run = bad_inputs.run_connector(SourceHuaweiCms, case, tmp_path, default_config=QUIET)
    if accepted:
        assert run.exit_code == 0 and not run.errors(), run.stdout[-2000:]
    else:
        run.assert_refused(stream, canaries=[SECRET])
        assert "future" in run.refusal()


# ------------------------------------------------------------------ inputs that look wrong but work


@contextmanager
def signature_checking_cms(secret: str) -> Iterator[list[str]]:
    """`requests` answered by a stand-in CC-CMS that checks each auth-v2 signature against `secret`.

    A request signed with `secret` gets an empty call page, any other gets HTTP 401. Yields the
    outcome of every request ("signed" or "refused").
    """
    outcomes: list[str] = []

    def send(adapter, request, *args, **kwargs):
        prefix, _, sent = request.headers["Authorization"].rpartition("/")
        parts = urlsplit(request.url)
        canonical = canonical_request(
            request.method, parts.path, [], {"host": request.headers["Host"]}, request.body or b""
        )
        key = hmac.new(secret.encode(), prefix.encode(), hashlib.sha256).hexdigest()
        expected = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, sent)
        outcomes.append("signed" if ok else "refused")
        answer = requests.Response()
        answer.status_code = 200 if ok else 401
        body = {"resultCode": "0100000", "resultDesc": {"data": [], "count": 0}} if ok else {"message": "no"}
        answer._content = json.dumps(body).encode()
        answer.headers["Content-Type"] = "application/json"
        answer.request, answer.url = request, request.url
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.adapters.HTTPAdapter, "send", send)
        yield outcomes


WORKS = [
    ("secret with a trailing newline", SK, SECRET + "\n"),
    ("secret with spaces around", SK, f"  {SECRET}  "),
    ("secret with a tab and CRLF", SK, f"\t{SECRET}\r\n"),
    ("access key with spaces around", AK, f" {ACCESS_KEY} "),
    ("base_url with a trailing slash", "base_url", BASE_URL + "/"),
    ("end year 9999", "end_date", "9999-12-31"),
    ("offset +23:59", "start_date", "2024-05-10T08:00:00+23:59"),
    ("empty timezone means UTC", "timezone", ""),
    ("PEM with Windows line ends", "ca_certificate", PEM.replace("\n", "\r\n")),
    ("PEM with blank lines around", "ca_certificate", f"\n\n  {PEM}\n\n"),
    ("PEM with a non-ASCII heading", "ca_certificate", f"subject=CN=Zertifizierungsstelle Ä\n{PEM}\n"),
    ("start long before retention", "start_date", "2020-01-01"),
    ("signed_host with_port", "signed_host", "with_port"),
]


def check_signed(config: dict, tmp_path) -> tuple[str, str, int, list[str]]:
    """`check` on `config` through the shared entry point, against the signature-checking stand-in."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with signature_checking_cms(SECRET) as outcomes:
        stdout, stderr, code = bad_inputs.run_command(
            lambda args: launch(SourceHuaweiCms(), args), ["check", "--config", str(path)]
        )
    return stdout, stderr, code, outcomes


@pytest.mark.parametrize(("case", "path", "value"), WORKS, ids=[case for case, _, _ in WORKS])
@freeze_time(NOW, tick=True)
def test_given_input_that_only_looks_wrong_then_check_succeeds_with_a_valid_signature(
    case, path, value, tmp_path
):
    stdout, stderr, code, outcomes = check_signed(BASE.set(path, value), tmp_path)
    statuses = [
        json.loads(line)["connectionStatus"] for line in stdout.splitlines() if "CONNECTION_STATUS" in line
    ]
    assert statuses == [{"status": "SUCCEEDED"}], stdout[-2000:]
    assert outcomes == ["signed"]
    assert code == 0
    for form in secret_forms(value if path == SK else SECRET):
        assert form not in stdout + stderr


def test_the_stand_in_refuses_a_signature_made_with_another_secret(tmp_path):
    # The stand-in above must be able to fail: a key that is not the trimmed one is refused.
    with freeze_time(NOW, tick=True):
        stdout, _, _, outcomes = check_signed(BASE.set(SK, SECRET + "x"), tmp_path)
    assert outcomes == ["refused"]
    assert '"FAILED"' in stdout and "signature rejected" in stdout
    assert percent_encode(SECRET) not in stdout
