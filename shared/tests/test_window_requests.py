"""`window_params` / `window_body`: a windowed stream declares its request per window and page, and the
template hands them to the CDK (`request_params`, `request_body_json`) and to `request_page`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pendulum
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from cdr_shared.dates import iso_utc
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import ProviderErrorHandler
from cdr_shared.sync_range import sync_range_from_config
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windowed_stream import WINDOW_END, WINDOW_START, WindowedHttpStream
from cdr_shared.windows import Window

BASE = "https://api.example.com"
START, END = "2024-05-10T00:00:00+00:00", "2024-05-10T06:00:00+00:00"
SLICE = {WINDOW_START: START, WINDOW_END: END, "window_index": 1, "window_count": 1}


class Reports(WindowedHttpStream):
    """A report asked for with the window in the query and the page in the body."""

    name = "reports"
    primary_key = "id"
    http_method = "POST"
    url_base = f"{BASE}/"

    def __init__(self) -> None:
        config = {"start_date": "2024-05-01T00:00:00Z"}
        range_ = sync_range_from_config(config, default_timezone="UTC")
        super().__init__(WindowedCursor(self.name, "started_at", range_, LagHorizon(pendulum.duration())))

    def path(self, **kwargs: Any) -> str:
        return "reports"

    def get_error_handler(self) -> ProviderErrorHandler:
        return ProviderErrorHandler("Example", "Check 'api_key'.", max_retries=1)

    def window_params(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any]:
        return {"from": iso_utc(window.start), "to": iso_utc(window.end)}

    def window_body(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any]:
        return {"page": (page or {}).get("page", 1)}


def test_given_a_window_and_a_page_then_the_request_carries_the_declared_query_and_body():
    stream = Reports()
    with HttpMocker() as http:
        http.post(
            HttpRequest(
                f"{BASE}/reports", query_params={"from": START, "to": END}, body=json.dumps({"page": 2})
            ),
            HttpResponse("{}"),
        )
        assert stream.request_page(SLICE, {"page": 2}).status_code == 200


def test_without_a_window_slice_then_no_query_and_no_body_are_declared():
    stream = Reports()
    assert stream.request_params(stream_state={}, stream_slice=None) == {}
    assert stream.request_body_json(stream_state={}, stream_slice=None) is None
