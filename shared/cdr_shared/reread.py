"""Reading an answer again when it broke off or was not what the provider documents.

A streamed answer (a CSV report, a JSON array) can fail after the HTTP client accepted it: the connection
drops mid-body, or a 200 carries an empty body or an HTML page. The read loop then sends the request again,
a bounded number of times, with a growing pause between attempts, and finally reports the window it could
not read. `reread_attempts` is that loop's counter::

    for attempt in reread_attempts(5, base_seconds=1.0):
        try:
            ...read and yield the records...
            return
        except SomethingUnreadable as error:
            problem = str(error)
        log(f"... attempt {attempt} of 5")
    raise transient_error(f"... could not be read in 5 attempts ({problem}) ...")
"""

from __future__ import annotations

import time
from collections.abc import Iterator

MAX_PAUSE_SECONDS = 60.0


def reread_attempts(
    attempts: int, base_seconds: float, cap_seconds: float = MAX_PAUSE_SECONDS
) -> Iterator[int]:
    """Attempt numbers 1..`attempts`, pausing `base_seconds * 2**(n-1)` (at most `cap_seconds`) before attempt
    n + 1: the pause happens only when the caller asks for another attempt (a successful read stops asking)."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            time.sleep(min(base_seconds * 2 ** (attempt - 2), cap_seconds))
        yield attempt
