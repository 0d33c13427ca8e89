import json

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.dates import parse_utc_instant
from cdr_shared.testing.output import assert_failed, everything_printed, stream_schema
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, OTHER_ACCOUNT

ACCOUNT_RECORD = {
    "accountId": ACCOUNT,
    "accountName": "Support",
    "mainAccountId": "15300000",
    "enableCloudRouting": True,
    "crmUid": "crm-sync",
    "crmPwd": "crm-password-canary",
    "ftpPwd": "ftp-password-canary",
    "securityKey": "security-key-canary",
    "phoneRecordingPin": 4242,
    "somethingNew": {"kept": True},
}
USERS = [
    {
        "userId": 1111,
        "userName": "john.wang@example.com",
        "firstName": "John",
        "enabled": True,
        "roles": [{"roleType": "SUPER_USER", "description": "Super user"}],
        "children": [{"userId": 1112, "userName": "sup@example.com", "children": []}],
    }
]


DATE_TIMES = jsonschema.FormatChecker([])
DATE_TIMES.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(parse_utc_instant(value))
)


def schema(name):
    return stream_schema("source_casper", name)


def test_accounts_keep_every_field_but_the_credentials_for_other_systems():
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer([ACCOUNT_RECORD]))
        output = ringcx.run(ringcx.config(), "accounts")
    record = output.records[0].record.data
    assert record["somethingNew"] == {"kept": True} and record["crmUid"] == "crm-sync"
    assert not {"crmPwd", "ftpPwd", "securityKey", "phoneRecordingPin"} & set(record)
    assert "canary" not in everything_printed(output)
    jsonschema.validate(record, schema("accounts"))


def test_users_are_asked_flat_and_a_nested_answer_still_gives_one_record_per_user():
    # users_request() carries flatten=true: HttpMocker matches only that request.
    with HttpMocker() as http:
        http.get(ringcx.users_request(), ringcx.json_answer(USERS))
        output = ringcx.run(ringcx.config(), "users")
    assert [m.record.data["userId"] for m in output.records] == [1111, 1112]
    assert "children" not in output.records[0].record.data
    for message in output.records:
        jsonschema.validate(message.record.data, schema("users"))


def test_a_flat_answer_is_emitted_as_listed():
    flat = [{**USERS[0], "children": []}, {"userId": 1112, "userName": "sup@example.com", "children": []}]
    with HttpMocker() as http:
        http.get(ringcx.users_request(), ringcx.json_answer(flat))
        output = ringcx.run(ringcx.config(), "users")
    assert [m.record.data for m in output.records] == flat


def test_given_no_manage_users_permission_then_users_is_skipped_with_a_warning_and_the_sync_goes_on():
    denied = {
        "errorCode": "access.denied.exception",
        "generalMessage": "You do not have permission to access this resource",
        "timestamp": 1611847650696,
    }
    with HttpMocker() as http:
        http.get(ringcx.users_request(), ringcx.json_answer(denied, 403))
        http.get(ringcx.accounts_request(), ringcx.json_answer([ACCOUNT_RECORD]))
        output = ringcx.run(ringcx.config(), "users", "accounts")
    assert [m.record.stream for m in output.records] == ["accounts"]
    assert output.errors == []
    warnings = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
    assert any("MANAGE_USERS" in message and "skipped" in message for message in warnings)


def test_given_no_manage_users_permission_and_no_user_id_then_profiles_ask_for_user_id():
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(ringcx.users_request(), ringcx.json_answer({"errorCode": "access.denied.exception"}, 403))
        output = ringcx.run(ringcx.config(), "cloud_profiles", expect_failure=True)
    assert_failed(output, FailureType.config_error, "'user_id'")


def test_cloud_profiles_give_one_record_per_profile_and_account_including_the_null_group():
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(ringcx.users_request(), ringcx.json_answer(USERS))
        http.get(ringcx.input_controls_request(ACCOUNT), ringcx.json_answer(ringcx.profile_groups(1000)))
        http.get(
            ringcx.input_controls_request(OTHER_ACCOUNT), ringcx.json_answer(ringcx.profile_groups(2000))
        )
        cfg = ringcx.config()
        del cfg["account_ids"]
        output = ringcx.run(cfg, "cloud_profiles")
    records = [m.record.data for m in output.records]
    # The CDK leaves null fields out of record messages, hence `.get`.
    assert [(r["account_id"], r["object_id"], r.get("group_id")) for r in records] == [
        (ACCOUNT, 1111, 111),
        (ACCOUNT, 1222, None),
        (OTHER_ACCOUNT, 2111, 211),
        (OTHER_ACCOUNT, 2222, None),
    ]
    assert records[0] == {
        "account_id": ACCOUNT,
        "object_id": 1111,
        "object_name": "DTE",
        "group_id": 111,
        "group_name": "Inbound",
        "product": "CLOUD_PROFILE",
    }
    assert records[1]["object_name"] == "IT TFN" and "group_name" not in records[1]
    for record in records:
        jsonschema.validate(record, schema("cloud_profiles"))


def test_cloud_destinations_ask_input_controls_for_destinations_with_the_configured_user():
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(
            ringcx.input_controls_request(ACCOUNT, "CLOUD_DESTINATION", user="42"),
            ringcx.json_answer(
                {"CLOUD_DESTINATION": [{"groupId": None, "children": [{"objId": 1500, "objName": "Agents"}]}]}
            ),
        )
        output = ringcx.run(ringcx.config(user_id="42"), "cloud_destinations")
    assert [(m.record.data["object_id"], m.record.data["product"]) for m in output.records] == [
        (1500, "CLOUD_DESTINATION")
    ]


def test_an_input_controls_answer_of_unknown_shape_fails_the_stream_showing_the_shape():
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(ringcx.users_request(), ringcx.json_answer(USERS))
        http.get(
            ringcx.input_controls_request(ACCOUNT),
            ringcx.json_answer({"result": {"items": [{"id": 1, "label": "DTE"}]}}),
        )
        output = ringcx.run(ringcx.config(), "cloud_profiles", expect_failure=True)
    assert_failed(output, FailureType.system_error, '{"result":{"items":[{"id":"int","label":"str"}]}}')


def test_secret_looking_keys_are_dropped_from_accounts_and_users_at_any_depth():
    account = {**ACCOUNT_RECORD, "crmSettings": {"apiKey": "api-key-canary", "host": "crm.example"}}
    users = [
        {
            "userId": 1111,
            "userName": "john.wang@example.com",
            "password": "user-password-canary",
            "ssoToken": "sso-token-canary",
            "keyCount": 3,  # a secret-looking name, but a number: kept
            "integrations": [{"clientSecret": "client-secret-canary", "name": "CRM"}],
            "children": [{"userId": 1112, "agentPassword": "agent-password-canary", "children": []}],
        }
    ]
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer([account]))
        http.get(ringcx.users_request(), ringcx.json_answer(users))
        output = ringcx.run(ringcx.config(), "accounts", "users")
    records = [m.record.data for m in output.records]
    assert records[0]["crmSettings"] == {"host": "crm.example"}
    assert records[1]["keyCount"] == 3 and records[1]["integrations"] == [{"name": "CRM"}]
    assert [r.get("userId") for r in records[1:]] == [1111, 1112]
    assert "canary" not in json.dumps(records)


# RingCX writes dates as its API examples do (ISO 8601, `+0000`); its models type them as a Joda DateTime,
# which a server can also write as epoch milliseconds or as the bean with `millis`.
@pytest.mark.parametrize(
    "sent",
    ["2020-04-18T01:49:32.000+0000", 1587174572000, "1587174572000", {"millis": 1587174572000}],
    ids=["iso", "millis", "millis-text", "bean"],
)
def test_account_and_user_dates_become_utc_iso_whatever_shape_ringcx_sends(sent):
    accounts = [{**ACCOUNT_RECORD, "startDate": sent, "endDate": None}]
    users = [{"userId": 1111, "creationDate": sent, "children": []}]
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer(accounts))
        http.get(ringcx.users_request(), ringcx.json_answer(users))
        output = ringcx.run(ringcx.config(), "accounts", "users")
    account, user = (message.record.data for message in output.records)
    assert account["startDate"] == user["creationDate"] == "2020-04-18T01:49:32+00:00"
    assert "endDate" not in account and "startDate_raw" not in account
    jsonschema.validate(account, schema("accounts"), format_checker=DATE_TIMES)
    jsonschema.validate(user, schema("users"), format_checker=DATE_TIMES)


def test_a_date_that_is_not_one_is_kept_as_sent_beside_a_null_date():
    accounts = [{**ACCOUNT_RECORD, "startDate": "next spring", "endDate": {"weekday": 3}}]
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer(accounts))
        output = ringcx.run(ringcx.config(), "accounts")
    record = output.records[0].record.data
    assert "startDate" not in record and record["startDate_raw"] == "next spring"
    assert "endDate" not in record and record["endDate_raw"] == '{"weekday": 3}'
    jsonschema.validate(record, schema("accounts"))
