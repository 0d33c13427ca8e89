"""`call_detail_report`: the cloud Call Detail Report (CASPER_REPORT), streamed as CSV per account and window.

`POST {base}/api/v1/admin/accounts/{accountId}/reportsStreaming` with the body of the vendor's
Call Detail Report page (github.com/ringcentral/engage-voice-api-docs,
docs/analytics/reports/DEPRECATED-call-detail-report.md). Windows are local
days of the report's zone; each window is read for every account (the partitions), and the cursor
(`enqueue_at`, UTC) moves to a window's end once every account's report for it was read completely.

The report is asked for in UTC (`timezoneName: UTC`) whatever the configured zone: RingCX writes its times
as wall times without offset (`4/20/20 6:12 AM`), and in a zone with daylight saving the hour after a fall-back
change happens twice, so a local wall time could be off by an hour. UTC wall times are never ambiguous; the
configured `timezone` cuts the windows (local days) and gives the display values `enqueue_local`/`dequeue_local`.

A 200 answer that is not the report (empty body, HTML page, another report's CSV; see `report_csv`) and a
report that ends inside its last row are read again, up to `REPORT_ATTEMPTS` times, then fail the sync with a
message naming the account and window: never an empty window. Ragged rows are emitted and counted.

The CSV is parsed while it arrives (`stream=True`), so memory stays flat whatever the report's size. Faults
before the answer starts (5xx, resets, 429, 401) are the HTTP client's to retry; a report that breaks off
while streaming (connection lost, last row cut) is read again from the start, up to `REPORT_ATTEMPTS`
times. Rows already emitted are not emitted twice when the new answer starts with the same calls in the same
order (checked with a digest of their `uii`s); otherwise the window is emitted again in full (at least once).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pendulum
import requests
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.dates import format_local
from cdr_shared.errors import transient_error
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import ProviderErrorHandler
from cdr_shared.windowed_state import Clock, WindowedCursor, utc_now
from cdr_shared.windowed_stream import WindowedHttpStream, window_of
from cdr_shared.windows import Window, split_local_days
from source_casper.config import CasperConfig
from source_casper.report_csv import ReportRowParser, ReportUnreadable, ReportUnusable
from source_casper.streams import PROVIDER, RingCxDirectory, RingCxEndpoint

# A call is written to the report once it has ended; calls still in progress at sync time are picked up by
# the next sync's lookback, so the horizon is "now".
RINGCX_HORIZON = LagHorizon(pendulum.duration(seconds=0))
REPORT_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 1.0
PROGRESS_EVERY_ROWS = 100_000
CHUNK_BYTES = 64 * 1024
REPORT_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
REPORT_ZONE_NAME = "UTC"
REPORT_ZONE = pendulum.timezone(REPORT_ZONE_NAME)
# `endTimestamp` is inclusive (the docs' example ends a day at 23:59:59); the documented form carries four
# decimals, so a window [start, end) ends at end - 0.1 ms and no call in its last second is left out.
END_OF_WINDOW = pendulum.duration(microseconds=100)


def report_cursor(
    stream_name: str, cursor_field: str, config: CasperConfig, clock: Clock = utc_now
) -> WindowedCursor:
    """The report's cursor contract: local days of `timezone` per `window_days`, lookback, horizon "now"
    (`call_detail_report` on `enqueue_at`, and `calls` on `started_at`, the same instant). `calls` follows the
    report's cursor (`WindowedCursor.follows`), so both plan the same windows however long the report took."""
    tz = config.sync_range.tz
    days = max(1, int(config.sync_range.window.total_seconds() // 86_400))
    return WindowedCursor(
        stream_name,
        cursor_field,
        config.sync_range,
        RINGCX_HORIZON,
        clock=clock,
        splitter=lambda start, end: split_local_days(start, end, tz, days),
    )


@dataclass(frozen=True)
class ReportCriteria:
    """The groups and objects one account's report covers."""

    group_ids: tuple[int | None, ...]
    object_ids: tuple[int, ...]


def report_timestamp(instant: pendulum.DateTime, tz: pendulum.Timezone) -> str:
    """`instant` as the report's ANSI SQL timestamp in the report zone: `2020-04-22 00:00:00.0000`."""
    local = instant.in_timezone(tz)
    return f"{format_local(local, tz, REPORT_TIMESTAMP)}.{local.microsecond // 100:04d}"


def report_body(
    account_id: str, group_by: str, criteria: ReportCriteria, window: Window, config: CasperConfig
) -> dict:
    """The request body of the vendor's Call Detail Report page for one account and window, asked in UTC."""
    tz = REPORT_ZONE
    profile = group_by == "PROFILE"
    return {
        "delimiter": "COMMA",
        "reportType": "CASPER_REPORT",
        "reportTypeName": "Cloud_Call_Detail_Download",
        "reportCriteria": {
            "accountIds": [account_id],
            "groupBy": group_by,
            "cloudDestinationGroupIds": [] if profile else list(criteria.group_ids),
            "cloudDestinationIds": [] if profile else list(criteria.object_ids),
            "cloudProfileGroupIds": list(criteria.group_ids) if profile else [],
            "cloudProfileIds": list(criteria.object_ids) if profile else [],
            "startTimestamp": report_timestamp(window.start, tz),
            "endTimestamp": report_timestamp(window.end - END_OF_WINDOW, tz),
            "timezoneName": REPORT_ZONE_NAME,
            "criteriaType": "CASPER_CRITERIA",
            "reportName": "Cloud_Call_Detail_Download",
            "returnType": "CSV",
            "schedule": {"repeatOption": "ONCE"},
        },
    }


class ReportErrorHandler(ProviderErrorHandler):
    """The report answers CSV: a 200 is accepted without reading the body (it streams); the read loop checks it."""

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        return ErrorResolution(response_action=ResponseAction.SUCCESS)


class _EmittedPrefix:
    """How many rows of a window were emitted, and a digest of their `uii`s in order."""

    def __init__(self) -> None:
        self.count = 0
        self.digest = hashlib.sha256()

    def add(self, record: Mapping[str, Any]) -> None:
        self.count += 1
        self.digest.update(f"{record.get('uii')}\x1f".encode())


class _ReplayDiffers(Exception):
    """A re-read report does not start with the rows already emitted."""


class CallDetailReport(RingCxEndpoint, WindowedHttpStream):
    """Every cloud-routed call, incremental on `enqueue_at` (UTC, from `enqueue_time` in the report's zone)."""

    name = "call_detail_report"
    # RingCX builds the whole report before its first byte: allow it minutes between bytes (not one request
    # in total), where the other RingCX requests wait at most two (`ProviderHttpStream.timeout_seconds`).
    timeout_seconds = (10.0, 300.0)
    primary_key = ["account_id", "uii"]
    http_method = "POST"
    path_template = "accounts/{account_id}/reportsStreaming"

    def __init__(
        self, config: CasperConfig, auth_hint: str, directory: RingCxDirectory, **kwargs: Any
    ) -> None:
        self.config = config
        self.auth_hint = auth_hint
        self.directory = directory
        self._criteria: dict[str, ReportCriteria | None] = {}
        super().__init__(report_cursor(self.name, "enqueue_at", config), **kwargs)

    def get_error_handler(self) -> ErrorHandler:
        return ReportErrorHandler(PROVIDER, self.auth_hint)

    # ------------------------------------------------------------------------------ partitions

    def partitions(self) -> list[dict[str, Any]]:
        """One partition per account; its report criteria are resolved here, once per sync."""
        partitions = []
        for account_id in self.directory.account_ids():
            if account_id not in self._criteria:  # `calls` asks again: inputControls is read once per sync
                self._criteria[account_id] = self.criteria_for(account_id)
            partitions.append({"account_id": account_id})
        return partitions

    def criteria_for(self, account_id: str) -> ReportCriteria | None:
        """Explicit ids from the config, else every group (null included) and object inputControls lists."""
        group_ids, object_ids = self.config.group_ids, self.config.object_ids
        if group_ids is not None and object_ids is not None:
            return ReportCriteria(group_ids, object_ids)
        controls = self.directory.controls(account_id, self.config.group_by)
        listed_groups = tuple(dict.fromkeys([*controls.group_ids, None]))
        if object_ids is not None:
            return ReportCriteria(listed_groups, object_ids)
        if not controls.objects:
            return None
        return ReportCriteria(listed_groups, tuple(item.object_id for item in controls.objects))

    # ---------------------------------------------------------------------------------- reading

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every row of one account's report for one window (one streamed CSV), read again if the answer
        breaks off: rows already emitted are recognised and skipped."""
        account_id = str(stream_slice["account_id"])
        criteria = self._criteria.get(account_id)
        if criteria is None:
            if account_id not in self._criteria:
                criteria = self._criteria.setdefault(account_id, self.criteria_for(account_id))
            if criteria is None:
                self.logger.info(
                    f"{self.name}: account {account_id} has no {self.config.group_by.lower()}s; nothing to report."
                )
                return
        window = window_of(stream_slice)
        body = report_body(account_id, self.config.group_by, criteria, window, self.config)
        where = describe_window(window, self.config.sync_range.tz)
        emitted = _EmittedPrefix()
        for attempt in range(1, REPORT_ATTEMPTS + 1):
            try:
                yield from self._read_report(account_id, stream_slice, body, emitted)
                return
            except _ReplayDiffers:
                self.logger.warning(
                    f"{self.name}: account {account_id}: the report read again does not start with the "
                    f"{emitted.count} rows already sent; sending the whole window again (duplicates share a primary key)."
                )
                emitted = _EmittedPrefix()
                problem = "a re-read report that differs from the first"
            except ReportUnusable as error:
                problem = f"RingCX answered with {error}"
                self.logger.warning(
                    f"{self.name}: account {account_id}, {where}: {problem}, not the report; "
                    f"attempt {attempt} of {REPORT_ATTEMPTS}."
                )
            except (ReportUnreadable, requests.RequestException) as error:
                problem = (
                    f"{type(error).__name__}: {error}"
                    if isinstance(error, ReportUnreadable)
                    else type(error).__name__
                )
                self.logger.warning(
                    f"{self.name}: account {account_id}, {where}: the report broke off after {emitted.count} "
                    f"row(s) ({problem}); attempt {attempt} of {REPORT_ATTEMPTS}."
                )
            if attempt < REPORT_ATTEMPTS:
                time.sleep(min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), 60.0))
        raise transient_error(
            f"RingCX's call detail report for account {account_id}, {where}, could not be read completely in "
            f"{REPORT_ATTEMPTS} attempts ({problem}); nothing of this window is taken as complete and the next "
            "sync reads it again."
        )

    def _read_report(
        self, account_id: str, stream_slice: Mapping[str, Any], body: dict, emitted: _EmittedPrefix
    ) -> Iterator[dict[str, Any]]:
        response = self.send(
            "POST",
            self.path(stream_slice=stream_slice),
            request_kwargs={"stream": True},
            headers={"Accept": "text/csv"},
            json=body,
        )
        already, expected = emitted.count, emitted.digest.digest()
        replay = hashlib.sha256()
        position = 0
        parser = self.parser(account_id)
        try:
            if "html" in response.headers.get("Content-Type", "").lower():
                raise ReportUnusable("an HTML page")
            for record in parser.records(text_chunks(response)):
                position += 1
                if position <= already:
                    replay.update(f"{record.get('uii')}\x1f".encode())
                    if position == already and replay.digest() != expected:
                        raise _ReplayDiffers()
                    continue
                emitted.add(record)
                if emitted.count % PROGRESS_EVERY_ROWS == 0:
                    self.logger.info(
                        f"{self.name}: account {account_id}: {emitted.count} rows of this window so far."
                    )
                yield record
        finally:
            response.close()
        if position < already:
            raise _ReplayDiffers()
        if parser.ragged_rows:
            self.logger.warning(
                f"{self.name}: account {account_id}: {parser.ragged_rows} row(s) of this window had more or fewer "
                f"cells than the header (first at CSV line {parser.first_ragged_line}); they were emitted with the "
                "cells the header names, extra cells in 'surplus_cells'."
            )

    def parser(self, account_id: str) -> ReportRowParser:
        return ReportRowParser(
            REPORT_ZONE, {"account_id": account_id}, self.logger, display_tz=self.config.sync_range.tz
        )


def describe_window(window: Window, tz: pendulum.Timezone) -> str:
    """`window 2024-05-09T00:00:00-07:00 to 2024-05-10T00:00:00-07:00`, in the configured zone."""
    return f"window {window.start.in_timezone(tz).isoformat()} to {window.end.in_timezone(tz).isoformat()}"


def text_chunks(response: requests.Response) -> Iterator[str]:
    """The body as text chunks while it arrives; UTF-8 unless the answer names another charset."""
    if "charset" not in response.headers.get("Content-Type", "").lower():
        response.encoding = "utf-8"
    return response.iter_content(chunk_size=CHUNK_BYTES, decode_unicode=True)
