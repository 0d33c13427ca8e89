"""The RingCX CX integration APIs (interaction-metadata, `agg-queue-stats`, `agg-agent-extended-stats`)
answer a JSON array of objects. `json_array_objects` yields them one by one while the body arrives (ijson),
so a large answer never sits in memory whole, and tells a body that is not the documented array apart from
one that breaks off: both are read again by the caller, never taken for an empty window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ijson
import requests

from source_casper.report import CHUNK_BYTES


class NotTheArray(Exception):
    """A 200 answer that is not the documented JSON array of objects (empty, HTML, an object, scalars)."""


class ArrayCutOff(Exception):
    """The JSON array broke off or is malformed."""


class _ChunkReader:
    """The body's byte chunks as a file for ijson; `head` is what was already read to check the shape."""

    def __init__(self, head: bytes, chunks: Iterator[bytes]) -> None:
        self._head, self._chunks = head, chunks

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson's probe for bytes or text
            return b""
        if self._head:
            head, self._head = self._head, b""
            return head
        for chunk in self._chunks:
            if chunk:
                return chunk
        return b""


def json_array_objects(response: requests.Response, what: str) -> Iterator[dict[str, Any]]:
    """The objects of the answer's top-level JSON array (`what` they are, for messages), while it arrives:
    `NotTheArray` for a body that is not such an array, `ArrayCutOff` for one that breaks off."""
    if "html" in response.headers.get("Content-Type", "").lower():
        raise NotTheArray("an HTML page")
    chunks = response.iter_content(chunk_size=CHUNK_BYTES)
    head = b""
    for chunk in chunks:
        head += chunk
        if head.strip():
            break
    first = head.lstrip()[:1]
    if not first:
        raise NotTheArray("an empty body")
    if first != b"[":
        shown = " ".join(head.lstrip()[:80].decode("utf-8", "replace").split())
        kind = {b"<": "an HTML page", b"{": "a JSON object"}.get(first, "a body that is not JSON")
        raise NotTheArray(f"{kind} instead of the JSON array of {what} ('{shown}')")
    try:
        for item in ijson.items(_ChunkReader(head, chunks), "item", use_float=True):
            if not isinstance(item, dict):
                raise NotTheArray(f"an array holding {type(item).__name__} values, not {what}")
            yield item
    except ijson.JSONError as error:
        raise ArrayCutOff(f"the JSON array broke off or is malformed ({error})") from error
