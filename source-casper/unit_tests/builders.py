"""RingCX requests, answers and configs as the RingCX API documents them, for the unit tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.http_mock import answer
from cdr_shared.testing.output import StreamReader, record_values
from cdr_shared.testing.state_builder import StreamCursor
from source_casper import SourceCasper

BASE = "https://ringcx.ringcentral.com/voice"
API = f"{BASE}/api/v1/admin"
PLATFORM = "https://platform.ringcentral.com"
API_TOKEN = "aws80:canary-permanent-token-5b1e"
CLIENT_SECRET = "canary-client-secret-77c2"
JWT = "canary-jwt-credential-0d9a"
NOW = "2024-05-10T12:00:00Z"
ACCOUNT = "15300001"
OTHER_ACCOUNT = "15300002"
REPORT = "call_detail_report"
CURSOR = StreamCursor(REPORT, "enqueue_at")

# The example report of the vendor's Call Detail Report page, verbatim (the docs pad `COMPLETE` to a 20-character column).
SEED_HEADER = (
    "cloud_profile_id,profile_name,uii,ani,dnis,outbound_externid,media_isci,media_network,media_market,media_code,"
    "media_format,media_version,media_length,enqueue_time,dequeue_time,queue_time,call_state,is_cellular,"
    "dequeue_attempts,call_result,inbound_duration,recording_url,connected_id,connected_name,connected_route,"
    "connected_duration,attempt_1_id,attempt_1_name,attempt_1_route,attempt_1_disp,attempt_2_id,attempt_2_name,"
    "attempt_2_route,attempt_2_disp"
)
SEED_ROWS = (
    "1111,DTE,'202004250912250132110000003150,2312866364,8889918278,,,,,,,,0,4/20/20 6:12 AM,4/20/20 6:12 AM,5,"
    "COMPLETE            ,No,2,CONNECTED,24,,4546,DTE,5854987200,19,4546,DTE,5854987282,ANSWER(5),,,,",
    "2222,IT TFN,'202004251035200132150000009531,6317967722,8774489485,,,,,,,,0,4/20/20 7:35 AM,4/20/20 7:35 AM,5,"
    "COMPLETE            ,No,2,CONNECTED,53,,4467,IT TFN,5127776541,48,4467,IT TFN,5127776551,ANSWER(4),,,,",
    "3333,DTE,'202004251101260132100000073341,2482069215,8889918238,,,,,,,,0,4/20/20 8:01 AM,4/20/20 8:01 AM,5,"
    "COMPLETE            ,No,2,CONNECTED,301,,4546,DTE,5854987200,296,4546,DTE,5854987234,ANSWER(4),,,,",
)


class RingCxConfig(ConfigBuilder):
    """A valid RingCX config: a permanent API token, one account, one-day windows in US/Arizona."""

    DEFAULTS = {
        "credentials": {"auth_type": "api_token", "api_token": API_TOKEN},
        "start_date": "2024-05-09",
        "timezone": "US/Arizona",
        "lookback_window_minutes": 60,
        "window_days": 1,
        "account_ids": [ACCOUNT],
    }

    def with_jwt_login(self, **overrides: Any) -> RingCxConfig:
        """RingCentral JWT credentials (see `jwt_credentials`) instead of the API token."""
        return self.with_field("credentials", jwt_credentials(**overrides))


config = RingCxConfig()
"""The valid config: `config(end_date=...)` is it with top-level fields replaced."""


def jwt_credentials(**overrides: Any) -> dict[str, Any]:
    return {
        "auth_type": "ringcentral_jwt",
        "client_id": "app-client-id",
        "client_secret": CLIENT_SECRET,
        "jwt": JWT,
        **overrides,
    }


run = StreamReader(SourceCasper, REPORT, incremental=frozenset({REPORT, "calls"}))
"""A `read`: `run(config, "users", state=..., expect_failure=...)` (the Call Detail Report unless named;
the report and `calls` incremental, the directory streams in full refresh)."""
catalog = run.catalog


state_at = CURSOR.state_at


def cursor_values(output: EntrypointOutput) -> list[Any]:
    """The report's cursor in the state messages that carry one."""
    return [value for value in CURSOR.values(output) if value]


def uiis(output: EntrypointOutput) -> list[Any]:
    return record_values(output, "uii")


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return answer(body, status, headers)


def csv_answer(text: str) -> HttpResponse:
    return answer(text, headers={"Content-Type": "text/csv"})


def accounts_request() -> HttpRequest:
    return HttpRequest(f"{API}/accounts")


def users_request() -> HttpRequest:
    return HttpRequest(f"{API}/users", query_params={"flatten": "true"})


ADMIN_USERS = [{"userId": 1111, "userName": "admin@example.com", "children": []}]


def mock_accounts(http: HttpMocker) -> None:
    """The accounts list of the login: `ACCOUNT` and `OTHER_ACCOUNT`."""
    http.get(accounts_request(), json_answer([{"accountId": ACCOUNT}, {"accountId": OTHER_ACCOUNT}]))


def mock_directory(http: HttpMocker, *accounts: str, users: list[dict[str, Any]] | None = None) -> None:
    """What a sync asks before any report: the accounts, the users (to find one who may run reports) and,
    for each of `accounts`, its profile groups (`profile_groups(1000)`, `profile_groups(2000)`, ...)."""
    mock_accounts(http)
    http.get(users_request(), json_answer(ADMIN_USERS if users is None else users))
    for offset, account in enumerate(accounts):
        http.get(input_controls_request(account), json_answer(profile_groups(1000 * (offset + 1))))


def input_controls_request(
    account: str = ACCOUNT, product: str = "CLOUD_PROFILE", user: str = "1111"
) -> HttpRequest:
    return HttpRequest(
        f"{API}/accounts/{account}/users/{user}/reports/inputControls",
        query_params={"accountIds": account, "products": product},
    )


def profile_groups(base: int = 1000) -> list[dict[str, Any]]:
    """An inputControls answer: one named group and the null group of ungrouped profiles."""
    return [
        {
            "groupId": base // 10 + 11,
            "groupName": "Inbound",
            "children": [{"objId": base + 111, "objName": "DTE"}],
        },
        {"groupId": None, "groupName": None, "children": [{"objId": base + 222, "objName": "IT TFN"}]},
    ]


def report_request(account: str, body: dict[str, Any]) -> HttpRequest:
    return HttpRequest(f"{API}/accounts/{account}/reportsStreaming", body=body)


def report_body(
    account: str, start: str, end: str, group_ids: list, object_ids: list, zone: str = "UTC"
) -> dict:
    """The report body the connector sends: times in UTC whatever the configured zone (no DST ambiguity)."""
    return {
        "delimiter": "COMMA",
        "reportType": "CASPER_REPORT",
        "reportTypeName": "Cloud_Call_Detail_Download",
        "reportCriteria": {
            "accountIds": [account],
            "groupBy": "PROFILE",
            "cloudDestinationGroupIds": [],
            "cloudDestinationIds": [],
            "cloudProfileGroupIds": group_ids,
            "cloudProfileIds": object_ids,
            "startTimestamp": start,
            "endTimestamp": end,
            "timezoneName": zone,
            "criteriaType": "CASPER_CRITERIA",
            "reportName": "Cloud_Call_Detail_Download",
            "returnType": "CSV",
            "schedule": {"repeatOption": "ONCE"},
        },
    }


def report_csv(*rows: str) -> str:
    return "\n".join([SEED_HEADER, *rows]) + "\n"


def report_answer(*rows: str) -> HttpResponse:
    """A Call Detail Report answer: the vendor's header and `rows` (none: a window without calls)."""
    return csv_answer(report_csv(*rows))


def row(profile_id: int, uii: str, enqueue: str, profile: str = "DTE") -> str:
    """A report row shaped like the vendor example's, for the given profile, uii and enqueue time."""
    return (
        f"{profile_id},{profile},'{uii},2312866364,8889918278,,,,,,,,0,{enqueue},{enqueue},5,COMPLETE            ,No,2,"
        "CONNECTED,24,,4546,DTE,5854987200,19,4546,DTE,5854987282,ANSWER(5),,,,"
    )


def form(**fields: str) -> str:
    return urlencode(fields)
