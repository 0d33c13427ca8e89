"""`missed_calls`: the VDN's missed calls as `queryMissedCalls` lists them, incremental on `begin_at`.

"Querying Information About Missed Calls in a Specified VDN"
(https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2582.html; the Chinese page,
https://support.huaweicloud.com/api-ccfs-cec/cec_07_0645.html, says: inbound calls that reached the
agents and were not answered): `POST {base}/rest/cmsapp/v1/callin/queryMissedCalls` with `vdn`,
`offset` (= limit x (page - 1)), `limit` (at most 5,000) and `beginTime`/`endTime` as
`yyyy-MM-dd HH:mm:ss` in UTC ("zero-zone time"); the answer is `returnCode` ("0" = success), `total` and
`missedCalls` (`callId`, `callerNo`, `calleeNo`, `waitBegin`, `callEnd`, `mediaType`, `subMediaType`).

Inferences (the page is silent): `endTime` is inclusive, to the second, so each window asks up to the
second its end falls in; a call that began at or after the window's end is left to the next window, which
asks from that second on (so nothing falls between windows, whether CC-CMS selects on `waitBegin` or a
later instant), and the primary key `callId` deduplicates what a window that starts mid-second repeats;
the one-day retention of the call list applies; `waitBegin`/`callEnd` ("Datetime") come as epoch
milliseconds or as `yyyy-MM-dd HH:mm:ss` in UTC: both are read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pendulum

from cdr_shared.dates import epoch_millis_to_utc, iso_utc, parse_local
from cdr_shared.errors import config_error
from cdr_shared.http_errors import json_body
from cdr_shared.windowed_stream import window_of
from cdr_shared.windows import Window
from source_huawei_cms.answers import MISSED_CALLS_PATH, missed_calls_page
from source_huawei_cms.field_types import MISSED_CALL_INTEGERS, MISSED_CALL_TEXTS, typed
from source_huawei_cms.streams import CURSOR_FIELD, CmsStream, iso_or_none, trimmed_keys

PAGE_LIMIT = 5000  # the documented maximum of `limit`
UTC_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_text(instant: pendulum.DateTime) -> str:
    """`instant` as the page's `yyyy-MM-dd HH:mm:ss` in UTC, to the second (the fraction dropped)."""
    return instant.in_timezone("UTC").strftime(UTC_TEXT_FORMAT)


def missed_call_instant(value: Any) -> pendulum.DateTime | None:
    """A "Datetime" of the page: epoch milliseconds (number or digits) or `yyyy-MM-dd HH:mm:ss[.SSS]` UTC."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text.isdigit():
        return epoch_millis_to_utc(int(text)) if int(text) > 0 else None
    try:
        return parse_local(text.split(".", 1)[0], UTC_TEXT_FORMAT, pendulum.UTC)
    except ValueError:
        return None


class MissedCalls(CmsStream):
    """One record per missed call of the VDN (inbound only, so one partition), keys trimmed, UTC instants added."""

    name = "missed_calls"
    primary_key = "callId"

    def path(self, **kwargs: Any) -> str:
        return MISSED_CALLS_PATH

    def partitions(self) -> list[dict[str, Any]]:
        return [{}]

    def query_body(self, window: Window, offset: int) -> dict[str, Any]:
        return {
            "vdn": self.config.vdn,
            "offset": offset,
            "limit": PAGE_LIMIT,
            "beginTime": utc_text(window.start),
            "endTime": utc_text(window.end),
        }

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Pages at `offset` 0, 5000, ... until `total` is reached or a page comes back empty or short.

        A later page that brings no call not already read means the server ignores `offset`: when `total`
        says calls are still missing, the sync fails naming the window (never loops, never drops them).
        """
        window = window_of(stream_slice)
        seen: set[str] = set()
        offset = 0
        while True:
            page, total = missed_calls_page(json_body(self.post(self.query_body(window, offset)))) or (
                [],
                None,
            )
            if total is not None:
                self.expect_in_slice(total)
            fresh = [
                record for record in map(self.record_of, page) if record and record["callId"] not in seen
            ]
            if offset > 0 and page and not fresh:
                if total is None:
                    self.report_offset_ignored_without_total(window, offset)
                if total is None or len(seen) >= total:
                    return
                raise config_error(
                    f"{self.name}: CC-CMS ignores 'offset' in queryMissedCalls: the page at offset {offset} for "
                    f"{iso_utc(window.start)} to {iso_utc(window.end)} repeated calls already read, while "
                    f"'total' says {total} calls and only {len(seen)} were received. Lower 'window_minutes' "
                    f"so that a window holds at most {PAGE_LIMIT} missed calls."
                )
            seen.update(record["callId"] for record in fresh)
            yield from self.within(window, fresh)
            offset += len(page)
            if (
                not page
                or (total is not None and offset >= total)
                or (total is None and len(page) < PAGE_LIMIT)
            ):
                return

    def report_offset_ignored_without_total(self, window: Window, offset: int) -> None:
        self.logger.warning(
            f"{self.name}: DATA MAY BE MISSING. The queryMissedCalls page at offset {offset} for "
            f"{iso_utc(window.start)} to {iso_utc(window.end)} repeated calls already read and the answer carries "
            f"no 'total': CC-CMS seems to ignore 'offset'. Lower 'window_minutes' so that a window holds fewer "
            f"than {PAGE_LIMIT} missed calls."
        )

    def within(self, window: Window, records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The records that did not begin at or after the window's end (those are the next window's)."""
        for record in records:
            begun = missed_call_instant(record.get("waitBegin"))
            if begun is not None and begun >= window.end:
                self.skip("missed calls that began after the window (read with the next one)")
                continue
            yield record

    def record_of(self, raw: Any) -> dict[str, Any] | None:
        """The missed call (typed, keys trimmed) plus `begin_at`/`end_at` in UTC; None without a `callId`."""
        if not isinstance(raw, Mapping):
            self.skip("missed-call entries that are not objects")
            return None
        record = typed(trimmed_keys(raw), MISSED_CALL_INTEGERS, MISSED_CALL_TEXTS)
        if not record.get("callId"):
            self.skip("missed calls without a callId")
            return None
        record[CURSOR_FIELD] = iso_or_none(missed_call_instant(record.get("waitBegin")))
        record["end_at"] = iso_or_none(missed_call_instant(record.get("callEnd")))
        return record
